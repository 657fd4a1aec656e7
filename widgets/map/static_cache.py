"""The layers that do not move between frames (base tiles, the city's marker layers) drawn once
into a viewport-sized image and re-used while the view pans or zooms a little.

Panning a map redraws the same base map and the same 50,000 points of interest at a new offset
every frame; only units, incidents, alerts and labels change. So the static layers are painted
into one opaque image a margin larger than the viewport, and each frame draws that image with
the current offset (an exact copy) or, during a zoom, scaled (nearest pixel, like the tiles of a
web map during a pinch). The image is rendered again when:

* the view left the margin or the scale drifted more than MAX_DRIFT from the rendered one
  (while moving: a draft, see below);
* the view stopped moving for SETTLE_MS with a scaled, sub-pixel offset or draft image on
  screen (renders forced by motion are drafts: members may trade quality for speed, e.g. tiles
  scaled without smoothing);
* a member changed (tile arrived, data or visibility changed): members report through
  `MapItem.content_changed`, `visibleChanged` and `zChanged`.

Members stay in the scene (visibility, z order and picking work as before) but carry
ItemHasNoContents, so the scene never paints them itself; this item paints them, bottom to top.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from widgets.common import theme
from widgets.common.timers import make_timer
from widgets.map.view import DeviceView, MapItem, device_view

MARGIN_PX = 160
MAX_DRIFT = 2.0**0.3  # scale factor between the rendered and the shown view
SETTLE_MS = 150


class StaticLayers(MapItem):
    """Paints its member items through one cached image. `enabled = False` lets members paint
    themselves every frame (the benchmark's uncached run, diagnostics)."""

    def __init__(self) -> None:
        super().__init__()
        self._members: list[MapItem] = []
        self._image: QImage | None = None
        self._rendered: DeviceView | None = None  # Mercator -> image pixels
        self._valid = False
        self._enabled = True
        self._option = QStyleOptionGraphicsItem()
        self._last_view: DeviceView | None = None  # of the previous frame
        self._draft = False  # the image was rendered in draft quality
        self._settling = False
        self.renders = 0  # full re-renders, for tests and diagnostics
        self._settle = make_timer(self, SETTLE_MS, self._on_settle, single_shot=True, start=False)

    # --- membership ---------------------------------------------------------------------------

    def add(self, item: MapItem) -> None:
        """Draw `item` (already in the scene) through the cache from now on."""
        self._members.append(item)
        item.on_content_changed = self.invalidate
        item.visibleChanged.connect(self.invalidate)
        item.zChanged.connect(self.invalidate)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, self._enabled)
        self.invalidate()

    def members(self) -> list[MapItem]:
        return list(self._members)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self._enabled = on
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, not on)
        for item in self._members:
            item.draft = False
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, on)
            item.update()
        self._image = None
        self.invalidate()

    def invalidate(self) -> None:
        self._valid = False
        self.update()

    # --- painting -----------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if not self._enabled:
            return
        view = device_view(painter)
        if view is None:
            return
        placement = self._placement(view)
        if placement is None:
            # Moving since the last frame: a draft (cheaper tile scaling) that the settle
            # re-render replaces; at rest (content changed, settled): the real thing.
            draft = not self._settling and self._last_view not in (None, view)
            self._render(view, painter.device().devicePixelRatioF() or 1.0, draft)
            placement = self._placement(view)
            if placement is None or self._image is None:
                return
        self._last_view = view
        image = self._image
        assert image is not None
        scale, left, top, exact = placement
        if not exact or self._draft:
            self._settle.start()  # re-render exactly once the view rests
        size = image.deviceIndependentSize()
        painter.save()
        painter.resetTransform()
        # Nearest-neighbour while moving: smooth scaling of a full-screen image costs ~3 ms
        # of CPU (spread over Qt's threads); the settle re-render restores exact pixels.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QRectF(left, top, size.width() * scale, size.height() * scale), image)
        painter.restore()

    def _placement(self, view: DeviceView) -> tuple[float, float, float, bool] | None:
        """Scale and top-left (device px) at which the cached image shows `view`, and whether
        that is pixel-exact; None if it cannot (stale, too far, scale drifted, resized)."""
        cached = self._rendered
        if not self._valid or self._image is None or cached is None:
            return None
        if (cached.width, cached.height) != (
            view.width + 2 * MARGIN_PX,
            view.height + 2 * MARGIN_PX,
        ):
            return None
        scale = view.sx / cached.sx
        if not (1 / MAX_DRIFT <= scale <= MAX_DRIFT) or abs(view.sy / cached.sy - scale) > 1e-9:
            return None
        if abs(scale - 1.0) < 1e-9:
            scale = 1.0
        left = view.dx - cached.dx * scale
        top = view.dy - cached.dy * scale
        exact = scale == 1.0 and abs(left - round(left)) < 1e-3 and abs(top - round(top)) < 1e-3
        if scale == 1.0:
            # Snap sub-pixel offsets; the settle re-render puts things back to the exact pixel.
            left, top = float(round(left)), float(round(top))
        # The viewport, in image pixels, must lie inside the image.
        if (
            left > 0
            or top > 0
            or left + cached.width * scale < view.width
            or top + cached.height * scale < view.height
        ):
            return None
        return scale, left, top, exact

    def _render(self, view: DeviceView, ratio: float, draft: bool) -> None:
        width, height = view.width + 2 * MARGIN_PX, view.height + 2 * MARGIN_PX
        image = self._image
        if (
            image is None
            or image.deviceIndependentSize().toSize().width() != width
            or image.deviceIndependentSize().toSize().height() != height
            or image.devicePixelRatioF() != ratio
        ):
            image = QImage(
                math.ceil(width * ratio), math.ceil(height * ratio), QImage.Format.Format_RGB32
            )
            image.setDevicePixelRatio(ratio)
        image.fill(QColor(theme.BACKGROUND))
        painter = QPainter(image)
        try:
            painter.setTransform(
                QTransform(view.sx, 0, 0, view.sy, view.dx + MARGIN_PX, view.dy + MARGIN_PX)
            )
            for item in sorted(self._members, key=lambda m: m.zValue()):
                if not item.isVisible():
                    continue
                item.draft = draft
                painter.save()
                item.paint(painter, self._option, None)
                painter.restore()
        finally:
            painter.end()
        self._image = image
        self._rendered = DeviceView(
            view.sx, view.sy, view.dx + MARGIN_PX, view.dy + MARGIN_PX, width, height
        )
        self._valid = True
        self._draft = draft
        self._settling = False
        self.renders += 1

    def _on_settle(self) -> None:
        self._settling = True
        self.invalidate()
