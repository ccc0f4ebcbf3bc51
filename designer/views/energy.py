"""Energy panel: the run's efficiency metrics (NeuroBench definitions, engine.neuromorphic.metrics)
and what they would cost on neuromorphic chips and conventional baselines
(engine.neuromorphic.energy, figures and sources in assets/neuromorphic/energy.json).

Cost: counting is not free, so the Runner counts only while this panel is open
(`LiveSession.set_metrics`); opening it mid-run counts from then on. The frame handler only
keeps a reference to the newest metrics; the tables are built by a periodic callback at most
ENERGY_HZ times a second while running, and at once when a frame arrives paused (exact: the
counts up to the paused time). Each target's citation, process node, voltage and caveat show
on hover of its row.
"""
from __future__ import annotations

import html
import io
import time
from typing import NamedTuple

import panel as pn
import param
from panel.viewable import Viewer

from engine.io.data import table_to_csv
from engine.neuromorphic import DISCLAIMER, EfficiencyMetrics, estimate_energy, load_energy_table

from designer.session import LiveSession

ENERGY_HZ = 2  # table updates per second at most while running
EXPORTS = {"Metrics per population (CSV)": "metrics", "Energy per target (CSV)": "energy"}
COUNTS = ("spikes", "synaptic_operations", "neuron_updates", "plastic_updates")
TABLE_CSS = """
table.energy { border-collapse: collapse; font-size: 12px; margin: 2px 0; }
table.energy th, table.energy td { padding: 2px 6px; border-bottom: 1px solid #e5e7eb; text-align: right; }
table.energy th:first-child, table.energy td:first-child { text-align: left; }
table.energy th { font-weight: 600; color: #374151; }
table.energy tr.total td { font-weight: 600; }
table.energy tr[title] { cursor: help; }
.energy-note { font-size: 12px; color: #4b5563; }
.energy-formula { font-family: monospace; font-size: 11px; color: #374151; }
"""
# the metrics table's headers: short (the side column is narrow), the meaning on hover
COLUMNS = (("population", "population (total: the whole network)"), ("spikes", "spikes emitted"),
           ("SynOps", "synaptic operations: each spike times its neuron's out-degree (Poisson inputs: events)"),
           ("SynOps/s", "synaptic operations per simulated second"),
           ("updates", "neuron updates: one per neuron and time step"),
           ("plastic", "plastic weight updates: one per presynaptic spike and plastic synapse while learning"),
           ("sparsity", "activation sparsity: 1 - spikes / (neurons x steps)"))
EMPTY_NOTE = "<span class='energy-note'>Press Run: the operations counted while this panel is open appear here.</span>"


class EnergyResult(NamedTuple):
    metrics: EfficiencyMetrics
    energy: dict  # target -> engine.neuromorphic.estimate_energy's entry
    exact: bool  # computed paused: the counts up to the paused time


def per_second(count: float, metrics: EfficiencyMetrics) -> float | None:
    return count / (metrics.t_ms * 1e-3) if metrics.t_ms > 0 else None


# -- the panel's data as tables (exports) --------------------------------------------------------
def metrics_table(metrics: EfficiencyMetrics) -> tuple[list[str], list[list]]:
    """Per population and in total: the counts, per simulated second and activation sparsity; the
    whole network's figures (dense MACs, connection sparsity, memory) on the total row."""
    header = ["population", "size", *COUNTS, *(f"{c}_per_s" for c in COUNTS), "activation_sparsity",
              "dense_macs", "connection_sparsity", "memory_footprint_bytes", "t_counted_ms"]
    size = sum(p["size"] for p in metrics.per_population.values())
    rows = []
    for name, pop, whole in [*((n, p, ["", "", ""]) for n, p in metrics.per_population.items()),
                             ("total", {**metrics.totals, "size": size},
                              [metrics.dense_macs, metrics.connection_sparsity["total"],
                               metrics.memory_footprint_bytes])]:
        rows.append([name, pop["size"], *(pop[c] for c in COUNTS), *(per_second(pop[c], metrics) for c in COUNTS),
                     pop["activation_sparsity"], *whole, metrics.t_ms])
    return header, rows


def energy_table(result: EnergyResult) -> tuple[list[str], list[list]]:
    header = ["target", "kind", "energy_j", "energy_j_per_s", "energy_j_per_inference", "formula", "citation",
              "process", "voltage", "caveat", "t_counted_ms", "note"]
    rows = [[name, e["kind"], e["energy_j"], e["energy_j_per_second"], e["energy_j_per_inference"], e["formula"],
             e["citation"], e["process"], e["voltage"], e["caveat"], result.metrics.t_ms, e["disclaimer"]]
            for name, e in result.energy.items()]
    return header, rows


