"""Export menu: the design (JSON, PyNEST, PyNN, Brian2, NIR), what was recorded (CSV, NPZ) and
figures (PNG, SVG), each downloaded as a file. A failed export says why; nothing is lost."""
from __future__ import annotations

import html
import io
import tempfile
from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from engine import EngineError
from engine.io import EXPORTERS, network_to_json

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
        return pn.Row(self.kind, self.download, self.message, margin=0)

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
