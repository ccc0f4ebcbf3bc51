"""A direct NumPy simulation of NIR's equations for feed-forward/recurrent chains of
Linear/Affine -> (Delay) -> LIF / CubaLIF, written from NIR's docs (nir/ir/neuron.py), not from
the engine: the reference the importer's networks are checked against.

Time runs on a grid of `dt_s`; between grid points the linear ODEs are solved exactly
(v' = ((v_leak - v) + R I) / tau, I' = -I / tau_syn). A spike is a Dirac pulse (NIR): into a LIF it
moves v by R w / tau, into a CubaLIF it moves I by w_in w / tau_syn. A spike sent at step k arrives at
step k + (its Delay in steps), or k + 1 without one: one step is the shortest synaptic delay a
clock-driven simulator has. snnTorch's networks are the discrete update itself (`snntorch_layers`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Layer:
    kind: str  # "LIF" or "CubaLIF"
    weight: np.ndarray  # (n, n_in) from the previous layer (or the input)
    tau: np.ndarray  # tau (LIF) or tau_mem (CubaLIF), s
    r: np.ndarray
    v_leak: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray
    bias: np.ndarray | None = None  # the Affine's bias, NIR input units
    tau_syn: np.ndarray | None = None
    w_in: np.ndarray | None = None
    delay_steps: np.ndarray | None = None  # (n,) a Delay after the weight, in steps
    recurrent: np.ndarray | None = None  # (n, n) a Linear from this layer back into it


def simulate(layers: list[Layer], input_spikes: np.ndarray, dt_s: float) -> list[np.ndarray]:
    """input_spikes (n_steps, n_in) of 0/1; returns each layer's (n_steps, n) spikes."""
    n_steps = input_spikes.shape[0]
    out, below = [], input_spikes
    for layer in layers:
        out.append(_layer(layer, below, dt_s, n_steps))
        below = out[-1]
    return out


def _layer(layer: Layer, below: np.ndarray, dt_s: float, n_steps: int) -> np.ndarray:
    n = layer.weight.shape[0]
    delays = np.zeros(n, int) if layer.delay_steps is None else layer.delay_steps
    decay_m = np.exp(-dt_s / layer.tau)
    cuba = layer.kind == "CubaLIF"
    bias = np.zeros(n) if layer.bias is None else layer.bias
    v = layer.v_leak.astype(float).copy()
    current = (layer.w_in * bias) if cuba else np.zeros(n)  # see the importer: the bias current is on from t = 0
    spikes = np.zeros((n_steps, n))
    for k in range(1, n_steps):
        arriving = np.zeros(n)
        for post in range(n):  # spikes sent at k - delay (at least one step) arrive now
            sent = k - max(1, delays[post])
            if sent >= 0:
                arriving[post] = layer.weight[post] @ below[sent]
        if layer.recurrent is not None:
            arriving += layer.recurrent @ spikes[k - 1]
        if cuba:
            decay_s = np.exp(-dt_s / layer.tau_syn)
            factor = layer.tau_syn / (layer.tau_syn - layer.tau)
            driven = layer.r * layer.w_in * bias  # the constant part of the current
            transient = current - layer.w_in * bias
            v = (layer.v_leak + (v - layer.v_leak) * decay_m + driven * (1 - decay_m)
                 + layer.r * transient * factor * (decay_s - decay_m))
            current = layer.w_in * bias + transient * decay_s + layer.w_in * arriving / layer.tau_syn
        else:
            v = layer.v_leak + (v - layer.v_leak) * decay_m + layer.r * bias * (1 - decay_m)
            v = v + layer.r * arriving / layer.tau
        fired = v > layer.v_threshold
        spikes[k] = fired
        v = np.where(fired, layer.v_reset, v)
    return spikes


def snntorch_layers(weights: list[np.ndarray], biases: list[np.ndarray], betas: list[np.ndarray],
                    thresholds: list[np.ndarray], input_spikes: np.ndarray) -> list[np.ndarray]:
    """snnTorch's Leaky with reset to zero: mem <- beta mem + W s + b; s = mem > threshold; mem <- 0
    where s. Each layer sees the layer below one step late (the engine's shortest delay)."""
    n_steps = input_spikes.shape[0]
    below, out = input_spikes, []
    for weight, bias, beta, threshold in zip(weights, biases, betas, thresholds):
        mem = np.zeros(weight.shape[0])
        spikes = np.zeros((n_steps, weight.shape[0]))
        for k in range(1, n_steps):
            mem = beta * mem + weight @ below[k - 1] + bias
            spikes[k] = mem > threshold
            mem = np.where(spikes[k] > 0, 0.0, mem)
        out.append(spikes)
        below = spikes
    return out


def spike_trains(spikes: np.ndarray, dt_ms: float) -> list[list[float]]:
    """(n_steps, n) 0/1 -> one list of times (ms) per neuron, for a spike_generator."""
    return [np.round(np.flatnonzero(spikes[:, i]) * dt_ms, 9).tolist() for i in range(spikes.shape[1])]
