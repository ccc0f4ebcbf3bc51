"""Compiler output: NamedTuples of flat arrays, nothing callable (what kernels take)."""
from typing import NamedTuple

import numpy as np


class Layout(NamedTuple):
    pop_start: np.ndarray  # (P + 1,) int64: neurons of population p are [pop_start[p], pop_start[p+1])
    pop_model: np.ndarray  # (P,) int32 model code (engine.kernels.step.update_population dispatches on it)
    pop_consts: np.ndarray  # (P, width) float64: row p is a row of the constants schema (an IntEnum of the
    #                         model's kernel module) of population p's model; columns past it are 0
    pop_neuron_row: np.ndarray  # (P,) int64: -1 where p's parameters are uniform (row p above is used), else
    #                             the row of p's first neuron in neuron_consts (one row per neuron follows)
    neuron_consts: np.ndarray  # (M, width) float64 the per-neuron rows of populations whose parameters vary
    v_reference: np.ndarray  # (N,) float64 potential that each neuron's state.v is measured from (E_L or 0)


class NeuronState(NamedTuple):
    """Per-neuron state, one array per variable. An array no population's model uses has length 0."""

    v: np.ndarray  # (N,) float64 membrane potential minus the neuron's layout.v_reference
    i_syn_ex: np.ndarray  # (N,) float64 excitatory synaptic current (pA) of current-based models
    i_syn_in: np.ndarray  # (N,) float64 inhibitory synaptic current (pA)
    di_syn_ex: np.ndarray  # (N,) float64 alpha-current synapses: the derivative term of i_syn_ex
    di_syn_in: np.ndarray
    g_ex: np.ndarray  # (N,) float64 excitatory synaptic conductance (nS) of conductance-based models
    g_in: np.ndarray  # (N,) float64 inhibitory synaptic conductance (nS)
    dg_ex: np.ndarray  # (N,) float64 alpha-conductance synapses: the derivative term of g_ex
    dg_in: np.ndarray
    w: np.ndarray  # (N,) float64 AdEx adaptation current (pA)
    u: np.ndarray  # (N,) float64 Izhikevich recovery variable U_m
    act_m: np.ndarray  # (N,) float64 Hodgkin-Huxley sodium activation m
    inact_h: np.ndarray  # (N,) float64 Hodgkin-Huxley sodium inactivation h
    act_n: np.ndarray  # (N,) float64 Hodgkin-Huxley potassium activation n
    i_stim: np.ndarray  # (N,) float64 device current applied in the next step (pA)
    refractory: np.ndarray  # (N,) int32 refractory steps left
    ode_step: np.ndarray  # (N,) float64 adaptive integrator's current step size (ms), kept across steps
    theta: np.ndarray  # (N,) float64 adaptive threshold's increase over V_th (mV), iaf_psc_exp_adaptive


# Arrays every neuron kernel (and the step loop) uses; the others exist where a model needs them.
COMMON_STATE = ("v", "i_stim", "refractory")
STATE_DTYPES = {name: np.int32 if name == "refractory" else np.float64 for name in NeuronState._fields}


def neuron_state(n: int, used: set[str]) -> NeuronState:
    """Zeroed state for n neurons: length n for the arrays in `used` (and COMMON_STATE), 0 for the rest."""
    return NeuronState(**{name: np.zeros(n if name in used or name in COMMON_STATE else 0, STATE_DTYPES[name])
                          for name in NeuronState._fields})


class Synapses(NamedTuple):
    indptr: np.ndarray  # (T * N + 1,) int64; thread t's CSR by pre neuron starts at t * N (T = 1: plain CSR)
    target: np.ndarray  # (n_syn,) int32: post neuron, + N for the inhibitory channel
    weight: np.ndarray  # (n_syn,) float32
    delay: np.ndarray  # (n_syn,) int16, in steps (>= 1)


