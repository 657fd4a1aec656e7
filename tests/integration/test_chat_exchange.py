"""Done-when of issue 8 against the real training back-end: two consoles (radio room and the
supervisor) exchange messages with delivery/read receipts; messages written during an outage
arrive once and in order; a flash message escalates until acknowledged, and the ack reaches the
sender."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from console.api.auth import TokenStore
from console.api.session import Session
from console.chat.model import PENDING, SENT
from console.chat.service import ChatService
from console.chat.store import ChatStore
from console.training.launcher import TrainingProcess
from tests.support import MemoryKeyring, until

pytestmark = [pytest.mark.integration]


class FakeClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Desk:
    """The chat parts of one workstation wired to a real Session, as the panel's wiring does."""

    def __init__(self, server: TrainingProcess, tmp: Path, user: str) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.session = Session(
            server.base_url,
            token_store=TokenStore(server.base_url, MemoryKeyring()),
            state_path=tmp / "link.sqlite",
            heartbeat=1.0,
            backoff_cap=0.5,
        )
        self.clock = FakeClock()
        self.store = ChatStore(clock=self.clock, flash_after=30)
        self.service = ChatService(self.store, self.session.send, self.session.fetch, self.post)
        self.store.set_identity(user, "")  # as the wiring does: who we are before the queue shows
        self.service.attach_outbox(self.session.outbox)
        self.session.router.subscribe("chat.", self.store.apply)
        self.escalations: list[tuple[str, int]] = []
        self.store.flash_escalated.connect(lambda m, lvl: self.escalations.append((m, lvl)))

    async def post(self, path: str, body: Any) -> Any:
        return await self.session.client.request("POST", path, json=body)

    async def start(self) -> None:
        tokens = await asyncio.wait_for(self.session.start(self.user, self.user), 15)
        self.store.set_identity(tokens.username, tokens.display_name)
        await asyncio.wait_for(self.service.refresh(), 20)
        await asyncio.wait_for(self.service.announce("online"), 10)

    async def stop(self) -> None:
        await asyncio.wait_for(self.session.stop(), 10)

    def texts(self, channel: str) -> list[str]:
        return [e.message.text for e in self.store.entries(channel)]


@pytest_asyncio.fixture
async def desks(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path, qapp: Any
) -> AsyncIterator[tuple[Desk, Desk, TrainingProcess]]:
    server = make_training_server()
    radio = Desk(server, tmp_path / "radio", "radio")
    supervisor = Desk(server, tmp_path / "supervisor", "supervisor")
    await radio.start()
    await supervisor.start()
    yield radio, supervisor, server
    await radio.stop()
    await supervisor.stop()


@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_two_desks_exchange_messages_with_receipts(desks: Any) -> None:
    radio, supervisor, _server = desks
    assert radio.store.desk == "Operatore sala radio"
    await until(lambda: supervisor.store.presence("Operatore sala radio") == "online", 10)

    assert radio.service.send("sala-radio", "Delta 12 in arrivo in <b>piazza Duomo</b>").ok
    entry = radio.store.entries("sala-radio")[-1]
    assert entry.state == PENDING  # shown at once, before the server has it
    await until(lambda: [e.state for e in radio.store.entries("sala-radio")] == [SENT], 15)
    await until(
        lambda: supervisor.texts("sala-radio") == ["Delta 12 in arrivo in <b>piazza Duomo</b>"], 15
    )
    message_id = radio.store.entries("sala-radio")[-1].id
    # Not on the supervisor's screen: unread there, and the supervisor's console says delivered.
    assert supervisor.store.state_of("sala-radio").unread == 1
    await until(
        lambda: (
            radio.store.ticks("sala-radio").get(message_id) == {"Supervisore di sala": "delivered"}
        ),
        15,
    )

    # The supervisor opens the channel: read, and the radio room's tick turns to read.
    supervisor.store.set_active("sala-radio")
    supervisor.service.visible_channel = "sala-radio"
    assert supervisor.service.mark_read("sala-radio")
    assert supervisor.store.state_of("sala-radio").unread == 0
    await until(
        lambda: radio.store.ticks("sala-radio").get(message_id) == {"Supervisore di sala": "read"},
        15,
    )

    # A reply mentioning the radio room while it looks elsewhere counts as a mention.
    radio.store.set_active("vvf")
    assert supervisor.service.send("sala-radio", "@radio ricevuto, mando la Delta 14").ok
    await until(lambda: radio.store.state_of("sala-radio").mentions == 1, 15)
    assert radio.texts("sala-radio")[-1] == "@radio ricevuto, mando la Delta 14"
    # Both consoles hold the same history, and the server holds each message once.
    page = await asyncio.wait_for(radio.session.fetch("/chat/channels/sala-radio/messages"), 10)
    assert [m["text"] for m in page["messages"]] == radio.texts("sala-radio")


