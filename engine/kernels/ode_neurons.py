"""Neurons integrated numerically: conductance-based LIF, AdEx and Izhikevich.

iaf_cond_alpha and AdEx use the same integrator as NEST: an adaptive
Runge-Kutta-Fehlberg 4(5) step with GSL's standard error control (same
tolerances, step size kept per neuron across time steps), so traces agree with
NEST to round-off rather than to a tolerance. iaf_cond_exp, the workhorse of
large conductance networks, uses an exponential integrator instead: 9x cheaper,
within 1e-3 mV of NEST (measured; docs/models.md). Izhikevich uses NEST's
forward Euler ("consistent integration"). Equations are in engine/model/models.py.
"""
import math
from enum import IntEnum

import numpy as np

from engine.kernels.options import kernel
from engine.kernels.spikes import emit_spike



class ConductanceConstants(IntEnum):
    """Constants row of iaf_cond_exp, iaf_cond_alpha and aeif_cond_exp (one right-hand side, _rhs)."""

    E_L = 0
    C_M = 1
    G_L = 2
    E_EX = 3
    E_IN = 4
    TAU_EX = 5
    TAU_IN = 6
    V_TH = 7
    V_RESET = 8
    I_E = 9
    REFRACTORY_STEPS = 10
    PSC_INIT_EX = 11  # e / tau_syn_ex (alpha conductances)
    PSC_INIT_IN = 12
    ADAPT_A = 13  # AdEx subthreshold adaptation a (nS)
    ADAPT_B = 14  # AdEx spike-triggered adaptation b (pA)
    DELTA_T = 15
    TAU_W = 16
    V_PEAK = 17  # spike detection threshold of AdEx (V_th when Delta_T == 0)
    EPS_ABS = 18
    EPS_REL = 19
    A_DYDT = 20  # GSL control: weight of |y'| in the error scale (1 for AdEx's "yp" control)
    DT = 21


class IzhikevichConstants(IntEnum):
    A = 0
    B = 1
    C = 2  # reset
    D = 3  # recovery jump
    V_TH = 4
    V_MIN = 5
    I_E = 6
    DT = 7


FAMILY_COND_EXP = 0
FAMILY_COND_ALPHA = 1
FAMILY_AEIF = 2

# Runge-Kutta-Fehlberg 4(5) tableau (as GSL's rkf45)
B21 = 1.0 / 4.0
B31, B32 = 3.0 / 32.0, 9.0 / 32.0
B41, B42, B43 = 1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0
B51, B52, B53, B54 = 8341.0 / 4104.0, -32832.0 / 4104.0, 29440.0 / 4104.0, -845.0 / 4104.0
B61, B62, B63, B64, B65 = -6080.0 / 20520.0, 41040.0 / 20520.0, -28352.0 / 20520.0, 9295.0 / 20520.0, -5643.0 / 20520.0
C1, C3, C4, C5, C6 = 902880.0 / 7618050.0, 3953664.0 / 7618050.0, 3855735.0 / 7618050.0, -1371249.0 / 7618050.0, 277020.0 / 7618050.0
EC1, EC3, EC4, EC5, EC6 = 1.0 / 360.0, -128.0 / 4275.0, -2197.0 / 75240.0, 1.0 / 50.0, 2.0 / 55.0
ORDER = 5.0


