"""Done-when of issue 3 (client side): SIGKILL the real back-end 5 times while it streams
10,000 events; the console's journal must hold every event exactly once."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from console.api.client import ApiClient
from console.api.errors import ApiError
from console.api.journal import EventJournal
from console.api.session import Session
from console.training.launcher import TrainingProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOTAL = 10_000
KILLS = 5


async def produce(base_url: str, total: int, done: list[int]) -> None:
    """Raise `total` manual alerts (one alert.created event each), riding out the outages.

    Each alert has its own Idempotency-Key, so a POST whose answer was lost in a kill is
    retried without creating a second alert.
    """
    rng = random.Random(3)
    client = ApiClient(base_url, timeout=5.0)
    try:
        while True:
            try:
                await client.login("radio", "radio")
                break
            except ApiError:
                await asyncio.sleep(0.1)

        async def worker() -> None:
            while done[0] < total:
                done[0] += 1
                n = done[0]
                body = {"title": f"Prova {n}", "priority": rng.randint(1, 4), "type": "drill"}
                key = str(uuid.uuid4())
                while True:
                    try:
                        await client.request("POST", "/alerts", json=body, idempotency_key=key)
                        break
                    except ApiError as exc:
                        if not exc.retryable:
                            raise
                        await asyncio.sleep(0.05)

        await asyncio.gather(*(worker() for _ in range(6)))
    finally:
        await client.aclose()


async def until(condition: Callable[[], bool], limit: float) -> None:
    async with asyncio.timeout(limit):
        while True:
            if condition():
                return
            await asyncio.sleep(0.02)


async def backlog_ids(client: ApiClient) -> list[int]:
    ids: list[int] = []
    after = 0
    while True:
        page = await client.request(
            "GET", "/events/backlog", params={"after": after, "limit": 10_000}
        )
        if not page:
            return ids
        ids.extend(int(e["id"]) for e in page)
        after = ids[-1]


@pytest.mark.asyncio
@pytest.mark.timeout(240)
async def test_kill_and_restart_five_times_loses_and_repeats_nothing(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path
) -> None:
    server = make_training_server(heartbeat=2.0)
    session = Session(
        server.base_url,
        state_path=tmp_path / "link.sqlite",
        heartbeat=2.0,
        backoff_cap=1.0,
        start_id=0,
    )
    journal = EventJournal()
    session.router.subscribe("", journal.apply)
    await asyncio.wait_for(session.start("radio", "radio"), 10)
    done = [0]
    producer = asyncio.create_task(produce(server.base_url, TOTAL, done))
    try:
        for kill in range(1, KILLS + 1):
            # Kill while events are flowing: after each sixth of the run has reached us.
            threshold = kill * TOTAL // (KILLS + 1)
            await until(lambda: journal.total >= threshold, 90)  # noqa: B023 (awaited here)
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
        await asyncio.wait_for(producer, 120)
        checker = ApiClient(server.base_url)
        try:
            await checker.login("radio", "radio")
            expected = await backlog_ids(checker)
        finally:
            await checker.aclose()
        await until(lambda: session.stream.last_id >= expected[-1], 60)
    finally:
        producer.cancel()
        await asyncio.gather(producer, return_exceptions=True)
        await asyncio.wait_for(session.stop(), 10)

    stats = session.stream.stats
    assert len(expected) >= TOTAL
    assert len(expected) == len(set(expected))
    assert stats["connects"] >= KILLS + 1  # it really reconnected after every kill
    assert journal.duplicates == 0
    missing = set(expected) - set(journal.seen_ids)
    extra = set(journal.seen_ids) - set(expected)
    assert not missing, f"{len(missing)} events lost, e.g. {sorted(missing)[:5]}"
    assert not extra, f"{len(extra)} events the server never sent, e.g. {sorted(extra)[:5]}"
    assert journal.total == len(expected)
    assert journal.by_type["alert.created"] >= TOTAL
