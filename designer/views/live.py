"""Live views: raster, membrane traces, population rates, run controls, status line.

Each watches the LiveSession (frame, status) and draws; none calls another.
The raster applies flow control: at most MAX_IN_FLIGHT frames unacknowledged by
the page; while the page lags, frames are merged here (memory bounded by the
raster's sampled rows and one window of spikes). The raster's acknowledgements
are the page's only report of progress, so the raster view also sets the
session's `page_behind`, and the trace and rate views (StripCharts: the page keeps
their window and draws them once per animation frame) hold their data back, merged and
bounded, while it is set: a slow page is never flooded.
"""
from __future__ import annotations

import html
import time

import numpy as np
import panel as pn
import param
from panel.viewable import Viewer

from designer.recording import RecordedData
from designer.session import LiveSession
from designer.views.raster import SpikeRaster
from designer.views.strip_chart import StripChart
from designer.views.workspace import INLINE_LABEL, tooltip

MAX_IN_FLIGHT = 3
MAX_ROWS_PER_POPULATION = 2000  # raster rows per population; more neurons are sampled evenly
ROW_CHOICES = {"100 per population": 100, "500 per population": 500, "2,000 per population": 2000,
               "every neuron": 10**9}
MAX_PENDING_SPIKES = 400_000  # while the page lags, keep at most this many (newest) spikes
MAX_ZOOM_SPIKES = 500_000  # exact spikes sent for a zoomed range at most (6 bytes each); more: "zoom in"
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
WINDOW_MS = 1000.0
STATUS_HZ = 5  # status-line updates per second while running
PLOT_HZ = 10  # trace and rate plot updates per second while running
LIVE_EDIT_S = 0.5  # for this long after a live edit the plots send every frame at once
TRACE_POINTS = 4000  # membrane-trace points per trace per window, at most
TRACE_HELD_ROWS = TRACE_POINTS * 6 // 5  # trace rows kept while held back: a window and a bit
RATE_HELD_ROWS = int(2 * WINDOW_MS / 5.0)  # 5 ms rate bins kept while held back: two windows


