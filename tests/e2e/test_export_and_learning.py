"""Export menu, NIR import, model presets and live learning, in the browser.

Screenshots go to artifacts/screenshots/export-*.png.
"""
from __future__ import annotations

import functools
import io
import json

import numpy as np
import pytest
from page_helpers import (
    TIMEOUT_MS, node, open_app, read_design, select_edge, select_node, set_field_and_wait_applied, wait_state,
)
from playwright.sync_api import Page, expect

from engine import Connectivity, Network, Population, Projection
from engine.io.export import write_nir

WEIGHTS_TITLE = """() => {
  const fig = Bokeh.documents[0].get_model_by_name('weights-figure');
  return fig ? fig.title.text : null;
}"""


@pytest.fixture
def app(page: Page, page_errors, app_server):
    page.set_default_timeout(TIMEOUT_MS)
    page.open_app = functools.partial(open_app, page, app_server.url)
    yield page


def choose_export(page: Page, label: str) -> None:
    page.get_by_label("Export as").select_option(label)


def download_export(page: Page, tmp_path) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name="Export", exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def run_for(page: Page, simulated_ms: float) -> None:
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, f"s.t_ms > {simulated_ms}", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    wait_state(page, "s.status === 'paused'")


def test_export_menu_downloads_scripts_data_and_figures(app: Page, tmp_path, screenshot_dir):
    app.open_app()
    export_button = app.get_by_role("button", name="Export", exact=True)

    script = download_export(app, tmp_path).decode()
    assert script.startswith("#!/usr/bin/env python3") and "nest.Create" in script

    # NIR cannot hold a Poisson source: the export is refused before any download, with the reason
    choose_export(app, "NIR graph (.nir)")
    expect(export_button).to_be_disabled()
    expect(app.locator(".field-error").filter(has_text="poisson_generator")).to_be_visible()

    # recorded data needs a run first
    choose_export(app, "Recorded spikes (CSV)")
    expect(export_button).to_be_disabled()
    expect(app.get_by_text("nothing recorded yet: press Run first")).to_be_visible()
    run_for(app, 300.0)
    expect(export_button).to_be_enabled()
    rows = download_export(app, tmp_path).decode().splitlines()
    assert rows[0] == "population,neuron,time_ms"
    times = np.array([float(r.split(",")[2]) for r in rows[1:]])
    assert len(rows) > 1000 and times.min() > 0 and {r.split(",")[0] for r in rows[1:]} == {"exc", "inh"}

    # the recorded rates: one row per whole 5 ms bin (none twice), each the rate of the saved spikes
    choose_export(app, "Everything recorded (NPZ)")
    with np.load(io.BytesIO(download_export(app, tmp_path)), allow_pickle=False) as saved:
        rate_times, rate_hz, sizes = saved["rate_time_ms"], saved["rate_hz"], saved["population_sizes"]
        spike_population, spike_step = saved["spike_population"], saved["spike_step"]
        steps_per_bin, n_bins = int(round(5.0 / float(saved["dt_ms"]))), int(saved["t_ms"] // 5.0)
    # (at 1x the small default network keeps up: no frame is dropped, so no bin is missing)
    np.testing.assert_allclose(rate_times, np.arange(n_bins) * 5.0, atol=1e-9)
    assert n_bins >= 60
    for p in np.unique(spike_population):
        counts = np.bincount(spike_step[spike_population == p] // steps_per_bin, minlength=n_bins)[:n_bins]
        np.testing.assert_allclose(rate_hz[:, p], counts / 5e-3 / sizes[p], rtol=1e-12)

    choose_export(app, "Raster figure (PNG)")
    assert download_export(app, tmp_path).startswith(b"\x89PNG")
    choose_export(app, "Rates figure (SVG)")
    assert b"<svg" in download_export(app, tmp_path)[:200]
    app.screenshot(path=str(screenshot_dir / "export-01-menu.png"))


def test_a_nir_graph_opens_and_a_broken_one_is_refused(app: Page, tmp_path, screenshot_dir):
    app.open_app()
    rule = Connectivity("explicit", pre_indices=(0, 1, 2), post_indices=(1, 0, 3))
    network = Network(name="from_nir", populations=[
        Population("a", "iaf_psc_exp", 3, params={"I_e": 400.0}), Population("b", "iaf_psc_exp", 4)],
        projections=[Projection("a", "b", rule, weight=(100.0, -50.0, 80.0), delay=1.0)])
    good = tmp_path / "from_nir.nir"
    write_nir(network, good)
    app.locator('input[type="file"]').set_input_files(str(good))
    state = wait_state(app, "s.network === 'from_nir'")
    assert state["populations"] == ["a", "b"]
    expect(node(app, "a")).to_be_visible()

    broken = tmp_path / "broken.nir"
    broken.write_bytes(good.read_bytes()[:200])
    app.locator('input[type="file"]').set_input_files(str(broken))
    expect(app.get_by_text("could not open broken.nir", exact=False)).to_be_visible()
    assert wait_state(app, "true")["network"] == "from_nir"  # the design is untouched
    app.screenshot(path=str(screenshot_dir / "export-02-nir-refused.png"))


def test_a_preset_sets_a_firing_pattern_in_one_step(app: Page, screenshot_dir):
    app.open_app()
    app.get_by_role("button", name="New", exact=True).click()
    wait_state(app, "s.populations.length === 0")
    app.locator('.snn-palette__item[data-model="aeif_cond_exp"]').drag_to(
        app.locator(".react-flow__pane"), target_position={"x": 300, "y": 150})
    wait_state(app, "s.populations.length === 1")
    select_node(app, "neurons")
    app.get_by_label("Preset (firing pattern)").select_option("adapting")
    expect(app.get_by_label("tau_w (ms)")).to_have_value("300")
    expect(app.get_by_label("b (pA)")).to_have_value("60")
    state = wait_state(app, "s.can_undo")
    assert state["populations"] == ["neurons"]
    app.screenshot(path=str(screenshot_dir / "export-03-preset.png"))


def test_learning_can_be_frozen_while_running(app: Page, screenshot_dir):
    app.open_app("?example=stdp_pattern")
    app.get_by_label("Speed").select_option("max")
    run_for(app, 1000.0)
    title = app.wait_for_function(f"() => {{ const t = ({WEIGHTS_TITLE})(); return t && t.includes('learning') && t; }}").json_value()
    select_edge(app, "relay→readout")
    app.get_by_role("checkbox").last.uncheck()  # "Learning on (live)": the last checkbox of the edge form
    app.get_by_role("button", name="▶ Run").click()
    frozen = app.wait_for_function(f"() => {{ const t = ({WEIGHTS_TITLE})(); return t && t.includes('frozen') && t; }}").json_value()
    wait_state(app, f"s.t_ms > {json.dumps(1500.0)}", timeout=30_000)
    later = app.evaluate(WEIGHTS_TITLE)
    app.get_by_role("button", name="Pause").click()
    mean_frozen, mean_later = (float(t.rsplit("mean", 1)[1]) for t in (frozen, later))
    assert mean_frozen == mean_later  # frozen weights do not move
    assert "learning" in title
    app.screenshot(path=str(screenshot_dir / "export-04-learning-frozen.png"))


def test_a_drawn_weight_can_be_scaled_and_redrawn_or_clamped(app: Page, screenshot_dir):
    """stdp_pattern's relay→readout weights are uniform(80, 160): scale them by -1 (inhibitory),
    bound them, and choose how draws outside the bounds are kept."""
    app.open_app("?example=stdp_pattern")
    select_edge(app, "relay→readout")
    expect(app.get_by_text("1 x uniform(low=80, high=160)")).to_be_visible()
    set_field_and_wait_applied(app, "Weight scale", "0.5")
    weight = read_design(app)["projections"][1]["weight"]
    assert (weight["scale"], weight["clip"]) == (0.5, "redraw")
    expect(app.get_by_text("0.5 x uniform(low=80, high=160)")).to_be_visible()
    app.screenshot(path=str(screenshot_dir / "export-05-drawn-weight.png"))
