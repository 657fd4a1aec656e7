"""Done-when of issue 3 (client side): SIGKILL the real back-end 5 times while it streams
10,000 events; the console's journal must hold every event exactly once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from console.api.client import ApiClient
from console.api.journal import EventJournal
from console.api.session import Session
from console.training.launcher import TrainingProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOTAL = 10_000
KILLS = 5
log = logging.getLogger(__name__)

RATE_SCALE = 50.0  # the seeded Milan scenario at ~1,000 events/s on this kind of machine


async def until(condition: Callable[[], bool], limit: float) -> None:
    async with asyncio.timeout(limit):
        while True:
            if condition():
                return
            await asyncio.sleep(0.02)


async def backlog_ids(client: ApiClient, upto: int) -> list[int]:
    """Every id the server logged, up to `upto`, from its own event log."""
    ids: list[int] = []
    after = 0
    while after < upto:
        page = await client.request(
            "GET", "/events/backlog", params={"after": after, "limit": 10_000}
        )
        if not page:
            break
        ids.extend(int(e["id"]) for e in page)
        after = ids[-1]
    return [i for i in ids if i <= upto]


@pytest.mark.asyncio
@pytest.mark.timeout(240)
async def test_kill_and_restart_five_times_loses_and_repeats_nothing(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path
) -> None:
    server = make_training_server(scenario=True, rate_scale=RATE_SCALE, heartbeat=2.0)
    session = Session(
        server.base_url,
        state_path=tmp_path / "link.sqlite",
        heartbeat=2.0,
        backoff_cap=1.0,
        start_id=0,  # from the first event the server ever logged
    )
    journal = EventJournal()
    session.router.subscribe("", journal.apply)
    kill_points: list[int] = []
    began = time.monotonic()
    await asyncio.wait_for(session.start("radio", "radio"), 20)
    try:
        for kill in range(1, KILLS + 1):
            # Kill while events are flowing, after each sixth of the run has reached us.
            threshold = kill * TOTAL // (KILLS + 1)
            await until(lambda: journal.total >= threshold, 90)  # noqa: B023 (awaited here)
            kill_points.append(session.stream.last_id)
            await asyncio.to_thread(server.kill)
            down = time.monotonic()
            await asyncio.to_thread(server.start)
            log.info(
                "kill %d at id %d, t=%.1f s; back in %.1f s",
                kill,
                kill_points[-1],
                down - began,
                time.monotonic() - down,
            )
        await until(lambda: journal.total >= TOTAL, 90)
        upto = session.stream.last_id
        checker = ApiClient(server.base_url)
        try:
            await checker.login("radio", "radio")
            expected = await backlog_ids(checker, upto)
        finally:
            await checker.aclose()
    finally:
        await asyncio.wait_for(session.stop(), 10)

    stats = session.stream.stats
    log.info(
        "%d events checked in %.1f s; stream stats %s; types %s",
        len(expected),
        time.monotonic() - began,
        dict(stats),
        dict(journal.by_type),
    )
    received = {i for i in journal.seen_ids if i <= upto}
    missing = set(expected) - received
    extra = received - set(expected)
    assert len(expected) >= TOTAL
    assert len(kill_points) == KILLS
    assert stats["connects"] >= KILLS + 1  # it really reconnected after every kill
    assert journal.duplicates == 0
    assert not missing, f"{len(missing)} events lost, e.g. {sorted(missing)[:5]}"
    assert not extra, f"{len(extra)} events the server never logged, e.g. {sorted(extra)[:5]}"
    assert len(received) == len(expected)
    # The scenario's mix reached the journal, not just one kind of event.
    assert journal.by_type["unit.moved"] > 0
    assert len(journal.by_type) >= 3
