"""Lesions: silence chosen neurons of a population or cut chosen synapses of a projection while the
network runs, and revive them, without a rebuild.

The kernels read masks in the step buffers (engine.compile.arrays.Buffers): a lesioned neuron's spikes
are dropped where they are emitted (engine.kernels.spikes.emit_spike), so it never spikes and delivers
nothing, while its membrane keeps integrating (a revived neuron goes on from a real state); a lesioned
synapse transmits nothing and, if plastic, does not learn. Masks change only between blocks.

A random lesion of fraction f takes the first round(f * n) neurons (or synapses) of a random order
drawn from (seed, object name): for one seed a larger fraction contains a smaller one, so a
degradation sweep removes parts one by one rather than drawing a new set at every fraction.
"""
from __future__ import annotations

import math

import numpy as np

from engine.compile.connect import object_rng
from engine.errors import ValidationError

LESION_STREAM = 5  # object_rng purpose (0-4 are the compiler's)


def lesion_masks(compiled) -> dict[str, np.ndarray]:
    """Zeroed masks for the step buffers (nothing lesioned), sized for `compiled`."""
    c = compiled
    return {
        "lesioned_neuron": np.zeros(c.n_neurons, np.uint8),
        "lesioned_synapse": np.zeros(c.synapses.target.shape[0], np.uint8),
        "cut_synapses": np.zeros(c.synapses.indptr.shape[0] - 1, np.int32),
        "lesioned_plastic": np.zeros(c.plastic.target.shape[0], np.uint8),
        "lesioned_short_term": np.zeros(c.short_term.target.shape[0], np.uint8),
    }


def random_order(seed: int, name: str, n: int) -> np.ndarray:
    """The order in which a random lesion of `name` takes its n parts (for this seed)."""
    return object_rng(int(seed), name, LESION_STREAM).permutation(n)


