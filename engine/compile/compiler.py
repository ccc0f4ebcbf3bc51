"""Network -> flat arrays the kernels run on. Deterministic per (network, seed, dt)."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from engine.compile import memristors
from engine.compile.arrays import (
    CurrentInputs, Layout, NeuronState, PlasticSynapses, PoissonInputs, ShortTermSynapses, SpikeTrains, Synapses,
    neuron_state,
)
from engine.compile.connect import connect, draw, expected_synapses, object_rng
from engine.compile.neuron_params import neuron_values, population_constants
from engine.compile.propagators import steps_of
from engine.compile.registry import (
    DEVICE_BUILDERS, NEURON_BUILDERS, SYNAPSE_BUILDERS, initial_state_spec,
)
from engine.errors import CapacityError, ValidationError
from engine.kernels import devices, plasticity, short_term, step
from engine.kernels.build import csr_count, csr_indptr, csr_place
from engine.kernels.rng import seed_streams
from engine.model.network import Distribution, Network, value_bounds
from engine.model.synapses import get_synapse

NEVER = np.iinfo(np.int64).max // 4
# Peak bytes per synapse while building (index pairs, drawn values, sort) and kept after.
BUILD_BYTES_PER_SYNAPSE = 48
KEPT_BYTES_PER_SYNAPSE = 12
MAX_WINDOW_STEPS = 32  # threads exchange spikes at least this often (bounds the per-thread spike buffers)


@dataclass
class CompiledNetwork:
    network: Network
    dt: float
    seed: int
    layout: Layout
    state: NeuronState
    synapses: Synapses
    poisson: PoissonInputs
    currents: CurrentInputs
    trains: SpikeTrains
    ring_len: int
    pop_names: list[str]
    synapse_projection: np.ndarray  # (n_syn,) int16 index into projection_names, CSR order
    projection_names: list[str]  # projections with CSR synapses
    poisson_sources: list[str] = field(default_factory=list)  # projection name per Poisson source row
    current_sources: list[str] = field(default_factory=list)
    initial_state: NeuronState | None = None
    plastic: PlasticSynapses | None = None
    plastic_names: list[str] = field(default_factory=list)  # projection name per plastic params row
    short_term: ShortTermSynapses | None = None
    short_term_names: list[str] = field(default_factory=list)  # projection name per short_term params row
    threads: int = 1
    bounds: np.ndarray | None = None  # (threads + 1,) neuron ranges owned by each thread
    window_steps: int = 1  # threads exchange spikes once per this many steps (the shortest delay)

    @property
    def n_neurons(self) -> int:
        return int(self.layout.pop_start[-1])

    @property
    def n_synapses(self) -> int:
        """Every synapse: static, plastic, short-term, and device inputs (one per target)."""
        stores = (self.synapses, self.poisson, self.currents, self.plastic, self.short_term)
        return int(sum(store.target.shape[0] for store in stores if store is not None))

    def pop_index(self, name: str) -> int:
        return self.pop_names.index(name)

    def pop_slice(self, name: str) -> slice:
        p = self.pop_index(name)
        return slice(int(self.layout.pop_start[p]), int(self.layout.pop_start[p + 1]))


def available_memory_bytes() -> int:
    """MemAvailable from /proc/meminfo (Linux); a conservative 4 GiB elsewhere."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 2**30


def estimate_memory(network: Network, dt: float) -> tuple[int, float]:
    """(peak bytes while building, expected number of synapses)."""
    sizes = {p.name: p.size for p in network.populations}
    n_syn = sum(expected_synapses(pr.rule, sizes[pr.pre], sizes[pr.post]) for pr in network.projections)
    max_delay = max((value_bounds(pr.delay)[1] for pr in network.projections), default=dt)
    ring_len = min(steps_of(max_delay, dt), 2**15) + 1 if math.isfinite(max_delay) else 2**15
    n = network.n_neurons
    peak = n_syn * (BUILD_BYTES_PER_SYNAPSE + KEPT_BYTES_PER_SYNAPSE) + ring_len * n * 24 + n * 200
    return int(peak), n_syn


