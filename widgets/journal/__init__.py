"""Registro eventi: the live journal of back-end events."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from console.i18n import tr
from widgets.journal.panel import EventLogPanel
from widgets.shell.context import PanelContext
from widgets.shell.registry import PanelRegistry

__all__ = ["EventLogPanel", "create", "register"]


def create(ctx: PanelContext, params: dict[str, Any]) -> QWidget:
    """Params: types (list of event-type prefixes, e.g. ["alert."]), include_positions (bool),
    max_rows (int)."""
    types = params.get("types", [])
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ValueError(tr("parametro types: serve una lista di prefissi, es. [\"alert.\"]"))
    max_rows = params.get("max_rows", 5000)
    if not isinstance(max_rows, int) or max_rows < 1:
        raise ValueError(tr("parametro max_rows: serve un numero intero positivo"))
    return EventLogPanel(
        ctx.get("journal"),
        types=types,
        include_positions=bool(params.get("include_positions", False)),
        kiosk=ctx.kiosk,
        max_rows=max_rows,
    )


def register(registry: PanelRegistry) -> None:
    registry.register(
        "eventlog", create, title=tr("Registro eventi"),
        description=tr("Gli eventi ricevuti dal back-end, in diretta, con filtro e pausa."),
    )
