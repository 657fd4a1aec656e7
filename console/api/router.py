"""Hands each store the events it cares about, by event-type prefix, in stream order.

It also keeps snapshots and the stream consistent: while snapshots load, delivery is held; a
store whose snapshot was taken at event id H never again receives an event <= H (the snapshot
already contains it, and applying it after the snapshot would bring back older state).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from console.api.contract import Event

log = logging.getLogger(__name__)

Callback = Callable[[list[Event]], None]


class EventRouter:
    def __init__(self) -> None:
        self._subscribers: list[tuple[str, Callback]] = []
        self._floors: dict[Callback, int] = {}
        self._held: list[Event] | None = None

    def subscribe(self, prefix: str, callback: Callback) -> None:
        """`callback` gets every batch's events whose type starts with `prefix` ("" = all)."""
        self._subscribers.append((prefix, callback))

    def unsubscribe(self, callback: Callback) -> None:
        self._subscribers = [(p, c) for p, c in self._subscribers if c != callback]
        self._floors.pop(callback, None)

    def set_floor(self, callback: Callback, event_id: int) -> None:
        """From now on `callback` only gets events with an id above `event_id`."""
        self._floors[callback] = event_id

    def hold(self) -> None:
        """Buffer deliveries (e.g. while snapshots load) until `release()`."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        held, self._held = self._held, None
        if held:
            self.dispatch(held)

    def dispatch(self, events: Sequence[Event]) -> None:
        if self._held is not None:
            self._held.extend(events)
            return
        for prefix, callback in list(self._subscribers):
            floor = self._floors.get(callback)
            batch = [
                e
                for e in events
                if (not prefix or e.event.startswith(prefix)) and (floor is None or e.id > floor)
            ]
            if not batch:
                continue
            try:
                callback(batch)
            except Exception:  # one faulty store must not starve the others
                log.exception("event subscriber for %r failed", prefix)
