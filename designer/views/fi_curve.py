"""A lesson's f-I plot: the rate of one LIF neuron at each current the student runs, point by
point, beside the analytic curve of engine.analysis.lif_rate for the neuron's parameters now.

A point is measured on the spikes recorded since the last change of the design (after
SETTLE_MS for the membrane to forget the old current), from the interspike intervals
(engine.analysis.steady_rate): a count in a window errs by a spike, the ISIs by a fraction of
a percent. Below the rheobase the neuron is silent: a point at 0 Hz once QUIET_MS passed.
"""
from __future__ import annotations

import math

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from engine import Network, analysis
from engine.io import FICurve

SETTLE_MS = 100.0  # ten membrane time constants: the old current's voltage is gone
QUIET_MS = 1000.0  # fewer than 3 spikes in this long: the rate is measured by counting
CURVE_POINTS = 200
CURVE_SPAN = 2.5  # the analytic curve runs from 0 to this many times the rheobase (or the largest point)


def input_current(network: Network, plot: FICurve) -> float:
    """pA reaching the neuron: the generator's amplitude times the weights to it, plus its I_e."""
    amplitude = float(network.population(plot.current).params.get(plot.field, 0.0))
    weights = sum(float(p.weight) for p in network.projections if p.pre == plot.current and p.post == plot.population)
    return amplitude * weights + float(network.population(plot.population).params.get("I_e", 0.0))


def lif_parameters(network: Network, plot: FICurve) -> dict[str, float]:
    """The neuron's parameters lif_rate takes (the model's defaults where the lesson set none)."""
    population = network.population(plot.population)
    values = population.model_class.validate(population.params, f"population '{population.name}'")
    return {name: float(values[name]) for name in ("C_m", "tau_m", "t_ref", "V_th", "E_L", "V_reset")}


def analytic_curve(network: Network, plot: FICurve, largest: float) -> tuple[np.ndarray, np.ndarray]:
    lif = lif_parameters(network, plot)
    rheobase = (lif["V_th"] - lif["E_L"]) * lif["C_m"] / lif["tau_m"]
    currents = np.linspace(0.0, max(CURVE_SPAN * rheobase, 1.1 * largest), CURVE_POINTS)
    return currents, np.array([analysis.lif_rate(current, **lif) for current in currents])


def measured_rate(times: np.ndarray, since_ms: float, t_now: float) -> float | None:
    """Hz from the spikes after since_ms + SETTLE_MS; None while there is too little to tell."""
    times = times[times > since_ms + SETTLE_MS]
    if times.size >= 3:
        return analysis.steady_rate(times)
    quiet = t_now - since_ms - SETTLE_MS
    return times.size * 1000.0 / quiet if quiet >= QUIET_MS else None


class FICurvePlot(pn.viewable.Viewer):
    """The figure ('lesson-fi') with the analytic line ('fi-analytic') and the measured points
    ('fi-measured': current pA, rate Hz, analytic Hz at that current)."""

    def __init__(self, **params):
        super().__init__(**params)
        self.points: dict[float, float] = {}  # current (pA) -> measured rate (Hz)
        self.analytic = ColumnDataSource({"current": [], "rate": []}, name="fi-analytic")
        self.measured = ColumnDataSource({"current": [], "rate": [], "expected": []}, name="fi-measured")
        self.figure = figure(height=200, sizing_mode="stretch_width", title="f-I curve: measured (dots) and analytic",
                             x_axis_label="current I (pA)", y_axis_label="rate (Hz)", toolbar_location=None,
                             name="lesson-fi", output_backend="canvas")
        self.figure.line("current", "rate", source=self.analytic, line_width=2, color="#94a3b8", legend_label="analytic")
        self.figure.scatter("current", "rate", source=self.measured, size=8, color="#0f766e", legend_label="measured")
        self.figure.legend.location = "bottom_right"  # the curve rises from the left: the lower right is empty
        self.figure.min_border_right = 12

    def clear(self, network: Network, plot: FICurve) -> None:
        self.points = {}
        self._draw(network, plot)

    def update(self, network: Network, plot: FICurve, times: np.ndarray, since_ms: float, t_now: float) -> None:
        """Measure the current now in force (replacing an older point at the same current)."""
        rate = measured_rate(np.asarray(times, float), since_ms, t_now)
        current = round(input_current(network, plot), 6)
        if rate is not None and math.isfinite(rate) and self.points.get(current) != rate:
            self.points[current] = rate
            self._draw(network, plot)

    def _draw(self, network: Network, plot: FICurve) -> None:
        currents = sorted(self.points)
        curve_x, curve_y = analytic_curve(network, plot, max(currents, default=0.0))
        self.analytic.data = {"current": curve_x, "rate": curve_y}
        lif = lif_parameters(network, plot)
        expected = [analysis.lif_rate(current, **lif) for current in currents]
        self.measured.data = {"current": currents, "rate": [self.points[c] for c in currents], "expected": expected}

    def __panel__(self):
        return pn.pane.Bokeh(self.figure, sizing_mode="stretch_width", margin=(4, 4), name="lesson-fi-pane")
