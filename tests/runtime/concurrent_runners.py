"""Child process of tests/runtime/test_cores.py: several threaded Runners at once in one process.

    python tests/runtime/concurrent_runners.py LAYER MODE

LAYER is Numba's threading layer (set before Numba loads); MODE is "scheduled" (one RunScheduler
with two CPU slots, as the server) or "unscheduled" (no ticket: every Runner on two cores at
once). Each Runner's spikes must equal a Simulator(threads=2) run of the same seed, made alone
before. Prints one JSON line: {"layer", "equal", "workers", "spikes"}.
"""
import os
import sys

os.environ["NUMBA_THREADING_LAYER"] = sys.argv[1]

import json  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numba  # noqa: E402
import numpy as np  # noqa: E402

from engine import ClassLimits, Network, Population, Projection, RunScheduler, Runner, Simulator, warm_up  # noqa: E402
from engine.runtime import cores, simulator  # noqa: E402

N_RUNNERS = 3
T_MS = 150.0


def idle_machine() -> tuple[int, int]:
    """/proc/stat as on an idle machine: every jiffy since the last reading was idle."""
    idle_machine.jiffies += 1000
    return idle_machine.jiffies, idle_machine.jiffies


idle_machine.jiffies = 0


def network(seed: int) -> Network:
    return Network(name=f"net{seed}", seed=seed, populations=(
        Population("cells", "iaf_psc_delta", 2400),
        Population("drive", "poisson_generator", 1, params={"rate": 8000.0}),
    ), projections=(Projection("drive", "cells", weight=0.5, delay=1.0),
                    Projection("cells", "cells", weight=0.05, delay=1.0)))


def streamed(runner: Runner) -> tuple[np.ndarray, np.ndarray, int]:
    frames = runner.wait_for(lambda f: f.kind == "status" and f.message == "run finished", timeout=120)
    data = [f for f in frames if f.kind == "data"]
    neuron = np.concatenate([f.spike_neuron for f in data])
    time = np.concatenate([f.spike_time for f in data])
    return neuron, time, max(f.workers for f in data)


def main() -> None:
    mode = sys.argv[2]
    simulator.CoreMeter = lambda limit: cores.CoreMeter(limit, jiffies=idle_machine)
    warm_up()
    references = []
    for seed in range(N_RUNNERS):
        sim = Simulator(network(seed), threads=2)
        sim.run(T_MS)
        references.append(sim.spikes("cells"))
    scheduler = RunScheduler(ClassLimits(cpu_slots=2)) if mode == "scheduled" else None
    runners = [Runner(network(seed), threads=2, max_data_frames=100_000, name=f"r{seed}",
                      ticket=scheduler.ticket() if scheduler else None) for seed in range(N_RUNNERS)]
    results: list = [None] * N_RUNNERS

    def collect(index: int) -> None:
        results[index] = streamed(runners[index])

    for runner in runners:
        runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=120)
        runner.set_speed("max")
    collectors = [threading.Thread(target=collect, args=(i,)) for i in range(N_RUNNERS)]
    for runner, collector in zip(runners, collectors):
        collector.start()
        runner.run(T_MS)
    for collector in collectors:
        collector.join(180)
    for runner in runners:
        runner.close()
    equal = [bool(np.array_equal(r[0], ref[0]) and np.array_equal(r[1], ref[1])) for r, ref in zip(results, references)]
    print(json.dumps({"layer": numba.threading_layer(), "equal": equal, "workers": [r[2] for r in results],
                      "spikes": [int(r[0].size) for r in results]}))


if __name__ == "__main__":
    main()
