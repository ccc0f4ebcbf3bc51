"""Exact-integration propagators of the LIF models, as NEST computes them.

For dV/dt = -V/tau_m + I/C_m with I decaying with tau_syn, the step maps are
exact (Rotter & Diesmann 1999); near tau_m == tau_syn NEST switches to the
singular limit by a numeric stability criterion, and so do we.

Every function takes numbers or arrays (one value per neuron, for populations whose
parameters vary). exp and expm1 are libm's (math.exp, as NEST's std::exp) element by
element, not NumPy's vectorised ones (which differ in the last bit for some inputs): a
neuron gets bitwise the same constants whether its population varies or not.
"""
import math

import numpy as np

_exp_elementwise = np.frompyfunc(math.exp, 1, 1)
_expm1_elementwise = np.frompyfunc(math.expm1, 1, 1)


def exp(x):
    return math.exp(x) if np.ndim(x) == 0 else _exp_elementwise(x).astype(np.float64)


def expm1(x):
    return math.expm1(x) if np.ndim(x) == 0 else _expm1_elementwise(x).astype(np.float64)


def _as_arrays(*values) -> tuple[bool, list[np.ndarray]]:
    """(all were numbers, the values as 1-d float arrays of one shape)."""
    scalar = all(np.ndim(v) == 0 for v in values)
    return scalar, list(np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, np.float64)) for v in values)))


def _scale_by_difference(tau_syn, tau_m) -> np.ndarray:
    """tau_syn tau_m / (tau_m - tau_syn), 0 where the two are equal (there the singular limit is used)."""
    equal = tau_m == tau_syn
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(equal, 0.0, tau_syn * tau_m / np.where(equal, 1.0, tau_m - tau_syn))


def _singular_where(near, equal, regular, singular, linear_term):
    """NEST's choice: the singular limit where tau_m == tau_syn, or where they are close and the
    regular formula is off from it by more than twice the first-order term."""
    use_singular = near & (equal | (np.abs(regular - singular) > 2 * np.abs(linear_term)))
    return np.where(use_singular, singular, regular)


def exp_propagator(tau_syn, tau_m, c_m, h):
    """P32 of an exponential synapse (NEST's PropagatorExp)."""
    scalar, (tau_syn, tau_m, c_m) = _as_arrays(tau_syn, tau_m, c_m)
    gamma = _scale_by_difference(tau_syn, tau_m) / c_m
    p32 = gamma * exp(-h / tau_syn) * expm1(-h / tau_m + h / tau_syn)
    exp_h_tau = exp(-h / tau_m)
    alpha = 1 / (c_m * tau_m * tau_m) * (tau_syn - tau_m)
    p32 = _singular_where(np.abs(tau_m - tau_syn) < 0.1, tau_m == tau_syn, p32, h / c_m * exp_h_tau,
                          alpha * h * h * exp_h_tau / 2.0)
    return float(p32[0]) if scalar else p32


def alpha_propagators(tau_syn, tau_m, c_m, h):
    """(P31, P32) of an alpha synapse (NEST's PropagatorAlpha)."""
    scalar, (tau_syn, tau_m, c_m) = _as_arrays(tau_syn, tau_m, c_m)
    beta = _scale_by_difference(tau_syn, tau_m)
    gamma = beta / c_m
    exp_h_tau_syn = exp(-h / tau_syn)
    expm1_h_tau = expm1(-h / tau_m + h / tau_syn)
    p31 = gamma * exp_h_tau_syn * (beta * expm1_h_tau - h)
    p32 = gamma * exp_h_tau_syn * expm1_h_tau
    exp_h_tau = exp(-h / tau_m)
    alpha = 1 / (c_m * tau_m * tau_m) * (tau_syn - tau_m)
    near, equal = np.abs(tau_m - tau_syn) < 0.1, tau_m == tau_syn
    p31 = _singular_where(near, equal, p31, h * h / 2 / c_m * exp_h_tau, alpha * h ** 3 * exp_h_tau / 3.0)
    p32 = _singular_where(near, equal, p32, h / c_m * exp_h_tau, alpha * h * h * exp_h_tau / 2.0)
    return (float(p31[0]), float(p32[0])) if scalar else (p31, p32)


def steps_of(t_ms, dt: float):
    """Time to steps, rounded to the nearest step (as NEST's Time conversion); elementwise for arrays."""
    if np.ndim(t_ms):
        return np.floor(np.asarray(t_ms) / dt + 0.5).astype(np.int64)
    return int(math.floor(t_ms / dt + 0.5))
