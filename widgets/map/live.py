"""What the map shows on top of the base map, fed from the stores and the layer packs.

Each marker class (units, cameras, incidents, alerts, and every selectable pack layer) is one
MarkerLayer. Stores are read defensively: the alerts, cameras and incidents stores are written
in parallel with the map, so a missing method or a malformed item costs that item, not the map.
Units are pulled on the map's frame timer when the store's `version` moved (<= 30 Hz).

Signals:
    content_changed()   markers were added or removed (search and index must be rebuilt)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from shapely.geometry import shape

from console.geo.index import Item, SpatialIndex
from console.geo.pack import Feature, Layer, LayerPack
from console.geo.projection import point_to_lonlat, point_to_mercator, to_mercator
from console.geo.search import Entry
from console.i18n import tr
from console.units.store import STATUSES, UnitsStore
from widgets.common import theme
from widgets.map.markers import MarkerLayer
from widgets.map.overlays import (
    Area,
    AreaLayer,
    LabelLayer,
    LabelSet,
    TrailLayer,
    circle_path,
    wedge_path,
)
from widgets.map.symbols import SpriteKey
from widgets.map.vector_render import geometry_path, mercator_geometry

log = logging.getLogger(__name__)

HEADING_BINS = 24
HEADING_STEP = 360.0 / HEADING_BINS
UNIT_COLOURS = [theme.UNIT_STATUS[s] for s in STATUSES] + ["#8a949e"]
STATUS_LABELS = {
    "available": tr("Disponibile"),
    "dispatched": tr("Assegnata"),
    "en_route": tr("In viaggio"),
    "on_scene": tr("Sul posto"),
    "busy": tr("Occupata"),
    "out_of_service": tr("Fuori servizio"),
}
LIVE_KINDS = {
    "unit": tr("Unità"),
    "camera": tr("Telecamere"),
    "incident": tr("Eventi"),
    "alert": tr("Allarmi"),
}


@dataclass
class Details:
    kind: str
    id: str
    title: str
    rows: list[tuple[str, str]]
    lon: float
    lat: float


def _call(obj: object, name: str) -> list[Any]:
    fn = getattr(obj, name, None)
    if not callable(fn):
        return []
    try:
        return list(fn())
    except Exception:  # a store bug must not take the map down
        log.exception("%s.%s() failed", type(obj).__name__, name)
        return []


def _get(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(key, default)
    return getattr(item, key, default)


class LiveLayers(QObject):
    content_changed = Signal()

    def __init__(self, services: dict[str, object], scale: float = 1.0) -> None:
        super().__init__()
        self.services = services
        self.scale = scale
        self.units: UnitsStore | None = None
        store = services.get("units")
        if isinstance(store, UnitsStore):
            self.units = store
        self.layers: dict[str, MarkerLayer] = {}
        self.pack_layers: dict[str, Layer] = {}
        self.base_layers: list[Layer] = []  # named areas and streets, for search only
        self.areas = AreaLayer()
        self.cones = AreaLayer()
        self.labels = LabelLayer()
        self.labels.text_scale = scale
        self.trails = TrailLayer()
        self._unit_version = -1
        self._callsigns: list[str] = []
        if self.units is not None:
            self.units.units_changed.connect(self._refresh_callsigns)
        self._cameras: list[Any] = []
        self._incidents: list[Any] = []
        self._alerts: list[Any] = []
        self._make_live_layers()

    def _make_live_layers(self) -> None:
        s = self.scale
        # Arrows pre-rendered every 15 degrees: stamping rotated fragments with smooth sampling
        # costs several times more than stamping upright ones.
        unit_keys = [
            SpriteKey("arrow", c, 24, rotation=h * HEADING_STEP)
            for c in UNIT_COLOURS
            for h in range(HEADING_BINS)
        ]
        self.layers["unit"] = MarkerLayer(
            "unit", LIVE_KINDS["unit"], unit_keys, cluster_below=11.5, scale=s
        )
        self.layers["camera"] = MarkerLayer(
            "camera",
            LIVE_KINDS["camera"],
            [SpriteKey("camera", theme.ACCENT, 14)],
            cluster_below=13,
            scale=s,
        )
        self.layers["incident"] = MarkerLayer(
            "incident",
            LIVE_KINDS["incident"],
            [SpriteKey("incident", theme.PRIORITY[p], 24, str(p)) for p in (1, 2, 3, 4)],
            scale=s,
        )
        self.layers["alert"] = MarkerLayer(
            "alert",
            LIVE_KINDS["alert"],
            [SpriteKey("diamond", theme.PRIORITY[p], 20, str(p)) for p in (1, 2, 3, 4)],
            scale=s,
        )

    # --- packs -----------------------------------------------------------------------------

    def add_pack(self, pack: LayerPack) -> list[MarkerLayer]:
        added = []
        for layer in pack.layers:
            if layer.kind != "selectable" or not layer.features:
                continue
            st = layer.style
            key = SpriteKey(st.marker, st.marker_colour, int(st.marker_size * 1.6))
            many = len(layer.features) > 300
            marker = MarkerLayer(
                layer.id,
                layer.title,
                [key],
                min_zoom=layer.min_zoom,
                max_zoom=layer.max_zoom,
                cluster_below=14 if many else None,
                scale=self.scale,
            )
            x, y = layer.points_mercator()
            marker.set_data(x, y, 0, ids=[f.id for f in layer.features])
            marker.setVisible(layer.visible)
            if not layer.visible:
                self.labels.hidden.add(f"pack:{layer.id}")
            self.layers[layer.id] = marker
            self.pack_layers[layer.id] = layer
            label_zoom = max(layer.min_zoom, 15.0 if many else 13.5)
            self.labels.set_labels(
                LabelSet(
                    f"pack:{layer.id}",
                    x,
                    y,
                    [f.name for f in layer.features],
                    label_zoom,
                    colour=theme.TEXT_MUTED,
                    size_pt=10,
                    offset_px=12 * self.scale,
                )
            )
            added.append(marker)
        self.base_layers.extend(
            layer
            for layer in pack.layers
            if layer.kind == "base" and layer.style.label and layer.id not in ("bus", "tram")
        )
        for layer in pack.layers:
            if (
                layer.kind == "base"
                and layer.style.label
                and layer.features
                and any(f.geometry.geom_type.endswith("Polygon") for f in layer.features)
            ):
                self._area_labels(layer)
        self.content_changed.emit()
        return added

    def _area_labels(self, layer: Layer) -> None:
        pts = [f.geometry.representative_point() for f in layer.features]
        x, y = to_mercator([p.x for p in pts], [p.y for p in pts])
        text = [f.name for f in layer.features]
        if layer.id == "municipi":
            text = [tr("Municipio {n}", n=t) for t in text]
        zoom_from = {"comuni": 9.5, "municipi": 11.0, "nil": 14.0}.get(layer.id, 15.5)
        zoom_to = {"municipi": 13.99}.get(layer.id, 30.0)
        self.labels.set_labels(
            LabelSet(
                f"area:{layer.id}",
                x,
                y,
                text,
                zoom_from,
                zoom_to,
                colour="#b3c0cc",
                size_pt=11,
                bold=layer.id == "municipi",
            )
        )

    # --- stores ----------------------------------------------------------------------------

    def _refresh_callsigns(self, *_: object) -> None:
        """Callsigns in row order; refreshed on units_changed, not on every move."""
        if self.units is None:
            return
        self._callsigns = [u.callsign if (u := self.units.unit(i)) else i for i in self.units.ids()]
        self._unit_version = -1  # redraw labels with the new names

    def refresh_units(self, zoom: float) -> bool:
        """Pull unit positions if the store moved; True when something was redrawn."""
        if self.units is None or self.units.version == self._unit_version:
            return False
        self._unit_version = self.units.version
        a = self.units.arrays()
        layer = self.layers["unit"]
        ids = self.units.ids()
        heading_bin = np.round(a["heading"] / HEADING_STEP).astype(np.intp) % HEADING_BINS
        layer.set_data(
            a["x"].copy(),
            a["y"].copy(),
            a["status"].astype(np.intp) * HEADING_BINS + heading_bin,
            ids=ids,
        )
        if len(self._callsigns) != len(ids):
            self._refresh_callsigns()
        self.labels.set_labels(
            LabelSet(
                "units",
                a["x"].copy(),
                a["y"].copy(),
                self._callsigns,
                14.5,
                colour=theme.TEXT,
                size_pt=11,
                bold=True,
                offset_px=14 * self.scale,
                max_labels=200,
            )
        )
        if zoom >= self.trails.min_zoom:
            block, lengths = self.units.trail_block()
            self.trails.set_trails(block, lengths, a["status"].astype(np.intp), UNIT_COLOURS)
        return True

    def refresh_cameras(self) -> None:
        self._cameras = _call(self.services.get("cameras"), "cameras")
        ok = [c for c in self._cameras if _get(c, "lon") is not None and _get(c, "lat") is not None]
        x, y = to_mercator([float(_get(c, "lon")) for c in ok], [float(_get(c, "lat")) for c in ok])
        self.layers["camera"].set_data(x, y, 0, ids=[str(_get(c, "id")) for c in ok])
        cones = []
        for c, cx, cy in zip(ok, x, y, strict=True):
            cones.append(
                Area(
                    f"cone:{_get(c, 'id')}",
                    wedge_path(
                        float(cx),
                        float(cy),
                        float(_get(c, "heading", 0.0)),
                        float(_get(c, "fov", 60.0)),
                        float(_get(c, "range_m", 120.0)),
                    ),
                    theme.ACCENT,
                    theme.ACCENT + "33",
                    1.0,
                    min_zoom=15.0,
                )
            )
        self.cones.set_areas(cones)
        self._cameras = ok
        self.content_changed.emit()

    def refresh_incidents(self) -> None:
        items = _call(self.services.get("incidents"), "incidents")
        ok = [
            i
            for i in items
            if _get(i, "lon") is not None
            and _get(i, "lat") is not None
            and str(_get(i, "status", "")) not in ("closed", "cancelled")
        ]
        x, y = to_mercator([float(_get(i, "lon")) for i in ok], [float(_get(i, "lat")) for i in ok])
        sprite = [max(0, min(3, int(_get(i, "priority", 3)) - 1)) for i in ok]
        self.layers["incident"].set_data(x, y, sprite, ids=[str(_get(i, "id")) for i in ok])
        self._incidents = ok
        self.content_changed.emit()

    def refresh_alerts(self) -> None:
        items = _call(self.services.get("alerts"), "alerts")
        areas, points, ids, sprite, kept = [], [], [], [], []
        for alert in items:
            geom = _get(alert, "geometry")
            if not geom or str(_get(alert, "state", "")) == "closed":
                continue
            aid = str(_get(alert, "id"))
            try:
                g = shape(geom)
            except Exception:  # malformed geometry in one alert: skip that alert's shape only
                log.warning("alert %s has unusable geometry", aid)
                continue
            prio = max(1, min(4, int(_get(alert, "priority", 3))))
            colour = theme.EXERCISE if _get(alert, "exercise", False) else theme.PRIORITY[prio]
            c = g.centroid if g.geom_type != "Point" else g
            points.append(point_to_mercator(c.x, c.y))
            ids.append(aid)
            sprite.append(prio - 1)
            kept.append(alert)
            payload = _get(alert, "payload", {}) or {}
            radius = payload.get("radius_m") if isinstance(payload, dict) else None
            if g.geom_type == "Point" and radius:
                path = circle_path(*point_to_mercator(g.x, g.y), float(radius))
            elif g.geom_type != "Point":
                path = geometry_path(mercator_geometry(g))
            else:
                continue
            areas.append(Area(f"alert:{aid}", path, colour, colour + "30", 2.0))
        self.areas.set_areas(
            [a for a in self.areas.areas() if not a.id.startswith("alert:")] + areas
        )
        xy = np.asarray(points) if points else np.zeros((0, 2))
        self.layers["alert"].set_data(xy[:, 0], xy[:, 1], sprite, ids=ids)
        self._alerts = kept
        self.content_changed.emit()

    # --- lookup ----------------------------------------------------------------------------

    def locate(self, kind: str, obj_id: str) -> tuple[float, float] | None:
        layer = self.layers.get(kind)
        if layer is None:
            return None
        try:
            return layer.position(layer.ids.index(obj_id))
        except ValueError:
            return None

    def describe(self, kind: str, obj_id: str) -> Details | None:
        pos = self.locate(kind, obj_id)
        if pos is None:
            return None
        lon, lat = point_to_lonlat(*pos)
        if kind == "unit" and self.units is not None:
            unit = self.units.unit(obj_id)
            if unit is None:
                return Details(kind, obj_id, obj_id, [(tr("Stato"), tr("sconosciuto"))], lon, lat)
            rows = [
                (tr("Ente"), unit.agency.value),
                (tr("Tipo"), unit.kind),
                (tr("Stato"), STATUS_LABELS.get(unit.status.value, unit.status.value)),
                (tr("Velocità"), f"{unit.speed_kmh:.0f} km/h"),
                (tr("Direzione"), f"{unit.heading:.0f}°"),
            ]
            if unit.incident_id:
                rows.append((tr("Evento"), unit.incident_id))
            return Details(kind, obj_id, unit.callsign, rows, lon, lat)
        source = {"camera": self._cameras, "incident": self._incidents, "alert": self._alerts}.get(
            kind
        )
        if source is not None:
            item = next((i for i in source if str(_get(i, "id")) == obj_id), None)
            if item is None:
                return None
            title = str(_get(item, "name") or _get(item, "title") or _get(item, "type") or obj_id)
            keys = {
                "camera": ("address", "heading", "fov", "ptz"),
                "incident": ("type", "priority", "status", "address", "narrative"),
                "alert": ("type", "priority", "state", "source", "detail"),
            }[kind]
            rows = [(k, str(_get(item, k))) for k in keys if _get(item, k) not in (None, "")]
            return Details(kind, obj_id, title, rows, lon, lat)
        layer = self.pack_layers.get(kind)
        if layer is None:  # a marker layer added without a pack: all it knows is its title
            marker = self.layers.get(kind)
            return (
                Details(kind, obj_id, obj_id, [(tr("Livello"), marker.title)], lon, lat)
                if marker is not None
                else None
            )
        feature = next((f for f in layer.features if f.id == obj_id), None)
        if feature is None:
            return None
        rows = [
            (str(k), str(v))
            for k, v in feature.properties.items()
            if v not in (None, "") and len(str(v)) < 200
        ][:14]
        return Details(
            kind,
            obj_id,
            feature.name or layer.title,
            [(tr("Livello"), layer.title), *rows],
            lon,
            lat,
        )

    def kind_title(self, kind: str) -> str:
        layer = self.layers.get(kind)
        return layer.title if layer is not None else kind

    def index(self, kinds: set[str] | None = None) -> SpatialIndex:
        """Everything with a marker, for area and 'nearest' questions (rebuilt on demand)."""
        items: list[Item] = []
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        for kind, layer in self.layers.items():
            if (kinds is not None and kind not in kinds) or not len(layer):
                continue
            items.extend(Item(kind, i) for i in layer.ids)
            xs.append(layer._x)
            ys.append(layer._y)
        x = np.concatenate(xs) if xs else np.zeros(0)
        y = np.concatenate(ys) if ys else np.zeros(0)
        return SpatialIndex.from_points(items, x, y)

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        if self.units is not None:
            for unit in self.units.units():
                out.append(
                    Entry(unit.callsign, "unit", unit.id, unit.lon, unit.lat, LIVE_KINDS["unit"])
                )
        for cam in self._cameras:
            out.append(
                Entry(
                    str(_get(cam, "name", "")),
                    "camera",
                    str(_get(cam, "id")),
                    float(_get(cam, "lon")),
                    float(_get(cam, "lat")),
                    LIVE_KINDS["camera"],
                )
            )
        for layer in [*self.pack_layers.values(), *self.base_layers]:
            seen: set[str] = set()
            for f in layer.features:
                if not f.name or f.name in seen:
                    continue
                seen.add(f.name)  # a street split in 40 segments is one search result
                p = (
                    f.geometry
                    if f.geometry.geom_type == "Point"
                    else f.geometry.representative_point()
                )
                out.append(Entry(f.name, layer.id, f.id, p.x, p.y, layer.title))
        return out

    def feature(self, layer_id: str, feature_id: str) -> Feature | None:
        for layer in [*self.pack_layers.values(), *self.base_layers]:
            if layer.id == layer_id:
                return next((f for f in layer.features if f.id == feature_id), None)
        return None