class RasterView(Viewer):
    """The live raster. While paused the user can zoom its time axis; the exact spikes of the
    zoomed range come from `recorded` (the session's RecordedData), on the same rows."""

    session = param.ClassSelector(class_=LiveSession)
    recorded = param.ClassSelector(class_=RecordedData, default=None, doc="""
        What the session recorded: answers the page's zoom requests (none without it).""")
    max_rows = param.Integer(default=MAX_ROWS_PER_POPULATION, bounds=(1, None), doc="""
        Raster rows per population at most; a bigger population is sampled evenly (every k-th neuron).""")

    def __init__(self, session: LiveSession, recorded: RecordedData | None = None, **params):
        super().__init__(session=session, recorded=recorded, **params)
        self.raster = SpikeRaster(window_ms=WINDOW_MS, min_height=120, sizing_mode="stretch_both", name="raster")
        self._pending = None  # merged spikes not yet sent: (t0, t1, rows, times)
        self._seq = 0
        self._row_map: dict[int, tuple[int, int, int]] = {}  # population index -> (first row, stride, n rows)
        # One line that ends in "…" where the column is narrow; the whole note is its tooltip.
        self.note = pn.pane.HTML("", margin=(0, 10), name="raster-note", sizing_mode="stretch_width", min_width=80,
                                 stylesheets=[".raster-note { display: block; white-space: nowrap; overflow: hidden;"
                                              " text-overflow: ellipsis; }"])
        self.rows_select = pn.widgets.Select(
            label="Raster rows", options=list(ROW_CHOICES), value=_rows_choice(self.max_rows), width=270,
            stylesheets=[INLINE_LABEL],
            description="Neurons shown per population; bigger populations are sampled evenly (every k-th neuron)")
        self._wire()

    def _wire(self) -> None:
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(self._on_layout, ["populations"])
        self.session.param.watch(self._on_reset, "reset_count")
        self.session.state.param.watch(self._on_layout, "network")
        self.session.param.watch(self._on_zoomable, ["status", "t_ms"])
        self.session.param.watch(self._on_lesioned, "lesioned")
        self.raster.on_pick(self._on_pick)
        self.raster.on_zoom(self._on_zoom)
        self.raster.param.watch(lambda _event: self.flush(), "acked_seq")  # the page caught up: send at once
        self.rows_select.param.watch(lambda event: setattr(self, "max_rows", ROW_CHOICES[event.new]), "value")
        self.param.watch(self._on_max_rows, "max_rows")

    def __panel__(self):
        return pn.Column(self.raster, pn.Row(self.rows_select, self.note, sizing_mode="stretch_width", margin=0),
                         sizing_mode="stretch_both", margin=0)

    def _on_max_rows(self, _event) -> None:
        """New rows per population: spikes waiting for the old rows are dropped with the bitmap."""
        self._pending = None
        self._on_layout()
        self.raster.clear()

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
            layout.append({"name": name, "rows": rows, "color": PALETTE[index % len(PALETTE)], "sampled": sampled,
                           "stride": stride})
            row_map[index] = (first, stride, rows)
            first += rows
            if sampled:
                notes.append(f"{name}: every {_ordinal(stride)} of {pop.size:,} neurons shown")
        if layout != self.raster.layout:
            self.raster.layout = layout
        self._row_map = row_map
        self._on_lesioned()
        text = html.escape("Sampled raster: " + "; ".join(notes), quote=True)
        self.note.object = f"<span class='raster-note' title='{text}'>{text}</span>" if notes else ""

    def _on_reset(self, _event) -> None:
        self._pending = None
        self.raster.clear()

    def _on_lesioned(self, _event=None) -> None:
        """Lesioned neurons' rows grey (a sampled population: the rows of lesioned neurons it shows)."""
        names = self.session.populations
        rows = []
        for name, neurons in self.session.lesioned.items() if self._row_map else ():
            if name not in names:
                continue
            shown = self.raster_rows(np.full(len(neurons), names.index(name)), np.asarray(neurons, np.int64))
            rows.extend(int(r) for r in shown if r >= 0)
        self.raster.lesioned_rows = sorted(rows)

    def _on_zoomable(self, *_events) -> None:
        """Zooming is for a paused run with something to look at; Run, Step and Reset end it."""
        self.raster.zoomable = self.session.status == "paused" and self.session.t_ms > 0

    def raster_rows(self, populations: np.ndarray, neurons: np.ndarray) -> np.ndarray:
        """Global raster rows of spikes (population index, neuron); -1 for a neuron without a
        row (not sampled, or not shown)."""
        if not self._row_map:
            self._on_layout()
        rows = np.full(neurons.shape, -1, dtype=np.int64)
        for pop_index, (first, stride, n_rows) in self._row_map.items():
            # a size edit not rebuilt yet: the running build's extra neurons have no row
            mine = (populations == pop_index) & (neurons < stride * n_rows)
            if stride > 1:
                mine &= neurons % stride == 0
            rows[mine] = first + neurons[mine] // stride
        return rows

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None:
            return
        rows = self.raster_rows(frame.spike_population, frame.spike_neuron)
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
        if self._pending is not None and self.raster.in_flight <= MAX_IN_FLIGHT:
            t0, t1, rows, times = self._pending
            if self.raster.push_frame(self._seq + 1, t0, t1, rows, times):
                self._seq += 1
                self._pending = None  # otherwise the page is not listening yet: keep it (bounded) for later
        behind = self.raster.in_flight > MAX_IN_FLIGHT
        if behind != self.session.page_behind:
            self.session.page_behind = behind

    def zoom_answer(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray, int]:
        """(rows, times, too_many) for the zoomed range [t0, t1] ms: the recorded spikes on the
        live view's rows; none and their number as `too_many` above MAX_ZOOM_SPIKES."""
        if self.recorded is None:
            return np.zeros(0, np.int64), np.zeros(0), 0
        populations, neurons, times = self.recorded.spikes_between(t0, t1)
        rows = self.raster_rows(populations, neurons)
        keep = rows >= 0
        n = int(np.count_nonzero(keep))
        if n > MAX_ZOOM_SPIKES:
            return np.zeros(0, np.int64), np.zeros(0), n
        return rows[keep], times[keep], 0

    def _on_zoom(self, request_id: int, t0: float, t1: float) -> None:
        rows, times, too_many = self.zoom_answer(t0, t1)
        kept_from = self.recorded.spikes_kept_from if self.recorded is not None else None
        self.raster.send_zoom(request_id, t0, t1, rows, times, too_many=too_many, kept_from_ms=kept_from)

    def _on_pick(self, population: str, row: int, t_ms: float) -> None:
        for pop_index, (first, stride, n_rows) in self._row_map.items():
            if self.session.populations and self.session.populations[pop_index] == population:
                self.session.add_trace(population, row * stride)
                return


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def _rows_choice(max_rows: int) -> str:
    """The Raster rows choice that shows `max_rows` (the nearest one above it)."""
    return next((label for label, rows in ROW_CHOICES.items() if rows >= max_rows), "every neuron")


