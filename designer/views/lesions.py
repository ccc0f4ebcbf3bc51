"""Lesions in the page: a control under the inspector that lesions (and revives) neurons of the
selected population or synapses of the selected projection while the network runs, and a
degradation sweep (engine.neuromorphic.degradation) that runs in the background and shows the
rate against the lesioned fraction with its spread over seeds.

Lesions act on the running build (LiveSession.lesion, through the Runner); they are not part of the
design, so they are not saved and not undone by Undo: Revive is their undo. A rebuild clears them.
"""
from __future__ import annotations

import html
import threading

import panel as pn
import param
from panel.viewable import Viewer

from engine import EngineError, ValidationError
from engine.neuromorphic import DegradationSweep, degradation_sweep

from designer.session import LiveSession

SWEEP_FRACTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
SWEEP_SEEDS = (0, 1, 2)
SWEEP_WINDOW_MS = 300.0
SWEEP_WARMUP_MS = 100.0
PLOT_W, PLOT_H, PAD = 300, 150, 34  # the sweep's SVG plot (px)
NOTE_CSS = """
.lesion-note { font-size: 12px; color: #4b5563; }
.lesion-note b { color: #111827; }
table.sweep { border-collapse: collapse; font-size: 12px; margin: 2px 0; }
table.sweep th, table.sweep td { padding: 2px 6px; border-bottom: 1px solid #e5e7eb; text-align: right; }
"""


def parse_indices(text: str) -> list[int]:
    """'0-9, 20' -> [0, ..., 9, 20]; a malformed entry raises ValidationError naming it."""
    out: list[int] = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high) if high else int(low)
        except ValueError:
            raise ValidationError(f"lesion: '{part}' is not a neuron index or a range like 0-9") from None
        if last < first:
            raise ValidationError(f"lesion: the range '{part}' runs backwards (write {last}-{first})")
        out.extend(range(first, last + 1))
    if not out:
        raise ValidationError("lesion: give neuron indices, e.g. 0-9, 20")
    return out


def lesion_target(network, selection: dict) -> tuple[str, str] | None:
    """(kind, name) of the selected object lesions apply to: 'population' (neurons, spike
    generators) or 'projection' (one between two such populations); None otherwise."""
    names = {"node": {p.name for p in network.populations}, "edge": {p.name for p in network.projections}}
    kind, name = selection.get("kind"), selection.get("id")
    if name not in names.get(kind, ()):
        return None
    if kind == "node":
        return None if network.population(name).model_class.emits in ("poisson", "current") else ("population", name)
    proj = network.projection(name)
    return None if network.population(proj.pre).model_class.emits in ("poisson", "current") else ("projection", name)


