"""Analysis panel: statistics of the recorded spikes of the newest window, per population and
for one selected neuron, updated live while running and exactly when paused.

Per population: the firing-rate distribution across neurons, the ISI distribution, the mean
CV of ISIs, the mean Fano factor of spike counts and the synchrony (spike contrast); for the
selected neuron its ISI histogram and its rate over time. The numbers come from
`engine.analysis` (plain functions of spike arrays, checked against Elephant); this view only
picks the window and draws.

Cost: nothing is computed while the panel is closed. While running it computes at most
ANALYSIS_HZ times a second, from a periodic callback (never in the frame handlers the raster
and plots wait on), and from at most LIVE_MAX_SPIKES spikes: a window with more is shortened
to its newest part (the panel says so). Paused, it computes the whole window exactly.

The selected neuron follows a tap on a raster row (it adds that neuron's trace to the
session: the newest trace is selected) and the population and neuron choosers.
"""
from __future__ import annotations

import html
import io
import math
import time
from typing import NamedTuple

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure
from panel.viewable import Viewer

from engine import EngineError, analysis
from engine.io.data import table_to_csv
from engine.io.export import histogram_figure, rates_figure

from designer.recording import RecordedData
from designer.session import LiveSession

WINDOW_CHOICES = {"last 1 s": 1000.0, "last 2 s": 2000.0, "last 5 s": 5000.0, "last 10 s": 10000.0}
ANALYSIS_HZ = 2  # computations per second at most while running
LIVE_MAX_SPIKES = 100_000  # spikes per computation while running (15-25 ms here, 60-110 ms at load 8); paused: all
NEURON_RATE_BIN_MS = 50.0
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
EXPORTS = {
    "Statistics table (CSV)": ("statistics", "csv"),
    "Rate distribution (CSV)": ("rate_distribution", "csv"), "Rate distribution (PNG)": ("rate_distribution", "png"),
    "Rate distribution (SVG)": ("rate_distribution", "svg"),
    "ISI distribution (CSV)": ("isi_distribution", "csv"), "ISI distribution (PNG)": ("isi_distribution", "png"),
    "ISI distribution (SVG)": ("isi_distribution", "svg"),
    "Neuron ISIs (CSV)": ("neuron_isis", "csv"), "Neuron ISIs (PNG)": ("neuron_isis", "png"),
    "Neuron ISIs (SVG)": ("neuron_isis", "svg"),
    "Neuron rate (CSV)": ("neuron_rate", "csv"), "Neuron rate (PNG)": ("neuron_rate", "png"),
    "Neuron rate (SVG)": ("neuron_rate", "svg"),
}
TABLE_CSS = """
table.analysis { border-collapse: collapse; font-size: 13px; margin: 2px 0; }
table.analysis th, table.analysis td { padding: 2px 10px; border-bottom: 1px solid #e5e7eb; text-align: right; }
table.analysis th:first-child, table.analysis td:first-child { text-align: left; }
table.analysis th { font-weight: 600; color: #374151; }
.analysis-note { font-size: 12px; color: #4b5563; }
"""

EMPTY_NOTE = "<span class='analysis-note'>Press Run: statistics of the newest recorded spikes appear here.</span>"


class Histogram(NamedTuple):
    edges: np.ndarray
    counts: dict  # label -> counts per bin


class AnalysisResult(NamedTuple):
    """What the panel shows: statistics of (t_start, t_stop] ms of the recorded spikes."""

    t_start: float
    t_stop: float
    exact: bool  # the whole chosen window, paused (not a live update, not shortened)
    shortened: bool  # running with more than LIVE_MAX_SPIKES spikes: the window's newest part only
    statistics: dict  # population -> analysis.PopulationStatistics
    rates: Histogram  # neurons per rate bin (Hz)
    isis: Histogram  # ISIs per ISI bin (ms)
    neuron: tuple  # (population, index) of the selected neuron, or () without one
    neuron_isis: Histogram
    neuron_rate: tuple  # (bin start ms, Hz)


