from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from console.api.backoff import Backoff
from console.api.client import ApiClient
from console.api.connection import ConnectionState, LinkState
from console.api.contract import Event
from console.api.errors import ApiError
from console.api.router import EventRouter
from console.api.session import Session
from tests.unit.api.sse_fakes import FakeEvents, frame, wait_for

TOKENS = {
    "access_token": "AT",
    "refresh_token": "RT",
    "expires_in": 900,
    "username": "radio",
    "roles": ["radio"],
}


def ev(i: int, kind: str) -> Event:
    return Event(id=i, event=kind, data={})


def test_router_by_prefix_keeps_order_and_survives_a_bad_subscriber() -> None:
    router = EventRouter()
    units: list[list[int]] = []
    everything: list[list[int]] = []

    def broken(_batch: list[Event]) -> None:
        raise RuntimeError("store bug")

    router.subscribe("unit.", lambda b: units.append([e.id for e in b]))
    router.subscribe("alert.", broken)
    router.subscribe("", lambda b: everything.append([e.id for e in b]))
    router.dispatch([ev(1, "unit.moved"), ev(2, "alert.created"), ev(3, "unit.updated")])
    router.dispatch([ev(4, "chat.message")])
    assert units == [[1, 3]]
    assert everything == [[1, 2, 3], [4]]


class Backend(FakeEvents):
    async def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/auth/token":
            return httpx.Response(200, json=TOKENS)
        if path == "/api/v1/health":
            return httpx.Response(200, json={"status": "ok"})
        if path == "/api/v1/units":
            return httpx.Response(200, json=[{"id": "u1"}])
        if path.startswith("/api/v1/alerts/"):
            return httpx.Response(200, json={"ok": True})
        return await super().__call__(request)


def session_for(backend: Backend, tmp_path: Path) -> Session:
    client = ApiClient("http://127.0.0.1:9", transport=httpx.MockTransport(backend))
    return Session("http://127.0.0.1:9", client=client, state_path=tmp_path / "link.sqlite")


@pytest.mark.asyncio
async def test_session_streams_routes_sends_and_stops_cleanly(tmp_path: Path) -> None:
    backend = Backend([[frame(1, "unit.moved", {}), frame(2, "alert.created", {"priority": 2})]])
    session = session_for(backend, tmp_path)
    alerts: list[Event] = []
    states: list[ConnectionState] = []
    session.router.subscribe("alert.", alerts.extend)
    session.state_changed.connect(states.append)
    before = asyncio.all_tasks()
    await asyncio.wait_for(session.start("radio", "radio"), 5)
    try:
        await wait_for(lambda: [e.id for e in alerts] == [2])
        assert await asyncio.wait_for(session.fetch("/units"), 5) == [{"id": "u1"}]
        session.send("POST", "/alerts/a1/commands", {"action": "ack"})
        await wait_for(lambda: session.outbox.pending_count() == 0)
        assert session.state.state == LinkState.CONNECTED
        assert any(s.state == LinkState.CONNECTED for s in states)
    finally:
        await asyncio.wait_for(session.stop(), 5)
    assert asyncio.all_tasks() == before  # nothing left running
    assert session.client.http.is_closed
    with pytest.raises(ApiError, match="Sessione chiusa"):  # a late timer gets words, not sqlite
        session.send("POST", "/alerts/a1/actions", {"action": "escalate"})


@pytest.mark.asyncio
async def test_start_without_password_needs_a_stored_token(tmp_path: Path) -> None:
    session = session_for(Backend([]), tmp_path)
    try:
        with pytest.raises(ApiError) as info:
            await asyncio.wait_for(session.start("radio"), 5)
        assert "inserire la password" in info.value.message
    finally:
        await asyncio.wait_for(session.stop(), 5)


@pytest.mark.asyncio
async def test_stored_token_resumes_the_session(tmp_path: Path) -> None:
    first = session_for(Backend([]), tmp_path)
    await asyncio.wait_for(first.start("radio", "radio"), 5)
    store = first.tokens
    await asyncio.wait_for(first.stop(), 5)

    backend = Backend([[frame(5, "unit.moved", {})]])
    client = ApiClient("http://127.0.0.1:9", transport=httpx.MockTransport(backend))
    second = Session(
        "http://127.0.0.1:9", client=client, token_store=store, state_path=tmp_path / "l2.sqlite"
    )
    try:
        tokens = await asyncio.wait_for(second.start("radio"), 5)
        assert tokens.access_token == "AT"
        await wait_for(lambda: backend.requests != [])
        assert backend.requests[0].headers["authorization"] == "Bearer AT"
    finally:
        await asyncio.wait_for(second.stop(), 5)


def test_floor_and_hold() -> None:
    router = EventRouter()
    got: list[int] = []
    router.subscribe("unit.", lambda b: got.extend(e.id for e in b))
    router.hold()
    router.dispatch([ev(1, "unit.moved"), ev(2, "unit.moved")])
    assert got == []
    router.set_floor(router._subscribers[0][1], 1)
    router.release()
    router.dispatch([ev(1, "unit.moved"), ev(3, "unit.moved")])
    assert got == [2, 3]


