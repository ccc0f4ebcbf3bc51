"""Pair-based STDP, event-driven exactly as NEST's stdp_synapse: weights change only
when the presynaptic neuron spikes, using the postsynaptic spike history seen
through the dendritic delay. Equations in engine/model/synapses.py."""
import math

from engine.kernels.options import kernel

# Columns of PlasticSynapses.params (one row per plastic projection)
P_TAU_PLUS = 0
P_LAMBDA = 1
P_ALPHA = 2
P_MU_PLUS = 3
P_MU_MINUS = 4
P_WMAX = 5
P_NEAREST = 6
P_LEARNING = 7
N_PLASTIC_PARAMS = 8
STDP_EPS = 1e-6  # ms: spike times closer than this count as equal (NEST's stdp_eps)


@kernel
def _facilitate(w, k, p):
    norm = w / p[P_WMAX] + p[P_LAMBDA] * (1.0 - w / p[P_WMAX]) ** p[P_MU_PLUS] * k
    return norm * p[P_WMAX] if norm < 1.0 else p[P_WMAX]


@kernel
def _depress(w, k, p):
    norm = w / p[P_WMAX] - p[P_ALPHA] * p[P_LAMBDA] * (w / p[P_WMAX]) ** p[P_MU_MINUS] * k
    return norm * p[P_WMAX] if norm > 0.0 else 0.0


@kernel
def record_post_spikes(plastic, spike_neuron, first, last, t_step, dt):
    """Append this step's spikes to the history of neurons that plastic synapses target."""
    history_len = plastic.hist_t.shape[1]
    t = (t_step + 1) * dt
    for j in range(first, last):
        row = plastic.hist_row[spike_neuron[j]]
        if row < 0:
            continue
        count = plastic.hist_count[row]
        k_minus = 1.0
        if count > 0:
            prev = (count - 1) % history_len
            k_minus = plastic.hist_k[row, prev] * math.exp((plastic.hist_t[row, prev] - t) / plastic.tau_minus[row]) + 1.0
        slot = count % history_len
        plastic.hist_t[row, slot] = t
        plastic.hist_k[row, slot] = k_minus
        plastic.hist_count[row] = count + 1


@kernel
def _k_minus(plastic, row, t, nearest):
    """Post trace at time t from spikes strictly before t (NEST's get_K_value)."""
    history_len = plastic.hist_t.shape[1]
    count = plastic.hist_count[row]
    oldest = max(count - history_len, 0)
    for index in range(count - 1, oldest - 1, -1):
        slot = index % history_len
        t_post = plastic.hist_t[row, slot]
        if t - t_post > STDP_EPS:
            decay = math.exp((t_post - t) / plastic.tau_minus[row])
            return decay if nearest else plastic.hist_k[row, slot] * decay
    return 0.0


@kernel
def deliver_plastic(plastic, ring, spike_neuron, first, last, t_step, dt, n_neurons, counters):
    """Update and transmit the plastic synapses of this step's presynaptic spikes."""
    ring_len = ring.shape[0]
    slot = t_step % ring_len
    history_len = plastic.hist_t.shape[1]
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
            nearest = p[P_NEAREST] != 0.0
            k_plus = plastic.kplus[pre, proj]
            t_last = plastic.t_last[pre, proj]
            while s < end and plastic.proj[s] == proj:
                post = plastic.target[s]
                d_ms = plastic.delay[s] * dt
                w = plastic.weight[s]
                if p[P_LEARNING] != 0.0:
                    row = plastic.hist_row[post]
                    count = plastic.hist_count[row]
                    oldest = max(count - history_len, 0)
                    t1 = t_last - d_ms + STDP_EPS
                    t2 = t_spike - d_ms + STDP_EPS
                    hi = count - 1
                    while hi >= oldest and plastic.hist_t[row, hi % history_len] >= t2:
                        hi -= 1
                    lo = hi
                    while lo >= oldest and plastic.hist_t[row, lo % history_len] >= t1:
                        lo -= 1
                    for index in range(lo + 1, hi + 1):  # oldest first: updates do not commute
                        minus_dt = t_last - (plastic.hist_t[row, index % history_len] + d_ms)
                        kick = math.exp(minus_dt / p[P_TAU_PLUS])
                        w = _facilitate(w, kick if nearest else k_plus * kick, p)
                    w = _depress(w, _k_minus(plastic, row, t_spike - d_ms, nearest), p)
                    plastic.weight[s] = w
                target_row = slot + plastic.delay[s]
                if target_row >= ring_len:
                    target_row -= ring_len
                ring[target_row, post if w >= 0.0 else n_neurons + post] += w
                s += 1
            plastic.kplus[pre, proj] = k_plus * math.exp((t_last - t_spike) / p[P_TAU_PLUS]) + 1.0
            plastic.t_last[pre, proj] = t_spike