def chosen_parts(where: str, n: int, indices, fraction, seed) -> np.ndarray:
    """The part indices a lesion or revive names: explicit indices, or a seeded random fraction."""
    if (indices is None) == (fraction is None):
        raise ValidationError(f"{where}: give either indices or a fraction (0..1), not both or neither")
    if fraction is not None:
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not math.isfinite(fraction) \
                or not 0.0 <= fraction <= 1.0:
            raise ValidationError(f"{where}: fraction must be a number from 0 to 1, got {fraction!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValidationError(f"{where}: seed must be a whole number >= 0, got {seed!r}")
        return random_order(seed, where, n)[:int(round(fraction * n))]
    try:
        chosen = np.asarray(list(indices), dtype=np.int64)
    except (TypeError, ValueError):
        raise ValidationError(f"{where}: indices must be whole numbers, got {indices!r}") from None
    if chosen.ndim != 1 or (chosen.size and (chosen.min() < 0 or chosen.max() >= n)):
        raise ValidationError(f"{where}: indices must lie in 0..{n - 1}, got {indices!r}")
    return chosen


class Lesions:
    """The lesion masks of one Simulator and the names they belong to; `buffers` holds the mask arrays
    the kernels read (changed in place, so a running Runner sees them from its next block)."""

    def __init__(self, sim):
        self._sim = sim

    def _buffers(self):
        return self._sim._buffers

    def apply(self, target: str, indices=None, fraction=None, seed: int = 0, alive: bool = False) -> np.ndarray:
        """Lesion (or with alive=True revive) parts of a population or projection; returns the
        lesioned indices of `target` afterwards."""
        mask, positions, n, where = self._locate(target)
        if alive and indices is None and fraction is None:
            chosen = np.arange(n)  # revive everything
        else:
            chosen = chosen_parts(where, n, indices, fraction, seed)
        mask[positions[chosen]] = 0 if alive else 1
        if mask is self._buffers().lesioned_synapse:
            self._count_cuts()
        self.tell_efficiency()
        return self.lesioned(target)

    def lesioned(self, target: str) -> np.ndarray:
        """Indices (within the population, or within the projection's synapse order) now lesioned."""
        mask, positions, _, _ = self._locate(target)
        return np.flatnonzero(mask[positions] != 0)

    def populations(self) -> dict[str, np.ndarray]:
        """Lesioned neuron indices of every population that has any."""
        c = self._sim.compiled
        mask = self._buffers().lesioned_neuron
        result = {}
        for p, name in enumerate(c.pop_names):
            dead = np.flatnonzero(mask[c.layout.pop_start[p]:c.layout.pop_start[p + 1]])
            if dead.size:
                result[name] = dead
        return result

    def revive_all(self) -> None:
        for name in ("lesioned_neuron", "lesioned_synapse", "cut_synapses", "lesioned_plastic",
                     "lesioned_short_term"):
            getattr(self._buffers(), name)[...] = 0
        self.tell_efficiency()

    def lost_out_degrees(self) -> tuple[np.ndarray, np.ndarray]:
        """(N,) lesioned outgoing synapses of each neuron (static, plastic and short-term), and (N, R)
        lesioned plastic synapses of each neuron per plastic projection."""
        c, buf = self._sim.compiled, self._buffers()
        n = c.n_neurons
        lost = buf.cut_synapses.reshape(-1, n).sum(axis=0, dtype=np.int64)  # thread CSRs side by side
        lost_plastic = np.zeros((n, len(c.plastic_names)), np.int64)
        for store, mask in ((c.plastic, buf.lesioned_plastic), (c.short_term, buf.lesioned_short_term)):
            if store is None or not mask.any():
                continue
            dead = mask != 0
            pre = np.repeat(np.arange(n), np.diff(store.indptr))[dead]
            lost += np.bincount(pre, minlength=n)
            if store is c.plastic:
                np.add.at(lost_plastic, (pre, store.proj[dead].astype(np.int64)), 1)
        return lost, lost_plastic

    def tell_efficiency(self) -> None:
        """Lesioned synapses are no synaptic operations: the efficiency counter takes the new out-degrees."""
        if self._sim.efficiency is not None:
            self._sim.efficiency.follow_lesions(*self.lost_out_degrees())

    def _locate(self, target: str) -> tuple[np.ndarray, np.ndarray, int, str]:
        """(mask array, positions of target's parts in it, number of parts, where for messages)."""
        sim, buf = self._sim, self._buffers()
        c = sim.compiled
        network = sim.network
        if target in {p.name for p in network.populations}:
            where = f"population '{target}'"
            if network.population(target).model_class.emits in ("poisson", "current"):
                raise ValidationError(f"{where}: a {network.population(target).model} is a device, not neurons; "
                                      f"lesion the neurons it drives instead")
            sl = c.pop_slice(target)
            return buf.lesioned_neuron, np.arange(sl.start, sl.stop), sl.stop - sl.start, where
        if target not in {p.name for p in network.projections}:
            raise ValidationError(f"lesion: no population or projection named '{target}'")
        where = f"projection '{target}'"
        for names, store, mask in ((c.plastic_names, c.plastic, buf.lesioned_plastic),
                                   (c.short_term_names, c.short_term, buf.lesioned_short_term)):
            if target in names:
                positions = np.flatnonzero(store.proj == names.index(target))
                return mask, positions, positions.size, where
        if target not in c.projection_names:
            raise ValidationError(f"{where}: its input comes from a device (no stored synapses); "
                                  f"lesion the device's target neurons instead")
        positions = sim._synapse_index(target).astype(np.int64)
        return buf.lesioned_synapse, positions, positions.size, where

    def _count_cuts(self) -> None:
        """cut_synapses[row] = lesioned static synapses in CSR row `row` (the kernel's fast-path test)."""
        buf = self._buffers()
        indptr = self._sim.compiled.synapses.indptr
        running = np.concatenate(([0], np.cumsum(buf.lesioned_synapse, dtype=np.int64)))
        buf.cut_synapses[...] = running[indptr[1:]] - running[indptr[:-1]]
