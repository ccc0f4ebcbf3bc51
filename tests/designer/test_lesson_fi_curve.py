"""Lesson 1's f-I plot outside a browser: each current the student runs adds a measured point
within 2 % of the analytic LIF curve; a new neuron (t_ref) starts a new curve; reset clears it."""
from __future__ import annotations

import pytest
from test_lesson_panel import run_until

from designer.main import DesignerApp
from engine import analysis


@pytest.fixture
def app(lesson_app):
    return lesson_app


def points(app) -> list[tuple[float, float, float]]:
    data = app.lesson.fi_curve.measured.data
    return list(zip(data["current"], data["rate"], data["expected"]))


def test_each_current_run_adds_a_point_on_the_analytic_curve(app):
    panel = app.lesson
    assert panel.fi_pane.visible and points(app) == []
    curve = panel.fi_curve.analytic.data
    assert curve["rate"][0] == 0.0 and max(curve["rate"]) > 50  # 0 below the 375 pA rheobase, rising above
    t = 0.0
    for amplitude in (300.0, 400.0, 500.0, 700.0, 1000.0):
        app.state.set_population_params("current", {"amplitude": amplitude})
        t = app.recorded.t + (1300.0 if amplitude == 300.0 else 500.0)  # silence needs QUIET_MS to count as 0 Hz
        run_until(app, t)
        panel.evaluate()
    measured = points(app)
    assert [current for current, _, _ in measured] == [300.0, 400.0, 500.0, 700.0, 1000.0]
    assert measured[0][1] == 0.0 and measured[0][2] == 0.0  # below the rheobase: silent, as the curve says
    for current, rate, expected in measured[1:]:
        assert expected == pytest.approx(analysis.lif_rate(current, 250.0, 10.0, 2.0, -55.0, -70.0, -70.0))
        assert rate == pytest.approx(expected, rel=0.02), f"{current} pA: measured {rate:.2f} Hz, analytic {expected:.2f} Hz"
    assert 30 < measured[1][1] < 37 and measured[-1][1] > 100


def test_a_new_refractory_period_starts_a_new_curve_and_reset_clears_it(app):
    panel = app.lesson
    app.state.set_population_params("current", {"amplitude": 600.0})
    run_until(app, 400.0)
    panel.evaluate()
    assert len(points(app)) == 1
    before = max(panel.fi_curve.analytic.data["rate"])
    app.state.set_population_params("neuron", {"t_ref": 10.0})
    assert points(app) == [] and max(panel.fi_curve.analytic.data["rate"]) < before  # the ceiling 1/t_ref fell
    run_until(app, app.recorded.t + 500.0)
    panel.evaluate()
    (current, rate, expected), = points(app)
    assert current == 600.0 and rate == pytest.approx(expected, rel=0.02)
    panel.reset()
    assert points(app) == []


def test_lessons_without_a_plot_hide_it(app):
    app.lesson.next_button.clicks += 1
    assert app.state.network.name == "synapses" and not app.lesson.fi_pane.visible


def test_steps_are_measured_in_order_a_later_step_waits_for_the_earlier():
    """Winner-take-all starts with A winning: step 2 ("A fires again") holds already, but it is
    not marked before step 1 (B wins) is done."""
    app = DesignerApp(lesson="winner_take_all")
    app.session.speed = "max"
    try:
        run_until(app, 700.0)
        app.lesson.evaluate()
        assert app.lesson.measurements == [None, None]
        assert "now: rate = " in app.lesson.steps.object and app.lesson.steps.object.count("now:") == 1
    finally:
        app.session.close()
