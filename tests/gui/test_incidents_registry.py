"""The panels as the shell builds them: by name, sharing one desk, before and after the session."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from console.api import contract
from console.incidents.desk import IncidentDesk
from console.intents import Intents
from tests.gui.fakes import FakeSession
from widgets.incidents import register
from widgets.incidents.panel import IncidentsPanel
from widgets.incidents.units_board import UnitsBoard
from widgets.shell.context import PanelContext
from widgets.shell.registry import PanelRegistry


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
    assert sorted(session.router.prefixes) == ["chat.message", "incident."]
    _method, _path, body, key = session.sent[0]
    created = contract.Incident.model_validate({
        **body, "id": "INC-1", "version": 1, "created_at": "2026-11-22T04:00:00Z",
        "updated_at": "2026-11-22T04:00:00Z", "created_by": "radio1"})
    session.outbox.command_sent.emit(key, created.model_dump(mode="json"))
    assert "Salvato in centrale" in incidents.form.banner.text()
    assert desk.current is not None
    assert desk.current.incident_id == "INC-1"
    desk.autosaver.stop()
