"""Autosave: one session's design, undo/redo history and lesson progress in the session store.

The app calls `save()` after every change of the design (undo and redo included; live values
once they rest, see designer/main.py) and `restore()` once, when the page is built. A failed
save changes nothing in the session: the design stays open, `status` says the work is not
saved and why, and the app retries (`retry_due`). The store itself is opened once per server
process (`server_store`), from the options `snn-designer serve` was started with.
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

import param

from engine import Network, ValidationError
from engine.io import network_from_json, network_to_json

from designer.state import DesignState
from designer.store import SavedDesign, StoreError, is_browser_id, store_from_environment

MAX_SAVED_STEPS = 50  # undo steps (and as many redo steps) kept across a reload: the newest ones
RETRY_S = 5.0  # a failed save is tried again this long after it failed (or with the next change)
LOG = logging.getLogger(__name__)  # the store's own words go to the server's log, not to the student


@functools.lru_cache(maxsize=1)
def server_store():
    """(store, problem): this server process's session store, opened once; (None, why) if it
    cannot be opened (the sessions then keep their work in the browser only and say so)."""
    try:
        return store_from_environment(), ""
    except (StoreError, ValidationError) as error:
        return None, str(error)


class Autosave(param.Parameterized):
    status = param.String(default="", doc="what the page says about saving (plain text)")
    failed = param.Boolean(default=False, doc="the last save failed: the work is not on the server")
    revision = param.Integer(default=0, doc="the store's count of this slot's saves")

    def __init__(self, state: DesignState, store, browser_id: str | None, slot: str, problem: str = "", **params):
        super().__init__(**params)
        self.state, self.store, self.slot = state, store, slot
        self.browser_id = browser_id if is_browser_id(browser_id) else None
        #: the lesson progress to save with the design (the lesson panel's, in a lesson)
        self.progress: Callable[[], dict] = dict
        self._texts: dict[int, tuple[Network, str]] = {}  # id(network) -> (network, its JSON): serialised once
        self._failed_at = 0.0
        self.restored = False  # whether restore() brought saved work back
        if self.browser_id is None:
            self.status = "Your work is kept in this browser only (the server gave this page no browser id)"
        elif self.store is None:
            self.status = f"Your work is kept in this browser only: {problem}"

    @property
    def enabled(self) -> bool:
        return self.store is not None and self.browser_id is not None

    def json_of(self, network: Network) -> str:
        """The network's JSON (engine.io), made once per network object."""
        known = self._texts.get(id(network))
        if known is None or known[0] is not network:
            known = (network, network_to_json(network))
            self._texts[id(network)] = known
        return known[1]

    def restore(self) -> dict | None:
        """The slot's last save into the state (design, undo and redo); returns its lesson
        progress, or None when there was nothing to restore (or it could not be read)."""
        if not self.enabled:
            return None
        try:
            saved = self.store.load(self.browser_id, self.slot)
        except StoreError as error:
            # saving now would overwrite work this session never saw: no saves until a reload reads it
            LOG.warning("autosave could not read slot %r: %s", self.slot, error)
            self.browser_id = None
            self._fail("Your saved design could not be read (the server's store did not answer), so this page "
                       "does not save over it: reload when the store is back")
            return None
        if saved is None:
            return None
        try:
            network = network_from_json(saved.current, source="your saved design")
        except ValidationError as error:
            self._fail(f"your saved design could not be opened ({error}); this one replaces it when you edit")
            return None
        self.state.restore(network, self._readable(saved.undo), self._readable(saved.redo),
                           "restored your last design")
        self.revision, self.failed, self.restored = saved.revision, False, True
        self.status = f"Restored your design saved {_clock(saved.saved_at)}"
        return dict(saved.progress)

    @staticmethod
    def _readable(steps) -> list[tuple[Network, str]]:
        """Saved steps back as networks; a step that no longer opens ends the history there."""
        out = []
        for text, description in reversed(steps):  # newest first: an unreadable old step drops what is older
            try:
                out.append((network_from_json(text, source="your undo history"), description))
            except ValidationError:
                break
        return out[::-1]

    def save(self, report: bool = True) -> bool:
        """The design, its history and the progress into the store. `report=False`: leave
        `status` alone (the session's page is already gone)."""
        if not self.enabled:
            return False
        undo, redo = self.state.history()
        undo, redo = undo[-MAX_SAVED_STEPS:], redo[-MAX_SAVED_STEPS:]
        self._texts = {id(n): self._texts[id(n)] for n, _ in [*undo, *redo, (self.state.network, "")]
                       if id(n) in self._texts and self._texts[id(n)][0] is n}  # forget networks left behind
        design = SavedDesign(current=self.json_of(self.state.network),
                             undo=tuple((self.json_of(n), d) for n, d in undo),
                             redo=tuple((self.json_of(n), d) for n, d in redo),
                             progress=self.progress(), network_name=self.state.network.name)
        try:
            revision = self.store.save(self.browser_id, self.slot, design)
        except (StoreError, ValidationError) as error:
            LOG.warning("autosave of slot %r failed: %s", self.slot, error)
            if report:
                self._fail("Not saved on the server: its store did not answer (the server's log says why). "
                           "Your design is still open here; saving is retried")
            return False
        if report:
            self.param.update(revision=revision, failed=False, status=f"Saved {_clock(time.time())}")
        return True

    def retry_due(self, now: float) -> bool:
        return self.failed and self.enabled and now - self._failed_at >= RETRY_S

    def _fail(self, message: str) -> None:
        self._failed_at = time.monotonic()
        self.param.update(failed=True, status=message)


def _clock(timestamp: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(timestamp))
