"""The incidents panel as an operator uses it: typing, validation, crash recovery, lifecycle,
conflicts, exports. The back-end is a fake outbox here; tests/integration has the real one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDateTime, QPoint, Qt
from pytestqt.qtbot import QtBot

from console.api import contract
from console.incidents.desk import IncidentDesk
from console.incidents.drafts import DraftStore
from console.incidents.exports import check_cap, check_emsi
from console.incidents.places import PlaceIndex, index_for
from console.incidents.service import IncidentService
from console.incidents.store import IncidentStore
from console.intents import Intents
from widgets.incidents.panel import IncidentsPanel

T0 = datetime.now(UTC) - timedelta(hours=1)


class FakeOutbox:
    def __init__(self) -> None:
        self.queued: list[tuple[str, str, Any, str]] = []

    def enqueue(self, method: str, path: str, body: Any, key: str) -> str:
        self.queued.append((method, path, body, key))
        return key


@pytest.fixture(scope="module")
def places() -> PlaceIndex:
    return index_for(())


def server_incident(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "INC-9", "version": 2, "type": "fight", "priority": 1, "status": "new",
        "lon": 9.19, "lat": 45.4642, "address": "Piazza del Duomo", "comune": "Milano",
        "narrative": "Rissa tra quattro persone davanti al bar.", "units": [],
        "created_at": T0.isoformat(), "updated_at": T0.isoformat(), "created_by": "radio2",
        "history": [{"at": T0.isoformat(), "user": "radio2", "status": "new"}],
    }
    data.update(over)
    return data


class Desk:
    """A workstation's incident parts on one state folder, as the app would build them."""

    def __init__(self, qtbot: QtBot, places: PlaceIndex, intents: Intents | None = None) -> None:
        self.outbox = FakeOutbox()
        self.store = IncidentStore()
        self.drafts = DraftStore()
        self.service = IncidentService(self.store, self.drafts, self.outbox.enqueue,
                                       inside=places.inside_metro)
        self.desk = IncidentDesk(self.store, self.drafts, self.service, "radio1",
                                 autosave_ms=40)
        self.panel = IncidentsPanel(self.desk, intents)
        self.panel.set_place_index(places)
        qtbot.add_widget(self.panel)
        self.panel.resize(1600, 900)
        self.panel.show()

    def close(self) -> None:
        self.desk.autosaver.stop()
        self.panel.close()


@pytest.fixture
def make_desk(qtbot: QtBot, places: PlaceIndex, centrale_home: Path) -> Iterator[Any]:
    made: list[Desk] = []

    def make(intents: Intents | None = None) -> Desk:
        desk = Desk(qtbot, places, intents)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.close()


def test_with_nothing_open_the_form_is_calm(make_desk: Any) -> None:
    """No incident open: a disabled form with no red notes, even after the places load."""
    d = make_desk()
    form = d.panel.form
    assert not form.isEnabled()
    form.set_index(form._index)  # the place index arriving later re-validates
    assert not form.type_note.isVisible()
    assert form.save_hint.text() == ""
    assert not form.save_button.isEnabled()
    assert d.panel.status_label.text() == "Nessun evento aperto"


def test_validation_is_inline_and_blocks_only_what_blocks(make_desk: Any, qtbot: QtBot) -> None:
    d = make_desk()
    d.panel.list.new_requested.emit()
    form = d.panel.form
    form.validate_now()
    assert not form.save_button.isEnabled()
    assert form.type_note.isVisible()
    assert "tipo" in form.type_note.text()
    form.type_combo.setCurrentIndex(form.type_combo.findData("theft"))
    form.coords_edit.setText("41.8902, 12.4922")  # Rome
    form.coords_edit.editingFinished.emit()
    assert "fuori dalla Città metropolitana" in form.location_note.text()
    assert not form.save_button.isEnabled()
    form.coords_edit.setText("45.4642, 9.1900")
    form.coords_edit.editingFinished.emit()
    assert not form.location_note.isVisible()
    assert "Milano" in form.where_label.text()
    form.vehicles.add_row({"plate": "AB$12", "description": "scooter"})
    form.validate_now()
    assert "Veicolo 1" in form.vehicles_note.text()
    assert not form.save_button.isEnabled()
    assert "Salvataggio bloccato: 1 campo in rosso" in form.save_hint.text()
    form.vehicles.set_rows([{"plate": "D-MK 2041", "description": "furgone"}])
    form.validate_now()
    assert "estera" in form.vehicles_note.text()  # a warning...
    assert form.save_button.isEnabled()  # ...that does not block
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    method, path, body, _key = d.outbox.queued[-1]
    assert (method, path, body["type"], body["lat"]) == ("POST", "/api/v1/incidents", "theft",
                                                         45.4642)