def shown_populations(session: LiveSession) -> list[tuple[int, str, int]]:
    """(index in the running build, name, size) of the neuron populations that record spikes."""
    net = session.state.network
    out = []
    for index, name in enumerate(session.populations):
        try:
            pop = net.population(name)
        except EngineError:  # the design moved on; the running build still has it
            continue
        if not pop.is_device and pop.record.spikes:
            out.append((index, name, pop.size))
    return out


def analyse(session: LiveSession, recorded: RecordedData, window_ms: float, neuron: tuple,
            exact: bool) -> AnalysisResult | None:
    """The statistics of the newest `window_ms` of what `recorded` kept (None before any data)."""
    t_stop, dt = recorded.t, session.dt
    if t_stop <= 0:
        return None
    t_start = max(0.0, t_stop - window_ms)
    kept_from = recorded.spikes_kept_from
    if kept_from is not None:  # older spikes were dropped: a window reaching back would miss them
        t_start = max(t_start, math.ceil(kept_from / dt) * dt)
    pops, neurons, times = recorded.spikes_between(t_start + dt / 2, t_stop + dt / 2)
    shortened = False
    if not exact and times.size > LIVE_MAX_SPIKES:
        cut = times.size - LIVE_MAX_SPIKES  # the newest LIVE_MAX_SPIKES spikes (a partition: no full sort)
        t_start = float(np.rint(np.partition(times, cut)[cut] / dt)) * dt
        newer = times > t_start + dt / 2
        pops, neurons, times = pops[newer], neurons[newer], times[newer]
        shortened = True
    statistics, windows = {}, {}
    for index, name, size in shown_populations(session):
        mine = pops == index
        windows[name] = analysis.window(neurons[mine], times[mine], size, t_start, t_stop, dt)
        statistics[name] = analysis.population_statistics(windows[name])
    rate_edges = analysis.histogram_edges(np.concatenate([s.rates for s in statistics.values()] or [[]]))
    isi_edges = analysis.histogram_edges(np.concatenate([s.isis for s in statistics.values()] or [[]]), grid=dt)
    rates = Histogram(rate_edges, {n: analysis.histogram(s.rates, rate_edges) for n, s in statistics.items()})
    isis = Histogram(isi_edges, {n: analysis.histogram(s.isis, isi_edges, grid=dt) for n, s in statistics.items()})
    if neuron and neuron[0] in windows and 0 <= neuron[1] < windows[neuron[0]].size:
        train = analysis.neuron_spike_times(windows[neuron[0]], neuron[1])
    else:
        neuron, train = (), np.zeros(0)
    own_isis = np.diff(train)
    own_edges = analysis.histogram_edges(own_isis, bins=20, grid=dt)
    label = f"{neuron[0]} #{neuron[1]}" if neuron else "no neuron"
    return AnalysisResult(
        t_start=t_start, t_stop=t_stop, exact=exact and not shortened, shortened=shortened,
        statistics=statistics, rates=rates, isis=isis, neuron=tuple(neuron),
        neuron_isis=Histogram(own_edges, {label: analysis.histogram(own_isis, own_edges, grid=dt)}),
        neuron_rate=analysis.rate_over_time(train, t_start, t_stop, dt, NEURON_RATE_BIN_MS))


# -- the panel's data as tables and figures (exports) -------------------------------------------
def statistics_table(result: AnalysisResult) -> tuple[list[str], list[list]]:
    header = ["population", "neurons", "spikes", "window_start_ms", "window_end_ms", "mean_rate_hz", "mean_cv_isi",
              "neurons_with_cv", "mean_fano_factor", "count_bin_ms", "spike_contrast", "synchrony_neurons"]
    rows = [[name, s.size, s.n_spikes, result.t_start, result.t_stop, s.mean_rate, s.mean_cv,
             int(np.isfinite(s.cv).sum()), s.mean_fano, analysis.COUNT_BIN_MS, s.synchrony, s.synchrony_trains]
            for name, s in result.statistics.items()]
    return header, rows


