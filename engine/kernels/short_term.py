"""Short-term plasticity (NEST's tsodyks2_synapse), event-driven: each synapse updates its
u and x when its presynaptic neuron spikes, from the time since its previous spike, and sends
weight * u * x. Equations in engine/model/synapses.py (tsodyks2_synapse)."""
import math
from enum import IntEnum

from engine.kernels.options import kernel


class Tsodyks2Constants(IntEnum):
    """Columns of ShortTermSynapses.params (one row per tsodyks2 projection)."""

    U = 0
    TAU_REC = 1
    TAU_FAC = 2  # 0: no facilitation (u <- U at every spike)


NO_SPIKE_YET = -1.0  # t_last before the first spike (NEST's t_lastspike_ = -1)


@kernel
def deliver_tsodyks2(stp, ring, spike_neuron, first, last, t_step, dt, n_neurons, lesioned):
    """Update and transmit the tsodyks2 synapses of spikes [first, last) emitted in step t_step;
    returns the number of synaptic events."""
    ring_len = ring.shape[0]
    slot = t_step % ring_len
    t_spike = (t_step + 1) * dt
    events = 0
    for j in range(first, last):
        pre = spike_neuron[j]
        begin = stp.indptr[pre]
        end = stp.indptr[pre + 1]
        events += end - begin
        decay_proj = -1
        decay_h = -1.0
        x_decay = 1.0
        u_decay = 1.0
        for s in range(begin, end):
            if lesioned[s] != 0:  # a lesioned synapse neither transmits nor depresses
                events -= 1
                continue
            proj = stp.proj[s]
            p = stp.params[proj]
            t_last = stp.t_last[s]
            if t_last >= 0.0:  # a parrot's repeated spikes in one step update with h = 0, as in NEST
                h = t_spike - t_last
                if proj != decay_proj or h != decay_h:  # synapses of one source and projection share h: one exp each
                    tau_fac = p[Tsodyks2Constants.TAU_FAC]
                    x_decay = math.exp(-h / p[Tsodyks2Constants.TAU_REC])
                    u_decay = 0.0 if tau_fac == 0.0 else math.exp(-h / tau_fac)
                    decay_proj = proj
                    decay_h = h
                x = stp.x[s]
                u = stp.u[s]
                big_u = p[Tsodyks2Constants.U]
                stp.x[s] = 1.0 + (x - x * u - 1.0) * x_decay  # with the u of the previous spike
                stp.u[s] = big_u + u * (1.0 - big_u) * u_decay
            stp.t_last[s] = t_spike
            weight = stp.weight[s]
            # NEST's order of products; a parrot target counts spikes, so it gets the weight (1) as it is
            sent = weight if stp.counts_spikes[proj] else stp.x[s] * stp.u[s] * weight
            row = slot + stp.delay[s]
            if row >= ring_len:
                row -= ring_len
            post = stp.target[s]
            ring[row, post if weight >= 0.0 else n_neurons + post] += sent
    return events
