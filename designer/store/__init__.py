"""The session store: each browser's designs, with their undo/redo history and lesson progress.

One small interface (save, load, list_designs, close: `SqlSessionStore`) over two databases that share
one SQL implementation (designer/store/sql.py):
- SQLite (designer/store/sqlite.py), the default: one file under the data folder, WAL mode,
  one transaction per save; several server processes on one machine share it.
- PostgreSQL (designer/store/postgres.py) when given a database URL: several machines behind
  a reverse proxy with sticky sessions serve one class from one store.

Keys: a browser id (random, kept by the browser in a cookie: designer/store/browser_cookie.py)
and a slot ("workspace", or "lesson/<lesson name>" for a lesson's own work). Both are checked
against a strict pattern before they reach a query; no file name is ever built from them.
This is a server concern of the designer: the engine knows nothing of it.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from engine import ValidationError

#: the cookie that keeps a browser's id
BROWSER_COOKIE = "snn_browser"
#: where `snn-designer serve --data-dir` / `--database-url` hand their choice to the server process
DATA_DIR_ENV = "SNN_DESIGNER_DATA_DIR"
DATABASE_URL_ENV = "SNN_DESIGNER_DATABASE_URL"
SQLITE_FILE = "sessions.sqlite3"

_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24): 192 random bits
_SLOT = re.compile(r"workspace|lesson/[A-Za-z0-9_.-]{1,80}")


class StoreError(Exception):
    """The store could not save or load (disk full, database down, damaged record); the
    message says what happened in words for the status line."""


@dataclass(frozen=True)
class SavedDesign:
    """One slot's work: network JSON texts (engine.io's format), oldest undo step first."""

    current: str
    undo: tuple[tuple[str, str], ...] = ()  # (network JSON, description of the edit after it)
    redo: tuple[tuple[str, str], ...] = ()
    progress: dict = field(default_factory=dict)  # lesson progress (JSON-able); {} outside lessons
    network_name: str = ""
    saved_at: float = 0.0  # time.time() of the save (set by the store)
    revision: int = 0  # counts the saves of this slot (set by the store)


@dataclass(frozen=True)
class DesignSummary:
    """A line of a browser's list of designs."""

    slot: str
    network_name: str
    saved_at: float
    undo_steps: int


def new_browser_id() -> str:
    return secrets.token_urlsafe(24)


def is_browser_id(value: object) -> bool:
    return isinstance(value, str) and _BROWSER_ID.fullmatch(value) is not None


def check_browser_id(value: object) -> str:
    if not is_browser_id(value):
        raise ValidationError(f"session store: browser id {str(value)[:40]!r} is not a valid id "
                              "(32 letters, digits, '-' or '_'): the page asks the server for a new one")
    return value


def check_slot(value: object) -> str:
    if not isinstance(value, str) or _SLOT.fullmatch(value) is None:
        raise ValidationError(f"session store: slot {str(value)[:40]!r} is not a valid slot "
                              "('workspace' or 'lesson/NAME' with NAME of letters, digits, '.', '-' or '_')")
    return value


def lesson_slot(lesson_name: str) -> str:
    return check_slot(f"lesson/{lesson_name}")


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/snn-designer, else ~/.local/share/snn-designer."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "snn-designer"


def open_store(database_url: str | None = None, data_dir: str | Path | None = None):
    """PostgreSQL when `database_url` (postgresql://...) is given, else SQLite in `data_dir`
    (default: default_data_dir())."""
    if database_url:
        if not re.match(r"postgres(ql)?://", database_url):
            raise ValidationError(f"session store: database URL must start with postgresql:// "
                                  f"(got {database_url.split(':', 1)[0]!r}); leave it out for SQLite")
        from designer.store.postgres import PostgresStore

        return PostgresStore(database_url)
    from designer.store.sqlite import SqliteStore

    return SqliteStore(Path(data_dir) if data_dir else default_data_dir())


def store_from_environment():
    """The store this server process was started with (see DATA_DIR_ENV, DATABASE_URL_ENV)."""
    return open_store(os.environ.get(DATABASE_URL_ENV) or None, os.environ.get(DATA_DIR_ENV) or None)


__all__ = [
    "BROWSER_COOKIE", "DATABASE_URL_ENV", "DATA_DIR_ENV", "DesignSummary", "SavedDesign", "StoreError",
    "check_browser_id", "check_slot", "default_data_dir", "is_browser_id", "lesson_slot", "new_browser_id",
    "open_store", "store_from_environment",
]