def _may_send(session: LiveSession, sent_at: float) -> bool:
    """Whether a plot may send now: never while the page is behind (see RasterView); while
    running at most PLOT_HZ times a second (a later frame brings the rest; the last frame of a
    run or step arrives with the new state and is sent at once), except for LIVE_EDIT_S after
    a live edit: its effect is shown as soon as it is simulated. Every frame (~25/s) would cost
    the page ~65 ms/s more main-thread time (brunel at 'max', measured) for smoother lines."""
    if session.page_behind:
        return False
    now = time.monotonic()
    if now - getattr(session, "last_live_edit", 0.0) < LIVE_EDIT_S:
        return True
    return session.status != "running" or now - sent_at >= 1.0 / PLOT_HZ


class _StreamedPlot(Viewer):
    """A StripChart fed frame by frame: updates are held while the page is behind (or came
    too soon, see _may_send) and sent together as one push, keeping the newest `held_rows`."""

    session = param.ClassSelector(class_=LiveSession)
    held_rows = 0  # rows kept while held back (set by each subclass)

    def _wire(self) -> None:
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(self._on_reset, "reset_count")
        self.session.param.watch(self._on_page_behind, "page_behind")

    def __panel__(self):
        return self.chart

    def _on_page_behind(self, event) -> None:
        if not event.new:
            self._send()

    def _hold(self, update: dict, t_end: float) -> None:
        self._held.append(update)
        self._t_end = t_end
        if len(self._held) > 1 and sum(len(u["t"]) for u in self._held) > 2 * self.held_rows:  # bounded while the page lags
            self._held = [self._merged()]

    def _merged(self) -> dict:
        return {k: np.concatenate([u[k] for u in self._held])[-self.held_rows:] for k in self._held[0]}

    def _send(self, now: bool = False) -> None:
        """Push what is held, if _may_send allows it (`now`: unless the page is behind)."""
        if not self._held or self.session.page_behind or not (now or _may_send(self.session, self._sent_at)):
            return
        update = self._merged()
        times = update.pop("t")
        if self.chart.push(times, update, t_end=self._t_end):
            self._sent_at = time.monotonic()
            self._held = []
        else:  # no page listens yet: keep it (bounded) for later
            self._held = [{"t": times, **update}]

    def _clear(self) -> None:
        self._held = []
        self.chart.clear()


