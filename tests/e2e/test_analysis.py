"""The analysis panel in the browser: opened while ei_network runs, its numbers (rates, CV,
Fano factor, synchrony) agree with Elephant run on the spikes the page's own export gives,
change while running and are exact (the whole window, up to the paused time) after Pause;
its CSV and PNG download. Screenshot: artifacts/screenshots/analysis-1366x768.png."""
from __future__ import annotations

import csv
import io

import elephant_reference as reference
import numpy as np
import pytest
from page_helpers import wait_state
from playwright.sync_api import Page, expect

from engine.io.data import load_spikes_csv

DT = 0.1
SIZES = {"exc": 800, "inh": 200}  # assets/examples/ei_network.json

# What the panel shows: its window (table data attributes) and, per population, each cell's
# value (data-value: the number the cell's text rounds) and text.
SHOWN = """() => {
  const find = (root) => {  // Panel nests each pane in shadow roots
    const hit = root.querySelector('table.analysis');
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const table = find(document);
  if (!table) return null;
  const rows = {};
  for (const tr of table.querySelectorAll('tr[data-population]')) {
    const cells = {};
    for (const td of tr.querySelectorAll('td[data-stat]')) cells[td.dataset.stat] = {value: Number(td.dataset.value), text: td.textContent};
    rows[tr.dataset.population] = cells;
  }
  return {t_start: Number(table.dataset.tStart), t_stop: Number(table.dataset.tStop), exact: table.dataset.exact === 'true', rows};
}"""


@pytest.fixture
def app(laptop_app):
    return laptop_app


def shown(page: Page) -> dict:
    return page.evaluate(SHOWN)


def wait_shown(page: Page, predicate: str, timeout: int = 30_000) -> dict:
    page.wait_for_function(f"() => {{ const a = ({SHOWN})(); return !!a && ({predicate}); }}", timeout=timeout, polling=100)
    return shown(page)


def download(page: Page, button_name: str, tmp_path, within: str | None = "Analysis") -> bytes:
    """Click a download button (of the Analysis section unless `within` is None) and read the file."""
    scope = page.get_by_role("region", name=within) if within else page
    with page.expect_download() as info:
        scope.get_by_role("button", name=button_name, exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def exported_spikes(page: Page, tmp_path) -> dict:
    """The spikes the page exports (Export as: Recorded spikes (CSV)), read back."""
    page.get_by_label("Export as").select_option("Recorded spikes (CSV)")
    expect(page.get_by_role("button", name="Export", exact=True)).to_be_enabled()
    path = tmp_path / "spikes.csv"
    path.write_bytes(download(page, "Export", tmp_path, within=None))
    return load_spikes_csv(path)


def assert_agrees_with_elephant(analysis_shown: dict, spikes: dict) -> None:
    t_start, t_stop = analysis_shown["t_start"], analysis_shown["t_stop"]
    for population, size in SIZES.items():
        trains = reference.elephant_trains(*spikes[population], size, t_start, t_stop, DT)
        want = reference.elephant_statistics_of(trains, t_start, t_stop, DT)
        cells = analysis_shown["rows"][population]
        assert cells["spikes"]["value"] == sum(len(st) for st in trains)
        assert cells["rate"]["value"] == pytest.approx(want["rates"].mean(), rel=1e-9)
        assert cells["cv"]["value"] == pytest.approx(np.nanmean(want["cv"]), rel=1e-9)
        assert cells["fano"]["value"] == pytest.approx(np.nanmean(want["fano"]), rel=1e-9)
        assert cells["synchrony"]["value"] == pytest.approx(want["synchrony"], rel=1e-9)
        assert cells["rate"]["text"] == f"{cells['rate']['value']:.3g}"  # the cell shows that number


def test_the_analysis_panel_agrees_with_elephant_live_and_exactly_after_pause(app: Page, tmp_path, screenshot_dir):
    app.get_by_role("button", name="▶ Run").click()
    app.get_by_role("button", name="Expand Analysis").click()  # its workspace section starts collapsed
    app.locator(".card-header").filter(has_text="Analysis").click()  # and the panel itself closed
    first = wait_shown(app, "a.t_stop >= 600 && !a.exact")
    later = wait_shown(app, f"a.t_stop > {first['t_stop']}")  # updated while running
    assert later["rows"]["exc"]["spikes"]["value"] != first["rows"]["exc"]["spikes"]["value"]

    app.get_by_role("button", name="Pause").click()
    state = wait_state(app, "s.status === 'paused'")
    paused = wait_shown(app, "a.exact")
    # the whole window up to the newest data: nothing exported is newer
    spikes = exported_spikes(app, tmp_path)
    newest = max(times.max() for _, times in spikes.values())
    assert later["t_stop"] <= paused["t_stop"] <= state["t_ms"] + 1e-9 and newest <= paused["t_stop"] + 1e-9
    assert paused["t_start"] == pytest.approx(max(0.0, paused["t_stop"] - 1000.0))
    for analysis_shown in (first, later, paused):  # the live numbers too: the export holds their windows
        assert_agrees_with_elephant(analysis_shown, spikes)

    app.locator(".card-header").filter(has_text="Analysis").scroll_into_view_if_needed()
    app.screenshot(path=str(screenshot_dir / "analysis-1366x768.png"))
    # the selected neuron's plots, at the bottom of the section (sections below it hold canvases too)
    app.get_by_role("region", name="Analysis").locator(".bk-Canvas").last.scroll_into_view_if_needed()
    app.screenshot(path=str(screenshot_dir / "analysis-neuron-1366x768.png"))
    rows = list(csv.reader(io.StringIO(download(app, "Download", tmp_path).decode())))  # the statistics table
    assert rows[0][0] == "population" and {r[0] for r in rows[1:]} == {"exc", "inh"}
    assert float(rows[1][rows[0].index("mean_cv_isi")]) == paused["rows"][rows[1][0]]["cv"]["value"]
    app.get_by_role("region", name="Analysis").get_by_label("Export panel").select_option("ISI distribution (PNG)")
    assert download(app, "Download", tmp_path).startswith(b"\x89PNG")
