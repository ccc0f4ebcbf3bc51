"""Files a user opens are parsed off the server's event loop.

Every session of a server process shares one Tornado event loop: a 10 MB design or NIR file
parsed on it would stall every other student's page for as long as it takes. `UploadParser`
parses in a small per-process thread pool (`upload_pool`) and hands the result back to the
session's own loop through `deliver` (Bokeh's thread-safe `add_next_tick_callback`, the way
the Runner's frames reach the page), where it is applied to the session's state. When a
second file is chosen while one is still parsing, the later one wins: the earlier one's
result is dropped when it arrives.
"""
from __future__ import annotations

import functools
import re
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from engine import EngineError, Network, ValidationError
from engine.io import network_from_json

UPLOAD_WORKERS = 2  # files parsed at once per server process (more wait in the pool's queue)
UPLOAD_WAIT_S = 120.0  # `wait` gives up after this long (a parse is bounded well below it)

Deliver = Callable[[Callable[[], None]], None]
Apply = Callable[[Network | None, str], None]  # (network, "") or (None, the error to show)


@functools.lru_cache(maxsize=1)
def upload_pool() -> ThreadPoolExecutor:
    """This server process's parsing threads (made on first use)."""
    return ThreadPoolExecutor(max_workers=UPLOAD_WORKERS, thread_name_prefix="snn-upload")


def run_now(action: Callable[[], None]) -> None:
    """The `deliver` of a session without an event loop (tests, scripts): apply at once."""
    action()


def network_stem(filename: str) -> str:
    """The browser's file name names the network, never a path here (it may hold a NUL or a '/')."""
    return re.sub(r"[^\w.-]+", "_", Path(filename.replace("\0", "")).stem) or "imported"


def parse_design_file(content: bytes, filename: str) -> Network:
    """A design (.json) or a NIR graph (.nir) from a file's bytes; EngineError if it cannot be read."""
    if filename.lower().endswith(".nir"):
        from engine.io.export import import_nir

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "graph.nir"
            path.write_bytes(content)
            return import_nir(path, name=network_stem(filename))
    return network_from_json(content, source=filename)


def parse_error(filename: str, error: Exception) -> str:
    """What the page says when `filename` could not be opened."""
    if isinstance(error, ValidationError) and not filename.lower().endswith(".nir"):
        message = str(error)  # usually starts with the file's name already
        return f"could not open {message if message.startswith(filename) else f'{filename}: {message}'}"
    if isinstance(error, EngineError):
        return f"could not open {filename}: {error}"
    return f"could not open {filename}: {type(error).__name__}: {error}"  # a hostile file must not end the session


class UploadParser:
    """One session's file parsing: off its event loop, the newest file wins (module docstring)."""

    def __init__(self, deliver: Deliver = run_now):
        self.deliver = deliver
        self._mutex = threading.Lock()
        self._latest = 0  # number of the newest file chosen
        self.pending: Future | None = None

    def submit(self, content: bytes, filename: str, apply: Apply,
               parse: Callable[[bytes, str], Network] = parse_design_file) -> Future:
        """Parse `content` in the pool; `apply(network, error)` then runs through `deliver`,
        unless another file was submitted in the meantime."""
        with self._mutex:
            self._latest += 1
            number = self._latest

        def work() -> None:
            try:
                network, error = parse(content, filename), ""
            except Exception as failure:  # noqa: BLE001 -- shown to the user; the session goes on
                network, error = None, parse_error(filename, failure)
            self.deliver(functools.partial(self._finish, number, network, error, apply))

        self.pending = upload_pool().submit(work)
        return self.pending

    def _finish(self, number: int, network: Network | None, error: str, apply: Apply) -> None:
        with self._mutex:
            newest = number == self._latest
        if newest:
            apply(network, error)

    def wait(self, timeout: float = UPLOAD_WAIT_S) -> None:
        """Block until the last file submitted is parsed and handed to `deliver` (tests)."""
        if self.pending is not None:
            self.pending.result(timeout)
