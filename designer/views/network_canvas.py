"""Network canvas: a React Flow editor for populations, devices and projections.

The canvas is a *view* and a *gesture source*.  The application state is the
single source of truth: Python assigns new lists to ``nodes`` / ``edges`` and
the browser redraws.  The browser never changes ``nodes``/``edges`` itself;
every structural gesture (drop from the palette, move, connect, delete,
undo/redo) arrives here as a message, is validated by :meth:`_handle_msg` and
is handed to the callbacks registered with :meth:`NetworkCanvas.on_action`.
Only ``selection`` is written by the browser directly.

Message (action) shapes passed to the callbacks::

    {"type": "add", "model": str, "x": float, "y": float}
    {"type": "move", "id": str, "x": float, "y": float}        # one per moved node
    {"type": "connect", "source": str, "target": str}
    {"type": "delete", "nodes": [str, ...], "edges": [str, ...]}
    {"type": "undo"}
    {"type": "redo"}

``delete`` lists the selected nodes and edges *plus* the edges attached to the
deleted nodes (React Flow computes these); ``x``/``y`` of ``add`` are the
flow coordinates of the node's top-left corner, already offset so that the new
node is centred on the drop point.  Dragging several selected nodes sends one
``move`` per node.  Self-loops (``source == target``) can be requested; the
app decides whether to accept them (they are drawn as a loop above the node).

The view is fitted to the nodes on page load, when the node set is replaced
wholesale (no old node remains by id or by position, e.g. another example was
opened; from an empty canvas: two nodes or more) and when Python calls
:meth:`NetworkCanvas.fit_view`; never on ordinary edits (add, move, rename,
delete), so the view does not jump under the user's hands.

Only a drag changes the browser's view before Python answers.  If a ``move``
leaves ``nodes`` unchanged (rejected), the canvas tells the browser to put the
node back (:meth:`NetworkCanvas.resync`).  Rejected ``add``/``connect``/
``delete`` need nothing: the browser only shows what ``nodes``/``edges`` say.

The JavaScript lives in ``network_canvas.jsx``; the browser loads the committed
bundle (``_bundle``).  Rebuild it with ``scripts/build-js`` after every JSX
change.  Never serve the app with ``panel serve --dev``: autoreload mode loads
the raw JSX from esm.sh and renders nothing offline.
"""

from __future__ import annotations

import logging
import math
import pathlib
from collections.abc import Callable
from typing import Any

import param
from panel.custom import ReactComponent

log = logging.getLogger(__name__)

_HERE = pathlib.Path(__file__).absolute().parent

#: Committed build output (see scripts/build-js), with network_canvas.bundle.css
#: beside it. It must live in this package directory: Panel serves it at
#: components/<module>/NetworkCanvas/_bundle_path/<path relative to this
#: module>, and a path outside (e.g. ../../assets/js/...) becomes a URL with
#: ".." segments that the browser normalises away -> 404 (checked, Panel 1.9.4).
BUNDLE_PATH = _HERE / "network_canvas.bundle.js"

ACTION_TYPES = ("add", "move", "connect", "delete", "undo", "redo")

Action = dict[str, Any]


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return list(dict.fromkeys(value))  # de-duplicate, keep order


