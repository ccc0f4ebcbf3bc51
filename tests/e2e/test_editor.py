"""Editing a design in the browser with real mouse and keyboard gestures.

Each test gets a fresh browser context (empty localStorage), so every test starts from a
first visit. The Python side's view of the design is read from the hidden `debug-state`
pane (JSON); what the user sees is checked on the page. Screenshots of the main states go
to artifacts/screenshots/editor-*.png (look at them when the UI changes).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from pathlib import Path

import pytest
from page_helpers import (
    TIMEOUT_MS, centre, keep_workspace_split, node, open_app, read_state, select_edge, select_node, set_field,
    wait_state,
)
from playwright.sync_api import Page, expect

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
# These tests place nodes on a canvas ~430 px tall: at 1200x800 the split gives it that share.
CANVAS_SHARE = 0.62
XSS_NAME = "<img src=x onerror=alert(1)>"

def wait_populations(page: Page, names: list[str]) -> dict:
    compact = json.dumps(names, separators=(",", ":"))  # as JSON.stringify writes it
    return wait_state(page, f"JSON.stringify(s.populations) === {json.dumps(compact)}")


def drop_from_palette(page: Page, model: str, x: float, y: float) -> None:
    """Drag a palette entry onto the canvas at (x, y) relative to the pane."""
    page.locator(f'.snn-palette__item[data-model="{model}"]').drag_to(
        page.locator(".react-flow__pane"), target_position={"x": x, "y": y}
    )


def connect(page: Page, source: str, target: str) -> None:
    sx, sy = centre(node(page, source).locator(".react-flow__handle.source"))
    tx, ty = centre(node(page, target).locator(".react-flow__handle.target"))
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(tx, ty, steps=20)
    page.mouse.up()


def click_empty_canvas(page: Page, x: float = 560, y: float = 200) -> None:
    """Focus the canvas (for its keyboard shortcuts) without selecting anything: click the
    pane at (x, y), a spot with no node or edge (the default suits the E/I build below)."""
    page.locator(".react-flow__pane").click(position={"x": x, "y": y})
    wait_state(page, "Object.keys(s.selection).length === 0")


def problems(page: Page):
    return page.locator(".problems")


def shot(page: Page, screenshot_dir, name: str) -> None:
    page.mouse.move(1, 795)  # no hover tooltip in the picture
    page.screenshot(path=str(screenshot_dir / f"editor-{name}.png"))


@pytest.fixture
def app(page: Page, page_errors, app_server):
    """The app in a fresh tab, first visit; fails on console errors and on any dialog
    (an alert() would mean user text ran as code)."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.set_default_timeout(TIMEOUT_MS)
    keep_workspace_split(page, CANVAS_SHARE)
    page.open_app = functools.partial(open_app, page, app_server.url)
    yield page
    assert not dialogs, f"a dialog opened (user text ran as code?): {dialogs}"


# --- tests -----------------------------------------------------------------------------------


def test_first_visit_shows_the_example_and_a_link_opens_another(app: Page, screenshot_dir):
    state = app.open_app()
    assert state["network"] == "ei_network"
    assert state["populations"] == ["exc", "inh", "noise"]
    assert not state["can_undo"] and not state["can_redo"]
    expect(app.locator(".react-flow__edge")).to_have_count(len(state["projections"]))
    expect(problems(app)).to_have_text("No problems found.")
    expect(app.locator(".description")).to_contain_text("excitatory/inhibitory")
    shot(app, screenshot_dir, "01-first-visit")

    state = app.open_app("?example=brunel")
    assert state["network"] == "brunel"
    expect(app.locator(".inspector-title")).to_have_text("brunel")
    shot(app, screenshot_dir, "02-link-to-brunel")


