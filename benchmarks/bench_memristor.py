"""A memristive projection with every non-ideality on against the plain plastic one: Brunel (2000)
with plastic E->E synapses (benchmarks/make_plastic_brunel.py), the same network with the E->E
weights in 'faulty'-preset devices plus PCM drift and read noise on a differential pair. Prints
wall and CPU seconds (time.process_time: steadier on a shared machine) per run, min and median of
alternating repeats, and their ratios; never asserts. The target (issue 15): memristive at most 2x plain.

    .venv/bin/python benchmarks/bench_memristor.py                # scale 0.2, 500 ms, 5 repeats
    .venv/bin/python benchmarks/bench_memristor.py --scale 0.1 --t-sim 300 --repeats 3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from make_plastic_brunel import plastic_brunel  # noqa: E402

from engine import Simulator  # noqa: E402
from engine.model.memristor import preset  # noqa: E402


def every_non_ideality():
    """The 'faulty' preset with drift and a differential pair too: each code path of the device on."""
    return replace(preset("faulty"), drift_nu=0.05, drift_t0=10.0, mapping="differential")


def timed_run(network, t_sim: float) -> tuple[float, float]:
    """(wall s, CPU s) of t_sim ms of one fresh Simulator."""
    sim = Simulator(network, seed=1)
    sim.run(20.0)  # kernels and first-touch of the arrays outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    sim.run(t_sim)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--t-sim", type=float, default=500.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    plain = plastic_brunel(args.scale)
    memristive = plain.replace_projection("exc→exc", memristor=every_non_ideality())
    timed_run(plain, 10.0), timed_run(memristive, 10.0)  # compile or load the kernels
    runs = {"plain": [], "memristive": []}
    for _ in range(args.repeats):  # alternating, so a busy moment hits both
        runs["plain"].append(timed_run(plain, args.t_sim))
        runs["memristive"].append(timed_run(memristive, args.t_sim))
    n_syn = Simulator(plain).compiled.plastic.target.size
    print(f"brunel scale {args.scale:g}: {n_syn:,} plastic E->E synapses, {args.t_sim:g} ms, {args.repeats} repeats")
    for column, what in ((0, "wall"), (1, "CPU")):
        values = {name: [run[column] for run in found] for name, found in runs.items()}
        for name, found in values.items():
            print(f"  {what:4s} {name:10s} min {min(found):.3f} s  median {statistics.median(found):.3f} s")
        print(f"  {what:4s} ratio memristive / plain: min {min(values['memristive']) / min(values['plain']):.2f}, "
              f"median {statistics.median(values['memristive']) / statistics.median(values['plain']):.2f} "
              "(target <= 2)")


if __name__ == "__main__":
    main()
