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
Results are plain data (EpochResult, Evaluation) for the CLI's summary.json and the designer's panel.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from engine.errors import ValidationError
from engine.learning.readout import DeltaReadout, VoteReadout, accuracy, confusion_matrix
from engine.learning.source import schedule
from engine.model.network import Network
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
class Trainer:
    network: Network
    seed: int | None = None
    roles: Roles = field(init=False)

    def __post_init__(self):
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

    def _present(self, split: str, epoch: int, n_samples: int):
        """Show a split through the source next: (its schedule, steps per sample, zeroed counts per sample)."""
        source = self.sim.network.population(self.roles.source).params
        self.sim.present(self.roles.source, split=split, epochs=1, n_samples=n_samples,
                         order_seed=int(source["order_seed"]) + 1000 * epoch)
        plan = schedule(self.sim.network.population(self.roles.source).params)
        steps = int(round((plan.presentation + plan.rest) / self.sim.dt))
        counts = np.zeros((plan.samples.size, self._learner.stop - self._learner.start), np.int64)
        return plan, steps, counts

    def _sample_counts(self, steps: int) -> np.ndarray:
        total = np.zeros(self._learner.stop - self._learner.start, np.int64)
        while steps > 0:
            block = self.sim.advance(steps)
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
            counts[k] = self._sample_counts(steps)
            self._normaliser.apply()
            online_vote.append(self.vote.predict(counts[k])[0])
            online_linear.append(self.linear.predict(counts[k])[0])
            self.vote.learn(counts[k], label)
            self.linear.learn(counts[k], label)
            epoch_vote.learn(counts[k], label)
            if (k + 1) % 50 == 0 or k + 1 == plan.labels.size:
                self._curve_point(online_vote, online_linear, plan.labels[:k + 1], time.perf_counter() - started)
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
        if result.test is not None:  # the curve's held-out points: one per epoch
            self.curve[-1] = {**self.curve[-1], "accuracy_test": result.test.accuracy_vote,
                              "accuracy_test_linear": result.test.accuracy_linear}
        return result

    def _curve_point(self, vote, linear, labels, wall_s: float) -> None:
        seen = sum(e.n_samples for e in self.epochs) + len(labels)
        trained_s = sum(e.wall_s for e in self.epochs) + wall_s  # training time so far, evaluations left out
        self.curve.append({"samples": seen, "wall_s": trained_s, "sim_ms": self.sim.t,
                           "accuracy_train_online": accuracy(vote[-50:], labels[-50:]),
                           "accuracy_train_linear": accuracy(linear[-50:], labels[-50:])})

    def evaluate(self, split: str = "test", n_samples: int = 0) -> Evaluation:
        """Both readouts on a split with learning off; nothing is learned from it."""
        started = time.perf_counter()
        self._set_learning(False)
        plan, steps, counts = self._present(split, 0, n_samples)
        for k in range(plan.labels.size):
            counts[k] = self._sample_counts(steps)
        self._set_learning(True)
        predicted = self.vote.predict(counts)
        return Evaluation(split, int(plan.labels.size), accuracy(predicted, plan.labels),
                          accuracy(self.linear.predict(counts), plan.labels),
                          confusion_matrix(predicted, plan.labels, self.n_classes).tolist(),
                          time.perf_counter() - started)

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