def check_capacity(network: Network, dt: float, max_memory_bytes: int | None = None) -> None:
    limit = max_memory_bytes
    if limit is None:
        limit = int(float(os.environ.get("SNN_MAX_MEMORY_FRACTION", "0.7")) * available_memory_bytes())
    peak, n_syn = estimate_memory(network, dt)
    if peak > limit:
        raise CapacityError(
            f"network '{network.name}' is too large for this machine: about {n_syn:,.0f} synapses and "
            f"{network.n_neurons:,} neurons need ~{peak / 2**30:.1f} GiB to build, but only "
            f"{limit / 2**30:.1f} GiB may be used; reduce sizes or connection probability"
        )


def compile_network(network: Network, dt: float | None = None, seed: int | None = None,
                    max_memory_bytes: int | None = None, threads: int = 1) -> CompiledNetwork:
    """Flat arrays for the kernels. With threads > 1 the synapses and Poisson inputs are
    partitioned by the thread that owns their target neuron (contiguous neuron ranges)."""
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 64:
        raise ValidationError(f"simulation: threads must be a whole number from 1 to 64, got {threads!r}")
    dt = network.dt if dt is None else float(dt)
    seed = network.seed if seed is None else int(seed)
    if not (isinstance(dt, float) and math.isfinite(dt) and dt > 0):
        raise ValidationError(f"simulation: dt must be a positive number of ms, got {dt!r}")
    check_capacity(network, dt, max_memory_bytes)

    pops = network.populations
    pop_names = [p.name for p in pops]
    values = [neuron_values(pop, seed) for pop in pops]
    layout = build_layout(network, dt, values)
    n = int(layout.pop_start[-1])
    offset = {p.name: int(layout.pop_start[i]) for i, p in enumerate(pops)}
    state = _initial_state(network, n, seed, offset, layout, values)
    state.ode_step[:] = dt  # the adaptive integrator starts with one full step, as NEST

    if threads > 1 and not threads_supported(network):
        raise ValidationError("simulation: plastic and short-term plasticity synapses run on one thread only; "
                              "use threads=1 for this network")
    parts = _connect_all(network, n, offset, seed, dt)
    bounds = np.linspace(0, n, threads + 1).round().astype(np.int64)
    window = parts.window_steps(threads)
    synapses, synapse_projection = _build_csr(n, parts.static_pre, parts.static_target, parts.static_weight,
                                              parts.static_delay, parts.static_proj, bounds)
    compiled = CompiledNetwork(
        network=network, dt=dt, seed=seed, layout=layout, state=state, synapses=synapses,
        poisson=_build_poisson(parts.poisson, dt, seed, bounds, n),
        currents=_build_currents(parts.current, dt, seed),
        trains=_build_trains(network, dt, offset),
        ring_len=parts.max_delay_steps + window, pop_names=pop_names,
        synapse_projection=synapse_projection, projection_names=parts.projection_names,
        poisson_sources=parts.poisson_sources, current_sources=parts.current_sources,
        plastic=_build_plastic(n, parts.plastic, network, dt, seed), plastic_names=parts.plastic_names,
        short_term=_build_short_term(n, parts.short_term, network, dt), short_term_names=parts.short_term_names,
        threads=threads, bounds=bounds, window_steps=window,
    )
    compiled.initial_state = NeuronState(*(a.copy() for a in state))
    return compiled


@dataclass
class _ConnectionParts:
    """Every projection's connections, grouped by the kernel that delivers them."""

    static_pre: list = field(default_factory=list)  # static synapses, compact: int32, float32, int16
    static_target: list = field(default_factory=list)
    static_weight: list = field(default_factory=list)
    static_delay: list = field(default_factory=list)
    static_proj: list = field(default_factory=list)
    projection_names: list = field(default_factory=list)
    poisson: list = field(default_factory=list)  # (target column, weight, delay, source row, device, projection)
    poisson_sources: list = field(default_factory=list)
    current: list = field(default_factory=list)
    current_sources: list = field(default_factory=list)
    plastic: list = field(default_factory=list)  # (pre, post, weight, delay, params row, projection)
    plastic_names: list = field(default_factory=list)
    short_term: list = field(default_factory=list)  # (pre, post, weight, delay, params row, projection)
    short_term_names: list = field(default_factory=list)
    max_delay_steps: int = 1
    min_static_delay_steps: int | None = None  # the shortest delay between neurons: the threads' window

    def window_steps(self, threads: int) -> int:
        """Steps the threads advance between spike exchanges: the shortest delay between neurons (NEST's
        min_delay), since no spike of the window can reach a neuron inside it; one thread needs no window."""
        if threads == 1:
            return 1
        return min(self.min_static_delay_steps or MAX_WINDOW_STEPS, MAX_WINDOW_STEPS)


