"""The registered "alerts" panel in the composition root's conditions: built before sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

import widgets.alerts
from console.alerts.store import AlertStore
from console.intents import Intents
from tests.unit.alerts.samples import T0, scene
from widgets.alerts.panel import AlertsPanel
from widgets.shell.context import PanelContext
from widgets.shell.registry import PanelRegistry


class FakeSession:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any], str | None]] = []

    def send(self, method: str, path: str, body: Any = None, key: str | None = None) -> str:
        self.sent.append((method, path, body, key))
        return key or ""


def test_registered_panel_sends_through_a_session_that_arrives_later(
    qtbot: QtBot, milano_pack: Path
) -> None:
    registry = PanelRegistry()
    widgets.alerts.register(registry)
    store = AlertStore(clock=lambda: T0)
    ctx = PanelContext(
        services={"alerts": store, "intents": Intents(), "session": None,
                  "layer_packs": [milano_pack]},
        operator="radio",
    )
    panel = registry.create("alerts", ctx, {})
    qtbot.add_widget(panel)
    assert isinstance(panel, AlertsPanel)
    assert len(store.gates) == 42  # Area C gates from the pack feed the next-gate guess
    store.reset(scene(T0))
    panel.act("ack", "AL000001", {})
    assert "collegamento" in panel.card.message.text()  # no session yet: said, not raised
    session = FakeSession()
    ctx.services["session"] = session
    panel.act("ack", "AL000001", {})
    assert session.sent[0][1] == "/api/v1/alerts/AL000001/actions"
    assert session.sent[0][2] == {"action": "ack", "reason": ""}


def test_panel_without_store_says_so(qtbot: QtBot) -> None:
    registry = PanelRegistry()
    widgets.alerts.register(registry)
    panel = registry.create("alerts", PanelContext(), {})
    qtbot.add_widget(panel)
    assert "non disponibile" in panel.text()  # type: ignore[attr-defined]


def test_card_goes_below_the_queue_in_a_side_dock(qtbot: QtBot) -> None:
    """Beside the queue the card needs a wide panel; a side dock's layout puts it below."""
    from PySide6.QtCore import Qt

    registry = PanelRegistry()
    widgets.alerts.register(registry)
    ctx = PanelContext(services={"alerts": AlertStore(clock=lambda: T0)}, operator="coc")
    below = registry.create("alerts", ctx, {"card": "below"})
    beside = registry.create("alerts", ctx, {})
    odd = registry.create("alerts", ctx, {"card": "sopra"})
    for panel in (below, beside, odd):
        qtbot.add_widget(panel)
    assert isinstance(below, AlertsPanel)
    assert isinstance(beside, AlertsPanel)
    assert isinstance(odd, AlertsPanel)
    assert below.splitter.orientation() == Qt.Orientation.Vertical
    assert beside.splitter.orientation() == Qt.Orientation.Horizontal
    assert odd.splitter.orientation() == Qt.Orientation.Horizontal  # unknown: the default
    below.show()
    below.resize(600, 900)
    qtbot.wait_until(lambda: below.width() < 700)  # fits a side dock of a 1920 px screen
