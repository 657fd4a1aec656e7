"""Map tools driven by clicks (so they work the same with a mouse and a finger): measure a
distance, draw a circle (centre, then edge) or a polygon (vertices, then close), and the
highlight ring of the selection.

Signals (ToolController):
    measured(float)                   total ground metres so far (measure tool)
    circle_done(float, float, float)  Mercator centre x, y and radius in ground metres
    polygon_done(list)                Mercator vertices [(x, y), ...]
    mode_changed(str)
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from console.geo.projection import haversine_m, point_to_lonlat
from widgets.common import theme
from widgets.map.overlays import Area, AreaLayer, circle_path, polygon_path
from widgets.map.view import MapItem, device_view

MODES = ("pan", "measure", "circle", "polygon")
TOOL_COLOUR = "#f2f5f7"


def ground_distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_m(*point_to_lonlat(*a), *point_to_lonlat(*b))


class ToolController(QObject):
    measured = Signal(float)
    circle_done = Signal(float, float, float)
    polygon_done = Signal(list)
    mode_changed = Signal(str)

    def __init__(self, areas: AreaLayer) -> None:
        super().__init__()
        self.areas = areas
        self.mode = "pan"
        self.points: list[tuple[float, float]] = []

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.clear()
        self.mode = mode
        self.mode_changed.emit(mode)

    def clear(self) -> None:
        self.points = []
        for area in self.areas.areas():
            if area.id.startswith("tool"):
                self.areas.remove(area.id)

    def click(self, x: float, y: float) -> bool:
        """Feed a click in Mercator metres; True when the tool consumed it."""
        if self.mode == "pan":
            return False
        if self.mode == "measure":
            self.points.append((x, y))
            self.areas.put(
                Area(
                    "tool:line",
                    polygon_path(self.points, close=False),
                    TOOL_COLOUR,
                    width=2.5,
                    dashed=True,
                )
            )
            self.measured.emit(self.total_distance())
        elif self.mode == "circle":
            self.points.append((x, y))
            if len(self.points) == 1:
                self.areas.put(
                    Area("tool:centre", circle_path(x, y, 3.0), TOOL_COLOUR, TOOL_COLOUR, 2.0)
                )
            else:
                (cx, cy), edge = self.points[0], self.points[1]
                radius = ground_distance((cx, cy), edge)
                self.show_circle(cx, cy, radius)
                self.points = []
                self.circle_done.emit(cx, cy, radius)
        elif self.mode == "polygon":
            if len(self.points) >= 3 and self._near_first(x, y):
                return self.finish() or True
            self.points.append((x, y))
            self.areas.put(
                Area(
                    "tool:poly",
                    polygon_path(self.points, close=False),
                    TOOL_COLOUR,
                    width=2.5,
                    dashed=True,
                )
            )
        return True

    def finish(self) -> bool:
        """Close the polygon being drawn (Enter, double click, or a click on its first point)."""
        if self.mode != "polygon" or len(self.points) < 3:
            return False
        pts = list(self.points)
        self.show_polygon(pts)
        self.points = []
        self.polygon_done.emit(pts)
        return True

    def show_circle(self, x: float, y: float, radius_m: float) -> None:
        self.areas.remove("tool:centre")
        self.areas.put(
            Area(
                "tool:circle",
                circle_path(x, y, radius_m),
                TOOL_COLOUR,
                "#f2f5f714",
                2.5,
                dashed=True,
            )
        )

    def show_polygon(self, pts: list[tuple[float, float]]) -> None:
        self.areas.put(
            Area("tool:poly", polygon_path(pts), TOOL_COLOUR, "#f2f5f714", 2.5, dashed=True)
        )

    def total_distance(self) -> float:
        return sum(
            ground_distance(a, b) for a, b in zip(self.points, self.points[1:], strict=False)
        )

    def _near_first(self, x: float, y: float) -> bool:
        fx, fy = self.points[0]
        xs = [p[0] for p in self.points]
        span = max(max(xs) - min(xs), 1.0)
        return abs(x - fx) + abs(y - fy) < span * 0.03


class Highlight(MapItem):
    """A ring around the selected object; its position is looked up at every paint, so it rides
    along with a moving unit without anyone telling it."""

    def __init__(self, locate: Callable[[], tuple[float, float] | None]) -> None:
        super().__init__()
        self.locate = locate
        self.radius = 18.0

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        pos = self.locate()
        view = device_view(painter)
        if pos is None or view is None:
            return
        centre = QPointF(pos[0] * view.sx + view.dx, pos[1] * view.sy + view.dy)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(0, 0, 0, 0))
        painter.setPen(QPen(QColor(theme.BACKGROUND), 6))
        painter.drawEllipse(centre, self.radius, self.radius)
        painter.setPen(QPen(QColor(theme.ACCENT), 3))
        painter.drawEllipse(centre, self.radius, self.radius)
        painter.restore()
