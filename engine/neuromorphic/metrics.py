"""Efficiency metrics of a run, counted while it runs (the NeuroBench definitions).

NeuroBench (Yik et al., "The neurobench framework for benchmarking neuromorphic computing
algorithms and systems", Nature Communications 16, 1545, 2025; arXiv:2304.04640, 2023) defines
the workload and static metrics used here, adapted from layers of a trained model to the
populations and projections of a network:

- synaptic operations: every spike delivered over every outgoing synapse of its neuron,
  SynOps = sum over spikes s of out_degree(neuron(s)) (NeuroBench's "Effective_ACs": a spike
  is a binary input, so each synapse does one accumulate); Poisson inputs count the events
  they deliver;
- neuron updates: one per neuron and time step (the clock-driven membrane update,
  NeuroBench's "membrane updates");
- plastic weight updates: one per presynaptic spike and plastic synapse while learning is on
  (pair STDP updates a weight when a presynaptic spike arrives, NEST's scheme);
- activation sparsity: 1 - spikes / (neurons x steps), the fraction of zero activations;
- connection sparsity: 1 - nonzero synapses / (n_pre x n_post), the zeros of the dense
  weight matrices (from the weights when counting starts);
- memory footprint: synapses x bytes per synapse (the parameter memory of the weights);
- dense multiply-accumulates: the same network clock-driven as dense matrix-vector products,
  n_pre x n_post per projection and step (NeuroBench's "Dense" count), for the baselines.

Counting is cheap by construction: out-degrees come once from the compiled CSR arrays, each
block of steps adds its spikes to a count per neuron (one bincount), and the products with
the out-degrees are taken when the metrics are read (the kernels are untouched).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.errors import ValidationError
from engine.kernels.plasticity import StdpConstants

BYTES_PER_SYNAPSE = 4  # a float32 weight, the engine's stored precision
METRIC_NAMES = ("spikes", "synaptic_operations", "neuron_updates", "neuron_updates_active",
                "neuron_updates_inactive", "plastic_updates", "dense_macs")


@dataclass(frozen=True)
class ConnectivityProfile:
    """What the counters need from a compiled network, computed once."""

    population_names: tuple[str, ...]
    population_sizes: np.ndarray  # (P,) int64
    population_first: np.ndarray  # (P,) int64 first global neuron of each population
    is_neuron: np.ndarray  # (P,) bool: neurons (devices have no membrane to update)
    neuron_population: np.ndarray  # (N,) int32 population of each global neuron
    out_degree: np.ndarray  # (N,) int64 outgoing stored synapses (static, plastic and short-term)
    plastic_out_degree: np.ndarray  # (N, R) int64 outgoing synapses per plastic projection
    poisson_population: np.ndarray  # (S,) int32 population of each Poisson source row
    poisson_connections: np.ndarray  # (S,) int64 connections driven by each Poisson source
    dense_macs_per_step: int
    projection_names: tuple[str, ...]
    projection_synapses: np.ndarray  # (Q,) int64 nonzero synapses per projection
    projection_dense: np.ndarray  # (Q,) int64 n_pre x n_post per projection
    n_synapses: int


def connectivity_profile(compiled) -> ConnectivityProfile:
    """The out-degrees and sizes of a CompiledNetwork (engine.compile.compiler)."""
    c = compiled
    n = c.n_neurons
    sizes = np.diff(c.layout.pop_start).astype(np.int64)
    network = c.network
    is_neuron = np.array([not network.population(name).is_device for name in c.pop_names])
    neuron_population = np.repeat(np.arange(len(c.pop_names), dtype=np.int32), sizes)
    out_degree = np.diff(c.synapses.indptr).reshape(c.threads, n).sum(axis=0)  # thread CSRs side by side
    plastic = c.plastic
    n_plastic = len(c.plastic_names)
    plastic_out = np.zeros((n, n_plastic), np.int64)
    if plastic is not None and plastic.target.size:
        pre = np.repeat(np.arange(n), np.diff(plastic.indptr))
        np.add.at(plastic_out, (pre, plastic.proj.astype(np.int64)), 1)
        out_degree = out_degree + plastic_out.sum(axis=1)
    if c.short_term is not None and c.short_term.target.size:
        out_degree = out_degree + np.diff(c.short_term.indptr)
    poisson_pop = np.array([c.pop_index(network.projection(name).pre) for name in c.poisson_sources], np.int32)
    poisson_conn = np.bincount(c.poisson.source, minlength=len(c.poisson_sources)).astype(np.int64)
    names, stored, dense = _projection_counts(c, sizes)
    spiking = [p for p in network.projections if network.population(p.pre).model_class.emits != "current"]
    dense_per_step = sum(network.population(p.pre).size * network.population(p.post).size for p in spiking)
    return ConnectivityProfile(
        population_names=tuple(c.pop_names), population_sizes=sizes,
        population_first=c.layout.pop_start[:-1].astype(np.int64), is_neuron=is_neuron,
        neuron_population=neuron_population, out_degree=out_degree.astype(np.int64), plastic_out_degree=plastic_out,
        poisson_population=poisson_pop, poisson_connections=poisson_conn, dense_macs_per_step=int(dense_per_step),
        projection_names=names, projection_synapses=stored, projection_dense=dense,
        n_synapses=int(c.synapses.target.size + c.poisson.target.size
                       + (plastic.target.size if plastic is not None else 0)),
    )


def _projection_counts(c, sizes) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Per spiking projection: nonzero synapses and dense matrix entries (n_pre x n_post)."""
    network = c.network
    names, stored, dense = [], [], []
    csr_nonzero = np.bincount(c.synapse_projection[c.synapses.weight != 0],
                              minlength=len(c.projection_names))
    for proj in network.projections:
        if network.population(proj.pre).model_class.emits == "current":
            continue
        if proj.name in c.projection_names:
            count = csr_nonzero[c.projection_names.index(proj.name)]
        elif proj.name in c.plastic_names:
            mask = c.plastic.proj == c.plastic_names.index(proj.name)
            count = np.count_nonzero(c.plastic.weight[mask])
        elif proj.name in c.poisson_sources:
            mask = c.poisson.source == c.poisson_sources.index(proj.name)
            count = np.count_nonzero(c.poisson.weight[mask])
        else:
            count = 0
        names.append(proj.name)
        stored.append(int(count))
        dense.append(int(sizes[c.pop_index(proj.pre)] * sizes[c.pop_index(proj.post)]))
    return tuple(names), np.array(stored, np.int64), np.array(dense, np.int64)


