from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from console.api.backoff import Backoff
from console.api.client import ApiClient
from console.api.connection import ConnectionState, LinkState
from console.api.contract import Event, TokenResponse
from console.api.cursor import EventCursor
from console.api.sse import EventStream, is_priority
from tests.unit.api.sse_fakes import FakeEvents, frame, wait_for

FAST = Backoff(floor=0.01, cap=0.02)


@contextlib.asynccontextmanager
async def streaming(
    fake: FakeEvents | httpx.MockTransport, tmp_path: Path, **kwargs: object
) -> AsyncIterator[tuple[EventStream, list[list[Event]]]]:
    transport = fake if isinstance(fake, httpx.MockTransport) else httpx.MockTransport(fake)
    client = ApiClient("http://127.0.0.1:9", transport=transport)
    cursor = EventCursor(client.server_label, tmp_path / "link.sqlite")
    options: dict[str, object] = {"backoff": Backoff(floor=0.01, cap=0.02)} | kwargs
    stream = EventStream(client, cursor, **options)  # type: ignore[arg-type]
    batches: list[list[Event]] = []
    stream.events_received.connect(batches.append)
    stream.start()
    try:
        yield stream, batches
    finally:
        await asyncio.wait_for(stream.stop(), 5)
        await client.aclose()
        cursor.close()


def ids(batches: list[list[Event]]) -> list[int]:
    return [e.id for batch in batches for e in batch]


@pytest.mark.asyncio
async def test_dedup_malformed_unknown_and_resume(tmp_path: Path) -> None:
    fake = FakeEvents(
        [
            [
                frame(1, "unit.moved", {"id": "u1"}),
                frame(2, "weird.future.type", {"x": 1}),
                frame("abc", "unit.moved", {"id": "u1"}),
                frame(3, "unit.moved", "{not json"),
                frame(2, "weird.future.type", {"x": 1}),
                frame(4, "unit.moved", "[1, 2]"),
                b'id: 5\nevent: alert.updated\ndata: {"id":\n data: "a1"}\n\n',
                frame(6, "alert.updated", {"id": "a1"}),
                frame(7, "unit.moved", {"blob": "x" * 1_200_000}),
            ],
            [frame(6, "alert.updated", {"id": "a1"}), frame(8, "chat.message", {"id": "m"})],
        ],
        hang=False,
    )
    async with streaming(fake, tmp_path, start_id=0) as (stream, batches):
        await wait_for(lambda: 8 in ids(batches))
    assert ids(batches) == [1, 2, 6, 8]
    assert [e.event for b in batches for e in b][1] == "weird.future.type"  # delivered as is
    # bad id, bad JSON, not an object, broken continuation line, oversized
    assert stream.stats["malformed"] == 5
    assert stream.stats["duplicates"] == 2
    assert fake.requests[0].headers["last-event-id"] == "0"
    assert fake.requests[1].headers["last-event-id"] == "7"
    # The position survives a restart.
    cursor = EventCursor("http://127.0.0.1:9", tmp_path / "link.sqlite")
    assert cursor.load() == 8
    cursor.close()


@pytest.mark.asyncio
async def test_without_saved_position_the_stream_starts_live(tmp_path: Path) -> None:
    fake = FakeEvents([[frame(41, "unit.moved", {})]])
    async with streaming(fake, tmp_path) as (_stream, batches):
        await wait_for(lambda: ids(batches) == [41])
    assert "last-event-id" not in fake.requests[0].headers


@pytest.mark.asyncio
async def test_priority_goes_at_once_and_the_rest_waits_for_the_next_tick(
    tmp_path: Path,
) -> None:
    fake = FakeEvents(
        [
            [
                frame(1, "unit.moved", {"id": "u1"}),
                frame(2, "alert.created", {"id": "a1", "priority": 1}),
                frame(3, "unit.moved", {"id": "u2"}),
            ]
        ]
    )
    # One tick per hour: only a priority event can be delivered during this test.
    async with streaming(fake, tmp_path, start_id=0, max_rate_hz=1 / 3600) as (stream, batches):
        await wait_for(lambda: len(batches) == 1)
        await wait_for(lambda: stream.last_id == 3)
        assert ids(batches) == [1, 2]  # order kept: what came before the P1 goes with it
    # Event 3 was received but never delivered: the saved position must not include it.
    cursor = EventCursor("http://127.0.0.1:9", tmp_path / "link.sqlite")
    assert cursor.load() == 2
    cursor.close()


