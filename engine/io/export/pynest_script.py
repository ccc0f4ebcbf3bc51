"""Network -> a standalone, commented PyNEST (NEST 3) script; and running it (`run --backend nest`).

The script renders the export plan (plan.py), where the mapping to NEST is written once:
every model and parameter name is NEST's (`nest.Create(model, size, params)`), connection
rules go into `conn_spec` unchanged, weights and delays (constants or `nest.random.*` times
a scale, kept inside their bounds with `nest.math.redraw` or clamped with
`nest.math.min/max`) into `syn_spec`. What the engine decides implicitly is written out:
V_m starts at E_L unless the population says otherwise (NEST's own default would be
-70 mV), spike times are put on the grid, stdp_synapse's tau_minus is set on the target
neurons (where NEST keeps it), nearest pairing is NEST's stdp_nn_symm_synapse, learning
off is lambda = 0.

Explicit projections (listed synapses) are built exactly by connect_listed(): NEST's array
connection, one to one over the listed node ids (repeated pairs are multapses), with the
per-synapse weights as arrays (LISTED at the end of the script); drawn weights or delays of
a listed projection are drawn in the script with numpy, since NEST's array connection
takes numbers only. NEST cannot connect arrays under MPI, so there the listed synapses are
connected target by target (all-to-all from the sorted, unique sources of one target).

Under MPI (`mpirun -n P python net.py --out DIR`) every rank records the spikes of its
own neurons, writes them to DIR/.rank-R-of-P.npz, waits for the others
(nest.SyncProcesses) and rank 0 merges them into the one spikes.csv and summary.json,
then removes the rank files.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from engine.errors import EngineError, SimulationFault, ValidationError
from engine.io.export.common import (
    DRAW_FUNCTION, check_common, describe_value, listed_block, literal, one_line, script_end, script_head,
    simulated_time, spec_literal,
)
from engine.io.export.plan import ConnectionPlan, ExportPlan, NestRandom, PopulationPlan, export_plan, nest_value
from engine.model.models import get_model
from engine.model.network import Distribution, Network
from engine.model.synapses import get_synapse

# The script's fixed part after build(): seeds, MPI, recording, main()
SCRIPT_MAIN = [
    "def nest_seed(seed):",
    '    """NEST wants 1 <= rng_seed < 2^31."""',
    "    return seed if 1 <= seed < 2**31 - 1 else seed % (2**31 - 2) + 1",
    "",
    "",
    "def check_mpi():",
    '    """mpirun with a NEST built without MPI would start P independent copies of the whole network."""',
    '    for key in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE"):',
    "        size = os.environ.get(key, \"\")",
    "        if size.isdigit() and int(size) > 1 and nest.NumProcesses() == 1:",
    '            sys.exit(f"error: started with {size} MPI processes, but this NEST was built without MPI "',
    '                     f"support, so each process would simulate the whole network; use --threads, "',
    '                     f"or a NEST built with MPI")',
    "",
    "",
    "def local_spikes(recorders, pop):",
    '    """{name: (neuron index within the population, time in ms)} of the spikes this rank recorded."""',
    "    spikes = {}",
    "    for name, recorder in recorders.items():",
    '        events = recorder.get("events")',
    '        first = pop[name][0].global_id',
    '        spikes[name] = (np.asarray(events["senders"], np.int64) - first, np.asarray(events["times"], np.float64))',
    "    return spikes",
    "",
    "",
    "def merge_rank_files(out_dir, n_processes):",
    '    """Rank 0 under MPI: read every rank\'s .rank-R-of-P.npz, delete them, return merged spikes."""',
    "    merged = {name: ([], []) for name, *_ in POPULATIONS}",
    "    for rank in range(n_processes):",
    '        path = os.path.join(out_dir, f".rank-{rank}-of-{n_processes}.npz")',
    "        with np.load(path) as data:",
    "            for index, (name, *_) in enumerate(POPULATIONS):",
    '                merged[name][0].append(data[f"neuron_{index}"])',
    '                merged[name][1].append(data[f"time_{index}"])',
    "        os.remove(path)",
    "    return {name: (np.concatenate(n), np.concatenate(t)) for name, (n, t) in merged.items()}",
    "",
    "",
    "def main(argv=None):",
    '    parser = argparse.ArgumentParser(description=f"Simulate {NETWORK} in NEST and write spikes.csv and summary.json.")',
    '    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")',
    '    parser.add_argument("--threads", type=int, default=1, metavar="N", help="threads per process (default 1)")',
    '    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")',
    '    parser.add_argument("--t-sim", type=float, default=T_SIM, metavar="MS", help=f"simulated time (default {T_SIM} ms)")',
    "    args = parser.parse_args(argv)",
    "    if args.threads < 1:",
    '        parser.error("--threads must be at least 1")',
    "    t_sim = round(round(args.t_sim / DT) * DT, 10)",
    "",
    '    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.9',
    "        nest.verbosity = nest.VerbosityLevel.ERROR",
    "    else:",
    '        nest.set_verbosity("M_ERROR")',
    "    nest.ResetKernel()",
    "    nest.set(resolution=DT, local_num_threads=args.threads, rng_seed=nest_seed(args.seed), print_time=False)",
    "    check_mpi()",
    "    rank, n_processes = nest.Rank(), nest.NumProcesses()",
    "",
    "    started = time.perf_counter()",
    "    pop = build()",
    "    n_synapses = nest.num_connections  # before the recorders are connected",
    "    recorders = {}",
    "    for name, *_ in POPULATIONS:",
    '        recorders[name] = nest.Create("spike_recorder")',
    "        nest.Connect(pop[name], recorders[name])",
    "    build_s = time.perf_counter() - started",
    "",
    "    started = time.perf_counter()",
    "    nest.Simulate(t_sim)",
    "    sim_s = time.perf_counter() - started",
    "",
    "    spikes = local_spikes(recorders, pop)",
    "    if n_processes > 1:",
    "        os.makedirs(args.out, exist_ok=True)",
    "        arrays = {}",
    "        for index, (name, *_) in enumerate(POPULATIONS):",
    '            arrays[f"neuron_{index}"], arrays[f"time_{index}"] = spikes[name]',
    '        tmp = os.path.join(args.out, f".rank-{rank}-of-{n_processes}.tmp.npz")',
    "        np.savez(tmp, **arrays)",
    '        os.replace(tmp, os.path.join(args.out, f".rank-{rank}-of-{n_processes}.npz"))',
    "        nest.SyncProcesses()  # every rank's file is complete before rank 0 reads them",
    "        if rank != 0:",
    "            return 0",
    "        spikes = merge_rank_files(args.out, n_processes)",
    "    info = {",
    '        "network": NETWORK, "backend": "nest", "backend_version": nest.__version__,',
    '        "dt_ms": DT, "seed": args.seed, "threads": args.threads, "processes": n_processes,',
    '        "n_synapses": int(n_synapses), "build_s": build_s, "sim_s": sim_s,',
    "    }",
    "    write_results(args.out, POPULATIONS, spikes, t_sim, info)",
    "    return 0",
    "",
    "",
]