@kernel
def _rhs(family, c, refractory, i_stim, v, g_ex, g_in, dg_ex, dg_in, w):
    """Derivatives of (V, g_ex, g_in, dg_ex, dg_in, w)."""
    if family == FAMILY_AEIF:
        vv = c[ConductanceConstants.V_RESET] if refractory else min(v, c[ConductanceConstants.V_PEAK])
        i_spike = 0.0
        if c[ConductanceConstants.DELTA_T] > 0.0:
            i_spike = c[ConductanceConstants.G_L] * c[ConductanceConstants.DELTA_T] * math.exp((vv - c[ConductanceConstants.V_TH]) / c[ConductanceConstants.DELTA_T])
        dv = 0.0
        if not refractory:
            dv = (-c[ConductanceConstants.G_L] * (vv - c[ConductanceConstants.E_L]) + i_spike - g_ex * (vv - c[ConductanceConstants.E_EX]) - g_in * (vv - c[ConductanceConstants.E_IN])
                  - w + c[ConductanceConstants.I_E] + i_stim) / c[ConductanceConstants.C_M]
        dw = (c[ConductanceConstants.ADAPT_A] * (vv - c[ConductanceConstants.E_L]) - w) / c[ConductanceConstants.TAU_W]
        return dv, -g_ex / c[ConductanceConstants.TAU_EX], -g_in / c[ConductanceConstants.TAU_IN], 0.0, 0.0, dw
    dv = (-c[ConductanceConstants.G_L] * (v - c[ConductanceConstants.E_L]) - g_ex * (v - c[ConductanceConstants.E_EX]) - g_in * (v - c[ConductanceConstants.E_IN]) + i_stim + c[ConductanceConstants.I_E]) / c[ConductanceConstants.C_M]
    if family == FAMILY_COND_ALPHA:
        return dv, dg_ex - g_ex / c[ConductanceConstants.TAU_EX], dg_in - g_in / c[ConductanceConstants.TAU_IN], -dg_ex / c[ConductanceConstants.TAU_EX], -dg_in / c[ConductanceConstants.TAU_IN], 0.0
    return dv, -g_ex / c[ConductanceConstants.TAU_EX], -g_in / c[ConductanceConstants.TAU_IN], 0.0, 0.0, 0.0


@kernel
def _scale(c, y, dydt, h):
    return c[ConductanceConstants.EPS_ABS] + c[ConductanceConstants.EPS_REL] * (abs(y) + c[ConductanceConstants.A_DYDT] * h * abs(dydt))