def test_build_ei_network_from_empty_canvas_then_undo_redo_and_delete(app: Page, screenshot_dir):
    app.open_app()
    app.get_by_role("button", name="New", exact=True).click()
    state = wait_populations(app, [])
    assert state["projections"] == [] and state["can_undo"]
    expect(app.locator(".snn-empty")).to_be_visible()
    expect(problems(app)).to_have_text("No problems found.")
    shot(app, screenshot_dir, "03-empty-canvas")

    # Two populations from the palette, named exc and inh in the inspector.
    drop_from_palette(app, "iaf_psc_exp", 330, 110)
    wait_populations(app, ["neurons"])
    # A new unconnected population is flagged right away, on the list and on its node.
    expect(problems(app)).to_contain_text("nothing drives 'neurons'")
    expect(node(app, "neurons").locator(".snn-node.is-warning")).to_be_visible()
    shot(app, screenshot_dir, "04-new-population-problem")
    expect(app.locator(".inspector-title")).to_have_text("neurons")  # the new node's form
    set_field(app, "Name", "exc")
    wait_populations(app, ["exc"])

    drop_from_palette(app, "iaf_psc_exp", 330, 290)
    wait_populations(app, ["exc", "neurons"])
    expect(app.locator(".inspector-title")).to_have_text("neurons")
    set_field(app, "Name", "inh")
    wait_populations(app, ["exc", "inh"])

    # Drive, then the recurrent E -> I and I -> E connections, each drawn by dragging.
    drop_from_palette(app, "poisson_generator", 110, 200)
    wait_populations(app, ["exc", "inh", "noise"])
    expect(problems(app)).to_contain_text("'noise' is not connected to anything")
    for source, target in [("noise", "exc"), ("noise", "inh"), ("exc", "inh"), ("inh", "exc")]:
        count = len(read_state(app)["projections"])
        connect(app, source, target)
        wait_state(app, f"s.projections.length === {count + 1}")
    state = read_state(app)
    names = [p["name"] for p in state["projections"]]
    assert names == ["noise→exc", "noise→inh", "exc→inh", "inh→exc"]
    expect(problems(app)).to_have_text("No problems found.")
    expect(app.locator(".react-flow__edge")).to_have_count(4)

    # Make I -> E inhibitory in the inspector; the edge turns red (inhibitory).
    select_edge(app, "inh→exc")
    set_field(app, re.compile(r"^Weight \("), "-40")
    state = wait_state(app, "s.projections[3].weight === -40")
    assert state["projections"][2]["weight"] > 0
    expect(app.locator('.react-flow__edge[data-id="inh→exc"] .snn-edge--inh')).to_have_count(1)
    shot(app, screenshot_dir, "05-ei-network-built")

    # Undo with the keyboard (focus in the canvas): the weight, then the last connection.
    click_empty_canvas(app)
    weight_before = state["projections"][3]["weight"]
    app.keyboard.press("Control+z")
    state = wait_state(app, "s.projections.length === 4 && s.projections[3].weight !== -40")
    assert state["projections"][3]["weight"] != weight_before
    app.keyboard.press("Control+z")
    state = wait_state(app, "s.projections.length === 3")
    expect(app.locator(".react-flow__edge")).to_have_count(3)
    assert state["can_redo"]
    shot(app, screenshot_dir, "06-after-two-undos")
    # Redo: once with the keyboard, once with the toolbar button.
    app.keyboard.press("Control+Shift+z")
    wait_state(app, "s.projections.length === 4 && s.projections[3].weight !== -40")
    app.get_by_role("button", name="Redo").click()
    state = wait_state(app, "s.projections.length === 4 && s.projections[3].weight === -40")
    assert not state["can_redo"]
    # The shortcuts also work with the focus outside the canvas (page-wide), one step a press.
    app.locator(".brand").click()
    assert app.evaluate("() => document.activeElement === document.body")
    app.keyboard.press("Control+z")
    wait_state(app, "s.projections.length === 4 && s.projections[3].weight !== -40 && s.can_redo")
    app.keyboard.press("Control+y")
    wait_state(app, "s.projections[3].weight === -40 && !s.can_redo")

    # Delete a node: its projections go with it; the toolbar's Undo brings all back.
    select_node(app, "inh")
    app.keyboard.press("Delete")
    state = wait_populations(app, ["exc", "noise"])
    assert [p["name"] for p in state["projections"]] == ["noise→exc"]
    expect(node(app, "inh")).to_have_count(0)
    expect(app.locator(".react-flow__edge")).to_have_count(1)
    shot(app, screenshot_dir, "07-node-deleted")
    app.get_by_role("button", name="Undo").click()
    state = wait_populations(app, ["exc", "inh", "noise"])
    assert len(state["projections"]) == 4
    expect(node(app, "inh")).to_be_visible()

    # Undo all the way back to the example the page opened with.
    app.get_by_role("button", name="New", exact=True).click()  # an edit too: clears redo
    wait_populations(app, [])
    app.get_by_role("button", name="Undo").click()
    wait_populations(app, ["exc", "inh", "noise"])


