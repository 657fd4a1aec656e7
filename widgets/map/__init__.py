"""The live map panel ("map"): offline base map, layer packs, live layers, touch-ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.i18n import tr


def create_map_panel(ctx: Any, params: dict[str, Any]) -> Any:
    """Panel factory: `params` may hold `layers` (extra pack paths), `tiles` (an MBTiles file or
    an XYZ template) and `touch` (finger-sized targets)."""
    from widgets.map.panel import MapPanel

    services: dict[str, object] = dict(getattr(ctx, "services", {}) or {})
    packs = [Path(p) for p in services.get("layer_packs") or []]  # type: ignore[attr-defined]
    packs += [Path(p) for p in params.get("layers", [])]
    touch = bool(
        params.get("touch")
        or getattr(ctx, "touch", False)
        or getattr(ctx, "mode", "") in ("tactical-table", "tactical_table", "table")
    )
    return MapPanel(services, touch=touch, packs=packs, tiles=str(params.get("tiles", "")))


def register(registry: Any) -> None:
    registry.register(
        "map",
        create_map_panel,
        title=tr("Mappa"),
        description=tr("Mappa operativa: unità, telecamere, allarmi, livelli città"),
    )
