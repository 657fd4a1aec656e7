"""The units board: status with time in status, filters, suggestion order, assign/unassign."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.incidents.desk import IncidentDesk
from console.incidents.drafts import DraftStore
from console.incidents.service import IncidentService
from console.incidents.store import IncidentStore
from console.units.store import UnitsStore
from widgets.incidents.units_board import UnitsBoard

NOW = datetime.now(UTC)
DUOMO = (9.1900, 45.4642)


def _unit(uid: str, lon: float, lat: float, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": uid, "callsign": f"Alfa {uid}", "agency": "PL", "kind": "car",
                            "status": "available",
                            "status_since": (NOW - timedelta(minutes=75)).isoformat(),
                            "lon": lon, "lat": lat, "skills": ["rilievi"]}
    data.update(over)
    return data


@pytest.fixture
def board(qtbot: QtBot, centrale_home: Path) -> Iterator[tuple[UnitsBoard, IncidentDesk, Any]]:
    units = UnitsStore()
    units.reset([
        _unit("far", 9.26, 45.50),
        _unit("near", 9.1925, 45.4655),
        _unit("mid", 9.205, 45.472),
        _unit("foot", 9.1903, 45.4644, kind="foot", skills=[]),
        _unit("busy", 9.1901, 45.4643, status="on_scene"),
        _unit("vvf", 9.1910, 45.4650, agency="VVF", kind="fire_engine", skills=["antincendio"]),
    ])
    queued: list[tuple[str, str, Any, str]] = []

    def enqueue(method: str, path: str, body: Any, key: str) -> str:
        queued.append((method, path, body, key))
        return key

    store, drafts = IncidentStore(), DraftStore()
    service = IncidentService(store, drafts, enqueue)
    desk = IncidentDesk(store, drafts, service, "radio1", autosave_ms=1000)
    widget = UnitsBoard(units, desk)
    qtbot.add_widget(widget)
    widget.resize(1400, 700)
    yield widget, desk, queued
    desk.autosaver.stop()


def test_board_shows_status_time_agency_and_filters(board: Any) -> None:
    widget, _desk, _q = board
    model = widget.model
    assert model.rowCount() == 6
    rows = {model.unit(r).id: r for r in range(model.rowCount())}
    assert model.index(rows["busy"], 3).data() == "Sul posto"
    assert model.index(rows["busy"], 4).data() == "1 h 15"
    assert model.index(rows["vvf"], 1).data() == "VVF"
    widget.status_filter.setCurrentIndex(widget.status_filter.findData("on_scene"))
    assert [model.unit(r).id for r in range(model.rowCount())] == ["busy"]
    widget.status_filter.setCurrentIndex(0)
    widget.filter_edit.setText("antincendio")
    assert [model.unit(r).id for r in range(model.rowCount())] == ["vvf"]
    assert "Nessun evento aperto" in widget.target_label.text()


def test_suggestions_are_nearest_suitable_first_and_assignable(board: Any, qtbot: QtBot) -> None:
    widget, desk, queued = board
    desk.new({"type": "road_accident_injured", "lon": DUOMO[0], "lat": DUOMO[1],
              "narrative": "Scontro", "address": "Piazza del Duomo"})
    ids = widget.suggested_ids()
    # The foot patrol and the fire engine are closer but not suited: pushed back, not removed.
    assert ids[:2] == ["near", "mid"]
    assert "busy" not in ids
    assert set(ids) == {"near", "mid", "foot", "vvf", "far"}
    assert ids.index("far") > ids.index("mid")
    assert "linea d'aria" in widget.suggest_title.text()
    widget.suggestions.setCurrentRow(0)
    widget._assign_suggestion(widget.suggestions.currentItem())
    assert desk.current is not None
    assert desk.current.data["units"] == ["near"]
    assert queued[-1][0] == "POST"
    assert queued[-1][2]["units"] == ["near"]
    # Override: the operator picks another unit in the table and can take it off again.
    row = next(r for r in range(widget.model.rowCount()) if widget.model.unit(r).id == "foot")
    widget.view.selectRow(row)
    qtbot.mouseClick(widget.assign_button, Qt.MouseButton.LeftButton)
    assert desk.current.data["units"] == ["near", "foot"]
    qtbot.mouseClick(widget.unassign_button, Qt.MouseButton.LeftButton)
    assert desk.current.data["units"] == ["near"]


def test_board_says_when_units_are_missing(qtbot: QtBot) -> None:
    widget = UnitsBoard(None, None)
    qtbot.add_widget(widget)
    assert "non disponibile" in widget.empty.text()
    assert not widget.assign_button.isEnabled()


def test_units_on_an_open_incident_are_shown_busy_and_not_suggested(board: Any) -> None:
    widget, desk, _q = board
    now = NOW.isoformat()
    desk.store.reset([{"id": "INC-4", "type": "theft", "status": "dispatched", "units": ["near"],
                       "created_at": now, "updated_at": now}])
    rows = {widget.model.unit(r).id: r for r in range(widget.model.rowCount())}
    assert widget.model.index(rows["near"], 6).data() == "INC-4"
    desk.new({"type": "road_accident_injured", "lon": DUOMO[0], "lat": DUOMO[1]})
    assert "near" not in widget.suggested_ids()
    assert widget.suggested_ids()[0] == "mid"


def test_suggestions_only_with_an_incident_and_below_the_table_when_narrow(
    board: Any, qtbot: QtBot
) -> None:
    widget, desk, _q = board
    widget.show()
    assert not widget.side.isVisible(), "nothing to suggest with no incident open"
    desk.new({"type": "road_accident_injured", "lon": DUOMO[0], "lat": DUOMO[1],
              "narrative": "Scontro", "address": "Piazza del Duomo"})
    assert widget.side.isVisible()
    assert widget.splitter.orientation() == Qt.Orientation.Horizontal
    widget.resize(560, 800)  # a side dock of the radio room's operations screen
    qtbot.wait_until(lambda: widget.splitter.orientation() == Qt.Orientation.Vertical)
