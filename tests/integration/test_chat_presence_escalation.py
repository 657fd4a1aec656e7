"""Issue 8's last gaps against the real training back-end: a console's presence follows its
operator (away after idling, online at the next key, offline at a clean close, offline on the
server's own when it crashes), and a flash nobody acknowledges is escalated by the back-end to the
supervisor until a desk acknowledges it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import pytest_asyncio
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from console.api.auth import TokenStore
from console.api.session import Session
from console.status import StatusModel
from console.training.chat_watch import ESCALATE_ENV, PRESENCE_TTL_ENV, SUPERVISOR_CHANNEL
from console.training.launcher import TrainingProcess
from tests.integration.test_chat_exchange import Desk
from tests.support import MemoryKeyring, until
from widgets.chat.wiring import ChatLink, chat_for

pytestmark = [pytest.mark.integration]

SUPERVISOR = "Supervisore di sala"
RADIO = "Operatore sala radio"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest_asyncio.fixture
async def room(
    make_training_server: Callable[..., TrainingProcess],
    tmp_path: Path,
    qapp: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Desk, Any, TrainingProcess]]:
    monkeypatch.setenv(ESCALATE_ENV, "3")
    monkeypatch.setenv(PRESENCE_TTL_ENV, "8")
    server = make_training_server()
    radio = Desk(server, tmp_path / "radio", "radio")
    await radio.start()
    session = Session(
        server.base_url,
        token_store=TokenStore(server.base_url, MemoryKeyring()),
        state_path=tmp_path / "supervisor.sqlite",
        heartbeat=1.0,
        backoff_cap=0.5,
    )
    await asyncio.wait_for(session.start("supervisor", "supervisor"), 15)
    # The supervisor's workstation as the console builds it: panels' wiring, status strip.
    ctx = SimpleNamespace(services={"status": StatusModel()}, operator="supervisor")
    chat_for(ctx)
    link = ctx.services["chat_link"]
    assert isinstance(link, ChatLink)
    link.tracker.clock = Clock()
    ctx.services["session"] = session
    link.try_link()
    yield radio, ctx, server
    link.tracker.stop()
    await asyncio.wait_for(session.stop(), 10)
    await radio.stop()


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_presence_follows_the_operator_and_a_clean_close(room: Any, qtbot: Any) -> None:
    radio, ctx, _server = room
    link = ctx.services["chat_link"]
    await until(lambda: radio.store.presence(SUPERVISOR) == "online", 15)

    link.tracker.clock.t += 299
    link.tracker.check_idle()
    assert link.tracker.status == "online"  # not yet five minutes without input
    link.tracker.clock.t += 2
    link.tracker.check_idle()
    await until(lambda: radio.store.presence(SUPERVISOR) == "away", 15)
    seen = radio.store.presence_of(SUPERVISOR)
    assert seen is not None
    assert seen.since is not None  # the header's "ultimo contatto"

    box = QLineEdit()
    qtbot.add_widget(box)
    QTest.keyClick(box, Qt.Key.Key_A)  # any key anywhere in the application
    assert link.tracker.status == "online"
    await until(lambda: radio.store.presence(SUPERVISOR) == "online", 15)

    await asyncio.wait_for(link.sign_off(), 10)
    await until(lambda: radio.store.presence(SUPERVISOR) == "offline", 15)
    gone = radio.store.presence_of(SUPERVISOR)
    assert gone is not None
    assert gone.since == gone.at  # said by the console itself, not timed out by the server


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_a_crashed_console_goes_offline_on_the_server(room: Any) -> None:
    radio, ctx, _server = room
    store = ctx.services["chat"]
    await until(lambda: store.presence(RADIO) == "online", 15)
    said = store.presence_of(RADIO)
    assert said is not None
    await radio.stop()  # gone without a word, like a crash or a cut cable
    for _ in range(5):  # the supervisor's own heartbeat keeps it online meanwhile
        await asyncio.sleep(2)
        ctx.services["chat_link"].tracker.beat()
    await until(lambda: store.presence(RADIO) == "offline", 30)
    gone = store.presence_of(RADIO)
    assert gone is not None
    assert gone.at >= said.at  # its last contact
    assert gone.since is not None
    assert gone.since > gone.at  # noticed by the server afterwards
    assert store.presence(SUPERVISOR) == "online"


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_back_end_escalates_an_unacknowledged_flash_to_the_supervisor(room: Any) -> None:
    radio, ctx, _server = room
    store, service = ctx.services["chat"], ctx.services["chat_service"]
    status: StatusModel = ctx.services["status"]
    await until(lambda: radio.store.presence(SUPERVISOR) == "online", 15)
    assert radio.service.send("tutte", "Esondazione Seveso a Niguarda", flash=True).ok
    await until(lambda: bool(store.escalations()), 30)
    first = store.escalations()[0]
    assert first.desk == RADIO
    assert first.level >= 1
    assert SUPERVISOR in first.pending
    assert any("Supervisore avvisato" in n.text for n in status.notices)
    await until(lambda: store.channel(SUPERVISOR_CHANNEL) is not None, 15)
    await until(lambda: bool(store.entries(SUPERVISOR_CHANNEL)), 15)
    notice = store.entries(SUPERVISOR_CHANNEL)[-1].message.text
    assert first.message_id in notice
    assert SUPERVISOR in notice

    assert service.ack(first.message_id)
    await until(lambda: store.escalations() == [], 15)
    await until(lambda: "confermato da" in store.entries(SUPERVISOR_CHANNEL)[-1].message.text, 15)
