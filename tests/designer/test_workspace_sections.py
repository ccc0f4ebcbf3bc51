"""The workspace's Python side: plot sections, the weights section's visibility, and the
toolbar's undo/redo buttons following the design's history (the layout is tested in
tests/e2e/test_workspace.py)."""
from __future__ import annotations

import panel as pn
import pytest

from designer.main import DesignerApp
from designer.views.workspace import PlotSection, Workspace


@pytest.fixture
def app():
    app = DesignerApp(example="ei_network")
    yield app
    app.session.close()


def test_plot_sections_need_a_known_column_and_distinct_keys():
    with pytest.raises(ValueError, match="plot section 'rates': area 'left' must be one of"):
        PlotSection("rates", "Rates", pn.pane.HTML("x"), area="left")
    sections = [PlotSection("a", "A", pn.pane.HTML("a")), PlotSection("a", "Again", pn.pane.HTML("b"))]
    with pytest.raises(ValueError, match="distinct keys"):
        Workspace(toolbar=pn.Row(), canvas=pn.Row(), inspector=pn.Column(), notices=pn.Column(), sections=sections)


def test_sections_are_raster_then_side_plots_and_weights_show_once_there_are_some(app):
    ws = app.workspace
    assert [(s["key"], s["area"]) for s in ws.sections] == [
        ("raster", "main"), ("traces", "side"), ("rates", "side"), ("weights", "side"), ("analysis", "side"),
        ("energy", "side"), ("learning", "side"), ("sweep", "side")]
    assert [s["key"] for s in ws.sections if s["collapsed"]] == ["analysis", "energy", "learning", "sweep"]  # room for traces and rates
    assert len(ws.plots) == len(ws.sections)
    assert ws.hidden_sections == ["weights"]  # ei_network has no plastic projection
    app.weights.shown = True  # what the first frame with weights does
    assert ws.hidden_sections == []
    ws.show_section("weights", False)
    assert ws.hidden_sections == ["weights"]


def test_toolbar_undo_and_redo_follow_the_history(app):
    assert app.undo_button.disabled and app.redo_button.disabled
    app.state.move("exc", 10.0, 20.0)
    assert not app.undo_button.disabled and app.redo_button.disabled
    app.undo_button.clicks += 1
    assert app.state.network.population("exc").position != (10.0, 20.0)
    assert app.undo_button.disabled and not app.redo_button.disabled
    app.redo_button.clicks += 1
    assert tuple(app.state.network.population("exc").position) == (10.0, 20.0)
