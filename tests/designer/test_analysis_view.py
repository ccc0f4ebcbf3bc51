"""AnalysisView: what it computes when (closed, live, paused), the neuron it follows, its exports."""
from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

import designer.views.analysis as analysis_view
from designer.recording import RecordedData
from designer.session import LiveSession
from designer.state import DesignState
from designer.views.analysis import AnalysisView, export_bytes
from engine import Frame, Network, Population, Simulator, TraceRequest, analysis
from engine.io import load_network

FRAME_MS = 100.0


@pytest.fixture(scope="module")
def ei_spikes():
    """ei_network's spikes over 3 s (population index, neuron, time) and the network."""
    network = load_network("assets/examples/ei_network.json")
    sim = Simulator(network)
    sim.run(3000.0)
    names = [p.name for p in network.populations]
    parts = [(np.full(len(sim.spikes(n)[1]), i, np.int16), *sim.spikes(n)) for i, n in enumerate(names)]
    pops, neurons, times = (np.concatenate(c) for c in zip(*parts))
    order = np.argsort(times, kind="stable")
    return network, names, pops[order], neurons[order].astype(np.int32), times[order]


@pytest.fixture
def view(ei_spikes):
    network, names, *_ = ei_spikes
    session = LiveSession(DesignState(network))
    session.populations = names
    recorded = RecordedData(session)
    yield AnalysisView(session, recorded, window="last 2 s")
    session.close()


def feed(view: AnalysisView, ei_spikes, t_end: float, start: float = 0.0, status: str = "running") -> None:
    """Frames of FRAME_MS from `start` to `t_end`, as the session delivers them."""
    _, names, pops, neurons, times = ei_spikes
    view.session.status = status
    for t0 in np.arange(start, t_end, FRAME_MS):
        mine = (times > t0) & (times <= t0 + FRAME_MS)
        view.session.frame = Frame(kind="data", seq=int(t0), t_start=float(t0), t_end=float(t0 + FRAME_MS),
                                   state=status, populations=tuple(names), spike_population=pops[mine],
                                   spike_neuron=neurons[mine], spike_time=times[mine])


def expected(ei_spikes, population: str, t_start: float, t_stop: float):
    network, names, pops, neurons, times = ei_spikes
    mine = pops == names.index(population)
    w = analysis.window(neurons[mine], times[mine], network.population(population).size, t_start, t_stop, 0.1)
    return analysis.population_statistics(w)


def test_nothing_is_computed_while_the_panel_is_closed(view, ei_spikes):
    feed(view, ei_spikes, 1000.0, status="paused")
    assert view.result is None
    view.open = True  # opening it shows the data at once
    assert view.result is not None and view.result.exact and view.result.t_stop == 1000.0


def test_live_updates_are_throttled_and_paused_results_are_exact(view, ei_spikes, monkeypatch):
    monkeypatch.setattr(analysis_view, "LIVE_MAX_SPIKES", 10**7)  # the whole window live too (see the next test)
    view.open = True
    feed(view, ei_spikes, 1500.0)
    assert view.result is None  # running: frames only mark the panel stale; the periodic tick computes
    view.tick()
    live = view.result
    assert live is not None and not live.exact and live.t_stop == 1500.0 and live.t_start == 0.0
    feed(view, ei_spikes, 1600.0, start=1500.0)
    view.tick()  # too soon after the last update: still the old one
    assert view.result is live
    monkeypatch.setattr(analysis_view, "ANALYSIS_HZ", 1e9)
    view.tick()
    assert view.result.t_stop == 1600.0
    feed(view, ei_spikes, 2500.0, start=1600.0)
    view.session.status = "paused"  # the pause computes the newest data exactly
    result = view.result
    assert result.exact and (result.t_start, result.t_stop) == (500.0, 2500.0)
    for population in ("exc", "inh"):
        want = expected(ei_spikes, population, 500.0, 2500.0)
        got = result.statistics[population]
        assert got.n_spikes == want.n_spikes > 1000
        assert (got.mean_rate, got.mean_cv, got.mean_fano, got.synchrony) == (
            want.mean_rate, want.mean_cv, want.mean_fano, want.synchrony)
        assert result.rates.counts[population].sum() == want.size  # every neuron counted once, silent ones too
        assert result.isis.counts[population].sum() == want.isis.size
    assert list(result.statistics) == ["exc", "inh"]  # the Poisson device has no statistics


