"""Overlay items drawn above the base map: areas (alerts, camera cones, drawn shapes, measures),
labels with collision avoidance, and unit trails. Each is one item for its whole class.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from console.geo.projection import ground_scale, point_to_lonlat
from widgets.common import theme
from widgets.map.symbols import css_colour
from widgets.map.view import MapItem, device_view


@dataclass
class Area:
    id: str
    path: QPainterPath  # Mercator metres
    stroke: str
    fill: str = ""  # "#rrggbbaa" or ""
    width: float = 2.0
    dashed: bool = False
    min_zoom: float = 0.0


class AreaLayer(MapItem):
    """A handful of vector shapes (tens to hundreds), drawn with cosmetic pens."""

    def __init__(self) -> None:
        super().__init__()
        self._areas: dict[str, Area] = {}

    def set_areas(self, areas: list[Area]) -> None:
        self._areas = {a.id: a for a in areas}
        self.content_changed()

    def put(self, area: Area) -> None:
        self._areas[area.id] = area
        self.content_changed()

    def remove(self, area_id: str) -> None:
        if self._areas.pop(area_id, None) is not None:
            self.content_changed()

    def areas(self) -> list[Area]:
        return list(self._areas.values())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = device_view(painter)
        if view is None or not self._areas:
            return
        zoom = view.zoom
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


class LabelLayer(MapItem):
    """Text with a dark halo; a label that would overlap one already placed is skipped, so the
    map stays readable at every zoom (sets listed first win). Each distinct label is rendered
    once into a cached pixmap (halo included) and then only stamped; overlap is checked on a
    coarse occupancy grid, not label against label."""

    CELL = 6  # px of the occupancy grid
    CACHE_MAX = 6000

    def __init__(self) -> None:
        super().__init__()
        self._sets: dict[str, LabelSet] = {}
        self.text_scale = 1.0
        self.hidden: set[str] = set()
        self._pixmaps: dict[tuple[str, float, bool, str], QPixmap] = {}
        self._sized_sets: dict[str, dict[str, tuple[QPixmap, int, int]]] = {}
        # Device rectangles no label may cover (the map furniture), asked for every paint.
        self.reserved: Callable[[], list[QRectF]] = list
        self._sized_key: dict[str, tuple[float, bool, str]] = {}

    def set_labels(self, labels: LabelSet) -> None:
        self._sets[labels.id] = labels
        self.update()

    def remove(self, set_id: str) -> None:
        self._sets.pop(set_id, None)
        self.update()

    def _pixmap(self, text: str, labels: LabelSet) -> QPixmap:
        key = (text, labels.size_pt * self.text_scale, labels.bold, labels.colour)
        pix = self._pixmaps.get(key)
        if pix is not None:
            return pix
        if len(self._pixmaps) > self.CACHE_MAX:
            self._pixmaps.clear()
            self._sized_sets.clear()
            self._sized_key.clear()
        font = QFont(theme.FONT_FAMILY)
        font.setPointSizeF(key[1])
        font.setBold(labels.bold)
        metrics = QFontMetricsF(font)
        image = QImage(
            int(metrics.horizontalAdvance(text) + 8),
            int(metrics.height() + 6),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        path = QPainterPath()
        path.addText(QPointF(4, 3 + metrics.ascent()), font, text)
        halo = QPen(QColor(theme.BACKGROUND), 3.5)
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.strokePath(path, halo)
        painter.fillPath(path, css_colour(labels.colour))
        painter.end()
        pix = QPixmap.fromImage(image)
        self._pixmaps[key] = pix
        return pix

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = device_view(painter)
        if view is None:
            return
        zoom, width, height = view.zoom, view.width, view.height
        cell = self.CELL
        # Occupancy grid: one Python int per row of cells, a bit per column (cheaper than
        # numpy for a few hundred tiny rectangles).
        grid = [0] * (height // cell + 2)
        for box in self.reserved():  # scale bar, north arrow, attribution
            c0, r0 = max(0, int(box.left() // cell)), max(0, int(box.top() // cell))
            c1, r1 = int(box.right() // cell) + 1, min(len(grid), int(box.bottom() // cell) + 1)
            for r in range(r0, r1):
                grid[r] |= ((1 << max(0, c1 - c0)) - 1) << c0
        painter.save()
        painter.resetTransform()
        for labels in self._sets.values():
            if labels.id in self.hidden or not (labels.min_zoom <= zoom <= labels.max_zoom):
                continue
            px, py = view.to_device(labels.x, labels.y)
            idx = np.flatnonzero((px > 0) & (px < width) & (py > 0) & (py < height))
            if len(idx) > labels.max_labels * 3:
                continue  # far too many for this zoom: a wall of text helps nobody
            count = 0
            sized = self._sized(labels)
            for i, x, y in zip(idx.tolist(), px[idx].tolist(), py[idx].tolist(), strict=True):
                text = labels.text[i]
                if not text:
                    continue
                entry = sized.get(text)
                if entry is None:
                    pix = self._pixmap(text, labels)
                    entry = sized[text] = (pix, pix.width(), pix.height())
                pix, w, h = entry
                left = x - w / 2
                top = y + labels.offset_px - (0 if labels.offset_px else h / 2)
                c0, r0 = max(0, int(left // cell)), max(0, int(top // cell))
                c1, r1 = int((left + w) // cell) + 1, min(len(grid), int((top + h) // cell) + 1)
                mask = ((1 << (c1 - c0)) - 1) << c0
                if any(row & mask for row in grid[r0:r1]):
                    continue
                for r in range(r0, r1):
                    grid[r] |= mask
                painter.drawPixmap(QPointF(left, top), pix)
                count += 1
                if count >= labels.max_labels:
                    break
        painter.restore()

    def _sized(self, labels: LabelSet) -> dict[str, tuple[QPixmap, int, int]]:
        """This set's pixmaps by text, with their sizes (looked up hundreds of times a frame)."""
        key = (labels.size_pt * self.text_scale, labels.bold, labels.colour)
        if self._sized_key.get(labels.id) != key:
            self._sized_key[labels.id] = key
            self._sized_sets[labels.id] = {}
        return self._sized_sets[labels.id]


