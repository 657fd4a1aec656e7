from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from console.api.backoff import Backoff
from console.api.client import ApiClient
from console.api.errors import ApiError
from console.api.outbox import FAILED, PENDING, SENT, Outbox
from tests.unit.api.sse_fakes import wait_for


class CommandServer:
    """Applies each Idempotency-Key once, like the contract; can be down or flaky on demand."""

    def __init__(self) -> None:
        self.applied: list[tuple[str, str, dict[str, object]]] = []
        self.keys: set[str] = set()
        self.down = False
        self.flaky: list[int] = []  # statuses to answer before behaving (503, 429, ...)
        self.attempts = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        if self.flaky:
            return httpx.Response(self.flaky.pop(0), json={"title": "busy", "status": 503})
        body = json.loads(request.content) if request.content else {}
        if body.get("action") == "bogus":
            return httpx.Response(
                422, json={"title": "Unprocessable", "status": 422, "detail": "unknown action"}
            )
        if body.get("version") == 1:
            current = {"id": "i1", "version": 2}
            return httpx.Response(
                409,
                json={"title": "Conflict", "status": 409, "detail": "stale", "current": current},
            )
        key = request.headers["idempotency-key"]
        if key not in self.keys:
            self.keys.add(key)
            self.applied.append((key, request.url.path, body))
        return httpx.Response(200, json={"ok": True, "key": key})


def make(path: Path, server: CommandServer | None) -> tuple[Outbox, ApiClient | None]:
    client = (
        ApiClient("http://127.0.0.1:9", transport=httpx.MockTransport(server))
        if server is not None
        else None
    )
    return Outbox(path, client, backoff=Backoff(floor=0.01, cap=0.05)), client


async def shutdown(outbox: Outbox, client: ApiClient | None) -> None:
    await asyncio.wait_for(outbox.stop(), 5)
    outbox.close()
    if client is not None:
        await client.aclose()


@pytest.mark.asyncio
async def test_commands_go_in_order_with_their_keys(tmp_path: Path) -> None:
    server = CommandServer()
    outbox, client = make(tmp_path / "o.sqlite", server)
    sent: list[str] = []
    outbox.command_sent.connect(lambda key, _resp: sent.append(key))
    keys = [outbox.enqueue("post", f"/alerts/a{i}/commands", {"action": "ack"}) for i in range(5)]
    outbox.start()
    try:
        await wait_for(lambda: outbox.pending_count() == 0)
    finally:
        await shutdown(outbox, client)
    assert [k for k, _, _ in server.applied] == keys
    assert [p for _, p, _ in server.applied] == [f"/api/v1/alerts/a{i}/commands" for i in range(5)]
    assert sent == keys


@pytest.mark.asyncio
async def test_outage_and_5xx_keep_order_and_apply_once(tmp_path: Path) -> None:
    server = CommandServer()
    server.down = True
    outbox, client = make(tmp_path / "o.sqlite", server)
    keys = [outbox.enqueue("POST", f"/c/{i}", {"n": i}) for i in range(3)]
    outbox.start()
    try:
        await wait_for(lambda: server.attempts >= 3)  # retried while down
        assert outbox.pending_count() == 3
        head = outbox.commands(PENDING)[0]
        assert head.key == keys[0]
        assert "non raggiungibile" in head.last_error
        server.flaky = [503, 429, 500]
        server.down = False
        outbox.wake()
        await wait_for(lambda: outbox.pending_count() == 0)
    finally:
        await shutdown(outbox, client)
    assert [k for k, _, _ in server.applied] == keys


@pytest.mark.asyncio
async def test_refused_command_fails_with_detail_and_the_queue_moves_on(tmp_path: Path) -> None:
    server = CommandServer()
    outbox, client = make(tmp_path / "o.sqlite", server)
    failed: list[tuple[str, str]] = []
    counts: list[int] = []
    outbox.command_failed.connect(lambda key, detail: failed.append((key, detail)))
    outbox.pending_changed.connect(counts.append)
    first = outbox.enqueue("POST", "/c/1", {"action": "ack"})
    bad = outbox.enqueue("POST", "/c/2", {"action": "bogus"})
    last = outbox.enqueue("POST", "/c/3", {"action": "ack"})
    outbox.start()
    try:
        await wait_for(lambda: outbox.pending_count() == 0)
    finally:
        await shutdown(outbox, client)
    assert failed == [(bad, "unknown action")]
    assert [k for k, _, _ in server.applied] == [first, last]
    assert counts[-1] == 0
    outbox2, _ = make(tmp_path / "o.sqlite", None)
    states = {c.key: (c.state, c.last_error) for c in outbox2.commands()}
    outbox2.close()
    assert states[bad] == (FAILED, "unknown action")
    assert states[first][0] == SENT


@pytest.mark.asyncio
async def test_pending_commands_survive_a_restart(tmp_path: Path) -> None:
    offline, _ = make(tmp_path / "o.sqlite", None)
    keys = [offline.enqueue("POST", f"/c/{i}", {"n": i}) for i in range(4)]
    offline.close()  # the console quits with the commands still queued

    server = CommandServer()
    outbox, client = make(tmp_path / "o.sqlite", server)
    assert outbox.pending_count() == 4
    outbox.start()
    try:
        await wait_for(lambda: outbox.pending_count() == 0)
    finally:
        await shutdown(outbox, client)
    assert [k for k, _, _ in server.applied] == keys
    assert [b for _, _, b in server.applied] == [{"n": i} for i in range(4)]


@pytest.mark.asyncio
async def test_same_key_enqueued_twice_is_one_command(tmp_path: Path) -> None:
    outbox, _ = make(tmp_path / "o.sqlite", None)
    outbox.enqueue("POST", "/c", {}, key="k1")
    outbox.enqueue("POST", "/c", {}, key="k1")
    assert outbox.pending_count() == 1
    outbox.close()


@pytest.mark.asyncio
async def test_conflict_hands_back_the_servers_current_version(tmp_path: Path) -> None:
    server = CommandServer()
    outbox, client = make(tmp_path / "o.sqlite", server)
    rejected: list[tuple[str, ApiError]] = []
    outbox.command_rejected.connect(lambda key, error: rejected.append((key, error)))
    key = outbox.enqueue("PUT", "/incidents/i1", {"version": 1, "type": "x"})
    outbox.start()
    try:
        await wait_for(lambda: outbox.pending_count() == 0)
    finally:
        await shutdown(outbox, client)
    assert [k for k, _ in rejected] == [key]
    error = rejected[0][1]
    assert error.status == 409
    assert error.body is not None
    assert error.body["current"] == {"id": "i1", "version": 2}
    assert error.message.startswith("Conflitto: i dati sono stati modificati")


def test_old_applied_commands_are_pruned_pending_and_failed_kept(tmp_path: Path) -> None:
    outbox, _ = make(tmp_path / "o.sqlite", None)
    for key, state in (("old-sent", SENT), ("old-failed", FAILED), ("old-pending", PENDING)):
        outbox.enqueue("POST", "/c", {}, key=key)
        outbox._db.execute(
            "UPDATE commands SET state = ?, created_at = 0 WHERE key = ?", (state, key)
        )
    outbox.enqueue("POST", "/c", {}, key="new")
    outbox._mark("new", SENT)
    outbox.close()
    reopened, _ = make(tmp_path / "o.sqlite", None)
    keys = [c.key for c in reopened.commands()]
    reopened.close()
    assert keys == ["old-failed", "old-pending", "new"]
