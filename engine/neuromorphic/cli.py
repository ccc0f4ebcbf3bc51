"""The neuromorphic lens on the command line: `run --inference-ms MS`, `fit NET.json --target NAME` and
`lesion-sweep NET.json --target POP --measure POP`.

engine/cli.py wires these in (as it does the exporters):

    add_fit_command(commands)          # `snn-designer fit NET.json [--target NAME] [--json]`
    add_lesion_sweep_command(commands)  # `snn-designer lesion-sweep NET.json --target POP --measure POP`
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


def number_list(kind):
    """--fractions / --seeds: comma-separated numbers (checked again by the sweep itself)."""
    def parse(text: str):
        try:
            return tuple(kind(part) for part in text.split(",") if part.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be comma-separated {kind.__name__}s, got {text!r}") from None
    return parse


def add_lesion_sweep_command(subparsers) -> None:
    sweep = subparsers.add_parser("lesion-sweep", help="rate of a population as a growing fraction of a population "
                                                       "or projection is lesioned (spread over seeds)")
    sweep.add_argument("network", metavar="NET.json", help="network file (native JSON format)")
    sweep.add_argument("--target", required=True, metavar="NAME", help="population or projection to lesion")
    sweep.add_argument("--measure", required=True, metavar="POP", help="population whose surviving neurons' rate is measured")
    sweep.add_argument("--fractions", type=number_list(float), default=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
                       metavar="F,F,...", help="lesioned fractions (default 0,0.1,...,0.5)")
    sweep.add_argument("--seeds", type=number_list(int), default=(0, 1, 2), metavar="S,S,...",
                       help="lesion seeds (default 0,1,2)")
    sweep.add_argument("--window-ms", type=inference_ms, default=500.0, metavar="MS", help="measured window (500)")
    sweep.add_argument("--warmup-ms", type=float, default=100.0, metavar="MS", help="unmeasured start (100)")
    sweep.add_argument("--json", action="store_true", help="machine-readable result")
    sweep.set_defaults(handler=cmd_lesion_sweep)


def cmd_lesion_sweep(args) -> int:
    from engine.io import load_network
    from engine.neuromorphic.degradation import degradation_sweep

    result = degradation_sweep(load_network(args.network), args.target, args.measure, args.fractions, args.seeds,
                               window_ms=args.window_ms, warmup_ms=args.warmup_ms)
    print(json.dumps(result.to_dict(), indent=1, allow_nan=False) if args.json else result.table())
    return 0


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
