"""Done-when of issue 3 (client side): commands issued while the back-end is down are applied
exactly once after it returns, also when the console itself restarts in between."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from console.api.client import ApiClient
from console.api.connection import LinkState
from console.api.errors import ApiError
from console.api.outbox import FAILED, SENT
from console.api.session import Session
from console.training.launcher import TrainingProcess
from tests.support import MemoryKeyring, quick_session, until

pytestmark = [pytest.mark.integration]


@pytest.mark.asyncio
@pytest.mark.timeout(240)
async def test_commands_queued_offline_apply_once_across_a_console_restart(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path
) -> None:
    server = make_training_server()
    ring = MemoryKeyring()
    state = tmp_path / "link.sqlite"

    # A console logs in and an alert arrives.
    first = quick_session(server.base_url, state, ring)
    await asyncio.wait_for(first.start("radio", "radio"), 30)
    alert = await asyncio.wait_for(
        first.client.request("POST", "/alerts", json={"title": "Allagamento sottopasso"}), 10
    )
    path = f"/alerts/{alert['id']}/actions"

    # The back-end dies; the operator keeps working.
    await asyncio.to_thread(server.kill)
    first.send("POST", path, {"action": "ack"})
    first.send("POST", path, {"action": "escalate", "reason": "acqua in aumento"})
    refused = first.send("POST", path, {"action": "snooze"})  # no `until`: the server says 422
    first.send("POST", path, {"action": "assign", "owner": "supervisor"})
    await until(lambda: first.outbox.commands()[0].attempts >= 2, 60)  # tried, and waits
    await until(lambda: first.state.state in (LinkState.RECONNECTING, LinkState.OFFLINE), 60)
    assert first.state.pending_commands == 4
    assert "4 comandi in attesa" in first.state.describe()
    await asyncio.wait_for(first.stop(), 10)  # the console is closed with 4 commands queued

    # A new console starts while the back-end is still down: token from the keyring, no password.
    second = quick_session(server.base_url, state, ring)
    failed: list[tuple[str, str]] = []
    second.outbox.command_failed.connect(lambda key, detail: failed.append((key, detail)))
    try:
        await asyncio.wait_for(second.start("radio"), 30)
        assert second.outbox.pending_count() == 4
        await asyncio.to_thread(server.start)  # the back-end returns
        await until(lambda: second.outbox.pending_count() == 0, 60)
        final = await asyncio.wait_for(second.fetch(f"/alerts/{alert['id']}"), 30)
        await until(lambda: second.state.state == LinkState.CONNECTED, 60)
    finally:
        await asyncio.wait_for(second.stop(), 30)

    actions = [h["action"] for h in final["history"]]
    assert actions.count("ack") == 1
    assert actions.count("escalate") == 1
    assert actions.count("assign") == 1
    assert "snooze" not in actions
    # In the order the operator gave them.
    assert [a for a in actions if a in ("ack", "escalate", "assign")] == [
        "ack",
        "escalate",
        "assign",
    ]
    assert final["owner"] == "supervisor"
    assert [k for k, _ in failed] == [refused]
    assert "snooze" in failed[0][1]  # the server's own words reach the operator

    # Replaying the same keys again (e.g. a crash right after sending) changes nothing.
    reread = Session(server.base_url, state_path=state)
    try:
        commands = reread.outbox.commands()
        assert [c.state for c in commands] == [SENT, SENT, FAILED, SENT]
    finally:
        await asyncio.wait_for(reread.stop(), 30)
    checker = ApiClient(server.base_url)
    try:
        await checker.login("radio", "radio")
        for command in commands:
            with contextlib.suppress(ApiError):
                await checker.request(
                    command.method, command.path, json=command.body, idempotency_key=command.key
                )
        again = await checker.request("GET", f"/alerts/{alert['id']}")
    finally:
        await checker.aclose()
    assert [h["action"] for h in again["history"]] == actions
