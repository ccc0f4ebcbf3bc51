"""Lessons 11-16 (scripts/lessons_circuits.py): each step followed as the app follows it (one
running simulation, the parameter changed live, the condition measured over the window after
the change: not met before, met after), and the behaviour each text promises, measured."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import Simulator
from engine.analysis import rate_over_time, window
from engine.circuit_analysis import histogram_bimodality, pattern_latency
from engine.io import load_lesson, measure_condition
from engine.runtime.runner import plastic_summaries

LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"
# tested here step by step in one running simulation (their steps build on what ran before)
CIRCUIT_LESSONS = ("decision", "working_memory", "half_centre", "stdp_weights", "pattern_in_noise", "energy")
# time given to each change before its window (learning takes a while; a memory waits for the next cue)
SETTLE_MS = {"decision": 1500.0, "working_memory": 3000.0, "half_centre": 1000.0, "stdp_weights": 0.0,
             "pattern_in_noise": 10000.0, "energy": 500.0}


def measure_now(sim: Simulator, network, condition, lesioned_at: dict | None = None):
    """`lesioned_at`: population -> simulated ms of its last lesion (as the app's session keeps it)."""
    def spikes_of(name):
        return (*sim.spikes(name), network.population(name).size)

    def weights_of(name):
        summary = plastic_summaries(sim).get(name)
        return None if summary is None else (summary["counts"], summary["edges"])

    def lesion_of(name):
        dead = sim.lesioned(name)
        return (dead, (lesioned_at or {})[name]) if dead.size else None

    return measure_condition(condition, spikes_of, sim.t, network.dt, weights_of, lesion_of)


def make_change(sim: Simulator, network, step, lesioned_at: dict):
    """The step's change, live: a parameter (the network changes with it) or a lesion (it does not)."""
    if step.is_lesion:
        sim.lesion(step.target, fraction=step.solution, seed=0)  # the page's lesion control, seed 0
        lesioned_at[step.target] = sim.t
        return network
    sim.set_param(step.target, step.field, step.solution)
    return network.replace_param(step.target, step.field, step.solution)


def follow_steps(name: str, settle_ms: float):
    """(before, after) Measurements of each step: the window just before the change (after the
    previous step's), and the window after `settle_ms` past the change."""
    lesson = load_lesson(LESSONS / f"{name}.json")
    network, sim, found, lesioned_at = lesson.network, Simulator(lesson.network), [], {}
    for step in lesson.steps:
        sim.run(step.condition.window_ms)
        before = measure_now(sim, network, step.condition, lesioned_at)
        network = make_change(sim, network, step, lesioned_at)
        sim.run(settle_ms + step.condition.window_ms)
        found.append((before, measure_now(sim, network, step.condition, lesioned_at)))
    return found


@pytest.mark.parametrize("name", CIRCUIT_LESSONS)
def test_each_step_is_met_after_its_change_and_not_before(name):
    for number, (before, after) in enumerate(follow_steps(name, SETTLE_MS[name]), start=1):
        assert not before.done, f"{name} step {number} already holds before its change: {before.text}"
        assert after.done, f"{name} step {number} not met after its change: {after.text}"


def rates(sim: Simulator, population: str, size: int, t_stop: float, bin_ms: float) -> np.ndarray:
    return rate_over_time(sim.spikes(population)[1], 0.0, t_stop, sim.network.dt, bin_ms)[1] / size


def decide(network, seed: int, threshold_hz: float = 40.0, trial_ms: float = 1300.0):
    """One trial from t = 0: the first population whose rate (20 ms bins) passes threshold_hz,
    and when (the reaction time, ms); (None, None) when neither does."""
    sim = Simulator(network, seed=seed)
    sim.run(trial_ms)
    first = {}
    for name in ("A", "B"):
        above = np.flatnonzero(rates(sim, name, 100, trial_ms, 20.0) > threshold_hz)
        first[name] = (above[0] + 1) * 20.0 if above.size else np.inf
    winner = min(first, key=first.get)
    return (winner, first[winner]) if np.isfinite(first[winner]) else (None, None)


def test_decision_accuracy_rises_and_reaction_time_falls_with_evidence():
    """Seeded trials at three coherences c (rates mu0 (1 +- c)): from chance towards certainty."""
    network = load_lesson(LESSONS / "decision.json").network
    mu0 = network.population("evidence_A").params["rate"]
    accuracy, reaction = [], []
    for coherence in (0.0, 0.03, 0.1):
        trial_net = (network.replace_param("evidence_A", "rate", mu0 * (1 + coherence))
                     .replace_param("evidence_B", "rate", mu0 * (1 - coherence)))
        trials = [decide(trial_net, seed) for seed in range(1, 17)]
        assert all(winner is not None for winner, _ in trials)  # a decision is always made
        accuracy.append(np.mean([winner == "A" for winner, _ in trials]))
        reaction.append(np.median([rt for _, rt in trials]))
    assert 0.2 <= accuracy[0] <= 0.8  # chance at c = 0
    assert accuracy[0] < accuracy[1] <= accuracy[2] and accuracy[2] >= 0.95
    assert reaction[2] <= reaction[0]


def test_working_memory_holds_the_cue_after_it_is_gone():
    lesson = load_lesson(LESSONS / "working_memory.json")
    strong = lesson.network.replace_param("memory→memory", "weight", lesson.steps[0].solution)
    # the first cue: 500-600 ms; the delay after it: 800-3300 ms (the next cue comes at 3500 ms)
    for network, held in ((lesson.network, False), (strong, True)):
        sim = Simulator(network)
        sim.run(3400.0)
        per_100ms = rates(sim, "memory", 100, 3400.0, 100.0)
        assert per_100ms[5] >= 20.0  # the cue itself is answered either way
        delay = per_100ms[8:33].mean()
        assert (delay >= 20.0) if held else (delay <= 2.0), f"delay rate {delay:.1f} Hz"


def test_half_centre_sides_take_turns():
    """With mutual inhibition, the side that fires more in a 50 ms bin changes every few hundred
    ms, and each side leads about half the time."""
    lesson = load_lesson(LESSONS / "half_centre.json")
    network = lesson.network
    for step in lesson.steps[:2]:
        network = network.replace_param(step.target, step.field, step.solution)
    sim = Simulator(network)
    sim.run(10000.0)
    left, right = (rates(sim, name, 50, 10000.0, 50.0)[20:] for name in ("left", "right"))
    leader = np.sign(left - right)[np.abs(left - right) > 5.0]
    switches = int(np.count_nonzero(np.diff(leader)))
    assert 30 <= switches <= 120, switches  # 9.0 s: periods of 150 to 600 ms
    assert 0.35 <= np.mean(leader > 0) <= 0.65


def test_stdp_makes_the_weights_bimodal_and_the_correlated_group_wins():
    lesson = load_lesson(LESSONS / "stdp_weights.json")
    network = lesson.network.replace_param("relay→neuron", "learning", 1.0)
    wmax = network.projection("relay→neuron").synapse_params["Wmax"]
    sim = Simulator(network)
    sim.run(10000.0)
    summary = plastic_summaries(sim)["relay→neuron"]
    assert histogram_bimodality(summary["counts"], summary["edges"]) >= 0.65  # 0.56 at the uniform start
    counts = np.asarray(summary["counts"])
    outer, middle = counts[:4].sum() + counts[-4:].sum(), counts[8:12].sum()  # fifths of [0, Wmax]
    assert outer >= 3 * middle
    pre, _post, weights = sim.projection_synapses("relay→neuron")
    correlated = pre < 100  # the first 100 relays share the common train
    assert weights[correlated].mean() >= 0.75 * wmax and weights[~correlated].mean() <= 0.45 * wmax


def test_the_latency_to_the_hidden_pattern_shrinks_below_10_ms_as_the_neuron_learns():
    lesson = load_lesson(LESSONS / "pattern_in_noise.json")
    condition = lesson.steps[0].condition
    onsets = np.asarray(condition.onsets_ms)
    sim = Simulator(lesson.network.replace_param("relay→neuron", "learning", 1.0))
    latencies, in_pattern = [], []
    for _ in range(6):  # six windows of 2.5 s
        sim.run(2500.0)
        neurons, times = sim.spikes("neuron")
        w = window(neurons, times, 1, sim.t - 2500.0, sim.t, sim.network.dt)
        latencies.append(pattern_latency(w, onsets, condition.pattern_ms))
        inside = ((w.times[:, None] > onsets) & (w.times[:, None] <= onsets + condition.pattern_ms)).any(axis=1)
        in_pattern.append(inside.mean() if inside.size else 0.0)
    assert latencies[0] >= 25.0  # at first it fires anywhere (a miss counts 50 ms)
    assert latencies[-1] <= 10.0 and latencies[-1] < latencies[0] / 3
    assert in_pattern[-1] >= 0.7  # most of its spikes now answer the pattern (the pattern is ~20 % of the time)
