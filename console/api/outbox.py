"""Commands waiting to reach the back-end, kept on disk so none is lost or applied twice.

An operator's action (ack an alert, save an incident, send a message) is written to SQLite before
any network traffic, with a client-made Idempotency-Key, and sent in order. While the back-end is
unreachable (or answers 5xx/429) the head command waits and is retried with backoff, the rest
wait behind it; a 4xx answer means the server has judged the command: it is marked failed with
the server's words and the queue moves on. A new Outbox on the same file resumes the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.api.backoff import Backoff
from console.api.client import ApiClient
from console.api.errors import ApiError

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
KEEP_SENT_S = 7 * 24 * 3600  # applied commands are kept a week for support, then dropped

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending'
)
"""


@dataclass(frozen=True)
class Command:
    key: str
    method: str
    path: str
    body: Any
    created_at: float
    attempts: int
    last_error: str
    state: str


class Outbox(QObject):
    """Persisted, ordered, idempotent command queue.

    Signals:
        pending_changed(int): number of commands still waiting.
        command_sent(str key, object response): the server accepted the command.
        command_failed(str key, str detail): the server refused it for good (human words).
        command_rejected(str key, ApiError error): the same refusal with status and the problem
            document as sent (e.g. a 409's current version, to merge a stale incident save).
    """

    pending_changed = Signal(int)
    command_sent = Signal(str, object)
    command_failed = Signal(str, str)
    command_rejected = Signal(str, object)

    def __init__(
        self,
        path: Path,
        client: ApiClient | None = None,
        *,
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.client = client
        self.backoff = backoff if backoff is not None else Backoff()
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.execute(
            "DELETE FROM commands WHERE state = ? AND created_at < ?",
            (SENT, time.time() - KEEP_SENT_S),
        )
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- queue ---------------------------------------------------------------------------------

    def enqueue(self, method: str, path: str, body: Any = None, key: str | None = None) -> str:
        """Persist a command and return its idempotency key; it is sent as soon as possible."""
        key = key or str(uuid.uuid4())
        self._db.execute(
            "INSERT OR IGNORE INTO commands (key, method, path, body, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, method.upper(), path, json.dumps(body), time.time()),
        )
        log.info("command %s queued: %s %s", key, method.upper(), path)
        self.pending_changed.emit(self.pending_count())
        self.wake()
        return key

    def wake(self) -> None:
        """Retry now (e.g. the event stream has just reconnected)."""
        self._wake.set()

    def pending_count(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM commands WHERE state = ?", (PENDING,))
        return int(row.fetchone()[0])

    def commands(self, state: str | None = None) -> list[Command]:
        query = (
            "SELECT key, method, path, body, created_at, attempts, last_error, state FROM commands"
        )
        args: tuple[str, ...] = ()
        if state is not None:
            query += " WHERE state = ?"
            args = (state,)
        rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [
            Command(r[0], r[1], r[2], json.loads(r[3]) if r[3] else None, r[4], r[5], r[6], r[7])
            for r in rows
        ]

    def _head(self) -> Command | None:
        pending = self._db.execute(
            "SELECT key, method, path, body, created_at, attempts, last_error, state "
            "FROM commands WHERE state = ? ORDER BY seq LIMIT 1",
            (PENDING,),
        ).fetchone()
        if pending is None:
            return None
        body = json.loads(pending[3]) if pending[3] else None
        return Command(pending[0], pending[1], pending[2], body, *pending[4:])

    def _mark(self, key: str, state: str, error: str = "") -> None:
        self._db.execute(
            "UPDATE commands SET state = ?, attempts = attempts + 1, last_error = ? WHERE key = ?",
            (state, error, key),
        )

    # --- draining ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="outbox")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def close(self) -> None:
        self._db.close()

    async def run(self) -> None:
        while True:
            if await self.drain_once():
                continue
            self._wake.clear()
            if self._head() is not None:  # the head is waiting for the server: back off
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.backoff.next_delay())
            else:
                await self._wake.wait()

    async def drain_once(self) -> bool:
        """Try to send the head command; True when the queue advanced."""
        command = self._head()
        if command is None or self.client is None:
            return False
        try:
            response = await self.client.request(
                command.method, command.path, json=command.body, idempotency_key=command.key
            )
        except ApiError as exc:
            if exc.retryable or exc.status == 401:
                self._db.execute(
                    "UPDATE commands SET attempts = attempts + 1, last_error = ? WHERE key = ?",
                    (exc.message, command.key),
                )
                log.info("command %s waits (%s)", command.key, exc.message)
                return False
            self._mark(command.key, FAILED, exc.detail)
            log.warning("command %s refused: %s", command.key, exc.detail)
            self.backoff.reset()
            self.command_failed.emit(command.key, exc.detail)
            self.command_rejected.emit(command.key, exc)
            self.pending_changed.emit(self.pending_count())
            return True
        self._mark(command.key, SENT)
        self.backoff.reset()
        log.info("command %s applied", command.key)
        self.command_sent.emit(command.key, response)
        self.pending_changed.emit(self.pending_count())
        return True
