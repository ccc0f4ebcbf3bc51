"""iaf_psc_exp with an adaptive threshold (homeostasis, Diehl & Cook 2015), integrated exactly.

A code path of its own, so iaf_psc_exp's kernel (engine/kernels/lif.py) is not slowed by the
threshold's extra state. Equations are in engine/model/models.py (iaf_psc_exp_adaptive).
"""
from enum import IntEnum

import numpy as np

from engine.kernels.lif import IafPscExpConstants
from engine.kernels.options import kernel
from engine.kernels.spikes import emit_spike


# iaf_psc_exp's columns, then THETA_DECAY = exp(-dt/tau_theta) and THETA_PLUS (mV per spike);
# THETA stays V_th - E_L, the threshold before adaptation
IafPscExpAdaptiveConstants = IntEnum("IafPscExpAdaptiveConstants",
                                     [*IafPscExpConstants.__members__, "THETA_DECAY", "THETA_PLUS"], start=0)


@kernel
def update_iaf_psc_exp_adaptive(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t):
    """iaf_psc_exp_adaptive over one step: neurons [begin, end) of one population, constants row c."""
    v_th = c[IafPscExpAdaptiveConstants.THETA]
    v_reset = c[IafPscExpAdaptiveConstants.V_RESET]
    i_e = c[IafPscExpAdaptiveConstants.I_E]
    p22 = c[IafPscExpAdaptiveConstants.P22]
    p20 = c[IafPscExpAdaptiveConstants.P20]
    p11_ex = c[IafPscExpAdaptiveConstants.P11_EX]
    p11_in = c[IafPscExpAdaptiveConstants.P11_IN]
    p21_ex = c[IafPscExpAdaptiveConstants.P21_EX]
    p21_in = c[IafPscExpAdaptiveConstants.P21_IN]
    theta_decay = c[IafPscExpAdaptiveConstants.THETA_DECAY]
    theta_plus = c[IafPscExpAdaptiveConstants.THETA_PLUS]
    refractory_steps = np.int32(c[IafPscExpAdaptiveConstants.REFRACTORY_STEPS])
    v, i_ex, i_in, i_stim = state.v, state.i_syn_ex, state.i_syn_in, state.i_stim
    refractory, theta = state.refractory, state.theta
    for i in range(begin, end):
        if refractory[i] == 0:
            v[i] = v[i] * p22 + i_ex[i] * p21_ex + i_in[i] * p21_in + (i_e + i_stim[i]) * p20
        else:
            refractory[i] -= 1
        i_ex[i] = i_ex[i] * p11_ex + ring[slot, i]
        i_in[i] = i_in[i] * p11_in + ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        theta[i] *= theta_decay
        if v[i] >= v_th + theta[i]:
            refractory[i] = refractory_steps
            v[i] = v_reset
            theta[i] += theta_plus
            n_spikes = emit_spike(buffers, n_spikes, i, t)
        i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes
