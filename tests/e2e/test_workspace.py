"""The workspace on a classroom laptop (1366x768) and a tablet (1024x768): every part on one
screen, a draggable split, collapsible and enlargeable plots, keyboard reach and the `?` list.

Geometry is measured with bounding boxes in the page (CSS px of the viewport). The numbers
of each size are written to artifacts/e2e/workspace-geometry-<size>.json and screenshots to
artifacts/screenshots/workspace-*.png (look at them when the layout changes).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from page_helpers import read_state, wait_state
from playwright.sync_api import Page, expect
from test_live import BUILD_TIMEOUT_MS, RASTER_ROWS, raster, wait_dark_pixels, wait_drawn

SIZES = [(1366, 768), (1024, 768)]
MIN_RASTER_PX = 250
RASTER_TITLE = "Spike raster · click or tap a row for its trace"
GEOMETRY_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"

# What must be on screen, by locator.
PARTS = {
    "toolbar": ".ws-toolbar",
    "canvas": "[data-part=canvas]",
    "flow": ".react-flow",
    "inspector": "[data-part=inspector]",
    "plots": "[data-part=plots]",
    "raster": "canvas.snn-raster",
    "status": ".status",
}
BUTTONS = {"run": "▶ Run", "pause": "Pause", "export": "Export", "open_file": "Open file…", "save": "Save to file"}

# The focused element, through open shadow roots, and the name a user is given for it.
FOCUSED = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return null;
  const label = (el.labels && el.labels[0] && el.labels[0].textContent) || "";
  const name = el.getAttribute("aria-label") || label || el.textContent || el.getAttribute("title") || "";
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), spin: el.classList.contains("bk-spin-btn"), role: el.getAttribute("role") || "", name: name.trim().replace(/\\s+/g, " "),
          inside: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 1
                  && r.bottom <= innerHeight + 1};
}"""


def box(page: Page, selector: str) -> dict:
    # The status line's HTML is replaced ~5 times a second while running: an element can go
    # between finding it and measuring it (None); the next one is measured then.
    for _ in range(5):
        found = page.locator(selector).first.bounding_box()
        if found is not None:
            return {k: round(v, 1) for k, v in found.items()}
    raise AssertionError(f"{selector} is not rendered")


def button_box(page: Page, name: str) -> dict:
    found = page.get_by_role("button", name=name, exact=True).bounding_box()
    assert found is not None, f"button {name!r} is not rendered"
    return {k: round(v, 1) for k, v in found.items()}


def inside(b: dict, width: int, height: int) -> bool:
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= width + 0.5 and b["y"] + b["height"] <= height + 0.5


def overlap(a: dict, b: dict) -> float:
    """Area shared by two boxes (px²)."""
    w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(0.0, w) * max(0.0, h)


def measure(page: Page) -> dict:
    geometry = {name: box(page, sel) for name, sel in PARTS.items()}
    geometry.update({name: button_box(page, label) for name, label in BUTTONS.items()})
    geometry["page"] = page.evaluate("() => ({scroll_w: document.documentElement.scrollWidth, "
                                     "scroll_h: document.documentElement.scrollHeight, w: innerWidth, h: innerHeight})")
    return geometry


