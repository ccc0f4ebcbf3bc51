"""Lessons 5-10 do what their text promises, measured on a headless run of the lesson's network
(the steps' conditions are checked both ways in test_lessons.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import Network, Simulator, analysis
from engine.io import evaluate_condition, load_lesson
from engine.learning.datasets import load_dataset
from engine.learning.source import schedule

LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"


def lesson_network(name: str, changes: dict | None = None) -> Network:
    """The lesson's network with {(target, field): value} changed."""
    network = load_lesson(LESSONS / f"{name}.json").network
    for (target, field), value in (changes or {}).items():
        network = network.replace_param(target, field, value)
    return network


def run(network: Network, t_ms: float) -> Simulator:
    sim = Simulator(network)
    sim.run(t_ms)
    return sim


def statistics(sim: Simulator, population: str, t_start: float, t_stop: float) -> analysis.PopulationStatistics:
    neurons, times = sim.spikes(population)
    size = sim.network.population(population).size
    return analysis.population_statistics(analysis.window(neurons, times, size, t_start, t_stop, sim.network.dt))


def isis(sim: Simulator) -> np.ndarray:
    return np.diff(sim.spikes("neuron")[1])


def test_izhikevich_regular_spiking_adapts_and_chattering_bursts():
    regular = isis(run(lesson_network("izhikevich_patterns"), 1000.0))
    assert regular[-1] > 1.5 * regular[0]  # the intervals lengthen (23.5 to 45 ms): adaptation through d
    chattering = isis(run(lesson_network("izhikevich_patterns", {("neuron", "d"): 2.0, ("neuron", "c"): -50.0}),
                          1000.0))
    short, long = chattering[chattering < 10.0], chattering[chattering > 20.0]
    assert short.size > 2 * long.size > 0  # bursts of spikes a few ms apart, long pauses between them


def test_adex_adapts_then_bursts_with_a_high_reset():
    adapting = isis(run(lesson_network("adex_patterns"), 1500.0))
    assert adapting[-1] > 3 * adapting[0] and np.ptp(adapting[-3:]) < 0.1 * adapting[-1]  # grows, then settles
    bursting = isis(run(lesson_network("adex_patterns", {("neuron", "V_reset"): -46.0}), 1500.0))[3:]
    assert bursting.min() < 0.2 * bursting.max()  # short intervals within bursts, long ones between


def presented(network: Network, source: str):
    params = network.population(source).model_class.validate(network.population(source).params, source)
    shown = schedule(params)
    return shown, load_dataset(params["dataset"]).frames[shown.samples]


def test_spike_codes_of_the_image_follow_the_pixels():
    network = lesson_network("spike_encoding", {("image → latency", "intensity"): 2.0})
    sim = run(network, 2000.0)
    shown, images = presented(network, "image → latency")
    values = images[:4, :, 0]  # the four digits of the first 2 s, (sample, pixel)
    # rate: the count of each pixel over the four digits follows its brightness (63.75 Hz x 0.35 s at x = 1)
    neurons, _times = sim.spikes("image rate code")
    counts = np.bincount(neurons, minlength=64)
    assert np.corrcoef(counts, values.sum(axis=0))[0, 1] > 0.9
    # latency: one spike per pixel with g x > 1, at tau ln(g x / (g x - 1)) after the onset (on the 0.1 ms grid)
    neurons, times = sim.spikes("image latency code")
    sample = np.searchsorted(shown.onsets, times, side="right") - 1
    drive = 2.0 * values[sample, neurons]
    expected = shown.onsets[sample] + 0.1 + 50.0 * np.log(drive / (drive - 1.0))  # + the 0.1 ms relay delay
    assert times.size == int((2.0 * values > 1.0).sum()) and np.abs(times - expected).max() <= 0.2
    # delta: a static image crosses its levels at the onset only
    _neurons, times = sim.spikes("image delta code")
    after_onset = times - shown.onsets[np.searchsorted(shown.onsets, times, side="right") - 1]
    assert times.size > 100 and after_onset.max() <= 0.3


def test_the_delta_code_of_the_signal_fires_where_a_channel_changes():
    network = lesson_network("spike_encoding")
    sim = run(network, 500.0)
    shown, signals = presented(network, "signal → delta")
    frame = signals[0]  # (channel, frame) of the first sample, values 0 or 1
    changes = np.abs(np.diff(np.concatenate([np.zeros((32, 1)), frame], axis=1), axis=1))
    neurons, times = sim.spikes("signal delta code")
    frame_of = np.floor((times - 0.1 + 1e-6) / 35.0).astype(int)
    per_cell = np.zeros_like(changes)
    np.add.at(per_cell, (neurons, frame_of), 1)
    assert np.array_equal(per_cell, 10 * changes)  # ten levels of 0.1 per change of 1, none where it holds


