"""Weights view: the live weight distribution of each plastic projection (STDP)."""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure
from panel.viewable import Viewer

from designer.session import LiveSession


class WeightsView(Viewer):
    """One histogram of the current weights of the selected-or-first plastic projection; hidden
    when the network has no plastic projection."""

    session = param.ClassSelector(class_=LiveSession)
    shown = param.Boolean(default=False, doc="Whether there are weights to show (a frame brought some).")

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self.source = ColumnDataSource(data={"left": [], "right": [], "count": []}, name="weights-source")
        self.figure = figure(min_height=120, sizing_mode="stretch_both", title="Plastic weights",
                             x_axis_label="weight", y_axis_label="synapses", toolbar_location=None,
                             name="weights-figure", output_backend="canvas")
        self.figure.quad(left="left", right="right", top="count", bottom=0, source=self.source,
                         fill_color="#7c3aed", line_color="white", fill_alpha=0.8)
        # hidden in a layout: the Bokeh pane's own `visible` did not hide the figure
        self._pane = pn.Column(pn.pane.Bokeh(self.figure, sizing_mode="stretch_both"), visible=False,
                               sizing_mode="stretch_both", margin=0)
        self._wire()

    def _wire(self) -> None:
        self.session.param.watch(self._on_frame, "frame")

    def __panel__(self):
        return self._pane

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None or not frame.weights:
            return
        selected = self.session.state.selection.get("id")
        name = selected if selected in frame.weights else next(iter(frame.weights))
        summary = frame.weights[name]
        edges = np.asarray(summary["edges"])
        self.source.data = {"left": edges[:-1], "right": edges[1:], "count": np.asarray(summary["counts"])}
        state = "learning" if summary["learning"] else "frozen"
        self.figure.title.text = f"Weights of {name} ({state}): mean {summary['mean']:.3g}"
        self._pane.visible = True
        self.shown = True