def test_invalid_value_shows_an_inline_error_and_keeps_the_design(app: Page, screenshot_dir):
    app.open_app()
    select_node(app, "exc")
    set_field(app, "tau_m (ms)", "-5")
    error = app.locator("span.field-error").filter(has_text="tau_m")
    expect(error).to_be_visible()
    expect(error).to_contain_text("-5")
    state = read_state(app)
    assert not state["can_undo"], "a refused value must not change the design"
    shot(app, screenshot_dir, "08-invalid-value")
    # A valid value clears the error and is an edit.
    set_field(app, "tau_m (ms)", "15")
    wait_state(app, "s.can_undo")
    expect(app.locator("span.field-error").filter(has_text="tau_m")).to_have_count(0)


def test_population_names_are_shown_as_text_never_as_html(app: Page, screenshot_dir):
    app.open_app()
    drop_from_palette(app, "iaf_psc_delta", 200, 360)
    wait_populations(app, ["exc", "inh", "noise", "neurons"])
    expect(app.locator(".inspector-title")).to_have_text("neurons")
    set_field(app, "Name", XSS_NAME)
    state = wait_populations(app, ["exc", "inh", "noise", XSS_NAME])
    assert state["selection"] == {"kind": "node", "id": XSS_NAME}

    # On the node, in the form's title and field, and in the problems list: as typed.
    label = node(app, XSS_NAME).locator(".snn-node__label")
    expect(label).to_have_text(XSS_NAME)
    expect(app.locator(".inspector-title")).to_have_text(XSS_NAME)
    expect(app.get_by_label("Name", exact=True)).to_have_value(XSS_NAME)
    expect(problems(app)).to_contain_text(f"nothing drives '{XSS_NAME}'")
    shot(app, screenshot_dir, "09-html-name-shown-as-text")

    # A projection to it is named after it, and shown as text too.
    connect(app, "noise", XSS_NAME)
    drive = f"noise→{XSS_NAME}"
    state = wait_state(app, f"s.projections.some(p => p.name === {json.dumps(drive)})")
    expect(app.locator(".inspector-title")).to_have_text(drive)  # a new edge is selected
    expect(problems(app)).to_have_text("No problems found.")
    # Nowhere on the page (shadow roots included) did the name become an element.
    expect(app.locator("img")).to_have_count(0)
    expect(app.locator("[onerror]")).to_have_count(0)
    shot(app, screenshot_dir, "10-html-name-projection")


def test_open_example_save_to_file_and_load_it_back(app: Page, screenshot_dir, tmp_path):
    app.open_app()
    app.get_by_label("Open an example").select_option("cuba")
    state = wait_state(app, "s.network === 'cuba'")
    cuba = state["populations"]
    expect(app.locator(".inspector-title")).to_have_text("cuba")
    for name in cuba:
        expect(node(app, name)).to_be_visible()
    shot(app, screenshot_dir, "11-example-cuba")

    with app.expect_download() as download_info:
        app.get_by_role("button", name="Save to file").click()
    download = download_info.value
    assert download.suggested_filename == "cuba.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = json.loads(saved.read_text(encoding="utf-8"))
    assert content["format"] == "snn-designer-network"
    assert [p["name"] for p in content["network"]["populations"]] == cuba

    app.get_by_role("button", name="New", exact=True).click()
    wait_populations(app, [])
    app.locator('input[type="file"]').set_input_files(saved)
    state = wait_populations(app, cuba)
    assert state["network"] == "cuba"
    assert len(state["projections"]) == len(content["network"]["projections"])
    for name in cuba:
        expect(node(app, name)).to_be_visible()
    shot(app, screenshot_dir, "12-loaded-from-file")

    # Choosing the same file again, after more edits, opens it again.
    app.get_by_role("button", name="New", exact=True).click()
    wait_populations(app, [])
    expect(app.locator('input[type="file"]')).to_have_value("")  # emptied after opening
    app.locator('input[type="file"]').set_input_files(saved)
    wait_populations(app, cuba)


