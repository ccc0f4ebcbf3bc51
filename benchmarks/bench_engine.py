"""This engine and NEST 3.10 side by side, in one command. Prints; never asserts.

    .venv/bin/python benchmarks/bench_engine.py                    # cuba and brunel, 3 repeats
    .venv/bin/python benchmarks/bench_engine.py --repeats 2 --networks brunel
    .venv/bin/python benchmarks/bench_engine.py --scaling          # brunel-like, N = 2,500 .. 50,000
    .venv/bin/python benchmarks/bench_engine.py --networks my.json --no-nest --no-brian2

Every measurement runs in its own fresh child process (engine, NEST and Brian2's C++
standalone mode take turns, never at the same time), so the peak memory is that child's own ru_maxrss and
neither simulator inherits the other's heap, caches or page faults.

What is measured, the same way for both (1 thread, the file's dt, 1 s biological time):
  build s    engine: Simulator(network) (compile + connect, CSR sort, initial state);
             NEST: Create + Connect + recorders + nest.Prepare() (NEST finalises its
             connection tables there); kernel warm-up / `import nest` excluded from both
  sim s      engine: Simulator.run(t_sim); NEST: nest.Run(t_sim) between Prepare and Cleanup
  CPU s      the child's own CPU time (time.process_time) for the same spans: on a
             shared machine wall time includes waiting for a core, CPU time does not
  bio-s per wall-s   t_sim / sim s
  synaptic events/s  spikes x mean out-degree of their projections + Poisson events
             (rate x time x targets), from each simulator's own spike counts, / sim s;
             the engine's exact kernel counter is printed below for comparison
  peak RSS MB        ru_maxrss of the child at exit (includes the Python/NEST baseline, shown too)

Brian2 (C++ standalone): the network exported as a Brian2 script (engine.io export_brian2) runs
in its own venv (Brian2 needs numpy < 2.4: $SNN_BRIAN2_PYTHON, or .venv-brian2 made on first
use as tests/export does) through benchmarks/brian2_standalone.py: build = the script's build()
+ code generation + g++ (make reuses artifacts/brian2_standalone/<network> on later runs);
sim = the compiled binary, which also loads the connections; no peak memory.

--scaling builds Brunel (2000) networks of N = 2,500 ... 50,000 neurons (80 % exc) with the
in-degrees of brunel.json kept FIXED (C_E = 1000, C_I = 250; realistic: a cortical
neuron's in-degree does not grow with the size of the model), so synapses grow as
1250 N and the per-neuron input, hence the dynamics and rates, stay the same.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = ROOT / "assets" / "examples"
SCALING_SIZES = (2_500, 5_000, 10_000, 25_000, 50_000)
BRIAN2_VENV = ROOT / ".venv-brian2"
BRIAN2_REQUIREMENTS = ("brian2==2.9.0", "numpy<2.4")  # as tests/export/conftest.py
LABELS = {"engine": "engine", "nest": "NEST 3.10", "brian2": "Brian2 C++"}


# -- networks -------------------------------------------------------------------------
def brunel_like(n_total: int, c_e: int = 1000, name: str | None = None):
    """brunel.json's network at another size, with fixed in-degrees (C_E = c_e, C_I = c_e / 4)."""
    from engine import Connectivity, Network, Population, Projection, Recording

    n_e, n_i = int(0.8 * n_total), n_total - int(0.8 * n_total)
    c_i = c_e // 4
    j, g, eta, delay, tau_m, theta = 0.1, 5.0, 2.0, 1.5, 20.0, 20.0
    nu_th = theta / (j * c_e * tau_m)  # kHz: the rate that alone drives V to threshold
    neuron = {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": theta}
    rec = Recording(spikes=True, traces=(0, 1))
    return Network(
        name=name or f"brunel-like N={n_total}",
        populations=(
            Population("exc", "iaf_psc_delta", n_e, params=neuron, initial={"V_m": 0.0}, record=rec),
            Population("inh", "iaf_psc_delta", n_i, params=neuron, initial={"V_m": 0.0}, record=rec),
            Population("noise", "poisson_generator", 1, params={"rate": eta * nu_th * 1000.0 * c_e}),
        ),
        projections=(
            Projection("exc", "exc", Connectivity("fixed_indegree", indegree=c_e), weight=j, delay=delay),
            Projection("exc", "inh", Connectivity("fixed_indegree", indegree=c_e), weight=j, delay=delay),
            Projection("inh", "exc", Connectivity("fixed_indegree", indegree=c_i), weight=-g * j, delay=delay),
            Projection("inh", "inh", Connectivity("fixed_indegree", indegree=c_i), weight=-g * j, delay=delay),
            Projection("noise", "exc", weight=j, delay=delay),
            Projection("noise", "inh", weight=j, delay=delay),
        ),
    )


def load(spec: str):
    """'cuba' / 'brunel' (gallery), 'brunel-like:N', or a path to a network file."""
    from engine.io import load_network

    if spec.startswith("brunel-like:"):
        return brunel_like(int(spec.split(":", 1)[1]))
    path = EXAMPLES / f"{spec}.json" if (EXAMPLES / f"{spec}.json").is_file() else Path(spec)
    return load_network(path)


def expected_synapses(network) -> dict[str, float]:
    from engine.compile.connect import expected_synapses as per_rule

    out = {}
    for proj in network.projections:
        pre, post = network.population(proj.pre), network.population(proj.post)
        n = per_rule(proj.rule, pre.size, post.size)
        if proj.rule.rule == "pairwise_bernoulli" and pre.name == post.name and not proj.rule.allow_autapses:
            n = proj.rule.p * pre.size * (pre.size - 1)
        out[proj.name] = n
    return out


def estimated_events(network, spikes: dict[str, int], t_sim_ms: float) -> float:
    """Synaptic events implied by the spike counts (same formula for both simulators)."""
    events = 0.0
    synapses = expected_synapses(network)
    for proj in network.projections:
        pre = network.population(proj.pre)
        if pre.model == "poisson_generator":
            start = pre.params["start"]
            stop = t_sim_ms if pre.params["stop"] is None else min(pre.params["stop"], t_sim_ms)
            events += pre.params["rate"] * max(0.0, stop - start) * 1e-3 * synapses[proj.name]
        elif pre.model_class.emits == "spikes":
            events += spikes.get(pre.name, 0) * synapses[proj.name] / pre.size
    return events


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# -- children ---------------------------------------------------------------------------
def child_engine(network, t_sim: float, dt: float, seed: int) -> dict:
    from engine.runtime import Simulator, warm_up

    warm_up()
    base = _maxrss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    sim = Simulator(network, dt=dt, seed=seed)
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    sim.run(t_sim)
    sim_s, sim_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    spikes = {p.name: int(sim.spikes(p.name)[0].size) for p in network.populations if not p.is_device}
    counters = sim.counters()
    return {"build_s": build_s, "sim_s": sim_s, "build_cpu_s": build_cpu_s, "sim_cpu_s": sim_cpu_s,
            "spikes": spikes, "base_rss_mb": base, "exact_events": counters["synaptic_events"], "lost_spikes": counters["lost_spikes"],
            "n_synapses": int(sim.compiled.n_synapses)}


def child_nest(network, t_sim: float, dt: float, seed: int) -> dict:
    from nest_build import build, import_nest

    nest = import_nest()
    base = _maxrss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    built = build(nest, network, dt=dt, seed=seed, threads=1)
    connect_s = time.perf_counter() - started
    nest.Prepare()
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    nest.Run(t_sim)
    sim_s, sim_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    nest.Cleanup()
    spikes = {}
    for pop in network.populations:
        if pop.is_device:
            continue
        recorder = built["spike_recorders"].get(pop.name)
        spikes[pop.name] = int(recorder.n_events) if recorder is not None else 0
    return {"build_s": build_s, "connect_s": connect_s, "sim_s": sim_s, "build_cpu_s": build_cpu_s,
            "sim_cpu_s": sim_cpu_s, "spikes": spikes, "base_rss_mb": base,
            "n_synapses": int(nest.num_connections) - sum(
                p.size for p in network.populations if not p.is_device and p.record.spikes)
            - sum(len(p.record.traces) for p in network.populations if not p.is_device)}


def brian2_python() -> str:
    """$SNN_BRIAN2_PYTHON, or .venv-brian2 (made from PyPI on first use)."""
    given = os.environ.get("SNN_BRIAN2_PYTHON")
    if given:
        return given
    python = BRIAN2_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BRIAN2_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *BRIAN2_REQUIREMENTS], check=True)
    return str(python)


