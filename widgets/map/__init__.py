"""The live map panel ("map"): offline base map, layer packs, live layers, touch-ready."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from console.i18n import tr

log = logging.getLogger(__name__)


def create_map_panel(ctx: Any, params: dict[str, Any]) -> Any:
    """Panel factory: `params` may hold `layers` (extra pack paths), `tiles` (an MBTiles file or
    an XYZ template), `touch` (finger-sized targets) and the opening view: `center` ([lon, lat])
    and `zoom` (e.g. 12.5 for the city, 10.5 for the whole Città metropolitana)."""
    from widgets.map.panel import MapPanel

    services: dict[str, object] = dict(getattr(ctx, "services", {}) or {})
    packs = [Path(p) for p in services.get("layer_packs") or []]  # type: ignore[attr-defined]
    packs += [Path(p) for p in params.get("layers", [])]
    touch = bool(
        params.get("touch")
        or getattr(ctx, "touch", False)
        or getattr(ctx, "mode", "") in ("tactical-table", "tactical_table", "table")
    )
    panel = MapPanel(services, touch=touch, packs=packs, tiles=str(params.get("tiles", "")))
    center, zoom = opening_view(params)
    if center is not None or zoom is not None:
        from widgets.map.panel import MILAN

        lon, lat = center if center is not None else MILAN
        panel.show_on_map(lon, lat, zoom or 0.0)
    return panel


def opening_view(params: dict[str, Any]) -> tuple[tuple[float, float] | None, float | None]:
    """The layout's `center` and `zoom`, each dropped with a log line when it makes no sense."""
    center: tuple[float, float] | None = None
    zoom: float | None = None
    raw = params.get("center")
    if raw is not None:
        try:
            lon, lat = (float(v) for v in raw)
            if not (-180 <= lon <= 180 and -85 <= lat <= 85):
                raise ValueError("outside the world")
            center = (lon, lat)
        except (TypeError, ValueError) as exc:
            log.warning("map: center %r ignored (%s): expected [lon, lat]", raw, exc)
    if params.get("zoom") is not None:
        try:
            zoom = float(params["zoom"])
            if not 3 <= zoom <= 20:
                raise ValueError("outside 3-20")
        except (TypeError, ValueError) as exc:
            log.warning("map: zoom %r ignored (%s)", params["zoom"], exc)
            zoom = None
    return center, zoom


def register(registry: Any) -> None:
    registry.register(
        "map",
        create_map_panel,
        title=tr("Mappa"),
        description=tr("Mappa operativa: unità, telecamere, allarmi, livelli città"),
    )
