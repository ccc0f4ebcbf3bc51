"""The simulation step kernel: a block of time steps per call, over flat arrays.

Arguments are NamedTuples of arrays built by engine.compile; results go into
preallocated buffers. Update order within a step follows NEST exactly
(see the models' update functions there), so single-neuron traces match it:
  1. devices (Poisson trains, currents) write into the ring buffers for t + delay,
  2. each neuron integrates over [t, t+dt] with the input read from slot t,
  3. threshold, reset, refractory counter; spikes are time-stamped (t+1)·dt,
  4. spikes of this step are scattered through the CSR synapses into slot t + delay.
"""
from engine.kernels import adaptive, devices, hh, lif, ode_neurons, plasticity, short_term
from engine.kernels.options import kernel
from engine.kernels.spikes import COUNT_LOST_SPIKES, COUNT_NEURON_UPDATES, COUNT_SYNAPTIC_EVENTS, emit_spike

# Model codes: update_population dispatches on them (engine.compile.builders names each model's code).
IAF_PSC_DELTA = 0
IAF_PSC_EXP = 1
IAF_PSC_ALPHA = 2
PARROT = 3
PASSIVE = 4  # devices and spike generators: nothing to integrate
IAF_COND_EXP = 5
IAF_COND_ALPHA = 6
IZHIKEVICH = 7
AEIF_COND_EXP = 8
HH_PSC_ALPHA = 9
IAF_PSC_EXP_ADAPTIVE = 10

# buffers.trace_var: which NeuronState array a trace reads
TRACE_V = 0  # plus the neuron's layout.v_reference: the absolute membrane potential
TRACE_I_SYN_EX = 1
TRACE_I_SYN_IN = 2
TRACE_G_EX = 3
TRACE_G_IN = 4
TRACE_W = 5
TRACE_U = 6
TRACE_ACT_M = 7
TRACE_INACT_H = 8
TRACE_ACT_N = 9
TRACE_CODES = {"v": TRACE_V, "i_syn_ex": TRACE_I_SYN_EX, "i_syn_in": TRACE_I_SYN_IN, "g_ex": TRACE_G_EX,
               "g_in": TRACE_G_IN, "w": TRACE_W, "u": TRACE_U,
               "act_m": TRACE_ACT_M, "inact_h": TRACE_INACT_H, "act_n": TRACE_ACT_N}


@kernel
def run_block(layout, state, synapses, plastic, short_term_synapses, poisson_in, current_in, trains, buffers,
              t_start, n_steps, dt):
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
        devices.advance_rate_schedules(poisson_in, t)
        counters[COUNT_SYNAPTIC_EVENTS] += devices.drive_poisson(poisson_in, ring, t, 0, poisson_in.target.shape[0], 0)
        devices.drive_currents(current_in, current_ring, t)
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
        n_spikes = emit_spike_trains(trains, layout, buffers, t, k, n_spikes, capacity)
        counters[COUNT_SYNAPTIC_EVENTS] += deliver(synapses, 0, ring, buffers.spike_neuron, buffers.spike_step,
                                                   first_spike, n_spikes, buffers.lesioned_synapse,
                                                   buffers.cut_synapses)
        if plastic.params.shape[0] > 0:
            plasticity.record_post_spikes(plastic, buffers.spike_neuron, first_spike, n_spikes, t, dt)
            plasticity.deliver_plastic(plastic, ring, buffers.spike_neuron, first_spike, n_spikes, t, dt, n_neurons, counters,
                                       buffers.lesioned_plastic)
        if short_term_synapses.params.shape[0] > 0:
            counters[COUNT_SYNAPTIC_EVENTS] += short_term.deliver_tsodyks2(
                short_term_synapses, ring, buffers.spike_neuron, first_spike, n_spikes, t, dt, n_neurons,
                buffers.lesioned_short_term)
        _record_traces(layout, state, buffers, k)
        steps_done = k + 1
    return steps_done, n_spikes