@kernel
def _rkf45_step(family, c, refr, i_stim, y0, y1, y2, y3, y4, y5, h):
    """One RKF45 step of size h: (new state..., max error ratio as GSL's standard control)."""
    k10, k11, k12, k13, k14, k15 = _rhs(family, c, refr, i_stim, y0, y1, y2, y3, y4, y5)
    k20, k21, k22, k23, k24, k25 = _rhs(family, c, refr, i_stim, y0 + h * B21 * k10, y1 + h * B21 * k11,
                                        y2 + h * B21 * k12, y3 + h * B21 * k13, y4 + h * B21 * k14, y5 + h * B21 * k15)
    k30, k31, k32, k33, k34, k35 = _rhs(family, c, refr, i_stim,
                                        y0 + h * (B31 * k10 + B32 * k20), y1 + h * (B31 * k11 + B32 * k21),
                                        y2 + h * (B31 * k12 + B32 * k22), y3 + h * (B31 * k13 + B32 * k23),
                                        y4 + h * (B31 * k14 + B32 * k24), y5 + h * (B31 * k15 + B32 * k25))
    k40, k41, k42, k43, k44, k45 = _rhs(family, c, refr, i_stim,
                                        y0 + h * (B41 * k10 + B42 * k20 + B43 * k30),
                                        y1 + h * (B41 * k11 + B42 * k21 + B43 * k31),
                                        y2 + h * (B41 * k12 + B42 * k22 + B43 * k32),
                                        y3 + h * (B41 * k13 + B42 * k23 + B43 * k33),
                                        y4 + h * (B41 * k14 + B42 * k24 + B43 * k34),
                                        y5 + h * (B41 * k15 + B42 * k25 + B43 * k35))
    k50, k51, k52, k53, k54, k55 = _rhs(family, c, refr, i_stim,
                                        y0 + h * (B51 * k10 + B52 * k20 + B53 * k30 + B54 * k40),
                                        y1 + h * (B51 * k11 + B52 * k21 + B53 * k31 + B54 * k41),
                                        y2 + h * (B51 * k12 + B52 * k22 + B53 * k32 + B54 * k42),
                                        y3 + h * (B51 * k13 + B52 * k23 + B53 * k33 + B54 * k43),
                                        y4 + h * (B51 * k14 + B52 * k24 + B53 * k34 + B54 * k44),
                                        y5 + h * (B51 * k15 + B52 * k25 + B53 * k35 + B54 * k45))
    k60, k61, k62, k63, k64, k65 = _rhs(family, c, refr, i_stim,
                                        y0 + h * (B61 * k10 + B62 * k20 + B63 * k30 + B64 * k40 + B65 * k50),
                                        y1 + h * (B61 * k11 + B62 * k21 + B63 * k31 + B64 * k41 + B65 * k51),
                                        y2 + h * (B61 * k12 + B62 * k22 + B63 * k32 + B64 * k42 + B65 * k52),
                                        y3 + h * (B61 * k13 + B62 * k23 + B63 * k33 + B64 * k43 + B65 * k53),
                                        y4 + h * (B61 * k14 + B62 * k24 + B63 * k34 + B64 * k44 + B65 * k54),
                                        y5 + h * (B61 * k15 + B62 * k25 + B63 * k35 + B64 * k45 + B65 * k55))
    n0 = y0 + h * (C1 * k10 + C3 * k30 + C4 * k40 + C5 * k50 + C6 * k60)
    n1 = y1 + h * (C1 * k11 + C3 * k31 + C4 * k41 + C5 * k51 + C6 * k61)
    n2 = y2 + h * (C1 * k12 + C3 * k32 + C4 * k42 + C5 * k52 + C6 * k62)
    n3 = y3 + h * (C1 * k13 + C3 * k33 + C4 * k43 + C5 * k53 + C6 * k63)
    n4 = y4 + h * (C1 * k14 + C3 * k34 + C4 * k44 + C5 * k54 + C6 * k64)
    n5 = y5 + h * (C1 * k15 + C3 * k35 + C4 * k45 + C5 * k55 + C6 * k65)
    # GSL's control scales by the derivative at the new point; evaluate it only when it matters
    d0, d1, d2, d3, d4, d5 = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    if c[ConductanceConstants.A_DYDT] != 0.0:
        d0, d1, d2, d3, d4, d5 = _rhs(family, c, refr, i_stim, n0, n1, n2, n3, n4, n5)
    r = abs(h * (EC1 * k10 + EC3 * k30 + EC4 * k40 + EC5 * k50 + EC6 * k60)) / _scale(c, n0, d0, h)
    r = max(r, abs(h * (EC1 * k11 + EC3 * k31 + EC4 * k41 + EC5 * k51 + EC6 * k61)) / _scale(c, n1, d1, h))
    r = max(r, abs(h * (EC1 * k12 + EC3 * k32 + EC4 * k42 + EC5 * k52 + EC6 * k62)) / _scale(c, n2, d2, h))
    r = max(r, abs(h * (EC1 * k13 + EC3 * k33 + EC4 * k43 + EC5 * k53 + EC6 * k63)) / _scale(c, n3, d3, h))
    r = max(r, abs(h * (EC1 * k14 + EC3 * k34 + EC4 * k44 + EC5 * k54 + EC6 * k64)) / _scale(c, n4, d4, h))
    r = max(r, abs(h * (EC1 * k15 + EC3 * k35 + EC4 * k45 + EC5 * k55 + EC6 * k65)) / _scale(c, n5, d5, h))
    return n0, n1, n2, n3, n4, n5, r


