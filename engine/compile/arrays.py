"""Compiler output: NamedTuples of flat arrays, nothing callable (what kernels take)."""
from typing import NamedTuple

import numpy as np


class Layout(NamedTuple):
    pop_start: np.ndarray  # (P + 1,) int64: neurons of population p are [pop_start[p], pop_start[p+1])
    pop_model: np.ndarray  # (P,) int32 model code (engine.kernels.step)
    pop_consts: np.ndarray  # (P, N_CONSTS) float64 propagators and thresholds


class NeuronState(NamedTuple):
    v: np.ndarray  # (N,) float64 membrane potential relative to pop_consts[p, C_E_L] (0 for ODE models)
    i_ex: np.ndarray  # (N,) float64 excitatory synaptic current (pA) or conductance (nS)
    i_in: np.ndarray  # (N,) float64 inhibitory synaptic current (pA) or conductance (nS)
    di_ex: np.ndarray  # (N,) float64 alpha-synapse derivative terms
    di_in: np.ndarray
    i_stim: np.ndarray  # (N,) float64 device current applied in the next step (pA)
    refractory: np.ndarray  # (N,) int32 refractory steps left
    w: np.ndarray  # (N,) float64 AdEx adaptation current (pA) / Izhikevich recovery variable
    ode_step: np.ndarray  # (N,) float64 adaptive integrator's current step size (ms), kept across steps


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
    params: np.ndarray  # (P, N_PLASTIC_PARAMS) float64
    kplus: np.ndarray  # (N, P) float64 presynaptic trace per neuron and plastic projection
    t_last: np.ndarray  # (N, P) float64 last presynaptic spike time (ms)
    hist_row: np.ndarray  # (N,) int32 row in the post-spike history, -1 if not a plastic target
    history: np.ndarray  # (R, H, 2) float64 recent post spikes (ring): time, and K_minus just after it
                         # (interleaved: one cache line holds both)
    hist_count: np.ndarray  # (R,) int64 spikes recorded so far
    tau_minus: np.ndarray  # (R,) float64
    exp_plus: np.ndarray  # (P, DECAY_TABLE_LENGTH) exp(-k dt / tau_plus)
    exp_minus: np.ndarray  # (P, DECAY_TABLE_LENGTH) exp(-k dt / tau_minus)


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