def threads_supported(network: Network) -> bool:
    """False when synapses of the network run on one thread only: plastic or short-term plastic
    synapses between neurons (the same split as _connect_all's)."""
    by_name = {p.name: p for p in network.populations}
    for proj in network.projections:
        if by_name[proj.pre].model_class.emits in ("poisson", "current"):
            continue
        if SYNAPSE_BUILDERS[proj.synapse].kernel is short_term.deliver_tsodyks2:
            return False
        if proj.synapse_params and get_synapse(proj.synapse, f"projection '{proj.name}'").plastic:
            return False
    return True


def shortest_delay_steps(network: Network, dt: float) -> int:
    """A lower bound of the shortest delay between neurons, in steps, without drawing the delays
    (the threads' window, see _ConnectionParts.window_steps): a drawn delay counts with its lower
    clip bound or a uniform law's low end, else as one step. MAX_WINDOW_STEPS without such delays."""
    shortest = MAX_WINDOW_STEPS
    by_name = {p.name: p for p in network.populations}
    for proj in network.projections:
        if by_name[proj.pre].model_class.emits in ("poisson", "current"):
            continue
        delay = proj.delay
        if not isinstance(delay, Distribution):
            low_ms = float(delay)
        elif delay.clip_low is not None:
            low_ms = delay.clip_low
        elif delay.kind == "uniform" and delay.scale > 0:
            low_ms = delay.params["low"] * delay.scale
        else:
            low_ms = dt
        shortest = min(shortest, max(1, steps_of(low_ms, dt)) if low_ms > 0 else 1)
    return shortest


def _connect_all(network: Network, n: int, offset: dict[str, int], seed: int, dt: float) -> _ConnectionParts:
    parts = _ConnectionParts()
    by_name = {p.name: p for p in network.populations}
    for proj in network.projections:
        pre, post = by_name[proj.pre], by_name[proj.post]
        where = f"projection '{proj.name}'"
        pre_idx, post_idx = connect(proj.rule, pre.size, post.size, pre.name == post.name,
                                    object_rng(seed, proj.name, 0))
        weight = _weights(proj, post, pre_idx.size, seed, where)
        delay = _delays(proj, pre_idx.size, seed, dt, where)
        if delay.size:
            parts.max_delay_steps = max(parts.max_delay_steps, int(delay.max()))
        post_global = post_idx + np.int32(offset[post.name])
        del post_idx
        emits = pre.model_class.emits
        if emits == "poisson":
            target = post_global + np.where(weight < 0, n, 0).astype(np.int32)
            parts.poisson.append((target, weight.astype(np.float64), delay, len(parts.poisson_sources), pre, proj))
            parts.poisson_sources.append(proj.name)
        elif emits == "current":
            parts.current.append((post_global, weight.astype(np.float64), delay, len(parts.current_sources), pre,
                                  proj))
            parts.current_sources.append(proj.name)
        elif SYNAPSE_BUILDERS[proj.synapse].kernel is short_term.deliver_tsodyks2:
            parts.short_term.append((pre_idx + np.int32(offset[pre.name]), post_global, weight.astype(np.float64),
                                     delay, len(parts.short_term_names), proj))
            parts.short_term_names.append(proj.name)
        elif proj.synapse_params and get_synapse(proj.synapse, where).plastic:
            parts.plastic.append((pre_idx + np.int32(offset[pre.name]), post_global, weight.astype(np.float64), delay,
                                  len(parts.plastic_names), proj))
            parts.plastic_names.append(proj.name)
        else:
            # static synapses are kept compact from here on (int32, float32, int16): the build's peak memory
            post_global += np.where(weight < 0, np.int32(n), np.int32(0)).astype(np.int32)
            pre_idx += np.int32(offset[pre.name])
            parts.static_pre.append(pre_idx)
            parts.static_target.append(post_global)
            parts.static_weight.append(weight.astype(np.float32))
            parts.static_delay.append(delay)
            if delay.size:
                shortest = int(delay.min())
                parts.min_static_delay_steps = min(parts.min_static_delay_steps or shortest, shortest)
            parts.static_proj.append(np.full(pre_idx.size, len(parts.projection_names), dtype=np.int16))
            parts.projection_names.append(proj.name)
        del weight, delay
    return parts