@kernel
def update_population(layout, p, begin, end, state, ring, current_ring, slot, n_neurons, buffers, n_spikes, t,
                      capacity):
    """Integrate neurons [begin, end) of population p over one step; spikes go to buffers from n_spikes on.

    A population whose parameters vary per neuron has a constants row per neuron: its model's
    kernel runs on chunks of one neuron, each with its row; a uniform one runs as one chunk with
    its one row. The loop over chunks sits inside each model's branch, written out per model:
    measured on 10,000 iaf_psc_exp neurons, a chunk costs ~9-15 ns so, ~78 ns with one shared
    loop dispatching inside it, ~900 ns through a dispatching call (uniform: ~2.5-7 ns a neuron)."""
    code = layout.pop_model[p]
    first_row = layout.pop_neuron_row[p]
    if first_row < 0:
        rows, row, row_step, chunk = layout.pop_consts, p, 0, end - begin
    else:
        rows, row, row_step, chunk = layout.neuron_consts, first_row + begin - layout.pop_start[p], 1, 1
    n_chunks = (end - begin) // chunk if chunk > 0 else 0
    if code == IAF_PSC_DELTA:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = lif.update_iaf_psc_delta(rows[row + k * row_step], state, ring, current_ring, slot, lo,
                                                lo + chunk, n_neurons, buffers, n_spikes, t)
    elif code == IAF_PSC_EXP:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = lif.update_iaf_psc_exp(rows[row + k * row_step], state, ring, current_ring, slot, lo,
                                              lo + chunk, n_neurons, buffers, n_spikes, t)
    elif code == IAF_PSC_ALPHA:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = lif.update_iaf_psc_alpha(rows[row + k * row_step], state, ring, current_ring, slot, lo,
                                                lo + chunk, n_neurons, buffers, n_spikes, t)
    elif code == IAF_COND_EXP:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = ode_neurons.update_iaf_cond_exp(rows[row + k * row_step], state, ring, current_ring, slot, lo,
                                                       lo + chunk, n_neurons, buffers, n_spikes, t)
    elif code == IAF_COND_ALPHA:
        for k in range(n_chunks):
            lo = begin + k * chunk
            # RKF45 models get their derivatives by module attribute: Numba caches a kernel handed a jitted
            # function, not one naming it as a global value (that embeds the function object's address)
            n_spikes = ode_neurons.update_iaf_cond_alpha(ode_neurons.cond_alpha_derivatives, rows[row + k * row_step],
                                                         state, ring, current_ring, slot, lo, lo + chunk, n_neurons,
                                                         buffers, n_spikes, t)
    elif code == AEIF_COND_EXP:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = ode_neurons.update_aeif_cond_exp(ode_neurons.aeif_derivatives, rows[row + k * row_step], state,
                                                        ring, current_ring, slot, lo, lo + chunk, n_neurons, buffers,
                                                        n_spikes, t, capacity)
    elif code == HH_PSC_ALPHA:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = hh.update_hh_psc_alpha(hh.hh_psc_alpha_derivatives, rows[row + k * row_step], state, ring,
                                              current_ring, slot, lo, lo + chunk, n_neurons, buffers, n_spikes, t)
    elif code == IZHIKEVICH:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = ode_neurons.update_izhikevich(rows[row + k * row_step], state, ring, current_ring, slot, lo,
                                                     lo + chunk, n_neurons, buffers, n_spikes, t)
    elif code == IAF_PSC_EXP_ADAPTIVE:
        for k in range(n_chunks):
            lo = begin + k * chunk
            n_spikes = adaptive.update_iaf_psc_exp_adaptive(rows[row + k * row_step], state, ring, current_ring, slot,
                                                            lo, lo + chunk, n_neurons, buffers, n_spikes, t)
    elif code == PARROT:  # no parameters: never per neuron
        n_spikes = update_parrot(ring, slot, begin, end, n_neurons, buffers, n_spikes, t, capacity)
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
def update_parrot(ring, slot, begin, end, n_neurons, buffers, n_spikes, t, capacity):
    for i in range(begin, end):
        count = int(ring[slot, i] + ring[slot, n_neurons + i] + 0.5)  # compiled weights are 1: a count
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        for _ in range(count):
            if n_spikes >= capacity:
                buffers.counters[COUNT_LOST_SPIKES] += 1
                continue
            n_spikes = emit_spike(buffers, n_spikes, i, t)
    return n_spikes