def test_a_broken_file_shows_an_error_and_leaves_the_design_untouched(app: Page, screenshot_dir):
    before = app.open_app()
    file_input = app.locator('input[type="file"]')
    file_input.set_input_files(
        {"name": "broken.json", "mimeType": "application/json", "buffer": b'{"format": "snn-designer-net'}
    )
    banner = app.locator(".banner.fault")
    expect(banner).to_contain_text("could not open broken.json: not valid JSON")
    after = read_state(app)
    assert after["populations"] == before["populations"]
    assert after["projections"] == before["projections"]
    assert not after["can_undo"]
    for name in before["populations"]:
        expect(node(app, name)).to_be_visible()
    shot(app, screenshot_dir, "13-broken-file")

    # Valid JSON that is not a valid network: the message names the problem.
    bad = json.loads((EXAMPLES / "one_neuron.json").read_text())
    bad["network"]["populations"][0]["size"] = -3
    file_input.set_input_files(
        {"name": "bad_size.json", "mimeType": "application/json", "buffer": json.dumps(bad).encode()}
    )
    expect(banner).to_contain_text("could not open bad_size.json")
    expect(banner).to_contain_text("size")
    assert read_state(app)["populations"] == before["populations"]


def test_the_design_survives_a_reload_but_a_link_still_wins(app: Page, screenshot_dir):
    app.open_app()
    select_node(app, "noise")
    app.keyboard.press("Delete")
    wait_populations(app, ["exc", "inh"])
    drop_from_palette(app, "iaf_psc_exp", 200, 360)
    wait_populations(app, ["exc", "inh", "neurons"])

    app.reload()
    state = wait_populations(app, ["exc", "inh", "neurons"])
    assert not state["can_undo"], "restoring the kept design is not an edit"
    # The canvas shows the restored design, not the example the page started with.
    expect(app.locator(".react-flow__node")).to_have_count(3)
    expect(node(app, "noise")).to_have_count(0)
    expect(node(app, "neurons")).to_be_visible()
    expect(problems(app)).to_contain_text("nothing drives 'neurons'")
    shot(app, screenshot_dir, "14-after-reload")

    # A link to an example opens it even though this browser keeps a design.
    state = app.open_app("?example=one_neuron")
    assert state["network"] == "one_neuron"
    expect(node(app, "neurons")).to_have_count(0)


# Boxes of every element matching a selector, in the light DOM and in every (open) shadow
# root: wait_for_function's document.querySelectorAll does not pierce Panel's shadow roots.
DEEP_RECTS = """(selector) => {
  const out = [];
  const walk = (root) => {
    root.querySelectorAll(selector).forEach((el) => {
      const r = el.getBoundingClientRect();
      out.push({id: el.dataset.id, left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    });
    root.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) walk(el.shadowRoot); });
  };
  walk(document);
  return out;
}"""

NODES_INSIDE_CANVAS = f"""(names) => {{
  const rects = {DEEP_RECTS};
  const [flow] = rects('.react-flow');
  const nodes = rects('.react-flow__node');
  const ids = nodes.map((n) => n.id).sort();
  return !!flow && JSON.stringify(ids) === JSON.stringify([...names].sort()) && nodes.every((n) =>
    n.left >= flow.left && n.right <= flow.right && n.top >= flow.top && n.bottom <= flow.bottom);
}}"""


def canvas_box(page: Page) -> dict:
    box = page.locator(".react-flow").bounding_box()
    assert box is not None
    return box


def inside(box: dict, outer: dict) -> bool:
    return (box["x"] >= outer["x"] and box["y"] >= outer["y"]
            and box["x"] + box["width"] <= outer["x"] + outer["width"]
            and box["y"] + box["height"] <= outer["y"] + outer["height"])  # fmt: skip


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])  # fmt: skip


