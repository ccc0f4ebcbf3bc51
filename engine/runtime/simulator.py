"""Simulator: synchronous, deterministic, no threads. The Runner wraps one in a thread."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numba
import numpy as np

from engine.compile.arrays import Buffers, NeuronState, ThreadWork
from engine.compile.compiler import (
    NEVER, CompiledNetwork, build_layout, compile_network, current_source_values, poisson_tables, rate_schedule,
    rebuild_spike_trains,
)
from engine.compile.connect import draw, object_rng
from engine.compile.neuron_params import neuron_values, population_constants
from engine.compile.propagators import steps_of
from engine.compile.registry import DEVICE_BUILDERS, NEURON_BUILDERS, SYNAPSE_BUILDERS
from engine.errors import RestartRequired, SimulationFault, ValidationError
from engine.kernels import build, step
from engine.kernels.parallel import EXTRA_SPIKES_PER_THREAD, run_block_threads
from engine.runtime.cores import CoreMeter
from engine.runtime.lesions import Lesions, lesion_masks
from engine.model.network import Connectivity, Distribution, Network
from engine.neuromorphic.metrics import EfficiencyCounter, EfficiencyMetrics, connectivity_profile

SHORT_TERM_STATE = ("u", "x", "t_last")  # per synapse, back to their initial values on reset


@dataclass
class Block:
    """What one `advance` produced: spikes, traces and per-step population counts."""

    first_step: int
    n_steps: int
    spike_neuron: np.ndarray  # global neuron ids, int32
    spike_step: np.ndarray  # emission step (spike time = (step + 1) * dt), int64
    traces: np.ndarray  # (n_steps, K) float64, value after each step
    pop_counts: np.ndarray  # (n_steps, P) int32
    synaptic_events: int
    neuron_updates: int


@dataclass(frozen=True)
class TraceRequest:
    population: str
    neuron: int
    variable: str = "V_m"


class Simulator:
    """Simulate a Network: `Simulator(network, dt=0.1, seed=1).run(1000.0)`.

    Runs are repeatable and splittable: run(500) + run(500) == run(1000).
    Live parameters change between runs with `set_param`; spikes, traces and
    rates of the whole history are available as arrays.
    """

    def __init__(self, network: Network, dt: float | None = None, seed: int | None = None,
                 max_memory_bytes: int | None = None, block_steps: int = 1000, keep_history: bool = True,
                 threads: int = 1):
        if not isinstance(network, Network):
            raise ValidationError(f"simulator: expected a Network, got {type(network).__name__}")
        if isinstance(block_steps, bool) or not isinstance(block_steps, int) or block_steps < 1:
            raise ValidationError(f"simulator: block_steps must be a whole number >= 1, got {block_steps!r}")
        self.compiled: CompiledNetwork = compile_network(network, dt, seed, max_memory_bytes, threads=threads)
        self.threads = threads
        self.network = network
        self.dt = self.compiled.dt
        self.seed = self.compiled.seed
        self.block_steps = block_steps
        self.keep_history = keep_history
        self._initial_rng = self.compiled.poisson.rng.copy()
        self._initial_current_rng = self.compiled.currents.rng.copy()
        self._initial_current_cursor = self.compiled.currents.cursor.copy()
        self._initial_plastic = tuple(a.copy() for a in self.compiled.plastic)
        self._initial_short_term = {name: getattr(self.compiled.short_term, name).copy() for name in SHORT_TERM_STATE}
        c = self.compiled
        n = c.n_neurons
        self._buffers = Buffers(
            ring=np.zeros((c.ring_len, 2 * n)),
            current_ring=np.zeros((c.ring_len, n)),
            spike_neuron=np.zeros(self._spike_capacity(), np.int32),
            spike_step=np.zeros(self._spike_capacity(), np.int64),
            trace_neuron=np.zeros(0, np.int64), trace_var=np.zeros(0, np.int32), trace_pop=np.zeros(0, np.int32),
            trace_out=np.zeros((block_steps, 0)),
            pop_counts=np.zeros((block_steps, len(c.pop_names)), np.int32),
            counters=np.zeros(4, np.int64),
            interrupt=np.zeros(1, np.int8),
            **lesion_masks(c),
        )
        self._work, self._thread_spikes = self._thread_work() if threads > 1 else (None, None)
        self._cores = CoreMeter(min(threads, numba.config.NUMBA_NUM_THREADS)) if threads > 1 else None
        self.workers = 1  # cores (Numba threads) the last threaded kernel call ran on
        self.trace_requests: list[TraceRequest] = []
        self.efficiency: EfficiencyCounter | None = None  # see track_efficiency()
        self.lesions = Lesions(self)
        self.step = 0
        self._clear_history()
        self.set_recording(self._requests_from_network(network))

    def _thread_region(self) -> int:
        """Spikes one thread may emit in a window: one per neuron and step, plus parrots' extra."""
        c = self.compiled
        largest = int(np.diff(c.bounds).max())
        return c.window_steps * (largest + EXTRA_SPIKES_PER_THREAD)

    def _spike_capacity(self) -> int:
        c = self.compiled
        n = c.n_neurons
        per_step = n + int(c.trains.max_per_step[0])
        if self.threads == 1:
            return 2 * per_step + 65536
        # a window's worth for the threads' regions, and two windows' room in the merged list
        return 2 * (self.threads * self._thread_region() + c.window_steps * per_step) + 65536

    def _thread_work(self) -> tuple[ThreadWork, Buffers]:
        """The threads' window arrays, and the Buffers their spikes go to (own spike arrays)."""
        c = self.compiled
        region = self._thread_region()
        spikes = self._buffers._replace(spike_neuron=np.zeros(self.threads * region, np.int32),
                                        spike_step=np.zeros(self.threads * region, np.int64))
        work = ThreadWork(bounds=c.bounds, region=np.array([region], np.int64),
                          counts=np.zeros((self.threads, c.window_steps, len(c.pop_names)), np.int32),
                          cursor=np.zeros(self.threads, np.int64), events=np.zeros(self.threads, np.int64))
        return work, spikes

    # -- time --------------------------------------------------------------------
    @property
    def t(self) -> float:
        """Simulated time in ms."""
        return self.step * self.dt

    def run(self, t_ms: float) -> None:
        """Advance by t_ms (rounded to whole steps), keeping spikes, traces and counts."""
        if isinstance(t_ms, bool) or not isinstance(t_ms, (int, float)) or not math.isfinite(t_ms) or t_ms < 0:
            raise ValidationError(f"simulator: run time must be a finite number of ms >= 0, got {t_ms!r}")
        n_steps = steps_of(t_ms, self.dt)
        while n_steps > 0:
            block = self.advance(min(n_steps, self.block_steps))
            n_steps -= block.n_steps

    def interrupt(self, on: bool = True) -> None:
        """Ask a running `advance` (in another thread) to return after its current step; it
        keeps returning after one step until `interrupt(False)`. Thread-safe: one byte."""
        self._buffers.interrupt[0] = 1 if on else 0

    def advance(self, n_steps: int, workers: int | None = None) -> Block:
        """Advance up to `n_steps` (at most `block_steps`) steps and return what happened (the
        Runner's primitive); fewer when interrupted (see interrupt()). With threads > 1, at most
        `workers` cores run the threads (None: as many as are free); the spikes do not depend on it."""
        n_steps = int(min(n_steps, self.block_steps))
        c, buf = self.compiled, self._buffers
        first = self.step
        neurons, steps = [], []
        done = 0
        events_before, updates_before = int(buf.counters[0]), int(buf.counters[1])
        traces = np.empty((n_steps, buf.trace_neuron.size))
        counts = np.empty((n_steps, len(c.pop_names)), np.int32)
        while done < n_steps:
            try:
                if self.threads > 1:
                    free = self._cores.workers()
                    self.workers = free if workers is None else max(1, min(free, workers))
                    numba.set_num_threads(self.workers)
                    steps_done, n_spikes = run_block_threads(
                        c.layout, c.state, c.synapses, c.poisson, c.currents, c.trains, buf,
                        self.step, n_steps - done, c.window_steps, self._work, self._thread_spikes,
                    )
                else:
                    steps_done, n_spikes = step.run_block(
                        c.layout, c.state, c.synapses, c.plastic, c.short_term, c.poisson, c.currents, c.trains, buf,
                        self.step, n_steps - done, self.dt,
                    )
            except Exception as error:  # a kernel failure must not take the process down
                raise SimulationFault(f"simulation failed at t = {self.t:.1f} ms: {error}") from error
            neurons.append(buf.spike_neuron[:n_spikes].copy())
            steps.append(buf.spike_step[:n_spikes].copy())
            traces[done:done + steps_done] = buf.trace_out[:steps_done]
            counts[done:done + steps_done] = buf.pop_counts[:steps_done]
            done += steps_done
            self.step += steps_done
            if buf.interrupt[0]:
                break  # a shorter block: the caller has a command waiting (see interrupt())
        block = Block(
            first_step=first, n_steps=done,
            spike_neuron=np.concatenate(neurons), spike_step=np.concatenate(steps),
            traces=traces[:done], pop_counts=counts[:done],
            synaptic_events=int(buf.counters[0]) - events_before,
            neuron_updates=int(buf.counters[1]) - updates_before,
        )
        self._check_finite()
        if self.efficiency is not None:
            self.efficiency.add(block, c)
        if self.keep_history:
            self._history_spikes.append((block.spike_neuron, block.spike_step))
            self._history_traces.append(block.traces)
            self._history_counts.append(block.pop_counts)
        return block

    def _check_finite(self) -> None:
        state = self.compiled.state
        for name in NeuronState._fields:
            if name in ("refractory", "ode_step"):  # a counter, and the integrator's own step size
                continue
            values = getattr(state, name)
            if not np.isfinite(values).all():
                bad = int(np.flatnonzero(~np.isfinite(values))[0])
                p = int(np.searchsorted(self.compiled.layout.pop_start, bad, side="right") - 1)
                what = "membrane potential" if name == "v" else "input current"
                raise SimulationFault(
                    f"population '{self.compiled.pop_names[p]}': the {what} became infinite or NaN "
                    f"by t = {self.t:.1f} ms (neuron {bad - int(self.compiled.layout.pop_start[p])}); "
                    f"weights or currents are probably too large, or the parameters too extreme to integrate"
                )

    def reset(self) -> None:
        """Back to t = 0 with the same seed: the next run repeats the first exactly."""
        c = self.compiled
        for current, initial in zip(c.state, c.initial_state):
            current[...] = initial
        self._buffers.ring[...] = 0.0
        self._buffers.current_ring[...] = 0.0
        self._buffers.counters[...] = 0
        c.poisson.rng[...] = self._initial_rng
        self._reset_devices()
        for current, initial in zip(c.plastic, self._initial_plastic):
            current[...] = initial
        for name, initial in self._initial_short_term.items():  # U, tau_rec, tau_fac keep their live values
            getattr(c.short_term, name)[...] = initial
        c.trains.cursor[0] = 0
        self.step = 0
        self._clear_history()
        if self.efficiency is not None:
            self.efficiency.reset()

    def _reset_devices(self) -> None:
        """Device state back to t = 0, keeping parameters changed live."""
        c = self.compiled
        p = c.poisson
        p.cursor[...] = p.sched_begin
        for src in range(p.lam.size):
            entry = p.sched_begin[src]
            p.lam[src] = p.sched_lam[entry]
            p.exp_minus_lam[src] = math.exp(-p.lam[src])
            p.cdf[src], p.guide[src] = p.sched_cdf[entry], p.sched_guide[entry]
        cur = c.currents
        cur.rng[...] = self._initial_current_rng
        cur.noise_next[...] = 0
        cur.noise_value[...] = 0.0
        cur.value_now[...] = 0.0
        cur.cursor[...] = self._initial_current_cursor

    def _clear_history(self) -> None:
        self._history_spikes: list[tuple[np.ndarray, np.ndarray]] = []
        self._history_traces: list[np.ndarray] = []
        self._history_counts: list[np.ndarray] = []
        self._history_start = self.step

    # -- recording ---------------------------------------------------------------
    def _requests_from_network(self, network: Network) -> list[TraceRequest]:
        return [TraceRequest(p.name, i, var) for p in network.populations for i in p.record.traces
                for var in p.record.variables]

    def set_recording(self, traces: list[TraceRequest]) -> None:
        """Choose the recorded traces (membrane potentials of picked neurons). Clears trace history."""
        c = self.compiled
        neuron, var, pop = [], [], []
        for req in traces:
            if req.population not in c.pop_names:
                raise ValidationError(f"recording: unknown population '{req.population}'")
            p = c.pop_index(req.population)
            size = int(c.layout.pop_start[p + 1] - c.layout.pop_start[p])
            if not 0 <= req.neuron < size:
                raise ValidationError(f"recording: neuron {req.neuron} is outside population '{req.population}' (0..{size - 1})")
            model = self.network.population(req.population).model_class
            builder = NEURON_BUILDERS.get(model.name)
            array = builder.variables.get(req.variable) if builder else None
            if req.variable not in model.recordables or array not in step.TRACE_CODES:
                raise ValidationError(f"recording: {model.name} '{req.population}' cannot record '{req.variable}'")
            neuron.append(int(c.layout.pop_start[p]) + req.neuron)
            var.append(step.TRACE_CODES[array])
            pop.append(p)
        self.trace_requests = list(traces)
        self._buffers = self._buffers._replace(
            trace_neuron=np.array(neuron, np.int64), trace_var=np.array(var, np.int32),
            trace_pop=np.array(pop, np.int32), trace_out=np.zeros((self.block_steps, len(neuron))),
        )
        self._history_traces = []  # spikes and counts (and rates' time axis) keep their history

    # -- results -----------------------------------------------------------------
    def spikes(self, population: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(neuron index within its population, spike time in ms), time-ordered; all of one population,
        or global neuron ids over all populations when population is None."""
        if self._history_spikes:
            neuron = np.concatenate([s[0] for s in self._history_spikes])
            step = np.concatenate([s[1] for s in self._history_spikes])
        else:
            neuron, step = np.empty(0, np.int32), np.empty(0, np.int64)
        times = (step + 1) * self.dt
        if population is None:
            return neuron, times
        sl = self.compiled.pop_slice(population)
        keep = (neuron >= sl.start) & (neuron < sl.stop)
        return neuron[keep] - sl.start, times[keep]

    def traces(self) -> tuple[np.ndarray, dict[TraceRequest, np.ndarray]]:
        """(times in ms, {request: values}); value k is the state at the end of step k."""
        data = np.concatenate(self._history_traces) if self._history_traces else np.zeros((0, len(self.trace_requests)))
        n = data.shape[0]
        times = (self.step - n + 1 + np.arange(n)) * self.dt
        return times, {req: data[:, q] for q, req in enumerate(self.trace_requests)}

    def population_counts(self) -> np.ndarray:
        """(n_steps, P) spikes per step and population since t = 0."""
        if not self._history_counts:
            return np.zeros((0, len(self.compiled.pop_names)), np.int32)
        return np.concatenate(self._history_counts)

    def rates(self, bin_ms: float = 5.0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Population rates (Hz per neuron) in bins of bin_ms: (bin start times, {population: rate})."""
        counts = self.population_counts()
        per_bin = max(1, steps_of(bin_ms, self.dt))
        n_bins = counts.shape[0] // per_bin
        binned = counts[: n_bins * per_bin].reshape(n_bins, per_bin, -1).sum(axis=1)
        sizes = np.diff(self.compiled.layout.pop_start)
        rate = binned / (per_bin * self.dt * 1e-3) / np.maximum(sizes, 1)
        times = self._history_start * self.dt + np.arange(n_bins) * per_bin * self.dt
        return times, {name: rate[:, p] for p, name in enumerate(self.compiled.pop_names)}

    # -- live changes ------------------------------------------------------------
    def set_param(self, target: str, field: str, value: Any) -> None:
        """Change a parameter without losing the state. Structural changes raise RestartRequired."""
        names = {p.name for p in self.network.populations}
        if target in names:
            self._set_population_param(target, field, value)
        elif target in {p.name for p in self.network.projections}:
            self._set_projection_param(target, field, value)
        else:
            raise ValidationError(f"set_param: no population or projection named '{target}'")

    def _set_population_param(self, name: str, field: str, value: Any) -> None:
        pop = self.network.population(name)
        model = pop.model_class
        if field not in model.parameters:
            if field in ("size", "model") or field in model.extra_parameters():
                raise RestartRequired(f"population '{name}': changing {field} needs a restart (rebuild)")
            raise ValidationError(f"population '{name}': unknown parameter '{field}' for model {model.name}")
        if not self.network.is_live(name, field):
            raise RestartRequired(f"population '{name}': changing {field} needs a restart (rebuild)")
        new_network = self.network.replace_population(name, params={**pop.params, field: value})
        new_pop = new_network.population(name)
        c = self.compiled
        p = c.pop_index(name)
        builder = NEURON_BUILDERS.get(pop.model)
        if builder is not None:
            self._set_neuron_constants(new_network, p, builder)
        elif model.emits == "poisson":
            self._update_sources(c.poisson_sources, c.poisson, new_network, name)
        elif model.emits == "current":
            self._update_sources(c.current_sources, c.currents, new_network, name)
        elif DEVICE_BUILDERS[pop.model].spike_steps is not None:  # explicit trains: drawn again from now on
            rebuild_spike_trains(c, new_network, self.step)
        self.network = new_network

    def present(self, source: str, **params: Any) -> None:
        """Give a device with explicit spike trains (a data_source) new parameters from now on, its
        start moved to now: e.g. `present("digits", split="test", epochs=1)` shows the held-out samples
        next. Any of its parameters may change (the trains are drawn again); the state is kept."""
        pop = self.network.population(source)
        builder = DEVICE_BUILDERS.get(pop.model)
        if builder is None or builder.spike_steps is None:
            raise ValidationError(f"present: population '{source}' is not a data_source or spike_generator")
        new_network = self.network.replace_population(source, params={**pop.params, **params, "start": self.t})
        rebuild_spike_trains(self.compiled, new_network, self.step)
        self.network = new_network

    def _set_neuron_constants(self, network: Network, p: int, builder) -> None:
        """Population p's constants rows from its new parameters (one row, or one per neuron where a
        parameter varies: a varying parameter is replaced or scaled as a whole). A population that
        starts or stops varying gets a new layout (between blocks: the kernels see it whole)."""
        c = self.compiled
        pop = network.populations[p]
        sl = c.pop_slice(pop.name)
        rows, reference = population_constants(pop, builder, neuron_values(pop, c.seed), self.dt)
        old_reference = c.layout.v_reference[sl].copy()
        first_row = int(c.layout.pop_neuron_row[p])
        if (first_row >= 0) == bool(pop.varying_params):
            c.layout.pop_consts[p, :rows.shape[1]] = rows[0]
            if first_row >= 0:
                c.layout.neuron_consts[first_row:first_row + pop.size, :rows.shape[1]] = rows
            c.layout.v_reference[sl] = reference
        else:
            c.layout = build_layout(network, self.dt, [neuron_values(q, c.seed) for q in network.populations])
        # v is stored relative to the reference (E_L): keep the absolute potential continuous
        c.state.v[sl] -= c.layout.v_reference[sl] - old_reference

    def _update_sources(self, source_names, inputs, network, device_name) -> None:
        device = network.population(device_name)
        for src, proj_name in enumerate(source_names):
            if network.projection(proj_name).pre != device_name:
                continue
            if inputs is self.compiled.poisson:
                inputs.start_step[src], inputs.stop_step[src] = _window_steps(device, self.dt)
                # only constant-rate sources change live (a schedule change needs a rebuild)
                entry = inputs.sched_begin[src]
                lam = rate_schedule(device, self.dt)[0][1]
                inputs.sched_lam[entry] = inputs.lam[src] = lam
                inputs.exp_minus_lam[src] = math.exp(-lam)
                inputs.cdf[src], inputs.guide[src] = poisson_tables(lam)
                inputs.sched_cdf[entry], inputs.sched_guide[entry] = inputs.cdf[src], inputs.guide[src]
            else:
                for name, value in current_source_values(device, self.dt).items():
                    getattr(inputs, name)[src] = value

    def _set_projection_param(self, name: str, field: str, value: Any) -> None:
        c = self.compiled
        if field == "learning" and isinstance(value, bool):
            value = float(value)
        proj = self.network.projection(name)
        if not self.network.is_live(name, field):
            raise RestartRequired(f"projection '{name}': changing {field} needs a restart (rebuild)")
        if field in proj.synapse_params:
            store = self._synapse_store(name)
            if store is None:  # e.g. a plastic synapse model on a device's projection
                raise RestartRequired(f"projection '{name}': changing {field} needs a restart (rebuild)")
            new_network = self.network.replace_projection(name, synapse_params={**proj.synapse_params, field: value})
            row = SYNAPSE_BUILDERS[proj.synapse].constants_row(new_network.projection(name).synapse_params, self.dt)
            synapses, index = store
            synapses.params[index] = row
            self.network = new_network
            return
        new_network = self.network.replace_projection(name, weight=value)
        proj = new_network.projection(name)
        c = self.compiled
        post = new_network.population(proj.post)
        n = c.n_neurons
        store = self._synapse_store(name)
        if store is not None:
            synapses, index = store
            mask = synapses.proj == index
            synapses.weight[mask] = self._new_weights(proj, post, int(mask.sum()))
        elif name in c.projection_names:
            index = self._synapse_index(name)  # cached: a live change costs the projection's size, not the network's
            weights = self._new_weights(proj, post, index.size, allow_constant=True)
            build.write_weights(c.synapses.weight, c.synapses.target, index, weights, n)
        else:
            for sources, inputs in ((c.poisson_sources, c.poisson), (c.current_sources, c.currents)):
                if name in sources:
                    mask = inputs.source == sources.index(name)
                    weights = self._new_weights(proj, post, int(mask.sum()))
                    inputs.weight[mask] = weights
                    if inputs is c.poisson:
                        column = inputs.target[mask] % n
                        inputs.target[mask] = (column + np.where(weights < 0, n, 0)).astype(np.int32)
        self.network = new_network

    def _synapse_index(self, name: str) -> np.ndarray:
        cache = self.__dict__.setdefault("_synapse_index_cache", {})
        if name not in cache:
            c = self.compiled
            mask = c.synapse_projection == c.projection_names.index(name)
            cache[name] = np.flatnonzero(mask).astype(np.int32 if mask.size < 2**31 else np.int64)
        return cache[name]

    def lesion(self, target: str, indices=None, fraction: float | None = None, seed: int = 0) -> np.ndarray:
        """Lesion neurons of a population or synapses of a projection from the next step on: the given
        indices, or a seeded random `fraction` (engine.runtime.lesions). Lesions add up and survive
        reset(). Returns the target's lesioned indices."""
        return self.lesions.apply(target, indices, fraction, seed)

    def revive(self, target: str, indices=None, fraction: float | None = None, seed: int = 0) -> np.ndarray:
        """Undo lesions of `target`: the given indices, a seeded fraction, or (neither) all of them."""
        return self.lesions.apply(target, indices, fraction, seed, alive=True)

    def lesioned(self, target: str) -> np.ndarray:
        """Indices of `target`'s lesioned neurons (within the population) or synapses (projection order)."""
        return self.lesions.lesioned(target)

    def learned_network(self) -> Network:
        """The network with every plastic projection's current weights written in as explicit
        synapses (same pairs, learned weights), so saving it keeps what was learned."""
        network = self.network
        for name in self.compiled.plastic_names:
            pre, post, weight = self.projection_synapses(name)
            rule = Connectivity("explicit", pre_indices=tuple(int(i) for i in pre),
                                post_indices=tuple(int(i) for i in post))
            network = network.replace_projection(name, rule=rule, weight=tuple(float(w) for w in weight))
        return network

    def _new_weights(self, proj, post, count: int, allow_constant: bool = False) -> np.ndarray:
        """`count` weights, or with `allow_constant` a single one when all are equal."""
        if isinstance(proj.weight, tuple):
            raise RestartRequired(f"projection '{proj.name}': per-synapse weights change with a rebuild")
        if isinstance(proj.weight, Distribution) and post.model != "parrot_neuron":
            return draw(proj.weight, count, object_rng(self.seed, proj.name, 1))
        value = 1.0 if post.model == "parrot_neuron" else float(proj.weight)
        return np.full(1 if allow_constant else count, value)

    def projection_weights(self, name: str) -> np.ndarray:
        """Current weights of a projection's synapses (CSR order)."""
        c = self.compiled
        store = self._synapse_store(name)
        if store is not None:
            synapses, index = store
            return synapses.weight[synapses.proj == index].copy()
        if name not in c.projection_names:
            raise ValidationError(f"projection '{name}': has no stored synapses (device input or unknown)")
        return c.synapses.weight[c.synapse_projection == c.projection_names.index(name)].astype(np.float64)

    def _synapse_store(self, name: str):
        """(plastic or short-term synapse arrays, the projection's params row) of an event-driven
        projection, or None (static synapses, device inputs)."""
        c = self.compiled
        for names, synapses in ((c.plastic_names, c.plastic), (c.short_term_names, c.short_term)):
            if name in names:
                return synapses, names.index(name)
        return None

    def projection_synapses(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pre index, post index within their populations, weight) of a projection's synapses."""
        c = self.compiled
        proj = self.network.projection(name)
        pre_start = c.layout.pop_start[c.pop_index(proj.pre)]
        post_start = c.layout.pop_start[c.pop_index(proj.post)]
        store = self._synapse_store(name)
        if store is not None:
            synapses, index = store
            mask = synapses.proj == index
            pre = np.repeat(np.arange(c.n_neurons), np.diff(synapses.indptr))[mask]
            return pre - pre_start, synapses.target[mask] - post_start, synapses.weight[mask].copy()
        if name not in c.projection_names:
            raise ValidationError(f"projection '{name}': has no stored synapses (device input or unknown)")
        mask = c.synapse_projection == c.projection_names.index(name)
        pre = np.repeat(np.tile(np.arange(c.n_neurons), c.threads), np.diff(c.synapses.indptr))[mask]
        target = c.synapses.target[mask] % c.n_neurons
        return pre - pre_start, target - post_start, c.synapses.weight[mask].astype(np.float64)

    def track_efficiency(self, on: bool = True) -> None:
        """Count the efficiency metrics (engine.neuromorphic.metrics) of the steps from now on;
        off drops the counts. Costs one bincount over each block's spikes."""
        if not on:
            self.efficiency = None
        elif self.efficiency is None:
            self.efficiency = EfficiencyCounter(connectivity_profile(self.compiled))
            self.lesions.tell_efficiency()  # lesions made before counting starts

    def efficiency_metrics(self, inference_ms: float | None = None,
                           n_inferences: int | None = None) -> EfficiencyMetrics:
        """The efficiency metrics counted since track_efficiency() (or the last reset); per
        inference when an inference duration (ms) or a sample count is given."""
        if self.efficiency is None:
            raise ValidationError("simulator: efficiency metrics are off; call track_efficiency() before running")
        return self.efficiency.metrics(self.dt, inference_ms, n_inferences)

    def counters(self) -> dict[str, int]:
        buf = self._buffers.counters
        return {"synaptic_events": int(buf[0]), "neuron_updates": int(buf[1]), "lost_spikes": int(buf[2])}


def _window_steps(device, dt: float) -> tuple[int, int]:
    start = steps_of(device.params["start"], dt)
    stop = NEVER if device.params["stop"] is None else steps_of(device.params["stop"], dt)
    return start, stop


__all__ = ["Block", "Simulator", "TraceRequest", "replace", "NeuronState"]