class PlasticSynapses(NamedTuple):
    indptr: np.ndarray  # (N + 1,) int64, by presynaptic neuron; within a neuron sorted by projection
    target: np.ndarray  # (n,) int32 post neuron (channel chosen by the weight's sign at delivery)
    weight: np.ndarray  # (n,) float64, changes while learning
    delay: np.ndarray  # (n,) int16 steps (also the dendritic delay)
    proj: np.ndarray  # (n,) int16 row of params
    params: np.ndarray  # (P, N_PLASTIC_PARAMS) float64, columns engine.kernels.plasticity.StdpConstants
    kplus: np.ndarray  # (N, P) float64 presynaptic trace per neuron and plastic projection
    t_last: np.ndarray  # (N, P) float64 last presynaptic spike time (ms)
    hist_row: np.ndarray  # (N,) int32 row in the post-spike history, -1 if not a plastic target
    history: np.ndarray  # (R, H, 2) float64 recent post spikes (ring): time, and K_minus just after it
                         # (interleaved: one cache line holds both)
    hist_count: np.ndarray  # (R,) int64 spikes recorded so far
    tau_minus: np.ndarray  # (R,) float64
    exp_plus: np.ndarray  # (P, DECAY_TABLE_LENGTH) exp(-k dt / tau_plus)
    exp_minus: np.ndarray  # (P, DECAY_TABLE_LENGTH) exp(-k dt / tau_minus)
    # memristive devices (engine.kernels.memristor); a projection without one has device[row, ON] = 0
    device: np.ndarray  # (P, N_DEVICE_PARAMS) float64, columns engine.kernels.memristor.DeviceConstants
    device_scale: np.ndarray  # (n,) float64 device-to-device scale of the conductance range (1: none)
    device_stuck: np.ndarray  # (n,) int8 bits memristor.STUCK, memristor.PASSIVE_STUCK_ON
    device_programmed: np.ndarray  # (n,) float64 time (ms) the device was last programmed (drift's origin)
    device_rng: np.ndarray  # (1, 4) uint64 the devices' noise stream (cycle-to-cycle and read noise)


class ShortTermSynapses(NamedTuple):
    """tsodyks2_synapse projections (engine.kernels.short_term): state per synapse."""
    indptr: np.ndarray  # (N + 1,) int64, by presynaptic neuron
    target: np.ndarray  # (n,) int32 post neuron (channel chosen by the weight's sign at delivery)
    weight: np.ndarray  # (n,) float64 (NEST's weight, A_se)
    delay: np.ndarray  # (n,) int16 steps
    proj: np.ndarray  # (n,) int16 row of params
    params: np.ndarray  # (P, len(Tsodyks2Constants)) float64: U, tau_rec, tau_fac (live)
    counts_spikes: np.ndarray  # (P,) bool: the target is a parrot (counts spikes, ignores weights)
    u: np.ndarray  # (n,) float64 release probability
    x: np.ndarray  # (n,) float64 fraction of available resources
    t_last: np.ndarray  # (n,) float64 last presynaptic spike time (ms), NO_SPIKE_YET before the first


class PoissonInputs(NamedTuple):
    target: np.ndarray  # (n,) int32 ring column (as Synapses.target)
    weight: np.ndarray  # (n,) float64
    delay: np.ndarray  # (n,) int16 steps
    source: np.ndarray  # (n,) int32: which Poisson projection (row of the per-source arrays)
    thread_first: np.ndarray  # (T + 1,) int64: connections of thread t are [thread_first[t], thread_first[t+1])
    lam: np.ndarray  # (S,) float64 expected spikes per step now
    exp_minus_lam: np.ndarray  # (S,) float64
    start_step: np.ndarray  # (S,) int64
    stop_step: np.ndarray  # (S,) int64
    rng: np.ndarray  # (T * S, 4) uint64 one stream per thread and Poisson projection (row t * S + s)
    cdf: np.ndarray  # (S, POISSON_TABLE_SIZE) float64 P(count <= k) now, last entry 2.0 (sentinel)
    guide: np.ndarray  # (S, POISSON_GUIDE_SIZE) int32 smallest k with cdf[k] >= j / size
    sched_begin: np.ndarray  # (S,) int64 the source's rate schedule: entries [begin, end)
    sched_end: np.ndarray  # (S,) int64
    cursor: np.ndarray  # (S,) int64 schedule entry in force
    sched_step: np.ndarray  # (K,) int64 step from which the entry's rate holds
    sched_lam: np.ndarray  # (K,) float64
    sched_cdf: np.ndarray  # (K, POISSON_TABLE_SIZE)
    sched_guide: np.ndarray  # (K, POISSON_GUIDE_SIZE)


