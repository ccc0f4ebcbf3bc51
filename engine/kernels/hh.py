"""hh_psc_alpha: Hodgkin-Huxley with alpha-shaped current synapses, as NEST's.

Integrated with the shared RKF45 and GSL's error control (engine.kernels.ode_neurons.evolve,
absolute tolerance 1e-3 per variable, as NEST's hh_psc_alpha), the step size kept per neuron
across time steps. Equations are in engine/model/models.py (class hh_psc_alpha).
"""
import math
from enum import IntEnum

import numpy as np

from engine.kernels.ode_neurons import integrate
from engine.kernels.options import kernel
from engine.kernels.spikes import emit_spike


class HhPscAlphaConstants(IntEnum):
    """Constants row of hh_psc_alpha."""

    G_NA = 0
    G_K = 1
    G_L = 2
    E_NA = 3
    E_K = 4
    E_L = 5
    C_M = 6
    TAU_EX = 7
    TAU_IN = 8
    I_E = 9
    REFRACTORY_STEPS = 10
    PSC_INIT_EX = 11  # e / tau_syn_ex: a spike of weight w gives a current peaking at w pA
    PSC_INIT_IN = 12
    DT = 13


H = HhPscAlphaConstants
# NEST's gsl_odeiv_control_y_new(1e-3, 0.0): absolute error 1e-3 per variable, no relative part
NEST_TOLERANCE = (1e-3, 0.0, 0.0)

# Positions in the integrator's state tuple
Y_V = 0
Y_I_EX = 1
Y_I_IN = 2
Y_DI_EX = 3
Y_DI_IN = 4
Y_M = 5
Y_H = 6
Y_N = 7


@kernel
def gating_rates(v):
    """The rate functions (1/ms) of the gates at V (mV): (alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n)."""
    alpha_n = (0.01 * (v + 55.0)) / (1.0 - math.exp(-(v + 55.0) / 10.0))
    beta_n = 0.125 * math.exp(-(v + 65.0) / 80.0)
    alpha_m = (0.1 * (v + 40.0)) / (1.0 - math.exp(-(v + 40.0) / 10.0))
    beta_m = 4.0 * math.exp(-(v + 65.0) / 18.0)
    alpha_h = 0.07 * math.exp(-(v + 65.0) / 20.0)
    beta_h = 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    return alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n


@kernel
def hh_psc_alpha_derivatives(c, refractory, i_stim, y):
    """d/dt of (V, I_ex, I_in, dI_ex, dI_in, m, h, n); same expressions, same order as NEST's,
    so the integrator takes the same steps. Refractoriness does not enter the dynamics."""
    v, i_ex, i_in, di_ex, di_in, m, h, n = y
    alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n = gating_rates(v)
    i_na = c[H.G_NA] * m * m * m * h * (v - c[H.E_NA])
    i_k = c[H.G_K] * n * n * n * n * (v - c[H.E_K])
    i_l = c[H.G_L] * (v - c[H.E_L])
    dv = (-(i_na + i_k + i_l) + i_stim + c[H.I_E] + i_ex + i_in) / c[H.C_M]
    tau_ex, tau_in = c[H.TAU_EX], c[H.TAU_IN]
    return (dv, di_ex - (i_ex / tau_ex), di_in - (i_in / tau_in), -di_ex / tau_ex, -di_in / tau_in,
            alpha_m * (1.0 - m) - beta_m * m, alpha_h * (1.0 - h) - beta_h * h, alpha_n * (1.0 - n) - beta_n * n)


@kernel
def update_hh_psc_alpha(derivatives, c, state, ring, current_ring, slot, begin, end, n_neurons, buffers, n_spikes,
                        t_step):
    """Integrate neurons [begin, end) over one step (derivatives: hh_psc_alpha_derivatives, handed
    in so the kernel stays cacheable), then take this step's spikes, then detect a spike as NEST:
    V >= 0 mV and falling (V below its value at the start of the step, U_old), unless refractory.
    V is not reset; t_ref only blocks detection."""
    dt = c[H.DT]
    refractory_steps = np.int32(c[H.REFRACTORY_STEPS])
    v, i_ex, i_in, di_ex, di_in = state.v, state.i_syn_ex, state.i_syn_in, state.di_syn_ex, state.di_syn_in
    m, h, n = state.act_m, state.inact_h, state.act_n
    refractory = state.refractory
    for i in range(begin, end):
        v_old = v[i]
        y = (v_old, i_ex[i], i_in[i], di_ex[i], di_in[i], m[i], h[i], n[i])
        y, state.ode_step[i] = integrate(derivatives, c, NEST_TOLERANCE, False, state.i_stim[i], y, dt,
                                         state.ode_step[i])
        v[i], i_ex[i], i_in[i], m[i], h[i], n[i] = y[Y_V], y[Y_I_EX], y[Y_I_IN], y[Y_M], y[Y_H], y[Y_N]
        di_ex[i] = y[Y_DI_EX] + ring[slot, i] * c[H.PSC_INIT_EX]
        di_in[i] = y[Y_DI_IN] + ring[slot, n_neurons + i] * c[H.PSC_INIT_IN]  # negative weights: I_in < 0
        ring[slot, i] = 0.0
        ring[slot, n_neurons + i] = 0.0
        if refractory[i] > 0:
            refractory[i] -= 1
        elif v[i] >= 0.0 and v_old > v[i]:
            refractory[i] = refractory_steps
            n_spikes = emit_spike(buffers, n_spikes, i, t_step)
        state.i_stim[i] = current_ring[slot, i]
        current_ring[slot, i] = 0.0
    return n_spikes
