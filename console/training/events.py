"""Fan-out of committed events to Server-Sent Event clients, with replay and resync.

Each client has its own bounded asyncio queue; publishing never waits, so a slow client cannot
slow the scenario. A client whose queue fills is disconnected and comes back with Last-Event-ID.
Replay reads the SQLite log, so it works across restarts.

Wire format (one event):  `id: <int>\\nevent: <type>\\ndata: <json, one line>\\n\\n`
Heartbeat (a comment):    `: hb\\n\\n`
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from console.training.db import Database, EventRow, dumps

log = logging.getLogger(__name__)

QUEUE_SIZE = 20_000
REPLAY_PAGE = 2_000
MAX_CHUNK = 500


def frame(row: EventRow) -> str:
    return f"id: {row[0]}\nevent: {row[1]}\ndata: {row[2]}\n\n"


def resync_frame(last_id: int) -> str:
    return f"id: {last_id}\nevent: resync\ndata: {dumps({'last_event_id': last_id})}\n\n"


class Subscriber:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[EventRow] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.overflowed = False


class EventHub:
    """Holds the live subscribers; `publish` is called after each commit."""

    def __init__(self, db: Database, heartbeat: float = 10.0) -> None:
        self.db = db
        self.heartbeat = heartbeat
        self.subscribers: set[Subscriber] = set()
        self.dropped = 0

    def publish(self, rows: list[EventRow]) -> None:
        for sub in list(self.subscribers):
            if sub.overflowed:
                continue
            for row in rows:
                try:
                    sub.queue.put_nowait(row)
                except asyncio.QueueFull:
                    sub.overflowed = True
                    self.dropped += 1
                    log.warning("SSE client fell %d events behind: disconnecting it", QUEUE_SIZE)
                    break

    def needs_resync(self, last_id: int) -> bool:
        """True when events after `last_id` are no longer (or never were) in the log."""
        return last_id < self.db.first_event_id - 1 or last_id > self.db.last_event_id

    async def stream(self, last_id: int | None) -> AsyncIterator[str]:
        """The body of one SSE response."""
        sub = Subscriber()
        self.subscribers.add(sub)  # subscribe first: nothing committed meanwhile is missed
        # Decide where this client starts now, not after the first yield: events committed
        # while the connection is being set up are then in the queue and sent, not skipped.
        resync = last_id is not None and self.needs_resync(last_id)
        sent = self.db.last_event_id if last_id is None or resync else last_id
        carry: list[EventRow] = []  # live events that arrived during the replay
        try:
            yield ": connected\n\n"
            if resync:
                yield resync_frame(sent)
            else:
                while True:
                    rows = self.db.events_after(sent, REPLAY_PAGE)
                    if not rows:
                        break
                    sent = rows[-1][0]
                    # Live events the replay already covers are dropped here, before the
                    # client is sent anything, so a long replay does not fill the queue with
                    # duplicates.
                    carry = [r for r in carry if r[0] > sent]
                    while not sub.queue.empty():
                        row = sub.queue.get_nowait()
                        if row[0] > sent:
                            carry.append(row)
                    if len(carry) > QUEUE_SIZE:
                        sub.overflowed = True
                        self.dropped += 1
                    yield "".join(frame(r) for r in rows)
                    if sub.overflowed:
                        break
                    await asyncio.sleep(0)
            while not sub.overflowed:
                if carry:
                    batch, carry = carry[:MAX_CHUNK], carry[MAX_CHUNK:]
                else:
                    try:
                        first = await asyncio.wait_for(sub.queue.get(), timeout=self.heartbeat)
                    except TimeoutError:
                        yield ": hb\n\n"
                        continue
                    batch = [first]
                while len(batch) < MAX_CHUNK:
                    try:
                        batch.append(sub.queue.get_nowait())
                    except asyncio.QueueEmpty:
                        break
                fresh = [r for r in batch if r[0] > sent]
                if fresh:
                    sent = fresh[-1][0]
                    yield "".join(frame(r) for r in fresh)
        finally:
            self.subscribers.discard(sub)
            with contextlib.suppress(Exception):
                while not sub.queue.empty():
                    sub.queue.get_nowait()
