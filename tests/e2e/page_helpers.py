"""Shared by the browser tests: reading the app's state, finding canvas nodes, typing in forms."""
from __future__ import annotations

import json
import re

from playwright.sync_api import Page

TIMEOUT_MS = 10_000


# The design as Python holds it: the debug pane's text is HTML-escaped JSON (escaped once
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
