"""Lessons 11-16 in the browser: each opens from its link (/app?lesson=NAME) at 1366x768 with its
title, its typeset equations and its steps; Run draws spikes in the raster. One lesson's step is
then done by a real change in the page (the half-centre's left→right weight).
Screenshots: artifacts/screenshots/lesson-NAME.png, lesson-half_centre-step-done.png."""
from __future__ import annotations

import pytest
from page_helpers import live_slider, node, select_edge, wait_slider_acked, wait_state
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

LESSONS = {
    "decision": "Decision making",
    "working_memory": "Working memory",
    "half_centre": "A half-centre oscillator",
    "stdp_weights": "STDP shapes the weights",
    "pattern_in_noise": "A pattern found in noise",
    "energy": "Energy and fault tolerance",
}
DRAWN_SPIKES = "el => Number(el.dataset.drawnSpikes || 0)"


def open_lesson(page, url: str, name: str):
    # generous waits: these pages build bigger networks than the examples (and the machine is shared)
    page.goto(url + f"?lesson={name}")
    state = wait_state(page, f"s.network === '{name}'", timeout=60_000)
    for population in state["populations"]:
        expect(node(page, population)).to_be_visible(timeout=30_000)
    lesson = page.locator("[data-part=lesson]")
    expect(lesson.get_by_text(LESSONS[name], exact=True).first).to_be_visible()
    expect(lesson.locator(".lesson-prose .katex").first).to_be_visible()
    errors = lesson.locator(".lesson-prose .math-error")
    assert [errors.nth(i).get_attribute("title") for i in range(errors.count())] == []
    assert lesson.locator(".lesson-steps li").count() >= 2
    return lesson


def run_until_spikes(page, at_least: int = 200) -> int:
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 300", timeout=90_000)
    raster = page.locator("canvas.snn-raster")
    page.wait_for_function(f"([el, n]) => ({DRAWN_SPIKES})(el) >= n", arg=[raster.element_handle(), at_least],
                           timeout=60_000, polling=100)
    return raster.evaluate(DRAWN_SPIKES)


@pytest.mark.parametrize("name", LESSONS)
def test_a_circuit_lesson_opens_by_its_link_and_runs(sized_page, app_server, screenshot_dir, name):
    page = sized_page(1366, 768)
    open_lesson(page, app_server.url, name)
    assert run_until_spikes(page) >= 200
    page.mouse.move(1, 760)
    page.screenshot(path=str(screenshot_dir / f"lesson-{name}.png"))


def test_the_half_centre_step_is_done_after_the_weight_is_changed_in_the_page(sized_page, app_server, screenshot_dir):
    page = sized_page(1366, 768)
    lesson = open_lesson(page, app_server.url, "half_centre")
    first = lesson.locator("[data-step='1']")
    run_until_spikes(page)
    expect(first).to_contain_text("now: contrast", timeout=20_000)
    expect(first).not_to_have_class("done")
    select_edge(page, "left→right")
    box, _ = live_slider(page, "Weight (pA)")
    box.fill("-400")
    box.press("Enter")
    assert wait_slider_acked(page, box)
    expect(first).to_have_class("done", timeout=30_000)
    expect(first).to_contain_text("done: contrast = 0.")
    expect(lesson.locator("[data-step='2']")).not_to_have_class("done")
    page.mouse.move(1, 760)
    page.screenshot(path=str(screenshot_dir / "lesson-half_centre-step-done.png"))
