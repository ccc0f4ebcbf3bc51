"""Memristive synapses: a projection's weights held in (imperfect) resistive devices.

A projection with `memristor=Memristor(...)` keeps each synapse's weight as the conductance G of a
device between g_min and g_max, x = (G - g_min) / (g_max - g_min) in [0, 1], w = w_max x (w_max: the
stdp_synapse's Wmax). Equations (NeuroSim: Chen, Peng & Yu, IEEE TCAD 37(12) 2018 and the MLP+NeuroSim
V3.0 code's RealDevice, github.com/neurosim/MLP_NeuroSim_V3.0, Cell.cpp and formula.cpp):

  weight update curve (P pulses of P_max = levels):   G(P) = B (1 - exp(-P / A)) + g_min,
                                                       B = (g_max - g_min) / (1 - exp(-P_max / A))
    A = a P_max (a: normalised A; a > 0 for the LTP curve, and the LTD curve uses -a_ltd, so both
    saturate as NeuroSim's measured devices do); a = 0: linear, G(P) = g_min + (g_max - g_min) P / P_max.
  an update the learning rule asks for (dw) becomes n = round(dw / w_max * levels) whole pulses (levels
    = 0: continuous, n = dw / w_max * P_max with P_max = 1); the device moves from P(G) (the curve's
    inverse) to P + n along the curve of its direction, and cycle-to-cycle noise adds
    sigma_c2c (g_max - g_min) sqrt(|n|) N(0, 1) (n = 1 when continuous); then G is clipped to [g_min, g_max].
  device-to-device: each device's conductance range is scaled by s ~ N(1, sigma_d2d) (clipped >= 0.05).
  read: the conductance read at each spike is G (1 + sigma_read N(0, 1)) (NeuroSim's read noise).
  drift (phase-change memory): G(t) = G(t_p) ((t - t_p) / t0)^(-nu) for t - t_p > t0, t_p the last
    programming time (Ielmini et al., IEEE TED 54(2) 2007).
  stuck faults: with probability p_stuck_on a device is stuck at g_max, with p_stuck_off at g_min;
    a stuck device ignores every update.
  mapping: 'single' reads w = w_max (G - g_min) / (g_max - g_min) against a reference at g_min;
    'differential' reads w = w_max (G+ - G-) / (g_max - g_min) from a pair, G- held at g_min (and
    faulty on its own: a G- stuck at g_max subtracts w_max), so read noise comes from both devices.

With every non-ideality at zero (levels 0, a 0, all sigmas, nu and probabilities 0) the projection
is exactly the plain one. Presets with their sources: assets/neuromorphic/memristors.json.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

from engine.errors import ValidationError
from engine.model.parameters import Quantity

MAPPINGS = ("single", "differential")
PRESETS_FILE = Path(__file__).resolve().parents[2] / "assets" / "neuromorphic" / "memristors.json"
PRESETS_FORMAT = "snn-designer-memristors"


@dataclass(frozen=True)
class Memristor:
    """One device model for all synapses of a projection (see the module's equations)."""

    g_min: float = 1.0
    g_max: float = 10.0
    levels: int = 0
    a_ltp: float = 0.0
    a_ltd: float = 0.0
    sigma_d2d: float = 0.0
    sigma_c2c: float = 0.0
    sigma_read: float = 0.0
    drift_nu: float = 0.0
    drift_t0: float = 1000.0
    p_stuck_on: float = 0.0
    p_stuck_off: float = 0.0
    mapping: str = "single"

    quantities: ClassVar[dict[str, Quantity]] = {q.name: q for q in (
        Quantity(1.0, "nS", (0.0, None), "Lowest conductance of a device (its off state)", live=False, name="g_min"),
        Quantity(10.0, "nS", (0.0, None), "Highest conductance of a device (its on state)", live=False,
                 exclusive_low=True, name="g_max"),
        Quantity(0, "", (0, 100000), "Conductance levels reachable by pulses (0: continuous)", live=False,
                 integer=True, name="levels"),
        Quantity(0.0, "", (0.0, None), "Potentiation nonlinearity: NeuroSim's normalised A (0: linear; "
                 "smaller: more nonlinear)", live=False, name="a_ltp"),
        Quantity(0.0, "", (0.0, None), "Depression nonlinearity: normalised A of the LTD curve (0: linear)",
                 live=False, name="a_ltd"),
        Quantity(0.0, "", (0.0, 1.0), "Device-to-device spread of the conductance range (relative sigma)",
                 live=False, name="sigma_d2d"),
        Quantity(0.0, "", (0.0, 1.0), "Cycle-to-cycle noise of an update (sigma, fraction of g_max - g_min)",
                 live=False, name="sigma_c2c"),
        Quantity(0.0, "", (0.0, 1.0), "Read noise: relative sigma of the conductance read at each spike",
                 live=False, name="sigma_read"),
        Quantity(0.0, "", (0.0, 1.0), "Drift exponent nu of phase-change memory (0: no drift)", live=False,
                 name="drift_nu"),
        Quantity(1000.0, "ms", (0.0, None), "Drift reference time t0 after programming", live=False,
                 exclusive_low=True, name="drift_t0"),
        Quantity(0.0, "", (0.0, 1.0), "Probability that a device is stuck at g_max", live=False, name="p_stuck_on"),
        Quantity(0.0, "", (0.0, 1.0), "Probability that a device is stuck at g_min", live=False, name="p_stuck_off"),
    )}

    def __post_init__(self):
        where = "memristor"
        for name, quantity in self.quantities.items():
            value = quantity.check(getattr(self, name), where)
            object.__setattr__(self, name, int(value) if quantity.integer else value)
        if self.g_min >= self.g_max:
            raise ValidationError(f"{where}: g_min ({self.g_min:g} nS) must be below g_max ({self.g_max:g} nS)")
        if self.p_stuck_on + self.p_stuck_off > 1.0:
            raise ValidationError(f"{where}: p_stuck_on + p_stuck_off must not exceed 1, got "
                                  f"{self.p_stuck_on:g} + {self.p_stuck_off:g}")
        if self.mapping not in MAPPINGS:
            raise ValidationError(f"{where}: mapping must be one of {', '.join(MAPPINGS)}, got {self.mapping!r}")

    @property
    def ideal(self) -> bool:
        """No non-ideality: the projection behaves exactly as without the device."""
        return all(getattr(self, name) == 0 for name in (
            "levels", "a_ltp", "a_ltd", "sigma_d2d", "sigma_c2c", "sigma_read", "drift_nu", "p_stuck_on",
            "p_stuck_off"))

    def to_values(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def load_presets(path: str | Path | None = None) -> dict[str, dict]:
    """{preset name: {"label", "source", "values": Memristor fields, "notes"}} from the data file."""
    path = Path(path) if path is not None else PRESETS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValidationError(f"memristor presets {path.name}: cannot be read ({error})") from None
    if not isinstance(data, dict) or data.get("format") != PRESETS_FORMAT or not isinstance(data.get("presets"), dict):
        raise ValidationError(f"memristor presets {path.name}: not a '{PRESETS_FORMAT}' file")
    for name, entry in data["presets"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict) or not entry.get("source"):
            raise ValidationError(f"memristor presets {path.name}: preset '{name}' needs values and a source")
        Memristor(**entry["values"])  # refuses a bad value, naming it
    return data["presets"]


def preset(name: str, path: str | Path | None = None) -> Memristor:
    presets = load_presets(path)
    if name not in presets:
        raise ValidationError(f"memristor: unknown preset '{name}' (known: {', '.join(presets)})")
    return Memristor(**presets[name]["values"])