class TrailLayer(MapItem):
    """Short trails behind moving units, drawn only when zoomed in enough to mean something.
    One path per colour, built with numpy: a per-unit Python loop over 5,000 units costs a frame."""

    def __init__(self, min_zoom: float = 15.0) -> None:
        super().__init__()
        self.min_zoom = min_zoom
        self._block = np.zeros((0, 0, 2))
        self._lengths = np.zeros(0, dtype=np.int32)
        self._codes = np.zeros(0, dtype=np.intp)
        self._palette: list[str] = []

    def set_trails(
        self,
        block: npt.NDArray[np.float64],
        lengths: npt.NDArray[np.int32],
        codes: npt.NDArray[np.intp],
        palette: list[str],
    ) -> None:
        """block (n, T, 2) oldest first with valid fixes at the end; codes index `palette`."""
        self._block, self._lengths, self._codes, self._palette = block, lengths, codes, palette
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = device_view(painter)
        if view is None or view.zoom < self.min_zoom or not len(self._block):
            return
        length = self._block.shape[1]
        # connect[i, j] = 1 when fix j joins fix j+1 of the same trail (both valid).
        first_valid = length - self._lengths
        col = np.arange(length)[None, :]
        connect = ((col >= first_valid[:, None]) & (col < length - 1)).astype(np.int32)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for code in np.unique(self._codes):
            rows = np.flatnonzero((self._codes == code) & (self._lengths >= 2))
            if not len(rows):
                continue
            xy = self._block[rows].reshape(-1, 2)
            path = pg.arrayToQPath(xy[:, 0], xy[:, 1], connect=connect[rows].reshape(-1))
            pen = QPen(css_colour(self._palette[int(code)]), 2.0)
            pen.setCosmetic(True)
            pen.setStyle(Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.drawPath(path)
