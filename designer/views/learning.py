"""Learning panel: train the design on its data set and watch what it learns.

For a design with a data_source, a plastic projection and an iaf_psc_exp_adaptive learner
(engine.learning.trainer.find_roles), Train runs engine.learning's Trainer in a thread of its own
(designer.training) on a copy of the design, apart from the Run button's simulation. Shown, live:
the learning curve (accuracy on the training samples, each predicted before it was learned, over
the last 50 and over all seen; and on the held-out split at each check), the confusion matrix of
the newest held-out check, the learned input weights of every learner neuron as images
(receptive fields, labelled with the class each votes for), the early-stopping checkpoint
(one click restores its weights) and synaptic operations per classified sample against the
multiply-accumulates of the same layers as a dense network. Options: training samples, epochs,
the held-out check's interval and size, dropout (augmentation is the data_source's own
parameters, in the inspector). Exports: the curve, the confusion matrix and the receptive
fields as CSV.

Cost: nothing runs until Train; while training, the panel redraws at most LEARNING_HZ times a
second from the newest snapshot.
"""
from __future__ import annotations

import html
import io

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LinearColorMapper
from bokeh.plotting import figure
from panel.viewable import Viewer

from engine import EngineError
from engine.io.data import table_to_csv
from engine.learning import is_trainable

from designer.session import LiveSession
from designer.training import TrainingJob, TrainingOptions, TrainingSnapshot, snapshot_of

LEARNING_HZ = 2
TILES_PER_ROW = 20  # receptive fields per row of the mosaic
EXPORTS = {"Learning curve (CSV)": "learning_curve", "Confusion matrix (CSV)": "confusion_matrix",
           "Receptive fields (CSV)": "receptive_fields"}
ENERGY_SHOWN = (("loihi", "Loihi"), ("spinnaker2", "SpiNNaker 2"), ("dense_mac_45nm", "dense MACs at 45 nm"))
CURVE_COLUMNS = ("samples", "wall_s", "sim_ms", "accuracy_train_online", "accuracy_train_so_far",
                 "accuracy_train_linear", "accuracy_test", "accuracy_test_linear")
CSS = """
.learning-note { font-size: 12px; color: #4b5563; }
.learning-note b { color: #111827; }
"""
EMPTY_NOTE = ("<span class='learning-note'>Press <b>Train</b>: the design learns its data set here, apart from "
              "Run; the curve, confusion matrix and receptive fields fill in as it learns.</span>")
NOT_TRAINABLE = ("<span class='learning-note'>This design has nothing to train: it needs a data_source, a "
                 "stdp_synapse projection from it and an iaf_psc_exp_adaptive learner (open the "
                 "<b>digits</b> example).</span>")


# -- the panel's data as tables (exports) -----------------------------------------------------------
def curve_table(snapshot: TrainingSnapshot) -> tuple[list[str], list[list]]:
    return list(CURVE_COLUMNS), [[point.get(column, "") for column in CURVE_COLUMNS] for point in snapshot.curve]


def confusion_table(snapshot: TrainingSnapshot) -> tuple[list[str], list[list]]:
    matrix = snapshot.confusion or []
    return ["true_class", *(f"predicted_{k}" for k in range(len(matrix)))], [[k, *row] for k, row in enumerate(matrix)]


def fields_table(snapshot: TrainingSnapshot) -> tuple[list[str], list[list]]:
    flat = np.zeros((0, 0)) if snapshot.fields is None else snapshot.fields.reshape(len(snapshot.fields), -1)
    header = ["neuron", "voted_class", *(f"weight_{k}" for k in range(flat.shape[1]))]
    return header, [[i, int(snapshot.labels[i]), *row] for i, row in enumerate(flat.tolist())]


def export_bytes(snapshot: TrainingSnapshot, panel: str) -> bytes:
    table = {"learning_curve": curve_table, "confusion_matrix": confusion_table,
             "receptive_fields": fields_table}[panel](snapshot)
    return table_to_csv(*table)


