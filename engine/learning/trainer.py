"""Training without labels and measuring what was learned (Diehl & Cook 2015, Front. Comput.
Neurosci. 9:99: STDP from the inputs, adaptive thresholds, lateral inhibition, weight normalisation).

The network says what is what: one data_source population (the input), a plastic projection
(stdp_synapse) from it into an iaf_psc_exp_adaptive population (the learner), and whatever
inhibition the design adds. A `Trainer` runs it sample by sample in one Simulator:
  training epoch   the training split in a new order, STDP on; after every sample the plastic
                   input weights into each learner neuron are scaled to sum to its
                   input_weight_total; counts of each sample feed the readouts (predict, then learn)
  evaluation       the held-out split, STDP and threshold growth off (theta frozen), both readouts
                   predict from the counts; nothing of it is learned
  held-out checks   every `check_every` training samples, the first `n_check` held-out digits are
                   classified by a second Simulator of the same network holding a copy of the current
                   weights and thresholds (learning off), so the training run is not disturbed; they
                   make the learning curve's held-out points and the early-stopping checkpoint
  early stopping   `best` keeps the weights, thresholds and readouts of the best held-out accuracy
                   seen; `restore_best()` puts them back (the held-out split then acts as the
                   validation split that chooses the checkpoint)
  dropout          a fraction of the learner neurons is silenced during each training sample (their
                   threshold raised out of reach for that sample, then put back exactly); not during
                   evaluation
Evaluations count synaptic operations per classified sample against the multiply-accumulates of one
pass of the same layers as a dense network (engine.neuromorphic's counts).
Results are plain data (EpochResult, Evaluation) for the CLI's summary.json and the designer's panel.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from engine.errors import ValidationError
from engine.learning.readout import DeltaReadout, VoteReadout, accuracy, confusion_matrix
from engine.learning.source import schedule
from engine.model.network import Network
from engine.neuromorphic import estimate_energy
from engine.runtime.simulator import Simulator


@dataclass(frozen=True)
class Roles:
    source: str  # the data_source population
    learner: str  # the iaf_psc_exp_adaptive population its plastic projection feeds
    projection: str  # that projection's name
    inputs: str  # the projection's presynaptic population: the source or a parrot relay of it


def find_roles(network: Network) -> Roles:
    """The input, the learner and the plastic projection between them (ValidationError if unclear)."""
    sources = [p.name for p in network.populations if p.model == "data_source"]
    if len(sources) != 1:
        raise ValidationError(f"training: network '{network.name}' needs exactly one data_source population "
                              f"(has {len(sources)})")
    relays = {sources[0]} | {proj.post for proj in network.projections if proj.pre == sources[0]
                             and network.population(proj.post).model == "parrot_neuron"}
    plastic = [proj for proj in network.projections if proj.pre in relays and proj.synapse == "stdp_synapse"
               and network.population(proj.post).model == "iaf_psc_exp_adaptive"]
    if len(plastic) != 1:
        raise ValidationError(f"training: network '{network.name}' needs one stdp_synapse projection from "
                              f"'{sources[0]}' (or its parrot_neuron relay) into an iaf_psc_exp_adaptive "
                              f"population (has {len(plastic)})")
    return Roles(sources[0], plastic[0].post, plastic[0].name, plastic[0].pre)


def is_trainable(network: Network) -> bool:
    return any(p.model == "data_source" for p in network.populations)


@dataclass
class Evaluation:
    split: str
    n_samples: int
    accuracy_vote: float
    accuracy_linear: float
    confusion_vote: list  # rows: true class, columns: predicted
    wall_s: float
    synaptic_operations_per_sample: float = 0.0  # spikes x out-degree, per classified sample
    dense_macs_per_sample: float = 0.0  # one pass of the same layers as a dense network
    energy_j_per_sample: dict = field(default_factory=dict)  # target -> joules per classified sample (estimate)


@dataclass
class EpochResult:
    epoch: int
    n_samples: int
    accuracy_train: float  # vote with the epoch's final labels over the epoch's training samples
    accuracy_train_online: float  # vote, each sample predicted before it was learned
    accuracy_train_linear: float  # delta-rule readout, predicted before learned
    test: Evaluation | None
    wall_s: float
    sim_s: float  # simulated seconds of the epoch


@dataclass
class Checkpoint:
    """What early stopping keeps: the state of the best held-out check."""

    samples: int  # training samples seen when it was taken
    accuracy_test: float
    weights: np.ndarray  # the plastic projection's weights
    theta: np.ndarray  # the learner's adaptive thresholds
    vote: VoteReadout
    linear: DeltaReadout


class TrainingStopped(Exception):
    """Raised inside train_epoch / evaluate once `Trainer.stop_requested` is set (from another thread)."""


MAX_DROPOUT = 0.9
DROPPED_THETA_MV = 1e6  # a threshold no input reaches: the neuron cannot fire during the sample


@dataclass
class Trainer:
    network: Network
    seed: int | None = None
    check_every: int = 0  # a held-out check every this many training samples (0: only after each epoch)
    n_check: int = 100  # held-out samples per check (0: the whole split)
    dropout: float = 0.0  # fraction of learner neurons silenced during each training sample
    roles: Roles = field(init=False)

    def __post_init__(self):
        self._check_options()
        self.roles = find_roles(self.network)
        self.sim = Simulator(self.network, seed=self.seed, keep_history=False)
        source = self.network.population(self.roles.source).params
        self.n_classes = int(schedule({**source, "split": "all", "n_samples": 0, "epochs": 1}).labels.max()) + 1
        n_learners = self.network.population(self.roles.learner).size
        self.vote = VoteReadout(n_learners, self.n_classes)
        self.linear = DeltaReadout(n_learners, self.n_classes)
        self.epochs: list[EpochResult] = []
        self.curve: list[dict] = []  # one point per 50 training samples: samples seen, time, accuracies
        self._learner = self.sim.compiled.pop_slice(self.roles.learner)
        self._normaliser = _Normaliser(self.sim, self.roles, self.network)
        self._learning_params = dict(self.network.population(self.roles.learner).params)
        self.best: Checkpoint | None = None
        self.checks: list[Evaluation] = []  # the held-out checks, in order
        self._checker: Simulator | None = None  # built at the first check
        self._dropout_rng = np.random.default_rng([self.sim.seed, 4047])
        self.stop_requested = False  # set from another thread: the run stops after the current sample

    def _check_options(self) -> None:
        for name in ("check_every", "n_check"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValidationError(f"training: {name} must be a whole number >= 0, got {value!r}")
        if not 0.0 <= float(self.dropout) <= MAX_DROPOUT:
            raise ValidationError(f"training: dropout must lie between 0 and {MAX_DROPOUT} (a fraction of the "
                                  f"learner neurons), got {self.dropout!r}")

    def _present(self, split: str, epoch: int, n_samples: int, sim: Simulator | None = None):
        """Show a split through the source next: (its schedule, steps per sample, zeroed counts per sample)."""
        sim = sim or self.sim
        source = sim.network.population(self.roles.source).params
        sim.present(self.roles.source, split=split, epochs=1, n_samples=n_samples,
                    order_seed=int(source["order_seed"]) + 1000 * epoch)
        plan = schedule(sim.network.population(self.roles.source).params)
        steps = int(round((plan.presentation + plan.rest) / sim.dt))
        counts = np.zeros((plan.samples.size, self._learner.stop - self._learner.start), np.int64)
        return plan, steps, counts

    def _sample_counts(self, steps: int, sim: Simulator | None = None) -> np.ndarray:
        sim = sim or self.sim
        total = np.zeros(self._learner.stop - self._learner.start, np.int64)
        if self.stop_requested:
            raise TrainingStopped()
        while steps > 0:
            block = sim.advance(steps)
            steps -= block.n_steps
            mine = block.spike_neuron[(block.spike_neuron >= self._learner.start)
                                      & (block.spike_neuron < self._learner.stop)]
            total += np.bincount(mine - self._learner.start, minlength=total.size)
        return total

    def _set_learning(self, on: bool) -> None:
        self.sim.set_param(self.roles.projection, "learning", 1.0 if on else 0.0)
        self.sim.set_param(self.roles.learner, "theta_plus", self._learning_params["theta_plus"] if on else 0.0)

    def train_epoch(self, n_samples: int = 0, evaluate: bool = True, n_test: int = 0,
                    on_progress: Callable[[dict], None] | None = None) -> EpochResult:
        """One pass over the training split (its first n_samples if > 0), then (optionally) the test split
        (its first n_test if > 0). `on_progress` gets each learning-curve point as it is made."""
        started, t0 = time.perf_counter(), self.sim.t
        self._set_learning(True)
        plan, steps, counts = self._present("train", len(self.epochs), n_samples)
        epoch_vote = VoteReadout(counts.shape[1], self.n_classes)
        online_vote, online_linear = [], []
        for k, label in enumerate(plan.labels):
            dropped = self._drop_out()
            counts[k] = self._sample_counts(steps)
            self._put_back(dropped, steps)
            self._normaliser.apply()
            online_vote.append(self.vote.predict(counts[k])[0])
            online_linear.append(self.linear.predict(counts[k])[0])
            self.vote.learn(counts[k], label)
            self.linear.learn(counts[k], label)
            epoch_vote.learn(counts[k], label)
            check = self.check_every > 0 and (k + 1) % self.check_every == 0 and k + 1 < plan.labels.size
            if (k + 1) % 50 == 0 or k + 1 == plan.labels.size or check:
                self._curve_point(online_vote, online_linear, plan.labels[:k + 1], time.perf_counter() - started)
                if check:
                    self._held_out_check()
                if on_progress is not None:
                    on_progress(self.curve[-1])
        self.vote = epoch_vote  # labels from the latest weights: the epoch's own responses
        sim_s = (self.sim.t - t0) * 1e-3
        wall_s = time.perf_counter() - started
        result = EpochResult(len(self.epochs) + 1, int(plan.labels.size),
                             accuracy(self.vote.predict(counts), plan.labels),
                             accuracy(online_vote, plan.labels), accuracy(online_linear, plan.labels),
                             self.evaluate("test", n_test) if evaluate else None, wall_s, sim_s)
        self.epochs.append(result)
        if result.test is not None:  # the curve's held-out point at the end of the epoch
            self._note_check(result.test)
        return result

    def _curve_point(self, vote, linear, labels, wall_s: float) -> None:
        seen = sum(e.n_samples for e in self.epochs) + len(labels)
        trained_s = sum(e.wall_s for e in self.epochs) + wall_s  # training time so far, evaluations left out
        self.curve.append({"samples": seen, "wall_s": trained_s, "sim_ms": self.sim.t,
                           "accuracy_train_online": accuracy(vote[-50:], labels[-50:]),
                           "accuracy_train_so_far": accuracy(vote, labels),  # this epoch's samples, each before learned
                           "accuracy_train_linear": accuracy(linear[-50:], labels[-50:])})

    def evaluate(self, split: str = "test", n_samples: int = 0, sim: Simulator | None = None) -> Evaluation:
        """Both readouts on a split with learning off; nothing is learned from it."""
        started = time.perf_counter()
        sim = sim or self.sim
        if sim is self.sim:
            self._set_learning(False)
        plan, steps, counts = self._present(split, 0, n_samples, sim)
        sim.track_efficiency(True)
        for k in range(plan.labels.size):
            counts[k] = self._sample_counts(steps, sim)
        metrics = sim.efficiency_metrics(n_inferences=max(int(plan.labels.size), 1))
        sim.track_efficiency(False)
        if sim is self.sim:
            self._set_learning(True)
        predicted = self.vote.predict(counts)
        energy = {name: e["energy_j_per_inference"] for name, e in estimate_energy(metrics).items()}
        return Evaluation(split, int(plan.labels.size), accuracy(predicted, plan.labels),
                          accuracy(self.linear.predict(counts), plan.labels),
                          confusion_matrix(predicted, plan.labels, self.n_classes).tolist(),
                          time.perf_counter() - started, metrics.per_inference("synaptic_operations") or 0.0,
                          float(self.dense_macs_per_sample()), energy)

    def dense_macs_per_sample(self) -> int:
        """Multiply-accumulates of one pass through the same layers as a dense network: n_pre x n_post
        for every projection of the trained network (a parrot relay of the input is no layer)."""
        relay = self.roles.inputs != self.roles.source
        return sum(self.network.population(p.pre).size * self.network.population(p.post).size
                   for p in self.network.projections
                   if not (relay and p.pre == self.roles.source and p.post == self.roles.inputs))

    # -- held-out checks and early stopping ---------------------------------------------------------
    def _held_out_check(self) -> Evaluation:
        """The first n_check held-out samples, classified with a copy of the current weights."""
        if self._checker is None:
            self._checker = Simulator(self.network, seed=self.sim.seed, keep_history=False)
            self._checker.set_param(self.roles.projection, "learning", 0.0)
            self._checker.set_param(self.roles.learner, "theta_plus", 0.0)
        plastic, index, learner = self._checker.compiled.plastic.weight, self._normaliser.index, self._learner
        plastic[index] = self.sim.compiled.plastic.weight[index]
        self._checker.compiled.state.theta[learner] = self.sim.compiled.state.theta[learner]
        evaluation = self.evaluate("test", self.n_check, sim=self._checker)
        self._note_check(evaluation)
        return evaluation

    def _note_check(self, evaluation: Evaluation) -> None:
        """A held-out result: on the learning curve's newest point, and kept if it is the best so far."""
        self.checks.append(evaluation)
        self.curve[-1] = {**self.curve[-1], "accuracy_test": evaluation.accuracy_vote,
                          "accuracy_test_linear": evaluation.accuracy_linear}
        if self.best is None or evaluation.accuracy_vote > self.best.accuracy_test:
            index = self._normaliser.index
            self.best = Checkpoint(self.curve[-1]["samples"], evaluation.accuracy_vote,
                                   self.sim.compiled.plastic.weight[index].copy(),
                                   self.sim.compiled.state.theta[self._learner].copy(),
                                   copy.deepcopy(self.vote), copy.deepcopy(self.linear))

    def restore_best(self) -> Checkpoint:
        """Early stopping: the weights, thresholds and readouts of the best held-out check back in place."""
        if self.best is None:
            raise ValidationError("training: no held-out check yet, so there are no best weights to restore")
        self.sim.compiled.plastic.weight[self._normaliser.index] = self.best.weights
        self.sim.compiled.state.theta[self._learner] = self.best.theta
        self.vote, self.linear = copy.deepcopy(self.best.vote), copy.deepcopy(self.best.linear)
        return self.best

    # -- dropout ---------------------------------------------------------------------------------------
    def _drop_out(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Silence a random `dropout` fraction of the learner for the next sample: (their indices, thetas)."""
        if self.dropout <= 0:
            return None
        size = self._learner.stop - self._learner.start
        dropped = self._learner.start + np.flatnonzero(self._dropout_rng.random(size) < self.dropout)
        theta = self.sim.compiled.state.theta
        kept = theta[dropped].copy()
        theta[dropped] += DROPPED_THETA_MV
        return dropped, kept

    def _put_back(self, dropped: tuple[np.ndarray, np.ndarray] | None, steps: int) -> None:
        """The silenced neurons' thresholds as they would be now: decayed, never raised (they did not fire)."""
        if dropped is None:
            return
        index, kept = dropped
        decay = np.exp(-steps * self.sim.dt / self._learning_params["tau_theta"])
        self.sim.compiled.state.theta[index] = kept * decay

    def receptive_fields(self, shape: tuple[int, int] | None = (8, 8)) -> np.ndarray:
        """(n_learners, *shape) the learned input weights of each learner neuron (its receptive field)."""
        pre, post, weight = self.sim.projection_synapses(self.roles.projection)
        n_in = self.network.population(self.roles.inputs).size
        fields = np.zeros((self._learner.stop - self._learner.start, n_in))
        fields[post, pre] = weight
        return fields.reshape((-1, *shape)) if shape else fields


class _Normaliser:
    """Diehl & Cook's weight normalisation: the plastic input weights into each learner neuron are
    scaled to sum to input_weight_total (no-op when it is 0)."""

    def __init__(self, sim: Simulator, roles: Roles, network: Network):
        c = sim.compiled
        self.weight = c.plastic.weight
        self.index = np.flatnonzero(c.plastic.proj == c.plastic_names.index(roles.projection))
        start = c.layout.pop_start[c.pop_index(roles.learner)]
        self.target = c.plastic.target[self.index] - start
        self.total = float(network.population(roles.learner).params["input_weight_total"])
        self.size = network.population(roles.learner).size

    def apply(self) -> None:
        if self.total <= 0:
            return
        w = self.weight[self.index]
        sums = np.bincount(self.target, weights=w, minlength=self.size)
        factor = np.where(sums > 0, self.total / np.where(sums > 0, sums, 1.0), 1.0)
        self.weight[self.index] = w * factor[self.target]
