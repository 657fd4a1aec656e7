"""'What is near / inside' over everything on the map, answered by a shapely STRtree.

The index works in Web-Mercator metres (the map's scene) and converts ground metres with the
Mercator scale factor at the query point, which is exact enough across a city (< 0.5 % over
30 km at Milan's latitude). Moving things (units) change every second, so callers rebuild the
index when they ask; 55,000 points build in tens of milliseconds, far below a click's patience.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from console.geo.projection import ground_scale, point_to_lonlat


@dataclass(frozen=True)
class Item:
    """One indexed thing: `kind` (unit, camera, gates, schools, ...) and its id within that kind."""

    kind: str
    id: str
    name: str = ""


@dataclass(frozen=True)
class Hit:
    item: Item
    distance_m: float  # ground metres from the query point (0 inside an area)


class SpatialIndex:
    """Immutable STRtree over items with Mercator geometries."""

    def __init__(self, items: Sequence[Item], geometries: Sequence[BaseGeometry]) -> None:
        if len(items) != len(geometries):
            raise ValueError("items and geometries differ in length")
        self._items = list(items)
        self._geoms = np.asarray(list(geometries), dtype=object)
        self._tree = shapely.STRtree(self._geoms)

    @classmethod
    def from_points(
        cls, items: Sequence[Item], x: Iterable[float], y: Iterable[float]
    ) -> SpatialIndex:
        pts = shapely.points(np.column_stack([np.fromiter(x, float), np.fromiter(y, float)]))
        return cls(items, list(pts) if len(items) else [])

    def __len__(self) -> int:
        return len(self._items)

    def _distances(self, idx: np.ndarray, x: float, y: float) -> list[Hit]:
        scale = ground_scale(point_to_lonlat(x, y)[1])
        origin = Point(x, y)
        dist = shapely.distance(self._geoms[idx], origin) * scale if len(idx) else []
        hits = [Hit(self._items[i], float(d)) for i, d in zip(idx, dist, strict=True)]
        hits.sort(key=lambda h: (h.distance_m, h.item.kind, h.item.id))
        return hits

    def within_circle(
        self, x: float, y: float, radius_m: float, kinds: Iterable[str] | None = None
    ) -> list[Hit]:
        """Everything within `radius_m` ground metres of Mercator point (x, y), nearest first."""
        scale = ground_scale(point_to_lonlat(x, y)[1])
        idx = self._tree.query(Point(x, y), predicate="dwithin", distance=radius_m / scale)
        return self._filter(self._distances(np.asarray(idx, dtype=int), x, y), kinds)

    def within_polygon(
        self, polygon: BaseGeometry, kinds: Iterable[str] | None = None
    ) -> list[Hit]:
        """Everything intersecting a Mercator polygon; distance measured from its centroid."""
        idx = self._tree.query(polygon, predicate="intersects")
        c = polygon.centroid
        return self._filter(self._distances(np.asarray(idx, dtype=int), c.x, c.y), kinds)

    def nearest(
        self,
        x: float,
        y: float,
        n: int = 5,
        kinds: Iterable[str] | None = None,
        accept: set[str] | None = None,
    ) -> list[Hit]:
        """The `n` nearest items (optionally of some kinds / only ids in `accept`)."""
        if not self._items:
            return []
        wanted = set(kinds) if kinds is not None else None
        pool = [
            i
            for i, it in enumerate(self._items)
            if (wanted is None or it.kind in wanted) and (accept is None or it.id in accept)
        ]
        if not pool:
            return []
        return self._distances(np.asarray(pool, dtype=int), x, y)[:n]

    @staticmethod
    def _filter(hits: list[Hit], kinds: Iterable[str] | None) -> list[Hit]:
        if kinds is None:
            return hits
        wanted = set(kinds)
        return [h for h in hits if h.item.kind in wanted]
