"""The lesson panel outside a browser: safe text, steps measured on recorded data, reset, next."""
from __future__ import annotations

import time

import pytest

from designer.main import DesignerApp
from engine.io import Measurement
from designer.views.lesson import lesson_html


def test_lesson_html_never_carries_user_html_and_keeps_tex_for_katex():
    out = lesson_html("Hi <img src=x onerror=alert(1)> and <script>alert(2)</script>\n\n"
                      "$$\\frac{a_1}{b^*}$$ then $V_{th}$ and a [link](javascript:alert(3)) and \\$5")
    assert "<img" not in out and "<script" not in out and 'href="javascript' not in out  # no tag, no link
    assert "&lt;img src=x onerror=alert(1)&gt;" in out  # shown as text
    assert '<span class="math display">\\frac{a_1}{b^*}</span>' in out  # _ and * untouched by markdown
    assert '<span class="math">V_{th}</span>' in out and "$5" in out


def test_tables_and_emphasis_render():
    out = lesson_html("| a | b |\n|---|---|\n| $x$ | **y** |")
    assert "<table>" in out and "<strong>y</strong>" in out and '<span class="math">x</span>' in out


def run_until(app, t_ms: float, timeout_s: float = 60.0) -> None:
    app.session.run()
    deadline = time.monotonic() + timeout_s
    while app.recorded.t < t_ms and time.monotonic() < deadline:
        app.poll()
        time.sleep(0.02)
    app.session.pause()
    for _ in range(20):  # the frames that came with the pause
        app.poll()
        time.sleep(0.02)
    assert app.recorded.t >= t_ms


@pytest.fixture
def app(lesson_app):
    return lesson_app


def test_a_step_is_done_with_its_measured_value_after_the_change_it_names(app):
    panel = app.lesson
    assert app.state.network.name == "lif_neuron" and panel.lesson.title == "One LIF neuron under DC"
    run_until(app, 600.0)
    panel.evaluate()
    assert panel.measurements == [None, None, None]
    assert "now: rate = 0 Hz" in panel.steps.object
    app.state.set_population_params("current", {"amplitude": 400.0})
    resets = app.session.reset_count
    app.session.reset()
    while app.session.reset_count == resets:  # the Runner reports the reset
        app.poll()
        time.sleep(0.02)
    run_until(app, 600.0)
    panel.evaluate()
    first, second, third = panel.measurements
    assert first.done and second.done and 30 < second.value < 37 and third is None
    assert "done: rate = 3" in panel.steps.object and panel.steps.object.count("✓") == 2


def test_reset_lesson_and_next_bring_the_lesson_networks_back(app):
    panel = app.lesson
    fits = app.canvas.fit_requests
    app.state.set_population_params("current", {"amplitude": 999.0})
    panel.measurements = [None, Measurement(30.0, True, "rate = 30 Hz"), None]
    panel.reset()
    assert app.state.network.population("current").params["amplitude"] == 300.0
    assert panel.measurements == [None, None, None] and app.canvas.fit_requests == fits + 1
    assert panel.previous_button.disabled and not panel.next_button.disabled
    panel.next_button.clicks += 1
    assert app.state.network.name == "synapses" and "exponential" in panel.text.html
    assert len(panel.measurements) == 3 and not panel.previous_button.disabled


def test_an_unknown_lesson_opens_the_usual_first_design():
    app = DesignerApp(lesson="no_such_lesson")
    try:
        assert app.lesson is None and app.state.network.name == "ei_network"
    finally:
        app.session.close()


def test_the_index_lists_every_lesson_once_in_course_order_with_its_link():
    from designer.main import LESSONS
    from designer.views.lesson import lesson_index_html
    from engine.io import list_lessons

    page = lesson_index_html(list_lessons(LESSONS))
    assert page.count("<h2>From one neuron to networks</h2>") == 1
    links = [page.index(f"href='?lesson={name}'") for name in ("lif_neuron", "synapses", "short_term_plasticity",
                                                                "hodgkin_huxley")]
    assert links == sorted(links)
    assert "Depression and facilitation of a train's PSCs" in page.replace("&#x27;", "'")


def test_steps_are_measured_in_order_and_a_pair_condition_is_measured_live():
    """half_centre's step 3 (alternation at most 0.4) already holds at the start (both sides fire
    together); steps are measured in order, so it is not marked done before steps 1 and 2."""
    app = DesignerApp(lesson="half_centre")
    try:
        app.session.speed = "max"
        run_until(app, 2100.0)
        app.lesson.evaluate()
        assert app.lesson.measurements == [None, None, None]
        first = app.lesson._live[0]
        assert first.text.startswith("contrast = ") and abs(first.value) < 0.1  # symmetric: no side leads
        assert 1 not in app.lesson._live and 2 not in app.lesson._live  # the later steps wait their turn
        assert "now: contrast = " in app.lesson.steps.object
    finally:
        app.session.close()
