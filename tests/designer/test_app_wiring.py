"""The app's wiring outside a browser: what opening a design does to the canvas and session."""
from __future__ import annotations

import pytest

from designer.main import DesignerApp


@pytest.fixture
def app():
    app = DesignerApp(example="ei_network")
    yield app
    app.session.close()


def test_opening_a_design_fits_the_canvas_and_a_refused_file_does_not(app):
    fits = app.canvas.fit_requests
    app.gallery.value = "one_neuron"
    assert app.state.network.name == "one_neuron"
    assert app.canvas.fit_requests == fits + 1
    app.file_input.filename = "broken.json"
    app.file_input.value = b"{not json"
    assert app.state.network.name == "one_neuron" and app.state.error
    assert app.canvas.fit_requests == fits + 1
    app._on_new(None)
    assert app.canvas.fit_requests == fits + 2 and not app.state.network.populations


def test_debug_state_is_not_rebuilt_for_every_frame_time(app):
    app._sync_debug()
    shown = app.debug.object
    app.session.t_ms = 12.5  # as a poll does while running
    assert app.debug.object == shown  # within 1 / DEBUG_HZ of the last sync: skipped
    app.session.status = "running"
    assert app.debug.object != shown  # anything but the time is shown at once
