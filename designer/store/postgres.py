"""The store in PostgreSQL (psycopg 3), for a class served by several machines.

One connection per server process, opened on first use and opened again after it broke
(the save that saw it break reports the failure; the next one reconnects). It runs in
autocommit mode, so each `connection.transaction()` block (one per save) is one transaction;
the design row's lock makes two processes saving the same slot take turns (see sql.py).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from designer.store import StoreError
from designer.store.sql import SqlSessionStore

CONNECT_TIMEOUT_S = 3
# After a failed connect the process does not try again for this long: a database host that
# does not answer stalls the process's event loop (all its sessions) once per pause, not once
# per session and retry.
RECONNECT_PAUSE_S = 10.0


class PostgresStore(SqlSessionStore):
    placeholder = "%s"

    def __init__(self, database_url: str):
        try:
            import psycopg
        except ImportError as error:
            raise StoreError("session store: PostgreSQL needs psycopg (pip install 'psycopg[binary]')") from error
        self._psycopg = psycopg
        self.driver_errors = (psycopg.Error,)
        self._url = database_url
        self.description = f"session store postgresql://{_host_of(database_url)}"
        self._connection = None
        self._connect_failed_at = -RECONNECT_PAUSE_S  # time.monotonic() of the last failed connect
        self._lock = threading.Lock()
        try:
            self._create_schema()
        except psycopg.Error as error:
            raise StoreError(f"{self.description}: cannot set it up: {error}") from error

    def _connect(self):
        if self._connection is None or self._connection.closed or self._connection.broken:
            waited = time.monotonic() - self._connect_failed_at
            if waited < RECONNECT_PAUSE_S:
                raise self._psycopg.OperationalError(
                    f"the database did not answer {waited:.0f} s ago; the next try is in {RECONNECT_PAUSE_S - waited:.0f} s")
            try:
                self._connection = self._psycopg.connect(self._url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)
            except self._psycopg.Error:
                self._connect_failed_at = time.monotonic()
                raise
        return self._connection

    @contextmanager
    def _transaction(self):
        with self._lock:
            connection = self._connect()
            with connection.transaction(), connection.cursor() as cursor:
                yield cursor

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()


def _host_of(url: str) -> str:
    """host/dbname of a URL, without the password (it goes into messages)."""
    rest = url.split("://", 1)[1]
    return rest.rsplit("@", 1)[-1]
