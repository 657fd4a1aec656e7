"""Done-when of issue 6 against the real training back-end: plate hits from the scenario reach
the queue, the operator verifies one visually and hands it over to the Polizia di Stato on the
agency chat; the server ends up with the verification, the assignment and the message. Hits of
one car at several gates fold into one row with a trail and the likely next gates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from console.alerts.actions import ActionRefused, AlertActions
from console.alerts.store import AlertStore
from console.anpr.gates import load_gates
from console.intents import Intents
from console.training.launcher import TrainingProcess
from tests.support import quick_session, until
from widgets.alerts.alarm import Alarm
from widgets.alerts.panel import HANDOVER_CHANNEL, AlertsPanel

pytestmark = [pytest.mark.integration]


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_plate_hits_appear_are_verified_and_handed_over(
    make_training_server: Callable[..., TrainingProcess],
    milano_pack: Path,
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    server = make_training_server(
        scenario=True, layers=[milano_pack], rate_scale=40.0, extra_args=("--seed", "7")
    )
    session = quick_session(server.base_url, tmp_path / "link.sqlite")
    store = AlertStore(gates=load_gates(milano_pack))
    session.router.subscribe("alert.", store.apply)
    try:
        await asyncio.wait_for(session.start("radio", "radio"), 10)
        store.reset(await asyncio.wait_for(session.fetch(AlertStore.SNAPSHOT_PATH), 10))

        def plate_rows() -> list[Any]:
            return [r for r in store.rows() if r.type == "anpr.hotlist" and r.state == "new"]

        await until(lambda: bool(plate_rows()), 40)
        hit = plate_rows()[0]
        assert hit.plate, "the hit carries a normalised plate"
        assert hit.trail
        assert hit.trail[0].gate_name != "sconosciuto"

        intents = Intents()
        drafts: list[tuple[str, str]] = []
        intents.open_channel.connect(lambda ch, draft: drafts.append((ch, draft)))
        actions = AlertActions(store, session.send, "radio")
        panel = AlertsPanel(store, actions, intents)
        panel.queue.alarm = Alarm(muted=True)  # no audio device on the test machine
        qtbot.add_widget(panel)
        panel.open_alert(hit.id)

        # No hand-over before the visual check.
        with pytest.raises(ActionRefused):
            actions.require_confirmed(hit.id)
        panel.act("handover_ps", hit.id, {})
        assert drafts == []

        await actions.assign_to_me(hit.id)
        await actions.verify(hit.id, "confirmed", "Targa e modello coincidono con l'immagine")

        def server_confirmed() -> bool:
            rec = store.get(hit.id)
            return (
                rec is not None
                and rec.payload.get("verification") == "confirmed"
                and rec.owner == "radio"
                and any(a.action == "verify" and a.user == "radio" for a in rec.history)
            )

        await until(server_confirmed, 20)

        panel.act("handover_ps", hit.id, {})
        assert drafts, panel.card.message.text()
        channel, draft = drafts[0]
        assert channel == HANDOVER_CHANNEL
        assert hit.plate_display in draft
        # What the chat panel does with the draft once the operator presses send.
        sent = await asyncio.wait_for(
            session.client.request(
                "POST",
                f"/chat/channels/{channel}/messages",
                json={"text": draft, "alert_id": hit.id},
            ),
            10,
        )
        page = await asyncio.wait_for(
            session.client.request("GET", f"/chat/channels/{channel}/messages"), 10
        )
        messages = page["messages"] if isinstance(page, dict) else page
        assert any(m["id"] == sent["id"] and m["alert_id"] == hit.id for m in messages)

        server_alert = await asyncio.wait_for(session.fetch(f"/alerts/{hit.id}"), 10)
        assert server_alert["payload"]["verification"] == "confirmed"
        assert server_alert["state"] == "assigned"
        assert store.counters["failed"] == 0

        # The scenario shows the same car at another gate later: one row, a trail, next gates.
        def grouped() -> list[Any]:
            return [r for r in store.rows() if len(r.trail) >= 2]

        await until(lambda: bool(grouped()), 45)
        row = grouped()[0]
        assert len({s.gate_id for s in row.trail}) >= 2
        assert row.next_gates, "Area C gate positions are known: a prediction is offered"
        assert all(store.get(m).group_of == row.id for m in row.members)  # type: ignore[union-attr]
    finally:
        await asyncio.wait_for(session.stop(), 10)
