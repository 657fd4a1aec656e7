"""SSE fan-out: replay, live hand-over without gaps or duplicates, and slow clients cut loose."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import cast

import pytest

from console.training import events
from console.training.db import Database
from console.training.events import EventHub


def _ids(chunks: list[str]) -> list[int]:
    return [int(line[4:]) for chunk in chunks for line in chunk.splitlines()
            if line.startswith("id: ")]


def _commit(db: Database, n: int) -> None:
    with db.tx() as tx:
        for i in range(n):
            tx.emit("e", {"i": i})


@pytest.mark.asyncio
async def test_replay_then_live_without_gaps_or_duplicates(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.sqlite")
    hub = EventHub(db, heartbeat=0.05)
    db.on_commit = hub.publish
    _commit(db, 2500)  # more than one replay page
    stream = cast(AsyncGenerator[str, None], hub.stream(100))
    chunks = [await asyncio.wait_for(anext(stream), 5)]
    assert chunks[0] == ": connected\n\n"
    _commit(db, 10)  # committed while the client is still replaying
    while len(_ids(chunks)) < 2410:
        chunks.append(await asyncio.wait_for(anext(stream), 5))
    assert _ids(chunks) == list(range(101, 2511))
    chunks.append(await asyncio.wait_for(anext(stream), 5))
    assert chunks[-1] == ": hb\n\n"
    await stream.aclose()
    assert hub.subscribers == set()


@pytest.mark.asyncio
async def test_a_client_too_far_behind_is_disconnected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "QUEUE_SIZE", 50)
    db = Database(tmp_path / "t.sqlite")
    hub = EventHub(db, heartbeat=5)
    db.on_commit = hub.publish
    slow = hub.stream(None)
    fast = cast(AsyncGenerator[str, None], hub.stream(None))
    assert await asyncio.wait_for(anext(slow), 5) == ": connected\n\n"
    assert await asyncio.wait_for(anext(fast), 5) == ": connected\n\n"
    received: list[str] = []
    for _ in range(4):  # the fast client keeps up with bursts of 40
        _commit(db, 40)
        received.append(await asyncio.wait_for(anext(fast), 5))
    assert _ids(received) == list(range(1, 161))
    assert hub.dropped == 1  # the slow one fell more than 50 behind
    got: list[str] = []
    ended = False
    for _ in range(10):  # ... so its stream ends after what it already has (it resumes by id)
        try:
            got.append(await asyncio.wait_for(anext(slow), 5))
        except StopAsyncIteration:
            ended = True
            break
    assert ended
    ids = _ids(got)
    assert ids == list(range(1, len(ids) + 1))  # what it did get has no gap
    await fast.aclose()
