"""Pair-based STDP, event-driven exactly as NEST's stdp_synapse: weights change only
when the presynaptic neuron spikes, using the postsynaptic spike history seen
through the dendritic delay. Equations in engine/model/synapses.py."""
import math
from enum import IntEnum

from engine.kernels import memristor
from engine.kernels.options import inline_kernel, kernel


class StdpConstants(IntEnum):
    """Columns of PlasticSynapses.params (one row per plastic projection)."""

    TAU_PLUS = 0
    LAMBDA = 1
    ALPHA = 2
    MU_PLUS = 3
    MU_MINUS = 4
    WMAX = 5
    NEAREST = 6  # 1: nearest-neighbour pairing, 0: all-to-all
    LEARNING = 7  # 0 freezes the weights


N_PLASTIC_PARAMS = len(StdpConstants)
STDP_EPS = 1e-6  # ms: spike times closer than this count as equal (NEST's stdp_eps)
DECAY_TABLE_LENGTH = 4096  # exp(-k dt / tau) for k < this, per projection: a lookup instead of exp()
POST_HISTORY_LENGTH = 256  # post spikes remembered per plastic target; a power of two (index & MASK)
HISTORY_MASK = POST_HISTORY_LENGTH - 1


@kernel
def _power(x, mu):
    """x ** mu without a pow() call for the two common cases (additive 0, multiplicative 1)."""
    if mu == 1.0:
        return x
    if mu == 0.0:
        return 1.0
    return x ** mu


@kernel
def _decay(table, elapsed, dt, tau):
    """exp(-elapsed / tau) for elapsed >= 0 on the time grid: a table lookup, exp() beyond it."""
    k = int(elapsed / dt + 0.5)
    if k < table.shape[0]:
        return table[k]
    return math.exp(-elapsed / tau)


@kernel
def _facilitate(w, k, p, inv_wmax):
    # w * (1 / Wmax): a multiplication instead of NEST's division (equal to ~1e-16 relative, 4x cheaper)
    norm = w * inv_wmax + p[StdpConstants.LAMBDA] * _power(1.0 - w * inv_wmax, p[StdpConstants.MU_PLUS]) * k
    return norm * p[StdpConstants.WMAX] if norm < 1.0 else p[StdpConstants.WMAX]


@kernel
def _depress(w, k, p, inv_wmax):
    depression = p[StdpConstants.ALPHA] * p[StdpConstants.LAMBDA]
    norm = w * inv_wmax - depression * _power(w * inv_wmax, p[StdpConstants.MU_MINUS]) * k
    return norm * p[StdpConstants.WMAX] if norm > 0.0 else 0.0


@kernel
def record_post_spikes(plastic, spike_neuron, first, last, t_step, dt):
    """Append this step's spikes to the history of neurons that plastic synapses target."""
    t = (t_step + 1) * dt
    for j in range(first, last):
        row = plastic.hist_row[spike_neuron[j]]
        if row < 0:
            continue
        count = plastic.hist_count[row]
        k_minus = 1.0
        if count > 0:
            prev = (count - 1) & HISTORY_MASK
            k_minus = plastic.history[row, prev, 1] * math.exp((plastic.history[row, prev, 0] - t) / plastic.tau_minus[row]) + 1.0
        slot = count & HISTORY_MASK
        plastic.history[row, slot, 0] = t
        plastic.history[row, slot, 1] = k_minus
        plastic.hist_count[row] = count + 1


