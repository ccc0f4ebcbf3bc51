"""Live views: raster, membrane traces, population rates, run controls, status line.

Each watches the LiveSession (frame, status) and draws; none calls another.
The raster applies flow control: at most MAX_IN_FLIGHT frames unacknowledged by
the page; while the page lags, frames are merged here (memory bounded by the
raster's sampled rows and one window of spikes) and the lag is shown.
"""
from __future__ import annotations

import html

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure
from panel.viewable import Viewer

from designer.session import SPEEDS, LiveSession
from designer.views.raster import SpikeRaster

MAX_IN_FLIGHT = 3
MAX_ROWS_PER_POPULATION = 2000  # raster rows per population; more neurons are sampled evenly
MAX_PENDING_SPIKES = 400_000  # while the page lags, keep at most this many (newest) spikes
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
WINDOW_MS = 1000.0


class RasterView(Viewer):
    session = param.ClassSelector(class_=LiveSession)
    max_rows = param.Integer(default=MAX_ROWS_PER_POPULATION, bounds=(1, None))

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.raster = SpikeRaster(window_ms=WINDOW_MS, height=320, sizing_mode="stretch_width", name="raster")
        self._pending = None  # merged spikes not yet sent: (t0, t1, rows, times)
        self._seq = 0
        self._row_map: dict[int, tuple[int, int, int]] = {}  # population index -> (first row, stride, n rows)
        self.note = pn.pane.HTML("", margin=(0, 10), name="raster-note")
        self._wire()

    def _wire(self) -> None:
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(self._on_layout, ["populations"])
        self.session.param.watch(self._on_reset, "reset_count")
        self.session.state.param.watch(self._on_layout, "network")
        self.raster.on_pick(self._on_pick)

    def __panel__(self):
        return pn.Column(self.raster, self.note, sizing_mode="stretch_width", margin=0)

    def _on_layout(self, _event=None) -> None:
        net = self.session.state.network
        names = self.session.populations or [p.name for p in net.populations]
        layout, row_map, notes, first = [], {}, [], 0
        for index, name in enumerate(names):
            try:
                pop = net.population(name)
            except Exception:  # the design moved on; the running build still has it
                continue
            if pop.is_device and pop.model != "spike_generator":
                continue
            if not pop.record.spikes:
                continue
            rows = min(pop.size, self.max_rows)
            stride = -(-pop.size // rows)
            rows = -(-pop.size // stride)
            sampled = stride > 1
            layout.append({"name": name, "rows": rows, "color": PALETTE[index % len(PALETTE)], "sampled": sampled})
            row_map[index] = (first, stride, rows)
            first += rows
            if sampled:
                notes.append(f"{name}: every {stride}th of {pop.size} neurons shown")
        if layout != self.raster.layout:
            self.raster.layout = layout
        self._row_map = row_map
        self.note.object = ("<span class='raster-note'>Sampled raster: " + html.escape("; ".join(notes)) + "</span>") if notes else ""

    def _on_reset(self, _event) -> None:
        self._pending = None
        self.raster.clear()

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None:
            return
        if not self._row_map:
            self._on_layout()
        rows = np.full(frame.spike_neuron.shape, -1, dtype=np.int64)
        for pop_index, (first, stride, n_rows) in self._row_map.items():
            mine = frame.spike_population == pop_index
            if stride > 1:
                mine &= frame.spike_neuron % stride == 0
            rows[mine] = first + frame.spike_neuron[mine] // stride
        keep = rows >= 0
        rows, times = rows[keep], frame.spike_time[keep]
        if self._pending is None:
            self._pending = (frame.t_start, frame.t_end, rows, times)
        else:
            t0, _, old_rows, old_times = self._pending
            rows = np.concatenate([old_rows, rows])[-MAX_PENDING_SPIKES:]
            times = np.concatenate([old_times, times])[-MAX_PENDING_SPIKES:]
            self._pending = (max(t0, frame.t_end - WINDOW_MS), frame.t_end, rows, times)
        self.flush()

    def flush(self) -> None:
        """Send the merged pending spikes if the page has drawn enough of what it got."""
        if self._pending is None or self.raster.in_flight > MAX_IN_FLIGHT:
            return
        t0, t1, rows, times = self._pending
        if self.raster.push_frame(self._seq + 1, t0, t1, rows, times):
            self._seq += 1
            self._pending = None  # otherwise the page is not listening yet: keep it (bounded) for later

    def _on_pick(self, population: str, row: int, t_ms: float) -> None:
        for pop_index, (first, stride, n_rows) in self._row_map.items():
            if self.session.populations and self.session.populations[pop_index] == population:
                self.session.add_trace(population, row * stride)
                return


class TracesView(Viewer):
    session = param.ClassSelector(class_=LiveSession)

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.source = ColumnDataSource(data={"t": []}, name="trace-source")
        self.figure = figure(height=220, sizing_mode="stretch_width", title="Membrane potential (mV)",
                             x_axis_label="time (ms)", toolbar_location=None, name="traces-figure",
                             output_backend="canvas")
        self._columns: tuple = ()
        self._last_t: float | None = None
        self._pane = pn.pane.Bokeh(self.figure, sizing_mode="stretch_width")
        self._wire()

    def _wire(self) -> None:
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(self._on_reset, "reset_count")

    def __panel__(self):
        return self._pane

    def _on_reset(self, _event) -> None:
        self._last_t = None
        self.source.data = {k: [] for k in self.source.data}

    def _setup(self, traces) -> None:
        self._columns = traces
        self.figure.renderers = []
        data = {"t": []}
        for q, req in enumerate(traces):
            data[f"v{q}"] = []
        self.source.data = data
        for q, req in enumerate(traces):
            self.figure.line("t", f"v{q}", source=self.source, color=PALETTE[q % len(PALETTE)], line_width=1.5,
                             legend_label=f"{req.population} #{req.neuron}")
        if traces:
            self.figure.legend.location = "top_left"
            self.figure.legend.label_text_font_size = "9pt"

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None:
            return
        if frame.traces != self._columns:
            self._setup(frame.traces)
        if not frame.traces or frame.trace_values.shape[0] == 0:
            return
        decimate = max(1, frame.trace_values.shape[0] // 200)  # ~4k points per second drawn at most
        times = frame.trace_time[::decimate]
        values = frame.trace_values[::decimate]
        if self._last_t is not None and frame.trace_time[0] > self._last_t + 1.5 * (frame.trace_time[1] - frame.trace_time[0] if frame.trace_time.size > 1 else 0.1):
            # frames were merged or dropped: break the line instead of drawing a chord across the gap
            times = np.concatenate([[self._last_t], times])
            values = np.concatenate([np.full((1, values.shape[1]), np.nan), values])
        self._last_t = float(frame.trace_time[-1])
        update = {"t": times}
        for q in range(len(frame.traces)):
            update[f"v{q}"] = values[:, q]
        rollover = int(WINDOW_MS / max(frame.trace_time[1] - frame.trace_time[0], 1e-6) / decimate) if frame.trace_time.size > 1 else 2000
        self.source.stream(update, rollover=max(200, min(rollover, 20000)))


class RatesView(Viewer):
    session = param.ClassSelector(class_=LiveSession)

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.source = ColumnDataSource(data={"t": []}, name="rate-source")
        self.figure = figure(height=200, sizing_mode="stretch_width", title="Population rate (Hz, 5 ms bins)",
                             x_axis_label="time (ms)", toolbar_location=None, name="rates-figure",
                             output_backend="canvas")
        self._populations: tuple = ()
        self._pane = pn.pane.Bokeh(self.figure, sizing_mode="stretch_width")
        self._wire()

    def _wire(self) -> None:
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(self._on_reset, "reset_count")

    def __panel__(self):
        return self._pane

    def _on_reset(self, _event) -> None:
        self.source.data = {k: [] for k in self.source.data}

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None or frame.rates.shape[0] == 0:
            return
        net = self.session.state.network
        shown = tuple(i for i, name in enumerate(frame.populations)
                      if any(p.name == name and not p.is_device for p in net.populations))
        if shown != self._populations:
            self._populations = shown
            self.figure.renderers = []
            self.source.data = {"t": [], **{f"r{i}": [] for i in shown}}
            for i in shown:
                self.figure.line("t", f"r{i}", source=self.source, color=PALETTE[i % len(PALETTE)], line_width=1.5,
                                 legend_label=frame.populations[i])
            if shown:
                self.figure.legend.location = "top_left"
                self.figure.legend.label_text_font_size = "9pt"
        # a partial bin at the end of a frame is completed in the next one: keep whole bins only
        update = {"t": frame.rate_time, **{f"r{i}": frame.rates[:, i] for i in shown}}
        self.source.stream(update, rollover=int(WINDOW_MS / 5.0) * 2)


class Controls(Viewer):
    session = param.ClassSelector(class_=LiveSession)

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        s = session
        self.run_button = pn.widgets.Button(name="▶ Run", button_type="success", width=90)
        self.pause_button = pn.widgets.Button(name="Pause", button_type="warning", width=90)
        self.step_button = pn.widgets.Button(name="Step 10 ms", width=100)
        self.reset_button = pn.widgets.Button(name="⟲ Reset", width=90)
        self.restart_button = pn.widgets.Button(name="Rebuild and restart", button_type="primary", visible=False, width=170)
        self.speed = pn.widgets.Select.from_param(s.param.speed, name="Speed", width=150)
        self.run_button.on_click(lambda _e: s.run())
        self.pause_button.on_click(lambda _e: s.pause())
        self.step_button.on_click(lambda _e: s.step(10.0))
        self.reset_button.on_click(lambda _e: s.reset())
        self.restart_button.on_click(lambda _e: s.restart())
        self.status = pn.pane.HTML("", sizing_mode="stretch_width", name="status-line", margin=(0, 10))
        self.banner = pn.pane.HTML("", sizing_mode="stretch_width", visible=False, name="restart-banner")
        self.fault = pn.pane.HTML("", sizing_mode="stretch_width", visible=False, name="fault-banner")
        self._wire()
        self._update_status()

    def _wire(self) -> None:
        self.session.param.watch(self._update_status, ["status", "t_ms", "real_time_factor", "fps", "dropped", "notice"])
        self.session.param.watch(self._update_banners, ["needs_restart", "fault"])

    def __panel__(self):
        return pn.Column(
            pn.Row(self.run_button, self.pause_button, self.step_button, self.reset_button, self.speed,
                   self.restart_button, sizing_mode="stretch_width"),
            self.banner, self.fault, self.status, sizing_mode="stretch_width", margin=0,
        )

    def _update_status(self, _event=None) -> None:
        s = self.session
        rtf = f"{s.real_time_factor:.2f}×" if s.real_time_factor else "–"
        lag = f" · <span class='lag'>browser lagging: {s.dropped} frames merged</span>" if s.dropped else ""
        notice = f" · {html.escape(s.notice)}" if s.notice else ""
        self.status.object = (
            f"<span class='status' data-state='{html.escape(s.status)}' data-t='{s.t_ms:.1f}'>"
            f"<b>{html.escape(s.status)}</b> · t = {s.t_ms / 1000.0:.3f} s · speed {rtf} · "
            f"{s.fps:.0f} frames/s · dropped {s.dropped}{lag}{notice}</span>"
        )

    def _update_banners(self, _event=None) -> None:
        s = self.session
        self.banner.visible = s.needs_restart
        self.restart_button.visible = s.needs_restart
        self.banner.object = ("<div class='banner'>The design changed in a way the running simulation cannot take "
                              "(a new population, rule or size): press <b>Rebuild and restart</b>.</div>")
        self.fault.visible = bool(s.fault)
        self.fault.object = f"<div class='banner fault'>{html.escape(s.fault)}</div>"
