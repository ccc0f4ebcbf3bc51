"""Zooming into the paused raster: exact spikes from Python, hover names a spike, back to live.

What the page drew while zoomed is read from the raster canvas: data-zoom ("off", "loading",
"exact", "too-many"), data-zoom-t0/-t1 (the range shown), data-zoom-spikes (marks drawn),
data-zoom-sent (spikes Python sent) and its `snnZoom` property (the answer: rows and times).
What Python recorded is read independently, from the "Recorded spikes (CSV)" export.
Screenshots: artifacts/screenshots/live-11..15-*.png.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
from page_helpers import keep_workspace_split
from playwright.sync_api import Page, expect
from test_live import (
    dark_pixels,
    open_app,
    raster,
    raster_counters,
    read_state,
    shot,
    wait_drawn,
    wait_raster_idle,
    wait_state,
)

EXC_ROWS = 800  # ei_network: exc 800 rows then inh 200 rows, every neuron a row
RASTER_TITLE = "Spike raster · click or tap a row for its trace"

ZOOM = "el => ({...el.dataset})"
ANSWER = """el => { const z = el.snnZoom;
  return z && {t0: z.t0, rows: Array.from(z.rows), t: Array.from(z.dt, (d) => z.t0 + d)}; }"""


def zoom_state(page: Page) -> dict:
    data = raster(page).evaluate(ZOOM)
    return {"state": data.get("zoom"), "t0": float(data.get("zoomT0", "nan")), "t1": float(data.get("zoomT1", "nan")),
            "spikes": int(data.get("zoomSpikes", -1)), "sent": int(data.get("zoomSent", -1))}


def wait_zoom(page: Page, state: str) -> dict:
    page.wait_for_function("([el, s]) => el.dataset.zoom === s", arg=[raster(page).element_handle(), state], polling=20)
    return zoom_state(page)


def wheel_zoom_to(page: Page, fraction: float, span_ms: float) -> dict:
    """Wheel up with the pointer at `fraction` of the raster's width until the range is at
    most `span_ms`; return the zoom once the page shows the exact spikes of it."""
    if zoom_state(page)["state"] == "off":  # the page offers zooming (paused, a bitmap to zoom)
        expect(page.locator(".snn-raster-hint")).to_be_visible()
    raster(page).scroll_into_view_if_needed()
    box = raster(page).bounding_box()
    page.mouse.move(box["x"] + fraction * box["width"], box["y"] + 0.5 * box["height"])
    for _ in range(30):
        page.mouse.wheel(0, -400)
        page.wait_for_function("el => el.dataset.zoom !== 'off'", arg=raster(page).element_handle())
        zoom = zoom_state(page)
        if zoom["t1"] - zoom["t0"] <= span_ms:
            break
    return wait_zoom(page, "exact")


def recorded_spikes(page: Page, tmp_path) -> set[tuple[int, float]]:
    """(raster row, time) of every spike Python recorded, from the CSV export."""
    page.get_by_label("Export as").select_option("Recorded spikes (CSV)")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export", exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    rows = csv.DictReader(io.StringIO(path.read_text()))
    return {(int(r["neuron"]) + (EXC_ROWS if r["population"] == "inh" else 0), round(float(r["time_ms"]), 4))
            for r in rows if r["population"] in ("exc", "inh")}


def isolated_exc_spike(answer: dict, t0: float, t1: float, box: dict) -> tuple[int, float, float, float]:
    """An exc spike with no other within 12 px, away from the band edges: (row, t, x, y) in page px."""
    def xy(row, t):
        return box["x"] + (t - t0) / (t1 - t0) * box["width"], box["y"] + (row + 0.5) * box["height"] / 1000
    points = [(row, t, *xy(row, t)) for row, t in zip(answer["rows"], answer["t"])]
    for row, t, x, y in points:
        if not 20 <= row < EXC_ROWS - 20 or not box["x"] + 20 < x < box["x"] + box["width"] - 200:
            continue
        if all(abs(x - x2) > 12 or abs(y - y2) > 12 for r2, t2, x2, y2 in points if (r2, t2) != (row, t)):
            return row, t, x, y
    pytest.fail(f"no isolated exc spike among {len(points)}")


def test_paused_raster_zooms_into_the_exact_spikes(live: Page, app_server, screenshot_dir, tmp_path):
    page = live
    # Hovering single spikes wants a big raster: the user gives the plots most of the height
    # (the split bar) and enlarges the raster (its header button).
    keep_workspace_split(page, 0.2)
    open_app(page, app_server.url, "ei_network")
    page.get_by_role("button", name=f"Enlarge {RASTER_TITLE}", exact=True).click()
    page.locator(".brand").click()  # the focus leaves that button: Space is for Run, not for it
    hint = page.locator(".snn-raster-hint")
    back = page.get_by_role("button", name="Back to live view")
    expect(hint).to_be_hidden()
    page.keyboard.press("Space")
    wait_state(page, "s.status === 'running' && s.t_ms > 300", timeout=30_000)
    expect(hint).to_be_hidden()  # no zooming while it runs
    page.get_by_role("button", name="Pause").click()
    state = wait_state(page, "s.status === 'paused'")
    wait_raster_idle(page)
    expect(hint).to_be_visible()
    expect(back).to_be_hidden()
    live_pixels = dark_pixels(page)
    assert live_pixels > 1000

    # Wheel up near the newest spikes: ~20 ms around t_ms - 60, exact spikes from Python.
    zoom = wheel_zoom_to(page, 1 - 60 / 1000, span_ms=25.0)
    t0, t1 = zoom["t0"], zoom["t1"]
    assert 5.0 <= t1 - t0 <= 25.0 and state["t_ms"] - 400 < t0 < t1 <= state["t_ms"] + 1, zoom
    assert zoom["spikes"] == zoom["sent"] > 0, zoom
    expect(back).to_be_visible()
    expect(hint).to_be_hidden()
    # exactly the spikes Python recorded in the range, on their rows (every neuron is a row)
    answer = raster(page).evaluate(ANSWER)
    shown = {(row, round(t, 4)) for row, t in zip(answer["rows"], answer["t"])}
    recorded = recorded_spikes(page, tmp_path)
    expected = {(row, t) for row, t in recorded if t0 <= t <= t1}
    assert len(shown) == zoom["sent"] and shown == expected
    # the axis shows the zoomed range, the marks are ticks: the picture changed
    assert dark_pixels(page) != live_pixels
    shot(page, screenshot_dir, "11-zoomed")

    # Hover a spike: its population, neuron and time, as text.
    box = raster(page).bounding_box()
    row, t, x, y = isolated_exc_spike(answer, t0, t1, box)
    page.mouse.move(x, y)
    tip = page.locator(".snn-raster-tip")
    expect(tip).to_be_visible()
    expect(tip).to_have_text(f"exc #{row} at t = {t:.2f} ms")
    assert re.fullmatch(r"exc #\d+ at t = \d+\.\d\d ms", tip.text_content())
    shot(page, screenshot_dir, "12-zoomed-hover")

    # Drag a range: zoom into it, again exactly what was recorded there.
    page.mouse.move(box["x"] + 0.25 * box["width"], box["y"] + 0.8 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.75 * box["width"], box["y"] + 0.8 * box["height"], steps=6)
    page.mouse.up()
    page.wait_for_function("([el, t0]) => el.dataset.zoom === 'exact' && Number(el.dataset.zoomT0) > t0",
                           arg=[raster(page).element_handle(), t0])
    dragged = zoom_state(page)
    assert dragged["t1"] - dragged["t0"] == pytest.approx((t1 - t0) / 2, rel=0.05), dragged
    assert dragged["spikes"] == dragged["sent"] == len(
        [1 for _, t in recorded if dragged["t0"] <= t <= dragged["t1"]])
    assert read_state(page)["traces"] == state["traces"], "the drag added a trace"

    # A click on a row while zoomed still records that neuron's trace.
    page.mouse.click(box["x"] + 0.5 * box["width"], box["y"] + 0.3 * box["height"])  # exc band
    picked = wait_state(page, f"s.traces.length === {len(state['traces']) + 1}")
    assert picked["traces"][-1][0] == "exc"
    assert zoom_state(page)["state"] == "exact"

    # Back to live view: the live bitmap as it was.
    back.click()
    wait_zoom(page, "off")
    expect(back).to_be_hidden()
    expect(hint).to_be_visible()
    assert dark_pixels(page) == live_pixels, "the live bitmap changed under the zoomed view"
    shot(page, screenshot_dir, "13-back-to-live")

    # Double-click also goes back, and adds no trace.
    wide = wheel_zoom_to(page, 0.9, span_ms=200.0)
    assert wide["spikes"] == wide["sent"] > 0
    shot(page, screenshot_dir, "14-zoomed-wider")
    traces = read_state(page)["traces"]
    box = raster(page).bounding_box()
    page.mouse.dblclick(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    wait_zoom(page, "off")
    page.wait_for_timeout(500)  # a negative check needs some time to pass (a pick waits 250 ms)
    assert read_state(page)["traces"] == traces

    # Run ends the zoom; the live raster goes on drawing.
    wheel_zoom_to(page, 0.9, span_ms=100.0)
    drawn = raster_counters(page)["drawn"]
    page.get_by_role("button", name="▶ Run").click()
    wait_zoom(page, "off")
    wait_drawn(page, drawn + 100, timeout=30_000)
    expect(hint).to_be_hidden()
    expect(back).to_be_hidden()
    # while running the wheel does not zoom
    box = raster(page).bounding_box()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(300)
    assert zoom_state(page)["state"] == "off"
    shot(page, screenshot_dir, "15-running-again")


def test_a_paused_raster_redraws_its_window_after_the_layout_changes(live: Page, app_server, screenshot_dir, tmp_path):
    """Enlarging and restoring another section resizes the raster, which clears its bitmap; running,
    the next frames fill it again, but paused none come: the page redraws the exact spikes of its window."""
    page = live
    open_app(page, app_server.url, "ei_network")
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 1200", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    state = wait_state(page, "s.status === 'paused'")
    wait_raster_idle(page)
    before = dark_pixels(page)
    assert before > 1000
    width = raster(page).evaluate("el => el.dataset.width")

    title = "Membrane traces"
    page.get_by_role("button", name=f"Enlarge {title}", exact=True).click()
    page.wait_for_function("([el, w]) => el.dataset.width !== w", arg=[raster(page).element_handle(), width])
    page.get_by_role("button", name=f"Restore {title}", exact=True).click()
    page.wait_for_function("([el, w]) => el.dataset.width === w && el.dataset.refilled !== undefined",
                           arg=[raster(page).element_handle(), width])
    shot(page, screenshot_dir, "16-paused-raster-after-a-layout-change")
    after = dark_pixels(page)
    assert after > 0.8 * before, (before, after)

    t_end = state["t_ms"]
    shown = [t for _, t in recorded_spikes(page, tmp_path) if t_end - 1000.0 <= t <= t_end]
    refilled = int(raster(page).evaluate("el => el.dataset.refilled"))
    assert refilled == pytest.approx(len(shown), rel=0.01), (refilled, len(shown))