class TracesView(_StreamedPlot):
    held_rows = TRACE_HELD_ROWS

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.chart = StripChart(title="Membrane potential (mV)", window_ms=WINDOW_MS, min_height=90,
                                sizing_mode="stretch_both", name="traces")
        self._columns: tuple = ()
        self._last_t: float | None = None
        self._break_line = False  # rows were dropped: the next ones start with a gap
        self._held: list[dict] = []  # updates not sent yet (the page is behind, or too soon)
        self._t_end = 0.0  # simulated time the held updates reach
        self._sent_at = 0.0  # time.monotonic() of the last push
        self._wire()

    def _on_reset(self, _event) -> None:
        self._last_t = None
        self._break_line = False
        self._clear()

    def _setup(self, traces) -> None:
        # The page keeps the data of traces that stay: send theirs before the series change;
        # if the page is behind it is dropped, and the next rows start with a gap.
        self._send(now=True)
        self._break_line = bool(self._held)
        self._held = []
        self._columns = traces
        self.chart.set_series([{"key": f"v{q}", "label": f"{req.population} #{req.neuron}",
                                "color": PALETTE[q % len(PALETTE)]} for q, req in enumerate(traces)])

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None:
            return
        if frame.traces != self._columns:
            self._setup(frame.traces)
        if not frame.traces or frame.trace_values.shape[0] == 0:
            return
        dt = self.session.dt
        # Every stride-th step of ABSOLUTE time: the same samples and density whatever the
        # frame sizes (a stride counted per frame would make the trace jitter).
        stride = max(1, int(np.ceil(WINDOW_MS / dt / TRACE_POINTS)))
        keep = np.rint(frame.trace_time / dt).astype(np.int64) % stride == 0
        times, values = frame.trace_time[keep], frame.trace_values[keep]
        if times.size == 0:
            return
        if self._last_t is not None and (self._break_line or times[0] > self._last_t + 1.5 * stride * dt):
            # frames were dropped: break the line instead of drawing a chord across the gap
            self._break_line = False
            times = np.concatenate([[self._last_t], times])
            values = np.concatenate([np.full((1, values.shape[1]), np.nan), values])
        self._last_t = float(times[-1])
        update = {"t": times}
        for q in range(len(frame.traces)):
            update[f"v{q}"] = values[:, q]
        self._hold(update, frame.t_end)
        self._send()


class RatesView(_StreamedPlot):
    held_rows = RATE_HELD_ROWS

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.chart = StripChart(title="Population rate (Hz, 5 ms bins)", window_ms=WINDOW_MS, y_from_zero=True,
                                min_height=90, sizing_mode="stretch_both", name="rates")
        self._populations: tuple = ()
        self._held: list[dict] = []  # updates not sent yet (the page is behind, or too soon)
        self._t_end = 0.0  # simulated time the held updates reach
        self._sent_at = 0.0  # time.monotonic() of the last push
        self._wire()

    def _on_reset(self, _event) -> None:
        self._clear()

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None or frame.rates.shape[0] == 0:
            return
        net = self.session.state.network
        shown = tuple(i for i, name in enumerate(frame.populations)
                      if any(p.name == name and not p.is_device for p in net.populations))
        if shown != self._populations:
            self._populations = shown
            self._held = []
            self.chart.set_series([{"key": f"r{i}", "label": frame.populations[i], "color": PALETTE[i % len(PALETTE)]}
                                   for i in shown])
        # the Runner reports whole bins only, each once: rows are drawn as they come
        self._hold({"t": frame.rate_time, **{f"r{i}": frame.rates[:, i] for i in shown}}, frame.t_end)
        self._send()


