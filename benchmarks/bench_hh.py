"""hh_psc_alpha's cost per neuron-step, this engine against NEST 3.10. Prints; never asserts.

    .venv/bin/python benchmarks/bench_hh.py               # 1,000 neurons, 1 s, 3 runs each
    .venv/bin/python benchmarks/bench_hh.py --neurons 5000 --repeats 5

The network: N hh_psc_alpha neurons under a DC current (dc_generator, 400 pA, below the
onset) and independent Poisson trains (excitatory 5 kHz x 60 pA, inhibitory 2 kHz x -60 pA),
so they fire irregularly. Measured as benchmarks/bench_engine.py measures (its children: each
simulator in its own fresh process, alternating, CPU time of Simulator.run / nest.Run only);
cost per neuron-step = sim CPU s / (N x steps).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_engine import measure, print_table  # noqa: E402  (one way of measuring for every benchmark)


def hh_network(n_neurons: int):
    from engine import Network, Population, Projection, Recording

    return Network(name=f"hh_psc_alpha x {n_neurons:,} under dc + Poisson", populations=(
        Population("hh", "hh_psc_alpha", n_neurons, record=Recording(spikes=True)),
        Population("dc", "dc_generator", 1, params={"amplitude": 400.0}),
        Population("exc_noise", "poisson_generator", 1, params={"rate": 5000.0}),
        Population("inh_noise", "poisson_generator", 1, params={"rate": 2000.0}),
    ), projections=(
        Projection("dc", "hh", weight=1.0, delay=1.0),
        Projection("exc_noise", "hh", weight=60.0, delay=1.0),
        Projection("inh_noise", "hh", weight=-60.0, delay=1.0),
    ))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=1000)
    parser.add_argument("--repeats", "-R", type=int, default=3, help="runs per simulator (default 3)")
    parser.add_argument("--t-sim", type=float, default=1000.0, help="ms (default 1000)")
    parser.add_argument("--dt", type=float, default=0.1, help="ms (default 0.1)")
    args = parser.parse_args(argv)

    from engine.io import save_network

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hh_bench.json"
        save_network(hh_network(args.neurons), path)
        result = measure(str(path), args.repeats, args.t_sim, args.dt, seed=1, with_nest=True)
    print_table(result)
    neuron_steps = args.neurons * round(args.t_sim / args.dt)
    costs = {}
    print(f"\ncost per neuron-step (sim CPU s / {neuron_steps:,} neuron-steps), {args.repeats} runs each:")
    for simulator, runs in result["runs"].items():
        ns = [run["sim_cpu_s"] / neuron_steps * 1e9 for run in runs]
        if ns:
            costs[simulator] = (min(ns), statistics.median(ns))
            print(f"  {simulator:6s} min {costs[simulator][0]:8.1f} ns   median {costs[simulator][1]:8.1f} ns")
    if len(costs) == 2:
        print(f"  engine / NEST: min {costs['engine'][0] / costs['nest'][0]:.2f}x, "
              f"median {costs['engine'][1] / costs['nest'][1]:.2f}x")


if __name__ == "__main__":
    main()
