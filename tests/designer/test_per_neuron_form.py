"""The inspector's form of a parameter that varies per neuron: "varies per neuron" with its
distribution and a histogram; scaling or replacing the whole is one undoable, live edit."""
import html
import re

import numpy as np
import pytest

from designer.state import DesignState
from designer.views.inspector import Inspector
from engine import Distribution
from engine.io import load_network


@pytest.fixture
def state():
    state = DesignState(load_network("assets/examples/ei_network.json"))
    state.selection = {"kind": "node", "id": "exc"}
    return state


def shown_text(inspector) -> str:
    panes = [pane.object for pane in inspector._body.objects if isinstance(getattr(pane, "object", None), str)]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", pane.replace("<br>", " ")) for pane in panes))


def histogram_counts(inspector) -> list[int]:
    svg = next(pane.object for pane in inspector._body.objects
               if "per-neuron-histogram" in str(getattr(pane, "object", "")))
    return [int(n) for n in re.findall(r": (\d+)</title>", svg)]


def field(inspector, label):
    return next(f.widget for f in inspector._fields if f.widget.label == label)


def test_a_drawn_threshold_shows_varies_per_neuron_its_distribution_and_a_histogram(state):
    inspector = Inspector(state)
    size = state.network.population("exc").size
    assert state.set_population_field("exc", "V_th", Distribution("normal", {"mean": 20.0, "std": 1.0}))
    text = shown_text(inspector)
    assert "V_th (mV): varies per neuron" in text
    assert "normal(mean=20, std=1) mV, drawn per neuron" in text
    counts = histogram_counts(inspector)
    assert sum(counts) == size and len(counts) == 20
    assert counts.index(max(counts)) in range(7, 13)  # the peak near the mean
    assert "V_th (mV)" not in {f.widget.label for f in inspector._fields}  # no slider for a varying value


def test_scaling_the_whole_is_one_undo_step_and_live(state):
    inspector = Inspector(state)
    announced = []
    state.param.watch(lambda e: announced.append(e.new), "live_change")
    size = state.network.population("exc").size
    assert state.set_population_field("exc", "tau_m", list(np.linspace(10.0, 20.0, size)))
    field(inspector, "Scale every tau_m by").value = 0.5
    tau = state.network.population("exc").params["tau_m"]
    assert tau[0] == 5.0 and tau[-1] == 10.0
    assert announced[-1] == ("exc", "tau_m", tau)
    assert "listed: %d values, 5 … 10 ms" % size in shown_text(inspector)
    state.undo()
    assert state.network.population("exc").params["tau_m"][-1] == 20.0
    assert announced[-1][2][-1] == 20.0  # the undo is sent live too


def test_replacing_the_whole_by_a_distribution_a_number_or_a_bad_text(state):
    inspector = Inspector(state)
    assert state.set_population_field("exc", "V_th", [20.0] * state.network.population("exc").size)
    field(inspector, "Replace V_th").value = "uniform(19, 21)"
    assert state.network.population("exc").params["V_th"] == Distribution("uniform", {"low": 19.0, "high": 21.0})
    field(inspector, "Replace V_th").value = "normal(1)"
    assert "normal(...) takes two numbers: mean, std" in state.error
    field(inspector, "Replace V_th").value = "18"
    assert state.network.population("exc").params["V_th"] == 18.0
    assert "V_th (mV)" in {f.widget.label for f in inspector._fields}  # one value again: a slider


def test_any_parameter_can_be_made_to_vary_from_the_form(state):
    inspector = Inspector(state)
    field(inspector, "Vary per neuron").value = "tau_m = lognormal(3, 0.1)"
    assert state.network.population("exc").params["tau_m"] == Distribution("lognormal", {"mean": 3.0, "sigma": 0.1})
    assert "tau_m (ms): varies per neuron" in shown_text(inspector)
    field(inspector, "Vary per neuron").value = "nonsense"
    assert "write a parameter, '=' and its values" in state.error