def _weights(proj, post, count: int, seed: int, where: str) -> np.ndarray:
    """Weights, constant or drawn (float64 when drawn); refused if float32 cannot hold them."""
    limit = float(np.finfo(np.float32).max)
    if post.model == "parrot_neuron":
        return np.ones(count, np.float32)  # parrots count spikes; weights are ignored, as in NEST
    if not isinstance(proj.weight, (Distribution, tuple)):
        value = float(proj.weight)
        if abs(value) > limit:
            raise ValidationError(f"{where}: weight {value:g} is too large to store (at most {limit:.3g} in magnitude)")
        return np.full(count, value, np.float32)  # constant: no float64 temporary of the whole projection
    weight = draw(proj.weight, count, object_rng(seed, proj.name, 1))
    if weight.size and np.abs(weight).max() > limit:  # static weights are stored as float32
        raise ValidationError(f"{where}: weight {weight[np.argmax(np.abs(weight))]:g} is too large to store "
                              f"(at most {limit:.3g} in magnitude)")
    return weight


def _delays(proj, count: int, seed: int, dt: float, where: str) -> np.ndarray:
    """Delays in whole steps (int16), rounded as NEST rounds; below one step or too long is refused."""
    if not isinstance(proj.delay, Distribution):
        steps = steps_of(float(proj.delay), dt)
        low_ms = high_ms = float(proj.delay)
        low = high = steps
        delay = None
    else:
        delay_ms = draw(proj.delay, count, object_rng(seed, proj.name, 2))
        delay = np.floor(delay_ms / dt + 0.5)
        low, high = (int(delay.min()), int(delay.max())) if count else (1, 1)
        low_ms, high_ms = (float(delay_ms.min()), float(delay_ms.max())) if count else (dt, dt)
    if count and low < 1:
        raise ValidationError(
            f"{where}: delay {low_ms:g} ms is below the time step dt = {dt:g} ms (minimum delay is one step)")
    if count and high >= 2**15:
        raise ValidationError(f"{where}: delay {high_ms:g} ms is longer than {(2**15 - 1) * dt:g} ms")
    return np.full(count, steps, np.int16) if delay is None else delay.astype(np.int16)


