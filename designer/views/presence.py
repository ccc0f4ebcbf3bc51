"""Invisible component: reports whether the tab is hidden and when its user is active, so a
class server pauses the networks of tabs nobody looks at (engine RunTicket.idle_reason)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from panel.custom import JSComponent


class PresenceWatch(JSComponent):
    _esm = Path(__file__).parent / "presence.js"

    def __init__(self, **params: Any):
        super().__init__(height=0, width=0, margin=0, **params)
        self._callbacks: list[Callable[[bool | None], Any]] = []

    def on_presence(self, callback: Callable[[bool | None], Any]) -> None:
        """callback(hidden) when the tab is hidden (True) or shown (False); callback(None) when
        its user was active (at most every 15 s)."""
        self._callbacks.append(callback)

    def _handle_msg(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "hidden" and isinstance(msg.get("hidden"), bool):
            hidden = msg["hidden"]
        elif msg.get("type") == "active":
            hidden = None
        else:
            return
        for callback in self._callbacks:
            callback(hidden)
