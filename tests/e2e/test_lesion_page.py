"""Lesions in the browser: inh of ei_network lesioned mid-run from the control under the inspector
greys its 200 raster rows and stops its spikes in the raster (the excitatory rows fire faster), a
revive brings them back; the degradation sweep draws its plot. Screenshots:
artifacts/screenshots/lesions-*.png."""
from __future__ import annotations

import pytest
from page_helpers import open_app, select_edge, select_node, wait_state
from playwright.sync_api import Page, expect

# Per drawn frame: its time range and the spikes in exc's rows (0-799) and inh's (800-999).
PROBE = """() => {
  window.lesionFrames = [];
  window.snnRasterOnFrame = (msg) => {
    const n = msg.n | 0;
    let bytes = msg.data;
    bytes = bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rows = new Uint16Array(bytes.slice(0, 2 * n).buffer);
    let inh = 0;
    for (const r of rows) if (r >= 800) inh++;
    window.lesionFrames.push({t0: msg.t0, t1: msg.t1, exc: n - inh, inh});
  };
}"""


def spikes_between(page: Page, t0: float, t1: float) -> dict:
    return page.evaluate("""([t0, t1]) => {
      const f = window.lesionFrames.filter(f => f.t0 >= t0 && f.t1 <= t1);
      return {exc: f.reduce((a, x) => a + x.exc, 0), inh: f.reduce((a, x) => a + x.inh, 0),
              ms: f.reduce((a, x) => a + (x.t1 - x.t0), 0)};
    }""", [t0, t1])


def wait_sim_ms(page: Page, t_ms: float) -> None:
    page.wait_for_function("t => window.lesionFrames.length && window.lesionFrames.at(-1).t1 >= t", arg=t_ms,
                           timeout=30_000, polling=50)


@pytest.fixture
def app(page, page_errors, app_server):
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 768})
    open_app(page, app_server.url, "?example=ei_network")
    page.evaluate(PROBE)
    return page


def test_a_lesion_applied_mid_run_greys_rows_and_changes_the_raster(app: Page, screenshot_dir):
    raster = app.locator("canvas.snn-raster")
    app.get_by_role("button", name="▶ Run").click()
    wait_sim_ms(app, 300.0)
    select_node(app, "inh")
    app.get_by_label("Fraction (0-1)", exact=True).fill("1")
    app.get_by_label("Fraction (0-1)", exact=True).press("Enter")
    app.get_by_role("button", name="Lesion fraction").click()
    expect(raster).to_have_attribute("data-lesioned-rows", "200")
    expect(app.locator(".lesion-note[data-lesioned='200']")).to_be_visible()
    # frames merged before the reply may still be drawn after the rows greyed: a margin after both clocks
    lesioned_at = max(wait_state(app, "s.t_ms > 0")["t_ms"], app.evaluate("() => window.lesionFrames.at(-1).t1"))
    wait_sim_ms(app, lesioned_at + 700.0)
    before = spikes_between(app, 0.0, 250.0)
    after = spikes_between(app, lesioned_at + 100.0, lesioned_at + 700.0)
    assert before["inh"] > 0 and after["inh"] == 0  # the lesioned rows stay empty
    assert after["exc"] / after["ms"] > 1.2 * before["exc"] / before["ms"]  # less inhibition: exc fires faster
    app.get_by_role("button", name="Lesion fraction").scroll_into_view_if_needed()
    app.screenshot(path=str(screenshot_dir / "lesions-inh-lesioned-1366x768.png"))
    for button in ("Lesion fraction", "Revive all", "Lesion neurons"):  # the control fits the sidebar
        box = app.get_by_role("button", name=button).bounding_box()
        assert box["x"] + box["width"] <= 1366

    app.get_by_role("button", name="Revive all").click()
    expect(raster).to_have_attribute("data-lesioned-rows", "0")
    revived_at = max(wait_state(app, "s.t_ms > 0")["t_ms"], app.evaluate("() => window.lesionFrames.at(-1).t1"))
    wait_sim_ms(app, revived_at + 300.0)
    assert spikes_between(app, revived_at + 100.0, revived_at + 300.0)["inh"] > 0
    app.get_by_role("button", name="Pause").click()

    select_edge(app, "exc→inh")  # a projection: a fraction of its synapses
    expect(app.get_by_role("button", name="Lesion fraction")).to_be_visible()
    expect(app.get_by_label("Neuron indices", exact=True)).to_be_hidden()


def test_the_degradation_sweep_runs_in_the_background_and_plots(app: Page, screenshot_dir):
    app.get_by_role("button", name="Expand Lesions: degradation sweep", exact=True).click()
    section = app.locator('.ws-section[aria-label="Lesions: degradation sweep"]')
    section.get_by_label("Lesion", exact=True).select_option("inh")
    section.get_by_label("Measure the rate of", exact=True).select_option("exc")
    section.get_by_role("button", name="Run sweep").click()
    expect(app.locator(".lesion-note[data-done='true']")).to_be_visible(timeout=120_000)
    expect(app.locator("svg.sweep-plot")).to_be_visible()
    rates = app.locator("table.sweep td[data-value]").evaluate_all("tds => tds.map(td => Number(td.dataset.value))")
    assert len(rates) == 6 and rates[-1] > rates[0] > 0
    title = "Lesions: degradation sweep"
    app.get_by_role("button", name=f"Enlarge {title}", exact=True).click()
    app.wait_for_timeout(500)  # the enlarged layout settles
    app.screenshot(path=str(screenshot_dir / "lesions-sweep-1366x768.png"))


def test_a_memristive_preset_applied_in_the_inspector(page, page_errors, app_server, screenshot_dir):
    from page_helpers import DESIGN_JSON, read_design

    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 768})
    open_app(page, app_server.url, "?example=stdp_pattern")
    select_edge(page, "relay→readout")
    preset = page.get_by_label("Device preset", exact=True)
    preset.scroll_into_view_if_needed()
    preset.select_option(label="Faulty RRAM (teaching)")
    expect(page.get_by_label("p_stuck_on", exact=True)).to_have_value("0.0500")
    page.wait_for_function(f"() => {{ const t = ({DESIGN_JSON})(); return !!t && t.includes('Memristor'); }}")
    design = read_design(page)
    device = next(p for p in design["projections"] if p["name"] == "relay→readout")["memristor"]
    assert device["p_stuck_on"] == 0.05 and device["levels"] == 97 and device["type"] == "Memristor"
    page.get_by_label("p_stuck_on", exact=True).scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "lesions-memristor-preset-1366x768.png"))
    page.get_by_role("button", name="▶ Run").click()  # the rebuilt network runs with its devices
    wait_state(page, "s.status === 'running' && s.t_ms > 100", timeout=30_000)
