"""Registro eventi: live rows in Italian, batching, cap, filter, pause, offline message."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from console.api.contract import Event
from tests.gui.fakes import FakeJournal, sample_events
from widgets.journal import create, register
from widgets.journal.describe import summary, type_label
from widgets.journal.model import COL_SUMMARY, COL_TIME, COL_TYPE, EventTableModel, make_row
from widgets.journal.panel import EventLogPanel
from widgets.shell import PanelContext, PanelRegistry


def texts(panel: EventLogPanel, column: int) -> list[str]:
    proxy = panel.proxy
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


@pytest.fixture
def journal() -> FakeJournal:
    return FakeJournal(sample_events(30))


def make(qtbot: QtBot, journal: FakeJournal | None, **kwargs: object) -> EventLogPanel:
    panel = EventLogPanel(journal, **kwargs)  # type: ignore[arg-type]
    qtbot.add_widget(panel)
    panel.resize(1200, 700)
    return panel


def test_without_a_journal_it_says_there_is_no_back_end(qtbot: QtBot) -> None:
    panel = create(PanelContext(services={}), {})
    qtbot.add_widget(panel)
    assert isinstance(panel, EventLogPanel)
    assert not panel.connected
    assert panel._stack.currentWidget() is panel.offline
    assert "Nessuna connessione al back-end" in panel.offline.text()


def test_history_is_shown_in_italian_words(qtbot: QtBot, journal: FakeJournal) -> None:
    panel = make(qtbot, journal)
    # unit.moved is hidden unless positions are asked for
    assert panel.model.rowCount() == len([e for e in journal.events() if e.event != "unit.moved"])
    types = set(texts(panel, COL_TYPE))
    assert {"Nuovo allarme", "Intervento aggiornato", "Messaggio", "Lettura sensore"} <= types
    assert all(len(t) == 8 for t in texts(panel, COL_TIME))
    assert any("VVF Milano: Squadra sul posto" in s for s in texts(panel, COL_SUMMARY))


def test_live_events_arrive_in_one_batch_and_follow_keeps_the_newest_in_view(
    qtbot: QtBot, journal: FakeJournal
) -> None:
    panel = make(qtbot, journal, include_positions=True)
    panel.show()
    inserts: list[tuple[int, int]] = []
    panel.model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    journal.push(sample_events(50, start_id=31))
    journal.push(sample_events(50, start_id=81))
    qtbot.wait_until(lambda: panel.model.rowCount() == 130, timeout=2000)
    assert len(inserts) == 1, "two signal batches coalesced into one model insertion"
    bar = panel.table.verticalScrollBar()
    qtbot.wait_until(lambda: bar.value() == bar.maximum(), timeout=2000)


def test_pause_freezes_the_grid_and_counts_waiting_events(
    qtbot: QtBot, journal: FakeJournal
) -> None:
    panel = make(qtbot, journal, include_positions=True)
    panel.follow.setChecked(False)
    journal.push(sample_events(10, start_id=31))
    qtbot.wait_until(lambda: "10 nuovi in attesa" in panel.count.text(), timeout=2000)
    assert panel.model.rowCount() == 30
    assert panel.follow.text() == "In pausa"
    panel.follow.setChecked(True)
    assert panel.model.rowCount() == 40
    assert "attesa" not in panel.count.text()


def test_filter_matches_any_column_case_insensitively(
    qtbot: QtBot, journal: FakeJournal
) -> None:
    panel = make(qtbot, journal)
    panel.filter.setText("vvf milano")
    assert panel.proxy.rowCount() > 0
    assert all("VVF Milano" in s for s in texts(panel, COL_SUMMARY))
    assert "di" in panel.count.text()
    panel.filter.setText("nessuna corrispondenza qui")
    assert panel.proxy.rowCount() == 0
    assert not panel.empty.isHidden()
    assert panel.empty.text() == "Nessun evento corrisponde al filtro."
    panel.filter.setText("")
    assert panel.proxy.rowCount() == panel.model.rowCount()
    assert panel.empty.isHidden()


def test_type_prefixes_and_positions_toggle(qtbot: QtBot, journal: FakeJournal) -> None:
    alerts = make(qtbot, journal, types=["alert."])
    assert set(texts(alerts, COL_TYPE)) == {"Nuovo allarme"}
    assert alerts.positions.isHidden(), "no positions toggle where positions never appear"
    units = make(qtbot, journal, types=["unit."], include_positions=True)
    assert "Unità in movimento" in set(texts(units, COL_TYPE))


def test_rows_are_capped_oldest_first(qtbot: QtBot) -> None:
    journal = FakeJournal()
    panel = make(qtbot, journal, include_positions=True, max_rows=100)
    assert not panel.empty.isHidden(), "an empty log says it is waiting, not just blank"
    assert "Nessun evento ricevuto" in panel.empty.text()
    for start in range(1, 1001, 250):
        journal.push(sample_events(250, start_id=start))
    qtbot.wait_until(lambda: "100 eventi" in panel.count.text(), timeout=3000)
    assert panel.model.rowCount() == 100
    assert panel.model.rows()[0].event_id == 901
    assert panel.model.rows()[-1].event_id == 1000


def test_model_passes_the_qt_model_tester(qtmodeltester, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    model = EventTableModel(max_rows=50)
    model.append_rows([make_row(e) for e in sample_events(60)])
    qtmodeltester.check(model)


def test_bad_and_unknown_events_never_break_the_panel(
    qtbot: QtBot, journal: FakeJournal
) -> None:
    panel = make(qtbot, journal)
    before = panel.model.rowCount()
    journal.events_added.emit(["non un evento", None,
                               Event(id=999, event="anpr.transit", data={"gate": "C12"}),
                               Event(id=1000, event="x.y", data={"nested": {"a": 1}})])
    qtbot.wait_until(lambda: panel.model.rowCount() == before + 2, timeout=2000)
    assert texts(panel, COL_TYPE)[-2:] == ["Varco ANPR (anpr.transit)", "x.y"]


def test_kiosk_masks_plates_and_message_text() -> None:
    alert = {"priority": 1, "title": "Varco Area C 12: targa GE123TX in lista A1"}
    assert "GE123TX" in summary("alert.created", alert)
    assert "GE123TX" not in summary("alert.created", alert, kiosk=True)
    chat = {"desk": "VVF Milano", "text": "Il sig. Bianchi è ferito"}
    assert summary("chat.message", chat, kiosk=True) == "VVF Milano: messaggio"
    assert type_label("alert.created") == "Nuovo allarme"


def test_audit_entries_say_who_did_what_without_hashes() -> None:
    entry = {"id": 7, "user": "m.rossi", "action": "plate.search", "object": "GE123TX",
             "reason": "verifica furto", "hash": "ab" * 32, "prev_hash": "cd" * 32}
    assert summary("audit.appended", entry) == "m.rossi · plate.search · GE123TX"
    assert "m.rossi" not in summary("audit.appended", entry, kiosk=True)
    assert "GE123TX" not in summary("audit.appended", entry, kiosk=True)


def test_chat_receipts_read_in_italian() -> None:
    receipt = {"message_id": "m1", "desk": "VVF Milano", "kind": "read"}
    assert summary("chat.receipt", receipt) == "VVF Milano · letto"
    assert summary("chat.receipt", {**receipt, "kind": "ack"}) == (
        "VVF Milano · ricezione confermata"
    )


def test_sensor_readings_read_as_station_kind_value_level() -> None:
    reading = {"sensor_id": "s1", "station": "Lambro a Milano", "kind": "Livello Idrometrico",
               "unit": "cm", "value": 182.3, "level": "alarm"}
    assert summary("sensor.reading", reading) == (
        "Lambro a Milano · Livello Idrometrico · 182.3 cm · allarme"
    )
    row = make_row(Event(id=1, event="sensor.reading", data=reading))
    assert row.colour is not None
    assert row.colour.name() == "#e5484d"


def test_shutdown_stops_listening(qtbot: QtBot, journal: FakeJournal) -> None:
    panel = make(qtbot, journal)
    before = panel.model.rowCount()
    panel.shutdown()
    journal.push(sample_events(5, start_id=31))
    panel._flush()
    assert panel.model.rowCount() == before
    assert not panel._flush_timer.isActive()


def test_registers_as_eventlog_and_checks_params(qtbot: QtBot) -> None:
    registry = PanelRegistry()
    register(registry)
    assert registry.names() == ["eventlog"]
    assert registry.title("eventlog") == "Registro eventi"
    bad = registry.create("eventlog", PanelContext(), {"types": 3})
    qtbot.add_widget(bad)
    assert "parametro types" in getattr(bad, "message", "")


def test_works_with_the_real_event_journal(qtbot: QtBot) -> None:
    from console.api.journal import EventJournal

    journal = EventJournal(capacity=100)
    journal.apply(sample_events(10))
    panel = create(PanelContext(services={"journal": journal}), {"include_positions": True})
    qtbot.add_widget(panel)
    assert isinstance(panel, EventLogPanel)
    assert panel.model.rowCount() == 10, "history comes from the journal's recent events"
    journal.apply(sample_events(5, start_id=11) + sample_events(5, start_id=1))  # 5 repeats
    qtbot.wait_until(lambda: panel.model.rowCount() == 15, timeout=2000)
    assert [r.event_id for r in panel.model.rows()][-5:] == [11, 12, 13, 14, 15]
