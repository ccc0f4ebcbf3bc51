"""Exact-integration propagators of the LIF models, as NEST computes them.

For dV/dt = -V/tau_m + I/C_m with I decaying with tau_syn, the step maps are
exact (Rotter & Diesmann 1999); near tau_m == tau_syn NEST switches to the
singular limit by a numeric stability criterion, and so do we.
"""
import math

import numpy as np

from engine.kernels import ode_neurons as o
from engine.kernels import step as k


def _exp_propagator(tau_syn, tau_m, c_m, h):
    """P32 of an exponential synapse (NEST's PropagatorExp)."""
    gamma = tau_syn * tau_m / (tau_m - tau_syn) / c_m if tau_m != tau_syn else 0.0
    p32 = gamma * math.exp(-h / tau_syn) * math.expm1(-h / tau_m + h / tau_syn)
    if abs(tau_m - tau_syn) < 0.1:
        exp_h_tau = math.exp(-h / tau_m)
        singular = h / c_m * exp_h_tau
        if tau_m == tau_syn:
            return singular
        alpha = 1 / (c_m * tau_m * tau_m) * (tau_syn - tau_m)
        linear = alpha * h * h * exp_h_tau / 2.0
        if abs(p32 - singular) > 2 * abs(linear):
            return singular
    return p32


def _alpha_propagators(tau_syn, tau_m, c_m, h):
    """(P31, P32) of an alpha synapse (NEST's PropagatorAlpha)."""
    beta = tau_syn * tau_m / (tau_m - tau_syn) if tau_m != tau_syn else 0.0
    gamma = beta / c_m
    exp_h_tau_syn = math.exp(-h / tau_syn)
    expm1_h_tau = math.expm1(-h / tau_m + h / tau_syn)
    p31 = gamma * exp_h_tau_syn * (beta * expm1_h_tau - h)
    p32 = gamma * exp_h_tau_syn * expm1_h_tau
    if abs(tau_m - tau_syn) < 0.1:
        exp_h_tau = math.exp(-h / tau_m)
        alpha = 1 / (c_m * tau_m * tau_m) * (tau_syn - tau_m)
        p31_singular = h * h / 2 / c_m * exp_h_tau
        p32_singular = h / c_m * exp_h_tau
        if tau_m == tau_syn:
            return p31_singular, p32_singular
        if abs(p31 - p31_singular) > 2 * abs(alpha * h ** 3 * exp_h_tau / 3.0):
            p31 = p31_singular
        if abs(p32 - p32_singular) > 2 * abs(alpha * h * h * exp_h_tau / 2.0):
            p32 = p32_singular
    return p31, p32


def steps_of(t_ms: float, dt: float) -> int:
    """Time to steps, rounded to the nearest step (as NEST's Time conversion)."""
    return int(math.floor(t_ms / dt + 0.5))


def population_constants(model: str, params: dict, dt: float) -> np.ndarray:
    """One row of Layout.pop_consts for a population."""
    c = np.zeros(k.N_CONSTS)
    if model in ("iaf_cond_exp", "iaf_cond_alpha", "aeif_cond_exp", "izhikevich"):
        return _ode_constants(model, params, dt, c)
    if model not in ("iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha"):
        return c
    tau_m, c_m = params["tau_m"], params["C_m"]
    c[k.C_E_L] = params["E_L"]
    c[k.C_THETA] = params["V_th"] - params["E_L"]
    c[k.C_V_RESET] = params["V_reset"] - params["E_L"]
    c[k.C_I_E] = params["I_e"]
    c[k.C_REFRACTORY_STEPS] = steps_of(params["t_ref"], dt)
    c[k.C_P22] = math.exp(-dt / tau_m)
    c[k.C_EXPM1_TAU_M] = math.expm1(-dt / tau_m)
    c[k.C_P20] = -tau_m / c_m * math.expm1(-dt / tau_m)
    if model == "iaf_psc_exp":
        c[k.C_P20] = tau_m / c_m * (1.0 - c[k.C_P22])
        for side, col11, col21 in (("ex", k.C_P11_EX, k.C_P21_EX), ("in", k.C_P11_IN, k.C_P21_IN)):
            tau_syn = params[f"tau_syn_{side}"]
            c[col11] = math.exp(-dt / tau_syn)
            c[col21] = _exp_propagator(tau_syn, tau_m, c_m, dt)
    elif model == "iaf_psc_alpha":
        for side, col11, col21, col31, col32, col_init in (
            ("ex", k.C_P11_EX, k.C_P21_EX, k.C_P31_EX, k.C_P32_EX, k.C_PSC_INIT_EX),
            ("in", k.C_P11_IN, k.C_P21_IN, k.C_P31_IN, k.C_P32_IN, k.C_PSC_INIT_IN),
        ):
            tau_syn = params[f"tau_syn_{side}"]
            c[col11] = math.exp(-dt / tau_syn)
            c[col21] = dt * c[col11]
            c[col31], c[col32] = _alpha_propagators(tau_syn, tau_m, c_m, dt)
            c[col_init] = math.e / tau_syn
    return c


def _ode_constants(model: str, p: dict, dt: float, c: np.ndarray) -> np.ndarray:
    """Constants of the numerically integrated models (engine.kernels.ode_neurons columns)."""
    c[o.O_DT] = dt
    if model == "izhikevich":
        c[o.O_A], c[o.O_B], c[o.O_C], c[o.O_D] = p["a"], p["b"], p["c"], p["d"]
        c[o.O_V_TH], c[o.O_V_MIN], c[o.O_I_E] = p["V_th"], p["V_min"], p["I_e"]
        return c
    c[o.O_E_L], c[o.O_C_M], c[o.O_G_L] = p["E_L"], p["C_m"], p["g_L"]
    c[o.O_E_EX], c[o.O_E_IN] = p["E_ex"], p["E_in"]
    c[o.O_TAU_EX], c[o.O_TAU_IN] = p["tau_syn_ex"], p["tau_syn_in"]
    c[o.O_V_TH], c[o.O_V_RESET], c[o.O_I_E] = p["V_th"], p["V_reset"], p["I_e"]
    c[o.O_REFRACTORY_STEPS] = steps_of(p["t_ref"], dt)
    c[o.O_PSC_INIT_EX] = math.e / p["tau_syn_ex"]
    c[o.O_PSC_INIT_IN] = math.e / p["tau_syn_in"]
    if model == "aeif_cond_exp":
        c[o.O_A], c[o.O_B], c[o.O_DELTA_T], c[o.O_TAU_W] = p["a"], p["b"], p["Delta_T"], p["tau_w"]
        c[o.O_V_PEAK] = p["V_peak"] if p["Delta_T"] > 0 else p["V_th"]
        # NEST: gsl_odeiv_control_yp_new(tol, tol): absolute and relative, scaled by |y| and h|y'|
        c[o.O_EPS_ABS], c[o.O_EPS_REL], c[o.O_A_DYDT] = p["gsl_error_tol"], p["gsl_error_tol"], 1.0
    else:
        # NEST: gsl_odeiv_control_y_new(1e-3, 0.0): absolute error 1e-3 per component
        c[o.O_EPS_ABS], c[o.O_EPS_REL], c[o.O_A_DYDT] = 1e-3, 0.0, 0.0
    return c
