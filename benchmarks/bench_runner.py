"""The Runner against a bare Simulator, its command latency and its real-time pacing. Prints; never asserts.

    .venv/bin/python benchmarks/bench_runner.py                       # everything, 3 repeats
    .venv/bin/python benchmarks/bench_runner.py --repeats 5 --sections overhead
    .venv/bin/python benchmarks/bench_runner.py --sections latency realtime --samples 100
    .venv/bin/python benchmarks/bench_runner.py --sections metrics    # efficiency metrics on vs off
    .venv/bin/python benchmarks/bench_runner.py --sections threads --repeats 2  # one session, 1 vs 2 threads

What is measured (all in this one process, kernels warmed up first, builds excluded):
  overhead   brunel.json (1 s) and cuba.json (5 s of biological time): the same work timed
             bare (Simulator.run after reset) and through a Runner at speed 'max' (from run()
             to its 'run finished' frame, while the consumer drains frames every 10 ms as the
             app does). Wall time and CPU time (time.process_time, all threads: on a shared
             machine wall time includes waiting for a core, CPU time does not). Bare and
             Runner alternate within each repeat so both see the same machine load.
             Overhead = Runner / bare - 1, from the minima and from the medians.
  metrics    brunel.json (1 s) through two Runners at 'max', efficiency metrics off and on
             (engine.neuromorphic), alternating; cost = on / off - 1, from minima and medians.
  latency    while a Runner runs at 'max': wall time from the command call to its frame
             (the reply for set_param, the status for pause), sent at random moments
             (20-60 ms apart) and polled every 0.2 ms; p50, p95 and max over --samples.
             set_param I_e changes per-population constants; set_param weight rewrites every
             synapse of a projection, so it grows with the projection's size.
  threads    brunel.json (1 s) through Runners scheduled as in the server (a RunScheduler with
             the machine's CPU slots, one session): threads=1 against the automatic choice
             (two threads for brunel; each block on the cores its turn grants and CoreMeter
             finds free), alternating; wall time, CPU time, the speed-up, and the most cores a
             frame's block ran on. On a shared machine the second core may be busy: see uptime.
  realtime   ei_network.json and cuba.json at speed 1: run(3 s) from its 'run' frame to its
             'run finished' frame, error = wall / simulated - 1; along the way, the lag of each
             data frame's t_end behind the wall clock when the consumer receives it (this
             includes up to one frame interval, 50 ms, by design), and the frames'
             real_time_factor. Then speeds 0.01 ... 10 and 'max' on one_neuron.json (cheap enough
             for 10x on any machine; the larger networks reach 'max' before 10x).
Each line gives min and median over --repeats (latency: percentiles over all samples).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import ClassLimits, RunScheduler, Runner, Simulator, warm_up  # noqa: E402
from engine.io.native import load_network  # noqa: E402

EXAMPLES = ROOT / "assets" / "examples"
OVERHEAD_RUNS = {"brunel": 1000.0, "cuba": 5000.0}  # ms of biological time per repeat


def network(name: str):
    return load_network(EXAMPLES / f"{name}.json")


def ready(runner: Runner) -> Runner:
    runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=300)
    return runner


def wait(runner: Runner, predicate, poll_s: float) -> list:
    frames = []
    while True:
        new = runner.frames()
        frames += new
        if any(predicate(f) for f in new):
            return frames
        time.sleep(poll_s)


def finished(frame) -> bool:
    return frame.kind == "status" and frame.message == "run finished"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100.0 * (len(ordered) - 1))))]


def min_median(values: list[float]) -> str:
    return f"{min(values):8.3f} {statistics.median(values):8.3f}"


# -- overhead ----------------------------------------------------------------------------------------------
def timed_run(runner: Runner, t_ms: float) -> tuple[float, float]:
    """(wall s, CPU s) of runner.run(t_ms) from t = 0 to its 'run finished' frame, draining every 10 ms."""
    runner.reset()
    wait(runner, lambda f: f.command == "reset", 0.001)
    wall, cpu = time.perf_counter(), time.process_time()
    runner.run(t_ms)
    wait(runner, finished, 0.01)
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_overhead(repeats: int) -> None:
    print("\n== Runner at 'max' vs bare Simulator.run (s: min, median) ==")
    print(f"{'network':10} {'bio ms':>7} | {'bare wall':>17} | {'runner wall':>17} | {'bare CPU':>17} | "
          f"{'runner CPU':>17} | overhead wall (min, median) | overhead CPU (min, median)")
    for name, t_ms in OVERHEAD_RUNS.items():
        net = network(name)
        bare = Simulator(net)
        runner = ready(Runner(net, name=f"bench-{name}"))
        times = {"bare wall": [], "runner wall": [], "bare CPU": [], "runner CPU": []}
        for _ in range(repeats):
            bare.reset()
            wall, cpu = time.perf_counter(), time.process_time()
            bare.run(t_ms)
            times["bare wall"].append(time.perf_counter() - wall)
            times["bare CPU"].append(time.process_time() - cpu)

            wall, cpu = timed_run(runner, t_ms)
            times["runner wall"].append(wall)
            times["runner CPU"].append(cpu)
        runner.close()

        def overhead(kind: str) -> str:
            b, r = times[f"bare {kind}"], times[f"runner {kind}"]
            return f"{100 * (min(r) / min(b) - 1):+6.1f} % {100 * (statistics.median(r) / statistics.median(b) - 1):+6.1f} %"

        print(f"{name:10} {t_ms:7.0f} | {min_median(times['bare wall'])} | {min_median(times['runner wall'])} | "
              f"{min_median(times['bare CPU'])} | {min_median(times['runner CPU'])} | "
              f"{overhead('wall'):>27} | {overhead('CPU'):>26}")
        del bare


def bench_metrics(repeats: int) -> None:
    """Efficiency metrics (engine.neuromorphic) on vs off: two Runners at 'max' on brunel, alternating."""
    t_ms = OVERHEAD_RUNS["brunel"]
    print(f"\n== Runner at 'max', efficiency metrics off vs on, brunel {t_ms:.0f} ms (s: min, median) ==")
    net = network("brunel")
    runners = {on: ready(Runner(net, name=f"bench-metrics-{on}", metrics=on)) for on in (False, True)}
    times = {(on, kind): [] for on in (False, True) for kind in ("wall", "CPU")}
    for _ in range(repeats):
        for on, runner in runners.items():
            wall, cpu = timed_run(runner, t_ms)
            times[on, "wall"].append(wall)
            times[on, "CPU"].append(cpu)
    for runner in runners.values():
        runner.close()
    for kind in ("wall", "CPU"):
        off, on = times[False, kind], times[True, kind]
        print(f"{kind:5} off {min_median(off)} | on {min_median(on)} | cost "
              f"{100 * (min(on) / min(off) - 1):+6.1f} % (min) {100 * (statistics.median(on) / statistics.median(off) - 1):+6.1f} % (median)")


def bench_threads(repeats: int) -> None:
    """One scheduled session on brunel at 'max': one thread against the automatic two."""
    t_ms = OVERHEAD_RUNS["brunel"]
    print(f"\n== scheduled Runner at 'max', brunel {t_ms:.0f} ms, threads 1 vs automatic "
          f"(load average before {os.getloadavg()[0]:.1f}) ==")
    net = network("brunel")
    times: dict = {}
    for threads in (1, None):
        scheduler = RunScheduler(ClassLimits())
        runner = ready(Runner(net, name=f"bench-threads-{threads}", ticket=scheduler.ticket(), threads=threads))
        times[threads] = {"wall": [], "CPU": [], "cores": set(), "threads": runner._sim.threads, "runner": runner}
    for _ in range(repeats):
        for threads, entry in times.items():
            runner = entry["runner"]
            runner.reset()
            wait(runner, lambda f: f.command == "reset", 0.001)
            wall, cpu = time.perf_counter(), time.process_time()
            runner.run(t_ms)
            frames = wait(runner, finished, 0.01)
            entry["wall"].append(time.perf_counter() - wall)
            entry["CPU"].append(time.process_time() - cpu)
            entry["cores"] |= {f.workers for f in frames if f.kind == "data"}
    for threads, entry in times.items():
        entry["runner"].close()
        print(f"threads={entry['threads']} ({'automatic' if threads is None else 'fixed'}): wall "
              f"{min_median(entry['wall'])} | CPU {min_median(entry['CPU'])} | cores per block {sorted(entry['cores'])}")
    one, auto = times[1]["wall"], times[None]["wall"]
    print(f"speed-up (wall): {min(one) / min(auto):.2f}x (min/min), {statistics.median(one) / statistics.median(auto):.2f}x (median)")


# -- latency -----------------------------------------------------------------------------------------------
def command_latencies(runner: Runner, command: str, samples: int, args: tuple) -> list[float]:
    rng = random.Random(1)
    runner.run()
    wait(runner, lambda f: f.kind == "data", 0.001)
    latencies = []
    for _ in range(samples):
        time.sleep(rng.uniform(0.02, 0.06))
        runner.frames()
        sent = time.perf_counter()
        if command == "pause":
            runner.pause()
        else:
            runner.set_param(*args)
        wait(runner, lambda f: f.command == command and f.kind in ("reply", "status", "error"), 0.0002)
        latencies.append(time.perf_counter() - sent)
        if command == "pause":
            runner.resume()
            wait(runner, lambda f: f.kind == "data", 0.001)
    runner.pause()
    wait(runner, lambda f: f.command == "pause", 0.001)
    return latencies


def bench_latency(samples: int) -> None:
    print(f"\n== command latency while running at 'max' (ms over {samples} samples) ==")
    print(f"{'network':12} {'command':28} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, population, projection in [("ei_network", "exc", "exc→exc"), ("cuba", "exc", "exc→exc"),
                                         ("brunel", "exc", "exc→exc")]:
        net = network(name)
        runner = ready(Runner(net, name=f"bench-{name}"))
        weight = net.projection(projection).weight
        rows = [
            ("set_param I_e", "set_param", (population, "I_e", net.population(population).params["I_e"])),
            ("pause", "pause", ()),
            (f"set_param weight {projection}", "set_param", (projection, "weight", weight)),
        ]
        for label, command, args in rows:
            values = [1000.0 * v for v in command_latencies(runner, command, samples, args)]
            print(f"{name:12} {label:28} {percentile(values, 50):7.1f} {percentile(values, 95):7.1f} {max(values):7.1f}")
        runner.close()


# -- real time ---------------------------------------------------------------------------------------------
def paced_run(runner: Runner, speed: float | str, t_ms: float) -> tuple[float, list[float], list[float]]:
    """(wall s from the run's status to its end, frame lags in ms, frame real-time factors)."""
    runner.set_speed(speed)
    runner.reset()
    wait(runner, lambda f: f.command == "reset", 0.001)
    runner.run(t_ms)
    wait(runner, lambda f: f.kind == "status" and f.command == "run", 0.0005)
    started = time.perf_counter()
    lags, factors = [], []
    while True:
        new = runner.frames()
        now_ms = (time.perf_counter() - started) * 1000.0
        lags += [now_ms - f.t_end for f in new if f.kind == "data"]
        factors += [f.real_time_factor for f in new if f.kind == "data"]
        if any(finished(f) for f in new):
            return time.perf_counter() - started, lags, factors
        time.sleep(0.001)


def bench_realtime(repeats: int) -> None:
    print("\n== real-time tracking at speed 1 (run of 3000 ms) ==")
    print(f"{'network':12} {'wall s (min, median)':>21} | {'error % (min |.|, median)':>26} | "
          f"{'frame lag ms (median, p95)':>27} | {'real_time_factor (median)':>25}")
    for name in ("ei_network", "cuba"):
        runner = ready(Runner(network(name), name=f"bench-{name}"))
        walls, lags, factors = [], [], []
        for _ in range(repeats):
            wall, lag, factor = paced_run(runner, 1.0, 3000.0)
            walls.append(wall)
            lags += lag
            factors += factor[1:]  # the first frame's includes the run's start-up
        errors = [100.0 * (w / 3.0 - 1.0) for w in walls]
        print(f"{name:12} {min_median(walls):>21} | {min(errors, key=abs):+12.2f} {statistics.median(errors):+12.2f} | "
              f"{statistics.median(lags):13.1f} {percentile(lags, 95):13.1f} | {statistics.median(factors):25.3f}")
        runner.close()

    print("\n== speed control on one_neuron (each run ~2 s of wall time) ==")
    print(f"{'speed':>6} {'bio ms':>8} | {'achieved (min, median)':>23} | {'error % (median)':>16}")
    runner = ready(Runner(network("one_neuron"), name="bench-speeds"))
    for speed in (0.01, 0.1, 1.0, 10.0, "max"):
        t_ms = 2000.0 * (speed if speed != "max" else 10.0)
        achieved = [t_ms / 1000.0 / paced_run(runner, speed, t_ms)[0] for _ in range(repeats)]
        error = "" if speed == "max" else f"{100.0 * (statistics.median(achieved) / speed - 1.0):+16.2f}"
        print(f"{speed!s:>6} {t_ms:8.0f} | {min(achieved):11.3f} {statistics.median(achieved):11.3f} | {error:>16}")
    runner.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=50, help="latency samples per command")
    parser.add_argument("--sections", nargs="+", default=["overhead", "metrics", "threads", "latency", "realtime"],
                        choices=["overhead", "metrics", "threads", "latency", "realtime"])
    args = parser.parse_args(argv)
    print(f"kernels warmed up in {warm_up():.1f} s; repeats {args.repeats}")
    if "overhead" in args.sections:
        bench_overhead(args.repeats)
    if "metrics" in args.sections:
        bench_metrics(args.repeats)
    if "threads" in args.sections:
        bench_threads(args.repeats)
    if "latency" in args.sections:
        bench_latency(args.samples)
    if "realtime" in args.sections:
        bench_realtime(args.repeats)


if __name__ == "__main__":
    main()
