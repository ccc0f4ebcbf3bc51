"""Leaky integrate-and-fire models with current synapses, integrated exactly (Rotter &
Diesmann 1999) as NEST's iaf_psc_delta, iaf_psc_exp and iaf_psc_alpha.

The membrane potential is stored relative to E_L (state.v = V_m - E_L, as NEST stores
it; layout.v_reference holds each neuron's E_L). Each model's constants row has its own named
columns (an IntEnum below); engine.compile.builders fills it by these names.
Equations are in engine/model/models.py.
"""
from enum import IntEnum

import numpy as np

from engine.kernels.options import kernel
from engine.kernels.spikes import emit_spike


class IafPscDeltaConstants(IntEnum):
    THETA = 0  # V_th - E_L
    V_RESET = 1  # V_reset - E_L
    I_E = 2
    REFRACTORY_STEPS = 3
    P33 = 4  # exp(-dt/tau_m)
    P30 = 5  # -tau_m/C_m expm1(-dt/tau_m)


class IafPscExpConstants(IntEnum):
    THETA = 0  # V_th - E_L
    V_RESET = 1  # V_reset - E_L
    I_E = 2
    REFRACTORY_STEPS = 3
    P22 = 4  # exp(-dt/tau_m)
    P20 = 5  # tau_m/C_m (1 - P22)
    P11_EX = 6  # exp(-dt/tau_syn_ex)
    P11_IN = 7
    P21_EX = 8  # synaptic current -> V (NEST's PropagatorExp)
    P21_IN = 9


class IafPscAlphaConstants(IntEnum):
    THETA = 0  # V_th - E_L
    V_RESET = 1  # V_reset - E_L
    I_E = 2
    REFRACTORY_STEPS = 3
    EXPM1_TAU_M = 4  # expm1(-dt/tau_m)
    P30 = 5  # -tau_m/C_m expm1(-dt/tau_m)
    P11_EX = 6  # exp(-dt/tau_syn_ex)
    P11_IN = 7
    P21_EX = 8  # dt P11_ex: dI -> I
    P21_IN = 9
    P31_EX = 10  # dI -> V (NEST's PropagatorAlpha)
    P31_IN = 11
    P32_EX = 12  # I -> V
    P32_IN = 13
    PSC_INIT_EX = 14  # e / tau_syn_ex: a spike of weight w peaks at w
    PSC_INIT_IN = 15


@kernel
def update_iaf_psc_delta(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t):
    """iaf_psc_delta over one step: neurons [begin, end) of one population, constants row c."""
    theta, v_reset, i_e = c[IafPscDeltaConstants.THETA], c[IafPscDeltaConstants.V_RESET], c[IafPscDeltaConstants.I_E]
    p33, p30 = c[IafPscDeltaConstants.P33], c[IafPscDeltaConstants.P30]
    refractory_steps = np.int32(c[IafPscDeltaConstants.REFRACTORY_STEPS])
    v, i_stim, refractory = state.v, state.i_stim, state.refractory
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
            n_spikes = emit_spike(buffers, n_spikes, i, t)
        i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def update_iaf_psc_exp(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t):
    """iaf_psc_exp over one step: neurons [begin, end) of one population, constants row c."""
    theta, v_reset, i_e = c[IafPscExpConstants.THETA], c[IafPscExpConstants.V_RESET], c[IafPscExpConstants.I_E]
    p22, p20 = c[IafPscExpConstants.P22], c[IafPscExpConstants.P20]
    p11_ex, p11_in = c[IafPscExpConstants.P11_EX], c[IafPscExpConstants.P11_IN]
    p21_ex, p21_in = c[IafPscExpConstants.P21_EX], c[IafPscExpConstants.P21_IN]
    refractory_steps = np.int32(c[IafPscExpConstants.REFRACTORY_STEPS])
    v, i_stim, refractory = state.v, state.i_stim, state.refractory
    i_ex, i_in = state.i_syn_ex, state.i_syn_in
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
            n_spikes = emit_spike(buffers, n_spikes, i, t)
        i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def update_iaf_psc_alpha(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t):
    """iaf_psc_alpha over one step: neurons [begin, end) of one population, constants row c."""
    theta, v_reset, i_e = c[IafPscAlphaConstants.THETA], c[IafPscAlphaConstants.V_RESET], c[IafPscAlphaConstants.I_E]
    p30, expm1_tau_m = c[IafPscAlphaConstants.P30], c[IafPscAlphaConstants.EXPM1_TAU_M]
    p11_ex, p11_in = c[IafPscAlphaConstants.P11_EX], c[IafPscAlphaConstants.P11_IN]
    p21_ex, p21_in = c[IafPscAlphaConstants.P21_EX], c[IafPscAlphaConstants.P21_IN]
    p31_ex, p31_in = c[IafPscAlphaConstants.P31_EX], c[IafPscAlphaConstants.P31_IN]
    p32_ex, p32_in = c[IafPscAlphaConstants.P32_EX], c[IafPscAlphaConstants.P32_IN]
    init_ex, init_in = c[IafPscAlphaConstants.PSC_INIT_EX], c[IafPscAlphaConstants.PSC_INIT_IN]
    refractory_steps = np.int32(c[IafPscAlphaConstants.REFRACTORY_STEPS])
    v, i_stim, refractory = state.v, state.i_stim, state.refractory
    i_ex, i_in, di_ex, di_in = state.i_syn_ex, state.i_syn_in, state.di_syn_ex, state.di_syn_in
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
            n_spikes = emit_spike(buffers, n_spikes, i, t)
        i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes
