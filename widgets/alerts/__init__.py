"""Alert panels: "alerts" (queue beside the card) registered for the layouts.

The factory takes what it finds in `ctx.services` ("alerts" store, "intents", "session" or an
"alert_actions" service, "cameras") and says plainly in the UI what is missing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from console.i18n import tr

__all__ = ["make_alerts_panel", "register"]


def _service(ctx: Any, name: str) -> Any:
    services = getattr(ctx, "services", None) or {}
    return services.get(name)


def make_alerts_panel(ctx: Any, params: dict[str, Any]) -> QWidget:
    from console.alerts.actions import AlertActions
    from console.alerts.store import AlertStore
    from console.intents import Intents
    from widgets.alerts.panel import AlertsPanel

    store = _service(ctx, "alerts")
    if not isinstance(store, AlertStore):
        label = QLabel(tr("Coda avvisi non disponibile: archivio avvisi non collegato."))
        label.setWordWrap(True)
        return label
    operator = str(getattr(ctx, "operator", "") or "")
    actions = _service(ctx, "alert_actions")
    if not isinstance(actions, AlertActions):
        session = _service(ctx, "session")
        send = getattr(session, "send", None) if session is not None else None
        actions = AlertActions(store, send if callable(send) else None, operator)
    intents = _service(ctx, "intents")
    return AlertsPanel(
        store,
        actions,
        intents if isinstance(intents, Intents) else None,
        cameras=_service(ctx, "cameras"),
        kiosk=bool(getattr(ctx, "kiosk", False)),
    )


def register(registry: Any) -> None:
    registry.register(
        "alerts",
        make_alerts_panel,
        title=tr("Avvisi"),
        description=tr("Coda avvisi con scheda: targhe, meteo, idrometri, emergenze"),
    )
