"""Neurons integrated numerically: conductance-based LIF, AdEx and Izhikevich.

iaf_cond_alpha and AdEx use the same integrator as NEST: an adaptive
Runge-Kutta-Fehlberg 4(5) step with GSL's standard error control (same
tolerances, step size kept per neuron across time steps), so traces agree with
NEST to round-off rather than to a tolerance. iaf_cond_exp, the workhorse of
large conductance networks, uses an exponential integrator instead: 9x cheaper,
within 1e-3 mV of NEST (measured; docs/models.md). Izhikevich uses NEST's
forward Euler ("consistent integration"). Equations are in engine/model/models.py.

The integrator (`evolve`) is shared by every model integrated with RKF45 (also
engine.kernels.hh): a model hands it its derivatives function, which maps
(constants, refractory, stimulus current, state) to d/dt of the state; the state is
an 8-tuple, so it stays in registers (models with fewer variables leave the rest 0).
"""
import math
from enum import IntEnum

import numpy as np

from engine.kernels.options import kernel
from engine.kernels.spikes import emit_spike



class ConductanceConstants(IntEnum):
    """Constants row of iaf_cond_exp, iaf_cond_alpha and aeif_cond_exp (derivatives: cond_alpha_derivatives, aeif_derivatives)."""

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


# Runge-Kutta-Fehlberg 4(5) tableau (as GSL's rkf45)
B21 = 1.0 / 4.0
B31, B32 = 3.0 / 32.0, 9.0 / 32.0
B41, B42, B43 = 1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0
B51, B52, B53, B54 = 8341.0 / 4104.0, -32832.0 / 4104.0, 29440.0 / 4104.0, -845.0 / 4104.0
B61, B62, B63, B64, B65 = -6080.0 / 20520.0, 41040.0 / 20520.0, -28352.0 / 20520.0, 9295.0 / 20520.0, -5643.0 / 20520.0
C1, C3, C4, C5, C6 = 902880.0 / 7618050.0, 3953664.0 / 7618050.0, 3855735.0 / 7618050.0, -1371249.0 / 7618050.0, 277020.0 / 7618050.0
EC1, EC3, EC4, EC5, EC6 = 1.0 / 360.0, -128.0 / 4275.0, -2197.0 / 75240.0, 1.0 / 50.0, 2.0 / 55.0
ORDER = 5.0
# An absurd neuron (C_m of 1e-9 pF, E_L of 1e30 mV) makes the step size collapse: below MIN_STEP_MS, or
# after MAX_SUBSTEPS steps within one time step (sensible neurons take tens), its state becomes NaN, which
# the Simulator reports as a SimulationFault naming the population, instead of integrating for ever.
MIN_STEP_MS = 1e-12
MAX_SUBSTEPS = 10_000
NAN_STATE = (math.nan,) * 8


@kernel
def cond_alpha_derivatives(c, refractory, i_stim, y):
    """iaf_cond_alpha: d/dt of (V, g_ex, g_in, dg_ex, dg_in, -, -, -)."""
    v, g_ex, g_in, dg_ex, dg_in = y[0], y[1], y[2], y[3], y[4]
    dv = (-c[ConductanceConstants.G_L] * (v - c[ConductanceConstants.E_L]) - g_ex * (v - c[ConductanceConstants.E_EX]) - g_in * (v - c[ConductanceConstants.E_IN])
          + i_stim + c[ConductanceConstants.I_E]) / c[ConductanceConstants.C_M]
    tau_ex, tau_in = c[ConductanceConstants.TAU_EX], c[ConductanceConstants.TAU_IN]
    return dv, dg_ex - g_ex / tau_ex, dg_in - g_in / tau_in, -dg_ex / tau_ex, -dg_in / tau_in, 0.0, 0.0, 0.0


@kernel
def aeif_derivatives(c, refractory, i_stim, y):
    """aeif_cond_exp: d/dt of (V, g_ex, g_in, -, -, w, -, -)."""
    v, g_ex, g_in, w = y[0], y[1], y[2], y[5]
    vv = c[ConductanceConstants.V_RESET] if refractory else min(v, c[ConductanceConstants.V_PEAK])
    i_spike = 0.0
    if c[ConductanceConstants.DELTA_T] > 0.0:
        i_spike = c[ConductanceConstants.G_L] * c[ConductanceConstants.DELTA_T] * math.exp((vv - c[ConductanceConstants.V_TH]) / c[ConductanceConstants.DELTA_T])
    dv = 0.0
    if not refractory:
        dv = (-c[ConductanceConstants.G_L] * (vv - c[ConductanceConstants.E_L]) + i_spike - g_ex * (vv - c[ConductanceConstants.E_EX])
              - g_in * (vv - c[ConductanceConstants.E_IN]) - w + c[ConductanceConstants.I_E] + i_stim) / c[ConductanceConstants.C_M]
    dw = (c[ConductanceConstants.ADAPT_A] * (vv - c[ConductanceConstants.E_L]) - w) / c[ConductanceConstants.TAU_W]
    return dv, -g_ex / c[ConductanceConstants.TAU_EX], -g_in / c[ConductanceConstants.TAU_IN], 0.0, 0.0, dw, 0.0, 0.0


