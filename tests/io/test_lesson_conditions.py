"""Lesson format 2: conditions on two populations, on a plastic projection's weights and on the
latency to a repeated pattern: read, written (with the oldest version that holds them),
refused with a message naming the field, and measured."""
import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from engine import ValidationError
from engine.io import Condition, lesson_from_json, lesson_to_json, load_lesson, measure_condition

LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"


@pytest.fixture(scope="module")
def half_centre() -> dict:
    return json.loads((LESSONS / "half_centre.json").read_text())


@pytest.fixture(scope="module")
def stdp() -> dict:
    return json.loads((LESSONS / "stdp_weights.json").read_text())


def refused(doc: dict) -> str:
    with pytest.raises(ValidationError) as info:
        lesson_from_json(json.dumps(doc), "broken", source="broken.json")
    return str(info.value)


def changed(doc: dict, change) -> dict:
    broken = copy.deepcopy(doc)
    change(broken)
    return broken


def test_version_2_is_written_only_when_a_step_needs_it(half_centre):
    assert half_centre["version"] == 2
    assert json.loads((LESSONS / "synapses.json").read_text())["version"] == 1  # only rate conditions, no plot
    assert json.loads((LESSONS / "lif_neuron.json").read_text())["version"] == 2  # its f-I plot
    lesson = load_lesson(LESSONS / "half_centre.json")
    assert lesson.steps[1].condition == Condition("alternation", "left", 0.8, None, 2000.0, other="right")
    assert json.loads(lesson_to_json(lesson)) == half_centre


def test_every_new_condition_kind_round_trips():
    for name in ("decision", "stdp_weights", "pattern_in_noise"):
        lesson = load_lesson(LESSONS / f"{name}.json")
        assert lesson_from_json(lesson_to_json(lesson), name) == lesson


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(version=1), "statistic 'contrast' needs lesson version 2 (the file says 1)"),
    (lambda d: d["steps"][0]["condition"].pop("other"), "step 1: condition: field 'other' must be non-empty text"),
    (lambda d: d["steps"][0]["condition"].update(other="drive"), "no neuron population 'drive'"),
    (lambda d: d["steps"][1]["condition"].update(other="left"), "'other' must be another population than 'left'"),
    (lambda d: d["steps"][1]["condition"].update(projection="left→right"),
     "step 2: condition: unknown field 'projection' for statistic 'alternation'"),
])
def test_a_broken_pair_condition_is_refused(half_centre, change, words):
    assert words in refused(changed(half_centre, change))


@pytest.mark.parametrize("change, words", [
    (lambda d: d["steps"][0]["condition"].update(projection="inhibition→neuron"),
     "no plastic projection 'inhibition→neuron' in the network (plastic: relay→neuron)"),
    (lambda d: d["steps"][0]["condition"].update(population="neuron"),
     "unknown field 'population' for statistic 'bimodality'"),
])
def test_a_broken_weight_condition_is_refused(stdp, change, words):
    assert words in refused(changed(stdp, change))


@pytest.mark.parametrize("change, words", [
    (lambda c: c.pop("onsets_ms"), "field 'onsets_ms' must be a non-empty list"),
    (lambda c: c.update(onsets_ms=[300.0, 100.0]), "field 'onsets_ms' must be increasing times from 0 ms"),
    (lambda c: c.update(onsets_ms=[100.0, "soon"]), "onsets_ms: field 'onset' must be a finite number, got 'soon'"),
    (lambda c: c.update(pattern_ms=0), "field 'pattern_ms' (the pattern's length, ms) must be positive"),
])
def test_a_broken_pattern_condition_is_refused(change, words):
    doc = json.loads((LESSONS / "pattern_in_noise.json").read_text())
    doc["network"]["network"]["populations"][0]["params"]["spike_times"] = [[5.0]]  # small: the test is the condition
    assert words in refused(changed(doc, lambda d: change(d["steps"][0]["condition"])))


def spikes_of(trains: dict):
    def read(name):
        neurons, times = trains[name]
        return np.asarray(neurons), np.asarray(times), 1
    return read


def test_measure_condition_on_two_populations_weights_and_a_pattern():
    left = np.arange(0.1, 1000.0, 10.0)  # 100 Hz
    right = np.arange(5.1, 1000.0, 20.0)  # 50 Hz
    trains = {"left": (np.zeros(left.size, int), left), "right": (np.zeros(right.size, int), right)}
    pair = Condition("contrast", "left", 0.3, None, 1000.0, other="right")
    measured = measure_condition(pair, spikes_of(trains), 1000.0, 0.1)
    assert measured.done and measured.value == pytest.approx(1 / 3, abs=1e-3) and measured.text == "contrast = 0.333"
    weights = Condition("bimodality", None, 0.9, None, 100.0, projection="relay→neuron")
    assert measure_condition(weights, spikes_of(trains), 1000.0, 0.1).text == "no weights of 'relay→neuron' yet"
    split = (np.r_[300, np.zeros(18, int), 300], np.linspace(0.0, 100.0, 21))
    assert measure_condition(weights, spikes_of(trains), 1000.0, 0.1, lambda _name: split).done
    pattern = Condition("pattern_latency", "left", None, 5.0, 1000.0, onsets_ms=(100.0, 500.0), pattern_ms=50.0)
    found = measure_condition(pattern, spikes_of(trains), 1000.0, 0.1)
    assert found.done and found.value == pytest.approx(0.1) and found.text == "pattern_latency = 0.1 ms"
    early = measure_condition(pair, spikes_of(trains), 500.0, 0.1)
    assert not early.done and math.isnan(early.value) and "run at least 1000 ms" in early.text
