"""The default store: one SQLite file, `sessions.sqlite3`, in the data folder.

WAL mode: readers never wait for the writer, and several server processes on one machine
share the file (each save takes the write lock with BEGIN IMMEDIATE; the others wait up to
`BUSY_TIMEOUT_S`). synchronous=NORMAL: a killed server process loses nothing committed (the
WAL is in the OS's cache); only a power cut may lose the last saves, never corrupt the file.
The file's name is fixed: nothing a user sends becomes a path.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from designer.store import SQLITE_FILE, StoreError
from designer.store.sql import SqlSessionStore

BUSY_TIMEOUT_S = 10.0


class SqliteStore(SqlSessionStore):
    driver_errors = (sqlite3.Error,)

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / SQLITE_FILE
        self.description = f"session store {self.path}"
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # students' work: not for other users
            self._connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                               check_same_thread=False)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"{self.description}: cannot open it: {error}") from error
        self._lock = threading.Lock()  # one connection; sessions of a process may save from several threads
        try:
            self._create_schema()
        except sqlite3.Error as error:
            raise StoreError(f"{self.description}: cannot set it up: {error}") from error

    @contextmanager
    def _transaction(self):
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
                cursor.execute("COMMIT")
            except BaseException:
                if self._connection.in_transaction:  # also when COMMIT itself failed (disk full)
                    self._connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()
