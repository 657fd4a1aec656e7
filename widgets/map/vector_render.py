"""Turns a city's GeoJSON base layers into raster tiles, so its own data is its base map offline.

Runs in the tile layer's worker thread (QImage + QPainter are safe there; QPixmap is not). The
geometry is projected to Mercator once; each tile asks an STRtree which geometries touch it and
draws them with cosmetic pens (widths in pixels at every zoom). Paths are built once per
geometry and reused by later tiles - only this provider's single worker thread touches them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QTransform
from shapely.geometry.base import BaseGeometry

from console.geo.pack import Layer, LayerStyle
from console.geo.projection import TILE_SIZE, R, resolution, tile_bounds
from widgets.common import theme
from widgets.map.symbols import css_colour

log = logging.getLogger(__name__)

MAP_BACKGROUND = theme.BACKGROUND
SIMPLIFY_UNTIL = 18  # from this zoom on, geometry is drawn at full detail


def mercator_geometry(geom: BaseGeometry) -> BaseGeometry:
    def project(coords: np.ndarray) -> np.ndarray:
        lon = np.radians(coords[:, 0]) * R
        lat = np.log(np.tan(np.pi / 4 + np.radians(np.clip(coords[:, 1], -85.05, 85.05)) / 2)) * R
        return np.column_stack([lon, lat])

    return shapely.transform(geom, project)


def _ring_path(coords: np.ndarray, closed: bool) -> QPainterPath:
    path: QPainterPath = pg.arrayToQPath(coords[:, 0], coords[:, 1], connect="all")
    if closed:
        path.closeSubpath()
    return path


def geometry_path(geom: BaseGeometry) -> QPainterPath:
    """A QPainterPath of a Mercator geometry (polygons with holes use odd-even fill)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    parts = getattr(geom, "geoms", [geom])
    for part in parts:
        kind = part.geom_type
        if kind == "Polygon":
            for ring in [part.exterior, *part.interiors]:
                path.addPath(_ring_path(np.asarray(ring.coords), True))
        elif kind in ("LineString", "LinearRing"):
            path.addPath(_ring_path(np.asarray(part.coords), False))
        elif kind in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
            path.addPath(geometry_path(part))
    return path


@dataclass
class _Prepared:
    layer_id: str
    style: LayerStyle
    min_zoom: float
    max_zoom: float
    geoms: list[BaseGeometry]
    tree: shapely.STRtree
    paths: dict[tuple[int, int], QPainterPath] = field(default_factory=dict)
    visible: bool = True


class VectorProvider:
    """Renders the base layers (kind = base) of one or more packs, bottom to top."""

    def __init__(
        self,
        layers: list[Layer],
        *,
        name: str = "vector",
        attribution: str = "",
        background: str | None = MAP_BACKGROUND,
        min_zoom: int = 5,
        max_zoom: int = 19,
    ) -> None:
        self.name = name
        self.attribution = attribution
        self.min_zoom = min_zoom
        self.max_zoom = max_zoom
        # None: transparent tiles, for a pack drawn over the shipped base map.
        self.background = QColor(background) if background else None
        self._lock = threading.Lock()
        self._layers: list[_Prepared] = []
        for layer in layers:
            geoms = [
                mercator_geometry(f.geometry)
                for f in layer.features
                if f.geometry.geom_type not in ("Point", "MultiPoint")
            ]
            if not geoms:
                continue
            self._layers.append(
                _Prepared(
                    layer.id,
                    layer.style,
                    layer.min_zoom,
                    layer.max_zoom,
                    geoms,
                    shapely.STRtree(geoms),
                    visible=layer.visible,
                )
            )

    def layer_ids(self) -> list[str]:
        return [p.layer_id for p in self._layers]

    def set_visible(self, layer_id: str, visible: bool) -> bool:
        """True when something changed (then the tile layer must be invalidated)."""
        with self._lock:
            for prepared in self._layers:
                if prepared.layer_id == layer_id and prepared.visible != visible:
                    prepared.visible = visible
                    return True
        return False

    def set_order(self, layer_ids: list[str]) -> bool:
        """Draw order bottom to top; ids not listed keep their place at the end."""
        with self._lock:
            rank = {lid: i for i, lid in enumerate(layer_ids)}
            new = sorted(self._layers, key=lambda p: rank.get(p.layer_id, len(rank)))
            changed = [p.layer_id for p in new] != [p.layer_id for p in self._layers]
            self._layers = new
        return changed

    def render(self, z: int, x: int, y: int) -> QImage | None:
        xmin, ymin, xmax, ymax = tile_bounds(z, x, y)
        scale = TILE_SIZE / (xmax - xmin)
        if self.background is not None:
            # Opaque: drawing an RGB32 tile is a copy, an ARGB32 one a blend per pixel.
            image = QImage(TILE_SIZE, TILE_SIZE, QImage.Format.Format_RGB32)
            image.fill(self.background)
        else:
            image = QImage(TILE_SIZE, TILE_SIZE, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setTransform(QTransform(scale, 0, 0, -scale, -xmin * scale, ymax * scale))
            # A hair of margin so thick strokes crossing the edge are drawn on both tiles.
            margin = 6 / scale
            box = shapely.box(xmin - margin, ymin - margin, xmax + margin, ymax + margin)
            with self._lock:
                layers = list(self._layers)
            for prepared in layers:
                if not prepared.visible or not (prepared.min_zoom <= z <= prepared.max_zoom):
                    continue
                self._draw_layer(painter, prepared, box, z)
        finally:
            painter.end()
        return image

    @staticmethod
    def _draw_layer(painter: QPainter, prepared: _Prepared, box: BaseGeometry, z: int) -> None:
        style = prepared.style
        pen = QPen(css_colour(style.stroke), style.width)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        brush = QBrush(css_colour(style.fill)) if style.fill else QBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(pen if style.stroke else Qt.PenStyle.NoPen)
        level = min(z, SIMPLIFY_UNTIL)
        for i in prepared.tree.query(box):
            index = int(i)
            path = prepared.paths.get((index, level))
            if path is None:
                # Thick antialiased strokes cost per vertex: drop what is below half a pixel.
                geom = prepared.geoms[index]
                if level < SIMPLIFY_UNTIL:
                    geom = geom.simplify(resolution(level) * 0.5, preserve_topology=False)
                path = geometry_path(geom)
                prepared.paths[(index, level)] = path
            is_area = prepared.geoms[index].geom_type in ("Polygon", "MultiPolygon")
            painter.setBrush(brush if is_area else QBrush(Qt.BrushStyle.NoBrush))
            painter.drawPath(path)

    def bounds(self) -> QRectF | None:
        """Mercator extent of everything drawn (for 'fit to data')."""
        boxes = [shapely.total_bounds(np.asarray(p.geoms, dtype=object)) for p in self._layers]
        if not boxes:
            return None
        arr = np.asarray(boxes)
        x0, y0 = arr[:, 0].min(), arr[:, 1].min()
        return QRectF(x0, y0, arr[:, 2].max() - x0, arr[:, 3].max() - y0)
