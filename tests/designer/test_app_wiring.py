"""The app's wiring outside a browser: what opening a design does to the canvas and session."""
from __future__ import annotations

import html
import json
import time

import pytest

from designer.main import DesignerApp


@pytest.fixture
def app():
    app = DesignerApp(example="ei_network", expose_state=True)
    yield app
    app.session.close()


def debug_state(app) -> dict:
    return json.loads(html.unescape(app.debug.object))


def test_opening_a_design_fits_the_canvas_and_a_refused_file_does_not(app):
    fits = app.canvas.fit_requests
    app.gallery.value = "one_neuron"
    assert app.state.network.name == "one_neuron"
    assert app.canvas.fit_requests == fits + 1
    app.file_input.filename = "broken.json"
    app.file_input.value = b"{not json"
    app.uploads.wait()  # parsed off the loop (designer/uploads.py); without a loop applied at once
    assert app.state.network.name == "one_neuron" and app.state.error
    assert app.canvas.fit_requests == fits + 1
    app._on_new(None)  # nothing to fit on an empty canvas
    assert app.canvas.fit_requests == fits + 1 and not app.state.network.populations


def test_debug_state_is_not_rebuilt_for_every_frame_time_while_running(app):
    app.session.status = "running"
    shown = app.debug.object
    app.session.t_ms = 12.5  # as a poll does while running
    assert app.debug.object == shown  # within 1 / DEBUG_HZ of the last sync: skipped
    app.session.status = "paused"
    assert debug_state(app)["t_ms"] == 12.5  # anything but the time is shown at once
    app.session.t_ms = 0.0  # a reset while paused: no frame follows it
    assert debug_state(app)["t_ms"] == 0.0


def test_the_browsers_copy_follows_a_slider_drag_at_a_bounded_rate_and_ends_with_its_last_value(app, monkeypatch):
    import designer.main as main

    stored = app.bridge.design_json
    app._stored_at = time.monotonic()  # just stored
    weights = [0.11, 0.12, 0.13]
    for w in weights:  # one drag: live values only
        assert app.state.set_projection_field("exc→exc", "weight", w, coalesce=("drag", 1))
    assert app.bridge.design_json == stored
    app.poll()
    assert app.bridge.design_json == stored  # not yet at rest
    monkeypatch.setattr(main, "STORE_DELAY_S", 0.0)
    app.poll()
    assert json.loads(app.bridge.design_json) == json.loads(app.state.to_json())
    monkeypatch.setattr(main, "STORE_DELAY_S", 1e9)
    app._stored_at = time.monotonic() - 2 * main.STORE_MAX_WAIT_S
    assert app.state.set_projection_field("exc→exc", "weight", 0.14, coalesce=("drag", 1))
    app.poll()  # a long drag is copied at least every STORE_MAX_WAIT_S
    assert json.loads(app.bridge.design_json) == json.loads(app.state.to_json())
    app.state.set_population_field("exc", "size", 10)  # structural: stored at once
    assert json.loads(app.bridge.design_json)["network"]["populations"][0]["size"] == 10


def test_raster_rows_per_population_can_be_chosen_and_sampling_is_said(app):
    raster = app.raster
    raster._on_layout()  # as when the Runner reports the build's populations
    assert [p["rows"] for p in raster.raster.layout] == [800, 200] and raster.note.object == ""
    raster.rows_select.value = "100 per population"
    assert [(p["rows"], p["sampled"]) for p in raster.raster.layout] == [(100, True), (100, True)]
    assert "every 8th of 800 neurons" in raster.note.object and "every 2nd of 200" in raster.note.object
    raster.rows_select.value = "every neuron"
    assert [p["rows"] for p in raster.raster.layout] == [800, 200] and raster.note.object == ""


def test_an_ordinary_session_carries_no_state_for_tests():
    app = DesignerApp(example="ei_network")
    try:
        assert app.debug is None
        names = {getattr(obj, "name", "") for obj in app.layout().select()}
        assert "debug-state" not in names and "canvas" in names
        app.state.set_projection_field("exc→exc", "weight", 0.2)  # edits still sync nothing, and do not fail
        app.poll()
    finally:
        app.session.close()


def test_a_slider_value_reaches_the_simulation_at_once_and_its_model_updates_wait_for_the_next_poll(app):
    app.state.selection = {"kind": "edge", "id": "exc→exc"}
    slider = next(f.widget for f in app.inspector._fields if f.widget.label.startswith("Weight"))
    seq, (start, end) = slider.shown["seq"], (slider.start, slider.end)
    far = end + 100 * (end - start)  # re-centres the range
    slider._handle_msg({"type": "value", "text": str(far), "drag": None, "final": True, "seq": 1})
    assert app.state.network.projection("exc→exc").weight == far  # the edit (and the live change) now
    assert slider.shown["seq"] == seq and slider.end == end  # no Bokeh patch before the frame
    app.poll()
    assert slider.shown == {"value": far, "seq": seq + 1} and slider.start <= far <= slider.end


@pytest.mark.parametrize("filename", ["my\0graph.nir", "../../etc/graph.nir", "a/b c.nir"])
def test_a_nir_file_opens_whatever_its_browser_file_name(app, tmp_path, filename):
    """The browser's file name only names the network: a NUL or a path in it is no error."""
    from engine import Connectivity, Network, Population, Projection
    from engine.io.nir_export import write_nir

    network = Network(name="x", populations=(Population("in", "spike_generator", 2, params={"spike_times": [1.0]}),
                                             Population("out", "iaf_psc_exp", 3)),
                      projections=(Projection("in", "out", Connectivity("all_to_all"), weight=10.0),))
    source = write_nir(network, tmp_path / "x.nir")
    app.file_input.filename = filename
    app.file_input.value = source.read_bytes()
    app.uploads.wait()
    assert not app.state.error, app.state.error
    assert {p.name for p in app.state.network.populations} >= {"out"}
    assert "\0" not in app.state.network.name and "/" not in app.state.network.name
