"""Command-line subcommands for exporting, importing and running in NEST (hooked into engine/cli.py).

    snn-designer export NET.json --to pynest|pynn|brian2|nir -o FILE [--seed N] [--t-sim MS]
    snn-designer import GRAPH.nir -o NET.json [--approximate] [--name NAME]
    snn-designer run NET.json --out DIR --backend nest [--threads N]

Wiring in engine/cli.py's build_parser():

    from engine.io.export.cli import add_backend_arguments, add_export_commands
    add_export_commands(commands)          # after the other add_parser calls
    add_backend_arguments(run)             # on the `run` subparser

and at the top of cmd_run, after the overrides are applied:

    if getattr(args, "backend", "engine") != "engine":
        return run_backend(args, network)

Handlers return the exit code (0) and raise ValidationError for bad input (exit 2) or
EngineError/SimulationFault when a run fails (exit 1), as the other commands do.
"""
from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

from engine.errors import ValidationError

TARGETS = ("pynest", "pynn", "brian2", "nir")


def _threads(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of threads, got {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"must be between 1 and 1024, got {text}")
    return value


from engine.cli import _positive_ms, _seed  # noqa: E402  (one set of argument types for all commands)


def add_export_commands(subparsers) -> None:
    """Add `export` and `import` to the CLI's subparsers."""
    export = subparsers.add_parser("export", help="write a network as a PyNEST, PyNN or Brian2 script, or a NIR graph")
    export.add_argument("network", metavar="NET.json", help="network file (native JSON format)")
    export.add_argument("--to", required=True, choices=TARGETS, help="target format")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    export.add_argument("--seed", type=_seed, metavar="N", help="random seed (default: the file's seed)")
    export.add_argument("--t-sim", type=_positive_ms, metavar="MS", help="simulated time of the script "
                        "(default: the file's t_sim)")
    export.set_defaults(handler=cmd_export)

    imp = subparsers.add_parser("import", help="read a NIR graph into a network file")
    imp.add_argument("graph", metavar="GRAPH.nir", help="NIR file (HDF5)")
    imp.add_argument("-o", "--output", required=True, metavar="NET.json", help="network file to write")
    imp.add_argument("--approximate", action="store_true",
                     help="instead of listing the synapses of a weight matrix that is not all-to-all or one-to-one "
                          "(the default, exact), draw them at random with the matrix's density and weight mean/std "
                          "(noted in the description)")
    imp.add_argument("--name", help="network name (default: the file's)")
    imp.set_defaults(handler=cmd_import)


def add_backend_arguments(run_parser) -> None:
    """Add --backend and --threads to the `run` subcommand."""
    run_parser.add_argument("--backend", choices=("engine", "nest"), default="engine",
                            help="simulate with SNN Designer's engine (default) or with NEST, through an exported "
                                 "PyNEST script (needs nest-simulator)")
    run_parser.add_argument("--threads", type=_threads, default=1, metavar="N",
                            help="threads for the simulation (engine or NEST; default 1)")


def export_text(network, target: str, seed: int | None = None, t_sim: float | None = None) -> str:
    """The script for `target` (pynest, pynn, brian2)."""
    from engine.io.export import export_brian2, export_pynest, export_pynn

    exporter = {"pynest": export_pynest, "pynn": export_pynn, "brian2": export_brian2}[target]
    return exporter(network, seed=seed, t_sim=t_sim)


def cmd_export(args) -> int:
    from engine.io.native import load_network

    network = load_network(args.network)
    out = Path(args.output)
    if out.is_dir():
        raise ValidationError(f"-o {out}: is a directory; give a file name")
    if args.to == "nir":
        from engine.io.nir_io import write_nir

        if args.t_sim is not None:
            raise ValidationError("--t-sim has no meaning for NIR (a graph has no simulation time)")
        write_nir(network, out, seed=args.seed)
        print(f"wrote {out} (NIR graph of '{network.name}')")
        return 0
    text = export_text(network, args.to, seed=args.seed, t_sim=args.t_sim)
    _write_text(out, text)
    run = {"pynest": f"python {out} --out DIR [--threads N]", "pynn": f"python {out} --out DIR --simulator nest",
           "brian2": f"python {out} --out DIR"}[args.to]
    print(f"wrote {out} ({args.to} script of '{network.name}'); run it with: {run}")
    return 0


def cmd_import(args) -> int:
    from engine.io.native import save_network
    from engine.io.nir_io import import_nir

    network = import_nir(args.graph, approximate=args.approximate, name=args.name)
    out = Path(args.output)
    if out.is_dir():
        raise ValidationError(f"-o {out}: is a directory; give a file name")
    save_network(network, out)
    neurons = sum(p.size for p in network.populations if not p.is_device)
    print(f"wrote {out}: '{network.name}', {len(network.populations)} populations ({neurons:,} neurons), "
          f"{len(network.projections)} projections")
    if network.description:
        print(f"  {network.description}")
    return 0


def run_backend(args, network) -> int:
    """`run --backend nest`: the exported PyNEST script in a subprocess; prints what `run` prints."""
    from engine.io.export.pynest_script import run_with_nest

    if args.backend != "nest":
        raise ValidationError(f"--backend {args.backend}: unknown backend")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValidationError(f"--out {out}: exists and is not a directory")
    summary = run_with_nest(network, t_sim=network.t_sim, seed=network.seed, out_dir=out,
                            threads=getattr(args, "threads", 1))
    print(f"{summary['network']} in NEST {summary.get('backend_version', '')}: {summary['n_neurons']:,} neurons, "
          f"{summary['n_synapses']:,} synapses; built in {summary['build_s']:.2f} s, simulated {summary['t_sim_ms']:g} ms "
          f"in {summary['sim_s']:.2f} s ({summary['threads']} thread{'s' if summary['threads'] != 1 else ''})")
    width = max((len(name) for name in summary["populations"]), default=0)
    for name, pop in summary["populations"].items():
        cv = "-" if pop["cv_isi"] is None else f"{pop['cv_isi']:.2f}"
        print(f"  {name:<{width}}  {pop['size']:>8,} neurons  {pop['n_spikes']:>10,} spikes  "
              f"{pop['rate_hz']:8.2f} Hz  CV ISI {cv}")
    print(f"wrote {out / 'spikes.csv'} and {out / 'summary.json'} (and the script, {out / 'network_nest.py'})")
    return 0


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        os.fchmod(fd, 0o755 if path.suffix == ".py" else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["TARGETS", "add_backend_arguments", "add_export_commands", "cmd_export", "cmd_import", "export_text",
           "run_backend"]