def mosaic(fields: np.ndarray, per_row: int = TILES_PER_ROW) -> np.ndarray:
    """(n, h, w) images -> one image of tiles, per_row a row, 1 px gaps (NaN: drawn as background);
    row 0 at the bottom, as Bokeh's image glyph draws it."""
    n, h, w = fields.shape
    rows = -(-n // per_row)
    out = np.full((rows * (h + 1) - 1, min(n, per_row) * (w + 1) - 1), np.nan)
    scale = np.maximum(fields.reshape(n, -1).max(axis=1), 1e-12)
    for k in range(n):
        r, c = divmod(k, per_row)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = fields[k] / scale[k]
    return np.flipud(out)


def note_html(snapshot: TrainingSnapshot) -> str:
    last = snapshot.curve[-1] if snapshot.curve else {}
    held = [p for p in snapshot.curve if "accuracy_test" in p]
    parts = [f"<b>{html.escape(snapshot.message)}</b>"]
    if last:
        parts.append(f"training samples so far {last['accuracy_train_so_far']:.1%} (each before it was learned)")
    if held:
        parts.append(f"held-out {held[-1]['accuracy_test']:.1%}")
    if snapshot.best is not None:
        parts.append(f"best held-out {snapshot.best[1]:.1%} at {snapshot.best[0]} samples")
    energy = snapshot.energy
    if energy:
        ratio = energy["synaptic_operations_per_sample"] / max(energy["dense_macs_per_sample"], 1.0)
        parts.append(f"<span data-synops='{energy['synaptic_operations_per_sample']!r}'>"
                     f"{energy['synaptic_operations_per_sample']:,.0f} synaptic operations per classified sample "
                     f"vs {energy['dense_macs_per_sample']:,.0f} MACs of the same layers dense ({ratio:.2f}×)</span>")
        joules = energy.get("energy_j_per_sample", {})
        shown = [f"{label} {joules[key] * 1e6:.3g} µJ" for key, label in ENERGY_SHOWN if joules.get(key) is not None]
        if shown:
            parts.append("estimated energy per sample: " + ", ".join(shown) + " (order of magnitude; the Energy "
                         "panel has the sources)")
    accuracy = held[-1]["accuracy_test"] if held else -1.0
    return (f"<span class='learning-note' data-status='{snapshot.status}' data-points='{len(snapshot.curve)}' "
            f"data-held-out='{accuracy!r}' data-best='{'' if snapshot.best is None else snapshot.best[0]}'>"
            + " · ".join(parts) + "</span>")


class LearningView(Viewer):
    """The panel: options, Train/Stop, Restore best, the three figures and the export."""

    session = param.ClassSelector(class_=LiveSession)
    snapshot = param.Parameter(default=None, doc="the TrainingSnapshot shown (None before training)")

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.job: TrainingJob | None = None
        self._build_widgets()
        self._build_figures()
        self._wire()
        if pn.state.curdoc is not None:  # in a served session (not in unit tests)
            pn.state.add_periodic_callback(self.tick, period=int(1000 / LEARNING_HZ))

    def _build_widgets(self) -> None:
        self.samples = pn.widgets.IntInput(name="Training samples", value=0, start=0, width=115,
                                           description="Per epoch (0: the whole training split)")
        self.epochs = pn.widgets.IntInput(name="Epochs", value=1, start=1, end=50, width=70)
        self.check_every = pn.widgets.IntInput(name="Check every", value=100, start=0, step=50, width=95,
                                               description="A held-out check every this many training samples")
        self.n_check = pn.widgets.IntInput(name="Check size", value=100, start=0, width=85,
                                           description="Held-out samples per check and after each epoch (0: the whole held-out split)")
        self.dropout = pn.widgets.FloatInput(name="Dropout", value=0.0, start=0.0, end=0.9, step=0.05, width=80,
                                             description="Fraction of learner neurons silenced during each sample")
        self.train_button = pn.widgets.Button(name="Train", button_type="primary", width=80, margin=(24, 5, 5, 5))
        self.restore_button = pn.widgets.Button(name="Restore best", width=110, disabled=True, margin=(24, 5, 5, 5),
                                                description="Early stopping: back to the weights of the best "
                                                            "held-out check")
        self.export_kind = pn.widgets.Select(name="Export panel", options=list(EXPORTS), width=170)
        self.download = pn.widgets.FileDownload(callback=self._file, label="Download", filename="learning.csv",
                                                width=100, name="learning-download", disabled=True,
                                                margin=(24, 5, 5, 5))
        self.note = pn.pane.HTML(EMPTY_NOTE, name="learning-note", stylesheets=[CSS], sizing_mode="stretch_width")

    def _build_figures(self) -> None:
        self.curve_source = ColumnDataSource({c: [] for c in ("samples", "online", "so_far")}, name="learning-curve")
        self.test_source = ColumnDataSource({"samples": [], "test": []}, name="learning-test")
        self.curve_figure = figure(height=200, sizing_mode="stretch_width", title="Learning curve",
                                   x_axis_label="training samples", y_axis_label="accuracy", y_range=(0, 1),
                                   toolbar_location=None, name="learning-curve-figure", output_backend="canvas")
        self.curve_figure.line("samples", "online", source=self.curve_source, color="#93c5fd", line_width=2,
                               legend_label="training, last 50")
        self.curve_figure.line("samples", "so_far", source=self.curve_source, color="#1d4ed8", line_width=2,
                               legend_label="training, all seen")
        self.curve_figure.line("samples", "test", source=self.test_source, color="#dc2626", line_width=2,
                               legend_label="held-out")
        self.curve_figure.scatter("samples", "test", source=self.test_source, color="#dc2626", size=6)
        self.curve_figure.legend.location = "bottom_right"
        self.curve_figure.legend.label_text_font_size = "9pt"
        self.curve_figure.legend.background_fill_alpha = 0.6
        self.curve_figure.legend.padding = self.curve_figure.legend.spacing = 2
        self.confusion_source = ColumnDataSource({"true": [], "predicted": [], "count": [], "share": [], "text": []},
                                                 name="learning-confusion")
        self.confusion_figure = figure(height=240, width=250, title="Confusion (held-out)", x_axis_label="predicted",
                                       y_axis_label="true", toolbar_location=None, name="learning-confusion-figure",
                                       output_backend="canvas", x_range=(-0.5, 9.5), y_range=(9.5, -0.5))
        mapper = LinearColorMapper(palette="Blues256", low=1, high=0)
        self.confusion_figure.rect("predicted", "true", 1, 1, source=self.confusion_source, line_color=None,
                                   fill_color={"field": "share", "transform": mapper})
        self.confusion_figure.text("predicted", "true", text="text", source=self.confusion_source, text_font_size="8pt",
                                   text_align="center", text_baseline="middle")
        self.fields_source = ColumnDataSource({"image": [], "dw": [], "dh": []}, name="learning-fields")
        self.fields_figure = figure(height=190, sizing_mode="stretch_width", title="Receptive fields (learned input weights)",
                                    toolbar_location=None, name="learning-fields-figure", output_backend="canvas",
                                    match_aspect=True)
        self.fields_figure.image(image="image", x=0, y=0, dw="dw", dh="dh", source=self.fields_source,
                                 color_mapper=LinearColorMapper(palette="Greys256", low=1, high=0, nan_color="#f3f4f6"))
        for fig in (self.fields_figure,):
            fig.axis.visible = False
            fig.grid.visible = False

    def _wire(self) -> None:
        self.train_button.on_click(self._on_train)
        self.restore_button.on_click(self._on_restore)
        self.param.watch(self._show, "snapshot")
        self.session.state.param.watch(self._on_network, "network")
        self.export_kind.param.watch(lambda _e: self._update_download(), "value")
        self._on_network()

    def __panel__(self):
        # plain rows (a FlexBox that wraps misjudged its height and the note covered the buttons)
        row = {"margin": 0, "sizing_mode": "stretch_width"}
        controls = pn.Column(pn.Row(self.samples, self.epochs, self.dropout, **row),
                             pn.Row(self.check_every, self.n_check, self.train_button, **row),
                             pn.Row(self.restore_button, self.export_kind, self.download, **row), **row)
        figures = pn.Row(pn.pane.Bokeh(self.curve_figure, sizing_mode="stretch_width", min_width=260),
                         pn.pane.Bokeh(self.confusion_figure), sizing_mode="stretch_width", margin=0)
        return pn.Column(controls, self.note, figures, pn.pane.Bokeh(self.fields_figure, sizing_mode="stretch_width"),
                         sizing_mode="stretch_width", name="learning-panel")

    # -- training ------------------------------------------------------------------------------------
    def _on_network(self, *_events) -> None:
        trainable = is_trainable(self.session.state.network)
        self.train_button.disabled = not trainable and not self.running
        if self.snapshot is None and not self.running:
            self.note.object = EMPTY_NOTE if trainable else NOT_TRAINABLE

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def _on_train(self, _event) -> None:
        if self.running:
            self.job.stop(timeout=0.0)  # it stops after its current sample; the tick sees it end
            return
        network = self.session.state.network
        try:
            options = TrainingOptions(samples=int(self.samples.value or 0), epochs=int(self.epochs.value or 1),
                                      check_every=int(self.check_every.value or 0), n_check=int(self.n_check.value or 0),
                                      n_test=int(self.n_check.value or 0), dropout=float(self.dropout.value or 0.0))
            self.job = TrainingJob(network, options)
        except EngineError as error:
            self.note.object = f"<span class='learning-note' data-status='refused'>{html.escape(str(error))}</span>"
            return
        self.job.start()
        self.train_button.name, self.restore_button.disabled = "Stop", True
        self.note.object = "<span class='learning-note' data-status='training'><b>training…</b> (the first points " \
                           "come after 50 samples)</span>"

    def tick(self) -> None:
        """The periodic callback: draw the newest snapshot; notice the end of a run."""
        if self.job is None:
            return
        snapshot = self.job.take()
        if snapshot is not None:
            self.snapshot = snapshot
        if not self.job.running and self.train_button.name == "Stop":
            self.train_button.name = "Train"
            self.restore_button.disabled = self.job.trainer is None or self.job.trainer.best is None

    def _on_restore(self, _event) -> None:
        if self.job is None or self.running or self.job.trainer is None or self.job.trainer.best is None:
            return
        best = self.job.trainer.restore_best()
        self.snapshot = snapshot_of(self.job.trainer, "restored",
                                    f"restored the weights of the best held-out check ({best.accuracy_test:.1%} "
                                    f"after {best.samples} training samples)")

    def close(self) -> None:
        """The session ends: stop and join the training thread."""
        if self.job is not None:
            self.job.stop()

    # -- drawing and exports ------------------------------------------------------------------------
    def _show(self, _event=None) -> None:
        snapshot = self.snapshot
        self._update_download()
        if snapshot is None:
            return
        with pn.io.hold():  # one message: the note's status never arrives before the figures it describes
            self._draw(snapshot)
            self.note.object = note_html(snapshot)

    def _draw(self, snapshot) -> None:
        curve = snapshot.curve
        self.curve_source.data = {"samples": [p["samples"] for p in curve],
                                  "online": [p["accuracy_train_online"] for p in curve],
                                  "so_far": [p["accuracy_train_so_far"] for p in curve]}
        held = [p for p in curve if "accuracy_test" in p]
        self.test_source.data = {"samples": [p["samples"] for p in held], "test": [p["accuracy_test"] for p in held]}
        if snapshot.confusion is not None:
            matrix = np.asarray(snapshot.confusion, dtype=float)
            true, predicted = np.indices(matrix.shape)
            share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
            self.confusion_source.data = {"true": true.ravel(), "predicted": predicted.ravel(),
                                          "count": matrix.ravel(), "share": share.ravel(),
                                          "text": [f"{int(c)}" if c else "" for c in matrix.ravel()]}
        if snapshot.fields is not None and snapshot.fields.ndim == 3:
            image = mosaic(snapshot.fields)
            self.fields_source.data = {"image": [image], "dw": [image.shape[1]], "dh": [image.shape[0]]}

    def _update_download(self) -> None:
        self.download.filename = f"{self.session.state.network.name}_{EXPORTS[self.export_kind.value]}.csv"
        self.download.disabled = self.snapshot is None

    def _file(self):
        if self.snapshot is None:
            return io.BytesIO(b"Nothing trained yet: press Train\n")
        return io.BytesIO(export_bytes(self.snapshot, EXPORTS[self.export_kind.value]))
