"""The multi-threaded step against one thread, same network, same command. Prints; never asserts.

    .venv/bin/python benchmarks/bench_threads.py [--network brunel] [--threads 2] [--repeats 5]

Runs alternate (1, T, 1, T, ...) so machine noise hits both; reports min and median of the
simulation wall time for 1 s of biological time, and the speed-up min/min and median/median.
"""
import argparse
import statistics
import time
from pathlib import Path

from engine import Simulator, warm_up
from engine.io import load_network

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--network", default="brunel")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--t-sim", type=float, default=1000.0)
    args = parser.parse_args()
    warm_up()
    path = Path(args.network)
    network = load_network(path if path.suffix == ".json" else EXAMPLES / f"{args.network}.json")
    times = {1: [], args.threads: []}
    spikes = {}
    for _ in range(args.repeats):
        for threads in (1, args.threads):
            sim = Simulator(network, threads=threads)
            sim.run(10.0)  # first call of the (parallel) kernel in this process
            started = time.perf_counter()
            sim.run(args.t_sim)
            times[threads].append(time.perf_counter() - started)
            spikes[threads] = len(sim.spikes()[0])
    one, many = times[1], times[args.threads]
    print(f"{network.name}: {args.t_sim:g} ms, {args.repeats} repeats, alternating")
    print(f"  1 thread : min {min(one):.2f} s  median {statistics.median(one):.2f} s  ({spikes[1]:,} spikes)")
    print(f"  {args.threads} threads: min {min(many):.2f} s  median {statistics.median(many):.2f} s  ({spikes[args.threads]:,} spikes)")
    print(f"  speed-up: {min(one) / min(many):.2f}x (min/min), {statistics.median(one) / statistics.median(many):.2f}x (median)")


if __name__ == "__main__":
    main()
