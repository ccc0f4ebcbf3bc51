"""Fixtures shared by the designer tests."""
import pytest

from designer.main import DesignerApp


@pytest.fixture
def lesson_app():
    """The app opened on lesson 1 (one LIF neuron), simulating as fast as it can."""
    app = DesignerApp(lesson="lif_neuron")
    app.session.speed = "max"
    yield app
    app.session.close()