def export_bytes(result: EnergyResult, panel: str) -> bytes:
    table = metrics_table(result.metrics) if panel == "metrics" else energy_table(result)
    return table_to_csv(*table)


# -- formatting ------------------------------------------------------------------------------------
def _count(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) < 1e6 else f"{value:.3g}"


def _joules(value: float | None) -> str:
    if value is None:
        return "–"
    for unit, scale in (("J", 1.0), ("mJ", 1e-3), ("µJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12)):
        if abs(value) >= scale or unit == "pJ":
            return f"{value / scale:.3g} {unit}"
    return "–"


def _cell(stat: str, value, text: str) -> str:
    data = "" if value is None else f" data-value='{float(value)!r}'"
    return f"<td data-stat='{stat}'{data}>{html.escape(text)}</td>"


def metrics_html(metrics: EfficiencyMetrics, exact: bool) -> str:
    head = "<tr>" + "".join(f"<th title='{html.escape(meaning, quote=True)}'>{html.escape(short)}</th>"
                            for short, meaning in COLUMNS) + "</tr>"
    rows = []
    total = ("total", metrics.totals)
    for name, pop in [*metrics.per_population.items(), total]:
        sparsity = pop["activation_sparsity"]
        rows.append(
            f"<tr data-population='{html.escape(name, quote=True)}'{' class=total' if pop is metrics.totals else ''}>"
            f"<td>{html.escape(name)}</td>" + _cell("spikes", pop["spikes"], _count(pop["spikes"]))
            + _cell("synaptic_operations", pop["synaptic_operations"], _count(pop["synaptic_operations"]))
            + _cell("synaptic_operations_per_s", per_second(pop["synaptic_operations"], metrics),
                    _count(per_second(pop["synaptic_operations"], metrics)))
            + _cell("neuron_updates", pop["neuron_updates"], _count(pop["neuron_updates"]))
            + _cell("plastic_updates", pop["plastic_updates"], _count(pop["plastic_updates"]))
            + _cell("activation_sparsity", sparsity, "–" if sparsity is None else f"{sparsity:.4f}") + "</tr>")
    return (f"<table class='energy metrics' data-t-ms='{metrics.t_ms!r}' data-exact='{str(exact).lower()}'>"
            f"{head}{''.join(rows)}</table>")


def summary_html(metrics: EfficiencyMetrics, exact: bool) -> str:
    sparsity = metrics.connection_sparsity["total"]
    how = "exact (not running)" if exact else f"live, updated {ENERGY_HZ}× a second"
    return (f"<span class='energy-note' data-memory-bytes='{metrics.memory_footprint_bytes}'>"
            f"Counted over {metrics.t_ms / 1000:.3f} s simulated (since this panel opened or the last reset) · "
            f"{html.escape(how)} · connection sparsity {'–' if sparsity is None else f'{sparsity:.4f}'} · "
            f"memory {metrics.n_synapses:,} synapses × {metrics.bytes_per_synapse} B = "
            f"{metrics.memory_footprint_bytes / 1e6:.3g} MB · dense MACs/s "
            f"{_count(per_second(metrics.dense_macs, metrics))}</span>")


def energy_html(result: EnergyResult) -> str:
    inference = result.metrics.inference is not None
    head = ("<tr><th>target</th><th>energy</th><th>per simulated s</th>"
            + ("<th>per inference</th>" if inference else "") + "</tr>")
    rows, formulas = [], []
    for name, e in result.energy.items():
        hover = (f"{e['citation']}\nProcess: {e['process']}\nVoltage: {e['voltage']}\nCaveat: {e['caveat']}\n"
                 f"{e['formula']}")
        rows.append(
            f"<tr data-target='{html.escape(name, quote=True)}' title='{html.escape(hover, quote=True)}'>"
            f"<td>{html.escape(e['label'])}{' (baseline)' if e['kind'] == 'baseline' else ''}</td>"
            + _cell("energy_j", e["energy_j"], _joules(e["energy_j"]))
            + _cell("energy_j_per_second", e["energy_j_per_second"], _joules(e["energy_j_per_second"]))
            + (_cell("energy_j_per_inference", e["energy_j_per_inference"], _joules(e["energy_j_per_inference"]))
               if inference else "") + "</tr>")
        formulas.append(f"<div class='energy-formula'>{html.escape(e['label'])}: {html.escape(e['formula'])}</div>")
    return (f"<table class='energy targets'>{head}{''.join(rows)}</table>"
            f"<div class='energy-note'><b>{html.escape(DISCLAIMER.capitalize())}.</b> Hover a row for its source, "
            "process node, voltage and caveat. E = Σ count × energy per operation:</div>" + "".join(formulas))


class EnergyView(Viewer):
    """The panel, in a card that starts closed. State: `open` and `result` (None before any counts)."""

    session = param.ClassSelector(class_=LiveSession)
    open = param.Boolean(default=False, doc="the panel is shown (the Runner counts only then)")
    result = param.Parameter(default=None, doc="the EnergyResult shown (None before any counts)")

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.targets = load_energy_table()
        self._latest: EfficiencyMetrics | None = None
        self._stale = False
        self._computed_at = 0.0  # time.monotonic()
        self.export_kind = pn.widgets.Select(name="Export panel", options=list(EXPORTS), width=240)
        self.download = pn.widgets.FileDownload(callback=self._file, label="Download", filename="energy.csv",
                                                width=100, name="energy-download", disabled=True, margin=(24, 5, 5, 5))
        self.note = pn.pane.HTML(EMPTY_NOTE, name="energy-note", stylesheets=[TABLE_CSS], sizing_mode="stretch_width")
        self.metrics_pane = pn.pane.HTML("", name="energy-metrics", stylesheets=[TABLE_CSS], sizing_mode="stretch_width")
        self.energy_pane = pn.pane.HTML("", name="energy-targets", stylesheets=[TABLE_CSS], sizing_mode="stretch_width")
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(self._on_status, "status")
        self.session.param.watch(lambda _e: self._clear(), "reset_count")
        self.param.watch(self._on_open, "open")
        self.param.watch(self._show, "result")
        self.export_kind.param.watch(lambda _e: self._update_download(), "value")
        if pn.state.curdoc is not None:  # in a served session (not in unit tests)
            pn.state.add_periodic_callback(self.tick, period=int(1000 / ENERGY_HZ))

    def __panel__(self):
        controls = pn.Row(self.export_kind, self.download, sizing_mode="stretch_width", margin=0)
        card = pn.Card(controls, self.note, self.metrics_pane, self.energy_pane, title="Energy and efficiency",
                       collapsed=not self.open, sizing_mode="stretch_width", name="energy-card")
        card.param.watch(lambda e: setattr(self, "open", not e.new), "collapsed")
        return card

    # -- when to count and compute ------------------------------------------------------------------
    def _on_open(self, event) -> None:
        self.session.set_metrics(event.new)
        if not event.new:
            self._clear()

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None or frame.efficiency is None or not self.open:
            return
        self._latest, self._stale = frame.efficiency, True  # only a reference here: the frame handler stays cheap
        if self.session.status != "running":
            self.refresh()  # a step, or the last frame before a pause: exact at once

    def _on_status(self, event) -> None:
        if event.new != "running" and self.result is not None and not self.result.exact:
            self._stale = True
            pn.state.execute(self.tick, schedule=True)

    def tick(self) -> None:
        """The periodic callback: an update if new counts came and (running) the last one is old enough."""
        if self._stale and (self.session.status != "running"
                            or time.monotonic() - self._computed_at >= 1.0 / ENERGY_HZ):
            self.refresh()

    def refresh(self) -> None:
        if not self.open or self._latest is None:
            return
        self._stale = False
        self._computed_at = time.monotonic()
        self.result = EnergyResult(self._latest, estimate_energy(self._latest, self.targets),
                                   exact=self.session.status != "running")

    def _clear(self) -> None:
        self._latest, self._stale = None, False
        self.result = None

    # -- drawing and exports --------------------------------------------------------------------------
    def _show(self, _event=None) -> None:
        self._update_download()
        result = self.result
        if result is None:
            self.note.object, self.metrics_pane.object, self.energy_pane.object = EMPTY_NOTE, "", ""
            return
        self.note.object = summary_html(result.metrics, result.exact)
        self.metrics_pane.object = metrics_html(result.metrics, result.exact)
        self.energy_pane.object = energy_html(result)

    def _update_download(self) -> None:
        self.download.filename = f"{self.session.state.network.name}_{EXPORTS[self.export_kind.value]}.csv"
        self.download.disabled = self.result is None

    def _file(self):
        if self.result is None:
            return io.BytesIO(b"Nothing counted yet: open the panel and press Run\n")
        return io.BytesIO(export_bytes(self.result, EXPORTS[self.export_kind.value]))