@kernel
def _evolve(family, c, refr, i_stim, y0, y1, y2, y3, y4, y5, t, t_end, h):
    """GSL's evolve_apply: one accepted step from t towards t_end. Returns (state..., t, next h)."""
    h0 = h
    final = False
    if t + h0 > t_end:
        h0 = t_end - t
        final = True
    while True:
        n0, n1, n2, n3, n4, n5, rmax = _rkf45_step(family, c, refr, i_stim, y0, y1, y2, y3, y4, y5, h0)
        if rmax > 1.1:  # reject: shrink and retry
            ratio = 0.9 / rmax ** (1.0 / ORDER)
            h0 = h0 * max(ratio, 0.2)
            final = False
            continue
        if final:
            # no change suggested after a step shortened to hit t_end (as GSL); skipping the
            # pow() here matters: this is the common case once h has grown past dt
            return n0, n1, n2, n3, n4, n5, t_end, h
        h_next = h0
        if rmax < 0.5:
            ratio = 5.0 if rmax == 0.0 else 0.9 / rmax ** (1.0 / (ORDER + 1.0))
            h_next = h0 * min(max(ratio, 1.0), 5.0)
        return n0, n1, n2, n3, n4, n5, t + h0, h_next


@kernel
def update_iaf_cond_exp(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t_step):
    """iaf_cond_exp with an exponential integrator: over one step the conductances decay exactly
    and enter V's equation at their step averages, which makes V's equation linear with constant
    coefficients, solved exactly. Second order; against NEST's RKF45 the difference stays far below
    0.1 mV (docs/models.md), at a fraction of the cost. Reset, threshold and input order as NEST."""
    dt = c[ConductanceConstants.DT]
    g_l, e_l, e_ex, e_in, c_m = c[ConductanceConstants.G_L], c[ConductanceConstants.E_L], c[ConductanceConstants.E_EX], c[ConductanceConstants.E_IN], c[ConductanceConstants.C_M]
    decay_ex = math.exp(-dt / c[ConductanceConstants.TAU_EX])
    decay_in = math.exp(-dt / c[ConductanceConstants.TAU_IN])
    mean_ex = c[ConductanceConstants.TAU_EX] / dt * (1.0 - decay_ex)  # step average of exp(-t/tau) over [0, dt]
    mean_in = c[ConductanceConstants.TAU_IN] / dt * (1.0 - decay_in)
    refractory_steps = np.int32(c[ConductanceConstants.REFRACTORY_STEPS])
    v, g_ex, g_in = state.v, state.g_ex, state.g_in
    refractory = state.refractory
    for i in range(begin, end):
        ge = g_ex[i] * mean_ex
        gi = g_in[i] * mean_in
        g_total = g_l + ge + gi
        v_inf = (g_l * e_l + ge * e_ex + gi * e_in + state.i_stim[i] + c[ConductanceConstants.I_E]) / g_total
        vv = v_inf + (v[i] - v_inf) * math.exp(-dt * g_total / c_m)
        g_ex[i] = g_ex[i] * decay_ex + ring[slot, i]
        g_in[i] = g_in[i] * decay_in - ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if refractory[i] > 0:
            refractory[i] -= 1
            vv = c[ConductanceConstants.V_RESET]
        elif vv >= c[ConductanceConstants.V_TH]:
            refractory[i] = refractory_steps
            vv = c[ConductanceConstants.V_RESET]
            n_spikes = emit_spike(buffers, n_spikes, i, t_step)
        v[i] = vv
        state.i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def update_iaf_cond_alpha(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t_step):
    """iaf_cond_alpha with NEST's RKF45 (see update_conductance)."""
    return update_conductance(FAMILY_COND_ALPHA, c, state, ring, current_ring, slot, begin, end, n_neurons, buffers,
                              n_spikes, t_step)