def test_a_live_window_with_too_many_spikes_keeps_its_newest_part(view, ei_spikes, monkeypatch):
    monkeypatch.setattr(analysis_view, "LIVE_MAX_SPIKES", 20_000)
    view.open = True
    feed(view, ei_spikes, 2000.0)
    view.tick()
    live = view.result
    assert live.shortened and not live.exact and live.t_start > 0.0
    assert sum(s.n_spikes for s in live.statistics.values()) <= 20_000 + 2000  # the cut is on the step grid
    view.session.status = "paused"
    assert view.result.exact and view.result.t_start == 0.0 and not view.result.shortened


def test_the_selected_neuron_follows_a_tapped_raster_row(view, ei_spikes):
    view.open = True
    feed(view, ei_spikes, 2000.0, status="paused")
    assert view.result.neuron == ("exc", 0)
    # a tap on a raster row adds that neuron's trace
    view.session.traces = [*view.session.traces, TraceRequest("inh", 17)]
    assert (view.population, view.neuron, view.population_select.value) == ("inh", 17, "inh")
    result = view.result
    assert result.neuron == ("inh", 17)
    _, names, pops, neurons, times = ei_spikes
    train = times[(pops == names.index("inh")) & (neurons == 17) & (times <= 2000.0)]
    starts, rate = result.neuron_rate
    assert len(starts) == 40 and rate.mean() == pytest.approx(train.size / 2.0)
    assert next(iter(result.neuron_isis.counts.values())).sum() == train.size - 1
    view.neuron_input.value = 3  # the chooser
    assert view.result.neuron == ("inh", 3)
    assert view.neuron_input.end == 199  # inh has 200 neurons
    view.population_select.value = "exc"
    assert view.neuron_input.end == 799 and view.result.neuron == ("exc", 3)


def test_exports_hold_what_the_panel_shows(view, ei_spikes):
    view.open = True
    feed(view, ei_spikes, 1000.0, status="paused")
    rows = list(csv.reader(io.StringIO(export_bytes(view.result, "statistics", "csv").decode())))
    assert rows[0][:6] == ["population", "neurons", "spikes", "window_start_ms", "window_end_ms", "mean_rate_hz"]
    exc = rows[1]
    assert exc[0] == "exc" and float(exc[5]) == view.result.statistics["exc"].mean_rate
    hist = list(csv.reader(io.StringIO(export_bytes(view.result, "rate_distribution", "csv").decode())))
    assert hist[0] == ["low_hz", "high_hz", "exc_neurons", "inh_neurons"]
    assert sum(int(r[2]) for r in hist[1:]) == 800
    assert export_bytes(view.result, "isi_distribution", "png").startswith(b"\x89PNG")
    assert b"<svg" in export_bytes(view.result, "neuron_rate", "svg")[:200]
    view.export_kind.value = "Neuron ISIs (PNG)"
    assert view.download.filename == "ei_network_neuron_isis.png" and not view.download.disabled
    assert view._file().read().startswith(b"\x89PNG")


def test_a_reset_clears_the_panel(view, ei_spikes):
    view.open = True
    feed(view, ei_spikes, 500.0, status="paused")
    assert view.result is not None
    view.session.reset_count += 1
    assert view.result is None and view.download.disabled and view.table.object == ""


def test_population_names_stay_text():
    name = "<img src=x onerror=alert(1)>"
    session = LiveSession(DesignState(Network(name="odd", populations=(Population(name, "iaf_psc_delta", 3),))))
    try:
        session.populations = [name]
        view = AnalysisView(session, RecordedData(session), open=True)
        session.status = "paused"
        session.frame = Frame(kind="data", seq=1, t_start=0.0, t_end=100.0, state="paused", populations=(name,),
                              spike_population=np.zeros(3, np.int16), spike_neuron=np.array([0, 0, 1], np.int32),
                              spike_time=np.array([10.0, 30.0, 50.0]))
        assert "<img" not in view.table.object and "&lt;img src=x onerror=alert(1)&gt;" in view.table.object
        assert view.result.statistics[name].n_spikes == 3
    finally:
        session.close()


def test_statistics_of_an_empty_window_are_not_numbers(view):
    view.open = True
    view.session.status = "paused"
    view.session.frame = Frame(kind="data", seq=1, t_start=0.0, t_end=50.0, state="paused",
                               populations=tuple(view.session.populations))
    stats = view.result.statistics["exc"]
    assert stats.n_spikes == 0 and stats.mean_rate == 0.0 and math.isnan(stats.mean_cv)
    assert "–" in view.table.object  # shown as a dash, not "nan"