class RecordingStore:
    SNAPSHOT_PATH = "/api/v1/units"
    EVENT_PREFIXES = ("unit.",)

    def __init__(self) -> None:
        self.log: list[object] = []

    def reset(self, items: list[dict[str, object]]) -> None:
        self.log.append(("reset", [i["id"] for i in items]))

    def apply(self, events: list[Event]) -> None:
        self.log.extend(e.id for e in events)


class BrokenSnapshotStore(RecordingStore):
    SNAPSHOT_PATH = "/api/v1/missing"


@pytest.mark.asyncio
async def test_snapshots_and_stream_agree(tmp_path: Path) -> None:
    """Events already inside the snapshot (id <= health.last_event_id) never reach the store
    after it; newer ones do, after the reset; the journal-like catch-all still sees all."""
    gate = asyncio.Event()

    class SnapshotBackend(Backend):
        async def _body(self, frames: list[bytes]) -> AsyncIterator[bytes]:
            yield b"".join(frame(i, "unit.moved", {"id": "u1"}) for i in (9, 10))
            await gate.wait()  # the rest arrives while the snapshot is being fetched
            yield b"".join(frame(i, "unit.moved", {"id": "u1"}) for i in (11, 12, 13))
            await self.release.wait()

        async def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/v1/health":
                return httpx.Response(200, json={"last_event_id": 11})
            if request.url.path == "/api/v1/missing":
                return httpx.Response(404, json={"title": "nope", "status": 404})
            if request.url.path == "/api/v1/units":
                gate.set()
                await asyncio.sleep(0.2)
            return await super().__call__(request)

    client = ApiClient("http://127.0.0.1:9", transport=httpx.MockTransport(SnapshotBackend([])))
    session = Session(
        "http://127.0.0.1:9", client=client, state_path=tmp_path / "link.sqlite", start_id=0
    )
    store, broken = RecordingStore(), BrokenSnapshotStore()
    everything: list[int] = []
    session.router.subscribe("unit.", store.apply)
    session.router.subscribe("unit.", broken.apply)
    session.router.subscribe("", lambda b: everything.extend(e.id for e in b))
    await asyncio.wait_for(session.start("radio", "radio"), 5)
    try:
        await wait_for(lambda: everything == [9, 10])
        failed = await asyncio.wait_for(session.load_snapshots([store, broken]), 5)
        await wait_for(lambda: everything[-1:] == [13])
    finally:
        await asyncio.wait_for(session.stop(), 5)
    assert failed == ["/api/v1/missing"]
    assert store.log == [9, 10, ("reset", ["u1"]), 12, 13]  # 11 is inside the snapshot
    assert broken.log == [9, 10, 11, 12, 13]  # no snapshot: it keeps every event
    assert everything == [9, 10, 11, 12, 13]


@pytest.mark.asyncio
async def test_reconnect_countdown_is_reannounced_every_second(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/token":
            return httpx.Response(200, json=TOKENS)
        raise httpx.ConnectError("refused", request=request)

    client = ApiClient("http://127.0.0.1:9", transport=httpx.MockTransport(refuse))
    session = Session("http://127.0.0.1:9", client=client, state_path=tmp_path / "l.sqlite")
    session.stream.backoff = Backoff(floor=3.0, cap=3.0)  # one long wait to count down
    texts: list[str] = []
    session.state_changed.connect(lambda s: texts.append(s.describe()))
    await asyncio.wait_for(session.start("radio", "radio"), 5)
    try:
        await wait_for(lambda: len([t for t in texts if t.startswith("Riconnessione fra")]) >= 3)
    finally:
        await asyncio.wait_for(session.stop(), 5)
    seconds = [int(t.split()[2]) for t in texts if t.startswith("Riconnessione fra")]
    assert seconds[0] == 3
    assert seconds[1] < seconds[0]  # the same wait, re-announced a second later


@pytest.mark.asyncio
async def test_each_server_has_its_own_outbox_and_cursor(tmp_path: Path) -> None:
    a = Session("http://10.0.0.1:8765", state_path=tmp_path / "link.sqlite")
    b = Session("http://10.0.0.2:8765", state_path=tmp_path / "link.sqlite")
    try:
        a.send("POST", "/alerts/x/actions", {"action": "ack"})
        assert a.outbox.path != b.outbox.path
        assert b.outbox.pending_count() == 0
        a.cursor.save(42)
        assert b.cursor.load() is None
    finally:
        await asyncio.wait_for(a.stop(), 5)
        await asyncio.wait_for(b.stop(), 5)


@pytest.mark.asyncio
async def test_a_first_start_anchors_the_stream_at_the_servers_current_id(tmp_path: Path) -> None:
    class AnchoredBackend(Backend):
        async def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/api/v1/health":
                return httpx.Response(200, json={"last_event_id": 57})
            return await super().__call__(request)

    backend = AnchoredBackend([[frame(57, "unit.moved", {}), frame(58, "unit.moved", {})]])
    session = session_for(backend, tmp_path)
    got: list[int] = []
    session.router.subscribe("", lambda b: got.extend(e.id for e in b))
    await asyncio.wait_for(session.start("radio", "radio"), 5)
    try:
        await wait_for(lambda: got == [58])
    finally:
        await asyncio.wait_for(session.stop(), 5)
    events_request = next(r for r in backend.requests if r.url.path == "/api/v1/events")
    assert events_request.headers["last-event-id"] == "57"