# connect_listed(): the script's exact connection of listed synapses
CONNECT_LISTED = [
    "# None: NEST's array connection on one process (NEST cannot connect arrays under MPI, so there",
    "# the listed synapses are connected target by target); False forces the MPI way.",
    "CONNECT_ARRAYS = None",
    "",
    "",
    "def connect_listed(pre, post, pre_index, post_index, syn_spec):",
    '    """The synapses of an explicit projection exactly: synapse k joins neuron pre_index[k] of `pre`',
    "    to neuron post_index[k] of `post` (indices within the populations, from 0; repeated pairs",
    '    are multapses); weight and delay are numbers or one value per synapse."""',
    "    pre_ids = np.asarray(pre.tolist(), np.int64)[np.asarray(pre_index, np.int64)]",
    "    post_ids = np.asarray(post.tolist(), np.int64)[np.asarray(post_index, np.int64)]",
    "    n = pre_ids.size",
    "    if n == 0:",
    "        return",
    "    spec = dict(syn_spec)",
    '    for key in ("weight", "delay"):',
    "        if key in spec:",
    "            spec[key] = np.broadcast_to(np.asarray(spec[key], np.float64), (n,)).copy()",
    "    if (nest.NumProcesses() == 1) if CONNECT_ARRAYS is None else CONNECT_ARRAYS:",
    "        # one to one over the node ids; repeated ids are allowed here",
    '        nest.Connect(pre_ids, post_ids, {"rule": "one_to_one"}, spec)',
    "        return",
    "    # target by target: all-to-all from the (sorted, unique) sources of one target, repeated",
    "    # pairs in separate calls, since a NodeCollection holds every node once",
    "    order = np.lexsort((pre_ids, post_ids))",
    "    pre_s, post_s = pre_ids[order], post_ids[order]",
    "    new_pair = np.r_[True, (pre_s[1:] != pre_s[:-1]) | (post_s[1:] != post_s[:-1])]",
    "    repeat = np.arange(n) - np.maximum.accumulate(np.where(new_pair, np.arange(n), 0))",
    "    regroup = np.lexsort((pre_s, repeat, post_s))",
    "    order, pre_s, post_s, repeat = order[regroup], pre_s[regroup], post_s[regroup], repeat[regroup]",
    "    starts = np.flatnonzero(np.r_[True, (post_s[1:] != post_s[:-1]) | (repeat[1:] != repeat[:-1])])",
    "    for first, last in zip(starts, np.r_[starts[1:], n]):",
    '        part = {key: (value[order[first:last]][None, :] if key in ("weight", "delay") else value)',
    "                for key, value in spec.items()}",
    "        nest.Connect(nest.NodeCollection(pre_s[first:last].tolist()), nest.NodeCollection([int(post_s[first])]),",
    '                     {"rule": "all_to_all"}, part)',
    "",
    "",
]


