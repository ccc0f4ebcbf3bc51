"""The neuromorphic lens on the command line: `run --inference-ms MS` and `fit NET.json --target NAME`.

engine/cli.py wires these in (as it does the exporters):

    add_fit_command(commands)          # `snn-designer fit NET.json [--target NAME] [--json]`
    add_inference_argument(run)        # `run ... --inference-ms MS`
    summary.update(run_metrics(sim, inference_ms))   # efficiency and energy into summary.json

`fit` exits 0 when the design fits every target asked for and 1 when it does not (2 for a
bad file or target, as everywhere).
"""
from __future__ import annotations

import argparse
import json
import math

from engine.errors import ValidationError

EXIT_FITS, EXIT_DOES_NOT_FIT = 0, 1


def inference_ms(text: str) -> float:
    """--inference-ms: a finite number of ms > 0 (refused before anything is simulated)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan  # not a number: the same message as any other bad value
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number of ms > 0, got {text!r}")
    return value


def add_inference_argument(run) -> None:
    run.add_argument("--inference-ms", type=inference_ms, metavar="MS",
                     help="duration of one inference: summary.json then gives metrics and energy per inference too")


def add_fit_command(subparsers) -> None:
    fit = subparsers.add_parser("fit", help="check whether a network fits a neuromorphic chip (limits with sources)")
    fit.add_argument("network", metavar="NET.json", help="network file (native JSON format)")
    fit.add_argument("--target", metavar="NAME", help="chip in assets/neuromorphic/hardware.json (default: all)")
    fit.add_argument("--json", action="store_true", help="machine-readable verdicts")
    fit.set_defaults(handler=cmd_fit)


def run_metrics(sim, inference_ms: float | None = None) -> dict:
    """{"efficiency": ..., "energy": ...} of a Simulator that tracked its efficiency (summary.json's keys)."""
    from engine.neuromorphic.energy import estimate_energy

    metrics = sim.efficiency_metrics(inference_ms=inference_ms)
    return {"efficiency": metrics.to_dict(), "energy": estimate_energy(metrics)}


def cmd_fit(args) -> int:
    from engine.io import load_network
    from engine.neuromorphic.hardware import check_fit, design_figures, load_hardware_table

    table = load_hardware_table()
    targets = list(table[0]) if args.target is None else [args.target]
    unknown = [name for name in targets if name not in table[0]]
    if unknown:
        raise ValidationError(f"fit: unknown target '{unknown[0]}' (known: {', '.join(table[0])})")
    network = load_network(args.network)
    figures = design_figures(network)  # once for all targets
    verdicts = [check_fit(network, name, figures=figures, table=table) for name in targets]
    if args.json:
        print(json.dumps([v.to_dict() for v in verdicts], indent=1, allow_nan=False))
    else:
        print("\n".join(v.text() for v in verdicts))
    return EXIT_FITS if all(v.fits for v in verdicts) else EXIT_DOES_NOT_FIT
