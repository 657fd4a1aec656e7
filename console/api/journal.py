"""The console-side record of every raw event the back-end sent ("Registro eventi").

Besides feeding the event log panel, the journal is the proof that the link loses and repeats
nothing: it keeps exact counters and the complete set of ids it has seen (as merged ranges, so a
12-hour shift of monotonic ids costs a few bytes, not a Python int per event).
"""

from __future__ import annotations

import bisect
import logging
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from console.api.contract import Event

log = logging.getLogger(__name__)


class IdRanges:
    """A set of integer ids stored as sorted, merged, inclusive [start, end] ranges."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        i = bisect.bisect_right(self._starts, value) - 1
        return i >= 0 and self._ends[i] >= value

    def add(self, value: int) -> bool:
        """Add `value`; False when it was already present."""
        i = bisect.bisect_right(self._starts, value) - 1
        if i >= 0 and self._ends[i] >= value:
            return False
        self._count += 1
        joins_left = i >= 0 and self._ends[i] == value - 1
        joins_right = i + 1 < len(self._starts) and self._starts[i + 1] == value + 1
        if joins_left and joins_right:
            self._ends[i] = self._ends[i + 1]
            del self._starts[i + 1], self._ends[i + 1]
        elif joins_left:
            self._ends[i] = value
        elif joins_right:
            self._starts[i + 1] = value
        else:
            self._starts.insert(i + 1, value)
            self._ends.insert(i + 1, value)
        return True

    def ranges(self) -> list[tuple[int, int]]:
        return list(zip(self._starts, self._ends, strict=True))

    def __iter__(self) -> Iterator[int]:
        for start, end in zip(self._starts, self._ends, strict=True):
            yield from range(start, end + 1)

    def clear(self) -> None:
        self._starts.clear()
        self._ends.clear()
        self._count = 0


class EventJournal(QObject):
    """Raw event store, idempotent by event id.

    Signals:
        events_added(list[Event]): the events of one applied batch that were new, in order.
    """

    SNAPSHOT_PATH: str | None = None  # no snapshot: the journal only records what streams by
    EVENT_PREFIXES: tuple[str, ...] = ("",)

    events_added = Signal(list)

    def __init__(self, capacity: int = 5000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._recent: deque[Event] = deque(maxlen=capacity)
        self._seen = IdRanges()
        self.by_type: Counter[str] = Counter()
        self.duplicates = 0
        self.rejected = 0

    @property
    def total(self) -> int:
        """Distinct events recorded since start."""
        return len(self._seen)

    @property
    def seen_ids(self) -> IdRanges:
        return self._seen

    def recent(self) -> list[Event]:
        """The last `capacity` events, oldest first."""
        return list(self._recent)

    def reset(self, items: list[dict[str, object]]) -> None:
        """Replace the journal with `items` (events as dicts); bad items are logged and counted."""
        self._recent.clear()
        self._seen.clear()
        self.by_type.clear()
        self.duplicates = 0
        self.rejected = 0
        events: list[Event] = []
        for item in items:
            try:
                events.append(Event.model_validate(item))
            except ValidationError as exc:
                self.rejected += 1
                log.warning("journal: bad event skipped: %s", exc.errors()[:1])
        self.apply(events)

    def apply(self, events: Sequence[object] | Iterable[object]) -> None:
        """Record new events; ids already seen are counted as duplicates and dropped."""
        added: list[Event] = []
        for event in events:
            if not isinstance(event, Event):
                self.rejected += 1
                log.warning("journal: not an Event, skipped: %r", type(event).__name__)
                continue
            if not self._seen.add(event.id):
                self.duplicates += 1
                continue
            self._recent.append(event)
            self.by_type[event.event] += 1
            added.append(event)
        if added:
            self.events_added.emit(added)