def histogram_table(hist: Histogram, unit: str, counted: str) -> tuple[list[str], list[list]]:
    header = [f"low_{unit}", f"high_{unit}", *(f"{label}_{counted}" for label in hist.counts)]
    rows = [[float(hist.edges[k]), float(hist.edges[k + 1]), *(int(c[k]) for c in hist.counts.values())]
            for k in range(len(hist.edges) - 1)]
    return header, rows


def panel_table(result: AnalysisResult, panel: str) -> tuple[list[str], list[list]]:
    if panel == "statistics":
        return statistics_table(result)
    if panel == "rate_distribution":
        return histogram_table(result.rates, "hz", "neurons")
    if panel == "isi_distribution":
        return histogram_table(result.isis, "ms", "isis")
    if panel == "neuron_isis":
        return histogram_table(result.neuron_isis, "ms", "isis")
    starts, rate = result.neuron_rate
    return ["bin_start_ms", "rate_hz"], [[float(t), float(r)] for t, r in zip(starts, rate)]


def panel_figure(result: AnalysisResult, panel: str):
    span = f"{result.t_start / 1000:.3f}-{result.t_stop / 1000:.3f} s"
    if panel == "rate_distribution":
        return histogram_figure(result.rates.edges, result.rates.counts, "rate (Hz)", "neurons",
                                f"Firing rates across neurons, {span}")
    if panel == "isi_distribution":
        return histogram_figure(result.isis.edges, result.isis.counts, "ISI (ms)", "intervals",
                                f"Interspike intervals, {span}")
    label = next(iter(result.neuron_isis.counts))
    if panel == "neuron_isis":
        return histogram_figure(result.neuron_isis.edges, result.neuron_isis.counts, "ISI (ms)", "intervals",
                                f"ISIs of {label}, {span}")
    starts, rate = result.neuron_rate
    return rates_figure(starts + NEURON_RATE_BIN_MS / 2, {label: rate},
                        title=f"Rate of {label} ({NEURON_RATE_BIN_MS:g} ms bins)")


def export_bytes(result: AnalysisResult, panel: str, fmt: str) -> bytes:
    if fmt == "csv":
        return table_to_csv(*panel_table(result, panel))
    fig = panel_figure(result, panel)
    return fig.png() if fmt == "png" else fig.svg().encode("utf-8")


def _number(value: float, digits: int = 3) -> str:
    return "–" if not math.isfinite(value) else f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:,.0f}"


def _steps(edges: np.ndarray, counts: np.ndarray) -> tuple[list, list]:
    """A histogram's outline (a step line)."""
    return np.repeat(edges, 2).tolist(), [0.0, *np.repeat(np.asarray(counts, float), 2).tolist(), 0.0]


