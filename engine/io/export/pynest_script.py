"""Network -> a standalone, commented PyNEST (NEST 3) script; and running it (`run --backend nest`).

The engine follows NEST's names, so the mapping is one to one: every model and parameter
name is NEST's (`nest.Create(model, size, params)`), connection rules go into `conn_spec`
unchanged, weights and delays (constants or `nest.random.*`, clipped with
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
    DRAW_FUNCTION, check_common, describe_rule, describe_value, header_docstring, initial_state, listed_block,
    literal, one_line, results_code, simulated_time, spec_literal, spike_trains,
)
from engine.model.network import Distribution, Network, Projection
from engine.model.synapses import get_synapse

TIME_LIST_PARAMS = ("amplitude_times", "rate_times")  # device time lists NEST wants on the grid


def nest_value_code(value) -> str:
    """Source for a constant or a nest.random parameter, clipped as the engine clips."""
    if not isinstance(value, Distribution):
        return literal(float(value))
    p = value.params
    if value.kind == "normal":
        code = f"nest.random.normal(mean={p['mean']!r}, std={p['std']!r})"
    elif value.kind == "uniform":
        code = f"nest.random.uniform(min={p['low']!r}, max={p['high']!r})"
    else:  # lognormal: NEST's mean/std are those of the underlying normal, as the engine's
        code = f"nest.random.lognormal(mean={p['mean']!r}, std={p['sigma']!r})"
    if value.clip_high is not None:
        code = f"nest.math.min({code}, {value.clip_high!r})"
    if value.clip_low is not None:
        code = f"nest.math.max({code}, {value.clip_low!r})"
    return code


def _conn_spec(rule) -> dict:
    spec = {"rule": rule.rule}
    for name in ("p", "indegree", "outdegree", "N"):
        if getattr(rule, name) is not None:
            spec[name] = getattr(rule, name)
    if rule.rule != "one_to_one":
        spec["allow_autapses"] = rule.allow_autapses
        spec["allow_multapses"] = rule.allow_multapses
    return spec


def _plastic_tau_minus(network: Network) -> dict[str, float]:
    """tau_minus per target population of stdp projections (NEST keeps it on the neuron)."""
    found: dict[str, tuple[float, str]] = {}
    for proj in network.projections:
        if not get_synapse(proj.synapse, f"projection '{proj.name}'").plastic:
            continue
        tau = proj.synapse_params.get("tau_minus")
        if tau is None:
            continue
        if proj.post in found and found[proj.post][0] != tau:
            other = found[proj.post][1]
            raise ValidationError(
                f"projection '{proj.name}': tau_minus {tau:g} ms differs from {found[proj.post][0]:g} ms of "
                f"projection '{other}' into the same population '{proj.post}'; NEST keeps tau_minus on the "
                f"neuron, so plastic inputs of one population must share it")
        found[proj.post] = (tau, proj.name)
    return {post: tau for post, (tau, _) in found.items()}


def _listed_value_code(proj: Projection, field: str) -> str:
    """Weight or delay of an explicit projection: a number, the listed per-synapse values, or
    numpy draws (NEST's array connection takes numbers and arrays, not nest.random parameters)."""
    value = getattr(proj, field)
    if isinstance(value, tuple):
        return f"LISTED[{literal(proj.name)}][{literal(field)}]"
    if isinstance(value, Distribution):
        return f"draw({spec_literal(value)}, {len(proj.rule.pre_indices)}, rng)"
    return literal(float(value))


def _syn_spec_code(network: Network, proj: Projection) -> tuple[str, list[str]]:
    """(source of the syn_spec dict, comment lines about the mapping)."""
    items = []
    notes = []
    model = proj.synapse
    params = dict(proj.synapse_params)
    if get_synapse(proj.synapse, f"projection '{proj.name}'").plastic:
        if params.pop("pairing", "all_to_all") == "nearest":
            model = "stdp_nn_symm_synapse"
            notes.append("nearest-neighbour pairing is NEST's stdp_nn_symm_synapse")
        if not params.pop("learning", 1.0):
            params["lambda"] = 0.0
            notes.append("learning is off: lambda = 0 freezes the weights")
        params.pop("tau_minus", None)  # set on the target neurons
    else:
        params = {}
    items.append(f'"synapse_model": {literal(model)}')
    value_code = (lambda field: _listed_value_code(proj, field)) if proj.rule.rule == "explicit" \
        else (lambda field: nest_value_code(getattr(proj, field)))
    if network.population(proj.post).model == "parrot_neuron":
        notes.append("parrot neurons ignore weights")
    else:
        items.append(f'"weight": {value_code("weight")}')
    items.append(f'"delay": {value_code("delay")}')
    items += [f"{literal(k)}: {literal(v)}" for k, v in params.items()]
    return "{" + ", ".join(items) + "}", notes


def _device_params(pop, dt: float) -> dict:
    params = {k: v for k, v in pop.params.items() if v is not None and k != "spike_times"}
    for key in TIME_LIST_PARAMS:
        if key in params:
            params["allow_offgrid_times"] = True  # NEST then rounds the times to the grid, as the engine
    return params


def export_pynest(network: Network, seed: int | None = None, t_sim: float | None = None) -> str:
    """A readable PyNEST script that builds `network` in NEST 3 and records its spikes.

    `python net.py --out DIR [--threads N] [--seed S] [--t-sim MS]` writes DIR/spikes.csv and
    DIR/summary.json as `snn-designer run` does; seed and t_sim default to the arguments here
    (themselves defaulting to the network's)."""
    seed, t_sim = check_common(network, seed, t_sim, "PyNEST")
    for proj in network.projections:
        if proj.rule.rule == "fixed_total_number" and not proj.rule.allow_multapses:
            raise ValidationError(f"projection '{proj.name}': NEST's fixed_total_number cannot exclude multapses; "
                                  "allow multapses, or use fixed_indegree or fixed_outdegree")
    tau_minus = _plastic_tau_minus(network)
    explicit = [proj for proj in network.projections if proj.rule.rule == "explicit"]
    dt = network.dt
    out: list[str] = ["#!/usr/bin/env python3"]
    out += header_docstring(network, "PyNEST (NEST 3)", "python THIS_FILE.py --out DIR [--threads N] [--seed S] [--t-sim MS]", [
        "",
        "Under MPI, with a NEST built with MPI support:",
        "    mpirun -n P python THIS_FILE.py --out DIR",
        "each rank writes its neurons' spikes to DIR/.rank-R-of-P.npz and rank 0 merges them",
        "into the same two files (and removes the rank files).",
        "",
        "Exported by SNN Designer; requires nest-simulator 3.x and numpy.",
    ])
    out += [
        "import argparse",
        "import json",
        "import os",
        "import sys",
        "import time",
        "",
        "import numpy as np",
        "",
        'os.environ.setdefault("PYNEST_QUIET", "1")  # no banner',
        "import nest  # noqa: E402",
        "",
        f"NETWORK = {literal(network.name)}",
        f"T_SIM = {simulated_time(t_sim, dt)!r}  # ms simulated (whole time steps)",
        f"DT = {dt!r}  # ms, NEST's resolution",
        f"SEED = {seed}  # NEST's rng_seed is derived from it (1 <= rng_seed < 2^31)",
        "",
        "",
        *(_listed_helpers(explicit) if explicit else []),
        "def build():",
        '    """Create the populations and connect them; returns {name: NodeCollection}."""',
        "    pop = {}",
    ]
    if any(isinstance(getattr(proj, field), Distribution) for proj in explicit for field in ("weight", "delay")):
        out.append("    rng = np.random.default_rng(nest.rng_seed)  # numpy draws of listed synapses' weights/delays")
    for p in network.populations:
        model = p.model_class
        out.append("")
        kind = "device" if p.is_device else "neurons"
        out.append(f"    # {one_line(p.name)}: {p.size} {p.model} {kind}. {one_line(model.summary)}")
        if p.is_device:
            params = _device_params(p, dt)
        else:
            params = {k: v for k, v in p.params.items() if v is not None}
            if p.name in tau_minus:
                params["tau_minus"] = tau_minus[p.name]
        if params:
            out.append(f"    pop[{literal(p.name)}] = nest.Create({literal(p.model)}, {p.size}, params={{")
            for key, value in params.items():
                q = model.parameters.get(key)
                if q is not None:
                    note = f"  # {q.unit + ', ' if q.unit else ''}{one_line(q.doc)}"
                elif key == "tau_minus":
                    note = "  # ms, post-synaptic STDP trace (from the plastic projections into it)"
                elif key == "allow_offgrid_times":
                    note = "  # NEST rounds the times to the grid, as SNN Designer does"
                else:
                    note = ""
                out.append(f"        {literal(key)}: {literal(value)},{note}")
            out.append("    })")
        else:
            out.append(f"    pop[{literal(p.name)}] = nest.Create({literal(p.model)}, {p.size})")
        if p.model == "spike_generator":
            trains = spike_trains(p, dt)
            if len({tuple(t) for t in trains}) == 1:
                out.append("    # spike times in ms, on the grid (the same train for every neuron)")
                out.append(f"    pop[{literal(p.name)}].spike_times = {literal(trains[0])}")
            else:
                out.append("    # spike times in ms, on the grid, one train per neuron")
                out.append(f'    pop[{literal(p.name)}].set([{{"spike_times": t}} for t in {literal(trains)}])')
        for var, value in ({} if p.is_device else initial_state(p)).items():
            out.append(f"    pop[{literal(p.name)}].{var} = {nest_value_code(value)}  # initial {var}: "
                       f"{describe_value(value, 'mV' if var == 'V_m' else '')}")
    out.append("")
    for proj in network.projections:
        post = network.population(proj.post)
        unit = post.model_class.weight_unit
        syn, notes = _syn_spec_code(network, proj)
        out.append(f"    # {one_line(proj.name)}: {describe_rule(proj.rule)}; weight {describe_value(proj.weight, unit)}, "
                   f"delay {describe_value(proj.delay, 'ms')}; {proj.synapse}")
        for note in notes:
            out.append(f"    # ({note})")
        if proj.rule.rule == "explicit":
            listed = f"LISTED[{literal(proj.name)}]"
            out.append("    # (the listed synapses, one to one: LISTED at the end of this file)")
            out.append(f"    connect_listed(pop[{literal(proj.pre)}], pop[{literal(proj.post)}], "
                       f'{listed}["pre"], {listed}["post"],')
            out.append(f"                   {syn})")
            continue
        out.append(f"    nest.Connect(pop[{literal(proj.pre)}], pop[{literal(proj.post)}],")
        out.append(f"                 {literal(_conn_spec(proj.rule))},")
        out.append(f"                 {syn})")
    out.append("    return pop")
    neuron_pops = [(p.name, p.model, p.size, p.record.spikes) for p in network.populations if not p.is_device]
    out += [
        "",
        "",
        "# Neuron populations: (name, model, size, spikes written to spikes.csv). The summary",
        "# counts the spikes of all of them, as the engine does.",
        "POPULATIONS = [",
        *[f"    {literal(list(entry))}," for entry in neuron_pops],
        "]",
        "",
        "",
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
    out.append(results_code().rstrip("\n"))
    if explicit:
        out += ["", ""] + _listed_data(explicit)
    out += ["", "", 'if __name__ == "__main__":', "    sys.exit(main())", ""]
    return "\n".join(out)


def _listed_helpers(explicit: list[Projection]) -> list[str]:
    """connect_listed() (and draw() if a listed projection has drawn values) for the script."""
    out = [
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
    if any(isinstance(getattr(proj, field), Distribution) for proj in explicit for field in ("weight", "delay")):
        out += DRAW_FUNCTION + ["", ""]
    return out


def _listed_data(explicit: list[Projection]) -> list[str]:
    entries = {}
    for proj in explicit:
        entry = {"pre": list(proj.rule.pre_indices), "post": list(proj.rule.post_indices)}
        for field in ("weight", "delay"):
            if isinstance(getattr(proj, field), tuple):
                entry[field] = list(getattr(proj, field))
        entries[proj.name] = entry
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
