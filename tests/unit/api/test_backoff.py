from __future__ import annotations

import random

from console.api.backoff import Backoff


def test_delays_stay_within_floor_and_cap_and_grow() -> None:
    backoff = Backoff(floor=0.5, cap=30.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(200)]
    assert all(0.5 <= d <= 30.0 for d in delays)
    assert delays[0] == 0.5  # first retry is quick
    # Full jitter: late delays spread over the whole range, not pinned to the cap.
    late = delays[20:]
    assert max(late) > 20.0
    assert min(late) < 10.0


def test_ceiling_doubles_until_cap() -> None:
    backoff = Backoff(floor=0.5, cap=30.0, rng=random.Random(1))
    ceilings = []
    for _ in range(10):
        ceilings.append(backoff.ceiling())
        backoff.next_delay()
    assert ceilings[:7] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert ceilings[-1] == 30.0


def test_reset_after_healthy_connection_starts_short_again() -> None:
    backoff = Backoff(rng=random.Random(3))
    for _ in range(15):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.5
    assert backoff.next_delay() <= 1.0


def test_long_outage_does_not_overflow() -> None:
    backoff = Backoff(rng=random.Random(5))
    for _ in range(100_000):
        delay = backoff.next_delay()
    assert 0.5 <= delay <= 30.0
