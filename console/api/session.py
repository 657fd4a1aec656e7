"""One operator's connection to one back-end: client, tokens, event stream and outbox together.

The composition root creates a Session, starts it after login and stops it at shutdown; panels
and stores only see its router (events by prefix), `fetch()` for snapshots and `send()` for
commands. `stop()` cancels and awaits every task it started and closes the HTTP client.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.api.auth import TokenStore
from console.api.backoff import Backoff
from console.api.client import ApiClient
from console.api.connection import ConnectionState
from console.api.contract import Event, TokenResponse
from console.api.cursor import EventCursor
from console.api.errors import ApiError
from console.api.outbox import Outbox
from console.api.router import EventRouter
from console.api.sse import EventStream
from console.i18n import tr
from console.paths import state_dir

log = logging.getLogger(__name__)


class Session(QObject):
    """The single owner of everything that talks to one back-end for one operator.

    Signals:
        state_changed(ConnectionState): link state incl. queued commands, for the status strip;
            re-emitted every second while a reconnect is scheduled (countdown).
        resync_required(): the server lost our position; call `load_snapshots()` again.
        auth_failed(str): the server refuses our credentials; show the login dialog again.
    """

    state_changed = Signal(object)
    resync_required = Signal()
    auth_failed = Signal(str)

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | str = True,
        token_store: TokenStore | None = None,
        state_path: Path | None = None,
        heartbeat: float = 15.0,
        backoff_cap: float = 30.0,
        start_id: int | None = None,
        client: ApiClient | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client if client is not None else ApiClient(base_url, verify=verify)
        self.server = self.client.server_label
        self.tokens = token_store if token_store is not None else TokenStore(self.server)
        self.router = EventRouter()
        self.username = ""
        db = state_path if state_path is not None else state_dir() / "link.sqlite"
        self.cursor = EventCursor(self.server, db)
        self.stream = EventStream(
            self.client,
            self.cursor,
            heartbeat=heartbeat,
            backoff=Backoff(cap=backoff_cap),
            start_id=start_id,
        )
        # One outbox per server: commands meant for one back-end never go to another.
        server_id = hashlib.sha256(self.server.encode()).hexdigest()[:12]
        self.outbox = Outbox(db.with_name(f"{db.stem}-outbox-{server_id}.sqlite"), self.client)
        self.outbox.backoff = Backoff(cap=backoff_cap)
        self.stream.events_received.connect(self._on_events)
        self.stream.resync_required.connect(self.resync_required)
        self.stream.auth_failed.connect(self.auth_failed)
        self.stream.state_changed.connect(self._on_stream_state)
        self.outbox.pending_changed.connect(self._on_pending)
        self._state = self.stream.state.with_changes(pending_commands=self.outbox.pending_count())
        self._running = False
        self._stopped = False
        self._tick: asyncio.TimerHandle | None = None

    @property
    def state(self) -> ConnectionState:
        return self._state.with_changes(last_event_id=max(self.stream.last_id, 0))

    async def start(self, username: str, password: str | None = None) -> TokenResponse:
        """Log in (or reuse the stored token when `password` is None) and start streaming.

        `start_id` (constructor) is where a console with no saved position starts: None = live,
        e.g. `Health.last_event_id` right after the stores fetched their snapshots.
        """
        if password is not None:
            self.client.on_tokens = lambda t: self.tokens.save(username, t)
            tokens = await self.client.login(username, password)
        else:
            stored = self.tokens.load(username)
            if stored is None:
                raise ApiError(401, tr("Nessun accesso salvato: inserire la password."))
            # No round trip here: a console restarted during an outage starts offline, shows its
            # queued commands and connects when the server is back.
            self.client.use_tokens(stored)
            self.client.on_tokens = lambda t: self.tokens.save(username, t)
            tokens = stored
        self.username = username
        await self._anchor_stream()
        self._running = True
        self.stream.start()
        self.outbox.start()
        return tokens

    async def _anchor_stream(self) -> None:
        """Give a stream with no saved position the server's current id, so the events between
        now and its first connection (and any snapshot taken meanwhile) are replayed, not lost."""
        if self.stream.last_id >= 0:
            return
        try:
            health = await self.fetch("/health")
            self.stream.last_id = int(health["last_event_id"])
        except (ApiError, KeyError, TypeError, ValueError) as exc:
            log.warning("no event position from the server (%s): the stream starts live", exc)

    async def stop(self) -> None:
        """Stop everything this session started; safe to call twice."""
        self._running = False
        self._stopped = True
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        await self.stream.stop()
        await self.outbox.stop()
        if not self.client.http.is_closed:
            await self.client.aclose()
        self.cursor.close()
        self.outbox.close()

    async def fetch(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a snapshot (e.g. the stores' SNAPSHOT_PATH); ApiError on failure."""
        return await self.client.request("GET", path, params=params)

    async def load_snapshots(self, stores: Iterable[Any]) -> list[str]:
        """Reset every store that has a SNAPSHOT_PATH, consistently with the event stream.

        Delivery is held while the snapshots load; each store that got its snapshot then only
        receives events newer than the server's last id read before the first fetch. Returns
        the paths that could not be loaded (logged; those stores keep their previous state).
        ApiError when the server cannot even say where its event log stands.
        """
        health = await self.fetch("/health")
        floor = int(health["last_event_id"])
        failed: list[str] = []
        self.router.hold()
        try:
            for store in stores:
                path = getattr(store, "SNAPSHOT_PATH", None)
                if not path:
                    continue
                try:
                    items = await self.fetch(path)
                    store.reset(items)
                except Exception as exc:  # one bad snapshot must not block the others
                    log.warning("snapshot %s not loaded: %s", path, exc)
                    failed.append(path)
                    continue
                self.router.set_floor(store.apply, floor)
        finally:
            self.router.release()
        return failed

    def send(self, method: str, path: str, body: Any = None, key: str | None = None) -> str:
        """Queue a command (persisted first, sent in order, idempotent); returns its key.

        ApiError once the session is stopped: the caller keeps the operator's input and says so.
        """
        if self._stopped:
            raise ApiError(0, tr("Sessione chiusa: comando non accodato, ripetere dopo l'accesso."))
        return self.outbox.enqueue(method, path, body, key)

    async def logout(self) -> None:
        if self.username:
            self.tokens.delete(self.username)
        await self.stop()

    def _on_events(self, events: list[Event]) -> None:
        self.router.dispatch(events)

    def _on_stream_state(self, state: ConnectionState) -> None:
        if state.state == "connected" and self._state.state != "connected":
            self.outbox.wake()  # replay queued commands as soon as the link is back
        self._publish(state.with_changes(pending_commands=self.outbox.pending_count()))

    def _on_pending(self, count: int) -> None:
        self._publish(self._state.with_changes(pending_commands=count))

    def _publish(self, state: ConnectionState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(self.state)
        self._schedule_tick()

    def _schedule_tick(self) -> None:
        """While a reconnect is scheduled, re-announce once a second so "fra N s" counts down."""
        if self._tick is not None or self._state.retry_at is None or not self._running:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._tick = loop.call_later(1.0, self._on_tick)

    def _on_tick(self) -> None:
        self._tick = None
        if self._running and self._state.retry_at is not None:
            self.state_changed.emit(self.state)
            self._schedule_tick()
