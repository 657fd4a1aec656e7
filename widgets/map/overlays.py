"""Overlay items drawn above the base map: areas (alerts, camera cones, drawn shapes, measures),
labels with collision avoidance, and unit trails. Each is one item for its whole class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from console.geo.projection import ground_scale, point_to_lonlat, zoom_for_resolution
from widgets.common import theme
from widgets.map.markers import WORLD
from widgets.map.symbols import css_colour


@dataclass
class Area:
    id: str
    path: QPainterPath  # Mercator metres
    stroke: str
    fill: str = ""  # "#rrggbbaa" or ""
    width: float = 2.0
    dashed: bool = False
    min_zoom: float = 0.0


class AreaLayer(QGraphicsObject):
    """A handful of vector shapes (tens to hundreds), drawn with cosmetic pens."""

    def __init__(self) -> None:
        super().__init__()
        self._areas: dict[str, Area] = {}

    def set_areas(self, areas: list[Area]) -> None:
        self._areas = {a.id: a for a in areas}
        self.update()

    def put(self, area: Area) -> None:
        self._areas[area.id] = area
        self.update()

    def remove(self, area_id: str) -> None:
        if self._areas.pop(area_id, None) is not None:
            self.update()

    def areas(self) -> list[Area]:
        return list(self._areas.values())

    def boundingRect(self) -> QRectF:
        return WORLD

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        sx = painter.transform().m11()
        if sx == 0 or not self._areas:
            return
        zoom = zoom_for_resolution(1.0 / abs(sx))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for area in self._areas.values():
            if zoom < area.min_zoom:
                continue
            pen = QPen(css_colour(area.stroke), area.width)
            pen.setCosmetic(True)
            if area.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(QBrush(css_colour(area.fill)) if area.fill else Qt.BrushStyle.NoBrush)
            painter.drawPath(area.path)


def circle_path(x: float, y: float, radius_m: float, segments: int = 72) -> QPainterPath:
    """A circle of `radius_m` ground metres around Mercator (x, y)."""
    r = radius_m / ground_scale(point_to_lonlat(x, y)[1])
    path = QPainterPath()
    path.addEllipse(QPointF(x, y), r, r)
    return path


def wedge_path(x: float, y: float, heading: float, fov: float, range_m: float) -> QPainterPath:
    """A camera's field of view: a circular sector, heading clockwise from north."""
    r = range_m / ground_scale(point_to_lonlat(x, y)[1])
    path = QPainterPath(QPointF(x, y))
    steps = max(4, int(fov / 5))
    for i in range(steps + 1):
        a = math.radians(heading - fov / 2 + fov * i / steps)
        path.lineTo(QPointF(x + r * math.sin(a), y + r * math.cos(a)))
    path.closeSubpath()
    return path


def polygon_path(points: list[tuple[float, float]], close: bool = True) -> QPainterPath:
    path = QPainterPath()
    if not points:
        return path
    path.moveTo(QPointF(*points[0]))
    for p in points[1:]:
        path.lineTo(QPointF(*p))
    if close and len(points) > 2:
        path.closeSubpath()
    return path


@dataclass
class LabelSet:
    """Labels of one class: positions in Mercator, shown within a zoom range, by priority."""

    id: str
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    text: list[str]
    min_zoom: float
    max_zoom: float = 30.0
    colour: str = theme.TEXT_MUTED
    size_pt: float = theme.FONT_SIZE_PT
    bold: bool = False
    offset_px: float = 0.0  # below the point (markers), 0 = centred (areas)
    max_labels: int = 400


class LabelLayer(QGraphicsObject):
    """Text with a dark halo; a label that would overlap one already placed is skipped, so the
    map stays readable at every zoom (sets listed first win)."""

    def __init__(self) -> None:
        super().__init__()
        self._sets: dict[str, LabelSet] = {}
        self.text_scale = 1.0
        self.hidden: set[str] = set()

    def set_labels(self, labels: LabelSet) -> None:
        self._sets[labels.id] = labels
        self.update()

    def remove(self, set_id: str) -> None:
        self._sets.pop(set_id, None)
        self.update()

    def boundingRect(self) -> QRectF:
        return WORLD

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = painter.transform()
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
        device = painter.device()
        if sx == 0 or device is None:
            return
        zoom = zoom_for_resolution(1.0 / abs(sx))
        width, height = device.width(), device.height()
        painter.save()
        painter.resetTransform()
        placed: list[QRectF] = []
        halo = QPen(QColor(theme.BACKGROUND), 3.5)
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for labels in self._sets.values():
            if labels.id in self.hidden or not (labels.min_zoom <= zoom <= labels.max_zoom):
                continue
            px = labels.x * sx + dx
            py = labels.y * sy + dy
            idx = np.flatnonzero((px > 0) & (px < width) & (py > 0) & (py < height))
            if len(idx) > labels.max_labels * 3:
                continue  # far too many for this zoom: a wall of text helps nobody
            font = QFont(theme.FONT_FAMILY)
            font.setPointSizeF(labels.size_pt * self.text_scale)
            font.setBold(labels.bold)
            painter.setFont(font)
            metrics = QFontMetricsF(font)
            count = 0
            for i in idx:
                text = labels.text[i]
                if not text:
                    continue
                w = metrics.horizontalAdvance(text)
                h = metrics.height()
                cx, cy = float(px[i]), float(py[i]) + labels.offset_px
                box = QRectF(cx - w / 2, cy - (0 if labels.offset_px else h / 2), w, h)
                if any(box.intersects(other) for other in placed):
                    continue
                placed.append(box.adjusted(-4, -2, 4, 2))
                path = QPainterPath()
                path.addText(QPointF(box.left(), box.top() + metrics.ascent()), font, text)
                painter.strokePath(path, halo)
                painter.fillPath(path, QColor(labels.colour))
                count += 1
                if count >= labels.max_labels:
                    break
        painter.restore()


class TrailLayer(QGraphicsObject):
    """Short trails behind moving units, drawn only when zoomed in enough to mean something."""

    def __init__(self, min_zoom: float = 14.0) -> None:
        super().__init__()
        self.min_zoom = min_zoom
        self._trails: list[npt.NDArray[np.float64]] = []
        self._colours: list[str] = []

    def set_trails(self, trails: list[npt.NDArray[np.float64]], colours: list[str]) -> None:
        self._trails = trails
        self._colours = colours
        self.update()

    def boundingRect(self) -> QRectF:
        return WORLD

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = painter.transform()
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
        device = painter.device()
        if sx == 0 or device is None or zoom_for_resolution(1.0 / abs(sx)) < self.min_zoom:
            return
        width, height = device.width(), device.height()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        drawn = 0
        for trail, colour in zip(self._trails, self._colours, strict=False):
            if len(trail) < 2:
                continue
            px = trail[:, 0] * sx + dx
            py = trail[:, 1] * sy + dy
            if px.max() < 0 or px.min() > width or py.max() < 0 or py.min() > height:
                continue
            pen = QPen(css_colour(colour), 2.0)
            pen.setStyle(Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.drawPolyline([QPointF(a, b) for a, b in zip(px, py, strict=True)])
            drawn += 1
            if drawn > 600:
                break
        painter.restore()
