"""Degradation sweep: how a measure of the network degrades as a growing fraction of one population's
neurons (or one projection's synapses) is lesioned, with its spread over lesion seeds.

The measure is the mean firing rate (Hz) of the surviving neurons of a population over a window after
a warm-up: the sweep lesions `fraction` of `target` (engine.runtime.lesions: for one seed the parts
lesioned at a larger fraction include those of a smaller one), resets to t = 0, runs warm-up plus
window, and counts the measured population's spikes in the window. The network's own seed stays
fixed, so the spread over seeds is the spread over which parts failed. Deterministic per seed.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.compile.propagators import steps_of
from engine.errors import ValidationError
from engine.model.network import Network

DEFAULT_FRACTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
DEFAULT_SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class DegradationSweep:
    """values[i, j]: the measure at fractions[i] lesioned with lesion seed seeds[j]."""

    target: str
    measure: str  # population whose surviving neurons' rate is measured
    fractions: tuple[float, ...]
    seeds: tuple[int, ...]
    values: np.ndarray  # (n_fractions, n_seeds) Hz
    window_ms: float
    warmup_ms: float

    @property
    def mean(self) -> np.ndarray:
        return self.values.mean(axis=1)

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation over seeds at each fraction (0 for a single seed)."""
        return self.values.std(axis=1)

    def to_dict(self) -> dict:
        return {"target": self.target, "measure": f"rate of '{self.measure}' (Hz, surviving neurons)",
                "window_ms": self.window_ms, "warmup_ms": self.warmup_ms, "seeds": list(self.seeds),
                "points": [{"fraction": f, "mean": float(m), "spread": float(s), "values": [float(v) for v in row]}
                           for f, m, s, row in zip(self.fractions, self.mean, self.spread, self.values)]}

    def table(self) -> str:
        """Plain-text table: fraction, mean and spread of the measure."""
        lines = [f"lesioning {self.target}: rate of '{self.measure}' (Hz, surviving neurons), "
                 f"{len(self.seeds)} seed(s), {self.window_ms:g} ms after {self.warmup_ms:g} ms",
                 "fraction   mean Hz   spread"]
        lines += [f"{f:8.2f}  {m:8.2f}  {s:7.2f}" for f, m, s in zip(self.fractions, self.mean, self.spread)]
        return "\n".join(lines)


def degradation_sweep(network: Network, target: str, measure: str, fractions: Sequence[float] = DEFAULT_FRACTIONS,
                      seeds: Sequence[int] = DEFAULT_SEEDS, window_ms: float = 500.0, warmup_ms: float = 100.0,
                      dt: float | None = None, on_point: Callable[[int, int], None] | None = None) -> DegradationSweep:
    """Rate of `measure`'s surviving neurons at each lesioned fraction of `target` and each lesion seed.
    `on_point(done, total)` is called after each simulated point (progress for a background sweep)."""
    from engine.runtime.simulator import Simulator  # runtime sits beside neuromorphic: imported when used

    fractions, seeds = _checked_points(fractions, seeds)
    for name, value in (("window_ms", window_ms), ("warmup_ms", warmup_ms)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value < (0 if name == "warmup_ms" else 1e-9):
            raise ValidationError(f"degradation sweep: {name} must be a finite number of ms "
                                  f"({'>= 0' if name == 'warmup_ms' else '> 0'}), got {value!r}")
    if measure not in {p.name for p in network.populations}:
        raise ValidationError(f"degradation sweep: no population named '{measure}' to measure")
    sim = Simulator(network, dt=dt)
    sim.lesioned(target)  # names a population or projection with lesionable parts, or raises
    sl = sim.compiled.pop_slice(measure)
    p = sim.compiled.pop_index(measure)
    warmup_steps = steps_of(warmup_ms, sim.dt)
    values = np.zeros((len(fractions), len(seeds)))
    for j, seed in enumerate(seeds):
        for i, fraction in enumerate(fractions):
            sim.lesions.revive_all()
            sim.reset()
            sim.lesion(target, fraction=fraction, seed=seed)
            sim.run(warmup_ms + window_ms)
            spikes = int(sim.population_counts()[warmup_steps:, p].sum())
            alive = (sl.stop - sl.start) - sim.lesioned(measure).size
            values[i, j] = spikes / max(alive, 1) / (window_ms * 1e-3)
            if on_point is not None:
                on_point(j * len(fractions) + i + 1, len(fractions) * len(seeds))
    return DegradationSweep(target, measure, fractions, seeds, values, float(window_ms), float(warmup_ms))


def _checked_points(fractions, seeds) -> tuple[tuple[float, ...], tuple[int, ...]]:
    fractions, seeds = tuple(fractions), tuple(seeds)
    if not fractions or any(isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.0 <= f <= 1.0
                            for f in fractions):
        raise ValidationError(f"degradation sweep: fractions must be numbers from 0 to 1, got {list(fractions)!r}")
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise ValidationError(f"degradation sweep: seeds must be whole numbers >= 0, got {list(seeds)!r}")
    return tuple(float(f) for f in fractions), tuple(int(s) for s in seeds)