class EfficiencyCounter:
    """Accumulates spikes per neuron from the Simulator's blocks (see Simulator.advance).

    `add(block, compiled)` costs one bincount over the block's spikes; the products with the
    out-degrees are taken when metrics are read (a frame, not a block). The totals equal the
    kernel's own counters (synaptic events, neuron updates) exactly."""

    def __init__(self, profile: ConnectivityProfile):
        self.profile = profile
        n_neurons = profile.out_degree.size
        self.steps = 0
        self.synaptic_events = 0  # the kernel's count: spikes' deliveries plus Poisson input events
        self.neuron_spikes = np.zeros(n_neurons, np.int64)
        self.poisson_expected = np.zeros(profile.poisson_population.size)  # rate x connections x steps
        # plastic updates: spikes since learning last changed, and the updates counted before it
        self._learning_key: bytes | None = None
        self._learning_degree = np.zeros(n_neurons, np.int64)
        self._plastic_alive = profile.plastic_out_degree  # (N, R) less lesioned plastic synapses
        # synaptic operations: lesioned synapses deliver nothing, so a lesion settles the spikes so far
        self._degree = profile.out_degree  # out-degree less lesioned synapses
        self._spikes_since_lesion = np.zeros(n_neurons, np.int64)
        self._ops_before = np.zeros(len(profile.population_names), np.int64)
        self._spikes_since_learning = np.zeros(n_neurons if profile.plastic_out_degree.shape[1] else 0, np.int64)
        self._plastic_before = np.zeros(len(profile.population_names), np.int64)

    def reset(self) -> None:
        self.steps = self.synaptic_events = 0
        for counts in (self.neuron_spikes, self.poisson_expected, self._spikes_since_learning, self._plastic_before,
                       self._spikes_since_lesion, self._ops_before):
            counts[...] = 0

    def add(self, block, compiled) -> None:
        """Count one Simulator Block (its spikes, steps and synaptic events)."""
        profile = self.profile
        counts = np.bincount(block.spike_neuron, minlength=profile.out_degree.size)
        self.neuron_spikes += counts
        self._spikes_since_lesion += counts
        self.steps += block.n_steps
        self.synaptic_events += block.synaptic_events
        if profile.poisson_population.size:
            self.poisson_expected += compiled.poisson.lam * profile.poisson_connections * block.n_steps
        if self._spikes_since_learning.size:
            self._follow_learning(compiled.plastic.params[:, StdpConstants.LEARNING])
            self._spikes_since_learning += counts

    def _follow_learning(self, learning: np.ndarray) -> None:
        key = (learning != 0).tobytes()
        if key != self._learning_key:  # learning switched on or off live: settle the spikes so far
            self._plastic_before += self._per_population(self._spikes_since_learning * self._learning_degree)
            self._spikes_since_learning[...] = 0
            self._learning_key = key
            self._learning_degree = self._plastic_alive @ (learning != 0).astype(np.int64)

    def follow_lesions(self, lost_out: np.ndarray, lost_plastic: np.ndarray) -> None:
        """Lesioned synapses changed (engine.runtime.lesions.lost_out_degrees): the spikes so far count
        at the old out-degrees, later ones at the out-degrees less the (N,) lost synapses of each
        neuron, and plastic updates less the (N, R) lost plastic synapses."""
        self._ops_before += self._per_population(self._spikes_since_lesion * self._degree)
        self._spikes_since_lesion[...] = 0
        self._degree = self.profile.out_degree - lost_out
        if self._spikes_since_learning.size:
            self._plastic_before += self._per_population(self._spikes_since_learning * self._learning_degree)
            self._spikes_since_learning[...] = 0
            self._plastic_alive = self.profile.plastic_out_degree - lost_plastic
            self._learning_key = None  # the learning degrees are taken again at the next block

    def _per_population(self, per_neuron: np.ndarray) -> np.ndarray:
        # populations are contiguous and never empty: one integer sum over each range
        return np.add.reduceat(per_neuron, self.profile.population_first)

    def synaptic_operations(self) -> np.ndarray:
        """(P,) synaptic operations per population: spikes x out-degree, and Poisson input events.

        The kernel counts Poisson events in one sum with the rest: the remainder goes to the
        Poisson input, or is shared among several in proportion to rate x connections x steps."""
        profile = self.profile
        ops = self._ops_before + self._per_population(self._spikes_since_lesion * self._degree)
        events = self.synaptic_events - int(ops.sum())
        expected = self.poisson_expected
        if events > 0 and expected.size:
            if expected.size == 1 or expected.sum() <= 0:
                ops[profile.poisson_population[0]] += events
            else:
                shares = np.floor(events * expected / expected.sum()).astype(np.int64)
                shares[int(np.argmax(expected))] += events - int(shares.sum())  # the rounding remainder
                np.add.at(ops, profile.poisson_population, shares)
        return ops

    def plastic_updates(self) -> np.ndarray:
        """(P,) plastic weight updates per population of the presynaptic neurons."""
        if not self._spikes_since_learning.size:
            return self._plastic_before.copy()
        return self._plastic_before + self._per_population(self._spikes_since_learning * self._learning_degree)

    def metrics(self, dt: float, inference_ms: float | None = None, n_inferences: int | None = None,
                bytes_per_synapse: int = BYTES_PER_SYNAPSE) -> "EfficiencyMetrics":
        """The counts so far as EfficiencyMetrics (per population and total)."""
        profile = self.profile
        updates = np.where(profile.is_neuron, profile.population_sizes * self.steps, 0)
        spikes = self._per_population(self.neuron_spikes)
        active = np.where(profile.is_neuron, spikes, 0)
        synaptic, plastic = self.synaptic_operations(), self.plastic_updates()
        per_population = {}
        for p, name in enumerate(profile.population_names):
            neuron_steps = int(updates[p])
            per_population[name] = {
                "size": int(profile.population_sizes[p]),
                "spikes": int(spikes[p]),
                "synaptic_operations": int(synaptic[p]),
                "neuron_updates": neuron_steps,
                "neuron_updates_active": int(active[p]),
                "neuron_updates_inactive": neuron_steps - int(active[p]),
                "plastic_updates": int(plastic[p]),
                "activation_sparsity": 1.0 - int(active[p]) / neuron_steps if neuron_steps else None,
            }
        return EfficiencyMetrics(
            t_ms=self.steps * dt, dt_ms=dt, steps=self.steps, per_population=per_population,
            dense_macs=profile.dense_macs_per_step * self.steps,
            connection_sparsity=_connection_sparsity(profile),
            n_synapses=profile.n_synapses, bytes_per_synapse=bytes_per_synapse,
            inference=_inference_count(self.steps * dt, inference_ms, n_inferences),
        )