class Controls(Viewer):
    session = param.ClassSelector(class_=LiveSession)

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        s = session
        button = pn.widgets.Button
        self.run_button = button(name="▶ Run", color="success", width=74, description=tooltip("Run (Space)"))
        self.pause_button = button(name="Pause", color="warning", width=70, description=tooltip("Pause (Space)"))
        self.step_button = button(name="Step 10 ms", width=92, description=tooltip("Simulate 10 ms more, then pause"))
        self.reset_button = button(name="⟲ Reset", width=78, description=tooltip("Back to t = 0 (the design stays)"))
        self.restart_button = pn.widgets.Button(name="Rebuild and restart", color="primary", visible=False, width=160)
        self.speed = pn.widgets.Select.from_param(s.param.speed, name="Speed", width=196, stylesheets=[INLINE_LABEL],
                                                  description="Simulated time per second of wall-clock time")
        self.run_button.on_click(lambda _e: s.run())
        self.pause_button.on_click(lambda _e: s.pause())
        self.step_button.on_click(lambda _e: s.step(10.0))
        self.reset_button.on_click(lambda _e: s.reset())
        self.restart_button.on_click(lambda _e: s.restart())
        self.status = pn.pane.HTML("", sizing_mode="stretch_width", name="status-line", margin=(0, 10))
        self.banner = pn.pane.HTML("", sizing_mode="stretch_width", visible=False, name="restart-banner")
        self.fault = pn.pane.HTML("", sizing_mode="stretch_width", visible=False, name="fault-banner")
        self.limit = pn.pane.HTML("", sizing_mode="stretch_width", visible=False, name="limit-banner")
        self._status_shown = 0.0  # time.monotonic() of the last status-line update
        self._wire()
        self._update_status()

    def _wire(self) -> None:
        self.session.param.watch(self._update_status, ["status", "t_ms", "real_time_factor", "fps", "dropped", "notice"])
        self.session.param.watch(self._update_banners, ["needs_restart", "fault", "limit_message"])

    def __panel__(self):
        return pn.Column(
            pn.Row(self.run_button, self.pause_button, self.step_button, self.reset_button, self.speed,
                   self.restart_button, sizing_mode="stretch_width"),
            self.banner, self.fault, self.limit, self.status, sizing_mode="stretch_width", margin=0,
        )

    def _update_status(self, *events) -> None:
        s = self.session
        # While running, the numbers change every poll (20 per second) and each HTML update costs
        # the server ~5-10 ms: show them at most STATUS_HZ times a second. Anything else (a new
        # state, a notice, a reset to t = 0 while paused) is shown at once.
        now = time.monotonic()
        numbers_only = events and all(e.name in ("t_ms", "real_time_factor", "fps", "dropped") for e in events)
        if numbers_only and s.status == "running" and now - self._status_shown < 1.0 / STATUS_HZ:
            return
        self._status_shown = now
        rtf = f"{s.real_time_factor:.2g}×" if s.real_time_factor else "–"
        # `dropped` counts data frames the Runner discarded because this server fell behind
        lag = f" · <span class='lag'>server fell behind: {s.dropped} frames skipped</span>" if s.dropped else ""
        notice = f" · {html.escape(s.notice)}" if s.notice else ""
        numbers = f"t = {s.t_ms / 1000.0:.3f} s · speed {rtf} · {s.fps:.0f} frames/s · dropped {s.dropped}"
        # one line (the toolbar keeps its height); the whole text is the hover title
        whole = f"{s.status} · {numbers}" + (f" · server fell behind: {s.dropped} frames skipped" if s.dropped else "") + (
            f" · {s.notice}" if s.notice else "")
        self.status.object = (
            f"<span class='status' data-state='{html.escape(s.status)}' data-t='{s.t_ms:.1f}' "
            f"title='{html.escape(whole)}'><b>{html.escape(s.status)}</b> · {numbers}{lag}{notice}</span>"
        )

    def _update_banners(self, *_events) -> None:
        s = self.session
        self.banner.visible = s.needs_restart
        self.restart_button.visible = s.needs_restart
        self.banner.object = ("<div class='banner'>The design changed in a way the running simulation cannot take "
                              "(a new population, rule or size): press <b>Rebuild and restart</b>.</div>")
        self.fault.visible = bool(s.fault)
        self.fault.object = f"<div class='banner fault'>{html.escape(s.fault)}</div>"
        self.limit.visible = bool(s.limit_message)
        self.limit.object = f"<div class='banner limit'>{html.escape(s.limit_message)}</div>"
