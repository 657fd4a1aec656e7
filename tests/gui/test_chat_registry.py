"""The chat panel as the shell builds it: by name, before the session exists (it says it cannot
send and keeps the text), then linked to the session once the composition root creates it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pytestqt.qtbot import QtBot

from console.alerts.store import AlertStore
from console.api import contract
from console.intents import Intents
from console.status import StatusModel
from tests.gui.fakes import FakeSession
from widgets.chat import register
from widgets.chat.panel import ChatPanel
from widgets.shell.context import PanelContext
from widgets.shell.registry import PanelRegistry


def test_chat_panel_before_and_after_the_session(qtbot: QtBot) -> None:
    registry = PanelRegistry()
    register(registry)
    status = StatusModel()
    alerts = AlertStore()
    services: dict[str, object] = {
        "intents": Intents(),
        "session": None,
        "status": status,
        "alerts": alerts,  # as the composition root registers it
    }
    ctx = PanelContext(services=services, operator="radio", mode="radio-room")
    panel = registry.create("chat", ctx, {"channel": "vvf"})
    qtbot.add_widget(panel)
    assert isinstance(panel, ChatPanel)
    assert panel.services("alerts") is alerts  # attachments find the selected alert's position
    again = registry.create("chat", ctx, {})
    qtbot.add_widget(again)
    assert isinstance(again, ChatPanel)
    assert again.store is panel.store  # one chat per workstation

    panel.store.reset([{"id": "vvf", "name": "VVF Milano", "kind": "agency"}])
    panel.open_channel("vvf")
    panel.composer.set_text("Richiesta supporto")
    panel.composer.send.click()
    assert "Centrale non collegata" in panel.composer.notice.text()
    assert panel.composer.text() == "Richiesta supporto"  # kept for the operator

    session = FakeSession()
    services["session"] = session
    link: Any = services["chat_link"]
    link.try_link()
    assert session.router.prefixes == ["chat."]
    panel.composer.send.click()
    assert [(m, p, b["text"]) for m, p, b, _k in session.sent] == [
        ("POST", "/chat/channels/vvf/messages", "Richiesta supporto")
    ]
    assert panel.composer.text() == ""

    # An escalated flash also reaches the status strip, for an operator looking elsewhere.
    _prefix, deliver = session.router.subscribed[0]
    panel.store.set_identity("radio", "Operatore sala radio")
    deliver(
        [
            contract.Event(
                id=1,
                event="chat.message",
                data={
                    "id": "MSG-000001",
                    "channel_id": "vvf",
                    "sender": "vvf.sala",
                    "desk": "VVF Milano",
                    "text": "Crollo parziale",
                    "flash": True,
                    "sent_at": "2020-01-01T00:00:00+00:00",
                },
            )
        ]
    )
    panel.store.clock = lambda: datetime.fromisoformat("2020-01-01T00:05:00+00:00")
    panel.store.check_flash()
    assert any("FLASH da VVF Milano" in n.text for n in status.notices)
