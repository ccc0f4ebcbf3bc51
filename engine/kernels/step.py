"""The simulation step kernel: a block of time steps per call, over flat arrays.

Arguments are NamedTuples of arrays built by engine.compile; results go into
preallocated buffers. Update order within a step follows NEST exactly
(see the models' update functions there), so single-neuron traces match it:
  1. devices (Poisson trains, currents) write into the ring buffers for t + delay,
  2. each neuron integrates over [t, t+dt] with the input read from slot t,
  3. threshold, reset, refractory counter; spikes are time-stamped (t+1)·dt,
  4. spikes of this step are scattered through the CSR synapses into slot t + delay.
"""
import numpy as np

from engine.kernels.options import kernel
from engine.kernels.ode_neurons import (
    FAMILY_COND_ALPHA, update_aeif, update_cond_exp_exponential, update_conductance,
    update_izhikevich,
)
from engine.kernels.plasticity import deliver_plastic, record_post_spikes
from engine.kernels.devices import advance_rate_schedules, drive_currents, drive_poisson

# Model codes (engine.compile maps model names to these).
IAF_PSC_DELTA = 0
IAF_PSC_EXP = 1
IAF_PSC_ALPHA = 2
PARROT = 3
PASSIVE = 4  # devices and spike generators: nothing to integrate
IAF_COND_EXP = 5
IAF_COND_ALPHA = 6
IZHIKEVICH = 7
AEIF_COND_EXP = 8

# Columns of layout.pop_consts (per population, computed by engine.compile).
C_E_L = 0
C_THETA = 1  # V_th - E_L
C_V_RESET = 2  # V_reset - E_L
C_I_E = 3
C_REFRACTORY_STEPS = 4
C_P22 = 5  # exp(-dt/tau_m)
C_P20 = 6  # tau_m/C_m (1 - exp(-dt/tau_m))
C_P11_EX = 7
C_P11_IN = 8
C_P21_EX = 9
C_P21_IN = 10
C_P31_EX = 11
C_P31_IN = 12
C_P32_EX = 13
C_P32_IN = 14
C_PSC_INIT_EX = 15  # e / tau_syn_ex (alpha)
C_PSC_INIT_IN = 16
C_EXPM1_TAU_M = 17
N_CONSTS = 26  # columns 18.. are used by the ODE models (engine.kernels.ode_neurons)

# Rows of a trace request (buffers.trace_var).
TRACE_V_M = 0
TRACE_I_SYN_EX = 1
TRACE_I_SYN_IN = 2
TRACE_W = 3  # AdEx adaptation current w, Izhikevich recovery variable U_m

# buffers.counters
COUNT_SYNAPTIC_EVENTS = 0
COUNT_NEURON_UPDATES = 1
COUNT_LOST_SPIKES = 2


@kernel
def run_block(layout, state, synapses, plastic, poisson_in, current_in, trains, buffers, t_start, n_steps, dt):
    """Advance `n_steps` steps from step `t_start`. Returns (steps done, spikes written).

    Stops early (at a step boundary) when the spike buffer could overflow; the
    caller drains it and calls again. Also stops after at least one step once
    `buffers.interrupt[0]` is set (by another thread: a command is waiting).
    """
    ring = buffers.ring
    current_ring = buffers.current_ring
    ring_len = ring.shape[0]
    n_neurons = state.v.shape[0]
    n_pops = layout.pop_model.shape[0]
    capacity = buffers.spike_neuron.shape[0]
    counters = buffers.counters
    n_spikes = 0
    steps_done = 0
    for k in range(n_steps):
        t = t_start + k
        slot = t % ring_len
        headroom = n_neurons + trains.max_per_step[0] + _parrot_spikes_due(layout, ring, slot, n_neurons)
        if k > 0 and (capacity - n_spikes < headroom or buffers.interrupt[0] != 0):
            break
        advance_rate_schedules(poisson_in, t)
        counters[COUNT_SYNAPTIC_EVENTS] += drive_poisson(poisson_in, ring, t, 0, poisson_in.target.shape[0], 0)
        drive_currents(current_in, current_ring, t)
        first_spike = n_spikes
        for p in range(n_pops):
            begin = layout.pop_start[p]
            end = layout.pop_start[p + 1]
            emitted_before = n_spikes
            n_spikes = update_population(layout, p, begin, end, state, ring, current_ring, slot, n_neurons, buffers,
                                         n_spikes, t, capacity)
            if layout.pop_model[p] != PASSIVE:
                counters[COUNT_NEURON_UPDATES] += end - begin
            buffers.pop_counts[k, p] = n_spikes - emitted_before
        n_spikes = _emit_trains(trains, layout, buffers, t, k, n_spikes, capacity)
        counters[COUNT_SYNAPTIC_EVENTS] += deliver(synapses, 0, ring, buffers.spike_neuron, first_spike, n_spikes, t)
        if plastic.params.shape[0] > 0:
            record_post_spikes(plastic, buffers.spike_neuron, first_spike, n_spikes, t, dt)
            deliver_plastic(plastic, ring, buffers.spike_neuron, first_spike, n_spikes, t, dt, n_neurons, counters)
        _record_traces(layout, state, buffers, k)
        steps_done = k + 1
    return steps_done, n_spikes