@kernel
def deliver_plastic(plastic, ring, spike_neuron, first, last, t_step, dt, n_neurons, counters, lesioned):
    """Update and transmit the plastic synapses of this step's presynaptic spikes."""
    ring_len = ring.shape[0]
    slot = t_step % ring_len
    t_spike = (t_step + 1) * dt
    for j in range(first, last):
        pre = spike_neuron[j]
        begin = plastic.indptr[pre]
        end = plastic.indptr[pre + 1]
        counters[0] += end - begin
        s = begin
        while s < end:
            proj = plastic.proj[s]
            p = plastic.params[proj]
            nearest = p[StdpConstants.NEAREST] != 0.0
            inv_wmax = 1.0 / p[StdpConstants.WMAX]
            k_plus = plastic.kplus[pre, proj]
            t_last = plastic.t_last[pre, proj]
            device = plastic.device[proj]  # looked up once per source and projection, not per synapse
            has_device = device[0] != 0.0
            exact_read = memristor.reads_exactly(device)
            while s < end and plastic.proj[s] == proj:
                if lesioned[s] != 0:  # a lesioned synapse neither transmits nor learns
                    counters[0] -= 1
                    s += 1
                    continue
                post = plastic.target[s]
                d_ms = plastic.delay[s] * dt
                w = plastic.weight[s]
                if p[StdpConstants.LEARNING] != 0.0:
                    row = plastic.hist_row[post]
                    count = plastic.hist_count[row]
                    oldest = max(count - POST_HISTORY_LENGTH, 0)
                    t_seen = t_spike - d_ms  # the post history is seen through the dendritic delay
                    t1 = t_last - d_ms + STDP_EPS
                    t2 = t_seen + STDP_EPS
                    hi = count - 1  # newest post spike with t_post <= t_seen (get_history's end)
                    while hi >= oldest and plastic.history[row, hi & HISTORY_MASK, 0] >= t2:
                        hi -= 1
                    lo = hi
                    while lo >= oldest and plastic.history[row, lo & HISTORY_MASK, 0] >= t1:
                        lo -= 1
                    for index in range(lo + 1, hi + 1):  # oldest first: updates do not commute
                        minus_dt = t_last - (plastic.history[row, index & HISTORY_MASK, 0] + d_ms)
                        kick = _decay(plastic.exp_plus[proj], -minus_dt, dt, p[StdpConstants.TAU_PLUS])
                        w = _facilitate(w, kick if nearest else k_plus * kick, p, inv_wmax)
                    # post trace from spikes strictly before t_seen (NEST's get_K_value)
                    last = hi
                    if last >= oldest and t_seen - plastic.history[row, last & HISTORY_MASK, 0] <= STDP_EPS:
                        last -= 1
                    k_minus = 0.0
                    if last >= oldest:
                        slot_k = last & HISTORY_MASK
                        decay = _decay(plastic.exp_minus[proj], t_seen - plastic.history[row, slot_k, 0], dt,
                                       plastic.tau_minus[row])
                        k_minus = decay if nearest else plastic.history[row, slot_k, 1] * decay
                    w = _depress(w, k_minus, p, inv_wmax)
                    w_old = plastic.weight[s]
                    if has_device and w != w_old:
                        w = program_device(device, plastic.device_stuck[s], w_old, w, p[StdpConstants.WMAX],
                                            plastic.device_rng)
                        if w != w_old:
                            plastic.device_programmed[s] = t_spike  # drift starts again from the new state
                    plastic.weight[s] = w
                if has_device and not exact_read:  # memristive: what the device transmits now
                    w = memristor.read(device, w, p[StdpConstants.WMAX], plastic.device_scale, plastic.device_stuck,
                                       plastic.device_programmed, s, t_spike, plastic.device_rng)
                target_row = slot + plastic.delay[s]
                if target_row >= ring_len:
                    target_row -= ring_len
                ring[target_row, post if w >= 0.0 else n_neurons + post] += w
                s += 1
            plastic.kplus[pre, proj] = k_plus * math.exp((t_last - t_spike) / p[StdpConstants.TAU_PLUS]) + 1.0
            plastic.t_last[pre, proj] = t_spike


@inline_kernel
def program_device(device, stuck, w_old, w, wmax, rng):
    """The weight a synapse's device reaches when the rule asks for w (a stuck device stays put)."""
    if stuck & memristor.STUCK:
        return w_old
    return memristor.program(device, w_old, w, wmax, rng)
