"""This workstation's presence as the operator's hands decide it (fake clock, real Qt input), and
the presence of the channel's desk in the panel header with its last contact."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from console.api import contract
from console.intents import Intents
from tests.gui.chat_demo import build
from widgets.chat.channel_list import ID_ROLE, presence_text
from widgets.chat.panel import ChatPanel
from widgets.chat.presence import AWAY_AFTER_S, PresenceTracker


class Clock:
    def __init__(self) -> None:
        self.t = 500.0

    def __call__(self) -> float:
        return self.t


def test_away_after_idle_online_at_the_next_input_offline_at_stop(qtbot: QtBot) -> None:
    said: list[str] = []
    clock = Clock()
    tracker = PresenceTracker(said.append, clock=clock)
    tracker.start()
    box = QLineEdit()
    qtbot.add_widget(box)
    box.show()
    assert said == ["online"]
    clock.t += AWAY_AFTER_S - 1
    tracker.check_idle()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(3, 3))  # resets the idle time
    clock.t += AWAY_AFTER_S - 1
    tracker.check_idle()
    assert said == ["online"]
    clock.t += 1
    tracker.check_idle()
    tracker.check_idle()
    assert said == ["online", "away"]
    tracker.beat()  # the heartbeat repeats the state, whatever it is
    assert said == ["online", "away", "away"]
    qtbot.keyClick(box, Qt.Key.Key_X)
    assert said == ["online", "away", "away", "online"]
    qtbot.keyClick(box, Qt.Key.Key_Y)  # already online: nothing more to say
    assert said[-1] == "online"
    assert len(said) == 4
    tracker.stop()
    assert said[-1] == "offline"
    tracker.beat()  # stopped: no heartbeat says we are back
    clock.t += AWAY_AFTER_S * 2
    qtbot.keyClick(box, Qt.Key.Key_Z)  # the filter is gone
    assert said[-1] == "offline"
    assert len(said) == 5


def test_header_shows_the_desk_presence_and_its_last_contact(qtbot: QtBot) -> None:
    store, service, _recorder = build()
    panel = ChatPanel(store, service, Intents())
    qtbot.add_widget(panel)
    panel.open_channel("vvf")
    at = datetime(2026, 12, 6, 9, 41, tzinfo=UTC)
    since = datetime(2026, 12, 6, 9, 12, tzinfo=UTC)
    away = contract.Presence(desk="VVF Milano", status="away", at=at, since=since)
    store.set_presence([away], replace=False)
    local = since.astimezone().strftime("%H:%M")
    assert panel.presence.text() == f"● assente — ultimo contatto {local}"
    gone = contract.Presence(desk="VVF Milano", status="offline", at=at, since=at)
    store.set_presence([gone], replace=False)
    assert panel.presence.text() == presence_text(gone)
    assert panel.presence.text().endswith(at.astimezone().strftime("%H:%M"))
    assert "non in linea" in panel.presence.text()
    tip = tooltip(panel, "vvf")
    assert "non in linea — ultimo contatto" in tip
    back = contract.Presence(desk="VVF Milano", status="online", at=at, since=at)
    store.set_presence([back], replace=False)
    assert panel.presence.text() == "● in linea"
    assert "ultimo contatto" not in tooltip(panel, "vvf")


def tooltip(panel: ChatPanel, channel_id: str) -> str:
    lst = panel.channels
    for row in range(lst.count()):
        item = lst.item(row)
        if item.data(ID_ROLE) == channel_id:
            return str(item.toolTip())
    raise AssertionError(f"no channel {channel_id} in the list")


def test_banner_says_when_the_back_end_has_paged_the_supervisor(qtbot: QtBot) -> None:
    store, service, _recorder = build()
    panel = ChatPanel(store, service, Intents())
    qtbot.add_widget(panel)
    panel.show()
    panel.open_channel("vvf")
    assert panel.banner.isVisible()
    assert "supervisore avvisato" not in panel.banner.label.text()
    page = contract.FlashEscalation(
        message_id="MSG-000106",
        channel_id="vvf",
        desk="VVF Milano",
        text="Fumo denso",
        level=1,
        sent_at=datetime(2026, 12, 6, 9, 14, tzinfo=UTC),
        at=datetime(2026, 12, 6, 9, 16, tzinfo=UTC),
        pending=["Operatore sala radio"],
    )
    store.set_escalation(page)
    assert "supervisore avvisato dal sistema" in panel.banner.label.text()
    store.set_escalation(page.model_copy(update={"resolved": True, "acked_by": ["AREU 118"]}))
    assert "supervisore avvisato" not in panel.banner.label.text()