class LesionControl(Viewer):
    """Lesion and revive parts of the selected population or projection of the running network."""

    session = param.ClassSelector(class_=LiveSession)

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.fraction = pn.widgets.FloatInput(name="Fraction (0-1)", value=0.2, start=0.0, end=1.0, step=0.05,
                                              width=120, description="Share of the population's neurons (or the "
                                              "projection's synapses) to lesion, chosen at random with the seed")
        self.seed = pn.widgets.IntInput(name="Seed", value=0, start=0, width=90,
                                        description="The same seed picks the same neurons (a larger fraction adds to them)")
        self.lesion_fraction = pn.widgets.Button(name="Lesion fraction", button_type="warning", width=130)
        self.indices = pn.widgets.TextInput(name="Neuron indices", placeholder="e.g. 0-9, 20", width=130,
                                            description="Neurons to lesion, from 0; ranges with a dash")
        self.lesion_indices = pn.widgets.Button(name="Lesion neurons", button_type="warning", width=120)
        self.revive = pn.widgets.Button(name="Revive all", button_type="default", width=100)
        self.status = pn.pane.HTML("", stylesheets=[NOTE_CSS], sizing_mode="stretch_width", name="lesion-status")
        self._body = pn.Column(sizing_mode="stretch_width", name="lesion-control", margin=(4, 0, 0, 0))
        self._wire()
        self._refresh()

    def _wire(self) -> None:
        self.session.state.param.watch(self._refresh, ["selection", "network"])
        self.session.param.watch(self._show_status, ["lesioned", "notice"])
        self.lesion_fraction.on_click(lambda _e: self._lesion(fraction=True))
        self.lesion_indices.on_click(lambda _e: self._lesion(fraction=False))
        self.revive.on_click(lambda _e: self._send(revive=True))

    def __panel__(self):
        return self._body

    def _target(self) -> tuple[str, str] | None:
        return lesion_target(self.session.state.network, self.session.state.selection)

    def _refresh(self, *_events) -> None:
        target = self._target()
        if target is None:
            self._body.objects = []
            return
        kind, name = target
        what = "neurons" if kind == "population" else "synapses"
        title = pn.pane.HTML(f"<b>Lesion {what}</b> <span class='lesion-note'>(live, while running; "
                             "Revive undoes)</span>", stylesheets=[NOTE_CSS], margin=(8, 10, 0, 10))
        # rows narrow enough for the sidebar (~330 px) at 1366x768
        rows = [title, pn.Row(self.fraction, self.seed, margin=0),
                pn.Row(self.lesion_fraction, self.revive, margin=0)]
        if kind == "population":
            rows.append(pn.Row(self.indices, self.lesion_indices, margin=0))
        rows.append(self.status)
        self._body.objects = rows
        self._show_status()

    def _lesion(self, fraction: bool) -> None:
        if fraction:
            self._send(fraction=float(self.fraction.value or 0.0), seed=int(self.seed.value or 0))
            return
        try:
            indices = parse_indices(self.indices.value)
        except ValidationError as error:
            self.status.object = f"<span class='field-error'>{html.escape(str(error))}</span>"
            return
        self._send(indices=indices)

    def _send(self, indices=None, fraction=None, seed: int = 0, revive: bool = False) -> None:
        target = self._target()
        if target is None:
            return
        if self.session.needs_restart:  # the running build is not the design shown
            self.status.object = ("<span class='field-error'>the design changed since the build: press Restart, "
                                  "then lesion</span>")
            return
        self.session.lesion(target[1], indices=indices, fraction=fraction, seed=seed, revive=revive)

    def _show_status(self, *_events) -> None:
        target = self._target()
        if target is None:
            return
        kind, name = target
        if kind == "population":
            size = self.session.state.network.population(name).size
            dead = len(self.session.lesioned.get(name, ()))
            self.status.object = (f"<span class='lesion-note' data-lesioned='{dead}'><b>{dead}</b> of {size:,} "
                                  f"neurons lesioned (grey rows in the raster)</span>")
        elif self.session.notice.startswith(f"{name}:"):
            self.status.object = f"<span class='lesion-note'>{html.escape(self.session.notice)}</span>"


