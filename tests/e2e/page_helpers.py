"""Shared by the browser tests: reading the app's state, finding canvas nodes, typing in forms."""
from __future__ import annotations

import contextlib
import json
import re

from playwright.sync_api import Page, expect

from designer import EXPOSE_STATE_ENV

TIMEOUT_MS = 10_000
# A JS function `find(root, selector)`: the first match, looking inside shadow roots (Panel nests each
# pane in one); put it at the top of a page function.
SHADOW_FIND = """const find = (root, sel) => {
    const hit = root.querySelector(sel);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      const inner = el.shadowRoot && find(el.shadowRoot, sel);
      if (inner) return inner;
    }
    return null;
  };"""

#: The environment of a served app whose state the page can read (the `debug-state` pane).
SERVER_ENV = {EXPOSE_STATE_ENV: "1", "PYTHONUNBUFFERED": "1"}


# The design as Python holds it (served with SERVER_ENV): the debug pane's text is HTML-escaped JSON (escaped once
# by the app, once more by Panel's HTML pane), so unescape until it parses.
READ_STATE = """() => {
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  const model = doc && doc.get_model_by_name('debug-state');
  if (!model || !model.text) return null;
  let text = model.text;
  for (let i = 0; i < 4; i++) {
    try { return JSON.parse(text); } catch (e) { /* still escaped */ }
    const area = document.createElement('textarea');
    area.innerHTML = text;
    text = area.value;
  }
  return null;
}"""


def read_state(page: Page) -> dict:
    return page.evaluate(READ_STATE)


def wait_state(page: Page, predicate: str, timeout: int = TIMEOUT_MS) -> dict:
    """Wait until `predicate` (JS, on the state `s`) holds; return the state."""
    try:
        page.wait_for_function(
            f"() => {{ const s = ({READ_STATE})(); return !!s && ({predicate}); }}", timeout=timeout
        )
    except Exception as exc:  # show what the state was instead of a bare timeout
        raise AssertionError(f"state never satisfied {predicate!r}; last state: {read_state(page)}") from exc
    return read_state(page)


def open_app(page: Page, url: str, query: str = "") -> dict:
    """Load the app (`query`: e.g. "?example=brunel"); return its state once every node of the
    design is on the canvas."""
    page.goto(url + query)
    state = wait_state(page, "s.populations.length >= 0", timeout=30_000)
    for name in state["populations"]:
        expect(node(page, name)).to_be_visible()
    return state


def node(page: Page, nid: str):
    return page.locator(f'.react-flow__node[data-id="{nid}"]')


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def select_node(page: Page, nid: str) -> None:
    node(page, nid).locator(".snn-node__label").click()
    wait_state(page, f"s.selection.kind === 'node' && s.selection.id === {json.dumps(nid)}")


def select_edge(page: Page, eid: str) -> None:
    page.locator(f'.react-flow__edge[data-id="{eid}"] .react-flow__edge-textbg').click()
    wait_state(page, f"s.selection.kind === 'edge' && s.selection.id === {json.dumps(eid)}")


def set_field(page: Page, label: str | re.Pattern, value: str) -> None:
    """Type into an inspector field and commit it (Enter), like a user."""
    field = page.get_by_label(label, exact=True) if isinstance(label, str) else page.get_by_label(label)
    field.fill(value)
    field.press("Enter")


# --- the design as the page holds it, and fields that update in place ----------------------

# The design JSON the page keeps (the browser bridge's `design_json`, written to localStorage):
# it changes with every accepted edit, so it tells when Python has applied one.
DESIGN_JSON = """() => {
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  if (!doc) return null;
  for (const m of doc.all_models) {
    const d = m.data;
    if (d && d.properties && 'design_json' in d.properties) return d.design_json || null;
  }
  return null;
}"""


def read_design(page: Page) -> dict | None:
    """The design as Python last sent it to the page (the saved-file JSON's `network`);
    None until the first change of the design (the opened design is not sent)."""
    text = page.evaluate(DESIGN_JSON)
    return json.loads(text)["network"] if text else None


