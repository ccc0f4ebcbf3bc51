"""A tablet (1024x768, touch events, no mouse): build, edit, zoom and run with fingers only.

Taps are Playwright's `tap()` (needs a context with touch); drags and pinches are touch
events sent through the Chrome DevTools protocol (Input.dispatchTouchEvent), which goes
through Chromium's real input pipeline (pointer events, touch-action), as a finger would.
What Python holds is read from the debug-state pane and the design the page keeps.
Screenshots: artifacts/screenshots/touch-*.png.
"""
from __future__ import annotations

import re

import pytest
from page_helpers import DESIGN_JSON, centre, live_slider, node, read_design, wait_slider_acked, wait_state
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # Python's own is another class
from test_live import BUILD_TIMEOUT_MS, raster

WIDTH, HEIGHT = 1024, 768
STEPS = 12
TRANSFORM = re.compile(r"translate\((-?[\d.]+)px, (-?[\d.]+)px\) scale\(([\d.]+)\)")


class Finger:
    """Touches on the page through CDP: one finger drags, two pinch."""

    def __init__(self, page: Page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)

    def _send(self, kind: str, points) -> None:
        self.cdp.send("Input.dispatchTouchEvent", {
            "type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})

    def gesture(self, starts, ends, steps: int = STEPS) -> None:
        """Fingers down at `starts`, moved in `steps` to `ends`, lifted."""
        self._send("touchStart", starts)
        for k in range(1, steps + 1):
            f = k / steps
            self._send("touchMove", [(x0 + f * (x1 - x0), y0 + f * (y1 - y0)) for (x0, y0), (x1, y1) in zip(starts, ends)])
            self.page.wait_for_timeout(16)  # about one event per frame, as a finger sends them
        self._send("touchEnd", [])

    def drag(self, start, end, steps: int = STEPS) -> None:
        self.gesture([start], [end], steps)


@pytest.fixture
def tablet(sized_page, app_server):
    page = sized_page(WIDTH, HEIGHT, touch=True)
    page.goto(app_server.url)
    wait_state(page, "s.network === 'ei_network' && s.status === 'paused'", timeout=BUILD_TIMEOUT_MS)
    return page


def populations(page: Page) -> list[str]:
    return wait_state(page, "true")["populations"]


def zoom_of(page: Page) -> float:
    match = TRANSFORM.search(page.locator(".react-flow__viewport").evaluate("el => el.style.transform"))
    assert match, "no viewport transform"
    return float(match.group(3))


def test_build_edit_and_zoom_a_design_with_fingers(tablet: Page, screenshot_dir):
    page, finger = tablet, Finger(tablet)
    page.get_by_role("button", name="New", exact=True).tap()
    wait_state(page, "s.populations.length === 0")
    # A finger on the split bar gives the canvas 60 px more.
    canvas0 = page.locator("[data-part=canvas]").bounding_box()
    gx, gy = centre(page.get_by_role("separator", name="Split between canvas and plots"))
    finger.drag((gx, gy), (gx, gy + 60))
    assert page.locator("[data-part=canvas]").bounding_box()["height"] == pytest.approx(canvas0["height"] + 60, abs=2)
    pane = page.locator(".react-flow__pane").bounding_box()

    # A vertical swipe over the palette scrolls it (and adds nothing).
    palette = page.locator(".snn-palette")
    px, py = centre(page.locator('.snn-palette__item[data-model="iaf_cond_exp"]'))
    scrolled = "el => el.scrollTop > 50"
    for _ in range(2):  # as a user would, swipe again if the first one was lost (CDP touches on a busy page)
        finger.drag((px, py), (px, py - 150))
        try:
            page.wait_for_function(scrolled, arg=palette.element_handle(), timeout=5_000)
            break
        except PlaywrightTimeoutError:
            continue
    page.wait_for_function(scrolled, arg=palette.element_handle())
    expect(page.locator(".snn-touch-ghost")).to_have_count(0)
    assert populations(page) == []

    # Drag two models from the palette onto the canvas, sideways out of the palette.
    for model, (fx, fy) in [("iaf_psc_exp", (0.35, 0.35)), ("poisson_generator", (0.75, 0.6))]:
        count = len(populations(page))
        item = page.locator(f'.snn-palette__item[data-model="{model}"]')
        item.scroll_into_view_if_needed()  # the devices are further down the palette
        start = centre(item)
        finger.drag(start, (pane["x"] + fx * pane["width"], pane["y"] + fy * pane["height"]))
        wait_state(page, f"s.populations.length === {count + 1}")
    assert populations(page) == ["neurons", "noise"]
    expect(page.locator(".snn-touch-ghost")).to_have_count(0)  # the dragged ghost is gone
    page.screenshot(path=str(screenshot_dir / "touch-01-dropped.png"))

    # Connect: a finger from the noise's output dot to the neurons' input dot.
    finger.drag(centre(node(page, "noise").locator(".react-flow__handle.source")),
                centre(node(page, "neurons").locator(".react-flow__handle.target")), steps=20)
    state = wait_state(page, "s.projections.length === 1")
    assert state["projections"][0]["name"] == "noise→neurons"

    # Move a node: drag its label; Python stores the new position.
    before = next(p["position"] for p in read_design(page)["populations"] if p["name"] == "neurons")
    x, y = centre(node(page, "neurons").locator(".snn-node__label"))
    finger.drag((x, y), (x + 80, y + 40))
    page.wait_for_function(
        """(x0) => { const d = (%s)(); if (!d) return false;
                     const p = JSON.parse(d).network.populations.find((q) => q.name === 'neurons');
                     return p.position[0] > x0 + 20; }""" % DESIGN_JSON, arg=before[0])
    after = next(p["position"] for p in read_design(page)["populations"] if p["name"] == "neurons")
    assert after[0] > before[0] + 20 and after[1] > before[1] + 10, (before, after)

    # Pinch out on the empty canvas: the view zooms in.
    zoom0 = zoom_of(page)
    cx, cy = pane["x"] + 0.5 * pane["width"], pane["y"] + 0.25 * pane["height"]
    finger.gesture([(cx - 30, cy), (cx + 30, cy)], [(cx - 110, cy), (cx + 110, cy)])
    page.wait_for_function(f"el => {{ const m = el.style.transform.match(/scale\\(([\\d.]+)\\)/); "
                           f"return m && Number(m[1]) > {zoom0} * 1.5; }}",
                           arg=page.locator(".react-flow__viewport").element_handle())
    zoom1 = zoom_of(page)
    # ... and pinch in: it zooms out again.
    finger.gesture([(cx - 110, cy), (cx + 110, cy)], [(cx - 30, cy), (cx + 30, cy)])
    page.wait_for_function(f"el => {{ const m = el.style.transform.match(/scale\\(([\\d.]+)\\)/); "
                           f"return m && Number(m[1]) < {zoom1} / 1.5; }}",
                           arg=page.locator(".react-flow__viewport").element_handle())
    page.screenshot(path=str(screenshot_dir / "touch-02-connected-pinched.png"))

    # Delete: tap the node (selects it), tap the canvas's Delete button.
    page.locator(".react-flow__controls-fitview").tap()
    node(page, "noise").locator(".snn-node__label").tap()
    wait_state(page, "s.selection.kind === 'node' && s.selection.id === 'noise'")
    page.get_by_role("button", name="Delete").tap()
    state = wait_state(page, "s.populations.length === 1")
    assert state["populations"] == ["neurons"] and state["projections"] == []  # its projection went with it


def test_run_steer_and_pick_a_trace_with_fingers(tablet: Page, screenshot_dir):
    page, finger = tablet, Finger(tablet)
    # Run by a tap.
    page.get_by_role("button", name="▶ Run").tap()
    wait_state(page, "s.status === 'running' && s.t_ms > 100", timeout=30_000)

    # Move the noise rate slider with a finger: the value reaches Python, live.
    node(page, "noise").locator(".snn-node__label").tap()
    wait_state(page, "s.selection.id === 'noise'")
    box, slider = live_slider(page, "rate (Hz)")
    expect(box).to_have_value("20000")
    track = slider.bounding_box()
    low, high = (float(slider.evaluate(f"el => el.{end}")) for end in ("min", "max"))
    thumb = 8  # the thumb's centre runs from 8 px in to 8 px before the end of the track

    def x_of(value: float) -> float:
        return track["x"] + thumb + (value - low) / (high - low) * (track["width"] - 2 * thumb)

    y = track["y"] + track["height"] / 2
    finger.drag((x_of(20000), y), (x_of(low + 0.25 * (high - low)), y))
    assert wait_slider_acked(page, box)
    dragged = float(box.input_value())
    assert dragged < 15000, dragged
    page.wait_for_function(
        """(v) => { const d = (%s)(); if (!d) return false;
                    const p = JSON.parse(d).network.populations.find((q) => q.name === 'noise');
                    return p.params.rate === v; }""" % DESIGN_JSON, arg=dragged)
    assert not read_needs_restart(page), "a live value must not restart the run"

    # Tap a raster row: that neuron's membrane trace is added.
    page.get_by_role("button", name="Pause").tap()
    wait_state(page, "s.status === 'paused'")
    traces = len(wait_state(page, "true")["traces"])
    r = raster(page).bounding_box()
    raster(page).tap(position={"x": 0.5 * r["width"], "y": 0.2 * r["height"]})  # the exc band
    state = wait_state(page, f"s.traces.length === {traces + 1}")
    assert state["traces"][-1][0] == "exc"
    expect(page.get_by_text(re.compile(r"the trace of exc #\d+ starts when the run goes on"))).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "touch-03-steered-trace.png"))


def read_needs_restart(page: Page) -> bool:
    return wait_state(page, "true")["needs_restart"]