@kernel
def update_population(layout, p, begin, end, state, ring, current_ring, slot, n_neurons, buffers, n_spikes, t,
                      capacity):
    """Integrate neurons [begin, end) of population p over one step; spikes go to buffers from n_spikes on."""
    code = layout.pop_model[p]
    consts = layout.pop_consts[p]
    if code == IAF_PSC_DELTA:
        return _update_psc_delta(consts, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t)
    if code == IAF_PSC_EXP:
        return _update_psc_exp(consts, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t)
    if code == IAF_PSC_ALPHA:
        return _update_psc_alpha(consts, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t)
    if code == IAF_COND_EXP:
        return update_cond_exp_exponential(consts, state, ring, current_ring, slot, begin, end, n_neurons, buffers,
                                           n_spikes, t)
    if code == IAF_COND_ALPHA:
        return update_conductance(FAMILY_COND_ALPHA, consts, state, ring, current_ring, slot, begin, end, n_neurons,
                                  buffers, n_spikes, t)
    if code == AEIF_COND_EXP:
        return update_aeif(consts, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t,
                           capacity)
    if code == IZHIKEVICH:
        return update_izhikevich(consts, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t)
    if code == PARROT:
        return _update_parrot(ring, slot, begin, end, n_neurons, buffers, n_spikes, t, capacity)
    return n_spikes


@kernel
def _parrot_spikes_due(layout, ring, slot, n_neurons):
    """Spikes the parrots emit this step (their input is complete before it): a parrot can
    emit several per step, so this is extra spike-buffer headroom beyond one per neuron."""
    due = 0
    for p in range(layout.pop_model.shape[0]):
        if layout.pop_model[p] == PARROT:
            for i in range(layout.pop_start[p], layout.pop_start[p + 1]):
                due += int(ring[slot, i] + ring[slot, n_neurons + i] + 0.5)
    return due


@kernel
def _spike(buffers, n_spikes, neuron, t):
    buffers.spike_neuron[n_spikes] = neuron
    buffers.spike_step[n_spikes] = t
    return n_spikes + 1


