"""The neuromorphic lens in the browser: the energy panel, opened while ei_network runs, counts
synaptic operations and prices them per target (its sources on hover), updates while running,
is exact after Pause and downloads its CSV; the Export menu shows the hardware-fit verdict of
each target before a NIR export. Screenshots: artifacts/screenshots/energy-*.png."""
from __future__ import annotations

import csv
import io
import re

import pytest
from page_helpers import SHADOW_FIND, wait_state
from playwright.sync_api import Page, expect

# What the panel shows: the counted time, exactness, and per population each cell's data-value;
# per target its energy and its hover text.
SHOWN = """() => {
  """ + SHADOW_FIND + """  // Panel nests each pane in shadow roots
  const table = find(document, 'table.energy.metrics');
  const targets = find(document, 'table.energy.targets');
  if (!table || !targets) return null;
  const rows = {};
  for (const tr of table.querySelectorAll('tr[data-population]')) {
    const cells = {};
    for (const td of tr.querySelectorAll('td[data-stat]')) cells[td.dataset.stat] = Number(td.dataset.value);
    rows[tr.dataset.population] = cells;
  }
  const energy = {};
  for (const tr of targets.querySelectorAll('tr[data-target]')) {
    const td = tr.querySelector('td[data-stat=energy_j]');
    energy[tr.dataset.target] = {joules: Number(td.dataset.value), title: tr.getAttribute('title'), text: td.textContent};
  }
  return {t_ms: Number(table.dataset.tMs), exact: table.dataset.exact === 'true', rows, energy,
          note: targets.parentElement.textContent};
}"""

FIT = """() => {
  """ + SHADOW_FIND + """
  const list = find(document, 'details.fit');
  if (!list) return null;
  const out = {};
  for (const div of list.querySelectorAll('.fit-target')) {
    out[div.dataset.target] = {fits: div.dataset.fits === 'true', limits: [...div.querySelectorAll('li')].map(li => li.dataset.limit),
                               text: div.textContent};
  }
  return out;
}"""


@pytest.fixture
def app(laptop_app):
    return laptop_app


def wait_shown(page: Page, predicate: str, timeout: int = 30_000) -> dict:
    page.wait_for_function(f"() => {{ const a = ({SHOWN})(); return !!a && ({predicate}); }}", timeout=timeout, polling=100)
    return page.evaluate(SHOWN)


def test_the_energy_panel_counts_and_prices_live_and_exactly_after_pause(app: Page, tmp_path, screenshot_dir):
    app.get_by_role("button", name="▶ Run").click()
    app.get_by_role("button", name="Expand Energy and efficiency", exact=True).click()  # the section starts collapsed
    header = app.locator(".card-header").filter(has_text="Energy and efficiency")
    header.scroll_into_view_if_needed()
    header.click()  # the panel starts closed: the Runner counts from now on
    first = wait_shown(app, "a.t_ms >= 300 && !a.exact")
    later = wait_shown(app, f"a.t_ms > {first['t_ms']}")  # updated while running
    assert later["rows"]["total"]["synaptic_operations"] > first["rows"]["total"]["synaptic_operations"] > 0
    for shown in (first, later):
        rows = shown["rows"]
        assert rows["total"]["synaptic_operations"] == sum(v["synaptic_operations"] for k, v in rows.items()
                                                           if k != "total")
        assert rows["exc"]["neuron_updates"] == pytest.approx(800 * shown["t_ms"] / 0.1)  # 800 neurons x steps
    loihi = later["energy"]["loihi"]
    assert loihi["joules"] > 0 and "Davies" in loihi["title"] and "14 nm" in loihi["title"]
    assert "Caveat:" in loihi["title"] and "Order of magnitude, not a measurement" in later["note"]
    assert later["energy"]["dense_mac_45nm"]["joules"] > 0 and "Horowitz" in later["energy"]["dense_mac_45nm"]["title"]

    app.get_by_role("button", name="Pause").click()
    state = wait_state(app, "s.status === 'paused'")
    paused = wait_shown(app, "a.exact")
    assert later["t_ms"] <= paused["t_ms"] <= state["t_ms"] + 1e-9
    app.wait_for_timeout(700)  # paused: nothing changes any more
    assert app.evaluate(SHOWN)["rows"] == paused["rows"]
    title = "Energy and efficiency"
    app.get_by_role("button", name=f"Enlarge {title}", exact=True).click()
    expect(app.locator(f'.ws-section[aria-label="{title}"]')).to_have_class(re.compile(r"\bis-enlarged\b"))
    app.wait_for_timeout(500)  # the enlarged layout settles
    app.screenshot(path=str(screenshot_dir / "energy-enlarged-1366x768.png"))
    app.get_by_role("button", name=f"Restore {title}", exact=True).click()
    app.locator("table.energy.metrics").scroll_into_view_if_needed()
    app.screenshot(path=str(screenshot_dir / "energy-1366x768.png"))

    with app.expect_download() as info:
        app.get_by_role("button", name="Download", exact=True).last.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    rows = {r["population"]: r for r in csv.DictReader(io.StringIO(path.read_text()))}
    assert int(rows["total"]["synaptic_operations"]) == paused["rows"]["total"]["synaptic_operations"]
    assert float(rows["exc"]["activation_sparsity"]) == pytest.approx(paused["rows"]["exc"]["activation_sparsity"])


def test_the_export_menu_shows_the_hardware_fit_before_a_nir_export(app: Page, screenshot_dir):
    app.get_by_label("Export as").select_option("NIR graph (.nir)")
    summary = app.locator("details.fit > summary")
    expect(summary).to_have_text("Hardware fit: 0 of 5 targets", timeout=30_000)  # ei_network: Poisson noise
    summary.click()
    fit = app.evaluate(FIT)
    assert set(fit) == {"loihi", "spinnaker2", "speck", "xylo", "brainscales2"}
    assert not any(v["fits"] for v in fit.values())
    assert "neurons_per_chip" in fit["brainscales2"]["limits"]
    assert "1,000 neurons, more than the 512" in fit["brainscales2"]["text"]
    assert "(design: 1000; limit: 512)" in fit["brainscales2"]["text"]
    assert "delay_steps_max" in fit["speck"]["limits"] and "not checked" in fit["spinnaker2"]["text"]
    expect(app.locator(".fit-list")).to_be_visible()
    app.screenshot(path=str(screenshot_dir / "energy-fit-menu-1366x768.png"))
    summary.click()
    expect(app.locator(".fit-list")).to_be_hidden()
    app.get_by_label("Export as").select_option("PyNEST script (.py)")
    expect(summary).to_be_hidden()
