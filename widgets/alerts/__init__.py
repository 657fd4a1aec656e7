"""Alert panels: "alerts" (queue beside the card, and the watchlist tab) registered for the layouts.

The factory takes what it finds in `ctx.services` ("alerts" store, "intents", "session" or an
"alert_actions" service, "cameras", optionally "watchlist") and says plainly in the UI what is
missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from console.i18n import tr

__all__ = ["make_alerts_panel", "register"]


def _service(ctx: Any, name: str) -> Any:
    services = getattr(ctx, "services", None) or {}
    return services.get(name)


def _session_sender(ctx: Any) -> Any:
    """Send through whatever session the composition root holds at the time of the action.

    Panels are built before the sign-in; the session arrives later in ctx.services.
    """
    from console.alerts.actions import ActionRefused

    def send(method: str, path: str, body: dict[str, Any], key: str) -> object:
        session = _service(ctx, "session")
        if session is None or not callable(getattr(session, "send", None)):
            raise ActionRefused(tr("Nessun collegamento al server: azione non inviata."))
        return session.send(method, path, body, key)

    return send


def make_alerts_panel(ctx: Any, params: dict[str, Any]) -> QWidget:
    from console.alerts.actions import AlertActions
    from console.alerts.store import AlertStore
    from console.alerts.zones import load_zones
    from console.anpr.gates import load_gates
    from console.anpr.watchlist import WatchlistStore
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
        actions = AlertActions(store, _session_sender(ctx), operator)
    if not store.gates:  # gate positions for "likely next gates" come from the layer packs
        for pack in _service(ctx, "layer_packs") or []:
            gates = load_gates(Path(pack))
            if gates:
                store.set_gates(gates)
                break
    zones = None  # the zone filter tests alert geometry against the pack's Municipi
    for pack in _service(ctx, "layer_packs") or []:
        zones = load_zones(Path(pack))
        if zones is not None:
            break
    intents = _service(ctx, "intents")
    # The composition root may own the watchlist store; otherwise the panel keeps one and binds
    # it to the session once the operator has signed in.
    watchlist = _service(ctx, "watchlist")
    if not isinstance(watchlist, WatchlistStore):
        watchlist = WatchlistStore(user=operator)
    return AlertsPanel(
        store,
        actions,
        intents if isinstance(intents, Intents) else None,
        cameras=_service(ctx, "cameras"),
        kiosk=bool(getattr(ctx, "kiosk", False)),
        watchlist=watchlist,
        session=lambda: _service(ctx, "session"),
        zones=zones,
        card=str(params.get("card", "beside")),  # "below" in a side dock
    )


def register(registry: Any) -> None:
    registry.register(
        "alerts",
        make_alerts_panel,
        title=tr("Avvisi"),
        description=tr("Coda avvisi con scheda: targhe, meteo, idrometri, emergenze"),
    )