@kernel
def _update_psc_delta(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t):
    theta = c[C_THETA]
    v_reset = c[C_V_RESET]
    i_e = c[C_I_E]
    p33 = c[C_P22]
    p30 = c[C_P20]
    refractory_steps = np.int32(c[C_REFRACTORY_STEPS])
    v = state.v
    i_stim = state.i_stim
    refractory = state.refractory
    for i in range(begin, end):
        jump = ring[slot, i] + ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if refractory[i] == 0:
            v[i] = p30 * (i_stim[i] + i_e) + p33 * v[i] + jump
        else:
            refractory[i] -= 1  # input arriving while refractory is lost, as in NEST
        if v[i] >= theta:
            refractory[i] = refractory_steps
            v[i] = v_reset
            n_spikes = _spike(buffers, n_spikes, i, t)
        i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def _update_psc_exp(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t):
    theta = c[C_THETA]
    v_reset = c[C_V_RESET]
    i_e = c[C_I_E]
    p22 = c[C_P22]
    p20 = c[C_P20]
    p11_ex = c[C_P11_EX]
    p11_in = c[C_P11_IN]
    p21_ex = c[C_P21_EX]
    p21_in = c[C_P21_IN]
    refractory_steps = np.int32(c[C_REFRACTORY_STEPS])
    v = state.v
    i_ex = state.i_ex
    i_in = state.i_in
    i_stim = state.i_stim
    refractory = state.refractory
    for i in range(begin, end):
        if refractory[i] == 0:
            v[i] = v[i] * p22 + i_ex[i] * p21_ex + i_in[i] * p21_in + (i_e + i_stim[i]) * p20
        else:
            refractory[i] -= 1
        i_ex[i] = i_ex[i] * p11_ex + ring[slot, i]
        i_in[i] = i_in[i] * p11_in + ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if v[i] >= theta:
            refractory[i] = refractory_steps
            v[i] = v_reset
            n_spikes = _spike(buffers, n_spikes, i, t)
        i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def _update_psc_alpha(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t):
    theta = c[C_THETA]
    v_reset = c[C_V_RESET]
    i_e = c[C_I_E]
    p30 = c[C_P20]
    expm1_tau_m = c[C_EXPM1_TAU_M]
    p11_ex = c[C_P11_EX]
    p11_in = c[C_P11_IN]
    p21_ex = c[C_P21_EX]
    p21_in = c[C_P21_IN]
    p31_ex = c[C_P31_EX]
    p31_in = c[C_P31_IN]
    p32_ex = c[C_P32_EX]
    p32_in = c[C_P32_IN]
    init_ex = c[C_PSC_INIT_EX]
    init_in = c[C_PSC_INIT_IN]
    refractory_steps = np.int32(c[C_REFRACTORY_STEPS])
    v = state.v
    i_ex = state.i_ex
    i_in = state.i_in
    di_ex = state.di_ex
    di_in = state.di_in
    i_stim = state.i_stim
    refractory = state.refractory
    for i in range(begin, end):
        if refractory[i] == 0:
            v[i] = (p30 * (i_stim[i] + i_e) + p31_ex * di_ex[i] + p32_ex * i_ex[i]
                    + p31_in * di_in[i] + p32_in * i_in[i] + expm1_tau_m * v[i] + v[i])
        else:
            refractory[i] -= 1
        i_ex[i] = p21_ex * di_ex[i] + p11_ex * i_ex[i]
        di_ex[i] = di_ex[i] * p11_ex + init_ex * ring[slot, i]
        i_in[i] = p21_in * di_in[i] + p11_in * i_in[i]
        di_in[i] = di_in[i] * p11_in + init_in * ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if v[i] >= theta:
            refractory[i] = refractory_steps
            v[i] = v_reset
            n_spikes = _spike(buffers, n_spikes, i, t)
        i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def _update_parrot(ring, slot, begin, end, n_neurons, buffers, n_spikes, t, capacity):
    for i in range(begin, end):
        count = int(ring[slot, i] + ring[slot, n_neurons + i] + 0.5)  # compiled weights are 1: a count
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        for _ in range(count):
            if n_spikes >= capacity:
                buffers.counters[COUNT_LOST_SPIKES] += 1
                continue
            n_spikes = _spike(buffers, n_spikes, i, t)
    return n_spikes


@kernel
def _emit_trains(trains, layout, buffers, t, k, n_spikes, capacity):
    cursor = trains.cursor[0]
    n_events = trains.step.shape[0]
    while cursor < n_events and trains.step[cursor] < t:
        cursor += 1  # events before the start (e.g. after a reset to a later time) are skipped
    while cursor < n_events and trains.step[cursor] == t:
        if n_spikes < capacity:
            neuron = trains.neuron[cursor]
            n_spikes = _spike(buffers, n_spikes, neuron, t)
            buffers.pop_counts[k, trains.population[cursor]] += 1
        else:
            buffers.counters[COUNT_LOST_SPIKES] += 1
        cursor += 1
    trains.cursor[0] = cursor
    return n_spikes


@kernel
def deliver(synapses, csr_offset, ring, spike_neuron, first, last, t):
    """Scatter spikes [first, last) through one CSR (csr_offset = thread * N) into the ring; returns events."""
    ring_len = ring.shape[0]
    slot = t % ring_len
    indptr = synapses.indptr
    target = synapses.target
    weight = synapses.weight
    delay = synapses.delay
    events = 0
    for j in range(first, last):
        pre = csr_offset + spike_neuron[j]
        begin = indptr[pre]
        end = indptr[pre + 1]
        events += end - begin
        for s in range(begin, end):
            row = slot + delay[s]  # delay < ring_len, so one subtraction replaces a modulo
            if row >= ring_len:
                row -= ring_len
            ring[row, target[s]] += weight[s]
    return events


@kernel
def _record_traces(layout, state, buffers, k):
    for q in range(buffers.trace_neuron.shape[0]):
        i = buffers.trace_neuron[q]
        var = buffers.trace_var[q]
        if var == TRACE_V_M:
            buffers.trace_out[k, q] = state.v[i] + layout.pop_consts[buffers.trace_pop[q], C_E_L]
        elif var == TRACE_I_SYN_EX:
            buffers.trace_out[k, q] = state.i_ex[i]
        elif var == TRACE_I_SYN_IN:
            buffers.trace_out[k, q] = state.i_in[i]
        else:
            buffers.trace_out[k, q] = state.w[i]
