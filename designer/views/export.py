"""Export menu: the design (JSON, PyNEST, PyNN, Brian2, NIR), what was recorded (CSV, NPZ) and
figures (PNG, SVG), each downloaded as a file. A failed export says why; nothing is lost."""
from __future__ import annotations

import html
import io
import tempfile
import threading
from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from engine import EngineError
from engine.io import EXPORTERS, network_to_json
from engine.neuromorphic import FitVerdict, check_fit, design_figures, load_hardware_table

from designer.recording import RecordedData
from designer.state import DesignState, live_differences

# the network exporters come from engine.io.EXPORTERS (one entry each), the rest is the designer's
DESIGN = {"Design (JSON)": ("json", ".json")}
RECORDED = {
    "Recorded spikes (CSV)": ("spikes_csv", "_spikes.csv"),
    "Recorded traces (CSV)": ("traces_csv", "_traces.csv"),
    "Everything recorded (NPZ)": ("npz", ".npz"),
    "Raster figure (PNG)": ("raster_png", "_raster.png"),
    "Raster figure (SVG)": ("raster_svg", "_raster.svg"),
    "Rates figure (PNG)": ("rates_png", "_rates.png"),
    "Rates figure (SVG)": ("rates_svg", "_rates.svg"),
}
NETWORK_EXPORTS = {f"{e.label} (.{e.suffix.rpartition('.')[2]})": (e.name, e.suffix) for e in EXPORTERS.values()}
FORMATS = {label: kind for label, (kind, _) in {**DESIGN, **NETWORK_EXPORTS, **RECORDED}.items()}
SUFFIX = {kind: suffix for kind, suffix in {**DESIGN, **NETWORK_EXPORTS, **RECORDED}.values()}
FIT_BEFORE = "nir"  # the export whose verdicts show: the chips take NIR graphs
FIT_CSS = """
details.fit { font-size: 12px; position: relative; }
details.fit > summary { cursor: pointer; white-space: nowrap; }
details.fit .fit-list { position: absolute; z-index: 50; top: 100%; left: 0; width: min(560px, 90vw);
  max-height: 60vh; overflow: auto; background: #fff; border: 1px solid #d1d5db; border-radius: 6px;
  padding: 6px 10px; box-shadow: 0 4px 14px rgba(0,0,0,.15); }
.fit-target { margin: 4px 0 6px; }
.fit-target b.yes { color: #047857; } .fit-target b.no { color: #b91c1c; }
.fit-target ul { margin: 2px 0 0 16px; padding: 0; }
.fit-target li.not-checked { color: #6b7280; }
.fit-target li.quantisation { color: #374151; }
"""


def fit_verdicts(network) -> list[FitVerdict]:
    """The fit verdict of `network` on each target of assets/neuromorphic/hardware.json (one compile)."""
    table = load_hardware_table()
    figures = design_figures(network)
    return [check_fit(network, name, figures=figures, table=table) for name in table[0]]


def fit_html(verdicts: list[FitVerdict]) -> str:
    """A summary line (how many targets fit) opening the verdict of each target with its reasons."""
    fitting = sum(v.fits for v in verdicts)
    parts = []
    for v in verdicts:
        reasons = "".join(
            f"<li data-limit='{html.escape(str(r['limit']), quote=True)}'><b>{html.escape(str(r['limit']))}</b>: "
            f"{html.escape(r['message'])} (design: {html.escape(str(r['design']))}; limit: "
            f"{html.escape(str(r['limit_value']))})</li>" for r in v.reasons)
        unchecked = "".join(
            f"<li class='not-checked' data-limit='{html.escape(item['limit'], quote=True)}'>not checked: "
            f"{html.escape(item['limit'])} (no public figure: {html.escape(item['source'])})</li>"
            for item in v.not_checked)
        quantised = "".join(  # shown also when within tolerance: how far the chip's weights are from these
            f"<li class='quantisation' data-projection='{html.escape(name, quote=True)}'>weights of "
            f"{html.escape(name)} at the chip's precision: {100 * error:.3g} % RMS error</li>"
            for name, error in v.quantisation.items())
        verdict = "<b class='yes'>fits</b>" if v.fits else f"<b class='no'>does not fit</b> ({len(v.reasons)})"
        parts.append(f"<div class='fit-target' data-target='{html.escape(v.target, quote=True)}' "
                     f"data-fits='{str(v.fits).lower()}' title='{html.escape(v.citation, quote=True)}'>"
                     f"{html.escape(v.label)}: {verdict}<ul>{reasons}{quantised}{unchecked}</ul></div>")
    return (f"<details class='fit'><summary>Hardware fit: {fitting} of {len(verdicts)} targets</summary>"
            f"<div class='fit-list'>{''.join(parts)}</div></details>")


def export_bytes(kind: str, state: DesignState, recorded: RecordedData) -> bytes:
    """The file for one export kind; raises EngineError (ValidationError) with the reason."""
    network = state.network
    if kind == "json":
        return network_to_json(network).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{SUFFIX[kind]}"
        if kind in EXPORTERS:
            EXPORTERS[kind].write(network, path, seed=network.seed)
        else:
            _write_recorded(kind, network, recorded, path)
        return path.read_bytes()


