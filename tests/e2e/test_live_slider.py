"""Steering a running simulation with the inspector's live sliders (LiveSlider).

Drag the noise rate with the real mouse while the E/I network runs: the excitatory rate
follows, simulated time goes on, no rebuild is asked for; one Ctrl+Z undoes the whole drag,
live as well; a number typed in the box is applied; a bad one is refused inline.
Rates are compared over SIMULATED time from the rate plot's data (see test_live.py), so a
busy machine slows the test down but does not flake it. Screenshot:
artifacts/screenshots/live-slider-*.png (look at it when the form changes).
"""

from __future__ import annotations

import pytest
from page_helpers import (
    live_slider, wait_population_param, read_state, select_node, wait_slider_acked, wait_state, drag_range_to,
)
from playwright.sync_api import Page, expect

TIMEOUT_MS = 15_000
BUILD_TIMEOUT_MS = 60_000

# Every population-rate row the page received, {t: [...], r0: [...], ...}: the rate chart's own
# log (window.snnCharts.rates) or, with the Bokeh rate plot, a log kept by wrapping its
# source's stream_to (as test_live.py did). RECORD_RATES holds once rows arrive.
RECORD_RATES = """() => {
  const chart = window.snnCharts && window.snnCharts.rates;
  if (chart) return chart.log && chart.log.t && chart.log.t.length > 0;
  const source = Bokeh.documents[0].get_model_by_name('rate-source');
  if (!source || !source.data.t || source.data.t.length === 0) return false;
  if (source._testLog) return true;
  const log = source._testLog = Object.fromEntries(
    Object.entries(source.data).map(([k, v]) => [k, Array.from(v)]));
  const original = source.stream_to.bind(source);
  source.stream_to = (prop, data, rollover, options) => {
    for (const [key, values] of Object.entries(data)) {
      (log[key] = log[key] || []).push(...Array.from(values));
    }
    return original(prop, data, rollover, options);
  };
  return true;
}"""
RATE_LOG = """() => {
  const chart = window.snnCharts && window.snnCharts.rates;
  if (chart) return chart.log;
  return Bokeh.documents[0].get_model_by_name('rate-source')._testLog;
}"""
BANNER = "The design changed in a way the running simulation cannot take"


def percentiles(values: list[float]) -> str:
    """p50 / p95 / max in ms, for the report printed with -s (not asserted: speed is measured
    in benchmarks/, not by a timed test)."""
    ordered = sorted(values)
    if not ordered:
        return "-"
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"p50 {pick(0.5):.0f} ms, p95 {pick(0.95):.0f} ms, max {ordered[-1]:.0f} ms (n={len(ordered)})"


def exc_rate(page: Page, t0: float, t1: float) -> float:
    """Mean rate (Hz) of the excitatory population (first rate column) over [t0, t1) ms of
    simulated time, once the page has rate rows up to t1."""
    page.wait_for_function(f"() => {{ const t = ({RATE_LOG})().t; return t[t.length - 1] >= {t1} }}",
                           timeout=60_000, polling=50)
    log = page.evaluate(RATE_LOG)
    rows = [r for t, r in zip(log["t"], log["r0"]) if t0 <= t < t1]
    assert len(rows) >= 10, f"too few rate rows in [{t0}, {t1}): {len(rows)}"
    return sum(rows) / len(rows)


def settle_then_measure(page: Page, after_ms: float) -> float:
    """The excitatory rate over 150 ms of simulated time, starting 50 ms after `after_ms`."""
    wait_state(page, f"s.t_ms >= {after_ms + 210}", timeout=60_000)
    return exc_rate(page, after_ms + 50, after_ms + 200)


