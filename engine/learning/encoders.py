"""Spike encoders: one sample (n_features, n_frames) of values in [0, 1] to spike times.

A presentation of `duration` ms is cut into n_frames equal frames (a static sample is one
frame); g = intensity is the live gain on the values. Each returns (feature index, time in
ms from the onset of the presentation) of every spike, unsorted.

rate     (Poisson) each feature fires as a Poisson process of rate max_rate * g * x(f) in frame f
         (Diehl & Cook 2015: pixel intensity / 4 -> up to 63.75 Hz).
latency  (time to first spike) one spike per feature and frame at t = tau ln(I / (I - 1)) after
         the frame starts, I = g x: the time a leaky integrator (time constant tau, threshold 1)
         driven by I takes to reach threshold (snnTorch's spikegen.latency, linear=False);
         I <= 1 or t past the frame: no spike. Larger intensity, earlier spike.
delta    (threshold crossings) the signal s(f) = g x(f), with s = 0 before the first frame: one
         spike for every level k * threshold (k = +-1, +-2, ...) that s crosses from one frame to
         the next, sent at the start of the frame where it is crossed.
"""
from __future__ import annotations

import numpy as np

ENCODERS = ("rate", "latency", "delta")


def rate_spikes(frames: np.ndarray, duration: float, gain: float, max_rate: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_features, n_frames = frames.shape
    frame_ms = duration / n_frames
    expected = np.clip(frames * gain, 0.0, None) * max_rate * frame_ms * 1e-3
    counts = rng.poisson(expected).ravel()  # (feature, frame) row-major
    cell = np.repeat(np.arange(counts.size), counts)
    times = (cell % n_frames + rng.random(cell.size)) * frame_ms
    return cell // n_frames, times


def latency_spikes(frames: np.ndarray, duration: float, gain: float, tau: float) -> tuple[np.ndarray, np.ndarray]:
    n_features, n_frames = frames.shape
    frame_ms = duration / n_frames
    drive = frames * gain
    fires = drive > 1.0
    delay = np.full(drive.shape, np.inf)
    delay[fires] = tau * np.log(drive[fires] / (drive[fires] - 1.0))
    fires &= delay < frame_ms
    feature, frame = np.nonzero(fires)
    return feature, frame * frame_ms + delay[feature, frame]


def delta_spikes(frames: np.ndarray, duration: float, gain: float, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    n_features, n_frames = frames.shape
    frame_ms = duration / n_frames
    signal = frames * gain
    # the number of levels crossed between frames is the change of the whole-level index
    levels = np.trunc(signal / threshold)
    previous = np.concatenate([np.zeros((n_features, 1)), levels[:, :-1]], axis=1)
    counts = np.abs(levels - previous).astype(np.int64).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    return cell // n_frames, (cell % n_frames) * frame_ms