def nest_code(value) -> str:
    """Source for a constant or a NestRandom: `nest.random.<law>(...) * scale`, kept inside its
    bounds by nest.math.redraw or clamped with nest.math.min/max."""
    if isinstance(value, (tuple, list)):  # one value per neuron
        return literal([float(v) for v in value])
    if not isinstance(value, NestRandom):
        return literal(float(value))
    args = ", ".join(f"{name}={number!r}" for name, number in value.args.items())
    code = f"nest.random.{value.law}({args})"
    if value.scale != 1.0:
        code = f"{code} * {value.scale!r}"
    if value.bounded and value.bound == "redraw":
        low = "-math.inf" if value.low is None else repr(value.low)
        high = "math.inf" if value.high is None else repr(value.high)
        return f"nest.math.redraw({code}, min={low}, max={high})"
    if value.high is not None:
        code = f"nest.math.min({code}, {value.high!r})"
    if value.low is not None:
        code = f"nest.math.max({code}, {value.low!r})"
    return code


def _listed_value_code(conn: ConnectionPlan, field: str) -> str:
    """Weight or delay of listed synapses: a number, the listed per-synapse values, or numpy
    draws (NEST's array connection takes numbers and arrays, not nest.random parameters)."""
    value = conn.syn_spec[field]
    if isinstance(value, tuple):
        return f"LISTED[{literal(conn.name)}][{literal(field)}]"
    if isinstance(value, Distribution):
        return f"draw({spec_literal(value)}, {len(conn.listed_pre)}, rng)"
    return literal(float(value))


def syn_spec_code(conn: ConnectionPlan) -> str:
    """Source of the syn_spec dict of one connection."""
    items = []
    for key, value in conn.syn_spec.items():
        if key in ("weight", "delay"):
            code = _listed_value_code(conn, key) if conn.listed else nest_code(value)
        else:
            code = literal(value)
        items.append(f"{literal(key)}: {code}")
    return "{" + ", ".join(items) + "}"


def _param_note(pop: PopulationPlan, key: str) -> str:
    if key in pop.on_target:  # a synapse parameter that NEST keeps on the neuron
        q = get_synapse(pop.on_target[key], key).parameters[key]
        return f"  # {q.unit + ', ' if q.unit else ''}{one_line(q.doc)} (of the {pop.on_target[key]}s into it)"
    q = get_model(pop.model).parameters.get(key)
    if q is not None:
        return f"  # {q.unit + ', ' if q.unit else ''}{one_line(q.doc)}"
    if key == "allow_offgrid_times":
        return "  # NEST rounds the times to the grid, as SNN Designer does"
    return ""