def test_drag_the_noise_rate_while_running_then_undo_and_type(live: Page, app_server, screenshot_dir):
    page = live
    page.goto(f"{app_server.url}?example=ei_network")
    wait_state(page, "s.network === 'ei_network' && s.status === 'paused'", timeout=BUILD_TIMEOUT_MS)
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running'")
    page.wait_for_function(RECORD_RATES, timeout=30_000, polling=20)
    banner = page.get_by_text(BANNER)

    select_node(page, "noise")
    box, slider = live_slider(page, "rate (Hz)")
    expect(box).to_have_value("20000")
    assert float(slider.input_value()) == 20000
    # the label names only the box; the range is named by the parameter's doc (its tooltip)
    expect(page.get_by_label("rate (Hz)")).to_have_count(1)
    expect(page.get_by_role("slider", name="Mean firing rate of each train")).to_be_visible()
    state = wait_state(page, "s.t_ms >= 300", timeout=60_000)
    base = exc_rate(page, state["t_ms"] - 200, state["t_ms"])
    assert not read_state(page)["can_undo"]

    # Drag the rate down to about a quarter of the range (~10 kHz) with the real mouse.
    element = box.element_handle()
    t_before = read_state(page)["t_ms"]
    drag_range_to(page, slider, 0.25)
    assert wait_slider_acked(page, box)
    dragged = float(box.input_value())
    assert 8000 <= dragged <= 12000, dragged
    assert float(slider.input_value()) == dragged
    wait_population_param(page, "noise", "rate", dragged)
    sent = int(box.evaluate("el => el.dataset.sent"))
    assert sent >= 2, "a drag sends values while it moves, not only at the end"
    timings = box.evaluate("el => el.snnTimings")
    print(f"\ndrag: {sent} messages; page -> Python {percentiles(timings['toPython'])}; "
          f"page -> Python -> page {percentiles(timings['roundTrip'])}")
    state = read_state(page)
    assert state["t_ms"] >= t_before and not state["needs_restart"], "a live change must not restart"
    assert state["can_undo"]
    t_applied = state["t_ms"]
    low = settle_then_measure(page, t_applied)
    print(f"exc rate: 20 kHz {base:.1f} Hz, {dragged / 1000:g} kHz {low:.1f} Hz")
    assert low < 0.7 * base, f"less drive should lower the rate: {base:.1f} -> {low:.1f} Hz"
    expect(banner).to_be_hidden()
    # the same element: the form was not rebuilt under the user's pointer
    assert element.evaluate("el => el.isConnected")
    shot = screenshot_dir / "live-slider-01-dragged.png"
    page.mouse.move(1, 795)  # no hover tooltip in the picture
    page.screenshot(path=str(shot))

    # One Ctrl+Z right after the drag (it left no focus in the field) undoes the whole drag,
    # live, without a restart.
    assert page.evaluate("() => document.activeElement === document.body")
    t_before = read_state(page)["t_ms"]
    page.keyboard.press("Control+z")
    expect(box).to_have_value("20000")
    assert float(slider.input_value()) == 20000
    # the label names only the box; the range is named by the parameter's doc (its tooltip)
    expect(page.get_by_label("rate (Hz)")).to_have_count(1)
    expect(page.get_by_role("slider", name="Mean firing rate of each train")).to_be_visible()
    state = wait_state(page, "!s.can_undo && s.can_redo")  # one drag = one undo step
    wait_population_param(page, "noise", "rate", 20000)
    assert state["t_ms"] >= t_before and not state["needs_restart"]
    back = settle_then_measure(page, state["t_ms"])
    print(f"exc rate after undo: {back:.1f} Hz")
    assert back > 1.3 * low, f"undo should bring the drive back: {low:.1f} -> {back:.1f} Hz"
    expect(banner).to_be_hidden()
    assert not read_state(page)["needs_restart"]

    # A number typed in the box (Enter): applied live; the slider follows.
    box.fill("30000")
    box.press("Enter")
    assert wait_slider_acked(page, box)
    wait_population_param(page, "noise", "rate", 30000)
    expect(slider).to_have_value("30000")
    state = read_state(page)
    assert not state["needs_restart"] and state["status"] == "running"

    # Bad input: the model's message under the field; the design keeps its value.
    for bad, says in (("abc", "must be a number, got 'abc'"), ("", "got nothing"), ("-5", "must be >= 0")):
        box.fill(bad)
        box.press("Enter")
        assert not wait_slider_acked(page, box), f"{bad!r} was accepted"
        error = page.locator("span.field-error").filter(has_text="'rate'")
        expect(error).to_be_visible()
        expect(error).to_contain_text(says)
        wait_population_param(page, "noise", "rate", 30000)
        assert float(slider.input_value()) == 30000, "a refused value moved the slider"
    shot = screenshot_dir / "live-slider-02-refused.png"
    page.mouse.move(1, 795)
    page.screenshot(path=str(shot))
    # A good value again clears the error.
    box.fill("25000")
    box.press("Enter")
    assert wait_slider_acked(page, box)
    expect(page.locator("span.field-error").filter(has_text="'rate'")).to_have_count(0)
    wait_population_param(page, "noise", "rate", 25000)
    assert element.evaluate("el => el.isConnected")
    assert not read_state(page)["needs_restart"]
    expect(banner).to_be_hidden()
    rtt = int(box.evaluate("el => el.dataset.rttMs"))
    print(f"last typed value: page -> Python -> page {rtt} ms")


def test_the_weight_slider_fits_the_sidebar_and_takes_the_keyboard(live: Page, app_server, screenshot_dir):
    page = live
    page.goto(f"{app_server.url}?example=ei_network")
    wait_state(page, "s.network === 'ei_network'", timeout=BUILD_TIMEOUT_MS)
    page.locator('.react-flow__edge[data-id="inh→exc"] .react-flow__edge-textbg').click()
    expect(page.locator(".inspector-title")).to_have_text("inh→exc")
    box, slider = live_slider(page, "Weight (mV)")
    expect(box).to_have_value("-0.5")
    # inside the 340 px sidebar, aligned with the other fields
    name_box = page.get_by_label("Name", exact=True).bounding_box()
    box_rect, slider_rect = box.bounding_box(), slider.bounding_box()
    assert abs(box_rect["x"] - name_box["x"]) <= 2, (box_rect, name_box)
    assert slider_rect["x"] + slider_rect["width"] <= name_box["x"] + name_box["width"] + 2
    assert box_rect["height"] == pytest.approx(name_box["height"], abs=2)
    # the range reaches both signs around -0.5 mV
    low, high = (float(slider.evaluate(f"el => el.{end}")) for end in ("min", "max"))
    assert low < -0.5 < high and high > 0
    page.mouse.move(1, 795)
    page.screenshot(path=str(screenshot_dir / "live-slider-03-weight.png"))

    # The keyboard moves the slider one step a press; each press is one edit.
    slider.focus()
    slider.press("ArrowRight")
    assert wait_slider_acked(page, box)
    expect(box).to_have_value("-0.49")
    wait_state(page, "s.projections[2].name === 'inh→exc' && s.projections[2].weight === -0.49 && s.can_undo")
    # Ctrl+Z with the slider still focused undoes that edit (a slider has no undo of its own)
    slider.press("Control+z")
    wait_state(page, "s.projections[2].name === 'inh→exc' && s.projections[2].weight === -0.5")
    expect(box).to_have_value("-0.5")