class NetworkCanvas(ReactComponent):
    """Node/edge editor with a palette sidebar (React Flow 12, bundled offline).

    Use with a fixed height (default 600 px) or a stretching sizing mode.
    """

    nodes = param.List(default=[], item_type=dict, doc="""
        Populations and devices: {"id", "label", "model", "category"
        ("neuron"|"device"), "size", "x", "y", "warning"}.""")

    edges = param.List(default=[], item_type=dict, doc="""
        Projections: {"id", "source", "target", "sign" (1|-1|0),
        "label" (short rule text), "plastic"}.""")

    palette = param.List(default=[], item_type=dict, doc="""
        Draggable palette entries: {"model", "label", "category", "doc"}.""")

    selection = param.Dict(default={}, doc="""
        {"kind": "node"|"edge", "id": str} or {}. Written by the browser when
        the user selects; set it from Python to highlight an item.""")

    fit_requests = param.Integer(default=0, bounds=(0, None), doc="""
        Bumped by fit_view(); each change makes the browser fit the view to
        the nodes once they are laid out.""")

    _esm = "network_canvas.jsx"
    _bundle = BUNDLE_PATH
    # npm dependency for `panel compile` (becomes "^12.12.1" in the build's
    # package.json; the exact versions are pinned by the committed lock file).
    # Nothing is fetched from esm.sh at run time: the bundle contains it all.
    _importmap = {"imports": {"@xyflow/react": "https://esm.sh/@xyflow/react@12.12.1"}}

    def __init__(self, **params: Any) -> None:
        if "height" not in params and params.get("sizing_mode") not in (
            "stretch_height", "stretch_both", "scale_height", "scale_both",
        ):
            params["height"] = 600
        params.setdefault("min_height", 300)
        super().__init__(**params)
        self._action_callbacks: list[Callable[[Action], Any]] = []

    # ------------------------------------------------------------------ API

    def on_action(self, callback: Callable[[Action], Any]) -> Callable[[Action], Any]:
        """Register ``callback(action: dict)`` for validated gestures.

        Returns the callback, so this also works as a decorator.
        """
        self._action_callbacks.append(callback)
        return callback

    def fit_view(self) -> None:
        """Zoom and pan the browser's view so that every node is visible.

        Call it after assigning the new ``nodes`` (e.g. when a design is
        opened); the browser fits once those nodes are measured. An empty
        canvas is left as it is (fitting nothing would zoom in arbitrarily).
        """
        if self.nodes:
            self.fit_requests += 1

    # ------------------------------------------------------------- internals

    def resync(self) -> None:
        """Make the browser redraw every node at its position in ``nodes``.

        Needed only when a gesture already changed the browser's view and
        Python rejects it *without* changing ``nodes`` (Bokeh does not resend
        an unchanged value).  ``move`` does this automatically.
        """
        self._send_msg({"type": "resync"})

    def _handle_msg(self, msg: Any) -> None:
        action = self._validate(msg)
        if action is None:
            log.warning("NetworkCanvas: ignoring invalid message %r", msg)
            if isinstance(msg, dict) and msg.get("type") == "move":
                self.resync()  # e.g. a node Python no longer has: undo the drag
            return
        before = [dict(n) for n in self.nodes] if action["type"] == "move" else None
        for callback in list(self._action_callbacks):
            callback(action)
        if before is not None and [dict(n) for n in self.nodes] == before:
            # The drag moved the node in the browser but Python kept the old
            # position (rejected, or no callback): put it back.
            self.resync()

    def _validate(self, msg: Any) -> Action | None:
        """Return a clean copy of ``msg`` in the documented shape, or None."""
        if not isinstance(msg, dict):
            return None
        kind = msg.get("type")
        if kind in ("undo", "redo"):
            return {"type": kind}
        node_ids = {n.get("id") for n in self.nodes}
        if kind == "add":
            model = msg.get("model")
            x, y = _finite(msg.get("x")), _finite(msg.get("y"))
            known = {p.get("model") for p in self.palette}
            if not isinstance(model, str) or model not in known or x is None or y is None:
                return None
            return {"type": "add", "model": model, "x": round(x, 1), "y": round(y, 1)}
        if kind == "move":
            nid = msg.get("id")
            x, y = _finite(msg.get("x")), _finite(msg.get("y"))
            if nid not in node_ids or x is None or y is None:
                return None
            return {"type": "move", "id": nid, "x": round(x, 1), "y": round(y, 1)}
        if kind == "connect":
            src, tgt = msg.get("source"), msg.get("target")
            if src not in node_ids or tgt not in node_ids:
                return None
            return {"type": "connect", "source": src, "target": tgt}
        if kind == "delete":
            nodes, edges = _str_list(msg.get("nodes", [])), _str_list(msg.get("edges", []))
            if nodes is None or edges is None:
                return None
            edge_ids = {e.get("id") for e in self.edges}
            nodes = [n for n in nodes if n in node_ids]
            edges = [e for e in edges if e in edge_ids]
            if not nodes and not edges:
                return None
            return {"type": "delete", "nodes": nodes, "edges": edges}
        return None
