"""EnergyView: counting only while open, when it computes (closed, live, paused), its numbers
against hand computations from the counts, its hover texts (escaped) and its CSV exports."""
from __future__ import annotations

import csv
import dataclasses
import html
import io
import re

import pytest

from designer.session import LiveSession
from designer.state import DesignState
from designer.views.energy import EnergyView, export_bytes
from engine import Frame, Simulator
from engine.io import load_network
from engine.neuromorphic import load_energy_table


@pytest.fixture(scope="module")
def counted():
    """ei_network's efficiency metrics after 200 ms and after 400 ms."""
    network = load_network("assets/examples/ei_network.json")
    sim = Simulator(network)
    sim.track_efficiency()
    sim.run(200.0)
    first = sim.efficiency_metrics()
    sim.run(200.0)
    return network, first, sim.efficiency_metrics()


@pytest.fixture
def view(counted):
    network, *_ = counted
    session = LiveSession(DesignState(network))
    calls = []
    session.set_metrics = calls.append  # what the panel asks of the Runner
    yield EnergyView(session), calls
    session.close()


def deliver(view: EnergyView, metrics, status: str) -> None:
    view.session.status = status
    view.session.frame = Frame(kind="data", seq=int(metrics.t_ms), t_start=0.0, t_end=metrics.t_ms, state=status,
                               efficiency=metrics)


def test_the_runner_counts_only_while_the_panel_is_open(view, counted):
    panel, calls = view
    deliver(panel, counted[1], "paused")
    assert panel.result is None and calls == []  # closed: nothing asked, nothing computed
    panel.open = True
    panel.open = False
    assert calls == [True, False]
    assert panel.result is None


def test_live_updates_wait_for_the_tick_and_a_pause_is_exact_at_once(view, counted):
    panel, _ = view
    _, first, second = counted
    panel.open = True
    deliver(panel, first, "running")
    assert panel.result is None  # the frame handler only keeps the reference
    panel._computed_at = 0.0
    panel.tick()
    assert panel.result.metrics is first and not panel.result.exact
    deliver(panel, second, "running")
    panel.tick()  # too soon after the last update (at most ENERGY_HZ a second)
    assert panel.result.metrics is first
    deliver(panel, second, "paused")
    assert panel.result.metrics is second and panel.result.exact
    assert "data-exact='true'" in panel.metrics_pane.object
    panel.session.reset_count += 1
    assert panel.result is None and "Press Run" in panel.note.object


def test_energy_per_target_is_the_counts_times_the_published_figures(view, counted):
    panel, _ = view
    _, _, metrics = counted
    panel.open = True
    deliver(panel, metrics, "paused")
    t = metrics.totals
    assert t["synaptic_operations"] > 0 and t["neuron_updates_active"] > 0
    loihi = (23.6 * t["synaptic_operations"] + 52.0 * t["neuron_updates_inactive"]
             + 81.0 * t["neuron_updates_active"] + 120.0 * t["plastic_updates"]) * 1e-12
    spinnaker2 = (450.0 * t["synaptic_operations"] + 2190.0 * t["neuron_updates"]) * 1e-12
    dense = 4.6e-12 * metrics.dense_macs
    energy = panel.result.energy
    assert energy["loihi"]["energy_j"] == pytest.approx(loihi, rel=1e-12)
    assert energy["loihi"]["energy_j_per_second"] == pytest.approx(loihi / (metrics.t_ms * 1e-3), rel=1e-12)
    assert energy["spinnaker2"]["energy_j"] == pytest.approx(spinnaker2, rel=1e-12)
    assert energy["dense_mac_45nm"]["energy_j"] == pytest.approx(dense, rel=1e-12)
    shown = panel.energy_pane.object
    shown_loihi = re.search(r"data-target='loihi'.*?data-stat='energy_j' data-value='([^']+)'", shown, re.S).group(1)
    assert float(shown_loihi) == pytest.approx(loihi, rel=1e-12)
    assert "Order of magnitude, not a measurement" in shown
    assert html.escape(panel.targets["truenorth"].citation, quote=True) in shown  # on hover of its row
    assert "23.6 pJ x synaptic operations" in shown  # the formula


def test_hover_texts_are_escaped(view, counted):
    panel, _ = view
    loihi = load_energy_table()["loihi"]
    panel.targets = {"loihi": dataclasses.replace(loihi, caveat="<img src=x onerror=alert(1)> & 'quoted'")}
    panel.open = True
    deliver(panel, counted[1], "paused")
    shown = panel.energy_pane.object
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt; &amp; &#x27;quoted&#x27;" in shown


def test_csv_exports_hold_the_shown_counts(view, counted):
    panel, _ = view
    _, _, metrics = counted
    panel.open = True
    deliver(panel, metrics, "paused")
    rows = list(csv.DictReader(io.StringIO(export_bytes(panel.result, "metrics").decode())))
    by_name = {r["population"]: r for r in rows}
    assert set(by_name) == {*metrics.per_population, "total"} and {"exc", "inh"} <= set(by_name)
    for name, pop in metrics.per_population.items():
        assert int(by_name[name]["synaptic_operations"]) == pop["synaptic_operations"]
    total = by_name["total"]
    assert int(total["synaptic_operations"]) == metrics.totals["synaptic_operations"]
    assert int(total["memory_footprint_bytes"]) == metrics.memory_footprint_bytes
    assert float(total["synaptic_operations_per_s"]) == pytest.approx(
        metrics.totals["synaptic_operations"] / (metrics.t_ms * 1e-3))
    energy = list(csv.DictReader(io.StringIO(export_bytes(panel.result, "energy").decode())))
    assert [r["target"] for r in energy] == list(panel.targets)
    assert float(energy[0]["energy_j"]) == pytest.approx(panel.result.energy[energy[0]["target"]]["energy_j"])
    assert all(r["citation"] and r["note"] == "order of magnitude, not a measurement" for r in energy)