def test_unreadable_coordinates_are_kept_verbatim(make_desk: Any) -> None:
    d = make_desk()
    d.desk.new({"type": "fire"})
    form = d.panel.form
    form.coords_edit.setText("via Torino angolo 45")
    form.coords_edit.editingFinished.emit()
    assert not form.save_button.isEnabled()
    d.desk.update_from_form(form.data())
    d.desk.save()
    assert d.outbox.queued == []
    kept = d.drafts.load(d.desk.current.draft_id)
    assert kept is not None
    assert kept.data["_form"]["coords"] == "via Torino angolo 45"


def test_draft_is_restored_after_a_crash(make_desk: Any, qtbot: QtBot) -> None:
    first = make_desk()
    first.panel.list.new_requested.emit()
    form = first.panel.form
    form.type_combo.setCurrentIndex(form.type_combo.findData("missing_person"))
    qtbot.keyClicks(form.narrative, "Bambino di 7 anni, maglietta rossa, visto al parco Sempione")
    qtbot.keyClicks(form.caller_phone, "+39 02 1234 567")
    with qtbot.wait_signal(first.desk.autosaver.saved, timeout=3000):
        pass
    # Crash: no save, no orderly shutdown; a new console starts on the same state folder.
    first.desk.autosaver._timer.stop()
    second = make_desk()
    assert "Bozza ripristinata" in second.panel.form.banner.text()
    assert second.panel.form.banner.isVisible()
    data = second.panel.form.data()
    assert data["narrative"] == "Bambino di 7 anni, maglietta rossa, visto al parco Sempione"
    assert data["caller"]["phone"] == "+39 02 1234 567"
    assert data["type"] == "missing_person"


def test_lifecycle_steps_are_stamped_and_ordered(make_desk: Any, qtbot: QtBot) -> None:
    d = make_desk()
    d.store.reset([server_incident()])
    d.panel.list.chosen.emit("INC-9")
    buttons = d.panel.step_buttons
    assert d.panel.status_label.text() == "Nuovo"
    qtbot.mouseClick(buttons["dispatched"], Qt.MouseButton.LeftButton)
    assert "Assegnare almeno un'unità" in d.panel.form.banner.text()
    assert d.outbox.queued == []
    assert "Nessuna unità" in d.panel.units_label.text()
    assert d.desk.assign("U1")
    assert "U1" in d.panel.units_label.text()
    method, path, body, key = d.outbox.queued[-1]
    assert (method, path, body["units"], body["version"]) == ("PUT", "/api/v1/incidents/INC-9",
                                                              ["U1"], 2)
    d.service.on_command_sent(key, server_incident(version=3, units=["U1"]))
    qtbot.mouseClick(buttons["dispatched"], Qt.MouseButton.LeftButton)
    _m, _p, body, key = d.outbox.queued[-1]
    assert (body["status"], body["version"]) == ("dispatched", 3)
    assert d.panel.status_label.text() == "Inviato"
    assert not buttons["dispatched"].isEnabled()
    assert buttons["on_scene"].isEnabled()
    timeline_text = [d.panel.timeline.item(i).text() for i in range(d.panel.timeline.count())]
    assert any("Inviato" in t and "radio1" in t for t in timeline_text)
    # A radio-reported time before the dispatch stamp is impossible: refused, nothing sent.
    sent = len(d.outbox.queued)
    d.panel.reported_time.setChecked(True)
    d.panel.time_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(T0.timestamp()) - 600))
    qtbot.mouseClick(buttons["on_scene"], Qt.MouseButton.LeftButton)
    assert "Orari impossibili" in d.panel.form.history_note.text()
    assert len(d.outbox.queued) == sent


def test_conflict_prompt_asks_then_sends_the_merge(make_desk: Any, qtbot: QtBot) -> None:
    d = make_desk()
    d.store.reset([server_incident()])
    d.panel.list.chosen.emit("INC-9")
    d.panel.form.narrative.setPlainText("Rissa sedata, due fermati.")
    d.panel.form.save_requested.emit()
    draft = d.desk.current
    theirs = server_incident(version=3, narrative="Rissa: arrivati i Carabinieri.", priority=2)
    d.service.resolve_stale(draft, theirs)
    dialog = d.panel.merge_dialog
    assert dialog is not None
    qtbot.wait_until(dialog.isVisible, timeout=2000)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing is chosen for the operator
    assert [c.field for c in dialog.merge.conflicts] == ["narrative"]
    dialog.choose("narrative", "mine")
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    _m, _p, body, _k = d.outbox.queued[-1]
    assert (body["version"], body["narrative"], body["priority"]) == (
        3, "Rissa sedata, due fermati.", 2)


def test_alert_prefill_opens_a_new_incident(make_desk: Any) -> None:
    intents = Intents()
    d = make_desk(intents)
    intents.create_incident.emit({"type": "suspicious_vehicle", "lon": 9.2, "lat": 45.47,
                                  "alerts": ["A-77"], "vehicles": [{"plate": "FA123BC"}]})
    data = d.panel.form.data()
    assert (data["type"], data["alerts"], data["vehicles"][0]["plate"]) == (
        "suspicious_vehicle", ["A-77"], "FA123BC")
    assert data["priority"] == 3  # the type's default


