"""Hands each store the events it cares about, by event-type prefix, in stream order."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from console.api.contract import Event

log = logging.getLogger(__name__)

Callback = Callable[[list[Event]], None]


class EventRouter:
    def __init__(self) -> None:
        self._subscribers: list[tuple[str, Callback]] = []

    def subscribe(self, prefix: str, callback: Callback) -> None:
        """`callback` gets every batch's events whose type starts with `prefix` ("" = all)."""
        self._subscribers.append((prefix, callback))

    def unsubscribe(self, callback: Callback) -> None:
        self._subscribers = [(p, c) for p, c in self._subscribers if c != callback]

    def dispatch(self, events: Sequence[Event]) -> None:
        for prefix, callback in list(self._subscribers):
            batch = [e for e in events if e.event.startswith(prefix)] if prefix else list(events)
            if not batch:
                continue
            try:
                callback(batch)
            except Exception:  # one faulty store must not starve the others
                log.exception("event subscriber for %r failed", prefix)
