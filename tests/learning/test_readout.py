"""Readouts: the unsupervised vote and the delta-rule linear readout, accuracy and confusion."""
import numpy as np

from engine.learning.readout import DeltaReadout, VoteReadout, accuracy, confusion_matrix


def class_counts(rng, labels, n_neurons=20, n_classes=4):
    """Neuron j answers class j % n_classes with ~6 spikes, the rest with ~0.5."""
    preferred = np.arange(n_neurons) % n_classes
    mean = np.where(preferred[None, :] == labels[:, None], 6.0, 0.5)
    return rng.poisson(mean)


def test_vote_labels_each_neuron_by_the_class_it_answers_most_and_classifies():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, 400)
    vote = VoteReadout(20, 4)
    vote.learn(class_counts(rng, labels), labels)
    assert vote.assignments.tolist() == (np.arange(20) % 4).tolist()
    test = rng.integers(0, 4, 200)
    assert accuracy(vote.predict(class_counts(rng, test)), test) > 0.95


def test_a_neuron_that_never_fired_is_not_labelled():
    vote = VoteReadout(3, 2)
    vote.learn(np.array([[2, 0, 0], [0, 3, 0]]), np.array([0, 1]))
    assert vote.assignments.tolist() == [0, 1, -1]


def test_delta_rule_readout_learns_online_a_mapping_the_vote_cannot_name():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 600)
    counts = np.where(labels[:, None] == 0, [5, 5, 0], [5, 0, 5]) + rng.poisson(0.3, (600, 3))
    linear = DeltaReadout(3, 2, rate=0.05)
    before = accuracy(linear.predict(counts[500:]), labels[500:])
    linear.learn(counts[:500], labels[:500])
    assert before < 0.7 and accuracy(linear.predict(counts[500:]), labels[500:]) > 0.95


def test_confusion_matrix_rows_are_true_classes():
    matrix = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    assert matrix.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