@pytest.mark.slow
def test_balanced_network_regimes_differ_in_cv_and_synchrony_as_published():
    """Brunel (2000) Fig. 8: SR (g = 3) regular and synchronous, AI (g = 5) irregular and asynchronous."""
    ai = run(lesson_network("balanced_network"), 1000.0)
    sr = run(lesson_network("balanced_network", {("inh→exc", "weight"): -1.5}), 1000.0)
    ai_stats, sr_stats = (statistics(sim, "exc", 500.0, 1000.0) for sim in (ai, sr))
    ai_chi, sr_chi = (analysis.chi_synchrony(analysis.window(*sim.spikes("exc"), 2000, 500.0, 1000.0, 0.1))
                      for sim in (ai, sr))
    assert ai_stats.mean_cv > 0.9 and sr_stats.mean_cv < 0.3
    assert sr_chi > 10 * ai_chi and ai_chi < 0.05
    assert 20 < ai_stats.mean_rate < 80 and sr_stats.mean_rate > 200  # SR: near the refractory limit


def volley_sizes(sim: Simulator, first_ms: float) -> list[float]:
    """Spikes per packet in each group, for the packets starting at first_ms every 200 ms."""
    sizes = []
    for group in range(1, 7):
        times = sim.spikes(f"group {group}")[1]
        phase = (times - first_ms) % 200.0
        sizes.append(float(np.sum(phase < 100.0)) * 200.0 / sim.t)
    return sizes


def test_synfire_sharp_packet_propagates_and_wide_or_weak_packet_dies():
    sim = run(lesson_network("synfire_chain"), 1000.0)
    sharp, wide = volley_sizes(sim, 50.0), volley_sizes(sim, 150.0)
    assert all(size >= 95 for size in sharp)  # every group answers with its 100 neurons
    assert wide[0] < 70 and wide[-1] < 2  # shrinks from group to group and dies
    weak = volley_sizes(run(lesson_network("synfire_chain", {("sharp packet→group 1", "weight"): 4.0}), 1000.0), 50.0)
    assert weak[0] < 90 and weak[-1] < 2
    bigger_wide = volley_sizes(run(lesson_network("synfire_chain", {("wide packet→group 1", "weight"): 7.0}), 1000.0),
                               150.0)
    assert bigger_wide[-1] >= 95


def test_winner_take_all_the_stronger_input_silences_the_other_group():
    sim = run(lesson_network("winner_take_all"), 1000.0)
    a, b = (statistics(sim, group, 300.0, 1000.0).mean_rate for group in ("A", "B"))
    assert a > 20 and b < 2
    sim = run(lesson_network("winner_take_all", {("input B", "rate"): 14000.0}), 1000.0)
    a, b = (statistics(sim, group, 300.0, 1000.0).mean_rate for group in ("A", "B"))
    assert b > 20 and a < 2
    sim = run(lesson_network("winner_take_all", {("inh", "V_th"): 0.0}), 1000.0)  # no inhibition: no winner
    a, b = (statistics(sim, group, 300.0, 1000.0).mean_rate for group in ("A", "B"))
    assert a > 20 and b > 20


SETTLE_MS = 300.0  # after a live change: the network forgets its old state before the window starts


def condition_now(sim: Simulator, step) -> object:
    neurons, times = sim.spikes(step.condition.population)
    size = sim.network.population(step.condition.population).size
    return evaluate_condition(step.condition, neurons, times, size, sim.t, sim.network.dt)


@pytest.mark.parametrize("name", ["izhikevich_patterns", "adex_patterns", "spike_encoding", "balanced_network",
                                  "synfire_chain", "winner_take_all"])
def test_steps_done_live_in_order_as_a_student_does_them(name):
    """One running simulation, as in the app: each step's condition, measured over the window
    after the previous change, does not hold; its change is made live; then it holds."""
    lesson = load_lesson(LESSONS / f"{name}.json")
    sim = Simulator(lesson.network)
    sim.run(max(step.condition.window_ms for step in lesson.steps) + SETTLE_MS)
    for number, step in enumerate(lesson.steps, start=1):
        assert lesson.network.is_live(step.target, step.field), f"step {number}: {step.field} is not live"
        before = condition_now(sim, step)
        assert not before.done, f"{name} step {number} holds before its change: {before.text}"
        sim.set_param(step.target, step.field, step.solution)
        sim.run(step.condition.window_ms + SETTLE_MS)
        after = condition_now(sim, step)
        assert after.done, f"{name} step {number} not met live after {step.field} = {step.solution}: {after.text}"