def test_exports_write_checked_documents(make_desk: Any, tmp_path: Path) -> None:
    d = make_desk()
    d.store.reset([server_incident(units=["U1"], status="dispatched")])
    d.panel.list.chosen.emit("INC-9")
    assert d.panel.export_emsi.isEnabled()
    assert d.panel.export("emsi", tmp_path / "e.xml")
    assert check_emsi((tmp_path / "e.xml").read_text(encoding="utf-8")) == []
    assert d.panel.export("cap", tmp_path / "c.xml")
    assert check_cap((tmp_path / "c.xml").read_text(encoding="utf-8")) == []
    assert d.panel.export("pdf", tmp_path / "r.pdf")
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    assert not d.panel.export("cap", tmp_path / "missing" / "c.xml")
    assert "File non scritto" in d.panel.form.banner.text()


def test_alert_types_become_incident_types(make_desk: Any) -> None:
    intents = Intents()
    d = make_desk(intents)
    intents.create_incident.emit({"type": "anpr.hotlist", "priority": 2, "alerts": ["A-1"]})
    assert d.panel.form.data()["type"] == "suspicious_vehicle"
    intents.create_incident.emit({"type": "cap.weather", "priority": 3})
    data = d.panel.form.data()
    assert (data["type"], data["tags"]) == ("other", ["cap.weather"])
    d.store.reset([server_incident(id="INC-S", type="furto")])  # a scenario code
    d.panel.list.chosen.emit("INC-S")
    assert d.panel.form.type_combo.currentData() == "theft"


def test_discard_asks_then_drops_only_the_local_draft(make_desk: Any, qtbot: QtBot,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    d = make_desk()
    d.store.reset([server_incident()])
    d.panel.list.chosen.emit("INC-9")
    d.panel.form.narrative.setPlainText("Modifica da non tenere")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: answers.pop(0))
    qtbot.mouseClick(d.panel.form.discard_button, Qt.MouseButton.LeftButton)
    assert d.panel.form.data()["narrative"] == "Modifica da non tenere"  # "No" keeps it
    qtbot.mouseClick(d.panel.form.discard_button, Qt.MouseButton.LeftButton)
    assert d.panel.form.data()["narrative"] == "Rissa tra quattro persone davanti al bar."
    assert d.drafts.all() == []
    assert d.outbox.queued == []


def test_location_by_search_and_by_click_on_the_mini_map(make_desk: Any, qtbot: QtBot) -> None:
    d = make_desk()
    d.desk.new({"type": "flooding"})
    form = d.panel.form
    qtbot.keyClicks(form.search_edit, "sesto san")
    assert form.search_results.isVisible()
    item = form.search_results.item(0)
    assert "Sesto San Giovanni" in item.text()
    form.search_results.itemClicked.emit(item)
    data = form.data()
    assert 45.5 < data["lat"] < 45.56
    assert 9.2 < data["lon"] < 9.26
    assert "Sesto San Giovanni" in form.where_label.text()
    before = (data["lon"], data["lat"])
    minimap = form.minimap
    qtbot.mouseClick(minimap, Qt.MouseButton.LeftButton,
                     pos=minimap.rect().center() + QPoint(40, 0))
    after = form.data()
    assert after["lon"] > before[0]  # clicked east of the marker
    assert abs(after["lat"] - before[1]) < 0.001


def test_a_refused_save_says_why_and_keeps_every_character(make_desk: Any) -> None:
    d = make_desk()
    d.desk.new({"type": "hazmat", "lon": 9.2, "lat": 45.48})
    narrative = "Cisterna ribaltata, odore acre, 3 persone allontanate. Codice ONU 1203?"
    d.panel.form.narrative.setPlainText(narrative)
    d.panel.form.save_requested.emit()
    key = d.outbox.queued[-1][3]
    d.service.on_command_failed(key, "Operazione non consentita per il proprio ruolo.")
    banner = d.panel.form.banner.text()
    assert "rifiutato" in banner
    assert "non consentita" in banner
    assert d.panel.form.data()["narrative"] == narrative
    kept = d.drafts.all()
    assert [k.data["narrative"] for k in kept] == [narrative]
    d.panel.form.save_requested.emit()  # the operator tries again: a new command, same text
    assert d.outbox.queued[-1][3] != key
    assert d.outbox.queued[-1][2]["narrative"] == narrative


def test_an_untouched_open_incident_follows_the_server(make_desk: Any) -> None:
    d = make_desk()
    d.store.reset([server_incident()])
    d.panel.list.chosen.emit("INC-9")
    d.store.upsert(contract.Incident.model_validate(
        server_incident(version=3, status="dispatched", units=["U2"], priority=2)))
    assert d.panel.status_label.text() == "Inviato"
    assert d.panel.form.data()["priority"] == 2
    d.panel.form.narrative.setPlainText("Nota dell'operatore")  # now it has local edits
    d.store.upsert(contract.Incident.model_validate(server_incident(version=4, priority=1)))
    assert d.panel.form.data()["narrative"] == "Nota dell'operatore"  # kept; a save merges