def _connection_sparsity(profile: ConnectivityProfile) -> dict:
    dense = profile.projection_dense
    per = {name: max(0.0, 1.0 - int(s) / int(d)) if d else None
           for name, s, d in zip(profile.projection_names, profile.projection_synapses, dense)}
    total = int(dense.sum())
    return {"total": max(0.0, 1.0 - int(profile.projection_synapses.sum()) / total) if total else None,
            "per_projection": per}


def _inference_count(t_ms: float, inference_ms: float | None, n_inferences: int | None) -> float | None:
    """How many inferences the run holds: a count given, or the run time over one inference's duration."""
    if inference_ms is not None and n_inferences is not None:
        raise ValidationError("efficiency metrics: give an inference duration or a sample count, not both")
    if n_inferences is not None:
        if isinstance(n_inferences, bool) or not isinstance(n_inferences, int) or n_inferences < 1:
            raise ValidationError(f"efficiency metrics: the sample count must be a whole number >= 1, got {n_inferences!r}")
        return float(n_inferences)
    if inference_ms is not None:
        if isinstance(inference_ms, bool) or not isinstance(inference_ms, (int, float)) \
                or not np.isfinite(inference_ms) or inference_ms <= 0:
            raise ValidationError(f"efficiency metrics: the inference duration must be a number of ms > 0, "
                                  f"got {inference_ms!r}")
        return t_ms / float(inference_ms)
    return None


