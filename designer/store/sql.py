"""The store's one SQL implementation, shared by SQLite and PostgreSQL.

Two tables. `snn_designs` has one row per (browser, slot): the current network's digest,
the undo/redo history as digests with their descriptions, and the lesson progress.
`snn_networks` holds each network's JSON once per (browser, slot), keyed by its SHA-256:
consecutive undo steps share most networks, so a save writes only the new ones (usually one).

A save is one transaction: the design row is written first (that takes the row's lock in
PostgreSQL, the database's write lock in SQLite, so two processes saving the same slot take
turns), then missing networks are added and networks no longer referenced are removed.
A crash before COMMIT leaves the previous save whole.
"""
from __future__ import annotations

import hashlib
import json
import time
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager

from designer.store import DesignSummary, SavedDesign, StoreError, check_browser_id, check_slot

SCHEMA_VERSION = 1
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS snn_store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS snn_designs (
        browser_id TEXT NOT NULL, slot TEXT NOT NULL, network_name TEXT NOT NULL,
        current_digest TEXT NOT NULL, history TEXT NOT NULL, progress TEXT NOT NULL,
        saved_at DOUBLE PRECISION NOT NULL, revision BIGINT NOT NULL,
        PRIMARY KEY (browser_id, slot))""",
    """CREATE TABLE IF NOT EXISTS snn_networks (
        browser_id TEXT NOT NULL, slot TEXT NOT NULL, digest TEXT NOT NULL, network_json TEXT NOT NULL,
        PRIMARY KEY (browser_id, slot, digest))""",
)
UPSERT_DESIGN = """
    INSERT INTO snn_designs (browser_id, slot, network_name, current_digest, history, progress, saved_at, revision)
    VALUES (?, ?, ?, ?, ?, ?, ?, 1)
    ON CONFLICT (browser_id, slot) DO UPDATE SET network_name = excluded.network_name,
        current_digest = excluded.current_digest, history = excluded.history, progress = excluded.progress,
        saved_at = excluded.saved_at, revision = snn_designs.revision + 1
    RETURNING revision"""


def digest_of(network_json: str) -> str:
    return hashlib.sha256(network_json.encode("utf-8")).hexdigest()


class SqlSessionStore(ABC):
    """save / load / list_designs over a DB-API connection; subclasses open it and run
    `_transaction()` (a context manager yielding a cursor; it commits, or rolls back on error).
    Queries are written with `?` placeholders; `placeholder` is the driver's own."""

    placeholder = "?"
    description = "session store"

    @abstractmethod
    def _transaction(self) -> AbstractContextManager:
        """A cursor inside one transaction: committed on exit, rolled back on an error."""

    def _sql(self, query: str) -> str:
        return query if self.placeholder == "?" else query.replace("?", self.placeholder)

    def _execute(self, cursor, query: str, args: tuple = ()):
        cursor.execute(self._sql(query), args)
        return cursor

    def _create_schema(self) -> None:
        with self._transaction() as cursor:
            for statement in SCHEMA:
                self._execute(cursor, statement)
            self._execute(cursor, "INSERT INTO snn_store_meta (key, value) VALUES ('schema', ?) "
                                  "ON CONFLICT (key) DO NOTHING", (str(SCHEMA_VERSION),))
            found = self._execute(cursor, "SELECT value FROM snn_store_meta WHERE key = 'schema'").fetchone()[0]
        if int(found) > SCHEMA_VERSION:
            raise StoreError(f"{self.description}: written by a newer SNN Designer (schema {found}, "
                             f"this one reads {SCHEMA_VERSION}): upgrade, or use another data folder")

    # -- the interface ------------------------------------------------------------------------
    def save(self, browser_id: str, slot: str, design: SavedDesign) -> int:
        """Store `design` as the slot's work (replacing the previous save); returns its revision."""
        check_browser_id(browser_id)
        check_slot(slot)
        texts = {digest_of(text): text for text, _ in (*design.undo, *design.redo)}
        current = digest_of(design.current)
        texts[current] = design.current
        history = json.dumps({"undo": [[digest_of(t), d] for t, d in design.undo],
                              "redo": [[digest_of(t), d] for t, d in design.redo]})
        key = (browser_id, slot)
        try:
            with self._transaction() as cursor:
                revision = self._execute(cursor, UPSERT_DESIGN, (
                    *key, design.network_name, current, history, json.dumps(design.progress), time.time(),
                )).fetchone()[0]
                stored = {row[0] for row in self._execute(
                    cursor, "SELECT digest FROM snn_networks WHERE browser_id = ? AND slot = ?", key)}
                cursor.executemany(self._sql("INSERT INTO snn_networks (browser_id, slot, digest, network_json) "
                                             "VALUES (?, ?, ?, ?)"),
                                   [(*key, d, texts[d]) for d in texts.keys() - stored])
                cursor.executemany(self._sql("DELETE FROM snn_networks WHERE browser_id = ? AND slot = ? AND digest = ?"),
                                   [(*key, d) for d in stored - texts.keys()])
        except self.driver_errors as error:
            raise StoreError(f"{self.description}: could not save: {error}") from error
        return int(revision)

    def load(self, browser_id: str, slot: str) -> SavedDesign | None:
        """The slot's last save, or None if this browser has none there."""
        key = (check_browser_id(browser_id), check_slot(slot))
        try:
            with self._transaction() as cursor:
                row = self._execute(cursor, "SELECT network_name, current_digest, history, progress, saved_at, "
                                            "revision FROM snn_designs WHERE browser_id = ? AND slot = ?", key).fetchone()
                if row is None:
                    return None
                texts = dict(self._execute(cursor, "SELECT digest, network_json FROM snn_networks "
                                                   "WHERE browser_id = ? AND slot = ?", key).fetchall())
        except self.driver_errors as error:
            raise StoreError(f"{self.description}: could not load: {error}") from error
        name, current, history, progress, saved_at, revision = row
        history = json.loads(history)
        try:
            return SavedDesign(current=texts[current], undo=tuple((texts[d], text) for d, text in history["undo"]),
                               redo=tuple((texts[d], text) for d, text in history["redo"]),
                               progress=json.loads(progress), network_name=name, saved_at=float(saved_at),
                               revision=int(revision))
        except KeyError as missing:
            raise StoreError(f"{self.description}: the saved design of slot {slot!r} lacks network {missing}") from None

    def list_designs(self, browser_id: str) -> list[DesignSummary]:
        """This browser's slots, the most recently saved first (never another browser's)."""
        check_browser_id(browser_id)
        try:
            with self._transaction() as cursor:
                rows = self._execute(cursor, "SELECT slot, network_name, saved_at, history FROM snn_designs "
                                             "WHERE browser_id = ? ORDER BY saved_at DESC", (browser_id,)).fetchall()
        except self.driver_errors as error:
            raise StoreError(f"{self.description}: could not list designs: {error}") from error
        return [DesignSummary(slot, name, float(saved_at), len(json.loads(history)["undo"]))
                for slot, name, saved_at, history in rows]

    @abstractmethod
    def close(self) -> None:
        """Release the connection(s); the store is not used afterwards."""

    driver_errors: tuple[type[BaseException], ...] = ()
