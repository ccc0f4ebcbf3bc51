"""Readouts: a population's spike counts per sample (n_samples, n_neurons) to a class.

VoteReadout   Diehl & Cook (2015): each neuron is labelled by the class it answers most (its
              mean count per class over the samples seen, class sizes evened out); a sample is
              the class whose labelled neurons fire most on average. Labels are not used to learn
              the weights, only to name the neurons afterwards.
DeltaReadout  a linear readout trained online with the delta rule (Widrow & Hoff 1960) on the
              training split: y = W r / max(r), W <- W + rate (onehot(label) - y) r^T / max(r).
Both update sample by sample (`learn`), so accuracy on the training samples seen so far is
measured before each sample is learned (predict, then learn).
"""
from __future__ import annotations

import numpy as np


class VoteReadout:
    def __init__(self, n_neurons: int, n_classes: int):
        self.response = np.zeros((n_classes, n_neurons))  # summed counts per class
        self.seen = np.zeros(n_classes)

    def learn(self, counts: np.ndarray, labels: np.ndarray) -> None:
        counts, labels = np.atleast_2d(counts), np.atleast_1d(labels)
        np.add.at(self.response, labels, counts)
        self.seen += np.bincount(labels, minlength=self.seen.size)

    @property
    def assignments(self) -> np.ndarray:
        """(n_neurons,) the class each neuron answers most (-1: never fired)."""
        mean = self.response / np.maximum(self.seen, 1)[:, None]
        labelled = np.argmax(mean, axis=0)
        return np.where(mean.max(axis=0) > 0, labelled, -1)

    def predict(self, counts: np.ndarray) -> np.ndarray:
        counts = np.atleast_2d(counts)
        assigned = self.assignments
        scores = np.full((counts.shape[0], self.seen.size), -1.0)
        for label in range(self.seen.size):
            members = assigned == label
            if members.any():
                scores[:, label] = counts[:, members].mean(axis=1)
        return np.argmax(scores, axis=1)


class DeltaReadout:
    def __init__(self, n_neurons: int, n_classes: int, rate: float = 0.05):
        self.weights = np.zeros((n_classes, n_neurons + 1))  # the last column is the bias
        self.rate = rate

    @staticmethod
    def _inputs(counts: np.ndarray) -> np.ndarray:
        counts = np.atleast_2d(counts).astype(np.float64)
        scale = np.maximum(counts.max(axis=1, keepdims=True), 1.0)  # counts relative to the sample's busiest
        return np.hstack([counts / scale, np.ones((counts.shape[0], 1))])

    def learn(self, counts: np.ndarray, labels: np.ndarray) -> None:
        for inputs, label in zip(self._inputs(counts), np.atleast_1d(labels)):
            target = np.zeros(self.weights.shape[0])
            target[label] = 1.0
            self.weights += self.rate * np.outer(target - self.weights @ inputs, inputs)

    def predict(self, counts: np.ndarray) -> np.ndarray:
        return np.argmax(self._inputs(counts) @ self.weights.T, axis=1)


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(labels))) if len(labels) else 0.0


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predicted)), 1)
    return matrix
