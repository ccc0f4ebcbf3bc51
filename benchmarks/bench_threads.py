"""The multi-threaded step against one thread, same network, same command. Prints; never asserts.

    .venv/bin/python benchmarks/bench_threads.py [--network brunel] [--threads 2] [--repeats 3]
    .venv/bin/python benchmarks/bench_threads.py --modes idle contended

Runs alternate (1, T, 1, T, ...) so machine noise hits both; reports min and median of the
simulation wall time for 1 s of biological time, and the speed-up min/min and median/median.

Modes:
  idle       nothing of ours runs beside the simulation (other users' load stays: see uptime)
  contended  a CPU-bound process of this benchmark's own spins on the other cores for the
             whole mode (started before, stopped after), as a second job on a shared server
Targets (issue 12): idle, T threads >= 1.7x faster than 1; contended, no slower than 1.1x.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from engine import Simulator, warm_up
from engine.io import load_network

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
SPIN = "import time\nend = time.time() + 3600\nwhile time.time() < end:\n    pass\n"


def start_hogs(count: int) -> list[subprocess.Popen]:
    """`count` CPU-bound child processes (each stops on its own after an hour at the latest)."""
    return [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(count)]


def stop_hogs(hogs: list[subprocess.Popen]) -> None:
    for hog in hogs:
        hog.terminate()
    for hog in hogs:
        hog.wait(timeout=10)


def time_runs(network, threads: int, repeats: int, t_sim: float) -> tuple[dict, dict, dict]:
    """Alternating runs of 1 and `threads` threads: (wall s, spikes, workers used) per thread count."""
    times, spikes, workers = {1: [], threads: []}, {}, {}
    for _ in range(repeats):
        for count in (1, threads):
            sim = Simulator(network, threads=count)
            sim.run(10.0)  # first call of the (parallel) kernel in this process
            started = time.perf_counter()
            sim.run(t_sim)
            times[count].append(time.perf_counter() - started)
            spikes[count] = len(sim.spikes()[0])
            workers[count] = sim._cores.current if sim._cores is not None else 1
    return times, spikes, workers


def report(mode: str, threads: int, times: dict, spikes: dict, workers: dict) -> None:
    one, many = times[1], times[threads]
    print(f"  {mode}:")
    print(f"    1 thread : min {min(one):.2f} s  median {statistics.median(one):.2f} s  ({spikes[1]:,} spikes)")
    print(f"    {threads} threads: min {min(many):.2f} s  median {statistics.median(many):.2f} s  "
          f"({spikes[threads]:,} spikes; last block on {workers[threads]} core(s))")
    print(f"    speed-up: {min(one) / min(many):.2f}x (min/min), "
          f"{statistics.median(one) / statistics.median(many):.2f}x (median)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--network", default="brunel")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--t-sim", type=float, default=1000.0)
    parser.add_argument("--modes", nargs="+", choices=("idle", "contended"), default=["idle", "contended"])
    args = parser.parse_args()
    warm_up()
    path = Path(args.network)
    network = load_network(path if path.suffix == ".json" else EXAMPLES / f"{args.network}.json")
    print(f"{network.name}: {args.t_sim:g} ms, {args.repeats} repeats, alternating; "
          f"load average before {os.getloadavg()[0]:.1f}")
    for mode in args.modes:
        hogs = start_hogs(max(1, (os.cpu_count() or 2) - 1)) if mode == "contended" else []
        try:
            times, spikes, workers = time_runs(network, args.threads, args.repeats, args.t_sim)
        finally:
            stop_hogs(hogs)
        report(mode, args.threads, times, spikes, workers)


if __name__ == "__main__":
    main()
