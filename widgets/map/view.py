"""What every map item needs to know at paint time, read once from the painter.

Map items live in the ViewBox's child group, whose transform is a pure scale and translation
(the aspect ratio is locked and there is no rotation): device px = x * sx + dx, y * sy + dy,
with sy < 0 because Mercator y grows northwards. Items draw in device pixels (sprites, labels,
cached tiles), so each one starts its paint by reading this transform and the device size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsObject

from console.geo.projection import ORIGIN_SHIFT, zoom_for_resolution

WORLD = QRectF(-ORIGIN_SHIFT, -ORIGIN_SHIFT, 2 * ORIGIN_SHIFT, 2 * ORIGIN_SHIFT)


@dataclass(frozen=True)
class DeviceView:
    """Mercator metres -> device pixels for one paint, and the device's logical size."""

    sx: float
    sy: float
    dx: float
    dy: float
    width: int
    height: int

    @property
    def resolution(self) -> float:
        """Mercator metres per device pixel."""
        return 1.0 / abs(self.sx)

    @property
    def zoom(self) -> float:
        return zoom_for_resolution(self.resolution)

    def to_device(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return x * self.sx + self.dx, y * self.sy + self.dy

    def bounds(self) -> tuple[float, float, float, float]:
        """The device rectangle in Mercator metres: xmin, ymin, xmax, ymax."""
        xs = sorted((-self.dx / self.sx, (self.width - self.dx) / self.sx))
        ys = sorted((-self.dy / self.sy, (self.height - self.dy) / self.sy))
        return xs[0], ys[0], xs[1], ys[1]


def device_view(painter: QPainter) -> DeviceView | None:
    """The painter's Mercator -> device mapping, or None when nothing sensible can be drawn
    (a degenerate transform, no device)."""
    t = painter.transform()
    device = painter.device()
    if t.m11() == 0 or t.m22() == 0 or device is None:
        return None
    if isinstance(device, QImage | QPixmap):
        # Images report physical pixels; the painter's transform is in logical ones.
        size = device.deviceIndependentSize()
        width, height = round(size.width()), round(size.height())
    else:
        width, height = device.width(), device.height()
    return DeviceView(t.m11(), t.m22(), t.dx(), t.dy(), width, height)


class MapItem(QGraphicsObject):
    """Base of the map's batched items: world-sized bounds (each item culls itself) and a
    change hook, so a cache drawing the item (StaticLayers) knows when to redraw it."""

    def __init__(self) -> None:
        super().__init__()
        self.on_content_changed: Callable[[], None] | None = None
        # Set by StaticLayers for a frame rendered while the view moves (replaced once it
        # rests): cheaper drawing is welcome.
        self.draft = False

    def boundingRect(self) -> QRectF:
        return WORLD

    def content_changed(self) -> None:
        """Call instead of update() when what the item draws changed."""
        self.update()
        if self.on_content_changed is not None:
            self.on_content_changed()