@kernel
def emit_spike_trains(trains, layout, buffers, t, k, n_spikes, capacity):
    cursor = trains.cursor[0]
    n_events = trains.step.shape[0]
    while cursor < n_events and trains.step[cursor] < t:
        cursor += 1  # events before the start (e.g. after a reset to a later time) are skipped
    while cursor < n_events and trains.step[cursor] == t:
        if n_spikes < capacity:
            emitted = emit_spike(buffers, n_spikes, trains.neuron[cursor], t)
            buffers.pop_counts[k, trains.population[cursor]] += emitted - n_spikes  # 0 for a lesioned neuron
            n_spikes = emitted
        else:
            buffers.counters[COUNT_LOST_SPIKES] += 1
        cursor += 1
    trains.cursor[0] = cursor
    return n_spikes


@kernel
def deliver(synapses, csr_offset, ring, spike_neuron, spike_step, first, last, lesioned, cut):
    """Scatter spikes [first, last) through one CSR (csr_offset = thread * N) into the ring, each into
    the slots after its own emission step; returns events. Lesioned synapses (lesioned[s] = 1) deliver
    nothing and are no events; a row without any (cut[row] = 0) takes the loop that never reads the mask."""
    ring_len = ring.shape[0]
    indptr = synapses.indptr
    target = synapses.target
    weight = synapses.weight
    delay = synapses.delay
    events = 0
    for j in range(first, last):
        pre = csr_offset + spike_neuron[j]
        slot = spike_step[j] % ring_len
        begin = indptr[pre]
        end = indptr[pre + 1]
        if cut[pre] == 0:
            events += end - begin
            for s in range(begin, end):
                ring[arrival_row(slot, delay[s], ring_len), target[s]] += weight[s]
        else:
            events += end - begin - cut[pre]
            for s in range(begin, end):
                if lesioned[s] == 0:
                    ring[arrival_row(slot, delay[s], ring_len), target[s]] += weight[s]
    return events


@kernel
def arrival_row(slot, delay, ring_len):
    """The ring row `delay` steps after `slot`: delay < ring_len, so one subtraction replaces a modulo."""
    row = slot + delay
    if row >= ring_len:
        row -= ring_len
    return row


@kernel
def _record_traces(layout, state, buffers, k):
    for q in range(buffers.trace_neuron.shape[0]):
        record_trace(layout, state, buffers, k, q)


@kernel
def record_trace(layout, state, buffers, k, q):
    """Trace q's value after step k of the block."""
    i = buffers.trace_neuron[q]
    var = buffers.trace_var[q]
    if var == TRACE_V:
        buffers.trace_out[k, q] = state.v[i] + layout.v_reference[i]
    elif var == TRACE_I_SYN_EX:
        buffers.trace_out[k, q] = state.i_syn_ex[i]
    elif var == TRACE_I_SYN_IN:
        buffers.trace_out[k, q] = state.i_syn_in[i]
    elif var == TRACE_G_EX:
        buffers.trace_out[k, q] = state.g_ex[i]
    elif var == TRACE_G_IN:
        buffers.trace_out[k, q] = state.g_in[i]
    elif var == TRACE_W:
        buffers.trace_out[k, q] = state.w[i]
    elif var == TRACE_U:
        buffers.trace_out[k, q] = state.u[i]
    elif var == TRACE_ACT_M:
        buffers.trace_out[k, q] = state.act_m[i]
    elif var == TRACE_INACT_H:
        buffers.trace_out[k, q] = state.inact_h[i]
    else:
        buffers.trace_out[k, q] = state.act_n[i]
