"""The digits network (assets/examples/digits.json, Diehl & Cook 2015): one training epoch over the
training split and inference on the held-out split, per seed. Prints; never asserts.

    .venv/bin/python benchmarks/bench_learning.py                  # seeds 1, 2, 3, the whole splits
    .venv/bin/python benchmarks/bench_learning.py --seeds 1 --train 200 --test 100 --neurons 400

Each seed sets the network's seed (initial weights), the train/test cut and the presentation
order. Reported per seed: held-out accuracy (vote and delta-rule readouts), training accuracy,
wall time of the epoch and of inference (time.perf_counter, one core, whatever else runs on the
machine), simulated seconds per wall second, and CPU seconds (time.process_time) for comparison
on a loaded machine. Kernels are warmed before timing.
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


def seeded(network, seed: int, n_exc: int | None = None):
    """The network with its seeds set to `seed` (and, if given, n_exc excitatory and partner inhibitory neurons)."""
    pops = []
    for pop in network.populations:
        if pop.model == "data_source":
            pop = replace(pop, params={**pop.params, "split_seed": seed, "order_seed": seed})
        elif n_exc and pop.name in ("exc", "inh"):
            pop = replace(pop, size=n_exc)
        pops.append(pop)
    return replace(network, populations=tuple(pops), seed=seed)


def one_seed(network, seed: int, n_train: int, n_test: int, n_exc: int | None) -> dict:
    from engine.learning.trainer import Trainer

    trainer = Trainer(seeded(network, seed, n_exc))
    cpu = time.process_time()
    epoch = trainer.train_epoch(n_train, evaluate=False)
    train_cpu = time.process_time() - cpu
    cpu = time.process_time()
    test = trainer.evaluate("test", n_test)
    test_cpu = time.process_time() - cpu
    return {"seed": seed, "train_samples": epoch.n_samples, "test_samples": test.n_samples,
            "accuracy_test": test.accuracy_vote, "accuracy_test_linear": test.accuracy_linear,
            "accuracy_train": epoch.accuracy_train, "train_wall_s": epoch.wall_s, "train_cpu_s": train_cpu,
            "bio_per_wall": epoch.sim_s / epoch.wall_s, "test_wall_s": test.wall_s, "test_cpu_s": test_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--train", type=int, default=0, help="training digits (0: the whole training split)")
    parser.add_argument("--test", type=int, default=0, help="held-out digits (0: the whole held-out split)")
    parser.add_argument("--neurons", type=int, default=None, help="excitatory neurons (default: the example's)")
    args = parser.parse_args()
    from engine.io import load_network
    from engine.runtime import warm_up

    warm_up()
    network = load_network(HERE.parent / "assets" / "examples" / "digits.json")
    n_exc = args.neurons or network.population("exc").size
    print(f"digits: {n_exc} excitatory neurons, dt {network.dt} ms, 350 ms + 150 ms per digit")
    rows = []
    for seed in args.seeds:
        row = one_seed(network, seed, args.train, args.test, args.neurons)
        rows.append(row)
        print(f"seed {seed}: held-out {row['accuracy_test']:.1%} (vote), {row['accuracy_test_linear']:.1%} (linear) "
              f"on {row['test_samples']} digits; train {row['accuracy_train']:.1%} on {row['train_samples']}; "
              f"epoch {row['train_wall_s']:.1f} s wall ({row['train_cpu_s']:.1f} s CPU, "
              f"{row['bio_per_wall']:.1f} simulated s per wall s); inference {row['test_wall_s']:.1f} s wall "
              f"({row['test_cpu_s']:.1f} s CPU)", flush=True)
    if len(rows) > 1:
        for key in ("accuracy_test", "accuracy_test_linear", "train_wall_s", "test_wall_s"):
            values = [r[key] for r in rows]
            print(f"{key}: mean {statistics.mean(values):.3f}, min {min(values):.3f}, max {max(values):.3f}")


if __name__ == "__main__":
    main()
