"""tsodyks2_synapse in the browser: chosen in the inspector's synapse select, its parameters
appear from the model's metadata (U, tau_rec, tau_fac as live sliders; the initial u, x as
plain inputs), and U typed while the network runs is taken live, without a restart.
Screenshot: artifacts/screenshots/short-term-01-live-U.png."""
from __future__ import annotations

import functools

import pytest
from page_helpers import (
    DESIGN_JSON, TIMEOUT_MS, live_slider, open_app, read_design, select_edge, wait_slider_acked, wait_state,
)
from playwright.sync_api import Page, expect


@pytest.fixture
def app(page: Page, page_errors, app_server):
    page.set_default_timeout(TIMEOUT_MS)
    page.open_app = functools.partial(open_app, page, app_server.url)
    yield page


def test_tsodyks2_parameters_are_live_sliders_and_U_changes_while_running(app: Page, screenshot_dir):
    app.open_app("?example=ei_network")
    select_edge(app, "exc→inh")
    app.get_by_label("Synapse model").select_option("tsodyks2_synapse")
    for label, value in (("U", "0.5"), ("tau_rec (ms)", "800"), ("tau_fac (ms)", "0")):
        box, slider = live_slider(app, label)
        expect(box).to_have_value(value)
        expect(slider).to_be_visible()
    expect(app.locator(".snn-ls").filter(has=app.get_by_label("x", exact=True))).to_have_count(0)  # not live
    expect(app.get_by_label("x", exact=True)).to_have_value("1")

    app.get_by_role("button", name="▶ Run").click()
    wait_state(app, "s.status === 'running' && s.t_ms > 50", timeout=60_000)
    box, _ = live_slider(app, "U")
    box.fill("0.2")
    box.press("Enter")
    assert wait_slider_acked(app, box)
    state = wait_state(app, "s.status === 'running'")
    assert not state["needs_restart"], "a live U must not ask for a rebuild"
    t_change = state["t_ms"]
    wait_state(app, f"s.t_ms > {t_change + 100}", timeout=60_000)  # the simulation goes on
    # live values reach the page's copy of the design once they rest
    app.wait_for_function(f"""() => {{
      const text = ({DESIGN_JSON})();
      const p = text && JSON.parse(text).network.projections.find((q) => q.name === 'exc→inh');
      return !!p && p.synapse_params.U === 0.2;
    }}""")
    assert read_design(app)["projections"][1]["synapse"] == "tsodyks2_synapse"
    app.mouse.move(1, 795)
    app.screenshot(path=str(screenshot_dir / "short-term-01-live-U.png"))
    app.get_by_role("button", name="Pause").click()