def build_layout(network: Network, dt: float, values: list[dict]) -> Layout:
    """Population ranges, model codes and constants rows (each in its model's schema, zero-padded):
    one row per population, and one per neuron for populations whose parameters vary.
    `values`: each population's neuron_values."""
    pops = network.populations
    starts = np.zeros(len(pops) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([p.size for p in pops])
    builders = [NEURON_BUILDERS.get(p.model) for p in pops]
    tables, references = [], []
    for pop, builder, pop_values in zip(pops, builders, values):
        rows, reference = (population_constants(pop, builder, pop_values, dt) if builder
                           else (np.zeros((1, 0)), np.zeros(pop.size)))
        tables.append(rows)
        references.append(reference)
    width = max([rows.shape[1] for rows in tables], default=0)
    consts = np.zeros((len(pops), width))
    neuron_row = np.full(len(pops), -1, np.int64)
    per_neuron = []
    for p, (pop, rows) in enumerate(zip(pops, tables)):
        consts[p, :rows.shape[1]] = rows[0]
        if pop.varying_params:
            neuron_row[p] = sum(block.shape[0] for block in per_neuron)
            per_neuron.append(np.pad(rows, ((0, 0), (0, width - rows.shape[1]))))
    return Layout(
        pop_start=starts,
        pop_model=np.array([b.code if b else step.PASSIVE for b in builders], dtype=np.int32),
        pop_consts=consts, pop_neuron_row=neuron_row,
        neuron_consts=np.concatenate(per_neuron) if per_neuron else np.zeros((0, width)),
        v_reference=np.concatenate(references) if references else np.zeros(0),
    )


def _initial_state(network: Network, n: int, seed: int, offset: dict[str, int], layout: Layout,
                   values: list[dict]) -> NeuronState:
    """Each population's state variables drawn from initial_state_spec, in its own RNG stream."""
    builders = {p.model: NEURON_BUILDERS[p.model] for p in network.populations if p.model in NEURON_BUILDERS}
    state = neuron_state(n, set().union(*(b.arrays() for b in builders.values())))
    for pop, pop_values in zip(network.populations, values):
        spec = initial_state_spec(pop, pop_values)
        if not spec:
            continue
        sl = slice(offset[pop.name], offset[pop.name] + pop.size)
        rng = object_rng(seed, pop.name, 3)
        for name, start in spec.items():  # V_m first: the draw order is part of the seeded result
            array = builders[pop.model].variables[name]
            reference = layout.v_reference[sl] if array == "v" else 0.0
            start_values = start if isinstance(start, np.ndarray) else draw(start, pop.size, rng)
            getattr(state, array)[sl] = start_values - reference
    return state


def _build_csr(n, pres, targets, weights, delays, projs, bounds) -> tuple[Synapses, np.ndarray]:
    """CSR by presynaptic neuron. With T threads: T consecutive CSRs over (thread of target, pre),
    so indptr has T * n + 1 entries and thread t's CSR starts at indptr[t * n].

    Counting sort straight from the per-projection parts into the final arrays, releasing each
    part as it is placed: no concatenated copies, which is what bounds the build's peak memory."""
    threads = bounds.size - 1
    keys = []
    for part_pre, part_target in zip(pres, targets):
        if threads > 1:
            owner = np.searchsorted(bounds, part_target % n, side="right") - 1
            keys.append((owner * n + part_pre).astype(np.int64))
        else:
            keys.append(part_pre)
    counts = np.zeros(threads * n + 1, np.int64)
    for key in keys:
        csr_count(key, counts)
    indptr = np.cumsum(counts)  # counts[k + 1] holds key k's count, so indptr[0] == 0
    total = int(indptr[-1])
    target = np.empty(total, np.int32)
    weight = np.empty(total, np.float32)
    delay = np.empty(total, np.int16)
    projection = np.empty(total, np.int16)
    cursor = indptr[:-1].copy()
    for i in range(len(keys)):
        csr_place(keys[i], cursor, targets[i], weights[i], delays[i], projs[i], target, weight, delay, projection)
        keys[i] = pres[i] = targets[i] = weights[i] = delays[i] = projs[i] = None  # release as we go
    return Synapses(indptr=indptr, target=target, weight=weight, delay=delay), projection


def _window(pop, dt) -> tuple[int, int]:
    start = steps_of(pop.params["start"], dt)
    stop = NEVER if pop.params["stop"] is None else steps_of(pop.params["stop"], dt)
    return start, stop


def rate_schedule(device, dt: float) -> list[tuple[int, float]]:
    """[(first step, expected spikes per step)] of a Poisson device; one entry for a constant rate."""
    return DEVICE_BUILDERS[device.model].rate_schedule(device.params, dt)


def _build_poisson(parts, dt, seed, bounds, n) -> PoissonInputs:
    """Poisson connections ordered by (thread of target, source); one RNG stream per (thread, source)."""
    threads = bounds.size - 1
    n_src = len(parts)
    start, stop = np.zeros(n_src, np.int64), np.zeros(n_src, np.int64)
    sched_begin, sched_end = np.zeros(n_src, np.int64), np.zeros(n_src, np.int64)
    entries = []
    for target, weight, delay, src, pre, proj in parts:
        start[src], stop[src] = _window(pre, dt)
        schedule = rate_schedule(pre, dt)
        sched_begin[src] = len(entries)
        entries.extend(schedule)
        sched_end[src] = len(entries)
    seeds = [int(object_rng(seed, proj.name, 4 + 100 * thread).integers(0, 2**63))
             for thread in range(threads) for *_, proj in parts]
    sched_step = np.array([e[0] for e in entries], np.int64)
    sched_lam = np.array([e[1] for e in entries], np.float64)
    tables = [poisson_tables(x) for x in sched_lam]
    sched_cdf = np.array([t[0] for t in tables]).reshape(len(entries), devices.POISSON_TABLE_SIZE)
    sched_guide = np.array([t[1] for t in tables], dtype=np.int32).reshape(len(entries), devices.POISSON_GUIDE_SIZE)

    def cat(i, dtype):
        return np.concatenate([p[i] for p in parts]).astype(dtype) if parts else np.empty(0, dtype)

    lam = sched_lam[sched_begin].copy() if n_src else np.zeros(0)
    target, weight, delay = cat(0, np.int32), cat(1, np.float64), cat(2, np.int16)
    source = np.concatenate([np.full(p[0].size, p[3], np.int32) for p in parts]) if parts else np.empty(0, np.int32)
    owner = np.searchsorted(bounds, target % max(n, 1), side="right") - 1
    order = np.lexsort((source, owner))  # stable: within (thread, source) the original order
    target, weight, delay, source = target[order], weight[order], delay[order], source[order]
    thread_first = np.searchsorted(owner[order], np.arange(threads + 1)).astype(np.int64)
    return PoissonInputs(
        target=target, weight=weight, delay=delay, source=source, thread_first=thread_first,
        lam=lam, exp_minus_lam=np.exp(-lam), start_step=start, stop_step=stop,
        rng=seed_streams(seeds) if parts else np.zeros((0, 4), np.uint64),
        cdf=sched_cdf[sched_begin].copy(), guide=sched_guide[sched_begin].copy(),
        sched_begin=sched_begin, sched_end=sched_end, cursor=sched_begin.copy(),
        sched_step=sched_step, sched_lam=sched_lam, sched_cdf=sched_cdf, sched_guide=sched_guide,
    )


def poisson_tables(lam: float) -> tuple[np.ndarray, np.ndarray]:
    """CDF and guide table of Poisson(lam) for the kernel's table inversion (lam < POISSON_TABLE_MAX_LAM)."""
    counts = np.arange(devices.POISSON_TABLE_SIZE)
    if lam <= 0 or lam >= devices.POISSON_TABLE_MAX_LAM:
        cdf = np.ones(devices.POISSON_TABLE_SIZE)
    else:
        log_p = -lam + counts * math.log(lam) - np.array([math.lgamma(c + 1.0) for c in counts])
        cdf = np.cumsum(np.exp(log_p))
    cdf[-1] = 2.0  # sentinel: the search always stops inside the table
    guide = np.searchsorted(cdf, np.arange(devices.POISSON_GUIDE_SIZE) / devices.POISSON_GUIDE_SIZE, side="left")
    return cdf, guide.astype(np.int32)


def current_source_values(device, dt: float) -> dict:
    """Per-source scalars of a current device (also used for live changes): the device's own
    values (its registry entry) over zeros for the other kinds' fields."""
    builder = DEVICE_BUILDERS[device.model]
    values = {"kind": builder.current_kind, "amplitude": 0.0, "offset": 0.0, "omega_dt": 0.0, "phase": 0.0,
              "mean": 0.0, "std": 0.0, "noise_steps": 1, **builder.current_values(device.params, dt)}
    values["start_step"], values["stop_step"] = _window(device, dt)
    return values


def _build_currents(parts, dt, seed) -> CurrentInputs:
    n_src = len(parts)
    per_source = {name: np.zeros(n_src, dtype) for name, dtype in (
        ("kind", np.int32), ("amplitude", np.float64), ("offset", np.float64), ("omega_dt", np.float64),
        ("phase", np.float64), ("mean", np.float64), ("std", np.float64), ("noise_steps", np.int64),
        ("start_step", np.int64), ("stop_step", np.int64))}
    sched_end, cursor = np.zeros(n_src, np.int64), np.zeros(n_src, np.int64)
    sched_step, sched_value = [], []
    for target, weight, delay, src, pre, proj in parts:
        for name, value in current_source_values(pre, dt).items():
            per_source[name][src] = value
        cursor[src] = len(sched_step)
        schedule = DEVICE_BUILDERS[pre.model].current_schedule
        for first_step, value in (schedule(pre.params, dt) if schedule else []):
            sched_step.append(first_step)
            sched_value.append(value)
        sched_end[src] = len(sched_step)
    seeds = [int(object_rng(seed, proj.name, 4).integers(0, 2**63)) for *_, proj in parts]

    def cat(i, dtype):
        return np.concatenate([p[i] for p in parts]).astype(dtype) if parts else np.empty(0, dtype)

    target = cat(0, np.int32)
    return CurrentInputs(
        target=target, weight=cat(1, np.float64), delay=cat(2, np.int16),
        source=np.concatenate([np.full(p[0].size, p[3], np.int32) for p in parts]) if parts else np.empty(0, np.int32),
        noise_next=np.zeros(n_src, np.int64), noise_value=np.zeros(target.size),
        rng=seed_streams(seeds) if parts else np.zeros((0, 4), np.uint64),
        sched_end=sched_end, cursor=cursor, sched_step=np.array(sched_step, np.int64),
        sched_value=np.array(sched_value, np.float64), value_now=np.zeros(n_src),
        active=np.zeros(n_src, np.bool_), redraw=np.zeros(n_src, np.bool_), **per_source,
    )


def _build_trains(network: Network, dt: float, offset: dict[str, int]) -> SpikeTrains:
    steps, neurons, populations = [], [], []
    for p_index, pop in enumerate(network.populations):
        builder = DEVICE_BUILDERS.get(pop.model)
        if builder is None or builder.spike_steps is None:
            continue
        for i, emit in enumerate(builder.spike_steps(pop.params, pop.size, dt)):
            steps.append(emit)
            neurons.append(np.full(emit.size, offset[pop.name] + i, np.int32))
            populations.append(np.full(emit.size, p_index, np.int32))
    if steps:
        step = np.concatenate(steps)
        order = np.argsort(step, kind="stable")
        step = step[order]
        neuron = np.concatenate(neurons)[order]
        population = np.concatenate(populations)[order]
        most = int(np.unique(step, return_counts=True)[1].max()) if step.size else 0
    else:
        step, neuron, population, most = np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.int32), 0
    return SpikeTrains(step=step, neuron=neuron, population=population, cursor=np.zeros(1, np.int64),
                       max_per_step=np.array([most], np.int64))