@pytest.mark.asyncio
@pytest.mark.timeout(150)
async def test_messages_written_during_an_outage_arrive_once_in_order(desks: Any) -> None:
    radio, supervisor, server = desks
    await asyncio.to_thread(server.kill)
    texts = [f"Aggiornamento {i}: viale Monza chiuso" for i in (1, 2, 3)]
    for text in texts:
        assert radio.service.send("forze-ordine", text).ok
    assert [(e.message.text, e.state) for e in radio.store.entries("forze-ordine")] == [
        (t, PENDING) for t in texts
    ]
    await until(
        lambda: (
            radio.session.outbox.commands()[-1].attempts >= 1
            or radio.session.outbox.commands()[0].attempts >= 1
        ),
        20,
    )
    assert radio.session.outbox.pending_count() == 3

    await asyncio.to_thread(server.start)
    await until(lambda: [e.state for e in radio.store.entries("forze-ordine")] == [SENT] * 3, 60)
    assert radio.texts("forze-ordine") == texts
    await until(lambda: supervisor.texts("forze-ordine") == texts, 30)
    page = await asyncio.wait_for(radio.session.fetch("/chat/channels/forze-ordine/messages"), 10)
    assert [m["text"] for m in page["messages"]] == texts  # once each, in order
    ids = [m["id"] for m in page["messages"]]
    assert ids == sorted(ids)


@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_flash_escalates_until_acknowledged(desks: Any) -> None:
    radio, supervisor, _server = desks
    assert supervisor.service.send(
        "tutte", "Esondazione Seveso a Niguarda: chiudere via Valfurva", flash=True
    ).ok
    await until(lambda: bool(radio.store.alarms()), 15)
    flash_id = radio.store.alarms()[0].message_id
    await until(lambda: [a.message_id for a in supervisor.store.alarms()] == [flash_id], 15)
    assert radio.store.check_flash() == []  # within the grace period nothing escalates

    radio.clock.offset = timedelta(seconds=31)
    supervisor.clock.offset = timedelta(seconds=31)
    assert [a.level for a in radio.store.check_flash()] == [1]
    assert radio.escalations == [(flash_id, 1)]
    assert [(a.own, a.level) for a in supervisor.store.check_flash()] == [(True, 1)]
    radio.clock.offset = timedelta(seconds=95)
    assert [a.level for a in radio.store.check_flash()] == [3]  # keeps climbing, to the top

    assert radio.service.ack(flash_id)
    assert radio.store.alarms() == []  # stops at once on the desk that confirmed
    await until(lambda: supervisor.store.acks(flash_id) == ["Operatore sala radio"], 15)
    assert supervisor.store.alarms() == []
    assert not radio.service.ack(flash_id)  # a second press sends nothing


GEOCHAT = """<event version="2.0" uid="GeoChat.ANDROID-7.VVF Milano.1" type="b-t-f"
  time="{t}" start="{t}" stale="{s}" how="h-g-i-g-o">
  <point lat="45.4992" lon="9.2245" hae="0" ce="9999999" le="9999999"/>
  <detail><__chat chatroom="VVF Milano" id="VVF Milano" senderCallsign="APS 01">
  <chatgrp uid0="ANDROID-7" uid1="VVF Milano" id="VVF Milano"/></__chat>
  <remarks source="BAO.F.ATAK.ANDROID-7">Fumo visibile da via Padova</remarks></detail></event>"""


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_geochat_lands_in_the_agency_channel_with_its_pin(desks: Any) -> None:
    radio, _supervisor, server = desks
    now = datetime.now(UTC)
    xml = GEOCHAT.format(
        t=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        s=(now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    answer = await asyncio.wait_for(
        radio.session.client.http.post(
            f"{server.base_url}/api/v1/cot",
            content=xml.encode(),
            headers={**radio.session.client.auth_headers(), "Content-Type": "application/xml"},
        ),
        10,
    )
    assert answer.status_code == 200, answer.text
    await until(lambda: "Fumo visibile da via Padova" in radio.texts("vvf"), 15)
    m = radio.store.entries("vvf")[-1].message
    assert (m.desk, m.lat, m.lon) == ("GeoChat - APS 01", 45.4992, 9.2245)
    assert radio.store.state_of("vvf").unread >= 1


@pytest.mark.asyncio
@pytest.mark.timeout(150)
async def test_console_restarted_during_an_outage_still_sends_its_queue(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path, qapp: Any
) -> None:
    server = make_training_server()
    keyring = MemoryKeyring()
    first = Desk(server, tmp_path / "radio", "radio")
    first.session.tokens = TokenStore(server.base_url, keyring)
    await first.start()
    await asyncio.to_thread(server.kill)
    for text in ("Primo", "Secondo"):
        assert first.service.send("coc", text).ok
    await first.stop()  # the console closes with both messages still queued

    again = Desk(server, tmp_path / "radio", "radio")  # same state dir: same outbox file
    again.session.tokens = TokenStore(server.base_url, keyring)
    assert [(e.message.text, e.state) for e in again.store.entries("coc")] == [
        ("Primo", PENDING),
        ("Secondo", PENDING),
    ]
    await asyncio.to_thread(server.start)
    await asyncio.wait_for(again.session.start("radio"), 15)  # the stored token, no password
    try:
        await until(lambda: again.session.outbox.pending_count() == 0, 60)
        page = await asyncio.wait_for(again.session.fetch("/chat/channels/coc/messages"), 10)
        assert [m["text"] for m in page["messages"]] == ["Primo", "Secondo"]
    finally:
        await again.stop()