@kernel
def tolerance_of(c):
    """GSL's control (eps_abs, eps_rel, a_dydt) from a ConductanceConstants row."""
    return c[ConductanceConstants.EPS_ABS], c[ConductanceConstants.EPS_REL], c[ConductanceConstants.A_DYDT]


@kernel
def _plus(y, h, k):
    """y + h k, component by component (k: a derivative, or a stage's weighted sum, summed first as GSL)."""
    return (y[0] + h * k[0], y[1] + h * k[1], y[2] + h * k[2], y[3] + h * k[3],
            y[4] + h * k[4], y[5] + h * k[5], y[6] + h * k[6], y[7] + h * k[7])


@kernel
def _weighted(a1, k1, a2, k2):
    return (a1 * k1[0] + a2 * k2[0], a1 * k1[1] + a2 * k2[1], a1 * k1[2] + a2 * k2[2], a1 * k1[3] + a2 * k2[3],
            a1 * k1[4] + a2 * k2[4], a1 * k1[5] + a2 * k2[5], a1 * k1[6] + a2 * k2[6], a1 * k1[7] + a2 * k2[7])


@kernel
def _add_weighted(d, a, k):
    """d + a k: extends a stage's weighted sum by one more term, left to right as GSL sums."""
    return (d[0] + a * k[0], d[1] + a * k[1], d[2] + a * k[2], d[3] + a * k[3],
            d[4] + a * k[4], d[5] + a * k[5], d[6] + a * k[6], d[7] + a * k[7])


@kernel
def _error_ratio(tolerance, h, e, y, dydt):
    """GSL's standard control: the largest |error| / (eps_abs + eps_rel (|y| + a_dydt h |y'|))."""
    eps_abs, eps_rel, a_dydt = tolerance
    r = 0.0
    for j in range(8):
        r = max(r, abs(h * e[j]) / (eps_abs + eps_rel * (abs(y[j]) + a_dydt * h * abs(dydt[j]))))
    return r


@kernel
def _rkf45_step(rhs, c, tolerance, refr, i_stim, y, h):
    """One RKF45 step of size h of dy/dt = rhs(c, refr, i_stim, y): (new state, max error ratio)."""
    k1 = rhs(c, refr, i_stim, y)
    k2 = rhs(c, refr, i_stim, _plus(y, h * B21, k1))
    k3 = rhs(c, refr, i_stim, _plus(y, h, _weighted(B31, k1, B32, k2)))
    k4 = rhs(c, refr, i_stim, _plus(y, h, _add_weighted(_weighted(B41, k1, B42, k2), B43, k3)))
    k5 = rhs(c, refr, i_stim, _plus(y, h, _add_weighted(_add_weighted(_weighted(B51, k1, B52, k2), B53, k3),
                                                             B54, k4)))
    k6 = rhs(c, refr, i_stim, _plus(y, h, _add_weighted(_add_weighted(_add_weighted(
        _weighted(B61, k1, B62, k2), B63, k3), B64, k4), B65, k5)))
    new = _plus(y, h, _add_weighted(_add_weighted(_add_weighted(_weighted(C1, k1, C3, k3), C4, k4), C5, k5),
                                        C6, k6))
    error = _add_weighted(_add_weighted(_add_weighted(_weighted(EC1, k1, EC3, k3), EC4, k4), EC5, k5), EC6, k6)
    # GSL's control scales by the derivative at the new point; evaluate it only when it matters
    dydt = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    if tolerance[2] != 0.0:
        dydt = rhs(c, refr, i_stim, new)
    return new, _error_ratio(tolerance, h, error, new, dydt)


@kernel
def evolve(rhs, c, tolerance, refr, i_stim, y, t, t_end, h):
    """GSL's evolve_apply: one accepted step from t towards t_end. Returns (state, t, next h);
    NAN_STATE at t_end if the step size fell below MIN_STEP_MS.

    y is the state as an 8-tuple (models with fewer variables leave the rest at 0); tolerance is
    GSL's control (eps_abs, eps_rel, a_dydt); c, refr and i_stim are handed on to rhs."""
    remaining = t_end - t
    h0 = h
    while True:
        if not h0 >= MIN_STEP_MS:  # also NaN
            return NAN_STATE, t_end, h
        final = h0 > remaining
        if final:
            h0 = remaining
        new, rmax = _rkf45_step(rhs, c, tolerance, refr, i_stim, y, h0)
        if rmax > 1.1:  # reject: shrink and retry
            h0 = h0 * max(0.9 / rmax ** (1.0 / ORDER), 0.2)
            continue
        # GSL suggests the next step from this one, also after a step shortened to hit t_end
        h_next = h0
        if rmax < 0.5:
            ratio = 5.0 if rmax == 0.0 else 0.9 / rmax ** (1.0 / (ORDER + 1.0))
            h_next = h0 * min(max(ratio, 1.0), 5.0)
        return new, t_end if final else t + h0, h_next


