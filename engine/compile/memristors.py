"""Memristive projections at build time: the kernel's constants row of a device model and the
initial programming of its devices (levels, device-to-device spread, stuck faults); equations in
engine/model/memristor.py. Each projection draws from its own stream (seed, name, DEVICE_STREAM)."""
from __future__ import annotations

import numpy as np

from engine.compile.connect import object_rng
from engine.kernels import memristor as kernel
from engine.kernels.memristor import N_DEVICE_PARAMS, DeviceConstants
from engine.model.memristor import Memristor

DEVICE_STREAM = 6  # object_rng purpose (0-4 the compiler's, 5 lesions)
MIN_RANGE_SCALE = 0.05  # a device's conductance range never shrinks below this (a N(1, sigma) draw can)


def device_row(device: Memristor | None) -> np.ndarray:
    """The projection's row of PlasticSynapses.device: all zeros (ON = 0) without a device."""
    row = np.zeros(N_DEVICE_PARAMS)
    if device is None:
        return row
    row[DeviceConstants.ON] = 1.0
    row[DeviceConstants.LEVELS] = device.levels
    row[DeviceConstants.A_LTP] = device.a_ltp
    row[DeviceConstants.A_LTD] = device.a_ltd
    row[DeviceConstants.SIGMA_C2C] = device.sigma_c2c
    row[DeviceConstants.SIGMA_READ] = device.sigma_read
    row[DeviceConstants.DRIFT_NU] = device.drift_nu
    row[DeviceConstants.DRIFT_T0] = device.drift_t0
    row[DeviceConstants.OFFSET] = device.g_min / (device.g_max - device.g_min)
    row[DeviceConstants.DIFFERENTIAL] = 1.0 if device.mapping == "differential" else 0.0
    row[DeviceConstants.SIGMA_D2D] = device.sigma_d2d
    return row


def level_grid(device: Memristor) -> np.ndarray:
    """The weights (in units of w_max) a device reaches by whole potentiation pulses from g_min."""
    steps = np.arange(device.levels + 1) / device.levels
    if device.a_ltp == 0.0:
        return steps
    return (1.0 - np.exp(-steps / device.a_ltp)) / (1.0 - np.exp(-1.0 / device.a_ltp))


def program_devices(device: Memristor | None, weights: np.ndarray, wmax: float, seed: int,
                    name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(programmed weights, device-to-device range scale, stuck bits) of one projection's synapses:
    each weight written to the nearest reachable level, then stuck devices forced to g_max or g_min."""
    n = weights.size
    scale, stuck = np.ones(n), np.zeros(n, np.int8)
    if device is None:
        return weights, scale, stuck
    rng = object_rng(seed, name, DEVICE_STREAM)
    weights = weights.astype(np.float64).copy()
    if device.levels > 0:
        grid = level_grid(device)
        x = np.clip(weights / wmax, 0.0, 1.0)
        nearest = np.clip(np.searchsorted(grid, x), 1, grid.size - 1)
        below_closer = (x - grid[nearest - 1]) <= (grid[nearest] - x)
        weights = grid[np.where(below_closer, nearest - 1, nearest)] * wmax
    if device.sigma_d2d > 0.0:
        scale = np.maximum(rng.normal(1.0, device.sigma_d2d, n), MIN_RANGE_SCALE)
    draw = rng.random(n)
    stuck_on, stuck_off = draw < device.p_stuck_on, (draw >= device.p_stuck_on) & (
        draw < device.p_stuck_on + device.p_stuck_off)
    weights[stuck_on], weights[stuck_off] = wmax, 0.0
    stuck[stuck_on | stuck_off] |= kernel.STUCK
    if device.mapping == "differential":  # the pair's G- fails on its own; stuck at g_max it subtracts w_max
        stuck[rng.random(n) < device.p_stuck_on] |= kernel.PASSIVE_STUCK_ON
    return weights, scale, stuck
