"""Invisible component: keeps the design in the browser's localStorage and forwards
global keyboard shortcuts (Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y, Space) to Python."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

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

    def _handle_msg(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "stored":
            text = msg.get("text")
            text = text if isinstance(text, str) and len(text) < 16 * 2**20 else None
            for callback in self._stored_callbacks:
                callback(text)
        elif msg.get("type") == "key" and msg.get("action") in ("undo", "redo", "toggle_run"):
            for callback in self._key_callbacks:
                callback(msg["action"])