class CurrentInputs(NamedTuple):
    target: np.ndarray  # (n,) int32 neuron
    weight: np.ndarray  # (n,) float64
    delay: np.ndarray  # (n,) int16 steps
    source: np.ndarray  # (n,) int32: which current projection
    kind: np.ndarray  # (S,) int32 CURRENT_DC / STEP / AC / NOISE (engine.kernels.devices)
    amplitude: np.ndarray  # (S,) float64 pA (dc, ac)
    offset: np.ndarray  # (S,) float64 pA (ac)
    omega_dt: np.ndarray  # (S,) float64 radians per step (ac)
    phase: np.ndarray  # (S,) float64 radians (ac)
    mean: np.ndarray  # (S,) float64 pA (noise)
    std: np.ndarray  # (S,) float64 pA (noise)
    noise_steps: np.ndarray  # (S,) int64 steps between new noise values
    noise_next: np.ndarray  # (S,) int64 next redraw step
    noise_value: np.ndarray  # (n,) float64 current noise value per target
    rng: np.ndarray  # (S, 4) uint64
    sched_end: np.ndarray  # (S,) int64 step-current schedule [cursor.., end)
    cursor: np.ndarray  # (S,) int64
    sched_step: np.ndarray  # (K,) int64
    sched_value: np.ndarray  # (K,) float64
    start_step: np.ndarray  # (S,) int64
    stop_step: np.ndarray  # (S,) int64
    value_now: np.ndarray  # (S,) float64 scratch: this step's value per source
    active: np.ndarray  # (S,) bool scratch
    redraw: np.ndarray  # (S,) bool scratch


class SpikeTrains(NamedTuple):
    step: np.ndarray  # (n_events,) int64 emission step, sorted
    neuron: np.ndarray  # (n_events,) int32 global neuron
    population: np.ndarray  # (n_events,) int32
    cursor: np.ndarray  # (1,) int64 next event to emit
    max_per_step: np.ndarray  # (1,) int64 most events in one step (spike buffer headroom)


class Buffers(NamedTuple):
    ring: np.ndarray  # (L, 2N) float64 spike input per arrival step (ex | in channels)
    current_ring: np.ndarray  # (L, N) float64 device current per arrival step
    spike_neuron: np.ndarray  # (capacity,) int32
    spike_step: np.ndarray  # (capacity,) int64
    trace_neuron: np.ndarray  # (K,) int64
    trace_var: np.ndarray  # (K,) int32
    trace_pop: np.ndarray  # (K,) int32
    trace_out: np.ndarray  # (block_steps, K) float64
    pop_counts: np.ndarray  # (block_steps, P) int32 spikes per step and population
    counters: np.ndarray  # (4,) int64 synaptic events, neuron updates, lost spikes
    interrupt: np.ndarray  # (1,) int8, set from another thread: end the block after this step
    # lesions (engine.runtime.lesions), changed between blocks: 1 = lesioned
    lesioned_neuron: np.ndarray  # (N,) uint8: its spikes are dropped where they are emitted
    lesioned_synapse: np.ndarray  # (n_syn,) uint8 static synapses (Synapses order): deliver nothing
    cut_synapses: np.ndarray  # (T * N,) int32 lesioned static synapses per CSR row (0: the unmasked loop)
    lesioned_plastic: np.ndarray  # (n_plastic,) uint8 (PlasticSynapses order): neither deliver nor learn
    lesioned_short_term: np.ndarray  # (n_short_term,) uint8 (ShortTermSynapses order)


class ThreadWork(NamedTuple):
    """What the threads of engine.kernels.parallel keep apart during a window of steps (their spikes go
    to a second Buffers with its own spike arrays: T regions of `region` spikes each)."""

    bounds: np.ndarray  # (T + 1,) int64: thread t owns neurons [bounds[t], bounds[t + 1])
    region: np.ndarray  # (1,) int64 spikes one thread may emit in a window
    counts: np.ndarray  # (T, W, P) int32 spikes of thread t in window step k, population p
    cursor: np.ndarray  # (T,) int64 read position in each region while merging
    events: np.ndarray  # (T,) int64 synaptic events each thread delivered (summed after the block)