def wait_population_param(page: Page, population: str, parameter: str, value, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the design the page holds has `value` for a population's parameter. Live
    values (slider drags) reach the page's copy once they rest for ~0.3 s (designer.main)."""
    page.wait_for_function(
        f"""([pop, name, value]) => {{
          const text = ({DESIGN_JSON})();
          if (!text) return false;
          const p = JSON.parse(text).network.populations.find((q) => q.name === pop);
          return !!p && p.params[name] === value;
        }}""", arg=[population, parameter, value], timeout=timeout, polling=20)


def set_field_and_wait_applied(page: Page, label: str | re.Pattern, value: str, timeout: int = TIMEOUT_MS) -> None:
    """Type into an inspector field and press Enter, like a user; return once Python has
    applied the edit (the design the page holds changed). Fields keep their element when a
    value changes, so this waits on the design, not on the form."""
    field = page.get_by_label(label, exact=True) if isinstance(label, str) else page.get_by_label(label)
    before = page.evaluate(DESIGN_JSON)
    field.fill(value)
    field.press("Enter")
    page.wait_for_function(f"before => ({DESIGN_JSON})() !== before", arg=before, timeout=timeout, polling=20)


def live_slider(page: Page, label: str):
    """(number box, range) of the LiveSlider labelled `label` (the label names the box)."""
    box = page.get_by_label(label, exact=True)
    return box, page.locator(".snn-ls").filter(has=box).locator("input[type=range]")


def wait_slider_acked(page: Page, box, timeout: int = TIMEOUT_MS) -> bool:
    """Wait until Python acknowledged the last final value the LiveSlider sent; its ok flag."""
    page.wait_for_function("el => el.dataset.sentSeq && el.dataset.ackSeq === el.dataset.sentSeq",
                           arg=box.element_handle(), timeout=timeout, polling=20)
    return box.evaluate("el => el.dataset.ok") == "true"


def drag_range_to(page: Page, slider, fraction: float, steps: int = 12) -> None:
    """Drag a range input's thumb with the real mouse to `fraction` (0..1) of its track."""
    box = slider.bounding_box()
    assert box is not None, f"{slider} is not visible"
    low, high = (float(slider.evaluate(f"el => el.{end}")) for end in ("min", "max"))
    value = float(slider.input_value())
    thumb = 8  # Chromium's thumb is ~16 px wide: its centre runs from 8 px in to 8 px before the end
    def x_at(f: float) -> float:
        return box["x"] + thumb + f * (box["width"] - 2 * thumb)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x_at((value - low) / (high - low)), y)
    page.mouse.down()
    page.mouse.move(x_at(fraction), y, steps=steps)
    page.mouse.up()


# --- the workspace (designer/views/workspace.js) ---------------------------------------------

WORKSPACE_STORE_KEY = "snn-designer/workspace"


def keep_workspace_split(page: Page, canvas_share: float) -> None:
    """Open every page of this tab with the canvas taking `canvas_share` of the height below
    the toolbar, as a user who dragged the split bar there before (the split is kept in the
    browser's localStorage). For tests written for a taller canvas than the default."""
    page.add_init_script(
        f"window.localStorage.setItem({json.dumps(WORKSPACE_STORE_KEY)}, JSON.stringify({{split: {canvas_share}}}))")


@contextlib.contextmanager
def enlarged_plot(page: Page, title: str):
    """Enlarge the plot section `title` with its header button (it fills the plots area and
    its chart redraws at that size); restore it afterwards."""
    section = page.locator(f'.ws-section[aria-label="{title}"]')
    plot = section.locator("canvas").first  # the chart repaints in the callback that resizes it
    before = plot.bounding_box()
    page.get_by_role("button", name=f"Enlarge {title}", exact=True).click()
    expect(section).to_have_class(re.compile(r"\bis-enlarged\b"))
    page.wait_for_function("([el, w]) => el.getBoundingClientRect().width > w + 50",
                           arg=[plot.element_handle(), before["width"]])
    try:
        yield section
    finally:
        page.get_by_role("button", name=f"Restore {title}", exact=True).click()