@pytest.mark.asyncio
async def test_bulk_is_coalesced(tmp_path: Path) -> None:
    frames = [frame(i, "unit.moved", {"id": f"u{i % 7}"}) for i in range(1, 2001)]
    fake = FakeEvents([frames])
    async with streaming(fake, tmp_path, start_id=0) as (_stream, batches):
        await wait_for(lambda: len(ids(batches)) == 2000)
    assert ids(batches) == list(range(1, 2001))
    assert len(batches) < 100  # a few coalesced batches, not 2,000 signals


def test_priority_rules() -> None:
    assert is_priority(Event(id=1, event="alert.created", data={"priority": 1}))
    assert not is_priority(Event(id=1, event="alert.created", data={"priority": 2}))
    assert is_priority(Event(id=1, event="unit.updated", data={"emergency": True}))
    assert not is_priority(Event(id=1, event="unit.moved", data={}))
    assert is_priority(Event(id=1, event="chat.message", data={"flash": True}))
    assert not is_priority(Event(id=1, event="chat.message", data={"flash": False}))


@pytest.mark.asyncio
async def test_resync(tmp_path: Path) -> None:
    fake = FakeEvents(
        [
            [
                frame(50, "resync", {"last_event_id": 50}),
                frame(51, "unit.moved", {}),
            ]
        ]
    )
    resyncs: list[bool] = []
    async with streaming(fake, tmp_path, start_id=3) as (stream, batches):
        stream.resync_required.connect(lambda: resyncs.append(True))
        await wait_for(lambda: ids(batches) == [51])
    assert resyncs == [True]
    assert stream.stats["resyncs"] == 1


@pytest.mark.asyncio
async def test_unreachable_server_goes_reconnecting_then_offline(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    states: list[ConnectionState] = []
    async with streaming(httpx.MockTransport(refuse), tmp_path, offline_after=2) as (stream, _):
        stream.state_changed.connect(states.append)
        await wait_for(lambda: stream.state.state == LinkState.OFFLINE)
    kinds = [s.state for s in states]
    assert LinkState.RECONNECTING in kinds
    offline = next(s for s in states if s.state == LinkState.OFFLINE)
    assert offline.offline_since is not None
    assert offline.describe().startswith("Non in linea dalle ")
    assert "non raggiungibile" in offline.detail
    assert stream.stats["failed_attempts"] >= 3
    assert stream.stats["disconnects"] == 0


@pytest.mark.asyncio
async def test_expired_token_on_the_stream_is_refreshed(tmp_path: Path) -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/refresh":
            body = {
                "access_token": "NEW",
                "refresh_token": "R2",
                "expires_in": 60,
                "username": "radio",
                "roles": ["radio"],
            }
            return httpx.Response(200, json=body)
        seen.append(request.headers.get("authorization", ""))
        if request.headers.get("authorization") != "Bearer NEW":
            return httpx.Response(401, json={"title": "expired", "status": 401})
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=frame(9, "unit.moved", {})
        )

    transport = httpx.MockTransport(handler)
    async with streaming(transport, tmp_path, start_id=0) as (stream, batches):
        stream._client.use_tokens(
            TokenResponse(
                access_token="OLD",
                refresh_token="R1",
                expires_in=60,
                username="radio",
                roles=["radio"],
            )
        )
        await wait_for(lambda: ids(batches) == [9])
    assert seen[:2] == ["Bearer OLD", "Bearer NEW"]


@pytest.mark.asyncio
async def test_silent_connection_is_declared_dead(tmp_path: Path) -> None:
    """A real socket that sends one event and then nothing, not even heartbeats."""
    connections = 0

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n")
        writer.write(frame(connections, "unit.moved", {}))
        await writer.drain()
        with contextlib.suppress(Exception):
            await reader.read()  # hold the socket open, silent, until the client drops it
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = ApiClient(f"http://127.0.0.1:{port}")
    cursor = EventCursor(client.server_label, tmp_path / "link.sqlite")
    stream = EventStream(client, cursor, heartbeat=0.1, backoff=FAST, start_id=0)
    stream.start()
    try:
        await wait_for(lambda: stream.stats["dead_connections"] >= 2)
        assert connections >= 2
        assert stream.last_id >= 2
    finally:
        await asyncio.wait_for(stream.stop(), 5)
        await client.aclose()
        cursor.close()
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)
