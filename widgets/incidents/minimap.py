"""A small map next to the incident form: where the incident is, what is around, click to move it.

It draws from the same data that resolves Municipio/NIL/comune (PlaceIndex), in Web-Mercator
metres, with QPainter: a few hundred polygons around one point do not need the full map engine,
and the form must work when the map panel is not on this screen. Wheel zooms, a click picks the
position (the form decides whether to take it).

Signals:
    picked(float lon, float lat)
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from console.geo.projection import to_lonlat, to_mercator
from console.i18n import tr
from console.incidents.places import PlaceIndex
from widgets.common import theme

MIN_SPAN_M, MAX_SPAN_M = 300.0, 40_000.0


def _merc(lon: float, lat: float) -> tuple[float, float]:
    x, y = to_mercator([lon], [lat])
    return float(x[0]), float(y[0])


class MiniMap(QWidget):
    picked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip(tr("Clic per spostare la posizione dell'evento; rotella per lo zoom."))
        self._index: PlaceIndex | None = None
        self._point: tuple[float, float] | None = None  # lon, lat
        self._centre = _merc(9.19, 45.4642)
        self._span = 4000.0  # metres across the width
        self._units: list[tuple[float, float, str, str]] = []  # lon, lat, callsign, status

    def set_index(self, index: PlaceIndex | None) -> None:
        self._index = index
        self.update()

    def set_point(self, lon: float | None, lat: float | None) -> None:
        if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
            self._point = None
        else:
            self._point = (lon, lat)
            self._centre = _merc(lon, lat)
        self.update()

    def set_units(self, units: list[tuple[float, float, str, str]]) -> None:
        self._units = units
        self.update()

    # --- geometry ---------------------------------------------------------------------------

    def _scale(self) -> float:
        return max(self.width(), 1) / self._span

    def _to_px(self, x: float, y: float) -> QPointF:
        s = self._scale()
        return QPointF(self.width() / 2 + (x - self._centre[0]) * s,
                       self.height() / 2 - (y - self._centre[1]) * s)

    def _to_lonlat(self, px: QPointF) -> tuple[float, float]:
        s = self._scale()
        x = self._centre[0] + (px.x() - self.width() / 2) / s
        y = self._centre[1] - (px.y() - self.height() / 2) / s
        lon, lat = to_lonlat([x], [y])
        return float(lon[0]), float(lat[0])

    def _view_lonlat_box(self) -> BaseGeometry:
        lo = self._to_lonlat(QPointF(0, self.height()))
        hi = self._to_lonlat(QPointF(self.width(), 0))
        return box(lo[0], lo[1], hi[0], hi[1])

    def _path(self, geom: BaseGeometry) -> QPainterPath:
        path = QPainterPath()
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            if part.geom_type != "Polygon":
                continue
            lon, lat = zip(*part.exterior.coords, strict=False)
            xs, ys = to_mercator(list(lon), list(lat))
            path.addPolygon(QPolygonF([self._to_px(float(a), float(b))
                                       for a, b in zip(xs, ys, strict=True)]))
        return path

    # --- events -------------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 0.8 if event.angleDelta().y() > 0 else 1.25
        self._span = min(MAX_SPAN_M, max(MIN_SPAN_M, self._span * factor))
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            lon, lat = self._to_lonlat(event.position())
            self.picked.emit(lon, lat)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(theme.SURFACE))
        view = self._view_lonlat_box()
        if self._index is not None:
            layers = ((self._index.comuni, theme.BORDER, 1.6), (self._index.nil, "#4a5966", 1.0),
                      (self._index.municipi, "#6f8293", 1.8))
            for areas, colour, width in layers:
                if areas.tree is None:
                    continue
                p.setPen(QPen(QColor(colour), width))
                p.setBrush(Qt.BrushStyle.NoBrush)
                for idx in areas.tree.query(view, predicate="intersects"):
                    p.drawPath(self._path(areas.geoms[int(idx)]))
        font = QFont(theme.FONT_FAMILY)
        font.setPointSize(theme.FONT_SIZE_PT - 1)
        p.setFont(font)
        for lon, lat, callsign, status in self._units:
            pt = self._to_px(*_merc(lon, lat))
            if not self.rect().contains(pt.toPoint()):
                continue
            p.setPen(QPen(QColor(theme.BACKGROUND), 1.5))
            p.setBrush(QBrush(QColor(theme.UNIT_STATUS.get(status, theme.TEXT_MUTED))))
            p.drawRect(QRectF(pt.x() - 5, pt.y() - 5, 10, 10))
            p.setPen(QColor(theme.TEXT_MUTED))
            p.drawText(pt + QPointF(8, 4), callsign)
        if self._point is not None:
            pt = self._to_px(*_merc(*self._point))
            p.setPen(QPen(QColor(theme.TEXT), 2))
            p.setBrush(QBrush(QColor(theme.PRIORITY[1])))
            p.drawEllipse(pt, 8, 8)
            p.drawLine(pt + QPointF(-14, 0), pt + QPointF(-9, 0))
            p.drawLine(pt + QPointF(9, 0), pt + QPointF(14, 0))
        else:
            p.setPen(QColor(theme.TEXT_MUTED))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       tr("Posizione non indicata:\nclic sulla mappa, ricerca o coordinate"))
        # scale bar and attribution
        p.setPen(QColor(theme.TEXT_MUTED))
        metres = 10 ** math.floor(math.log10(self._span / 3))
        bar = metres * self._scale()
        y = self.height() - 10
        p.drawLine(QPointF(10, y), QPointF(10 + bar, y))
        p.drawText(QPointF(14 + bar, y + 4),
                   f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m")
        p.drawText(QRectF(0, 0, self.width() - 6, 18),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   "ISTAT/Openpolis · Comune di Milano")
        p.end()
