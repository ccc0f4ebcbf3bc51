"""The data_source device's spike trains: which sample is shown when, through which encoder.

Samples of the chosen split are shown one after another: sample k of the schedule from
start + k (presentation + rest) for `presentation` ms, then `rest` ms of silence. Each epoch
presents the split (or a subset of n_samples, drawn once from split_seed, so a small training
set is the same set every epoch) in a new order drawn from order_seed; the
train/test cut is drawn once from split_seed (engine.learning.datasets.split_indices), so a test
sample is never shown in a training schedule.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.errors import ValidationError
from engine.learning.datasets import Dataset, load_dataset, split_indices
from engine.learning.encoders import delta_spikes, latency_spikes, rate_spikes


class Schedule(NamedTuple):
    samples: np.ndarray  # (n_shown,) int64 index into the data set of each presented sample, in order
    labels: np.ndarray  # (n_shown,) int64 their classes
    onsets: np.ndarray  # (n_shown,) float64 ms: when each presentation starts
    presentation: float  # ms
    rest: float  # ms


def split_of(dataset: Dataset, params: dict) -> np.ndarray:
    """Indices of the samples in the source's split ('train', 'test' or 'all')."""
    if params["split"] == "all":
        return np.arange(dataset.labels.size)
    train, test = split_indices(dataset.labels.size, params["test_fraction"], int(params["split_seed"]))
    return train if params["split"] == "train" else test


def schedule(params: dict) -> Schedule:
    """The presentation order of a data_source with validated parameters."""
    dataset = load_dataset(params["dataset"], "data_source")
    pool = split_of(dataset, params)
    shown = int(params["n_samples"]) or pool.size
    if shown < pool.size:  # a fixed subset (from split_seed): a small training set stays the same set each epoch
        pool = np.sort(np.random.default_rng([int(params["split_seed"]), 31]).permutation(pool)[:shown])
    orders = [np.random.default_rng([int(params["order_seed"]), epoch]).permutation(pool)
              for epoch in range(int(params["epochs"]))]
    samples = np.concatenate(orders)
    period = params["presentation"] + params["rest"]
    onsets = params["start"] + period * np.arange(samples.size)
    return Schedule(samples, dataset.labels[samples], onsets, params["presentation"], params["rest"])


def encode_sample(frames: np.ndarray, params: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(feature, ms after onset) of the spikes of one sample under the source's encoder."""
    duration, gain = params["presentation"], params["intensity"]
    if params["encoder"] == "rate":
        return rate_spikes(frames, duration, gain, params["max_rate"], rng)
    if params["encoder"] == "latency":
        return latency_spikes(frames, duration, gain, params["latency_tau"])
    return delta_spikes(frames, duration, gain, params["delta_threshold"])


def augmented(frames: np.ndarray, params: dict, rng: np.random.Generator) -> np.ndarray:
    """A training sample (n_features, n_frames) shifted and noised as the source's augmentation says."""
    shift, noise = int(params.get("augment_shift", 0)), float(params.get("augment_noise", 0.0))
    if params["split"] != "train" or (shift == 0 and noise == 0):
        return frames
    side = int(round(np.sqrt(frames.shape[0])))
    grid = (side, side) if side * side == frames.shape[0] else (frames.shape[0],)
    image = frames.reshape(*grid, frames.shape[1])
    for axis in range(len(grid)):
        by = int(rng.integers(-shift, shift + 1)) if shift else 0
        image = np.roll(image, by, axis=axis)
        edge = [slice(None)] * image.ndim
        edge[axis] = slice(0, by) if by > 0 else slice(image.shape[axis] + by, None)
        if by:
            image[tuple(edge)] = 0.0  # shifted in: background, not the other side of the digit
    values = image.reshape(frames.shape)
    if noise > 0:
        values = np.clip(values + rng.normal(0.0, noise, values.shape), 0.0, 1.0)
    return values


def data_source_steps(params: dict, size: int, dt: float) -> list[np.ndarray]:
    """Emission steps per input neuron (one neuron per feature), as the spike_generator's: a spike
    at time T is emitted in step T/dt - 1, so it is stamped T; only start < T <= stop are sent."""
    dataset = load_dataset(params["dataset"], "data_source")
    if size != dataset.n_features:
        raise ValidationError(f"data_source: data set '{dataset.name}' has {dataset.n_features} features per "
                              f"sample; the population needs size {dataset.n_features} (one neuron each), not {size}")
    plan = schedule(params)
    rng = np.random.default_rng([int(params["order_seed"]), 7919])
    augment_rng = np.random.default_rng([int(params["order_seed"]), 7927])  # its own stream: rates unchanged
    frames = dataset.frames
    features, times = [], []
    for sample, onset in zip(plan.samples, plan.onsets):
        feature, offset = encode_sample(augmented(frames[sample], params, augment_rng), params, rng)
        features.append(feature)
        times.append(onset + offset)
    feature = np.concatenate(features) if features else np.empty(0, np.int64)
    step = np.ceil(np.concatenate(times) / dt - 1e-9).astype(np.int64) if features else np.empty(0, np.int64)
    step = np.maximum(step, 1)  # a spike at T is stamped on the grid at or after T, never at t = 0
    keep = step * dt > params["start"]
    if params["stop"] is not None:
        keep &= step * dt <= params["stop"]
    feature, step = feature[keep], step[keep] - 1
    order = np.lexsort((step, feature))
    bounds = np.searchsorted(feature[order], np.arange(size + 1))
    return [step[order][bounds[i]:bounds[i + 1]] for i in range(size)]
