"""The workspace shell: every part of the app on one screen, without page scrolling.

    +--------------------------------------------------------------+
    | toolbar (file, edit, run controls, status)              [?]  |
    +---------------------------------------------+----------------+
    | notices (restart, fault), then the canvas   | inspector      |
    +============ draggable split ================+ (collapsible)  |
    | plots: main column (raster) | side (traces, |                |
    |        rates, ...); each collapsible,       |                |
    |        enlargeable                          |                |
    +---------------------------------------------+----------------+

The split, the collapsed/enlarged plots and the collapsed inspector live in the page only
(kept in the browser's localStorage): dragging the split never waits for the server. `?`
opens the keyboard shortcuts (also the toolbar's "?" button); Escape closes it.

A plot section is `PlotSection(key, title, view, area)`; `area` is "main" (the wide left
column, the raster) or "side" (the narrower right column, stacked). Sections listed in
`hidden_sections` are not shown (e.g. the weights plot of a network without plasticity).
The JS lives in workspace.js (a plain ES module, embedded in the page: nothing is fetched).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import param
from bokeh.models import Tooltip
from panel.custom import Child, Children, JSComponent
from panel.viewable import Viewable

AREAS = ("main", "side")
# For selects in toolbars and plot headers: the label beside the box, not above it (one row ~40 px).
INLINE_LABEL = ".bk-input-group { flex-direction: row; align-items: center; gap: 5px; }"


def tooltip(text: str) -> Tooltip:
    """A button's hover text, shown below it. It lets the pointer through: Panel's default (to
    the right, catching the pointer) covered the next button of a row while it showed. Not on
    touch screens: a tap "hovers" for good there (nothing ends it), hiding what is below."""
    return Tooltip(content=text, position="bottom", stylesheets=[
        ":host { pointer-events: none; } @media (hover: none) { :host { display: none !important; } }"])

# What the `?` overlay lists: (keys, what they do). Only shortcuts the app really has.
SHORTCUTS: list[tuple[str, str]] = [
    ("?", "Show or hide these keyboard shortcuts"),
    ("Esc", "Close this list; restore an enlarged plot"),
    ("Tab / Shift+Tab", "Move between controls (toolbar, canvas, plots, inspector)"),
    ("Space", "Run or pause the simulation (not while typing)"),
    ("Ctrl+Z", "Undo the last design edit"),
    ("Ctrl+Shift+Z or Ctrl+Y", "Redo"),
    ("Delete or Backspace", "Delete the selected population, device or projection (canvas focused)"),
    ("Enter or Space on a palette model", "Add that model to the middle of the canvas"),
    ("↑ / ↓ on the split bar", "Give the canvas or the plots more room (Home/End: the most)"),
    ("Enter or Space on a plot's buttons", "Collapse / expand, enlarge / restore that plot"),
]


@dataclass(frozen=True)
class PlotSection:
    """One plot area of the workspace: `key` (stable, used in the page and its storage),
    the `title` on its header, the view, the column it sits in ("main" or "side") and whether
    it starts collapsed (until the user opens it; then the page remembers)."""

    key: str
    title: str
    view: Any
    area: str = "side"
    collapsed: bool = False

    def __post_init__(self):
        if self.area not in AREAS:
            raise ValueError(f"plot section {self.key!r}: area {self.area!r} must be one of {AREAS}")


class Workspace(JSComponent):
    """The one-screen layout; see the module docstring. Fills the browser window."""

    toolbar = Child(doc="The toolbar's contents (a Row of widgets; it wraps when narrow).")
    canvas = Child(doc="The network canvas (stretches to its area).")
    notices = Child(doc="Banners shown above the canvas (they take its room, not the plots').")
    inspector = Child(doc="The inspector column (scrolls inside its area).")
    plots = Children(doc="The plot sections' views, in the order of `sections`.")
    sections = param.List(default=[], item_type=dict, doc="""
        {"key", "title", "area", "collapsed"} of each plot, in the order of `plots`.""")
    hidden_sections = param.List(default=[], item_type=str, doc="Keys of sections not shown.")
    shortcuts = param.List(default=[list(s) for s in SHORTCUTS], doc="[keys, meaning] rows of the `?` overlay.")

    _esm = Path(__file__).parent / "workspace.js"

    def __init__(self, *, toolbar: Viewable, canvas: Viewable, inspector: Viewable, notices: Viewable,
                 sections: list[PlotSection], **params: Any):
        keys = [s.key for s in sections]
        if len(set(keys)) != len(keys):
            raise ValueError(f"plot sections need distinct keys, got {keys}")
        super().__init__(toolbar=toolbar, canvas=canvas, inspector=inspector, notices=notices,
                         plots=[s.view for s in sections],
                         sections=[{"key": s.key, "title": s.title, "area": s.area, "collapsed": s.collapsed}
                                   for s in sections],
                         sizing_mode="stretch_both", margin=0, **params)

    def show_section(self, key: str, shown: bool) -> None:
        """Show or hide the plot section `key` (it keeps its place)."""
        hidden = [k for k in self.hidden_sections if k != key] + ([] if shown else [key])
        if hidden != self.hidden_sections:
            self.hidden_sections = hidden