def _write_recorded(kind: str, network, recorded: RecordedData, path: Path) -> None:
    from engine.io import data
    from engine.io.export import raster_figure, rates_figure

    if kind == "spikes_csv":
        data.spikes_to_csv(recorded, path)
    elif kind == "traces_csv":
        data.traces_to_csv(recorded, path)
    elif kind == "npz":
        data.save_npz(recorded, path)
    elif kind.startswith("raster"):
        shown = [p for p in network.populations if not p.is_device and p.record.spikes]
        fig = raster_figure({p.name: recorded.spikes(p.name) for p in shown}, {p.name: p.size for p in shown},
                            t_stop=max(recorded.t, 1.0), t_start=max(0.0, recorded.t - 1000.0))
        fig.save(path)
    else:
        times, rates = recorded.rates(5.0)
        neurons = {p.name for p in network.populations if not p.is_device}
        rates_figure(times, {k: v for k, v in rates.items() if k in neurons}).save(path)


class ExportMenu(Viewer):
    state = param.ClassSelector(class_=DesignState)
    recorded = param.ClassSelector(class_=RecordedData)

    def __init__(self, state: DesignState, recorded: RecordedData, **params):
        super().__init__(state=state, recorded=recorded, **params)
        self.kind = pn.widgets.Select(name="Export as", options=list(FORMATS), value="PyNEST script (.py)", width=175)
        self.download = pn.widgets.FileDownload(callback=self._file, filename=self._filename(), label="Export",
                                                width=80, name="export-download")
        self.message = pn.pane.HTML("", name="export-message", margin=(0, 5))
        self.fit = pn.pane.HTML("", name="export-fit", margin=(0, 5), stylesheets=[FIT_CSS], visible=False)
        self._fit_network = None  # the design the shown verdicts are of
        self._doc = pn.state.curdoc  # verdicts computed off the event loop come back through it
        self.kind.param.watch(lambda _e: self._check(), "value")
        self.state.param.watch(self._on_network, "network")
        self.recorded.param.watch(self._on_recorded, "t")
        self._check()

    def _on_network(self, event) -> None:
        # A script export is checked by writing it (a few ms): not again for every step of a
        # slider drag, since values the simulation takes live never make an export impossible.
        if live_differences(event.old, event.new) is None:
            self._check()

    def _on_recorded(self, event) -> None:
        if (event.old > 0) != (event.new > 0):  # only "nothing recorded yet" depends on it
            self._check()

    def __panel__(self):
        return pn.Row(self.kind, self.download, self.fit, self.message, margin=0)

    def _filename(self) -> str:
        return f"{self.state.network.name}{SUFFIX[FORMATS[self.kind.value]]}" if hasattr(self, "kind") else "export"

    def _check(self) -> None:
        """Refuse an export that cannot work before the user downloads it, saying why."""
        self.download.filename = self._filename()
        kind = FORMATS[self.kind.value]
        problem = ""
        if kind in {k for k, _ in RECORDED.values()}:
            if self.recorded.t <= 0:
                problem = "nothing recorded yet: press Run first"
        elif kind in EXPORTERS:
            try:
                EXPORTERS[kind].check(self.state.network)
            except EngineError as error:
                problem = str(error)
            except Exception as error:  # noqa: BLE001
                problem = f"cannot export: {error}"
        self.download.disabled = bool(problem)
        self.message.object = f"<span class='field-error'>{html.escape(problem)}</span>" if problem else ""
        self._check_fit()

    def _check_fit(self) -> None:
        """Before a NIR export, the hardware-fit verdicts (a compile: 1-6 s for the examples, so
        in a thread when served; the newest design wins)."""
        self.fit.visible = shown = FORMATS[self.kind.value] == FIT_BEFORE
        network = self.state.network
        if not shown or network is self._fit_network:
            return
        self._fit_network = network
        self.fit.object = "<span class='field-hint'>checking the hardware fit…</span>"
        if self._doc is None:  # unit tests: at once
            self._show_fit(network, self._verdicts_html(network))
            return

        def work():
            text = self._verdicts_html(network)
            self._doc.add_next_tick_callback(lambda: self._show_fit(network, text))
        threading.Thread(target=work, name="fit-check", daemon=True).start()

    @staticmethod
    def _verdicts_html(network) -> str:
        try:
            return fit_html(fit_verdicts(network))
        except EngineError as error:
            return f"<span class='field-error'>hardware fit not checked: {html.escape(str(error))}</span>"
        except Exception as error:  # noqa: BLE001 -- a checker bug must not take the session down
            return f"<span class='field-error'>hardware fit not checked: {html.escape(repr(error))}</span>"

    def _show_fit(self, network, text: str) -> None:
        if network is self._fit_network:  # not a verdict of an older design
            self.fit.object = text

    def _file(self):
        kind = FORMATS[self.kind.value]
        try:
            content = export_bytes(kind, self.state, self.recorded)
        except EngineError as error:
            self.message.object = f"<span class='field-error'>{html.escape(str(error))}</span>"
            return io.BytesIO(f"Export failed: {error}\n".encode("utf-8"))
        except Exception as error:  # noqa: BLE001 -- an exporter bug must not take the session down
            self.message.object = f"<span class='field-error'>{html.escape(f'export failed: {error}')}</span>"
            return io.BytesIO(f"Export failed: {error}\n".encode("utf-8"))
        self.message.object = ""
        return io.BytesIO(content)