@dataclass(frozen=True)
class EfficiencyMetrics:
    """Counts of one run so far: per population, in total, per simulated second and per inference."""

    t_ms: float
    dt_ms: float
    steps: int
    per_population: dict  # name -> {size, spikes, synaptic_operations, neuron_updates, ...}
    dense_macs: int
    connection_sparsity: dict  # {"total": float | None, "per_projection": {name: float | None}}
    n_synapses: int
    bytes_per_synapse: int
    inference: float | None = None  # inferences in the run (None: no inference defined)
    totals: dict = field(init=False)

    def __post_init__(self):
        totals = {name: sum(pop[name] for pop in self.per_population.values()) for name in METRIC_NAMES
                  if name != "dense_macs"}
        totals["dense_macs"] = self.dense_macs
        neuron_steps = sum(pop["neuron_updates"] for pop in self.per_population.values())
        totals["activation_sparsity"] = 1.0 - totals["neuron_updates_active"] / neuron_steps if neuron_steps else None
        object.__setattr__(self, "totals", totals)

    @property
    def memory_footprint_bytes(self) -> int:
        return self.n_synapses * self.bytes_per_synapse

    def per_second(self, name: str) -> float | None:
        """A count per simulated second (None before any time has passed)."""
        return self.totals[name] / (self.t_ms * 1e-3) if self.t_ms > 0 else None

    def per_inference(self, name: str) -> float | None:
        """A count per inference (None when the run defines no inference)."""
        return self.totals[name] / self.inference if self.inference else None

    def to_dict(self) -> dict:
        """Plain JSON-ready values (as written into summary.json)."""
        counted = [name for name in METRIC_NAMES]
        return {
            "t_sim_ms": self.t_ms, "steps": self.steps,
            "total": dict(self.totals),
            "per_second": {name: self.per_second(name) for name in counted},
            "per_inference": ({name: self.per_inference(name) for name in counted} if self.inference else None),
            "inferences": self.inference,
            "connection_sparsity": self.connection_sparsity,
            "memory_footprint_bytes": self.memory_footprint_bytes,
            "bytes_per_synapse": self.bytes_per_synapse,
            "n_synapses": self.n_synapses,
            "populations": {name: dict(pop) for name, pop in self.per_population.items()},
        }
