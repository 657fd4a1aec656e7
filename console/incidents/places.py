"""Where an incident is: comune, Municipio and NIL from its coordinates, and a place search.

Comuni come from the shipped resources/geo/comuni_mi.geojson (the 133 comuni of the Città
metropolitana, so the served area is known even without a city pack); Municipi and NIL from a
layer pack's "districts" layers (Milan's pack). The search covers what the packs name: streets
(cycle-lane street names), stops, stations, hospitals, schools, Polizia Locale commands, gates,
plus GeoNames places and the comuni. It is a finder for the operator, not a geocoder: house
numbers are not resolved, and the UI says so.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from console.geo.pack import BASE_COMUNI, BASE_PLACES, load_pack
from console.i18n import tr

log = logging.getLogger(__name__)

SEARCH_ROLES = ("streets", "stations", "stops", "hospitals", "schools", "police", "gates")


@dataclass(frozen=True)
class Where:
    comune: str = ""
    municipio: str = ""
    nil: str = ""
    inside_metro: bool = False


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # Italian, shown next to the name
    lon: float
    lat: float


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _Areas:
    def __init__(self, names: list[str], geoms: list[BaseGeometry]) -> None:
        self.names = names
        self.geoms = geoms
        self.tree = STRtree(geoms) if geoms else None
        self._array = np.array(geoms, dtype=object)
        if geoms:
            shapely.prepare(self._array)  # contains() against many points uses the prepared form

    def at_many(self, points: np.ndarray) -> list[str]:
        if self.tree is None or not len(points):
            return [""] * len(points)
        # Bounding boxes from the tree, then the exact test on the prepared areas: the tree's own
        # predicate would prepare each point instead (five times slower here).
        pairs = self.tree.query(points)
        hits = pairs[:, shapely.intersects(self._array[pairs[1]], points[pairs[0]])]
        out = np.full(len(points), "", dtype=object)
        if hits.shape[1]:
            _, first = np.unique(hits[0], return_index=True)  # first area found, like at()
            out[hits[0][first]] = np.asarray(self.names, dtype=object)[hits[1][first]]
        return [str(v) for v in out]

    def at(self, point: Point) -> str:
        if self.tree is None:
            return ""
        for idx in self.tree.query(point, predicate="intersects"):
            return self.names[int(idx)]
        return ""


def _read_features(path: Path) -> list[tuple[dict[str, object], BaseGeometry]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable: %s", path, exc)
        return []
    out = []
    for item in doc.get("features", []):
        try:
            geom = shape(item["geometry"])
        except Exception:  # a broken feature costs that feature only
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        out.append((dict(item.get("properties") or {}), geom))
    return out


class PlaceIndex:
    """Built once per set of packs (see `index_for`); queries are fast, building takes ~2 s."""

    def __init__(self, packs: Iterable[Path] = (), comuni: Path = BASE_COMUNI,
                 places: Path = BASE_PLACES) -> None:
        comuni_features = _read_features(comuni)
        self.comuni = _Areas([str(p.get("name", "")) for p, _ in comuni_features],
                             [g for _, g in comuni_features])
        self.metro: BaseGeometry | None = (
            unary_union(self.comuni.geoms) if self.comuni.geoms else None)
        if self.metro is not None:
            shapely.prepare(self.metro)
        municipi: tuple[list[str], list[BaseGeometry]] = ([], [])
        nil: tuple[list[str], list[BaseGeometry]] = ([], [])
        self.places: list[Place] = []
        self._folded: list[str] = []
        self._seen: set[str] = set()
        self.notes: list[str] = []
        for props, geom in _read_features(places):
            self._add(str(props.get("name", "")), tr("località"), geom)
        for props, geom in comuni_features:
            self._add(str(props.get("name", "")), tr("comune"), geom)
        for folder in packs:
            pack = load_pack(folder)
            for layer in pack.layers:
                if layer.style.label.upper() == "MUNICIPIO":
                    for f in layer.features:
                        municipi[0].append(tr("Municipio {n}", n=f.name))
                        municipi[1].append(f.geometry)
                elif layer.style.label.upper() == "NIL":
                    nil[0].extend(f.name.title() for f in layer.features)
                    nil[1].extend(f.geometry for f in layer.features)
                elif layer.role in SEARCH_ROLES:
                    for f in layer.features:
                        self._add(f.name, layer.title, f.geometry)
        self.municipi = _Areas(*municipi)
        self.nil = _Areas(*nil)
        if not municipi[0]:
            self.notes.append(tr("Municipi e NIL non disponibili: nessun pacchetto di livelli "
                                 "con i quartieri."))

    def _add(self, name: str, kind: str, geom: BaseGeometry) -> None:
        name = " ".join(name.split())
        if not name:
            return
        folded = _fold(name)
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        if geom.geom_type in ("LineString", "MultiLineString"):
            point = geom.interpolate(0.5, normalized=True)
        if folded in self._seen:
            return
        self._seen.add(folded)
        self.places.append(Place(name.title() if name.isupper() else name, kind, point.x,
                                 point.y))
        self._folded.append(folded)

    def inside_metro(self, lon: float, lat: float) -> bool:
        if self.metro is None:
            return True  # no boundary data: we cannot tell, so we do not block
        return bool(shapely.contains_xy(self.metro, lon, lat))

    def resolve_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[Where]:
        """`resolve` for many points at once (the units board: thousands every refresh)."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        names = [area.at_many(points) for area in (self.comuni, self.municipi, self.nil)]
        inside = (shapely.contains_xy(self.metro, lons, lats) if self.metro is not None
                  else np.ones(len(points), dtype=bool))
        return [Where(c, m, n, bool(i)) for c, m, n, i in zip(*names, inside, strict=True)]

    def resolve(self, lon: float, lat: float) -> Where:
        point = Point(lon, lat)
        return Where(self.comuni.at(point), self.municipi.at(point), self.nil.at(point),
                     self.inside_metro(lon, lat))

    def search(self, text: str, limit: int = 12) -> list[Place]:
        """Places whose name contains every word typed, names starting with it first."""
        words = _fold(text).split()
        if not words:
            return []
        hits = [(0 if folded.startswith(words[0]) else 1, len(folded), i)
                for i, folded in enumerate(self._folded) if all(w in folded for w in words)]
        return [self.places[i] for _, _, i in sorted(hits)[:limit]]


@cache
def index_for(packs: tuple[Path, ...] = ()) -> PlaceIndex:
    return PlaceIndex(packs)
