"""SQLite persistence for the training back-end: state objects, the event log, tokens, the
idempotency store and the audit chain, all in one file with WAL.

Every state change and the event that announces it are written in the SAME transaction
(`Database.tx()`), so after a kill -9 the event ids on disk always match the state on disk and
a client resuming with Last-Event-ID never sees an id twice or a gap.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    channel_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_channel ON messages (channel_id, seq);
CREATE TABLE IF NOT EXISTS chat_receipts (
    message_id TEXT NOT NULL,
    desk TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (message_id, desk, kind)
);
CREATE TABLE IF NOT EXISTS chat_presence (
    desk TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_escalations (
    message_id TEXT PRIMARY KEY,
    level INTEGER NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    kind TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    username TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (username, key)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

EventRow = tuple[int, str, str]  # id, type, data (JSON text, one line)


def dumps(data: Any) -> str:
    """Compact one-line JSON: SSE `data:` must not contain a newline."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Tx:
    """One open write transaction: collects events and post-commit work."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.events: list[EventRow] = []
        self.after_commit: list[Callable[[], None]] = []

    def emit(self, event_type: str, data: dict[str, Any]) -> int:
        text = dumps(data)
        cur = self.conn.execute("INSERT INTO events (type, data) VALUES (?, ?)", (event_type, text))
        event_id = int(cur.lastrowid or 0)
        self.events.append((event_id, event_type, text))
        return event_id

    def put(self, kind: str, obj_id: str, body: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO objects (kind, id, body) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            (kind, obj_id, dumps(body)),
        )

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)


class Database:
    """The one connection of the server process; used from the event-loop thread only."""

    def __init__(self, path: Path, backlog: int = 100_000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.backlog = max(1, backlog)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=5000")
        self.conn.executescript(SCHEMA)
        self.on_commit: Callable[[list[EventRow]], None] | None = None
        self._first_id, self._last_id = self._bounds()

    def _bounds(self) -> tuple[int, int]:
        row = self.conn.execute("SELECT MIN(id), MAX(id) FROM events").fetchone()
        seq = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        last = int(seq[0]) if seq else 0
        first = int(row[0]) if row[0] is not None else last + 1
        return first, last

    @property
    def last_event_id(self) -> int:
        return self._last_id

    @property
    def first_event_id(self) -> int:
        """Oldest id still in the backlog (last + 1 when the log is empty)."""
        return self._first_id

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        tx = Tx(self.conn)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield tx
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        if tx.events:
            if self._first_id > self._last_id:  # the log was empty
                self._first_id = tx.events[0][0]
            self._last_id = tx.events[-1][0]
            self._trim()
        for fn in tx.after_commit:
            fn()
        if tx.events and self.on_commit is not None:
            self.on_commit(tx.events)

    def _trim(self) -> None:
        # Trim in steps (10 % slack) so a busy scenario does not pay a DELETE per event.
        slack = max(1, self.backlog // 10)
        if self._last_id - self._first_id + 1 <= self.backlog + slack:
            return
        cut = self._last_id - self.backlog
        self.conn.execute("DELETE FROM events WHERE id <= ?", (cut,))
        self._first_id = cut + 1

    def events_after(self, after: int, limit: int) -> list[EventRow]:
        rows = self.conn.execute(
            "SELECT id, type, data FROM events WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
        ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def objects(self, kind: str) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT body FROM objects WHERE kind = ?", (kind,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error as exc:  # closing twice or on a broken file: nothing left to save
            log.warning("closing %s: %s", self.path, exc)
