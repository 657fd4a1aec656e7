"""The panels as the shell builds them: by name, sharing one desk, before and after the session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from console.api import contract
from console.incidents.desk import IncidentDesk
from console.intents import Intents
from widgets.incidents import register
from widgets.incidents.panel import IncidentsPanel
from widgets.incidents.units_board import UnitsBoard
from widgets.shell.context import PanelContext
from widgets.shell.registry import PanelRegistry


class FakeOutbox(QObject):
    command_sent = Signal(str, object)
    command_failed = Signal(str, str)


class FakeRouter:
    def __init__(self) -> None:
        self.subscribed: list[str] = []

    def subscribe(self, prefix: str, _callback: Any) -> None:
        self.subscribed.append(prefix)


class FakeSession(QObject):
    resync_required = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.outbox = FakeOutbox()
        self.router = FakeRouter()
        self.sent: list[tuple[str, str, Any, str]] = []

    def send(self, method: str, path: str, body: Any = None, key: str | None = None) -> str:
        self.sent.append((method, path, body, key or ""))
        return key or ""

    async def fetch(self, path: str) -> Any:
        return []


def test_panels_share_a_desk_and_wait_for_the_session(qtbot: QtBot, centrale_home: Path) -> None:
    registry = PanelRegistry()
    register(registry)
    assert {"incidents", "units"} <= set(registry.names())
    ctx = PanelContext(services={"intents": Intents(), "session": None, "layer_packs": []},
                       operator="radio1", mode="radio-room")
    incidents = registry.create("incidents", ctx, {})
    units = registry.create("units", ctx, {})
    qtbot.add_widget(incidents)
    qtbot.add_widget(units)
    assert isinstance(incidents, IncidentsPanel)
    assert isinstance(units, UnitsBoard)
    assert "non disponibile" in units.empty.text()  # no units store: said plainly
    loader = ctx.services["place_index_loader"]
    qtbot.wait_until(lambda: loader.index is not None, timeout=15000)  # type: ignore[attr-defined]

    desk = ctx.services["incident_desk"]
    assert isinstance(desk, IncidentDesk)
    desk.new({"type": "fire", "lon": 9.19, "lat": 45.46, "narrative": "Fumo dal tetto"})
    desk.save()
    assert "non ancora collegata" in incidents.form.banner.text()
    assert units.desk is desk

    session = FakeSession()
    ctx.services["session"] = session
    ctx.services["incident_link"].try_link()  # type: ignore[attr-defined]
    assert [s[:2] for s in session.sent] == [("POST", "/api/v1/incidents")]
    assert sorted(session.router.subscribed) == ["chat.message", "incident."]
    _method, _path, body, key = session.sent[0]
    created = contract.Incident.model_validate({
        **body, "id": "INC-1", "version": 1, "created_at": "2026-11-22T04:00:00Z",
        "updated_at": "2026-11-22T04:00:00Z", "created_by": "radio1"})
    session.outbox.command_sent.emit(key, created.model_dump(mode="json"))
    assert "Salvato in centrale" in incidents.form.banner.text()
    assert desk.current is not None
    assert desk.current.incident_id == "INC-1"
    desk.autosaver.stop()
