"""Spike-train recipes for spike_generator populations (learning demos)."""
from __future__ import annotations

import numpy as np

from engine.errors import ValidationError


def pattern_in_noise(n_neurons: int, duration_ms: float, rate_hz: float = 10.0, pattern_ms: float = 50.0,
                     pattern_every_ms: float = 250.0, seed: int = 1, dt: float = 0.1) -> tuple[list[list[float]], list[float]]:
    """A repeating spatio-temporal pattern hidden in Poisson noise (Masquelier, Guyonneau & Thorpe 2008).

    Every neuron fires as a Poisson process at `rate_hz`. One `pattern_ms` segment of that activity
    is frozen and pasted in again at random onsets (on average every `pattern_every_ms`, never
    overlapping), so the population rate never betrays the pattern: only the timing does.
    Returns (trains, pattern onsets in ms); times are on the dt grid and > 0.
    """
    if n_neurons < 1 or duration_ms <= pattern_ms or rate_hz < 0 or pattern_ms <= 0 or pattern_every_ms < pattern_ms:
        raise ValidationError("pattern_in_noise: needs n_neurons >= 1, duration > pattern_ms > 0, rate >= 0 "
                              "and pattern_every_ms >= pattern_ms")
    rng = np.random.default_rng(seed)
    pattern = [np.sort(rng.uniform(0.0, pattern_ms, rng.poisson(rate_hz * pattern_ms * 1e-3))) for _ in range(n_neurons)]
    onsets, t = [], pattern_ms
    while True:
        t += pattern_ms + rng.exponential(pattern_every_ms - pattern_ms)
        if t + pattern_ms > duration_ms:
            break
        onsets.append(round(t / dt) * dt)
    trains = []
    for i in range(n_neurons):
        noise = np.sort(rng.uniform(0.0, duration_ms, rng.poisson(rate_hz * duration_ms * 1e-3)))
        keep = np.ones(noise.size, bool)
        for onset in onsets:  # the pattern replaces the noise during its windows
            keep &= ~((noise >= onset) & (noise < onset + pattern_ms))
        times = np.concatenate([noise[keep]] + [onset + pattern[i] for onset in onsets])
        times = np.unique(np.round(np.sort(times) / dt) * dt)
        trains.append([float(round(x, 6)) for x in times[times >= dt]])
    return trains, onsets