def sweep_svg(sweep: DegradationSweep) -> str:
    """Mean rate against the lesioned fraction, with bars of ± one standard deviation over seeds."""
    x_max = max(max(sweep.fractions), 1e-9)
    high = sweep.mean + sweep.spread
    y_max = float(high.max()) * 1.1 or 1.0
    inner_w, inner_h = PLOT_W - PAD - 8, PLOT_H - PAD

    def xy(fraction: float, value: float) -> tuple[float, float]:
        return PAD + fraction / x_max * inner_w, 8 + (1 - value / y_max) * (inner_h - 8)

    points = [xy(f, m) for f, m in zip(sweep.fractions, sweep.mean)]
    bars = "".join(
        f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{xy(f, m - s)[1]:.1f}' y2='{xy(f, m + s)[1]:.1f}' stroke='#9ca3af'/>"
        for (x, _), f, m, s in zip(points, sweep.fractions, sweep.mean, sweep.spread))
    dots = "".join(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='#b45309'/>" for x, y in points)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    axis_y = 8 + inner_h - 8
    labels = (f"<text x='{PAD}' y='{PLOT_H - 4}' font-size='10'>0</text>"
              f"<text x='{PAD + inner_w}' y='{PLOT_H - 4}' font-size='10' text-anchor='end'>{x_max:.0%} lesioned</text>"
              f"<text x='{PAD - 4}' y='14' font-size='10' text-anchor='end'>{y_max:.0f}</text>"
              f"<text x='{PAD - 4}' y='{axis_y}' font-size='10' text-anchor='end'>0 Hz</text>")
    return (f"<svg class='sweep-plot' width='{PLOT_W}' height='{PLOT_H}' role='img' "
            f"aria-label='rate against lesioned fraction'>"
            f"<line x1='{PAD}' x2='{PAD + inner_w}' y1='{axis_y}' y2='{axis_y}' stroke='#d1d5db'/>"
            f"<line x1='{PAD}' x2='{PAD}' y1='8' y2='{axis_y}' stroke='#d1d5db'/>"
            f"{bars}<polyline points='{line}' fill='none' stroke='#b45309'/>{dots}{labels}</svg>")


def sweep_html(sweep: DegradationSweep) -> str:
    rows = "".join(f"<tr data-fraction='{f!r}'><td>{f:.0%}</td><td data-value='{float(m)!r}'>{m:.1f}</td>"
                   f"<td>{s:.1f}</td></tr>" for f, m, s in zip(sweep.fractions, sweep.mean, sweep.spread))
    return (f"<div class='lesion-note'>Lesioning <b>{html.escape(sweep.target)}</b>: rate of the surviving "
            f"neurons of <b>{html.escape(sweep.measure)}</b>, mean ± spread over {len(sweep.seeds)} seeds "
            f"({sweep.window_ms:g} ms after {sweep.warmup_ms:g} ms)</div>{sweep_svg(sweep)}"
            "<table class='sweep'><tr><th>lesioned</th><th>rate (Hz)</th><th>± (Hz)</th></tr>"
            f"{rows}</table>")


class DegradationSweepView(Viewer):
    """A degradation sweep of the current design, run in the background on its own Simulators."""

    session = param.ClassSelector(class_=LiveSession)
    result = param.Parameter(default=None, doc="the last DegradationSweep (None before any)")
    running = param.Boolean(default=False)

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.target = pn.widgets.Select(name="Lesion", width=150, description="Population or projection lesioned")
        self.measure = pn.widgets.Select(name="Measure the rate of", width=150,
                                         description="Population whose surviving neurons' rate is measured")
        self.start = pn.widgets.Button(name="Run sweep", button_type="primary", width=100)
        self.progress = pn.pane.HTML("<span class='lesion-note'>Lesion 0-50 % of the chosen part, "
                                     f"{len(SWEEP_SEEDS)} seeds each, in the background.</span>",
                                     stylesheets=[NOTE_CSS], sizing_mode="stretch_width", name="sweep-progress")
        self.output = pn.pane.HTML("", stylesheets=[NOTE_CSS], sizing_mode="stretch_width", name="sweep-result")
        self._doc = pn.state.curdoc
        # new options wait for the page to have loaded (see AnalysisView._wire)
        self.session.state.param.watch(lambda _e: pn.state.onload(self._on_network), "network")
        self.start.on_click(lambda _e: self.run_sweep())
        self.param.watch(self._show, "result")
        self._on_network()

    def __panel__(self):
        return pn.Column(pn.Row(self.target, self.measure, self.start, margin=0), self.progress,
                         self.output, sizing_mode="stretch_width", name="degradation-sweep")

    def _on_network(self, *_events) -> None:
        network = self.session.state.network
        targets = [name for name in [*(p.name for p in network.populations), *(p.name for p in network.projections)]
                   if lesion_target(network, {"kind": "node" if name in {p.name for p in network.populations}
                                              else "edge", "id": name}) is not None]
        measures = [p.name for p in network.populations if p.model_class.category == "neuron"]
        self.target.options, self.measure.options = targets, measures
        self.start.disabled = not targets or not measures or self.running

    def run_sweep(self) -> None:
        if self.running or not self.target.value or not self.measure.value:
            return
        network, target, measure = self.session.state.network, self.target.value, self.measure.value
        self.running, self.start.disabled = True, True
        total = len(SWEEP_FRACTIONS) * len(SWEEP_SEEDS)
        self.progress.object = f"<span class='lesion-note'>sweeping… 0 of {total} runs</span>"

        def on_point(done: int, total: int) -> None:
            self._on_loop(lambda: setattr(self.progress, "object",
                                          f"<span class='lesion-note'>sweeping… {done} of {total} runs</span>"))

        def work() -> None:
            try:
                sweep = degradation_sweep(network, target, measure, SWEEP_FRACTIONS, SWEEP_SEEDS,
                                          window_ms=SWEEP_WINDOW_MS, warmup_ms=SWEEP_WARMUP_MS, on_point=on_point)
                self._on_loop(lambda: self._finish(sweep, ""))
            except (EngineError, MemoryError) as error:
                self._on_loop(lambda: self._finish(None, str(error)))
            except Exception as error:  # noqa: BLE001 -- a sweep bug must not take the session down
                self._on_loop(lambda: self._finish(None, repr(error)))

        if self._doc is None:  # unit tests: at once
            work()
        else:
            threading.Thread(target=work, name="lesion-sweep", daemon=True).start()

    def _on_loop(self, callback) -> None:
        if self._doc is None:
            callback()
        else:
            self._doc.add_next_tick_callback(callback)

    def _finish(self, sweep: DegradationSweep | None, problem: str) -> None:
        self.running = False
        self._on_network()
        if sweep is None:
            self.progress.object = f"<span class='field-error'>sweep failed: {html.escape(problem)}</span>"
            return
        self.progress.object = "<span class='lesion-note' data-done='true'>sweep done</span>"
        self.result = sweep

    def _show(self, _event=None) -> None:
        self.output.object = "" if self.result is None else sweep_html(self.result)
