"""The lesion control (under the inspector), the raster's grey rows and the degradation-sweep view,
without a page: what they send to the running session, what they show from its replies."""
from __future__ import annotations

import time

import numpy as np
import pytest

from designer.session import LiveSession
from designer.state import DesignState
from designer.views.lesions import DegradationSweepView, LesionControl, parse_indices, sweep_html
from designer.views.live import RasterView
from engine import ValidationError
from engine.io import load_network
from engine.neuromorphic import degradation_sweep


@pytest.fixture
def session():
    session = LiveSession(DesignState(load_network("assets/examples/ei_network.json")))
    yield session
    session.close()


def poll_until(session: LiveSession, predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.poll()
        if predicate():
            return
        time.sleep(0.01)
    raise TimeoutError("the session never got there")


def test_indices_take_ranges_and_refuse_bad_entries():
    assert parse_indices("0-3, 7; 9") == [0, 1, 2, 3, 7, 9]
    for bad, message in (("a", "'a' is not a neuron index"), ("5-2", "runs backwards"), ("", "give neuron indices")):
        with pytest.raises(ValidationError, match=message):
            parse_indices(bad)


def test_the_control_follows_the_selection(session):
    control = LesionControl(session)
    assert control._body.objects == []  # nothing selected
    session.state.selection = {"kind": "node", "id": "inh"}
    assert control.indices in list(control._body.select(type(control.indices)))
    session.state.selection = {"kind": "edge", "id": "exc→inh"}
    assert control.indices not in list(control._body.select(type(control.indices)))  # synapses: a fraction only
    session.state.selection = {"kind": "node", "id": "noise"}  # a device: nothing to lesion
    assert control._body.objects == []


def test_lesioning_from_the_control_reaches_the_runner_and_greys_the_raster_rows(session):
    control = LesionControl(session)
    raster = RasterView(session)
    poll_until(session, lambda: session.populations)
    session.state.selection = {"kind": "node", "id": "inh"}
    control.indices.value = "0-4, 199"
    control.lesion_indices.clicks += 1
    poll_until(session, lambda: session.lesioned)
    assert session.lesioned == {"inh": [0, 1, 2, 3, 4, 199]}
    first_inh_row = 800  # exc's 800 rows come first
    assert raster.raster.lesioned_rows == [first_inh_row + i for i in (0, 1, 2, 3, 4, 199)]
    assert "data-lesioned='6'" in control.status.object
    control.fraction.value, control.seed.value = 0.5, 3
    control.lesion_fraction.clicks += 1
    poll_until(session, lambda: len(session.lesioned.get("inh", ())) >= 100)
    assert 100 <= len(session.lesioned["inh"]) <= 106  # half, plus any of the six not among them
    control.revive.clicks += 1
    poll_until(session, lambda: not session.lesioned)
    assert raster.raster.lesioned_rows == []


def test_a_sampled_population_greys_the_rows_it_shows(session):
    raster = RasterView(session, max_rows=100)  # exc: every 8th of 800 neurons shown
    poll_until(session, lambda: session.populations)
    session.lesioned = {"exc": [0, 3, 8, 16]}
    assert raster.raster.lesioned_rows == [0, 1, 2]  # neurons 0, 8, 16; neuron 3 has no row


def test_the_sweep_view_shows_the_engines_numbers(session):
    view = DegradationSweepView(session)
    assert "inh" in view.target.options and "exc→inh" in view.target.options and "noise" not in view.target.options
    view.target.value, view.measure.value = "inh", "exc"
    view.run_sweep()  # no page: runs at once
    sweep = view.result
    again = degradation_sweep(session.state.network, "inh", "exc", sweep.fractions, sweep.seeds,
                              window_ms=sweep.window_ms, warmup_ms=sweep.warmup_ms)
    assert np.array_equal(sweep.values, again.values)
    assert sweep.mean[-1] > sweep.mean[0]
    assert view.output.object == sweep_html(sweep) and "<svg" in view.output.object
    assert f"data-value='{float(sweep.mean[0])!r}'" in view.output.object


def test_a_memristive_preset_from_the_inspector_sets_the_device_and_its_fields():
    import panel as pn

    from designer.views.inspector import Inspector
    from engine import Memristor, load_memristor_presets

    state = DesignState(load_network("assets/examples/stdp_pattern.json"))
    inspector = Inspector(state)
    state.selection = {"kind": "edge", "id": "relay→readout"}

    def device_select():
        return next(w for w in inspector._body.select(pn.widgets.Select) if w.name == "Device preset")

    device_select().value = "faulty"
    device = state.network.projection("relay→readout").memristor
    assert device == Memristor(**load_memristor_presets()["faulty"]["values"])
    boxes = {w.name: w for w in inspector._body.select(pn.widgets.FloatInput)}
    assert boxes["p_stuck_on"].value == 0.05 and boxes["g_max (nS)"].value == 38.462
    boxes["p_stuck_on"].value = 0.2  # an edited preset is a custom device
    assert state.network.projection("relay→readout").memristor.p_stuck_on == 0.2
    assert device_select().value == "custom"
    state.undo()
    assert device_select().value == "faulty"
    device_select().value = "none (plain synapses)"
    assert state.network.projection("relay→readout").memristor is None
