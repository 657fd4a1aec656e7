"""Zones an operator filters the alert queue by, decided by geometry rather than by name.

An alert's place name ("Varco Corso Venezia", "Idrometro Niguarda") says nothing about which
Municipio it is in, and a river-level alert covers an area that may straddle two. So the zone
filter tests the alert's GeoJSON geometry against the zone polygons (shapely, STRtree): a point
inside, or an area that intersects. Zones come from the layer pack (the Municipi of Milan);
without a pack the queue falls back to place names and says nothing it cannot know.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

log = logging.getLogger(__name__)

MUNICIPI_FILE = "milano_municipi.geojson"


class Zones:
    """Named polygons; `zones_of(geometry)` answers which ones an alert touches."""

    def __init__(self, named: Sequence[tuple[str, BaseGeometry]]) -> None:
        self._names = [name for name, _ in named]
        self._shapes = [geom for _, geom in named]
        for geom in self._shapes:
            shapely.prepare(geom)
        self._tree = STRtree(self._shapes)

    def names(self) -> list[str]:
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def zones_of(self, geometry: Mapping[str, Any] | None) -> frozenset[str]:
        """Zones the geometry is in or intersects; empty for none, or for broken geometry."""
        if not geometry:
            return frozenset()
        try:
            geom = shape(geometry)
        except (ShapelyError, ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            log.debug("alert geometry not usable for zones: %s", exc)
            return frozenset()
        if geom.is_empty:
            return frozenset()
        hits = self._tree.query(geom, predicate="intersects")
        return frozenset(self._names[int(i)] for i in hits)


def load_zones(pack: Path) -> Zones | None:
    """The Municipi of a layer pack as zones ("Municipio 1" ... "Municipio 9"), or None."""
    path = pack / MUNICIPI_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.info("no zones from %s: %s", path, exc)
        return None
    named: list[tuple[int, str, BaseGeometry]] = []
    for feature in data.get("features", []):
        try:
            props = feature.get("properties") or {}
            number = int(props["MUNICIPIO"])
            geom = shape(feature["geometry"])
        except (ShapelyError, KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("zone feature skipped in %s: %s", path, exc)
            continue
        if not geom.is_valid:
            geom = geom.buffer(0)
        named.append((number, f"Municipio {number}", geom))
    if not named:
        return None
    named.sort(key=lambda z: z[0])
    return Zones([(name, geom) for _, name, geom in named])
