"""Invisible component: keeps the design in the browser's localStorage and forwards
global keyboard shortcuts (Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y, Space) to Python."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable

import panel as pn
import param
from panel.custom import JSComponent


class BrowserBridge(JSComponent):
    design_json = param.String(default="", doc="The design as saved to localStorage")
    _esm = Path(__file__).parent / "browser_bridge.js"

    def __init__(self, **params: Any):
        super().__init__(height=0, width=0, margin=0, **params)
        self._stored_callbacks: list[Callable[[str | None], Any]] = []
        self._key_callbacks: list[Callable[[str], Any]] = []

    def on_stored(self, callback: Callable[[str | None], Any]) -> None:
        """callback(text or None) with the design this browser kept, once per page load."""
        self._stored_callbacks.append(callback)

    def on_key(self, callback: Callable[[str], Any]) -> None:
        """callback(action) for 'undo', 'redo', 'toggle_run'."""
        self._key_callbacks.append(callback)

    def _deliver_stored(self, text: str | None) -> None:
        for callback in self._stored_callbacks:
            callback(text)

    def _handle_msg(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "stored":
            text = msg.get("text")
            text = text if isinstance(text, str) and len(text) < 16 * 2**20 else None
            # This message arrives while the page is still loading. Panel 1.9.4 drops changes
            # that custom components (the canvas) make in a `hold` before the session counts
            # as loaded, so the restored design reached Python but never the canvas (seen).
            # Deliver it once the session has loaded (at once when it already has).
            pn.state.onload(partial(self._deliver_stored, text))
        elif msg.get("type") == "key" and msg.get("action") in ("undo", "redo", "toggle_run"):
            for callback in self._key_callbacks:
                callback(msg["action"])