def rebuild_spike_trains(compiled: CompiledNetwork, network: Network, from_step: int) -> None:
    """The explicit spike trains of `network` (after a live change of a device's parameters) in place of
    compiled.trains, continuing from step `from_step` (earlier events are passed over)."""
    offset = {name: int(compiled.layout.pop_start[i]) for i, name in enumerate(compiled.pop_names)}
    trains = _build_trains(network, compiled.dt, offset)
    trains.cursor[0] = np.searchsorted(trains.step, from_step)
    compiled.trains = trains


def _build_plastic(n: int, parts, network: Network, dt: float, seed: int) -> PlasticSynapses:
    """Plastic synapses in CSR by pre neuron (then projection), traces and post-spike histories;
    memristive projections' devices programmed (engine.compile.memristors)."""
    n_proj = len(parts)
    params = np.zeros((n_proj, plasticity.N_PLASTIC_PARAMS))
    device = np.zeros((n_proj, memristors.N_DEVICE_PARAMS))
    for p in parts:
        device[p[4]] = memristors.device_row(p[5].memristor)
    parts = [(pre, post, *memristors.program_devices(proj.memristor, weight, proj.synapse_params["Wmax"], seed,
                                                     proj.name), delay, index, proj)
             for pre, post, weight, delay, index, proj in parts]
    hist_row = np.full(n, -1, np.int32)
    tau_minus_of_neuron = {}
    for pre_g, post_g, weight, _scale, _stuck, delay, index, proj in parts:
        sp = proj.synapse_params
        params[index] = SYNAPSE_BUILDERS[proj.synapse].constants_row(sp, dt)
        for neuron in np.unique(post_g):
            previous = tau_minus_of_neuron.setdefault(int(neuron), sp["tau_minus"])
            if previous != sp["tau_minus"]:
                raise ValidationError(
                    f"projection '{proj.name}': tau_minus {sp['tau_minus']:g} ms differs from another plastic "
                    f"projection into '{proj.post}' ({previous:g} ms); the post-synaptic trace is one per neuron")
    targets = np.array(sorted(tau_minus_of_neuron), dtype=np.int64)
    hist_row[targets] = np.arange(targets.size, dtype=np.int32)
    tau_minus = np.array([tau_minus_of_neuron[int(t)] for t in targets]) if targets.size else np.zeros(0)
    if parts:
        pre = np.concatenate([p[0] for p in parts])
        proj_index = np.concatenate([np.full(p[0].size, p[6], np.int16) for p in parts])
        order = np.lexsort((proj_index, pre))  # by pre, then projection (stable)
        pre = pre[order]
        indptr = csr_indptr(pre, n)
        target, weight, scale, stuck, delay = (np.concatenate([p[k] for p in parts])[order].astype(dtype) for k, dtype in
                                               ((1, np.int32), (2, np.float64), (3, np.float64), (4, np.int8),
                                                (5, np.int16)))
        proj_index = proj_index[order]
    else:
        indptr = np.zeros(n + 1, np.int64)
        target, weight, scale, stuck = np.empty(0, np.int32), np.empty(0), np.empty(0), np.empty(0, np.int8)
        delay, proj_index = np.empty(0, np.int16), np.empty(0, np.int16)
    rows = targets.size
    return PlasticSynapses(
        indptr=indptr, target=target, weight=weight, delay=delay, proj=proj_index, params=params,
        kplus=np.zeros((n, n_proj)), t_last=np.zeros((n, n_proj)), hist_row=hist_row,
        history=np.zeros((rows, plasticity.POST_HISTORY_LENGTH if rows else 0, 2)),
        hist_count=np.zeros(rows, np.int64), tau_minus=tau_minus,
        exp_plus=_decay_tables([p[7].synapse_params["tau_plus"] for p in parts], dt),
        exp_minus=_decay_tables([p[7].synapse_params["tau_minus"] for p in parts], dt),
        device=device, device_scale=scale, device_stuck=stuck, device_programmed=np.zeros(weight.size),
        device_rng=seed_streams([object_rng(seed, "memristive devices", memristors.DEVICE_STREAM).integers(2**63)]),
    )


