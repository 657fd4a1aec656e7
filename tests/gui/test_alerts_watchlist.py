"""The watchlist screen as an operator uses it: add a plate (reason and expiry required, plate
checked), see it pending until the server confirms, see its hits, remove it, read a refusal.

The server side is a small fake session (real EventRouter, an outbox-like refusal signal); the
real training back-end is exercised in tests/integration/test_alerts_watchlist_training.py.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from pytestqt.qtbot import QtBot

from console.alerts.actions import AlertActions
from console.alerts.store import AlertStore
from console.anpr.watchlist import WatchlistStore
from console.api.contract import Event
from console.api.router import EventRouter
from console.paths import REPO_ROOT
from widgets.alerts.panel import AlertsPanel
from widgets.alerts.watchlist import COLUMNS, WatchlistScreen
from widgets.common.style import style_sheet

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class Outbox(QObject):
    command_failed = Signal(str, str)


class FakeSession:
    """What WatchlistStore.bind() uses of a Session: send, fetch, router, outbox."""

    def __init__(self, snapshot: list[dict[str, Any]] | None = None) -> None:
        self.router = EventRouter()
        self.outbox = Outbox()
        self.sent: list[tuple[str, str, Any, str]] = []
        self.snapshot = snapshot or []
        self.event_id = 0

    def send(self, method: str, path: str, body: Any = None, key: str | None = None) -> str:
        self.sent.append((method, path, body, key or ""))
        return key or ""

    async def fetch(self, path: str) -> Any:
        assert path == "/api/v1/watchlist"
        return self.snapshot

    def event(self, kind: str, data: dict[str, Any]) -> None:
        self.event_id += 1
        self.router.dispatch([Event(id=self.event_id, event=kind, data=data)])


def entry(plate: str, hits: int = 0, hours: float = 8, **kw: Any) -> dict[str, Any]:
    body = {
        "plate": plate,
        "reason": "Segnalazione 112 n. 4521",
        "added_by": "radio",
        "expiry": (T0 + timedelta(hours=hours)).isoformat(),
        "added_at": T0.isoformat(),
        "hits": hits,
    }
    body.update(kw)
    return body


@pytest.fixture
def screen(qtbot: QtBot) -> tuple[WatchlistScreen, FakeSession]:
    session = FakeSession(
        [entry("GH404JK", hits=3, last_hit_at=T0.isoformat(), last_gate="Corso Venezia")]
    )
    store = WatchlistStore(user="radio", clock=lambda: T0)
    widget = WatchlistScreen(store, lambda: session)
    qtbot.add_widget(widget)
    widget.bind()
    return widget, session


def cells(widget: WatchlistScreen) -> list[dict[str, str]]:
    m = widget.model
    return [
        {name: m.index(r, c).data() for c, name in enumerate(COLUMNS)} for r in range(m.rowCount())
    ]


def test_model_passes_qtmodeltester(
    screen: tuple[WatchlistScreen, FakeSession], qtmodeltester: Any
) -> None:
    widget, _ = screen
    qtmodeltester.check(widget.model)
    assert cells(widget)[0]["plate"] == "GH 404 JK"
    assert cells(widget)[0]["hits"] == "3"
    assert "Corso Venezia" in cells(widget)[0]["last"]


@pytest.mark.parametrize(
    ("plate", "reason", "expiry_index", "says"),
    [
        ("", "furto in abitazione", 1, "Targa vuota"),
        ("AB 12€ CD", "furto in abitazione", 1, "non valida"),
        ("AB123CD", "", 1, "Motivo obbligatorio"),
        ("AB123CD", "furto in abitazione", 0, "Scadenza obbligatoria"),
    ],
)
def test_add_refuses_in_words_and_sends_nothing(
    screen: tuple[WatchlistScreen, FakeSession],
    plate: str,
    reason: str,
    expiry_index: int,
    says: str,
) -> None:
    widget, session = screen
    widget.plate.setText(plate)
    widget.reason.setText(reason)
    widget.expiry.setCurrentIndex(expiry_index)
    widget.add_button.click()
    assert says in widget.message.text()
    assert session.sent == []
    assert widget.plate.text() == plate  # the operator's input is kept to correct it


def test_add_is_pending_until_the_server_confirms_then_counts_hits(
    screen: tuple[WatchlistScreen, FakeSession], qtbot: QtBot
) -> None:
    widget, session = screen
    widget.plate.setText("ab-123 cd")
    assert "AB 123 CD" in widget.plate_hint.text()
    widget.reason.setText("Auto vista sul luogo della rapina")
    widget.expiry.setCurrentIndex(2)  # 24 ore
    qtbot.keyClick(widget.reason, Qt.Key.Key_Return)
    method, path, body, key = session.sent[0]
    assert (method, path) == ("PUT", "/api/v1/watchlist/AB123CD")
    assert body["reason"] == "Auto vista sul luogo della rapina"
    assert datetime.fromisoformat(body["expiry"]) == T0 + timedelta(hours=24)
    assert key
    row = next(r for r in cells(widget) if r["plate"] == "AB 123 CD")
    assert row["state"] == "in invio"
    assert widget.plate.text() == ""  # form cleared for the next plate

    session.event("watchlist.updated", entry("AB123CD", hours=24))
    row = next(r for r in cells(widget) if r["plate"] == "AB 123 CD")
    assert row["state"] == "attiva"
    session.event("watchlist.updated", entry("AB123CD", hits=2, hours=24))
    assert next(r for r in cells(widget) if r["plate"] == "AB 123 CD")["hits"] == "2"


def test_remove_selected_then_gone_when_confirmed(
    screen: tuple[WatchlistScreen, FakeSession],
) -> None:
    widget, session = screen
    assert not widget.remove_button.isEnabled()
    widget.table.selectRow(0)
    assert widget.remove_button.isEnabled()
    widget.remove_button.click()
    assert session.sent[0][:2] == ("DELETE", "/api/v1/watchlist/GH404JK")
    assert cells(widget)[0]["state"] == "rimozione in invio"
    session.event("watchlist.removed", {"plate": "GH404JK", "removed_by": "radio"})
    assert cells(widget) == []
    assert widget.empty.isVisibleTo(widget)


def test_refusal_by_the_server_undoes_the_pending_row_and_says_why(
    screen: tuple[WatchlistScreen, FakeSession],
) -> None:
    widget, session = screen
    widget.plate.setText("ZZ999ZZ")
    widget.reason.setText("verifica")
    widget.expiry.setCurrentIndex(1)
    widget.add()
    key = session.sent[0][3]
    session.outbox.command_failed.emit(key, "Ruolo non autorizzato")
    assert [r["plate"] for r in cells(widget)] == ["GH 404 JK"]
    assert "Ruolo non autorizzato" in widget.message.text()
    assert "ZZ999ZZ" in widget.message.text()


def test_expired_entries_stay_listed_but_marked(qtbot: QtBot) -> None:
    store = WatchlistStore(clock=lambda: T0)
    store.reset([entry("AA111AA", hours=-1), entry("BB222BB", hours=5)])
    widget = WatchlistScreen(store)
    qtbot.add_widget(widget)
    assert [(r["plate"], r["state"]) for r in cells(widget)] == [
        ("BB 222 BB", "attiva"),
        ("AA 111 AA", "scaduta"),
    ]


def test_alerts_panel_has_a_watchlist_tab_except_on_kiosk(qtbot: QtBot) -> None:
    alerts = AlertStore(clock=lambda: T0)
    store = WatchlistStore(clock=lambda: T0)
    store.reset([entry("AA111AA"), entry("BB222BB", hours=-2)])
    panel = AlertsPanel(alerts, AlertActions(alerts, None, "radio"), None, watchlist=store)
    qtbot.add_widget(panel)
    assert panel.watchlist is not None
    assert panel.tabs.tabText(1) == "Targhe sorvegliate (1)"
    store.apply([Event(id=1, event="watchlist.updated", data=entry("CC333CC"))])
    assert panel.tabs.tabText(1) == "Targhe sorvegliate (2)"
    kiosk = AlertsPanel(
        alerts, AlertActions(alerts, None, "wall"), None, kiosk=True, watchlist=store
    )
    qtbot.add_widget(kiosk)
    assert kiosk.watchlist is None


def test_screenshot(qtbot: QtBot) -> None:
    """docs/screenshots/alerts-watchlist.png (written when CENTRALE_SCREENSHOTS is set)."""
    store = WatchlistStore(user="radio", clock=lambda: T0)
    store.reset(
        [
            entry(
                "GH404JK",
                hits=3,
                last_hit_at=(T0 - timedelta(minutes=4)).isoformat(),
                last_gate="Corso Venezia",
            ),
            entry(
                "FA218LM",
                hours=70,
                reason="Furto con destrezza, denuncia 3312/2026",
                added_by="video",
            ),
            entry(
                "DE771PR",
                hits=1,
                hours=2,
                reason="Auto vista sul luogo della rapina",
                last_hit_at=(T0 - timedelta(minutes=40)).isoformat(),
                last_gate="Piazza Cinque Giornate",
            ),
            entry("CZ090XB", hours=-3, reason="Verifica conclusa"),
        ]
    )
    session = FakeSession()
    load = store.bind(session)
    assert load is not None
    load.close()  # keep the rows above instead of the fake's empty snapshot
    widget = WatchlistScreen(store)
    widget.setStyleSheet(style_sheet())  # the console's look, on this widget only
    qtbot.add_widget(widget)
    widget.plate.setText("ab 123 cd")
    widget.reason.setText("Segnalazione cittadino, chiamata 112 delle 08:52")
    widget.expiry.setCurrentIndex(2)
    widget.add()
    widget.plate.setText("ef 55")
    widget.resize(1280, 520)
    widget.show()
    qtbot.wait_exposed(widget)
    image = widget.grab()
    assert image.width() == 1280
    if os.environ.get("CENTRALE_SCREENSHOTS"):
        out = Path(REPO_ROOT) / "docs" / "screenshots" / "alerts-watchlist.png"
        image.save(str(out))


def test_panel_loads_the_watchlist_with_the_alert_snapshot(qtbot: QtBot) -> None:
    """The alert snapshot loads after the sign-in and after a resync: so does the watchlist."""
    session = FakeSession([entry("GH404JK")])
    alerts = AlertStore(clock=lambda: T0)
    store = WatchlistStore(clock=lambda: T0)
    panel = AlertsPanel(
        alerts, AlertActions(alerts, None, "radio"), None, watchlist=store, session=lambda: session
    )
    qtbot.add_widget(panel)
    assert store.rows() == []
    alerts.reset([])  # what Session.load_snapshots does after the sign-in
    assert [r.plate for r in store.rows()] == ["GH404JK"]
    assert panel.tabs.tabText(1) == "Targhe sorvegliate (1)"
    session.snapshot = [entry("GH404JK"), entry("AA111AA")]
    alerts.reset([])  # a resync of the event stream
    assert panel.tabs.tabText(1) == "Targhe sorvegliate (2)"
    session.event("watchlist.removed", {"plate": "AA111AA"})  # bound once, not twice
    assert [r.plate for r in store.rows()] == ["GH404JK"]
