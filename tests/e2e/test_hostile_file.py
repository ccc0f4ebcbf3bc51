"""A design file whose every piece of user text is HTML or script, opened and run in the real page:
everything shows as the literal text, no element or script is made of it, no alert opens."""
from __future__ import annotations

import json
from pathlib import Path

from page_helpers import node, wait_state
from playwright.sync_api import Page, expect

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
PWN = "window.__pwned=1"
NEURONS = f"<img src=x onerror={PWN}>"
STIMULUS = f"<script>{PWN}</script>"
DESCRIPTION = f"<b>bold</b> <svg onload={PWN}></svg> <a href=javascript:{PWN}>link</a> {{{{7*7}}}}"
NETWORK = f"<iframe srcdoc='<script>parent.{PWN}</script>'>"
PROJECTION = f"\"'><img src=y onerror={PWN}>"


def hostile_design() -> bytes:
    doc = json.loads((EXAMPLES / "one_neuron.json").read_text())
    net = doc["network"]
    net["name"], net["description"] = NETWORK, DESCRIPTION
    renames = {"neuron": NEURONS, "current": STIMULUS}
    for pop in net["populations"]:
        pop["name"] = renames.get(pop["name"], pop["name"])
    for proj in net["projections"]:
        proj["pre"], proj["post"] = renames.get(proj["pre"], proj["pre"]), renames.get(proj["post"], proj["post"])
        proj["name"] = PROJECTION if proj["pre"] == STIMULUS else ""
    return json.dumps(doc).encode()


def test_html_and_script_in_a_loaded_design_show_as_text_and_never_run(laptop_app: Page, screenshot_dir):
    page = laptop_app
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator('input[type="file"]').set_input_files(
        {"name": "hostile.json", "mimeType": "application/json", "buffer": hostile_design()})
    state = wait_state(page, f"s.network === {json.dumps(NETWORK)}")
    assert NEURONS in state["populations"] and STIMULUS in state["populations"]
    assert PROJECTION in [p["name"] for p in state["projections"]]

    # The description, the node labels and the inspector's title show the text as typed.
    expect(page.locator(".description")).to_have_text(DESCRIPTION)
    expect(node(page, NEURONS).locator(".snn-node__label")).to_have_text(NEURONS)
    expect(node(page, STIMULUS).locator(".snn-node__label")).to_have_text(STIMULUS)
    node(page, NEURONS).click()
    expect(page.locator(".inspector-title")).to_have_text(NEURONS)

    # Run it: the raster, rates and analysis label their rows with the names.
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.t_ms >= 200", timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    wait_state(page, "s.status !== 'running'")
    page.screenshot(path=str(screenshot_dir / "hostile-file.png"))

    # Nowhere on the page (shadow roots included) did the text become an element or run.
    for selector in ("img", "svg[onload]", "iframe", "[onerror]", "[onload]", "a[href^='javascript']"):
        expect(page.locator(selector)).to_have_count(0)
    scripts_with_pwn = page.evaluate("""() => [...document.querySelectorAll('script')]
        .filter(s => s.textContent.includes('__pwned')).length""")
    assert scripts_with_pwn == 0
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    page.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