def _per_neuron(pop: PopulationPlan, key: str) -> bool:
    """A neuron parameter given per neuron (a list, or drawn by NEST from a nest.random parameter)."""
    return not pop.is_device and (isinstance(pop.params[key], NestRandom) or
                                  isinstance(pop.params[key], list) and key in get_model(pop.model).parameters)


def population_lines(pop: PopulationPlan) -> list[str]:
    """nest.Create of one population, its spike times and initial state, inside build()."""
    name = literal(pop.name)
    kind = "device" if pop.is_device else "neurons"
    out = ["", f"    # {one_line(pop.name)}: {pop.size} {pop.model} {kind}. {one_line(pop.summary)}"]
    if pop.params:
        out.append(f"    pop[{name}] = nest.Create({literal(pop.model)}, {pop.size}, params={{")
        out += [f"        {literal(key)}: {nest_code(value) if _per_neuron(pop, key) else literal(value)},"
                f"{_param_note(pop, key)}" for key, value in pop.params.items()]
        out.append("    })")
    else:
        out.append(f"    pop[{name}] = nest.Create({literal(pop.model)}, {pop.size})")
    if pop.spike_times is not None:
        trains = [list(t) for t in pop.spike_times]
        if len({tuple(t) for t in trains}) == 1:
            out.append("    # spike times in ms, on the grid (the same train for every neuron; a time listed twice spikes twice)")
            out.append(f"    pop[{name}].spike_times = {literal(trains[0])}")
        else:
            out.append("    # spike times in ms, on the grid, one train per neuron (a time listed twice spikes twice)")
            out.append(f'    pop[{name}].set([{{"spike_times": t}} for t in {literal(trains)}])')
    for var, value in pop.initial.items():
        out.append(f"    pop[{name}].{var} = {nest_code(nest_value(value))}  # initial {var}: "
                   f"{describe_value(value, 'mV' if var == 'V_m' else '')}")
    return out


def connection_lines(conn: ConnectionPlan) -> list[str]:
    """nest.Connect (or connect_listed) of one projection, inside build()."""
    out = [f"    # {one_line(conn.name)}: {conn.rule_text}; weight {describe_value(conn.weight, conn.weight_unit)}, "
           f"delay {describe_value(conn.delay, 'ms')}; {conn.synapse}"]
    out += [f"    # ({note})" for note in conn.notes]
    pre, post = literal(conn.pre), literal(conn.post)
    if conn.listed:
        listed = f"LISTED[{literal(conn.name)}]"
        return out + ["    # (the listed synapses, one to one: LISTED at the end of this file)",
                      f'    connect_listed(pop[{pre}], pop[{post}], {listed}["pre"], {listed}["post"],',
                      f"                   {syn_spec_code(conn)})"]
    return out + [f"    nest.Connect(pop[{pre}], pop[{post}],",
                  f"                 {literal(conn.conn_spec)},",
                  f"                 {syn_spec_code(conn)})"]


def _drawn_listed(plan: ExportPlan) -> bool:
    return any(isinstance(c.syn_spec.get(f), Distribution) for c in plan.connections if c.listed for f in ("weight", "delay"))


def build_function(plan: ExportPlan) -> list[str]:
    """The script's build(): every population, then every connection."""
    out = ["def build():",
           '    """Create the populations and connect them; returns {name: NodeCollection}."""',
           "    pop = {}"]
    if _drawn_listed(plan):
        out.append("    rng = np.random.default_rng(nest.rng_seed)  # numpy draws of listed synapses' weights/delays")
    for pop in plan.populations:
        out += population_lines(pop)
    out.append("")
    for conn in plan.connections:
        out += connection_lines(conn)
    return out + ["    return pop"]


def _script_head(network: Network, plan: ExportPlan, t_sim: float) -> list[str]:
    return script_head(network, "PyNEST (NEST 3)", "python THIS_FILE.py --out DIR [--threads N] [--seed S] [--t-sim MS]", [
        "",
        "Under MPI, with a NEST built with MPI support:",
        "    mpirun -n P python THIS_FILE.py --out DIR",
        "each rank writes its neurons' spikes to DIR/.rank-R-of-P.npz and rank 0 merges them",
        "into the same two files (and removes the rank files).",
        "",
        "Exported by SNN Designer; requires nest-simulator 3.x and numpy.",
    ], ["import argparse", "import json", "import math", "import os", "import sys", "import time", "",
        "import numpy as np", "", 'os.environ.setdefault("PYNEST_QUIET", "1")  # no banner', "import nest  # noqa: E402"], [
        f"NETWORK = {literal(plan.network)}",
        f"T_SIM = {simulated_time(t_sim, plan.dt)!r}  # ms simulated (whole time steps)",
        f"DT = {plan.dt!r}  # ms, NEST's resolution",
        f"SEED = {plan.seed}  # NEST's rng_seed is derived from it (1 <= rng_seed < 2^31)",
    ])


