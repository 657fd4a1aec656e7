"""The alert queue and card as an operator uses them: keys, SLA, snooze, verification, hand-over.

The back-end is a small fake that applies commands the way the training server does and echoes
alert.updated events into the store (the real server is exercised in tests/integration).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QImage
from pytestqt.qtbot import QtBot

from console.alerts.actions import AlertActions
from console.alerts.store import AlertStore
from console.api.contract import Event
from console.intents import Intents
from tests.unit.alerts.samples import T0, base, scene
from widgets.alerts.alarm import Alarm
from widgets.alerts.panel import AlertsPanel
from widgets.alerts.table_model import COL_SLA, COL_STATE


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(seconds=30)

    def __call__(self) -> datetime:
        return self.now


class EchoBackend:
    """Applies commands like the training server and sends the alert.updated back."""

    def __init__(self, store: AlertStore, user: str) -> None:
        self.store, self.user = store, user
        self.sent: list[tuple[str, str, dict[str, Any], str]] = []
        self.event_id = 10_000

    def __call__(self, method: str, path: str, body: dict[str, Any], key: str) -> None:
        self.sent.append((method, path, body, key))
        alert_id = path.split("/")[4]
        rec = self.store.get(alert_id)
        assert rec is not None
        data: dict[str, Any] = {
            "id": rec.id,
            "source": rec.source,
            "type": rec.type,
            "priority": rec.priority,
            "title": rec.title,
            "created_at": rec.created_at.isoformat(),
            "state": rec.state.value,
            "owner": rec.owner,
            "payload": dict(rec.payload),
            "geometry": rec.geometry,
            "version": rec.version + 1,
        }
        action = body["action"]
        if action == "ack":
            data["state"], data["owner"] = "acknowledged", rec.owner or self.user
        elif action == "assign":
            data["state"], data["owner"] = "assigned", body.get("owner")
        elif action == "verify":
            data["payload"]["verification"] = body["verification"]
        elif action == "close":
            data["state"] = "closed"
        self.event_id += 1
        self.store.apply([Event(id=self.event_id, event="alert.updated", data=data)])


class FakeAlarm(Alarm):
    def _play_effect(self) -> None:  # no audio device in CI: count instead of sounding
        return


@pytest.fixture
def setup(qtbot: QtBot) -> tuple[AlertsPanel, AlertStore, EchoBackend, Intents, Clock]:
    clock = Clock()
    store = AlertStore(clock=clock)
    store.reset(scene(T0))
    backend = EchoBackend(store, "op.verdi")
    intents = Intents()
    panel = AlertsPanel(store, AlertActions(store, backend, "op.verdi"), intents)
    panel.queue.alarm = FakeAlarm()
    panel.queue._tick.stop()  # the test drives time itself
    qtbot.add_widget(panel)
    panel.resize(1600, 900)
    panel.show()
    return panel, store, backend, intents, clock


def press(qtbot: QtBot, panel: AlertsPanel, key: Qt.Key, text: str = "") -> None:
    qtbot.keyClick(panel.queue.table, key)


def state_text(panel: AlertsPanel, alert_id: str) -> str:
    model = panel.queue.model
    return str(model.data(model.index(model.row_of(alert_id), COL_STATE)))


def test_keyboard_acknowledge_and_assign(qtbot: QtBot, setup: Any) -> None:
    panel, store, backend, _intents, _clock = setup
    panel.queue.table.setFocus()
    qtbot.keyClick(panel.queue.table, Qt.Key.Key_J)  # first row: the P1 emergency
    assert panel.queue.current_id() == "AL000001"
    qtbot.keyClick(panel.queue.table, Qt.Key.Key_A)
    assert backend.sent[-1][2]["action"] == "ack"
    assert state_text(panel, "AL000001") == "Preso in carico"
    qtbot.keyClick(panel.queue.table, Qt.Key.Key_J)
    qtbot.keyClick(panel.queue.table, Qt.Key.Key_M)
    second = panel.queue.current_id()
    assert second is not None
    assert store.get(second).owner == "op.verdi"
    assert state_text(panel, second) == "Assegnato"
    # "Mie" shows only what is mine now (acknowledging also takes ownership, as on the server).
    panel.queue.mine.setChecked(True)
    mine = {panel.queue.model.alert_id(r) for r in range(panel.queue.model.rowCount())}
    assert mine == {"AL000001", second}
    qtbot.keyClick(panel.queue.table, Qt.Key.Key_K)
    qtbot.keyClick(panel.queue.table, Qt.Key.Key_Return)
    assert panel.card.record is not None


def test_unacknowledged_p1_flashes_and_sounds_until_acknowledged(qtbot: QtBot, setup: Any) -> None:
    panel, store, _backend, _intents, _clock = setup
    model = panel.queue.model
    store.ingest_many(
        [
            base(
                50,
                T0 + timedelta(seconds=20),
                priority=1,
                type="unit.emergency",
                title="Emergenza: Moto 3",
            )
        ],
        first_event_id=5000,
    )
    assert panel.queue.alarm.played == 1
    assert model.unacked_p1() != []
    panel.queue.tick()
    flashes = {panel.queue.model.flash_on}
    panel.queue.tick()
    flashes.add(panel.queue.model.flash_on)
    assert flashes == {True, False}, "an unacknowledged P1 blinks"
    for alert_id in ("AL000001", "AL000050"):
        panel.act("ack", alert_id, {})
    assert model.unacked_p1() == []
    panel.queue.tick()
    assert model.flash_on is False


def test_kiosk_is_muted(qtbot: QtBot) -> None:
    store = AlertStore(clock=Clock())
    panel = AlertsPanel(store, AlertActions(store, None, "wall"), None, kiosk=True)
    qtbot.add_widget(panel)
    panel.queue.alarm.__class__ = FakeAlarm
    store.ingest_many([base(1, T0, priority=1, type="unit.emergency")], first_event_id=1)
    assert panel.queue.alarm.played == 0
    assert panel.notice.isVisibleTo(panel)  # says what is not connected


def test_sla_expiry_escalates_to_supervisor(qtbot: QtBot, setup: Any) -> None:
    panel, store, backend, _intents, clock = setup
    store.ingest_many([base(60, clock.now, priority=2, title="Nuovo P2")], first_event_id=6000)
    panel.queue.model.flush()
    model = panel.queue.model
    row = model.row_of("AL000060")
    assert model.data(model.index(row, COL_SLA)) == "5:00"
    clock.now += timedelta(minutes=4)
    panel.queue.tick()
    assert model.data(model.index(row, COL_SLA)) == "1:00"
    assert not any(s[2]["action"] == "escalate" and "AL000060" in s[1] for s in backend.sent)
    clock.now += timedelta(minutes=1, seconds=1)
    panel.queue.tick()
    assert model.data(model.index(model.row_of("AL000060"), COL_SLA)) == "SCADUTO → supervisore"
    sent = [s for s in backend.sent if s[2]["action"] == "escalate" and "AL000060" in s[1]]
    assert len(sent) == 1
    assert sent[0][3].startswith("escalate-AL000060-")  # same key from every console
    panel.queue.state_filter.setCurrentIndex(panel.queue.state_filter.findData("escalated"))
    assert panel.queue.model.row_of("AL000060") >= 0


def test_snooze_needs_reason_then_hides_sla(qtbot: QtBot, setup: Any) -> None:
    panel, store, backend, _intents, clock = setup
    store.ingest_many([base(70, clock.now, priority=3, title="Buca")], first_event_id=7000)
    panel.queue.model.flush()
    panel.queue.select("AL000070")
    qtbot.keyClick(panel.queue.table, Qt.Key.Key_S)
    assert "motivo" in panel.card.message.text()
    panel.card.snooze_minutes.setCurrentIndex(panel.card.snooze_minutes.findData(30))
    qtbot.mouseClick(panel.card.snooze, Qt.MouseButton.LeftButton)
    assert "motivo" in panel.card.message.text().lower()  # refused: reason missing
    assert not any(s[2]["action"] == "snooze" for s in backend.sent)
    panel.card.snooze_reason.setText("attendo conferma AMSA")
    qtbot.mouseClick(panel.card.snooze, Qt.MouseButton.LeftButton)
    assert [s[2]["action"] for s in backend.sent][-1] == "snooze"
    model = panel.queue.model
    assert model.data(model.index(model.row_of("AL000070"), COL_SLA)).startswith("rinviato")
    clock.now += timedelta(minutes=20)
    assert "AL000070" not in store.check_sla()  # 15-min SLA postponed by the 30-min snooze
    clock.now += timedelta(minutes=26)
    assert store.check_sla() == ["AL000070"]


def test_plate_hit_needs_visual_verification_before_handover(qtbot: QtBot, setup: Any) -> None:
    panel, store, backend, intents, _clock = setup
    channels: list[tuple[str, str]] = []
    incidents: list[dict[str, Any]] = []
    geometries: list[dict[str, Any]] = []
    intents.open_channel.connect(lambda c, d: channels.append((c, d)))
    intents.create_incident.connect(incidents.append)
    intents.show_geometry.connect(geometries.append)
    panel.open_alert("AL000002")
    card = panel.card
    assert card.plate.plate.text() == "FG 512 KL"
    assert not card.to_ps.isEnabled()
    panel.act("handover_ps", "AL000002", {})
    assert channels == []
    assert "Verifica visiva" in card.message.text()
    # Misread needs a reason; a misread keeps confirmed actions locked.
    qtbot.mouseClick(card.plate.misread, Qt.MouseButton.LeftButton)
    assert "motivo" in card.message.text()
    card.plate.reason.setText("Stessa targa, veicolo diverso dal modello in lista")
    qtbot.mouseClick(card.plate.confirm, Qt.MouseButton.LeftButton)
    assert store.get("AL000002").verification == "confirmed"
    verify = [s for s in backend.sent if s[2]["action"] == "verify"]
    assert len(verify) == 3, "the verification goes to every hit of the group"
    assert card.to_ps.isEnabled()
    qtbot.mouseClick(card.to_ps, Qt.MouseButton.LeftButton)
    assert channels[0][0] == "forze-ordine"
    assert "Polizia di Stato" in channels[0][1]
    assert "FG 512 KL" in channels[0][1]
    qtbot.mouseClick(card.incident, Qt.MouseButton.LeftButton)
    assert incidents[0]["vehicles"][0]["plate"] == "FG512KL"
    assert set(incidents[0]["alerts"]) == {"AL000002", "AL000003", "AL000004"}
    qtbot.mouseClick(card.plate.trail_button, Qt.MouseButton.LeftButton)
    assert geometries[-1]["type"] == "LineString"
    assert len(geometries[-1]["coordinates"]) == 3


def test_close_with_outcome(qtbot: QtBot, setup: Any) -> None:
    panel, _store, backend, _intents, _clock = setup
    panel.open_alert("AL000007")
    panel.card.close_reason.setText("Livello rientrato, pattuglia sul posto")
    qtbot.mouseClick(panel.card.close_button, Qt.MouseButton.LeftButton)
    assert backend.sent[-1][2]["action"] == "close"
    assert backend.sent[-1][2]["outcome"] == "intervento"
    assert panel.queue.model.row_of("AL000007") == -1  # gone from the open queue


def test_exercise_and_damaged_items_are_marked(qtbot: QtBot, setup: Any) -> None:
    panel, store, _backend, _intents, _clock = setup
    panel.open_alert("AL000008")
    assert panel.card.exercise.isVisibleTo(panel.card)
    damaged = next(r for r in store.rows() if r.problems and r.type == "laser.alien")
    panel.open_alert(damaged.id)
    assert panel.card.problems.isVisibleTo(panel.card)
    assert "sconosciuto" in panel.card.problems.text()


def test_zone_filter_uses_geometry_not_place_names(qtbot: QtBot) -> None:
    from shapely.geometry import box

    from console.alerts.zones import Zones
    from widgets.alerts.queue import ZONE_PREFIX, AlertQueue

    store = AlertStore(clock=lambda: T0 + timedelta(minutes=1))
    point = {"type": "Point", "coordinates": [9.05, 45.05]}
    across = {
        "type": "Polygon",
        "coordinates": [
            [[9.09, 45.04], [9.11, 45.04], [9.11, 45.06], [9.09, 45.06], [9.09, 45.04]]
        ],
    }
    store.reset(
        [
            base(1, T0, geometry=point, payload={"gate_name": "Varco Est"}),  # name says Est...
            base(2, T0, geometry=across),
            base(3, T0, geometry={"type": "Point", "coordinates": [9.15, 45.05]}),
            base(4, T0),  # no position: in no zone
        ]
    )
    zones = Zones([("Ovest", box(9.0, 45.0, 9.1, 45.1)), ("Est", box(9.1, 45.0, 9.2, 45.1))])
    queue = AlertQueue(store, operator="op", zones=zones)
    queue.alarm = Alarm(muted=True)
    qtbot.add_widget(queue)

    def shown() -> set[str]:
        return {queue.model.alert_id(r) or "" for r in range(queue.model.rowCount())}

    assert len(shown()) == 4
    queue.area_filter.setCurrentIndex(queue.area_filter.findData(ZONE_PREFIX + "Ovest"))
    assert shown() == {"AL000001", "AL000002"}  # ...but the point is in Ovest
    queue.area_filter.setCurrentIndex(queue.area_filter.findData(ZONE_PREFIX + "Est"))
    assert shown() == {"AL000002", "AL000003"}
    queue.area_filter.setCurrentIndex(0)
    assert len(shown()) == 4


def _pixels(panel: AlertsPanel) -> QImage:
    viewport = panel.queue.table.viewport()
    viewport.repaint()
    return viewport.grab().toImage()


@pytest.mark.parametrize("sheet", [False, True], ids=["qt-style", "console-style-sheet"])
def test_fast_paint_draws_what_the_style_draws(qtbot: QtBot, setup: Any, sheet: bool) -> None:
    """The queue's delegate paints most cells itself (repaint speed); an operator must not be
    able to tell: pixel for pixel the same as Qt's own delegate reading data(), flash lit or not,
    with a selected row, an escalated SLA, a snoozed (muted) row and texts cut with an ellipsis;
    with Qt's style and with the console's style sheet (which the application sets)."""
    from PySide6.QtWidgets import QStyledItemDelegate

    from widgets.alerts.queue import QueueDelegate
    from widgets.common.style import style_sheet

    panel, store, _backend, _intents, clock = setup
    # Painted once, then restyled: what the delegate prepared (geometry, texts in their font)
    # must be redone, as when the application sets its font and style sheet after start-up.
    _pixels(panel)
    panel.queue.setFont(QFont("DejaVu Sans", 12))
    if sheet:
        panel.setStyleSheet(style_sheet())
    later = (clock.now + timedelta(minutes=10)).isoformat()
    store.ingest_many(
        [
            base(
                80,
                clock.now,
                priority=3,
                title="Buca " + "molto " * 40 + "profonda",
                payload={"snoozed_until": later, "area": "Municipio 4"},
            )
        ],
        first_event_id=8000,
    )
    queue = panel.queue
    queue.model.flush()
    queue.select("AL000007")
    table = queue.table
    ours = table.itemDelegate()
    assert isinstance(ours, QueueDelegate)
    qt_own = QStyledItemDelegate(table)
    for _ in range(2):
        queue.tick()  # escalates the overdue P1, toggles its flash
        fast = _pixels(panel)
        ours.fast = False
        styled = _pixels(panel)
        table.setItemDelegate(qt_own)
        reference = _pixels(panel)
        table.setItemDelegate(ours)
        ours.fast = True
        assert fast == styled, "fast path differs from the style path"
        assert fast == reference, "the queue's look differs from the model's data()"
    assert queue.model.row_of("AL000080") >= 0


def test_screenshot_of_the_queue(qtbot: QtBot, setup: Any) -> None:
    """docs/screenshots/alerts-queue.png (written when CENTRALE_SCREENSHOTS is set): the queue
    with the console's style sheet, an escalated P1 in its lit flash, a selected plate hit."""
    import os
    from pathlib import Path

    from console.paths import REPO_ROOT
    from widgets.common.style import style_sheet

    panel, _store, _backend, _intents, _clock = setup
    panel.setStyleSheet(style_sheet())
    queue = panel.queue
    queue.tick()  # the overdue P1 escalates and lights up
    assert queue.model.flash_on
    queue.select("AL000002")
    panel.resize(1700, 520)
    qtbot.wait_exposed(panel)
    image = queue.grab()
    assert image.width() > 800
    if os.environ.get("CENTRALE_SCREENSHOTS"):
        image.save(str(Path(REPO_ROOT) / "docs" / "screenshots" / "alerts-queue.png"))
