"""Command line: run a network file headless, check it, list the models, serve the app.

    snn-designer run NET.json --out DIR [--t-sim MS] [--seed N] [--dt MS]
    snn-designer validate NET.json
    snn-designer fit NET.json [--target NAME] [--json]
    snn-designer lesion-sweep NET.json --target POP --measure POP [--fractions F,..] [--seeds S,..] [--json]
    snn-designer models [--json | --markdown]
    snn-designer serve [--port P] [--address A] [--data-dir DIR] [--database-url URL] [--max-running N] ...

`python -m engine ...` is the same program. Every failure is one line on stderr,
`error: ...`, never a traceback (set SNN_DESIGNER_DEBUG=1 to get one). Exit codes:
0 success; 1 the network is valid but could not be simulated or the results not
written (CapacityError, SimulationFault, disk errors, internal errors);
2 bad arguments or an invalid/unreadable network file (ValidationError).
`fit` exits 1 when the design does not fit (engine/neuromorphic/cli.py).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine.cli_types import (  # refuse nonsense before anything is loaded
    count_of, megabytes, port_number, positive_ms, seconds_or_never, seed_number,
)
from engine.errors import CapacityError, EngineError, SimulationFault, ValidationError

PROG = "snn-designer"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEBUG_ENV = "SNN_DESIGNER_DEBUG"


class UsageError(Exception):
    """Bad command-line arguments (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one `error: ...` line instead of usage + exit."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    from engine.io.export.cli import add_backend_arguments, add_export_commands
    from engine.neuromorphic.cli import add_fit_command, add_inference_argument, add_lesion_sweep_command

    parser = _Parser(prog=PROG, description="SNN Designer: build, run and inspect spiking neural networks.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="simulate a network file and write spikes.csv and summary.json")
    run.add_argument("network", metavar="NET.json", help="network file (native JSON format)")
    run.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    run.add_argument("--t-sim", type=positive_ms, metavar="MS", help="simulated time in ms (default: the file's t_sim)")
    run.add_argument("--seed", type=seed_number, metavar="N", help="random seed (default: the file's seed)")
    run.add_argument("--dt", type=positive_ms, metavar="MS", help="time step in ms (default: the file's dt)")
    add_backend_arguments(run)  # --backend engine|nest, --threads N
    add_inference_argument(run)  # --inference-ms MS
    run.set_defaults(handler=cmd_run)

    validate = commands.add_parser("validate", help="check a network file and print a one-line summary")
    validate.add_argument("network", metavar="NET.json", help="network file (native JSON format)")
    validate.set_defaults(handler=cmd_validate)

    models = commands.add_parser("models", help="list the neuron and device models with their parameters")
    form = models.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable JSON")
    form.add_argument("--markdown", action="store_true", help="Markdown parameter tables (as in docs/models.md)")
    models.set_defaults(handler=cmd_models)

    add_export_commands(commands)  # export NET.json --to pynest|pynn|brian2|nir, import GRAPH.nir
    add_fit_command(commands)  # fit NET.json --target NAME
    add_lesion_sweep_command(commands)  # lesion-sweep NET.json --target POP --measure POP

    add_serve_command(commands)
    return parser


def add_serve_command(commands) -> None:
    serve = commands.add_parser("serve", help="start the browser app for one person or a class (docs/classroom.md)")
    serve.add_argument("--port", type=port_number, default=5006, help="port (default 5006)")
    serve.add_argument("--address", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every network)")
    serve.add_argument("--data-dir", metavar="DIR", help="folder of the saved sessions' SQLite file "
                       "(default ~/.local/share/snn-designer)")
    serve.add_argument("--database-url", metavar="URL", help="keep the saved sessions in PostgreSQL "
                       "(postgresql://user:password@host/dbname) instead, e.g. for several servers")
    serve.add_argument("--allow-origin", action="append", default=[], metavar="HOST[:PORT]", dest="allow_origins",
                       help="another host name the students' browsers use for this server (repeatable)")
    limits = serve.add_argument_group("class limits")
    limits.add_argument("--max-running", type=count_of("networks"), default=30, metavar="N",
                        help="networks running at once; further runs wait in a queue (default 30)")
    limits.add_argument("--max-neurons", type=count_of("neurons"), default=50_000, metavar="N",
                        help="neurons per network (default 50,000)")
    limits.add_argument("--max-synapses", type=count_of("synapses"), default=20_000_000, metavar="N",
                        help="synapses per network (default 20,000,000; brunel has 15.6 million)")
    limits.add_argument("--cpu-slots", type=count_of("slots"), default=None, metavar="N",
                        help="networks computing at the same instant (default: the number of cores)")
    limits.add_argument("--idle-pause-min", type=seconds_or_never(60.0), default=15 * 60.0, metavar="MIN",
                        dest="idle_pause_s", help="pause a network whose tab had no input this long (default 15; 0: never)")
    limits.add_argument("--hidden-pause-s", type=seconds_or_never(1.0), default=120.0, metavar="S",
                        help="pause a network whose tab is hidden this long (default 120; 0: never)")
    limits.add_argument("--max-upload-mb", type=megabytes, default=10.0, metavar="MB",
                        help="largest file a student may open (default 10)")
    limits.add_argument("--unused-session-s", type=seconds_or_never(1.0), default=15.0, metavar="S",
                        help="a closed tab's session and its simulation end after this long (default 15)")
    serve.set_defaults(handler=cmd_serve)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `snn-designer` and `python -m engine`; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError(f"choose a command: run, validate, models or serve (see '{PROG} --help')")
        return args.handler(args)
    except SystemExit as done:  # --help and --version exit through argparse
        return done.code if isinstance(done.code, int) else EXIT_OK
    except UsageError as error:
        return _fail(str(error), EXIT_USAGE)
    except ValidationError as error:
        return _fail(str(error), EXIT_USAGE)
    except (CapacityError, SimulationFault, EngineError) as error:
        return _fail(str(error), EXIT_FAILED)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{error.strerror or error}", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as error:  # a bug: still one line, the traceback on request
        if os.environ.get(DEBUG_ENV):
            raise
        return _fail(f"internal error: {type(error).__name__}: {error} (set {DEBUG_ENV}=1 for the traceback)",
                     EXIT_FAILED)


def _fail(message: str, code: int) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)  # always exactly one line
    return code


# -- run -------------------------------------------------------------------------------
def cmd_run(args) -> int:
    from engine.io import load_network
    from engine.io.export.cli import run_backend
    from engine.learning.run import is_trainable, train_and_evaluate

    network = _with_overrides(load_network(args.network), args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)  # before simulating: an unwritable place fails fast
    if args.backend != "engine":
        return run_backend(args, network)
    if is_trainable(network):  # a data_source: train and evaluate (engine/learning/run.py)
        summary = train_and_evaluate(network, out_dir=out)
        _write_atomic(out / "summary.json", json.dumps(summary, indent=1, allow_nan=False) + "\n")
        print(f"wrote {out / 'summary.json'} and {out / summary['trained_nir']}")
        return EXIT_OK
    result = simulate(network, threads=args.threads, inference_ms=args.inference_ms)
    _write_atomic(out / "spikes.csv", spikes_csv(result["spikes"]))
    _write_atomic(out / "summary.json", json.dumps(result["summary"], indent=1, allow_nan=False) + "\n")
    _print_run(result["summary"], out)
    return EXIT_OK


def _with_overrides(network, args):
    """The network with --dt/--seed/--t-sim applied; the Network constructor validates them."""
    changes = {name: value for name, value in
               (("dt", args.dt), ("seed", args.seed), ("t_sim", args.t_sim)) if value is not None}
    return replace(network, **changes) if changes else network


def simulate(network, threads: int = 1, inference_ms: float | None = None) -> dict:
    """Build and run `network` for its t_sim with its dt and seed; returns
    {"summary": dict (as summary.json), "spikes": [(population, neuron, times), ...]}."""
    from engine.neuromorphic.cli import run_metrics
    from engine.runtime import Simulator, warm_up

    warm_s = warm_up()  # load (or compile) the kernels first, so sim_s is the simulation alone
    started = time.perf_counter()
    sim = Simulator(network, threads=threads)
    build_s = time.perf_counter() - started
    sim.track_efficiency()  # synaptic operations, neuron updates, ... for summary.json
    started = time.perf_counter()
    sim.run(network.t_sim)
    sim_s = time.perf_counter() - started

    t_sim_ms = sim.t  # t_sim rounded to whole steps
    populations, spikes = {}, []
    for pop in network.populations:
        if pop.is_device:
            continue
        neuron, times = sim.spikes(pop.name)
        if pop.record.spikes:
            spikes.append((pop.name, neuron, times))
        populations[pop.name] = {
            "model": pop.model,
            "size": pop.size,
            "recorded": pop.record.spikes,
            "n_spikes": int(neuron.size),
            "rate_hz": neuron.size / pop.size / (t_sim_ms * 1e-3) if t_sim_ms > 0 else 0.0,
            "cv_isi": cv_isi(neuron, times, pop.size),
        }
    c = sim.compiled
    counters = sim.counters()
    summary = {
        "network": network.name,
        "t_sim_ms": t_sim_ms,
        "dt_ms": sim.dt,
        "seed": sim.seed,
        "n_neurons": sum(p.size for p in network.populations if not p.is_device),
        "n_synapses": c.n_synapses,
        "build_s": build_s,
        "sim_s": sim_s,
        "bio_s_per_wall_s": (t_sim_ms * 1e-3) / sim_s if sim_s > 0 else None,
        "warm_s": warm_s,
        "synaptic_events": counters["synaptic_events"],
        "lost_spikes": counters["lost_spikes"],
        "populations": populations,
        **run_metrics(sim, inference_ms),
    }
    return {"summary": summary, "spikes": spikes}


# One definition of the CV of ISIs for `run` and for the exported scripts (which copy that module)
from engine.io.export.script_results import cv_isi  # noqa: E402


def spikes_csv(spikes) -> str:
    """`population,neuron,time_ms` rows, population by population, each in time order."""
    lines = ["population,neuron,time_ms"]
    for name, neuron, times in spikes:
        label = _csv_field(name)
        lines.extend(f"{label},{n},{t!r}" for n, t in zip(neuron.tolist(), np.round(times, 9).tolist()))
    return "\n".join(lines) + "\n"


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_run(summary: dict, out: Path) -> None:
    speed = summary["bio_s_per_wall_s"]
    print(f"{summary['network']}: {summary['n_neurons']:,} neurons, {summary['n_synapses']:,} synapses; "
          f"built in {summary['build_s']:.2f} s, simulated {summary['t_sim_ms']:g} ms in {summary['sim_s']:.2f} s "
          f"({'-' if speed is None else format(speed, '.3g')} bio-s per wall-s; "
          f"dt {summary['dt_ms']:g} ms, seed {summary['seed']})")
    width = max((len(name) for name in summary["populations"]), default=0)
    for name, pop in summary["populations"].items():
        cv = "-" if pop["cv_isi"] is None else f"{pop['cv_isi']:.2f}"
        print(f"  {name:<{width}}  {pop['size']:>8,} neurons  {pop['n_spikes']:>10,} spikes  "
              f"{pop['rate_hz']:8.2f} Hz  CV ISI {cv}")
    print(f"wrote {out / 'spikes.csv'} and {out / 'summary.json'}")
    if summary["lost_spikes"]:
        print(f"warning: {summary['lost_spikes']:,} spikes were lost (spike buffer full)", file=sys.stderr)


# -- validate -------------------------------------------------------------------------
def cmd_validate(args) -> int:
    from engine.compile.compiler import check_capacity, estimate_memory
    from engine.compile.propagators import steps_of
    from engine.io import load_network

    network = load_network(args.network)
    for proj in network.projections:  # the compiler's rule for constant delays, so validate agrees with run
        if isinstance(proj.delay, float) and steps_of(proj.delay, network.dt) < 1:
            raise ValidationError(f"projection '{proj.name}': delay {proj.delay:g} ms is below the time step "
                                  f"dt = {network.dt:g} ms (minimum delay is one step)")
    peak, n_syn = estimate_memory(network, network.dt)
    check_capacity(network, network.dt)
    neurons = sum(p.size for p in network.populations if not p.is_device)
    devices = sum(1 for p in network.populations if p.is_device)
    print(f"OK {network.name}: {len(network.populations)} populations ({neurons:,} neurons, "
          f"{devices} device{'s' if devices != 1 else ''}), {len(network.projections)} projections, "
          f"~{n_syn:,.0f} synapses expected (dt {network.dt:g} ms, t_sim {network.t_sim:g} ms, "
          f"seed {network.seed}; ~{_mib(peak)} MiB to build)")
    return EXIT_OK


def _mib(n_bytes: float) -> str:
    mib = n_bytes / 2**20
    return f"{mib:,.0f}" if mib >= 10 else f"{mib:.1f}"


# -- models ---------------------------------------------------------------------------
def describe_models_full() -> list[dict]:
    """Neuron and device models (engine.describe_models()), then synapse models
    (category "synapse"), each parameter with whether its lower bound is strict."""
    from engine.compile import describe_builder
    from engine.model import MODELS, describe_models
    from engine.model.synapses import SYNAPSES

    described = describe_models()
    for entry in described:
        _add_strictness(entry, MODELS[entry["model"]])
    for synapse in SYNAPSES.values():
        entry = synapse.describe()
        entry = {"model": entry.pop("synapse"), "category": "synapse", "weight_unit": "", "state": [],
                 "recordables": [], **entry}
        _add_strictness(entry, synapse)
        described.append(entry)
    for entry in described:  # the registry's part: which kernel runs it, where its state starts
        entry.update(describe_builder(entry["model"]))
    return described


def _add_strictness(entry: dict, model) -> None:
    for param in entry["parameters"]:
        param.setdefault("min_exclusive", bool(model.parameters[param["name"]].exclusive_low))
    extra = model.extra_parameters()
    if extra:
        entry["extra_parameters"] = list(extra)


def _initial_state(entry: dict) -> list[tuple[str, str]]:
    """(variable, start value as text): a number, or the parameter it starts at (registry entry)."""
    return [(name, start if isinstance(start, str) else f"{start:g}") for name, start in entry.get("initial", {}).items()]


def cmd_models(args) -> int:
    described = describe_models_full()
    if args.json:
        print(json.dumps(described, indent=1))
    elif args.markdown:
        print(models_markdown(described), end="")
    else:
        print("\n\n".join(_model_text(entry) for entry in described))
    return EXIT_OK


def allowed_range(param: dict) -> str:
    """'> 0', '>= 0', '-10 .. 10' or 'any' from a parameter description."""
    low, high = param["min"], param["max"]
    strict = ">" if param.get("min_exclusive") else ">="
    if low is not None and high is not None:
        return f"> {low:g}, <= {high:g}" if param.get("min_exclusive") else f"{low:g} .. {high:g}"
    if low is not None:
        return f"{strict} {low:g}"
    if high is not None:
        return f"<= {high:g}"
    return "any"


def _default_text(param: dict) -> str:
    if param["default"] is None:
        return "none" if param["optional"] else "-"
    return f"{param['default']:g}"


def models_markdown(described: list[dict] | None = None) -> str:
    """The model reference of docs/models.md: per model its equations (docstring), weight
    unit, parameter table, state and recordables (scripts/update_model_docs.py pastes it)."""
    sections = []
    for entry in described or describe_models_full():
        lines = [f"### {entry['model']}", "", f"{entry['summary']} ({entry['category']}).", "",
                 "```text", *(_dedent_doc(entry["equations"])), "```", "", f"{_kernel_text(entry)}.", ""]
        if entry["weight_unit"]:
            lines += [f"Weights of projections into it are in **{entry['weight_unit']}**.", ""]
        lines += [parameter_table(entry), ""]
        for name in entry.get("extra_parameters", []):
            lines += [f"Also takes `{name}` (see above).", ""]
        if entry.get("initial"):
            lines += ["Initial state, unless the population's `initial` gives a number or a distribution: "
                      + ", ".join(f"`{k}` = `{v}`" if entry["initial"][k] == v else f"`{k}` = {v}"
                                  for k, v in _initial_state(entry)) + ".", ""]
        if entry["recordables"]:
            lines += ["Recordable traces: " + ", ".join(f"`{r}`" for r in entry["recordables"]) + ".", ""]
        sections.append("\n".join(lines))
    return "\n".join(sections)


KERNEL_VERBS = {"neuron": "Integrated by", "device": "Emitted by", "synapse": "Delivered by"}


def _kernel_text(entry: dict) -> str:
    """'Integrated by `engine/kernels/lif.py:update_iaf_psc_exp`' (the registry's kernel of the model)."""
    return f"{KERNEL_VERBS[entry['category']]} `{entry['kernel']}`"


def _dedent_doc(doc: str) -> list[str]:
    import textwrap

    first, _, rest = doc.partition("\n")
    return [first.strip(), *textwrap.dedent(rest).splitlines()] if rest else [first.strip()]


def parameter_table(entry: dict) -> str:
    """The parameter table of one model (Markdown)."""
    lines = [
        "| Parameter | Default | Unit | Allowed | Description |",
        "|---|---|---|---|---|",
    ]
    for param in entry["parameters"]:
        doc = param["doc"] + ("" if param["live"] else " (changing it needs a rebuild)")
        lines.append(f"| `{param['name']}` | {_default_text(param)} | {param['unit'] or '-'} | "
                     f"{allowed_range(param)} | {doc} |")
    if len(lines) == 2:
        return "No parameters."
    return "\n".join(lines)


def _model_text(entry: dict) -> str:
    lines = [f"{entry['model']} ({entry['category']}): {entry['summary']}"]
    lines += [f"    {line}" if line.strip() else "" for line in _dedent_doc(entry["equations"])]
    lines.append(f"  {KERNEL_VERBS[entry['category']].lower()} {entry['kernel']}")
    if entry["weight_unit"]:
        lines.append(f"  weights of projections into it: {entry['weight_unit']}")
    if entry["parameters"]:
        rows = [(p["name"], _default_text(p), p["unit"] or "-", allowed_range(p), p["doc"])
                for p in entry["parameters"]]
        header = ("parameter", "default", "unit", "allowed", "description")
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
        for row in [header] + rows:
            lines.append("  " + "  ".join(f"{row[i]:<{widths[i]}}" for i in range(4)) + "  " + row[4])
    for name in entry.get("extra_parameters", []):
        lines.append(f"  also: {name} (see the description above)")
    if entry.get("initial"):
        lines.append("  initial state: " + ", ".join(f"{k} = {v}" for k, v in _initial_state(entry)))
    if entry["recordables"]:
        lines.append("  recordable: " + ", ".join(entry["recordables"]))
    return "\n".join(lines)


# -- serve ----------------------------------------------------------------------------
#: The teacher console's token for the server `serve` starts: designer.TEACHER_TOKEN_ENV (engine
#: never imports the designer; tests/cli/test_serve_teacher.py checks the two names agree).
TEACHER_TOKEN_ENV = "SNN_DESIGNER_TEACHER_TOKEN"
SERVE_OPTIONS = ("port", "address", "allow_origins", "max_running", "max_neurons", "max_synapses", "cpu_slots",
                 "idle_pause_s", "hidden_pause_s", "max_upload_mb", "unused_session_s")  # designer.server.ServeOptions


def serve_command(args) -> list[str]:
    """The launcher's command line: `python -m designer.server OPTIONS_JSON` of the installed package."""
    spec = importlib.util.find_spec("designer")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("the designer package is not installed (pip install -e . in the repository)")
    package = Path(list(spec.submodule_search_locations)[0]).resolve()
    launcher = package / "server.py"
    if not launcher.is_file():
        raise EngineError(f"the designer app is missing: {launcher}")
    options = {name: getattr(args, name) for name in SERVE_OPTIONS}
    return [sys.executable, "-m", "designer.server", json.dumps(options)]


def cmd_serve(args) -> int:
    command = serve_command(args)
    # the session store's place, for the server process (designer/store reads these names)
    if args.data_dir:
        os.environ["SNN_DESIGNER_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if args.database_url:
        os.environ["SNN_DESIGNER_DATABASE_URL"] = args.database_url
    # a new token per server start; the launcher's teacher page reads it and prints its link
    os.environ[TEACHER_TOKEN_ENV] = secrets.token_urlsafe(18)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)  # the launcher warms the kernels and prints where it serves
    return EXIT_FAILED  # not reached: execv replaces this process


if __name__ == "__main__":
    raise SystemExit(main())
