"""Headless training: `snn-designer run` on a network with a data_source trains and evaluates it.

Epochs come from the data_source's `epochs`; each trains on the training split (its first
n_samples if set) and then measures both readouts on the whole held-out split. The summary
(summary.json) holds per epoch `accuracy_train` and `accuracy_test` (the vote readout), the
delta-rule readout's, the confusion matrix, timings and the learning curve, and for the last
held-out evaluation the energy per inference: synaptic operations per classified sample against
the multiply-accumulates of the same layers as a dense network, and the estimated joules per
sample on each target of engine.neuromorphic's table. With `out_dir` the trained network (fixed
weights and thresholds, engine.learning.export) is written there as `<name>_trained.nir`.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from engine.learning.trainer import Trainer, is_trainable
from engine.model.network import Network

__all__ = ["is_trainable", "train_and_evaluate"]


def train_and_evaluate(network: Network, log=print, out_dir: str | Path | None = None) -> dict:
    """Train `network` epoch by epoch and return the summary (plain data, JSON-ready)."""
    from engine.runtime import warm_up

    warm_s = warm_up()
    started = time.perf_counter()
    trainer = Trainer(network)
    build_s = time.perf_counter() - started
    source = network.population(trainer.roles.source).params
    for _ in range(int(source["epochs"])):
        result = trainer.train_epoch(int(source["n_samples"]))
        log(f"epoch {result.epoch}: {result.n_samples} training digits in {result.wall_s:.1f} s "
            f"({result.sim_s / result.wall_s:.1f} simulated s per s); accuracy train {result.accuracy_train:.1%}, "
            f"held-out {result.test.accuracy_vote:.1%} (vote), {result.test.accuracy_linear:.1%} (linear readout)")
    epochs = [asdict(e) for e in trainer.epochs]
    learner = network.population(trainer.roles.learner)
    summary = {
        "network": network.name, "dt_ms": trainer.sim.dt, "seed": trainer.sim.seed, "warm_s": warm_s,
        "build_s": build_s, "learner": learner.name, "n_learner_neurons": learner.size,
        "accuracy_train": [e["accuracy_train"] for e in epochs],
        "accuracy_test": [e["test"]["accuracy_vote"] for e in epochs],
        "accuracy_test_linear": [e["test"]["accuracy_linear"] for e in epochs],
        "training_samples": sum(e["n_samples"] for e in epochs),
        "train_wall_s": sum(e["wall_s"] for e in epochs),
        "epochs": epochs,
        "learning_curve": trainer.curve,
        "neuron_labels": trainer.vote.assignments.tolist(),
    }
    last = trainer.epochs[-1].test
    summary["energy_per_inference"] = {
        "synaptic_operations_per_sample": last.synaptic_operations_per_sample,
        "dense_macs_per_sample": last.dense_macs_per_sample,
        "synaptic_operations_per_dense_mac": last.synaptic_operations_per_sample / max(last.dense_macs_per_sample, 1.0),
        "energy_j_per_sample": last.energy_j_per_sample}
    if out_dir is not None:
        from engine.learning.export import write_trained_nir

        summary["trained_nir"] = write_trained_nir(trainer, Path(out_dir) / f"{network.name}_trained.nir").name
    return summary