def render_pynest(network: Network, plan: ExportPlan, t_sim: float) -> str:
    """The PyNEST script of a plan (export_pynest checks the network and builds the plan)."""
    listed = [conn for conn in plan.connections if conn.listed]
    out = _script_head(network, plan, t_sim)
    if listed:
        out += CONNECT_LISTED + ((DRAW_FUNCTION + ["", ""]) if _drawn_listed(plan) else [])
    out += build_function(plan)
    return "\n".join(out + script_end(plan.neurons, SCRIPT_MAIN, _listed_data(listed) if listed else [], [
        "Neuron populations: (name, model, size, spikes written to spikes.csv). The summary",
        "counts the spikes of all of them, as the engine does."]))


def export_pynest(network: Network, seed: int | None = None, t_sim: float | None = None) -> str:
    """A readable PyNEST script that builds `network` in NEST 3 and records its spikes.

    `python net.py --out DIR [--threads N] [--seed S] [--t-sim MS]` writes DIR/spikes.csv and
    DIR/summary.json as `snn-designer run` does; seed and t_sim default to the arguments here
    (themselves defaulting to the network's)."""
    seed, t_sim = check_common(network, seed, t_sim, "PyNEST")
    plan = export_plan(network, seed)
    plan.check_nest()
    return render_pynest(network, plan, t_sim)


def check_pynest(network: Network) -> None:
    """Raise ValidationError with the reason when `network` cannot be written for NEST."""
    check_common(network, None, None, "PyNEST")
    export_plan(network).check_nest()


def _listed_data(listed: list[ConnectionPlan]) -> list[str]:
    entries = {}
    for conn in listed:
        entry = {"pre": list(conn.listed_pre), "post": list(conn.listed_post)}
        for field in ("weight", "delay"):
            if isinstance(conn.syn_spec.get(field), tuple):
                entry[field] = list(conn.syn_spec[field])
        entries[conn.name] = entry
    return listed_block("LISTED", entries, [
        "The synapses of the explicit projections, as listed in the network: neuron indices within",
        "the pre and post populations (from 0) and, where they are given per synapse, the weights.",
    ])


def run_with_nest(network: Network, t_sim: float | None = None, seed: int | None = None,
                  out_dir: str | os.PathLike = ".", threads: int = 1, timeout: float | None = None) -> dict:
    """Export `network` as a PyNEST script and run it in a subprocess (`run --backend nest`).

    Writes out_dir/spikes.csv and out_dir/summary.json (and keeps the script as
    out_dir/network_nest.py, so the run can be repeated by hand). Returns the summary.
    Raises EngineError if NEST is not installed, SimulationFault if the script fails."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValidationError(f"run with NEST: threads must be a whole number >= 1, got {threads!r}")
    if importlib.util.find_spec("nest") is None:
        raise EngineError("run with NEST: NEST is not installed in this Python "
                          "(pip install nest-simulator, or the project's 'reference' extra)")
    script = export_pynest(network, seed=seed, t_sim=t_sim)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValidationError(f"run with NEST: {out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="snn-nest-") as tmp:
        path = Path(tmp) / "network_nest.py"
        path.write_text(script, encoding="utf-8")
        env = {**os.environ, "PYNEST_QUIET": "1"}
        try:
            done = subprocess.run([sys.executable, str(path), "--out", str(out.resolve()), "--threads", str(threads)],
                                  capture_output=True, text=True, env=env, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise SimulationFault(f"run with NEST: no result within {timeout:g} s") from None
    (out / "network_nest.py").write_text(script, encoding="utf-8")
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {done.returncode}"
        raise SimulationFault(f"run with NEST failed: {last}")
    try:
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SimulationFault(f"run with NEST: the script wrote no readable summary.json ({error})") from None
