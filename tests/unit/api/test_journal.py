from __future__ import annotations

import random

from console.api.contract import Event
from console.api.journal import EventJournal, IdRanges


def ev(i: int, kind: str = "unit.moved") -> Event:
    return Event(id=i, event=kind, data={"n": i})


def test_id_ranges_match_a_plain_set_under_random_inserts() -> None:
    rng = random.Random(11)
    ranges, plain = IdRanges(), set()
    for _ in range(5000):
        value = rng.randint(0, 800)
        assert ranges.add(value) == (value not in plain)
        plain.add(value)
    assert len(ranges) == len(plain)
    assert set(ranges) == plain
    assert all(v in ranges for v in plain)
    assert 801 not in ranges
    starts = [a for a, _ in ranges.ranges()]
    assert starts == sorted(starts)


def test_monotonic_ids_collapse_to_one_range() -> None:
    ranges = IdRanges()
    for i in range(1, 10_001):
        ranges.add(i)
    assert ranges.ranges() == [(1, 10_000)]


def test_apply_is_idempotent_and_counts_duplicates() -> None:
    journal = EventJournal(capacity=3)
    emitted: list[list[Event]] = []
    journal.events_added.connect(emitted.append)
    journal.apply([ev(1), ev(2, "alert.created"), ev(3)])
    journal.apply([ev(2), ev(3), ev(4)])
    journal.apply([ev(4)])
    assert journal.total == 4
    assert journal.duplicates == 3
    assert [e.id for e in journal.recent()] == [2, 3, 4]  # ring buffer keeps the last 3
    assert [[e.id for e in batch] for batch in emitted] == [[1, 2, 3], [4]]
    assert journal.by_type == {"unit.moved": 3, "alert.created": 1}


def test_bad_items_are_counted_not_raised() -> None:
    journal = EventJournal()
    journal.reset([{"id": 1, "event": "x", "data": {}}, {"id": "nope"}, {"event": "y"}])
    assert journal.total == 1
    assert journal.rejected == 2
    journal.apply(["garbage", ev(2)])
    assert journal.total == 2
    assert journal.rejected == 3
