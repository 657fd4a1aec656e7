"""The map surface: a pyqtgraph ViewBox in Web-Mercator metres with pan, zoom and touch.

Mouse: drag pans, wheel zooms about the cursor, right click asks for the context menu.
Keyboard: + / - zoom, arrows pan. Touch: pinch zooms about the fingers, two fingers pan (Qt's
QPinchGesture carries both), a tap selects, a long press (QTapAndHoldGesture) asks for the
context menu. Scale bar, north arrow and attribution are painted in the foreground, in pixels,
so they stay put while the map moves.

Signals:
    view_changed()                             centre or zoom changed
    clicked(float, float, object)              Mercator x, y and the Qt mouse button (tap = left)
    hovered(float, float)                      Mercator x, y under the pointer
    context_requested(float, float, QPoint)    Mercator x, y and the global position for a menu
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QGestureEvent,
    QGraphicsItem,
    QGraphicsView,
    QPinchGesture,
    QTapAndHoldGesture,
    QWidget,
)

from console.geo.projection import (
    ORIGIN_SHIFT,
    ground_scale,
    point_to_lonlat,
    resolution,
    zoom_for_resolution,
)
from widgets.common import theme
from widgets.map.furniture import Furniture
from widgets.map.view import DeviceView

MIN_ZOOM, MAX_ZOOM = 3.0, 20.0

DragHandler = Callable[[Any], bool]


class MapViewBox(pg.ViewBox):
    """ViewBox with map manners: no pyqtgraph menu, right button reserved for the context menu,
    and an optional drag handler for drawing tools."""

    def __init__(self) -> None:
        super().__init__(lockAspect=True, enableMenu=False, defaultPadding=0.0)
        self.setMouseMode(pg.ViewBox.PanMode)
        # The box fills the whole view and every map item culls itself: a clip here only makes
        # each stamp of 50,000 markers pay for clipping.
        self.setFlag(self.GraphicsItemFlag.ItemClipsChildrenToShape, False)
        self.childGroup.setFlag(self.GraphicsItemFlag.ItemClipsChildrenToShape, False)
        # pyqtgraph means to exempt its child group from reporting transform changes to the
        # view box, but sets a misspelt attribute (`..._inform_view_on_change`, no s), so every
        # pan or zoom frame walks the item tree for nothing. Set the one GraphicsObject reads.
        self.childGroup._GraphicsObject__inform_view_on_changes = False
        self.drag_handler: DragHandler | None = None
        self.click_handler: Callable[[Any], None] | None = None
        half = ORIGIN_SHIFT
        self.setLimits(
            xMin=-half, xMax=half, yMin=-half, yMax=half, minXRange=resolution(MAX_ZOOM) * 200
        )

    def mouseClickEvent(self, ev: Any) -> None:
        ev.accept()
        if self.click_handler is not None:
            self.click_handler(ev)

    def mouseDragEvent(self, ev: Any, axis: int | None = None) -> None:
        if self.drag_handler is not None and self.drag_handler(ev):
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        super().mouseDragEvent(ev, axis)

    def raiseContextMenu(self, ev: Any) -> None:
        pass  # the map panel builds its own menu


class MapCanvas(pg.GraphicsView):
    view_changed = Signal()
    clicked = Signal(float, float, object)
    hovered = Signal(float, float)
    context_requested = Signal(float, float, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=QColor(theme.BACKGROUND))
        self.vb = MapViewBox()
        self.setCentralItem(self.vb)
        self.vb.click_handler = self._on_click
        self.vb.sigRangeChanged.connect(lambda *_: self.view_changed.emit())
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.attributions: list[str] = []
        self.furniture = Furniture()
        self._opaque_base: QGraphicsItem | None = None
        self.touch_scale = 1.0
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self.viewport().grabGesture(Qt.GestureType.TapAndHoldGesture)
        self.pinch_count = 0  # gestures handled, for tests and diagnostics
        self._touch_start = QPointF()
        # Centre and zoom asked for in code survive resizes (a panel is built before it is
        # laid out); the user's own pan or zoom replaces them.
        self._requested: tuple[float, float, float] | None = None
        self.vb.sigRangeChangedManually.connect(self._forget_request)
        self.set_view(1_023_000.0, 5_695_000.0, 11.0)

    # --- view -----------------------------------------------------------------------------

    def resolution(self) -> float:
        """Mercator metres per screen pixel."""
        (x0, x1), _ = self.vb.viewRange()
        width = max(1.0, self.vb.width())
        return (x1 - x0) / width

    def zoom(self) -> float:
        return zoom_for_resolution(self.resolution())

    def center(self) -> tuple[float, float]:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return (x0 + x1) / 2, (y0 + y1) / 2

    def set_view(self, x: float, y: float, zoom: float | None = None) -> None:
        zoom = self.zoom() if zoom is None or zoom <= 0 else zoom
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self._requested = (x, y, zoom)
        res = resolution(zoom)
        w = max(1.0, self.vb.width() or self.width()) * res / 2
        h = max(1.0, self.vb.height() or self.height()) * res / 2
        self.vb.setRange(xRange=(x - w, x + w), yRange=(y - h, y + h), padding=0)

    def fit(self, rect: QRectF, max_zoom: float = 17.0) -> None:
        """Show a Mercator rectangle with a margin, never closer than `max_zoom`."""
        width_px = max(100.0, self.vb.width() or self.width())
        height_px = max(100.0, self.vb.height() or self.height())
        res = max(rect.width() / width_px, rect.height() / height_px) * 1.15
        zoom = min(max_zoom, zoom_for_resolution(res)) if res > 0 else max_zoom
        c = rect.center()
        self.set_view(c.x(), c.y(), zoom)

    def zoom_by(self, steps: float, anchor: QPointF | None = None) -> None:
        """Zoom `steps` levels in (negative: out) about a scene point (default: centre)."""
        self._requested = None
        new = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() + steps))
        factor = 2.0 ** (self.zoom() - new)
        centre = None if anchor is None else self.vb.mapSceneToView(anchor)
        self.vb.scaleBy((factor, factor), center=centre)

    def pan_by(self, dx_px: float, dy_px: float) -> None:
        self._requested = None
        res = self.resolution()
        self.vb.translateBy(x=dx_px * res, y=-dy_px * res)

    def to_view(self, pos: QPointF) -> tuple[float, float]:
        """Widget (viewport) pixel -> Mercator metres."""
        p = self.vb.mapSceneToView(self.mapToScene(pos.toPoint()))
        return p.x(), p.y()

    def device_view(self) -> DeviceView:
        """Mercator -> viewport pixels as the map items see it when they paint."""
        t = self.vb.childGroup.deviceTransform(self.viewportTransform())
        vp = self.viewport()
        return DeviceView(t.m11(), t.m22(), t.dx(), t.dy(), vp.width(), vp.height())

    def to_device(self, x: float, y: float) -> QPointF:
        return QPointF(self.mapFromScene(self.vb.mapViewToScene(QPointF(x, y))))

    def _forget_request(self, *_: object) -> None:
        self._requested = None

    def resizeEvent(self, ev: Any) -> None:
        super().resizeEvent(ev)
        requested = getattr(self, "_requested", None)  # resized already during construction
        if requested is not None:
            self.set_view(*requested)

    # --- input ----------------------------------------------------------------------------

    def _on_click(self, ev: Any) -> None:
        p = self.vb.mapSceneToView(ev.scenePos())
        if ev.button() == Qt.MouseButton.RightButton:
            self.context_requested.emit(p.x(), p.y(), ev.screenPos().toPoint())
        else:
            self.clicked.emit(p.x(), p.y(), ev.button())

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        super().mouseMoveEvent(ev)
        x, y = self.to_view(ev.position())
        self.hovered.emit(x, y)

    def keyPressEvent(self, ev: QKeyEvent) -> None:
        key = ev.key()
        step = 120.0
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(-1)
        elif key == Qt.Key.Key_Left:
            self.pan_by(-step, 0)
        elif key == Qt.Key.Key_Right:
            self.pan_by(step, 0)
        elif key == Qt.Key.Key_Up:
            self.pan_by(0, -step)
        elif key == Qt.Key.Key_Down:
            self.pan_by(0, step)
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()

    def viewportEvent(self, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.Gesture and isinstance(ev, QGestureEvent):
            return self._on_gesture(ev)
        if ev.type() == QEvent.Type.TouchBegin and isinstance(ev, QTouchEvent) and ev.points():
            # Where the finger went down, in viewport pixels: QTapAndHoldGesture.position()
            # is not reliably global or local across Qt versions, so the map keeps its own.
            self._touch_start = ev.points()[0].position()
        return super().viewportEvent(ev)

    def _on_gesture(self, ev: QGestureEvent) -> bool:
        pinch = ev.gesture(Qt.GestureType.PinchGesture)
        if isinstance(pinch, QPinchGesture):
            ev.accept(pinch)
            flags = pinch.changeFlags()
            centre = self.mapToScene(self.viewport().mapFromGlobal(pinch.centerPoint().toPoint()))
            self._requested = None
            if flags & QPinchGesture.ChangeFlag.ScaleFactorChanged and pinch.scaleFactor() > 0:
                factor = 1.0 / pinch.scaleFactor()
                self.vb.scaleBy((factor, factor), center=self.vb.mapSceneToView(centre))
            if flags & QPinchGesture.ChangeFlag.CenterPointChanged:
                delta = pinch.centerPoint() - pinch.lastCenterPoint()
                self.pan_by(-delta.x(), -delta.y())
            self.pinch_count += 1
            return True
        hold = ev.gesture(Qt.GestureType.TapAndHoldGesture)
        if isinstance(hold, QTapAndHoldGesture) and hold.state() == Qt.GestureState.GestureFinished:
            ev.accept(hold)
            local = self._touch_start
            x, y = self.to_view(local)
            self.context_requested.emit(x, y, self.viewport().mapToGlobal(local.toPoint()))
            return True
        return super().viewportEvent(ev)

    # --- foreground: scale bar, north arrow, attribution -------------------------------------

    def set_opaque_base(self, item: QGraphicsItem | None) -> None:
        """`item` paints every pixel of the viewport with an opaque image (StaticLayers), so
        the view's own background fill (a full-screen fill per frame) can be skipped."""
        self._opaque_base = item
        self.setCacheMode(
            QGraphicsView.CacheModeFlag.CacheNone
            if item is not None
            else QGraphicsView.CacheModeFlag.CacheBackground
        )
        self.viewport().setAutoFillBackground(item is None)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        base = self._opaque_base
        if (
            base is not None
            and base.isVisible()
            and not base.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
        ):
            return
        super().drawBackground(painter, rect)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        painter.save()
        painter.resetTransform()
        _, cy = self.center()
        metres_per_px = self.resolution() * ground_scale(point_to_lonlat(0.0, cy)[1])
        self.furniture.font_scale = self.touch_scale
        self.furniture.draw(
            painter,
            QRectF(self.viewport().rect()),
            metres_per_px,
            self.attributions,
            self.viewport().devicePixelRatioF() or 1.0,
        )
        painter.restore()
