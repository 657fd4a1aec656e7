"""The chat panel as an operator uses it: composer keys, oversize text, pending display, flash
acknowledgement and escalation, markup shown as text, search, references that open other panels.
The outbox is a recorder here; tests/integration/test_chat_exchange.py has the real back-end."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from console.api import contract
from console.chat.model import MAX_TEXT
from console.chat.service import PAGE
from console.chat.store import ChatStore
from console.intents import Intents
from tests.gui.chat_demo import T0, Recorder, build, msg
from widgets.chat.channel_list import BADGE_ROLE, ID_ROLE
from widgets.chat.message_view import MAX_SHOWN, MessageBubble
from widgets.chat.panel import ChatPanel


class Minutes:
    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self) -> object:
        return T0 + timedelta(minutes=self.value)


@pytest.fixture
def chat(qtbot: QtBot) -> tuple[ChatPanel, ChatStore, Recorder, Intents, Minutes]:
    store, service, recorder = build()
    clock = Minutes(14.5)
    store.clock = clock  # type: ignore[assignment]
    intents = Intents()
    panel = ChatPanel(store, service, intents)
    qtbot.add_widget(panel)
    panel.resize(1200, 800)
    panel.show()
    panel.open_channel("vvf")
    return panel, store, recorder, intents, clock


def bubble_for(panel: ChatPanel, text: str) -> MessageBubble:
    found = [b for b in panel.view.bubbles() if b.entry.message.text == text]
    assert found, f"no message {text!r} on screen"
    return found[-1]


def buttons(widget: MessageBubble) -> dict[str, QPushButton]:
    return {b.text(): b for b in widget.findChildren(QPushButton)}


def messages_sent(recorder: Recorder) -> list[tuple[str, dict[str, object]]]:
    return [(path, body) for _m, path, body, _k in recorder.commands if path.endswith("/messages")]


def test_enter_sends_shift_enter_breaks_the_line(chat: tuple, qtbot: QtBot) -> None:
    panel, _store, recorder, _intents, _clock = chat
    edit = panel.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Chiusura via Padova")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, "fino alle 18")
    assert messages_sent(recorder) == []  # Shift+Enter only started a new line
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert messages_sent(recorder) == [
        (
            "/chat/channels/vvf/messages",
            {"text": "Chiusura via Padova\nfino alle 18", "flash": False},
        )
    ]
    assert panel.composer.text() == ""
    # Shown at once as pending, before any server has seen it.
    pending = bubble_for(panel, "Chiusura via Padova\nfino alle 18")
    assert pending.entry.pending
    assert "In attesa" in pending.status.text()
    assert "Correggi" not in buttons(pending)


def test_pending_turns_sent_when_the_server_copy_arrives(chat: tuple) -> None:
    panel, store, recorder, _intents, _clock = chat
    assert panel.service.send("vvf", "Delta 14 sul posto").ok
    key = recorder.commands[-1][3]
    store.apply(
        [
            contract.Event(
                id=900,
                event="chat.message",
                data=msg(
                    200,
                    "vvf",
                    "Operatore sala radio",
                    "radio",
                    "Delta 14 sul posto",
                    14.6,
                    client_key=key,
                ),
            )
        ]
    )
    shown = [b.entry for b in panel.view.bubbles() if b.entry.message.text == "Delta 14 sul posto"]
    assert [(e.id, e.state) for e in shown] == [("MSG-000200", "sent")]  # one, not two


def test_oversize_text_stays_in_the_composer_with_a_notice(chat: tuple) -> None:
    panel, _store, recorder, _intents, _clock = chat
    long_text = "x" * (MAX_TEXT + 1)
    panel.composer.set_text(long_text)
    assert panel.composer.counter.text() == f"{MAX_TEXT + 1}/{MAX_TEXT}"
    panel.composer.send.click()
    assert messages_sent(recorder) == []
    assert panel.composer.text() == long_text
    assert "troppo lungo" in panel.composer.notice.text()


def test_unknown_channel_is_refused_in_words(chat: tuple) -> None:
    panel, _store, recorder, intents, _clock = chat
    intents.open_channel.emit("nessuno", "bozza")
    assert "non è disponibile" in panel.composer.notice.text()
    result = panel.service.send("nessuno", "ciao")
    assert not result.ok
    assert "non esiste" in result.notice
    assert messages_sent(recorder) == []


def test_markup_is_shown_as_text(chat: tuple) -> None:
    panel, store, _recorder, _intents, _clock = chat
    raw = "Richiesto supporto PL per chiusura strada <b>urgente</b> & deviazione bus 56"
    bubble = bubble_for(panel, raw)
    assert bubble.text.textFormat() == Qt.TextFormat.PlainText
    assert bubble.text.text() == raw
    hostile = '<img src="file:///etc/passwd"><script>alert(1)</script><a href="x">link</a>'
    store.apply(
        [
            contract.Event(
                id=901,
                event="chat.message",
                data=msg(201, "vvf", "VVF Milano", "vvf.sala", hostile, 14.7),
            )
        ]
    )
    labels = [
        lbl for lbl in bubble_for(panel, hostile).findChildren(QLabel) if lbl.text() == hostile
    ]
    assert labels
    assert all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in labels)
    assert not any(lbl.openExternalLinks() for lbl in labels)


def test_flash_ack_from_the_message_and_the_banner(chat: tuple, qtbot: QtBot) -> None:
    panel, store, recorder, _intents, clock = chat
    flash_text = "Fumo denso al secondo piano, evacuazione in corso. Confermare chiusura."
    assert panel.banner.isVisible()
    assert "FLASH da confermare" in panel.banner.label.text()
    clock.value = 15.5  # 90 s without acknowledgement
    store.check_flash()
    panel._update_banner()
    assert "livello 1" in panel.banner.label.text()
    clock.value = 17.5
    store.check_flash()
    panel._update_banner()
    assert "ESCALATION" in panel.banner.label.text()

    buttons(bubble_for(panel, flash_text))["Conferma ricezione"].click()
    acks = [
        (p, b)
        for _m, p, b, _k in recorder.commands
        if p.endswith("/receipts") and b == {"kind": "ack"}
    ]
    assert acks == [("/chat/messages/MSG-000106/receipts", {"kind": "ack"})]
    assert not panel.banner.isVisible()
    assert "Conferma ricezione" not in buttons(bubble_for(panel, flash_text))


def test_search_within_the_channel(chat: tuple) -> None:
    panel, _store, _recorder, _intents, _clock = chat
    panel.search.setText("DEVIAZIONE 56")
    shown = [b.entry.id for b in panel.view.bubbles()]
    assert shown == ["MSG-000103", "MSG-000104", "MSG-000105"]
    assert panel.hits.text() == "3 risultati"
    panel.search.setText("inesistente")
    assert panel.view.bubbles() == []
    assert "Nessun messaggio trovato" in panel.view.empty.text()
    panel.search.clear()
    assert len(panel.view.bubbles()) == 6


def test_references_emit_the_console_intents(chat: tuple, qtbot: QtBot) -> None:
    panel, _store, _recorder, intents, _clock = chat
    bubble = bubble_for(
        panel, "Ricevuto. Pattuglia Delta 12 chiude via Padova all'altezza di via Cavezzali."
    )
    refs = buttons(bubble)
    with qtbot.wait_signal(intents.show_on_map, timeout=1000) as where:
        refs["Posizione sulla mappa 45.4992, 9.2245"].click()
    assert where.args == [9.2245, 45.4992, 16.0]
    with qtbot.wait_signal(intents.select, timeout=1000) as sel:
        refs["Evento INC-000012"].click()
    assert sel.args == ["incident", "INC-000012"]
    alert = buttons(
        bubble_for(panel, "Deviazione linea 56 concordata con ATM, vedi allarme collegato.")
    )
    with qtbot.wait_signal(intents.select, timeout=1000) as sel:
        alert["Allarme ALR-000231"].click()
    assert sel.args == ["alert", "ALR-000231"]


def test_correction_is_a_new_message_referencing_the_old(chat: tuple) -> None:
    panel, store, recorder, _intents, _clock = chat
    original = "Deviazione linea 56 e 81 concordata con ATM."
    buttons(bubble_for(panel, original))["Correggi"].click()
    assert panel.composer.correction.isVisible()
    panel.composer.set_text("Deviazione linee 56, 81 e 44 concordata con ATM.")
    panel.composer.send.click()
    assert messages_sent(recorder)[-1] == (
        "/chat/channels/vvf/messages",
        {
            "text": "Deviazione linee 56, 81 e 44 concordata con ATM.",
            "flash": False,
            "ref": "MSG-000105",
        },
    )
    assert store.get("MSG-000105").message.text == original  # the record is untouched


def test_handover_draft_and_unread_counts(chat: tuple) -> None:
    panel, store, _recorder, intents, _clock = chat
    assert store.state_of("areu").unread == 2
    assert store.state_of("areu").mentions == 1  # "@radio serve accesso…"
    badges = {
        panel.channels.item(r).data(ID_ROLE): panel.channels.item(r).data(BADGE_ROLE)
        for r in range(panel.channels.count())
    }
    assert badges["areu"] == (2, 1)
    assert badges["vvf"] == (0, 0)  # on screen: nothing waits there
    intents.open_channel.emit("forze-ordine", "Segnalazione targa AB123CD al varco 12")
    assert panel.current() == "forze-ordine"
    assert panel.composer.text() == "Segnalazione targa AB123CD al varco 12"
    panel.open_channel("areu")
    assert store.state_of("areu").unread == 0


def test_quick_reply_fills_the_composer_and_templates_select_the_first_field(chat: tuple) -> None:
    panel, _store, recorder, _intents, _clock = chat
    actions = {a.text(): a for a in panel.composer.menu.actions()}
    actions["Ricevuto, in carico"].trigger()
    assert panel.composer.text() == "Ricevuto, preso in carico."
    actions["Modello: Allerta (flash)"].trigger()
    assert panel.composer.flash.isChecked()
    assert panel.composer.edit.textCursor().selectedText() == "{evento}"
    assert messages_sent(recorder) == []  # nothing goes out without the operator


def test_receipt_for_an_unknown_message_is_kept_not_fatal(
    chat: tuple, caplog: pytest.LogCaptureFixture
) -> None:
    _panel, store, _recorder, _intents, _clock = chat
    with caplog.at_level(logging.INFO, logger="console.chat.store"):
        store.apply(
            [
                contract.Event(
                    id=950,
                    event="chat.receipt",
                    data={
                        "message_id": "MSG-777777",
                        "desk": "AREU 118",
                        "kind": "read",
                        "at": T0.isoformat(),
                    },
                )
            ]
        )
    assert "MSG-777777" in caplog.text
    assert store.has_receipt("MSG-777777", "AREU 118", "read")
    store.apply([contract.Event(id=951, event="chat.receipt", data={"message_id": 5})])
    assert store.rejected == 1


def test_long_channel_shows_the_newest_and_pages_back(chat: tuple) -> None:
    panel, store, _recorder, _intents, _clock = chat
    store.add_page(
        {
            "channel_id": "vvf",
            "has_more": False,
            "messages": [
                msg(1000 + i, "vvf", "VVF Milano", "vvf.sala", f"riga {i}", 2 + i / 1000)
                for i in range(250)
            ],
        }
    )
    shown = panel.view.bubbles()
    assert len(shown) == MAX_SHOWN
    assert shown[-1].entry.message.text == "riga 249"  # server order (ids), not page order
    kept = shown[-1]
    store.apply(
        [
            contract.Event(
                id=960,
                event="chat.message",
                data=msg(2000, "vvf", "VVF Milano", "vvf.sala", "ultima", 15),
            )
        ]
    )
    now = panel.view.bubbles()
    assert len(now) == MAX_SHOWN
    assert now[-1].entry.message.text == "ultima"
    assert kept in now  # kept, not rebuilt: an arrival costs one bubble, not two hundred
    assert panel.view.older.isVisible()
    panel.view.older.click()
    assert len(panel.view.bubbles()) == MAX_SHOWN + PAGE


class Located:
    def __init__(self, lon: float, lat: float) -> None:
        self.lon, self.lat = lon, lat

    def lonlat(self) -> tuple[float, float]:
        return self.lon, self.lat


def test_selected_incident_goes_with_the_message_and_its_position(qtbot: QtBot) -> None:
    store, service, recorder = build()
    incidents = {"INC-000012": Located(9.2245, 45.4992)}
    intents = Intents()
    panel = ChatPanel(store, service, intents, {"incidents": incidents, "alerts": {}}.get)
    qtbot.add_widget(panel)
    panel.show()
    panel.open_channel("vvf")
    intents.select.emit("incident", "INC-000012")  # chosen in the incidents panel
    panel._fill_attach_menu()
    actions = {a.text(): a for a in panel.composer.attach_menu.actions()}
    actions["Evento INC-000012"].trigger()
    assert panel.composer.attached_label.text() == (
        "Allegato: Evento INC-000012 · posizione 45.4992, 9.2245"
    )
    panel.composer.set_text("Chiusura confermata")
    panel.composer.send.click()
    assert messages_sent(recorder)[-1] == (
        "/chat/channels/vvf/messages",
        {
            "text": "Chiusura confermata",
            "flash": False,
            "lon": 9.2245,
            "lat": 45.4992,
            "incident_id": "INC-000012",
        },
    )
    assert not panel.composer.attached.isVisible()  # used once, then gone


def test_read_ticks_follow_receipts(chat: tuple, qtbot: QtBot) -> None:
    panel, store, _recorder, _intents, _clock = chat
    own = "Deviazione linea 56 e 81 concordata con ATM."
    assert "AREU 118" not in bubble_for(panel, own).status.text()
    store.apply(
        [
            contract.Event(
                id=970,
                event="chat.receipt",
                data={
                    "message_id": "MSG-000106",
                    "desk": "AREU 118",
                    "kind": "read",
                    "at": T0.isoformat(),
                },
            )
        ]
    )
    # Read at a later message = read here too; shown within the coalescing delay.
    qtbot.wait_until(lambda: "AREU 118" in bubble_for(panel, own).status.text(), timeout=2000)
    assert "✓✓ letto da AREU 118, Supervisore di sala" in bubble_for(panel, own).status.text()
