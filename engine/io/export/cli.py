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

from pathlib import Path

from engine.cli_types import positive_ms, seed_number, thread_count
from engine.errors import ValidationError
from engine.io.export.registry import EXPORTERS, get_exporter


def add_export_commands(subparsers) -> None:
    """Add `export` and `import` to the CLI's subparsers."""
    formats = ", ".join(exporter.label for exporter in EXPORTERS.values())
    export = subparsers.add_parser("export", help=f"write a network in another format ({formats})")
    export.add_argument("network", metavar="NET.json", help="network file (native JSON format)")
    export.add_argument("--to", required=True, choices=list(EXPORTERS), help="target format")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    export.add_argument("--seed", type=seed_number, metavar="N", help="random seed (default: the file's seed)")
    export.add_argument("--t-sim", type=positive_ms, metavar="MS", help="simulated time of the script "
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
    run_parser.add_argument("--threads", type=thread_count, default=1, metavar="N",
                            help="threads for the simulation (engine or NEST; default 1)")


def cmd_export(args) -> int:
    from engine.io.native import load_network

    exporter = get_exporter(args.to)
    network = load_network(args.network)
    out = Path(args.output)
    if out.is_dir():
        raise ValidationError(f"-o {out}: is a directory; give a file name")
    if args.t_sim is not None and not exporter.uses_t_sim:
        raise ValidationError(f"--t-sim has no meaning for {exporter.label} (it has no simulation time)")
    exporter.write(network, out, seed=args.seed, t_sim=args.t_sim)
    run = f"; run it with: {exporter.run_hint.format(path=out)}" if exporter.run_hint else ""
    print(f"wrote {out} ({exporter.label} of '{network.name}'){run}")
    return 0


def cmd_import(args) -> int:
    from engine.io.native import save_network
    from engine.io.nir_import import import_nir

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


__all__ = ["add_backend_arguments", "add_export_commands", "cmd_export", "cmd_import", "run_backend"]
