"""Exact-integration propagators of the LIF models, as NEST computes them.

For dV/dt = -V/tau_m + I/C_m with I decaying with tau_syn, the step maps are
exact (Rotter & Diesmann 1999); near tau_m == tau_syn NEST switches to the
singular limit by a numeric stability criterion, and so do we.
"""
import math


def exp_propagator(tau_syn, tau_m, c_m, h):
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


def alpha_propagators(tau_syn, tau_m, c_m, h):
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