@kernel
def update_conductance(family, c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t_step):
    """iaf_cond_exp / iaf_cond_alpha with RKF45: integrate over dt, then reset/threshold, then take input."""
    dt = c[ConductanceConstants.DT]
    refractory_steps = np.int32(c[ConductanceConstants.REFRACTORY_STEPS])
    v, g_ex, g_in, dg_ex, dg_in = state.v, state.g_ex, state.g_in, state.dg_ex, state.dg_in
    h_step = state.ode_step
    refractory = state.refractory
    for i in range(begin, end):
        y0, y1, y2, y3, y4, y5 = v[i], g_ex[i], g_in[i], dg_ex[i], dg_in[i], 0.0
        t = 0.0
        h = h_step[i]
        while t < dt:
            y0, y1, y2, y3, y4, y5, t, h = _evolve(family, c, False, state.i_stim[i], y0, y1, y2, y3, y4, y5, t, dt, h)
        h_step[i] = h
        spike_ex = ring[slot, i]
        spike_in = -ring[slot, n_neurons + i]  # inhibitory weights arrive negative; conductances are positive
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if refractory[i] > 0:
            refractory[i] -= 1
            y0 = c[ConductanceConstants.V_RESET]
        elif y0 >= c[ConductanceConstants.V_TH]:
            refractory[i] = refractory_steps
            y0 = c[ConductanceConstants.V_RESET]
            n_spikes = emit_spike(buffers, n_spikes, i, t_step)
        if family == FAMILY_COND_ALPHA:
            y3 += spike_ex * c[ConductanceConstants.PSC_INIT_EX]
            y4 += spike_in * c[ConductanceConstants.PSC_INIT_IN]
        else:
            y1 += spike_ex
            y2 += spike_in
        v[i], g_ex[i], g_in[i], dg_ex[i], dg_in[i] = y0, y1, y2, y3, y4
        state.i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def update_aeif_cond_exp(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t_step, capacity):
    """aeif_cond_exp: spikes are detected inside the adaptive loop (several per step possible)."""
    dt = c[ConductanceConstants.DT]
    refractory_steps = np.int32(c[ConductanceConstants.REFRACTORY_STEPS])
    v, g_ex, g_in, w = state.v, state.g_ex, state.g_in, state.w
    h_step = state.ode_step
    refractory = state.refractory
    for i in range(begin, end):
        y0, y1, y2, y3, y4, y5 = v[i], g_ex[i], g_in[i], 0.0, 0.0, w[i]
        t = 0.0
        h = h_step[i]
        while t < dt:
            y0, y1, y2, y3, y4, y5, t, h = _evolve(FAMILY_AEIF, c, refractory[i] > 0, state.i_stim[i],
                                                   y0, y1, y2, y3, y4, y5, t, dt, h)
            if refractory[i] > 0:
                y0 = c[ConductanceConstants.V_RESET]
            elif y0 >= c[ConductanceConstants.V_PEAK]:
                y0 = c[ConductanceConstants.V_RESET]
                y5 += c[ConductanceConstants.ADAPT_B]
                # +1 because the counter is decremented at the end of this step, as NEST
                refractory[i] = refractory_steps + 1 if refractory_steps > 0 else 0
                if n_spikes < capacity:
                    n_spikes = emit_spike(buffers, n_spikes, i, t_step)
        h_step[i] = h
        if refractory[i] > 0:
            refractory[i] -= 1
        y1 += ring[slot, i]
        y2 -= ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        v[i], g_ex[i], g_in[i], w[i] = y0, y1, y2, y5
        state.i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def update_izhikevich(c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes, t_step):
    """NEST's izhikevich with consistent_integration: forward Euler from the old (v, u)."""
    h = c[IzhikevichConstants.DT]
    a, b, reset, jump = c[IzhikevichConstants.A], c[IzhikevichConstants.B], c[IzhikevichConstants.C], c[IzhikevichConstants.D]
    v_th, v_min, i_e = c[IzhikevichConstants.V_TH], c[IzhikevichConstants.V_MIN], c[IzhikevichConstants.I_E]
    v, u = state.v, state.u
    for i in range(begin, end):
        v_old = v[i]
        u_old = u[i]
        v[i] = v_old + h * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + state.i_stim[i] + i_e)
        u[i] = u_old + h * a * (b * v_old - u_old)
        v[i] += ring[slot, i] + ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if v[i] < v_min:
            v[i] = v_min
        if v[i] >= v_th:
            v[i] = reset
            u[i] = u[i] + jump
            n_spikes = emit_spike(buffers, n_spikes, i, t_step)
        state.i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes
