"""Lesson format 3: lesion steps ("change": {"lesion": POPULATION}, the solution a fraction) and
their condition survivor_rate_change, read, written, refused with a message naming the field, and
measured: on hand-made spike trains, and on lesson 16 in one running simulation (not done before
the lesion, done after it, with what was measured)."""
import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from engine import Simulator, ValidationError
from engine.io import Condition, lesson_from_json, lesson_to_json, load_lesson, measure_condition

LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"


@pytest.fixture(scope="module")
def energy() -> dict:
    return json.loads((LESSONS / "energy.json").read_text())


def refused(doc: dict) -> str:
    with pytest.raises(ValidationError) as info:
        lesson_from_json(json.dumps(doc), "broken", source="broken.json")
    return str(info.value)


def test_lesson_16_is_version_3_and_its_lesion_steps_round_trip(energy):
    assert energy["version"] == 3
    lesson = load_lesson(LESSONS / "energy.json")
    first = lesson.steps[0]
    assert first.is_lesion and (first.target, first.solution) == ("exc", 0.2)
    assert first.condition == Condition("survivor_rate_change", "exc", -25.0, 25.0, 1000.0, lesion="exc",
                                        lesioned_min=0.2)
    assert not lesson.steps[2].is_lesion
    assert json.loads(lesson_to_json(lesson)) == energy
    assert "20% of 'exc' is lesioned" in first.condition.describe()


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(version=2), "step 1: change: a lesion step needs lesson version 3 (the file says 2)"),
    (lambda d: d["steps"][0]["change"].update(lesion="noise"), "step 1: change: no neuron population 'noise'"),
    (lambda d: d["steps"][0]["change"].update(lesion="ecx"), "step 1: change: no neuron population 'ecx'"),
    (lambda d: d["steps"][0]["change"].update(fraction=0.2), "step 1: change: unknown field 'fraction'"),
    (lambda d: d["steps"][0].update(solution=1.5), "step 1: field 'solution' of a lesion step (the fraction of 'exc'"),
    (lambda d: d["steps"][0].update(solution=0), "must be a number above 0 and at most 1"),
    (lambda d: d["steps"][0].pop("solution"), "step 1: field 'solution' of a lesion step"),
    (lambda d: d["steps"][0].update(solution=0.1), "solution 0.1 lesions less than the condition's lesioned_min 0.2"),
    (lambda d: d["steps"][0]["condition"].update(lesion="inh"), "condition: 'lesion' is 'inh' but the step lesions 'exc'"),
    (lambda d: d["steps"][0]["condition"].pop("lesion"), "step 1: condition: field 'lesion' must be non-empty text"),
    (lambda d: d["steps"][0]["condition"].update(lesioned_min=2), "field 'lesioned_min' (the fraction of 'exc' to lesion)"),
    (lambda d: d["steps"][0]["condition"].update(lesioned_min="most"), "field 'lesioned_min' must be a finite number"),
    (lambda d: d["steps"][0]["condition"].update(projection="exc→exc"),
     "unknown field 'projection' for statistic 'survivor_rate_change'"),
    (lambda d: d["steps"][0].update(condition={"statistic": "rate", "population": "exc", "min": 1}),
     "a lesion step's condition must be survivor_rate_change"),
    (lambda d: d["steps"][2]["condition"].update(statistic="survivor_rate_change", lesion="exc", lesioned_min=0.2),
     "step 3: a lesion step's condition must be survivor_rate_change, and survivor_rate_change belongs to a lesion step"),
    (lambda d: d["steps"][2]["change"].update(lesion="exc"), "step 3: change: unknown field 'field' (a lesion step's change is"),
])
def test_a_broken_lesion_step_is_refused_naming_the_field(energy, change, words):
    broken = copy.deepcopy(energy)
    change(broken)
    assert words in refused(broken)


def regular_trains(size: int, rate_hz: float, start: float, stop: float) -> tuple[np.ndarray, np.ndarray]:
    """Every neuron fires at rate_hz in (start, stop], in time order."""
    times = np.arange(start + 1000.0 / rate_hz, stop + 1e-9, 1000.0 / rate_hz)
    neurons, spikes = np.tile(np.arange(size), times.size), np.repeat(times, size)
    return neurons, np.round(spikes, 1)


def test_survivor_rate_change_on_hand_made_trains():
    """10 neurons at 10 Hz for 1 s; neurons 0-1 lesioned at 1000 ms; the 8 survivors then fire at 12 Hz: +20 %."""
    n1, t1 = regular_trains(10, 10.0, 0.0, 1000.0)
    n2, t2 = regular_trains(10, 12.0, 1000.0, 2000.0)
    alive = n2 >= 2
    neurons, times = np.concatenate([n1, n2[alive]]), np.concatenate([t1, t2[alive]])
    condition = Condition("survivor_rate_change", "exc", -25.0, 25.0, 1000.0, lesion="exc", lesioned_min=0.2)

    def spikes_up_to(t_now):
        keep = times <= t_now
        return lambda _name: (neurons[keep], times[keep], 10)

    dead = (np.array([0, 1]), 1000.0)
    none = measure_condition(condition, spikes_up_to(1000.0), 1000.0, 0.1, lesion_of=lambda _n: None)
    assert not none.done and "lesion at least 20% of 'exc' (now 0%)" in none.text
    too_few = measure_condition(condition, spikes_up_to(2000.0), 2000.0, 0.1, lesion_of=lambda _n: (np.array([0]), 1000.0))
    assert not too_few.done and "(now 10%)" in too_few.text
    waiting = measure_condition(condition, spikes_up_to(1500.0), 1500.0, 0.1, lesion_of=lambda _n: dead)
    assert not waiting.done and "measuring after the lesion (500 ms to go)" in waiting.text
    measured = measure_condition(condition, spikes_up_to(2000.0), 2000.0, 0.1, lesion_of=lambda _n: dead)
    assert measured.done and measured.value == pytest.approx(20.0)
    assert measured.text == "survivors' rate 10 → 12 Hz (+20 %), 20% of 'exc' lesioned"
    tight = Condition("survivor_rate_change", "exc", -10.0, 10.0, 1000.0, lesion="exc", lesioned_min=0.2)
    assert not measure_condition(tight, spikes_up_to(2000.0), 2000.0, 0.1, lesion_of=lambda _n: dead).done
    early = measure_condition(condition, spikes_up_to(2000.0), 2000.0, 0.1, lesion_of=lambda _n: (np.array([0, 1]), 20.0))
    assert not early.done and math.isnan(early.value) and "revive, run a while, and lesion again" in early.text


def test_lesson_16_lesion_steps_in_a_real_run_not_done_before_and_done_after():
    """One running simulation of lesson 16: 1 s, then 20 % of exc lesioned (the page's seed 0):
    step 1 is not met before, met 1.5 s after, with a survivors' rate near the intact one; then half
    of inh lesioned: step 2's excitatory survivors fire more than 30 % faster."""
    lesson = load_lesson(LESSONS / "energy.json")
    sim, network, lesioned_at = Simulator(lesson.network), lesson.network, {}

    def now(step):
        def lesion_of(name):
            dead = sim.lesioned(name)
            return (dead, lesioned_at[name]) if dead.size else None
        return measure_condition(step.condition, lambda name: (*sim.spikes(name), network.population(name).size),
                                 sim.t, network.dt, lesion_of=lesion_of)

    found = []
    for step in lesson.steps[:2]:
        sim.run(1000.0)
        before = now(step)
        assert step.is_lesion and not before.done and "lesion at least" in before.text
        sim.lesion(step.target, fraction=step.solution, seed=0)
        lesioned_at[step.target] = sim.t
        sim.run(500.0)
        assert "measuring after the lesion" in now(step).text
        sim.run(1000.0)
        found.append(now(step))
    graceful, fragile = found
    assert graceful.done and -25.0 <= graceful.value <= 25.0, graceful.text
    assert fragile.done and fragile.value >= 30.0, fragile.text
    assert sim.lesioned("exc").size == 80 and sim.lesioned("inh").size == 50
    assert "of 'inh' lesioned" in fragile.text and "→" in fragile.text
