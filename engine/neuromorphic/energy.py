"""Energy estimates: a run's operation counts times per-operation energies of real chips.

    E_target = sum over operations o of count_o x e_target,o

with the counts from engine.neuromorphic.metrics and the energies e (pJ) from
assets/neuromorphic/energy.json, where each target carries its citation, process node,
voltage and caveat. Neuromorphic targets price synaptic operations, neuron updates and
plastic updates; the conventional baselines price the same network clock-driven as dense
multiply-accumulates. An order of magnitude, not a measurement.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ValidationError
from engine.neuromorphic.metrics import EfficiencyMetrics

DATA_DIR = Path(__file__).resolve().parents[2] / "assets" / "neuromorphic"
ENERGY_FILE = DATA_DIR / "energy.json"
ENERGY_FORMAT = "snn-designer-energy"
DISCLAIMER = "order of magnitude, not a measurement"
PJ = 1e-12
# operation in the data file -> (count in EfficiencyMetrics.totals, how the formula names it)
OPERATIONS = {
    "synaptic_operation": ("synaptic_operations", "synaptic operations"),
    "neuron_update": ("neuron_updates", "neuron updates"),
    "neuron_update_active": ("neuron_updates_active", "active neuron updates (spiking)"),
    "neuron_update_inactive": ("neuron_updates_inactive", "inactive neuron updates"),
    "plastic_update": ("plastic_updates", "plastic weight updates"),
    "dense_mac": ("dense_macs", "dense MACs"),
}
TEXT_FIELDS = ("label", "citation", "process", "voltage", "caveat")
KINDS = ("neuromorphic", "baseline")


@dataclass(frozen=True)
class EnergyTarget:
    """One chip or baseline: energy per operation (pJ) and where the figures come from."""

    name: str
    label: str
    kind: str  # "neuromorphic" or "baseline"
    citation: str
    process: str
    voltage: str
    caveat: str
    energy_pj: dict  # operation (OPERATIONS key) -> pJ

    @property
    def formula(self) -> str:
        return "E = " + " + ".join(f"{pj:g} pJ x {OPERATIONS[op][1]}" for op, pj in self.energy_pj.items())


def load_energy_table(path: str | Path | None = None) -> dict[str, EnergyTarget]:
    """The energy targets of `path` (default assets/neuromorphic/energy.json), checked."""
    path = Path(path) if path is not None else ENERGY_FILE
    data = read_data_file(path, ENERGY_FORMAT)
    targets = data.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise ValidationError(f"energy table {path}: 'targets' must be a non-empty object of target name -> figures")
    return {name: _energy_target(path, name, entry) for name, entry in targets.items()}


def read_data_file(path: Path, expected_format: str) -> dict:
    """A data file's JSON, with its format tag checked; every failure names the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationError(f"data file {path}: cannot be read ({error.strerror or error})") from None
    except json.JSONDecodeError as error:
        raise ValidationError(f"data file {path}: not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict) or data.get("format") != expected_format:
        raise ValidationError(f"data file {path}: expected \"format\": \"{expected_format}\" at the top level")
    if data.get("version") != 1:
        raise ValidationError(f"data file {path}: unsupported version {data.get('version')!r} (this engine reads 1)")
    return data


def _energy_target(path: Path, name: str, entry) -> EnergyTarget:
    where = f"energy table {path}: target '{name}'"
    if not isinstance(entry, dict):
        raise ValidationError(f"{where}: must be an object with {', '.join(TEXT_FIELDS)}, kind and energy_pj")
    texts = {}
    for key in TEXT_FIELDS:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{where}: '{key}' must be a non-empty text (every figure needs its source)")
        texts[key] = value
    if entry.get("kind") not in KINDS:
        raise ValidationError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, got {entry.get('kind')!r}")
    figures = entry.get("energy_pj")
    if not isinstance(figures, dict) or not figures:
        raise ValidationError(f"{where}: 'energy_pj' must map operations ({', '.join(OPERATIONS)}) to pJ")
    for op, pj in figures.items():
        if op not in OPERATIONS:
            raise ValidationError(f"{where}: unknown operation '{op}' in energy_pj (known: {', '.join(OPERATIONS)})")
        if isinstance(pj, bool) or not isinstance(pj, (int, float)) or not math.isfinite(pj) or pj <= 0:
            raise ValidationError(f"{where}: energy_pj.{op} must be a positive number of pJ, got {pj!r}")
    if "neuron_update" in figures and ({"neuron_update_active", "neuron_update_inactive"} & figures.keys()):
        raise ValidationError(f"{where}: price neuron updates either in total (neuron_update) or split into "
                              "active and inactive, not both (they would be counted twice)")
    return EnergyTarget(name=name, kind=entry["kind"], energy_pj={op: float(pj) for op, pj in figures.items()},
                        **texts)


def estimate_energy(metrics: EfficiencyMetrics, targets: dict[str, EnergyTarget] | None = None) -> dict[str, dict]:
    """Per target: joules in all, per simulated second and per inference, the terms of the sum,
    the formula, and the figures' source. Targets default to load_energy_table()."""
    if not isinstance(metrics, EfficiencyMetrics):
        raise ValidationError(f"energy estimate: expected EfficiencyMetrics, got {type(metrics).__name__}")
    targets = load_energy_table() if targets is None else targets
    seconds = metrics.t_ms * 1e-3
    out = {}
    for name, target in targets.items():
        terms = {op: metrics.totals[OPERATIONS[op][0]] * pj * PJ for op, pj in target.energy_pj.items()}
        joules = sum(terms.values())
        out[name] = {
            "label": target.label, "kind": target.kind,
            "energy_j": joules,
            "energy_j_per_second": joules / seconds if seconds > 0 else None,
            "energy_j_per_inference": joules / metrics.inference if metrics.inference else None,
            "terms_j": terms, "formula": target.formula,
            "citation": target.citation, "process": target.process, "voltage": target.voltage,
            "caveat": target.caveat, "disclaimer": DISCLAIMER,
        }
    return out
