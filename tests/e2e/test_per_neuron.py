"""A parameter that varies per neuron, in the browser: typed into the inspector, shown as
"varies per neuron" with its distribution and a histogram, and made one value for all again."""
from __future__ import annotations

from page_helpers import TIMEOUT_MS, open_app, read_design, select_node, set_field_and_wait_applied
from playwright.sync_api import Page, expect


def test_a_drawn_threshold_shows_varies_per_neuron_with_its_histogram(page: Page, app_server, screenshot_dir):
    open_app(page, app_server.url, "?example=ei_network")
    select_node(page, "exc")
    set_field_and_wait_applied(page, "Vary per neuron", "V_th = normal(20, 1)")
    design = read_design(page)
    exc = next(p for p in design["populations"] if p["name"] == "exc")
    drawn = exc["params"]["V_th"]
    assert (drawn["type"], drawn["kind"], drawn["params"], drawn["scale"]) == (
        "Distribution", "normal", {"mean": 20.0, "std": 1.0}, 1.0)
    expect(page.get_by_text("varies per neuron")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("normal(mean=20, std=1) mV, drawn per neuron")).to_be_visible()
    histogram = page.locator(".per-neuron-histogram svg")
    expect(histogram).to_be_visible()
    assert histogram.locator("rect").count() == 20
    heights = [float(h) for h in histogram.locator("rect").evaluate_all("rs => rs.map(r => r.getAttribute('height'))")]
    assert max(heights) > 0 and heights.index(max(heights)) in range(6, 14)  # peak near the mean
    expect(page.locator(".per-neuron-histogram .range")).to_contain_text("800 neurons")
    histogram.scroll_into_view_if_needed()
    page.mouse.move(1, 795)
    page.screenshot(path=str(screenshot_dir / "per-neuron-histogram.png"))
    set_field_and_wait_applied(page, "Replace V_th", "20")  # one value for all again
    expect(page.get_by_text("varies per neuron")).to_have_count(0)