@kernel
def integrate(rhs, c, tolerance, refr, i_stim, y, dt, h):
    """`evolve` from 0 to dt: (state, next h); NAN_STATE after MAX_SUBSTEPS steps."""
    t = 0.0
    substeps = 0
    while t < dt:
        substeps += 1
        if substeps > MAX_SUBSTEPS:
            return NAN_STATE, h
        y, t, h = evolve(rhs, c, tolerance, refr, i_stim, y, t, dt, h)
    return y, h


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
def update_iaf_cond_alpha(derivatives, c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes,
                          t_step):
    """iaf_cond_alpha with NEST's RKF45 (derivatives: cond_alpha_derivatives, handed in by the step
    kernel so this one stays cacheable): integrate over dt, then reset/threshold, then take input."""
    dt = c[ConductanceConstants.DT]
    tolerance = tolerance_of(c)
    refractory_steps = np.int32(c[ConductanceConstants.REFRACTORY_STEPS])
    v, g_ex, g_in, dg_ex, dg_in = state.v, state.g_ex, state.g_in, state.dg_ex, state.dg_in
    h_step = state.ode_step
    refractory = state.refractory
    for i in range(begin, end):
        y = (v[i], g_ex[i], g_in[i], dg_ex[i], dg_in[i], 0.0, 0.0, 0.0)
        y, h_step[i] = integrate(derivatives, c, tolerance, False, state.i_stim[i], y, dt, h_step[i])
        v_new = y[0]
        spike_ex = ring[slot, i]
        spike_in = -ring[slot, n_neurons + i]  # inhibitory weights arrive negative; conductances are positive
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if refractory[i] > 0:
            refractory[i] -= 1
            v_new = c[ConductanceConstants.V_RESET]
        elif v_new >= c[ConductanceConstants.V_TH]:
            refractory[i] = refractory_steps
            v_new = c[ConductanceConstants.V_RESET]
            n_spikes = emit_spike(buffers, n_spikes, i, t_step)
        v[i], g_ex[i], g_in[i] = v_new, y[1], y[2]
        dg_ex[i] = y[3] + spike_ex * c[ConductanceConstants.PSC_INIT_EX]
        dg_in[i] = y[4] + spike_in * c[ConductanceConstants.PSC_INIT_IN]
        state.i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes


@kernel
def update_aeif_cond_exp(derivatives, c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes,
                         t_step, capacity):
    """aeif_cond_exp (derivatives: aeif_derivatives): spikes are detected inside the adaptive loop
    (several per step possible)."""
    dt = c[ConductanceConstants.DT]
    tolerance = tolerance_of(c)
    refractory_steps = np.int32(c[ConductanceConstants.REFRACTORY_STEPS])
    v, g_ex, g_in, w = state.v, state.g_ex, state.g_in, state.w
    h_step = state.ode_step
    refractory = state.refractory
    for i in range(begin, end):
        y = (v[i], g_ex[i], g_in[i], 0.0, 0.0, w[i], 0.0, 0.0)
        t = 0.0
        h = h_step[i]
        substeps = 0
        while t < dt:
            substeps += 1
            if substeps > MAX_SUBSTEPS:  # as in `integrate`
                y = NAN_STATE
                break
            y, t, h = evolve(derivatives, c, tolerance, refractory[i] > 0, state.i_stim[i], y, t, dt, h)
            if refractory[i] > 0:
                y = (c[ConductanceConstants.V_RESET], y[1], y[2], 0.0, 0.0, y[5], 0.0, 0.0)
            elif y[0] >= c[ConductanceConstants.V_PEAK]:
                y = (c[ConductanceConstants.V_RESET], y[1], y[2], 0.0, 0.0, y[5] + c[ConductanceConstants.ADAPT_B],
                     0.0, 0.0)
                # +1 because the counter is decremented at the end of this step, as NEST
                refractory[i] = refractory_steps + 1 if refractory_steps > 0 else 0
                if n_spikes < capacity:
                    n_spikes = emit_spike(buffers, n_spikes, i, t_step)
        h_step[i] = h
        if refractory[i] > 0:
            refractory[i] -= 1
        v[i], w[i] = y[0], y[5]
        g_ex[i] = y[1] + ring[slot, i]
        g_in[i] = y[2] - ring[slot, n_neurons + i]
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
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