class AnalysisView(Viewer):
    """The panel, in a card that starts closed. State: the chosen window and neuron, and `result`."""

    session = param.ClassSelector(class_=LiveSession)
    recorded = param.ClassSelector(class_=RecordedData)
    window = param.Selector(default="last 1 s", objects=list(WINDOW_CHOICES), doc="how much of the newest data")
    population = param.String(default="", doc="the selected neuron's population")
    neuron = param.Integer(default=0, bounds=(0, None), doc="the selected neuron's index in its population")
    open = param.Boolean(default=False, doc="the panel is shown (nothing is computed while it is closed)")
    result = param.Parameter(default=None, doc="the AnalysisResult shown (None before any data)")

    def __init__(self, session: LiveSession, recorded: RecordedData, **params):
        super().__init__(session=session, recorded=recorded, **params)
        self._stale = False  # data arrived since the last computation
        self._computed_at = 0.0  # time.monotonic()
        self._traces_seen = list(session.traces)
        self._build_widgets()
        self._build_figures()
        self._wire()
        if pn.state.curdoc is not None:  # in a served session (not in unit tests)
            pn.state.add_periodic_callback(self.tick, period=int(1000 / ANALYSIS_HZ))

    def _build_widgets(self) -> None:
        self.window_select = pn.widgets.Select.from_param(self.param.window, name="Window", width=110)
        self.population_select = pn.widgets.Select(name="Neuron of", options=[], width=120,
                                                   description="The selected neuron's population (or tap a raster row)")
        self.neuron_input = pn.widgets.IntInput.from_param(self.param.neuron, name="Neuron #", width=90)
        self.export_kind = pn.widgets.Select(name="Export panel", options=list(EXPORTS), width=190)
        self.download = pn.widgets.FileDownload(callback=self._file, label="Download", filename="analysis.csv",
                                                width=100, name="analysis-download", disabled=True,
                                                margin=(24, 5, 5, 5))  # level with the labelled selects
        self.table = pn.pane.HTML("", name="analysis-table", sizing_mode="stretch_width", stylesheets=[TABLE_CSS])
        self.note = pn.pane.HTML(EMPTY_NOTE, name="analysis-note", stylesheets=[TABLE_CSS], sizing_mode="stretch_width")

    def _build_figures(self) -> None:
        def make(title, xlabel, ylabel, name):
            return figure(height=190, sizing_mode="stretch_width", title=title, x_axis_label=xlabel,
                          y_axis_label=ylabel, toolbar_location=None, name=name, output_backend="canvas")

        self.rates_source = ColumnDataSource({"xs": [], "ys": [], "color": [], "label": []}, name="analysis-rates")
        self.isis_source = ColumnDataSource({"xs": [], "ys": [], "color": [], "label": []}, name="analysis-isis")
        self.neuron_isis_source = ColumnDataSource({"left": [], "right": [], "count": []}, name="analysis-neuron-isis")
        self.neuron_rate_source = ColumnDataSource({"t": [], "rate": []}, name="analysis-neuron-rate")
        self.rates_figure = make("Firing rates across neurons", "rate (Hz)", "neurons", "analysis-rates-figure")
        self.isis_figure = make("Interspike intervals", "ISI (ms)", "intervals", "analysis-isis-figure")
        self.neuron_isis_figure = make("ISIs of the selected neuron", "ISI (ms)", "intervals",
                                       "analysis-neuron-isis-figure")
        self.neuron_rate_figure = make("Rate of the selected neuron", "time (ms)", "rate (Hz)",
                                       "analysis-neuron-rate-figure")
        for fig, source in ((self.rates_figure, self.rates_source), (self.isis_figure, self.isis_source)):
            fig.multi_line(xs="xs", ys="ys", line_color="color", legend_field="label", line_width=2, source=source)
            fig.legend.location = "top_right"
        self.neuron_isis_figure.quad(left="left", right="right", top="count", bottom=0, fill_color="#0f766e",
                                     line_color="white", source=self.neuron_isis_source)
        self.neuron_rate_figure.step(x="t", y="rate", mode="after", line_width=2, line_color="#0f766e",
                                     source=self.neuron_rate_source)
        self.neuron_rate_figure.y_range.start = 0  # a rate from 80 to 100 Hz should not look like on/off

    def _wire(self) -> None:
        self.recorded.param.watch(self._on_data, "t")
        self.session.param.watch(self._on_status, "status")
        # Bokeh's Select view fails ('firstChild' of undefined) when its options change after the
        # view was built but before it was drawn, as when a big network's build ends while the page
        # is still loading (seen under load): new options wait for the page to have loaded.
        self.session.param.watch(lambda _e: pn.state.onload(self._on_populations), "populations")
        self.param.watch(self._bound_neuron, "population")
        self.session.param.watch(self._on_traces, "traces")
        self.session.param.watch(lambda _e: self._clear(), "reset_count")
        self.population_select.param.watch(lambda e: setattr(self, "population", e.new or ""), "value")
        # these come from the page's widgets, outside the document lock the figures' sources need
        self.param.watch(lambda *_events: pn.state.execute(self.refresh, schedule=True),
                         ["window", "population", "neuron", "open"])
        self.param.watch(self._show, "result")
        self.export_kind.param.watch(lambda _e: self._update_download(), "value")
        self._on_populations()

    def __panel__(self):
        controls = pn.Row(self.window_select, self.population_select, self.neuron_input, self.export_kind,
                          self.download, sizing_mode="stretch_width", margin=0)
        grid = pn.GridBox(*(pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in
                            (self.rates_figure, self.isis_figure, self.neuron_isis_figure, self.neuron_rate_figure)),
                          ncols=2, sizing_mode="stretch_width")
        card = pn.Card(controls, self.note, self.table, grid, title="Analysis", collapsed=not self.open,
                       sizing_mode="stretch_width", name="analysis-card")
        card.param.watch(lambda e: setattr(self, "open", not e.new), "collapsed")
        return card

    # -- when to compute -----------------------------------------------------------------------
    def _on_data(self, _event) -> None:
        if self.session.status == "running":
            self._stale = True  # the periodic tick computes, at most ANALYSIS_HZ times a second
        else:
            self.refresh()  # a step, or the last frame before a pause: exact at once

    def _on_status(self, event) -> None:
        # paused (or stopped): the live result becomes the exact one, once the session has handed
        # out the frames that came with the pause (after this watcher: see LiveSession.poll)
        if event.new != "running" and (self._stale or (self.result is not None and not self.result.exact)):
            self._stale = True
            pn.state.execute(self.tick, schedule=True)

    def tick(self) -> None:
        """The periodic callback: an update if new data came and (while running) the last one is
        old enough."""
        if self._stale and (self.session.status != "running" or time.monotonic() - self._computed_at >= 1.0 / ANALYSIS_HZ):
            self.refresh()

    def refresh(self) -> None:
        """Compute now (if the panel is open): exact unless the simulation is running."""
        if not self.open:
            return
        self._stale = False
        neuron = (self.population, self.neuron) if self.population else ()
        self.result = analyse(self.session, self.recorded, WINDOW_CHOICES[self.window], neuron,
                              exact=self.session.status != "running")
        if self.result is not None:
            self._computed_at = time.monotonic()

    def _clear(self) -> None:
        self._stale = False
        self.result = None

    # -- the selected neuron ---------------------------------------------------------------------
    def _on_populations(self, *_events) -> None:
        names = [name for _, name, _ in shown_populations(self.session)]
        self.population_select.options = names
        if self.population not in names:
            self.population = names[0] if names else ""
        self.population_select.value = self.population or None
        self._bound_neuron()

    def _bound_neuron(self, *_events) -> None:
        """The neuron chooser ends at the population's last neuron."""
        sizes = {name: size for _, name, size in shown_populations(self.session)}
        last = sizes.get(self.population, 1) - 1
        self.neuron_input.end = max(0, last)
        if self.neuron > last:
            self.neuron = max(0, last)

    def _on_traces(self, event) -> None:
        """A tap on a raster row adds that neuron's trace: select the newest one added."""
        added = [t for t in event.new if t not in self._traces_seen]
        self._traces_seen = list(event.new)
        if added:
            self.param.update(population=added[-1].population, neuron=int(added[-1].neuron))  # one refresh
            self.population_select.value = self.population

    # -- drawing ----------------------------------------------------------------------------------
    def _show(self, _event=None) -> None:
        result = self.result
        self._update_download()
        if result is None:
            for source in (self.rates_source, self.isis_source):
                source.data = {"xs": [], "ys": [], "color": [], "label": []}
            self.neuron_isis_source.data = {"left": [], "right": [], "count": []}
            self.neuron_rate_source.data = {"t": [], "rate": []}
            self.table.object = ""
            self.note.object = EMPTY_NOTE
            return
        self.table.object = self._table_html(result)
        self.note.object = self._note_html(result)
        colours = {name: PALETTE[index % len(PALETTE)] for index, name, _ in shown_populations(self.session)}
        for source, hist in ((self.rates_source, result.rates), (self.isis_source, result.isis)):
            outlines = [_steps(hist.edges, counts) for counts in hist.counts.values()]
            source.data = {"xs": [x for x, _ in outlines], "ys": [y for _, y in outlines],
                           "color": [colours.get(n, "#333333") for n in hist.counts], "label": list(hist.counts)}
        own = result.neuron_isis
        self.neuron_isis_source.data = {"left": own.edges[:-1], "right": own.edges[1:],
                                        "count": next(iter(own.counts.values()))}
        starts, rate = result.neuron_rate
        if starts.size:  # the last bin's step drawn to its end
            starts, rate = np.append(starts, starts[-1] + NEURON_RATE_BIN_MS), np.append(rate, rate[-1])
        self.neuron_rate_source.data = {"t": starts, "rate": rate}
        label = f"{result.neuron[0]} #{result.neuron[1]}" if result.neuron else "the selected neuron"
        self.neuron_isis_figure.title.text = f"ISIs of {label}"
        self.neuron_rate_figure.title.text = f"Rate of {label} ({NEURON_RATE_BIN_MS:g} ms bins)"

    @staticmethod
    def _note_html(result: AnalysisResult) -> str:
        how = ("exact (not running)" if result.exact else
               "live, newest spikes only (too many for a live update; Pause for the whole window)" if result.shortened
               else f"live, updated {ANALYSIS_HZ}× a second")
        return (f"<span class='analysis-note'>Window {result.t_start / 1000:.3f}–{result.t_stop / 1000:.3f} s"
                f" · {html.escape(how)} · Fano factor from {analysis.COUNT_BIN_MS:g} ms counts · synchrony: spike "
                f"contrast (Ciba et al. 2018)</span>")

    @staticmethod
    def _table_html(result: AnalysisResult) -> str:
        def cell(stat: str, value: float, text: str) -> str:
            return f"<td data-stat='{stat}' data-value='{float(value)!r}'>{html.escape(text)}</td>"

        rows = []
        for name, s in result.statistics.items():
            rows.append(
                f"<tr data-population='{html.escape(name, quote=True)}'><td>{html.escape(name)}</td>"
                + cell("neurons", s.size, f"{s.size:,}") + cell("spikes", s.n_spikes, f"{s.n_spikes:,}")
                + cell("rate", s.mean_rate, _number(s.mean_rate)) + cell("cv", s.mean_cv, _number(s.mean_cv))
                + cell("fano", s.mean_fano, _number(s.mean_fano))
                + cell("synchrony", s.synchrony, _number(s.synchrony)
                       + (f" ({s.synchrony_trains:,} of {s.size:,})" if s.synchrony_trains < s.size else ""))
                + "</tr>")
        head = ("<tr><th>population</th><th>neurons</th><th>spikes</th><th>mean rate (Hz)</th><th>CV of ISIs</th>"
                "<th>Fano factor</th><th>synchrony</th></tr>")
        return (f"<table class='analysis' data-t-start='{result.t_start!r}' data-t-stop='{result.t_stop!r}' "
                f"data-exact='{str(result.exact).lower()}'>{head}{''.join(rows)}</table>")

    # -- exports ------------------------------------------------------------------------------------
    def _update_download(self) -> None:
        panel, fmt = EXPORTS[self.export_kind.value]
        self.download.filename = f"{self.session.state.network.name}_{panel}.{fmt}"
        self.download.disabled = self.result is None

    def _file(self):
        panel, fmt = EXPORTS[self.export_kind.value]
        if self.result is None:
            return io.BytesIO(b"Nothing analysed yet: press Run\n")
        return io.BytesIO(export_bytes(self.result, panel, fmt))