def view_transform(page: Page) -> str:
    return page.locator(".react-flow__viewport").evaluate("el => el.style.transform")


def label_boxes(page: Page) -> dict[str, dict]:
    boxes = {}
    for edge in page.locator(".react-flow__edge").all():
        box = edge.locator(".react-flow__edge-textbg").bounding_box()
        assert box is not None, f"edge {edge.get_attribute('data-id')} has no visible label"
        boxes[edge.get_attribute("data-id")] = box
    return boxes


def test_opening_another_design_fits_the_view_but_edits_leave_it_alone(app: Page, screenshot_dir):
    state = app.open_app()
    flow = canvas_box(app)
    # Pan the view until the whole design is off screen (drag the empty pane, bottom right).
    app.mouse.move(flow["x"] + flow["width"] - 40, flow["y"] + flow["height"] - 20)
    app.mouse.down()
    app.mouse.move(flow["x"] + 10, flow["y"] + 10, steps=15)
    app.mouse.up()
    for name in state["populations"]:
        assert not inside(node(app, name).bounding_box(), flow), f"{name} still on screen"

    # An ordinary edit (a palette drop) does not move the view.
    before = view_transform(app)
    drop_from_palette(app, "iaf_psc_exp", 300, 200)
    wait_populations(app, [*state["populations"], "neurons"])
    expect(node(app, "neurons")).to_be_visible()
    assert view_transform(app) == before

    # Opening an example whose nodes are all new fits the view to them.
    app.get_by_label("Open an example").select_option("one_neuron")
    state = wait_state(app, "s.network === 'one_neuron'")
    app.wait_for_function(NODES_INSIDE_CANVAS, arg=state["populations"])
    for name in state["populations"]:
        assert inside(node(app, name).bounding_box(), flow), f"{name} is outside the canvas"
    shot(app, screenshot_dir, "15-opened-example-fitted")

    # So does opening a design after New (from an empty canvas).
    app.get_by_role("button", name="New", exact=True).click()
    wait_populations(app, [])
    app.mouse.move(flow["x"] + flow["width"] - 40, flow["y"] + flow["height"] - 20)
    app.mouse.down()
    app.mouse.move(flow["x"] + flow["width"] - 600, flow["y"] + flow["height"] - 400, steps=15)
    app.mouse.up()
    app.get_by_label("Open an example").select_option("cuba")
    state = wait_state(app, "s.network === 'cuba'")
    app.wait_for_function(NODES_INSIDE_CANVAS, arg=state["populations"])


def test_opposite_projections_draw_apart_with_readable_labels(app: Page, screenshot_dir):
    state = app.open_app()  # ei_network: exc→inh and inh→exc, plus self-loops on both
    assert {"exc→inh", "inh→exc", "exc→exc", "inh→inh"} <= {p["name"] for p in state["projections"]}
    boxes = label_boxes(app)
    assert len(boxes) == len(state["projections"])
    for a, b in itertools.combinations(boxes, 2):
        assert not overlap(boxes[a], boxes[b]), f"labels of {a} and {b} overlap"
    # The pair's paths are apart too: their middles (where the labels sit) are far enough.
    there, back = boxes["exc→inh"], boxes["inh→exc"]
    assert abs(there["x"] - back["x"]) + abs(there["y"] - back["y"]) > 40
    shot(app, screenshot_dir, "16-opposite-projections")

    # Side by side (inh dragged to the right of exc): the straight pair would lie on one line.
    x, y = centre(node(app, "inh").locator(".snn-node__label"))
    ex, ey = centre(node(app, "exc").locator(".snn-node__label"))
    app.mouse.move(x, y)
    app.mouse.down()
    app.mouse.move(x + 10, y + 10)
    app.mouse.move(ex + 230, ey, steps=15)
    app.mouse.up()
    wait_state(app, "s.can_undo")
    boxes = label_boxes(app)
    for a, b in itertools.combinations(boxes, 2):
        assert not overlap(boxes[a], boxes[b]), f"labels of {a} and {b} overlap"
    shot(app, screenshot_dir, "17-opposite-projections-side-by-side")
