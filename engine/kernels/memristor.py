"""Memristive devices under plastic synapses: programming an update as whole pulses along the
device's nonlinear curve, and reading its conductance with noise and drift. Equations in
engine/model/memristor.py (NeuroSim's weight-update curve). Weights here are in units of w_max:
x = (G - g_min) / (g_max - g_min) in [0, 1]."""
import math
from enum import IntEnum

import numpy as np

from engine.kernels.options import inline_kernel
from engine.kernels.rng import next_uint64


class DeviceConstants(IntEnum):
    """Columns of PlasticSynapses.device (one row per plastic projection)."""

    ON = 0  # 1: the projection's weights live in devices; 0: plain synapses (nothing below is read)
    LEVELS = 1  # pulses from g_min to g_max (0: continuous)
    A_LTP = 2  # normalised A of the potentiation curve (0: linear)
    A_LTD = 3  # normalised A of the depression curve (0: linear)
    SIGMA_C2C = 4
    SIGMA_READ = 5
    DRIFT_NU = 6
    DRIFT_T0 = 7  # ms
    OFFSET = 8  # g_min / (g_max - g_min): the conductance below x = 0 that read noise and drift act on
    DIFFERENTIAL = 9  # 1: a pair G+ - G-, G- held at g_min
    SIGMA_D2D = 10  # 0: every device's range is the nominal one (device_scale is not read)


N_DEVICE_PARAMS = len(DeviceConstants)
STUCK = 1  # device_stuck bit: the programmed device ignores updates (stuck at g_max or g_min)
PASSIVE_STUCK_ON = 2  # bit: a differential pair's G- is stuck at g_max (subtracts w_max)


# N(0, 1) quantiles at (i + 0.5) / 4096: a normal draw is one table lookup (Box-Muller's log, sqrt and
# cos per read made a noisy projection ~4x slower than a plain one); tails end at +-3.5 sigma
NORMAL_TABLE_BITS = 12


def _normal_quantiles(n: int) -> np.ndarray:
    """N(0, 1) quantiles at (i + 0.5) / n, by bisection on the CDF 0.5 (1 + erf(x / sqrt 2))."""
    p = (np.arange(n) + 0.5) / n
    erf = np.vectorize(math.erf)
    low, high = np.full(n, -8.0), np.full(n, 8.0)
    for _ in range(52):  # to double precision
        mid = 0.5 * (low + high)
        below = 0.5 * (1.0 + erf(mid / math.sqrt(2.0))) < p
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return 0.5 * (low + high)


NORMAL_TABLE = _normal_quantiles(2 ** NORMAL_TABLE_BITS)


@inline_kernel
def normal(state):
    """One N(0, 1) draw (discretised to NORMAL_TABLE) from the xoshiro stream in row 0 of `state`."""
    return NORMAL_TABLE[next_uint64(state, 0) >> np.uint64(64 - NORMAL_TABLE_BITS)]


@inline_kernel
def curve(p, a):
    """x at pulse position p (both in units of P_max) on a curve of normalised A = a (a < 0: the
    depression curve's shape, saturating towards g_max); a = 0: linear."""
    if a == 0.0:
        return p
    return (1.0 - math.exp(-p / a)) / (1.0 - math.exp(-1.0 / a))


@inline_kernel
def inverse_curve(x, a):
    """p of conductance x on the curve of normalised A = a (curve's inverse)."""
    if a == 0.0:
        return x
    return -a * math.log(1.0 - x * (1.0 - math.exp(-1.0 / a)))


@inline_kernel
def program(device, w_old, w_new, wmax, state):
    """The weight a device ends at when the learning rule asks to go from w_old to w_new: whole pulses
    (levels > 0) along the curve of the update's direction, with cycle-to-cycle noise; clipped."""
    dx = (w_new - w_old) / wmax
    if dx == 0.0:
        return w_old
    levels = device[DeviceConstants.LEVELS]
    pulses = 1.0
    if levels > 0.0:
        pulses = abs(round(dx * levels))
        if pulses == 0.0:
            return w_old  # the update is smaller than half a pulse: the device does not move
        dx = math.copysign(pulses / levels, dx)
    a = device[DeviceConstants.A_LTP] if dx > 0.0 else -device[DeviceConstants.A_LTD]
    if a == 0.0 and device[DeviceConstants.SIGMA_C2C] == 0.0 and levels == 0.0:
        return w_new  # an ideal device follows the rule exactly
    x = inverse_curve(min(max(w_old / wmax, 0.0), 1.0), a)
    x = curve(min(max(x + dx, 0.0), 1.0), a)
    sigma = device[DeviceConstants.SIGMA_C2C]
    if sigma > 0.0:
        x += sigma * math.sqrt(pulses) * normal(state)
    return min(max(x, 0.0), 1.0) * wmax


@inline_kernel
def reads_exactly(device):
    """A device read transmits its weight exactly (no spread, read noise, drift or second device)."""
    return (device[DeviceConstants.SIGMA_D2D] == 0.0 and device[DeviceConstants.SIGMA_READ] == 0.0
            and device[DeviceConstants.DRIFT_NU] == 0.0 and device[DeviceConstants.DIFFERENTIAL] == 0.0)


@inline_kernel
def read(device, w, wmax, scales, stuck, programmed, s, t_ms, state):
    """The weight synapse s transmits at t_ms: its device's conductance (range scaled by scales[s]) as
    read now, with read noise and drift, in the projection's mapping; exactly w without any of them.
    Per-synapse arrays are read only where the device model needs them (memory traffic is the cost)."""
    if device[DeviceConstants.SIGMA_D2D] != 0.0:
        w *= scales[s]
        wmax *= scales[s]
    sigma = device[DeviceConstants.SIGMA_READ]
    nu = device[DeviceConstants.DRIFT_NU]
    differential = device[DeviceConstants.DIFFERENTIAL] != 0.0
    if sigma == 0.0 and nu == 0.0 and not differential:
        return w
    drift = 1.0
    if nu > 0.0:
        age_ms = t_ms - programmed[s]
        if age_ms > device[DeviceConstants.DRIFT_T0]:
            drift = math.exp(-nu * math.log(age_ms / device[DeviceConstants.DRIFT_T0]))
    offset = device[DeviceConstants.OFFSET]
    # conductances in units of the range: G / (g_max - g_min) = x + offset
    g = (w / wmax + offset) * drift
    if sigma > 0.0:
        g *= 1.0 + sigma * normal(state)
    if not differential:
        return (g - offset) * wmax
    g_minus = (1.0 + offset if stuck[s] & PASSIVE_STUCK_ON else offset) * drift
    if sigma > 0.0:
        g_minus *= 1.0 + sigma * normal(state)
    return (g - g_minus) * wmax