def child_brian2(network, t_sim: float, dt: float, seed: int) -> dict:
    from engine.io.export.brian2_script import export_brian2

    if dt != network.dt:
        raise SystemExit(f"brian2: the exported script runs at the file's dt ({network.dt} ms), not {dt}")
    directory = ROOT / "artifacts" / "brian2_standalone" / "".join(c if c.isalnum() else "_" for c in network.name)
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "network.py"
    script.write_text(export_brian2(network, seed=seed, t_sim=t_sim))
    done = subprocess.run([brian2_python(), str(HERE / "brian2_standalone.py"), str(script), str(directory / "build"),
                           "--t-sim", repr(t_sim), "--seed", str(seed)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit((done.stderr.strip().splitlines() or ["(no output)"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_child(simulator: str, spec: str, t_sim: float, dt: float, seed: int) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", simulator, "--networks", spec,
               "--t-sim", repr(t_sim), "--dt", repr(dt), "--seed", str(seed)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"{simulator} child failed ({done.returncode}): {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(args) -> None:
    network = load(args.networks[0])
    measure = {"engine": child_engine, "nest": child_nest, "brian2": child_brian2}[args.child]
    result = measure(network, args.t_sim, args.dt, args.seed)
    result.setdefault("peak_rss_mb", _maxrss_mb() if args.child != "brian2" else None)
    print(json.dumps(result))


# -- parent -----------------------------------------------------------------------------
def measure(spec: str, repeats: int, t_sim: float, dt: float, seed: int, simulators: list[str]) -> dict:
    network = load(spec)
    runs = {name: [] for name in simulators}
    for r in range(repeats):
        for name in simulators[r % len(simulators):] + simulators[:r % len(simulators)]:  # each goes first in turn
            result = run_child(name, spec, t_sim, dt, seed + r)
            if "error" in result:
                print(f"  {spec}: {result['error']}", file=sys.stderr)
                continue
            result["events"] = estimated_events(network, result["spikes"], t_sim)
            result["bio_per_wall"] = t_sim * 1e-3 / result["sim_s"]
            result["events_per_s"] = result["events"] / result["sim_s"]
            n_neurons = sum(p.size for p in network.populations if not p.is_device)
            result["rate_hz"] = sum(result["spikes"].values()) / n_neurons / (t_sim * 1e-3)
            runs[name].append(result)
            print(f"  {spec} run {r + 1}/{repeats} {name:6s} build {result['build_s']:7.2f} s  "
                  f"sim {result['sim_s']:7.2f} s  {result['rate_hz']:6.2f} Hz  {result['peak_rss_mb'] or float('nan'):7.0f} MB",
                  file=sys.stderr, flush=True)
    return {"spec": spec, "network": network, "runs": runs, "t_sim": t_sim, "dt": dt}


ROWS = (  # key, label, format, "best" is the smallest (times, memory) or the largest (throughput)
    ("build_s", "build s", "{:.3g}", min),
    ("build_cpu_s", "  build CPU s", "{:.3g}", min),
    ("sim_s", "sim s", "{:.3g}", min),
    ("sim_cpu_s", "  sim CPU s", "{:.3g}", min),
    ("bio_per_wall", "bio-s per wall-s", "{:.3g}", max),
    ("events_per_s", "synaptic events/s", "{:.3g}", max),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}", min),
    ("base_rss_mb", "  of which baseline MB", "{:.0f}", min),
    ("rate_hz", "mean rate Hz", "{:.2f}", min),
)


def _stat(runs, key, best):
    values = [r[key] for r in runs if r.get(key) is not None]
    return (best(values), statistics.median(values)) if values else (None, None)


def print_table(result: dict) -> None:
    network, runs, t_sim, dt = result["network"], result["runs"], result["t_sim"], result["dt"]
    n_neurons = sum(p.size for p in network.populations if not p.is_device)
    n_syn = next((r["n_synapses"] for r in runs["engine"]), float("nan"))
    repeats = max(len(v) for v in runs.values())
    print(f"\n{network.name}: {n_neurons:,} neurons, {n_syn:,} synapses; {t_sim:g} ms at dt {dt:g} ms, "
          f"1 thread; {repeats} run(s) each, best / median")
    names = [n for n in LABELS if runs.get(n)]
    others = [n for n in names if n != "engine"] if "engine" in names else []
    header = f"{'':24s}" + "".join(f"{LABELS[n]:>22s}" for n in names)
    header += "".join(f"{'engine/' + LABELS[n].split()[0] + ' (min / med)':>28s}" for n in others)
    print(header)
    for key, label, fmt, best in ROWS:
        line = f"{label:24s}"
        stats = {}
        for name in names:
            b, m = stats[name] = _stat(runs[name], key, best)
            line += f"{(fmt.format(b) + ' / ' + fmt.format(m)) if b is not None else '-':>22s}"
        for name in others:
            (eb, em), (ob, om) = stats["engine"], stats[name]
            ratio = f"{eb / ob:.3f} / {em / om:.3f}" if None not in (eb, em, ob, om) and ob and om else "-"
            line += f"{ratio:>28s}"
        print(line)
    engine_runs = runs["engine"]
    if engine_runs:
        exact = statistics.median(r["exact_events"] for r in engine_runs)
        est = statistics.median(r["events"] for r in engine_runs)
        lost = max(r["lost_spikes"] for r in engine_runs)
        print(f"(engine's exact event counter: {exact:,.0f} vs the estimate's {est:,.0f}; lost spikes: {lost}. "
              "Ratios < 1 for times and memory and > 1 for throughput favour the engine.)")


def print_scaling(results: list[dict]) -> None:
    keys = ("build_s", "sim_s", "sim_cpu_s", "peak_rss_mb", "rate_hz")
    forms = ("{:.2f}", "{:.2f}", "{:.2f}", "{:.0f}", "{:.1f}")
    print("\nscaling: brunel-like, fixed in-degree C_E = 1000, C_I = 250; medians; ratio = engine/NEST")
    head = " ".join(f"{h:>8s}" for h in ("build s", "sim s", "sim CPU", "RSS MB", "Hz"))
    print(f"{'N':>7s} {'synapses':>12s} | engine {head} | NEST {head} | ratio "
          + " ".join(f"{h:>7s}" for h in ("build", "sim", "simCPU", "RSS")))
    for result in results:
        runs, network = result["runs"], result["network"]
        n = sum(p.size for p in network.populations if not p.is_device)
        cols = {name: [_stat(runs.get(name, []), key, min)[1] for key in keys] for name in ("engine", "nest")}
        n_syn = next((r["n_synapses"] for r in runs["engine"]), 0)

        def fmt(values):
            return " ".join(f"{(f.format(v) if v is not None else '-'):>8s}" for v, f in zip(values, forms))

        ratios = ["-" if None in (a, b) or not b else f"{a / b:.2f}" for a, b in zip(cols["engine"][:4], cols["nest"][:4])]
        print(f"{n:>7,} {n_syn:>12,} | engine {fmt(cols['engine'])} | NEST {fmt(cols['nest'])} | ratio "
              + " ".join(f"{r:>7s}" for r in ratios))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", nargs="+", default=["cuba", "brunel"],
                        help="gallery names, brunel-like:N or network files (default: cuba brunel)")
    parser.add_argument("--repeats", "-R", type=int, default=3, help="runs per simulator (default 3)")
    parser.add_argument("--scaling", action="store_true", help="brunel-like N = 2,500 .. 50,000 instead")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SCALING_SIZES), help="N for --scaling")
    parser.add_argument("--t-sim", type=float, default=1000.0, help="ms (default 1000)")
    parser.add_argument("--dt", type=float, default=0.1, help="ms (default 0.1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-nest", action="store_true", help="without NEST")
    parser.add_argument("--no-brian2", action="store_true", help="without Brian2's C++ standalone mode")
    parser.add_argument("--json-out", type=Path, help="also write the raw measurements here")
    parser.add_argument("--child", choices=("engine", "nest", "brian2"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return
    specs = [f"brunel-like:{n}" for n in args.sizes] if args.scaling else args.networks
    simulators = ["engine"] + ["nest"] * (not args.no_nest) + ["brian2"] * (not args.no_brian2 and not args.scaling)
    results = [measure(spec, args.repeats, args.t_sim, args.dt, args.seed, simulators) for spec in specs]
    for result in results:
        print_table(result)
    if args.scaling:
        print_scaling(results)
    if args.json_out:
        raw = [{"spec": r["spec"], "t_sim": r["t_sim"], "dt": r["dt"], "runs": r["runs"]} for r in results]
        args.json_out.write_text(json.dumps(raw, indent=1))


if __name__ == "__main__":
    main()
