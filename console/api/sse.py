"""The back-end's event stream, consumed so that no event is lost or delivered twice.

The stream resumes from the last id the stores received (persisted per server), sends it as
Last-Event-ID, drops ids it has already seen, and declares the connection dead when no byte
(event or heartbeat comment) arrives for two heartbeats. Reconnects back off with full jitter.
Delivery to the stores is coalesced (<= 30 Hz) except for events an operator must see at once.
The cursor is saved after a batch is delivered: a crash replays, never skips (at-least-once);
stores de-duplicate by id, which makes it exactly-once end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from datetime import datetime, timedelta

import httpx
from httpx_sse import ServerSentEvent, SSEError, aconnect_sse
from PySide6.QtCore import QObject, Signal

from console.api.backoff import Backoff
from console.api.client import ApiClient, api_path
from console.api.connection import ConnectionState, LinkState
from console.api.contract import Event
from console.api.cursor import EventCursor
from console.api.errors import ApiError, from_response, from_transport

log = logging.getLogger(__name__)

# No legitimate event comes near this; a bigger one is a broken or hostile server.
MAX_EVENT_CHARS = 1_000_000


def is_priority(event: Event) -> bool:
    """Events that skip coalescing: P1 alerts, unit emergencies, flash chat messages."""
    data = event.data
    if event.event == "alert.created":
        return data.get("priority") == 1 or data.get("type") == "unit.emergency"
    if event.event.startswith("unit."):
        return event.event == "unit.emergency" or data.get("emergency") is True
    if event.event == "chat.message":
        return data.get("flash") is True
    return False


class EventStream(QObject):
    """SSE consumer with resume, de-duplication, dead-connection detection and backoff.

    Signals:
        events_received(list[Event]): a batch, ids strictly increasing, never seen before.
        resync_required(): the server no longer holds our position; refetch snapshots.
        state_changed(ConnectionState): link state for the status strip.
        auth_failed(str): the server refuses our token and refreshing failed (log in again).
    """

    events_received = Signal(list)
    resync_required = Signal()
    state_changed = Signal(object)
    auth_failed = Signal(str)

    def __init__(
        self,
        client: ApiClient,
        cursor: EventCursor,
        *,
        heartbeat: float = 15.0,
        backoff: Backoff | None = None,
        max_rate_hz: float = 30.0,
        healthy_after: float | None = None,
        start_id: int | None = None,
        offline_after: int = 3,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._cursor = cursor
        self.heartbeat = heartbeat
        self.backoff = backoff if backoff is not None else Backoff()
        self._interval = 1.0 / max_rate_hz
        self._healthy_after = healthy_after if healthy_after is not None else heartbeat
        self._offline_after = offline_after
        saved = cursor.load()
        # Highest id delivered or deliberately skipped. With no saved position and no start_id
        # the stream starts live (no Last-Event-ID): the stores begin from their snapshots.
        if saved is None:
            saved = start_id if start_id is not None else -1
        self.last_id: int = saved
        self._pending: list[Event] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self._received_this_connection = 0
        self._connected = False
        self.stats: Counter[str] = Counter()
        self.state = ConnectionState(LinkState.CONNECTING, last_event_id=max(self.last_id, 0))
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="event-stream")

    async def stop(self) -> None:
        """Cancel the loop and wait for it; undelivered events are replayed next time."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._pending.clear()

    async def run(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            self._received_this_connection = 0
            try:
                await self._connect_once()
                reason = "stream closed by the server"
            except httpx.ReadTimeout:
                reason = f"no data for {2 * self.heartbeat:g} s (dead connection)"
                self.stats["dead_connections"] += 1
            except httpx.HTTPError as exc:
                reason = from_transport(exc, self._client.server_label).message
            except ApiError as exc:
                reason = exc.message
            except SSEError as exc:
                reason = f"not an event stream: {exc}"
            except Exception:  # a bug must cost a reconnect, never the stream itself
                log.exception("event stream: unexpected failure")
                reason = "internal error (see the technical log)"
            self._flush()
            self.stats["disconnects" if self._connected else "failed_attempts"] += 1
            self._connected = False
            healthy = (
                self._received_this_connection > 0 or loop.time() - started >= self._healthy_after
            )
            if healthy:
                self.backoff.reset()
                failures = 0
            failures += 1
            delay = self.backoff.next_delay()
            now = datetime.now().astimezone()
            log.info("event stream: %s; reconnecting in %.1f s", reason, delay)
            self._set_state(
                state=LinkState.OFFLINE
                if failures > self._offline_after
                else LinkState.RECONNECTING,
                retry_at=now + timedelta(seconds=delay),
                offline_since=self.state.offline_since or now,
                detail=reason,
            )
            await asyncio.sleep(delay)
            self._set_state(state=self.state.state, retry_at=None)

    async def _connect_once(self) -> None:
        for attempt in range(2):
            headers = self._client.auth_headers()
            if self.last_id >= 0:
                headers["Last-Event-ID"] = str(self.last_id)
            timeout = httpx.Timeout(5.0, read=2 * self.heartbeat)
            async with aconnect_sse(
                self._client.http, "GET", api_path("/events"), headers=headers, timeout=timeout
            ) as source:
                response = source.response
                if response.status_code == 401 and attempt == 0:
                    await response.aread()
                    await self._refresh_or_fail(headers.get("Authorization", "")[7:] or None)
                    continue
                if response.status_code != 200:
                    await response.aread()
                    raise from_response(response)
                self.stats["connects"] += 1
                self._connected = True
                self._set_state(
                    state=LinkState.CONNECTED, retry_at=None, offline_since=None, detail=""
                )
                async for sse in source.aiter_sse():
                    self._handle(sse)
                return

    async def _refresh_or_fail(self, stale: str | None) -> None:
        try:
            await self._client.refresh(stale=stale)
        except ApiError as exc:
            if exc.status in (400, 401, 403):
                self.auth_failed.emit(exc.message)
            raise

    # --- frames --------------------------------------------------------------------------------

    def _handle(self, sse: ServerSentEvent) -> None:
        self.stats["frames"] += 1
        if sse.event == "resync":
            self._on_resync(sse)
            return
        try:
            event_id = int(sse.id)
        except ValueError:
            self._malformed(f"id {sse.id!r} is not an integer", sse)
            return
        if event_id <= self.last_id:
            self.stats["duplicates"] += 1
            return
        self.last_id = event_id
        if len(sse.data) > MAX_EVENT_CHARS:
            self._malformed(f"data too large ({len(sse.data)} characters)", sse)
            return
        try:
            data = json.loads(sse.data)
        except json.JSONDecodeError as exc:
            self._malformed(f"data is not JSON ({exc.msg})", sse)
            return
        if not isinstance(data, dict):
            self._malformed("data is not a JSON object", sse)
            return
        event = Event(id=event_id, event=sse.event, data=data)
        self.stats["received"] += 1
        self._received_this_connection += 1
        self._pending.append(event)
        if is_priority(event):
            self.stats["priority"] += 1
            self._flush()
        else:
            self._schedule_flush()

    def _malformed(self, reason: str, sse: ServerSentEvent) -> None:
        self.stats["malformed"] += 1
        log.warning("event %r (id %r) skipped: %s", sse.event[:40], sse.id[:20], reason)

    def _on_resync(self, sse: ServerSentEvent) -> None:
        self._flush()
        try:
            last = int(json.loads(sse.data)["last_event_id"])
        except (ValueError, KeyError, TypeError):
            self._malformed("resync without a valid last_event_id", sse)
            return
        log.info(
            "event stream: server asks for a resync from id %d (we had %d)", last, self.last_id
        )
        self.stats["resyncs"] += 1
        self.last_id = last
        self._cursor.save(last)
        self._set_state(last_event_id=last)
        self.resync_required.emit()

    # --- delivery ------------------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        if self._flush_handle is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last_flush + self._interval - loop.time())
        self._flush_handle = loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        batch, self._pending = self._pending, []
        self._last_flush = asyncio.get_running_loop().time()
        if batch:
            self.stats["batches"] += 1
            self.stats["delivered"] += len(batch)
            try:
                self.events_received.emit(batch)
            except Exception:  # a store's bug must not stop the stream
                log.exception("an events_received handler failed")
        if self.last_id >= 0 and self.last_id != self.state.last_event_id:
            self._cursor.save(self.last_id)
            # Not worth a signal at 30 Hz: readers pick it up with the next real change.
            self.state = self.state.with_changes(last_event_id=self.last_id)

    def _set_state(self, **changes: object) -> None:
        new = self.state.with_changes(**changes)
        if new != self.state:
            self.state = new
            self.state_changed.emit(new)
