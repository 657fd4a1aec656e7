"""Incident panels for the layouts: "incidents" (list, form, lifecycle, timeline, exports) and
"units" (units board with dispatch suggestions).

Both share one IncidentDesk per workstation (see wiring.desk_for). Missing services are said
plainly in the UI: without a session the forms still work and keep drafts; without the units
store the board says so.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from console.i18n import tr

__all__ = ["make_incidents_panel", "make_units_board", "register"]


def make_incidents_panel(ctx: Any, params: dict[str, Any]) -> QWidget:
    from widgets.incidents.panel import IncidentsPanel
    from widgets.incidents.wiring import desk_for

    desk = desk_for(ctx)
    services = ctx.services
    panel = IncidentsPanel(desk, services.get("intents"), services.get("alerts"),
                           services.get("units"))
    loader = services.get("place_index_loader")
    if loader is not None:
        if loader.index is not None:
            panel.set_place_index(loader.index)
        loader.loaded.connect(panel.set_place_index)
    return panel


def make_units_board(ctx: Any, params: dict[str, Any]) -> QWidget:
    from widgets.incidents.units_board import UnitsBoard
    from widgets.incidents.wiring import desk_for

    desk = desk_for(ctx)
    board = UnitsBoard(ctx.services.get("units"), desk)
    loader = ctx.services.get("place_index_loader")
    if loader is not None:
        if loader.index is not None:
            board.set_place_index(loader.index)
        loader.loaded.connect(board.set_place_index)
    return board


def register(registry: Any) -> None:
    registry.register("incidents", make_incidents_panel, title=tr("Eventi e interventi"),
                      description=tr("Schede evento: elenco, scheda, stati, cronologia, "
                                     "esportazioni EMSI/CAP/PDF"))
    registry.register("units", make_units_board, title=tr("Quadro unità"),
                      description=tr("Stato delle unità, assegnazioni e unità suggerite"))