def check_fits(geometry: dict, width: int, height: int) -> None:
    assert geometry["page"]["scroll_w"] <= width and geometry["page"]["scroll_h"] <= height, geometry["page"]
    for name in [*PARTS, *BUTTONS]:
        assert inside(geometry[name], width, height), f"{name} is not wholly on screen: {geometry[name]}"
    assert geometry["raster"]["height"] >= MIN_RASTER_PX, geometry["raster"]
    assert geometry["flow"]["height"] >= 150 and geometry["flow"]["width"] >= 300, geometry["flow"]
    for a, b in [("toolbar", "canvas"), ("toolbar", "inspector"), ("toolbar", "plots"), ("canvas", "inspector"),
                 ("canvas", "plots"), ("plots", "inspector")]:
        assert overlap(geometry[a], geometry[b]) == 0, f"{a} overlaps {b}: {geometry[a]} {geometry[b]}"


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_everything_is_on_one_screen_while_brunel_runs(sized_page, app_server, screenshot_dir, width, height):
    page = sized_page(width, height)
    page.goto(f"{app_server.url}?example=brunel")
    wait_state(page, "s.network === 'brunel' && s.status === 'paused'", timeout=BUILD_TIMEOUT_MS)
    expect(raster(page)).to_have_attribute("data-rows", str(RASTER_ROWS["brunel"]))
    before = measure(page)
    check_fits(before, width, height)

    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 200", timeout=BUILD_TIMEOUT_MS)
    wait_drawn(page, 5000, timeout=30_000)
    page.mouse.move(width - 2, height - 2)  # no hover tooltip in the picture
    running = measure(page)
    check_fits(running, width, height)
    # the layout holds still while it runs: nothing moved or resized
    for name in ("canvas", "raster", "status", "run", "export", "inspector"):
        assert running[name] == before[name], f"{name} moved while running: {before[name]} -> {running[name]}"
    assert wait_dark_pixels(page, 5000) > 5000  # the visible raster shows spikes
    page.screenshot(path=str(screenshot_dir / f"workspace-{width}x{height}-brunel-running.png"))
    page.get_by_role("button", name="Pause").click()
    wait_state(page, "s.status === 'paused'")
    GEOMETRY_DIR.mkdir(parents=True, exist_ok=True)
    (GEOMETRY_DIR / f"workspace-geometry-{width}x{height}.json").write_text(json.dumps(running, indent=1))


def test_split_plots_and_inspector_resize_and_are_kept(sized_page, app_server, screenshot_dir):
    page = sized_page(1366, 768)
    page.goto(f"{app_server.url}?example=ei_network")
    wait_state(page, "s.network === 'ei_network'", timeout=BUILD_TIMEOUT_MS)
    canvas0, raster0 = box(page, "[data-part=canvas]"), box(page, "canvas.snn-raster")

    # Drag the split bar 100 px down with the mouse: the canvas grows, the raster shrinks by as much.
    gutter = page.get_by_role("separator", name="Split between canvas and plots")
    g = gutter.bounding_box()
    page.mouse.move(g["x"] + g["width"] / 2, g["y"] + g["height"] / 2)
    page.mouse.down()
    page.mouse.move(g["x"] + g["width"] / 2, g["y"] + g["height"] / 2 + 100, steps=8)
    page.mouse.up()
    canvas1 = box(page, "[data-part=canvas]")
    page.wait_for_function("([el, h]) => Math.abs(el.getBoundingClientRect().height - h) < 2",
                           arg=[raster(page).element_handle(), raster0["height"] - 100])
    assert canvas1["height"] == pytest.approx(canvas0["height"] + 100, abs=2)
    # Keys on the focused bar: ↑ gives the plots 5 % of the height back.
    gutter.focus()
    page.keyboard.press("ArrowUp")
    canvas2 = box(page, "[data-part=canvas]")
    assert canvas1["height"] - canvas2["height"] == pytest.approx(0.05 * (768 - box(page, ".ws-toolbar")["height"] - 12),
                                                                   abs=3)
    # The canvas never goes below its minimum.
    page.keyboard.press("Home")
    assert box(page, "[data-part=canvas]")["height"] == pytest.approx(150, abs=1)
    page.keyboard.press("ArrowDown")
    canvas3 = box(page, "[data-part=canvas]")

    # Collapse the traces: only its header stays; the rates below take the room.
    traces = page.locator('.ws-section[aria-label="Membrane traces"]')
    below = ["Population rates", "Analysis", "Energy and efficiency"]  # the side sections under it
    below0 = [box(page, f'.ws-section[aria-label="{title}"]')["height"] for title in below]
    page.get_by_role("button", name="Collapse Membrane traces", exact=True).click()
    expect(page.get_by_role("button", name="Expand Membrane traces", exact=True)).to_have_attribute(
        "aria-expanded", "false")
    assert traces.bounding_box()["height"] < 30
    below1 = [box(page, f'.ws-section[aria-label="{title}"]')["height"] for title in below]
    assert below1[0] > below0[0] and sum(below1) > sum(below0) + 80

    # Enlarge the raster: it fills the plots area; Escape restores it.
    wide0 = box(page, "canvas.snn-raster")["width"]
    page.get_by_role("button", name=f"Enlarge {RASTER_TITLE}", exact=True).click()
    expect(page.locator('.ws-section[aria-label="Population rates"]')).to_be_hidden()
    page.wait_for_function("([el, w]) => el.getBoundingClientRect().width > w + 300",
                           arg=[raster(page).element_handle(), wide0])
    page.screenshot(path=str(screenshot_dir / "workspace-raster-enlarged.png"))
    page.locator(".brand").click()
    page.keyboard.press("Escape")
    expect(page.locator('.ws-section[aria-label="Population rates"]')).to_be_visible()

    # Hide the inspector: the canvas and plots get its width.
    flow0 = box(page, ".react-flow")["width"]
    page.get_by_role("button", name="Hide the inspector (more room for canvas and plots)").click()
    expect(page.get_by_label("Network name", exact=True)).to_be_hidden()
    assert box(page, ".react-flow")["width"] > flow0 + 250
    page.screenshot(path=str(screenshot_dir / "workspace-inspector-hidden.png"))

    # All of it is kept across a reload (the browser's storage).
    page.reload()
    wait_state(page, "s.network === 'ei_network'", timeout=BUILD_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Show the inspector")).to_be_visible()
    expect(page.get_by_role("button", name="Expand Membrane traces", exact=True)).to_be_visible()
    assert box(page, "[data-part=canvas]")["height"] == pytest.approx(canvas3["height"], abs=2)


def tab_through(page: Page, presses: int) -> list[dict]:
    page.locator(".brand").click()  # start from the top
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused:
            seen.append(focused)
    return seen


def test_every_control_is_reached_by_keyboard_and_question_mark_lists_the_shortcuts(sized_page, app_server):
    page = sized_page(1024, 768)
    page.goto(f"{app_server.url}?example=ei_network")
    wait_state(page, "s.network === 'ei_network'", timeout=BUILD_TIMEOUT_MS)
    seen = tab_through(page, 140)
    names = [f["name"] for f in seen]
    for wanted in ["New", "Open an example", "Open file…", "Save to file", "Export as", "Export", "▶ Run", "Pause",
                   "Step 10 ms", "⟲ Reset", "Speed", "Keyboard shortcuts", "Split between canvas and plots",
                   f"Collapse {RASTER_TITLE}", f"Enlarge {RASTER_TITLE}", "Collapse Membrane traces",
                   "Enlarge Population rates", "Raster rows", "Hide the inspector (more room for canvas and plots)",
                   "Network name"]:
        assert wanted in names, f"{wanted!r} is never focused by Tab; focused: {names}"
    assert any(f["name"].startswith("iaf_psc_exp") for f in seen), "no palette model is reached"
    assert "Network canvas" in names
    # every focused control has a name (a visible label or tooltip) and is on screen when focused;
    # except Bokeh's ▲/▼ buttons of a number field (the field is named, its arrow keys step it)
    assert all(f["name"] or f["spin"] for f in seen), [f for f in seen if not f["name"]]
    assert all(f["inside"] for f in seen), [f for f in seen if not f["inside"]]

    # `?` opens the shortcuts (focus in the dialog), Escape closes them (focus back).
    page.get_by_role("button", name="Step 10 ms").focus()
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    for keys in ["Ctrl+Z", "Ctrl+Y", "Space", "Delete", "Esc"]:
        expect(help_dialog.locator("kbd", has_text=re.compile(rf"^{re.escape(keys)}$")).first).to_be_visible()
    assert page.evaluate(FOCUSED)["name"] == "Close"
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert page.evaluate(FOCUSED)["name"] == "Step 10 ms"
    # typing `?` into a text field types it; the toolbar's ? button opens the list too
    name_box = page.get_by_label("Network name", exact=True)
    name_box.click()
    page.keyboard.press("?")
    expect(help_dialog).to_be_hidden()
    expect(name_box).to_have_value("ei_network?")
    name_box.fill("ei_network")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(help_dialog).to_be_visible()
    page.get_by_role("button", name="Close", exact=True).click()
    expect(help_dialog).to_be_hidden()
    assert read_state(page)["network"] == "ei_network"  # the field was never committed


def test_open_file_is_a_button_that_opens_the_file_chooser(sized_page, app_server):
    page = sized_page(1366, 768)
    page.goto(app_server.url)
    wait_state(page, "s.network === 'ei_network'", timeout=BUILD_TIMEOUT_MS)
    expect(page.locator('input[type="file"]')).not_to_be_visible()  # no bare "No file chosen" input
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Open file…").click()
    chooser.value.set_files(str(Path(__file__).resolve().parents[2] / "assets" / "examples" / "cuba.json"))
    wait_state(page, "s.network === 'cuba'")
