"""The id of the last event the stores have received, per server, kept across restarts.

Stored in SQLite in the state dir so a restarted console asks the back-end to replay exactly
what it has not processed yet (Last-Event-ID) instead of refetching everything.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from console.paths import state_dir


def default_db() -> Path:
    return state_dir() / "link.sqlite"


class EventCursor:
    def __init__(self, server: str, path: Path | None = None) -> None:
        self.server = server
        self.path = path if path is not None else default_db()
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS cursor (server TEXT PRIMARY KEY, last_id INTEGER NOT NULL)"
        )

    def load(self) -> int | None:
        """The saved id, or None when this console has never streamed from this server."""
        row = self._db.execute(
            "SELECT last_id FROM cursor WHERE server = ?", (self.server,)
        ).fetchone()
        return int(row[0]) if row else None

    def save(self, last_id: int) -> None:
        self._db.execute(
            "INSERT INTO cursor (server, last_id) VALUES (?, ?) "
            "ON CONFLICT(server) DO UPDATE SET last_id = excluded.last_id",
            (self.server, last_id),
        )

    def close(self) -> None:
        self._db.close()