def _decay_tables(taus: list[float], dt: float) -> np.ndarray:
    steps = np.arange(plasticity.DECAY_TABLE_LENGTH) * dt
    with np.errstate(over="ignore"):  # a tau of 5e-324 ms: -steps / tau is -inf, and its exp the right limit, 0
        return np.array([np.exp(-steps / tau) for tau in taus]).reshape(len(taus), plasticity.DECAY_TABLE_LENGTH)


def _build_short_term(n: int, parts, network: Network, dt: float) -> ShortTermSynapses:
    """tsodyks2 synapses in CSR by pre neuron, with u, x and the last spike time per synapse."""
    params = np.zeros((len(parts), len(short_term.Tsodyks2Constants)))
    counts_spikes = np.zeros(len(parts), np.bool_)
    initial_u, initial_x = np.zeros(len(parts)), np.zeros(len(parts))
    for *_, index, proj in parts:
        sp = proj.synapse_params
        params[index] = SYNAPSE_BUILDERS[proj.synapse].constants_row(sp, dt)
        counts_spikes[index] = network.population(proj.post).model == "parrot_neuron"
        initial_u[index] = get_synapse(proj.synapse, f"projection '{proj.name}'").initial_u(sp)
        initial_x[index] = sp["x"]
    if parts:
        pre = np.concatenate([p[0] for p in parts])
        order = np.argsort(pre, kind="stable")
        proj_index = np.concatenate([np.full(p[0].size, p[4], np.int16) for p in parts])[order]
        arrays = dict(indptr=csr_indptr(pre[order], n),
                      target=np.concatenate([p[1] for p in parts])[order].astype(np.int32),
                      weight=np.concatenate([p[2] for p in parts])[order],
                      delay=np.concatenate([p[3] for p in parts])[order].astype(np.int16), proj=proj_index)
    else:
        arrays = dict(indptr=np.zeros(n + 1, np.int64), target=np.empty(0, np.int32), weight=np.empty(0),
                      delay=np.empty(0, np.int16), proj=np.empty(0, np.int16))
    rows = arrays["proj"]
    return ShortTermSynapses(params=params, counts_spikes=counts_spikes, u=initial_u[rows], x=initial_x[rows],
                             t_last=np.full(rows.size, short_term.NO_SPIKE_YET), **arrays)
