"""One training run of the design (engine.learning.Trainer) in a thread of its own, for the
learning panel.

The thread owns the Trainer and its simulators; the page never touches them while it runs.
After every learning-curve point (and held-out check) the thread leaves a `TrainingSnapshot`
(plain copies: curve, confusion matrix, receptive fields, best checkpoint, energy counts) in a
one-slot mailbox; the panel's periodic callback takes the newest, so a slow page skips
snapshots and memory never grows. `stop()` asks the Trainer to stop after its current sample
and joins the thread (the session's end calls it). Only when the thread has ended may the page
restore the best weights.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from engine import EngineError, Network
from engine.learning import Trainer, TrainingStopped, find_roles

THREAD_PREFIX = "snn-training"


@dataclass(frozen=True)
class TrainingOptions:
    samples: int = 0  # training samples per epoch (0: the whole training split)
    epochs: int = 1
    check_every: int = 100  # a held-out check every this many training samples
    n_check: int = 100  # held-out samples per check (0: the whole split)
    n_test: int = 0  # held-out samples at the end of each epoch (0: the whole split)
    dropout: float = 0.0


@dataclass(frozen=True)
class TrainingSnapshot:
    status: str  # "training", "done", "stopped", "failed"
    message: str
    curve: list  # the Trainer's learning-curve points (dicts)
    confusion: list | None  # rows true class, columns predicted: the newest held-out result
    fields: np.ndarray | None  # (n_learners, 8, 8) receptive fields, or (n_learners, n_inputs)
    labels: np.ndarray | None  # (n_learners,) the class each learner neuron votes for (-1: none yet)
    best: tuple | None  # (samples, held-out accuracy) of the early-stopping checkpoint
    energy: dict = field(default_factory=dict)  # synaptic_operations / dense_macs / energy_j _per_sample


def snapshot_of(trainer: Trainer, status: str, message: str) -> TrainingSnapshot:
    """Plain copies of what the panel shows (taken in the training thread, or after it ended)."""
    latest = trainer.checks[-1] if trainer.checks else None
    n_inputs = trainer.network.population(trainer.roles.inputs).size
    side = int(round(np.sqrt(n_inputs)))
    fields = trainer.receptive_fields((side, side) if side * side == n_inputs else None)
    energy = {} if latest is None else {"synaptic_operations_per_sample": latest.synaptic_operations_per_sample,
                                        "dense_macs_per_sample": latest.dense_macs_per_sample,
                                        "energy_j_per_sample": dict(latest.energy_j_per_sample)}
    best = None if trainer.best is None else (trainer.best.samples, trainer.best.accuracy_test)
    return TrainingSnapshot(status, message, [dict(p) for p in trainer.curve],
                            None if latest is None else [list(row) for row in latest.confusion_vote],
                            fields, trainer.vote.assignments.copy(), best, energy)


class TrainingJob:
    """A training run in its own thread; see the module docstring."""

    def __init__(self, network: Network, options: TrainingOptions):
        find_roles(network)  # a design it cannot train is refused here, before any thread
        self.network, self.options = network, options
        self.trainer: Trainer | None = None  # built in the thread (compiling takes seconds); set before any snapshot
        self._stopping = False
        self._lock = threading.Lock()
        self._latest: TrainingSnapshot | None = None
        self._thread = threading.Thread(target=self._main, name=f"{THREAD_PREFIX}-{id(self):x}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        if self.trainer is not None:
            self.trainer.stop_requested = True
        if self._thread.is_alive():
            self._thread.join(timeout)

    def take(self) -> TrainingSnapshot | None:
        """The newest snapshot since the last take (None: nothing new)."""
        with self._lock:
            latest, self._latest = self._latest, None
        return latest

    def _post(self, status: str, message: str) -> None:
        snapshot = snapshot_of(self.trainer, status, message)
        with self._lock:
            self._latest = snapshot

    def _main(self) -> None:
        options = self.options
        try:
            trainer = Trainer(self.network, check_every=options.check_every, n_check=options.n_check,
                              dropout=options.dropout)
            trainer.stop_requested = self._stopping
            self.trainer = trainer
            for epoch in range(options.epochs):
                trainer.train_epoch(options.samples, n_test=options.n_test,
                                    on_progress=lambda point, e=epoch: self._post(
                                        "training", f"epoch {e + 1} of {options.epochs}: {point['samples']} "
                                        "training samples seen"))
            result = trainer.epochs[-1]
            self._post("done", f"done: {sum(e.n_samples for e in trainer.epochs)} training samples in "
                               f"{sum(e.wall_s for e in trainer.epochs):.1f} s; held-out accuracy "
                               f"{result.test.accuracy_vote:.1%} (vote), {result.test.accuracy_linear:.1%} (linear)")
        except TrainingStopped:
            self._post("stopped", "stopped")
        except EngineError as error:  # a design the engine refuses mid-run (e.g. it blew up)
            if self.trainer is None:
                with self._lock:
                    self._latest = TrainingSnapshot("failed", f"training failed: {error}", [], None, None, None, None)
            else:
                self._post("failed", f"training failed: {error}")
