"""One graphics item per marker class, drawing every marker of that class from numpy arrays.

One QGraphicsItem per marker costs 6-8x more and does not scale to 50,000 (DESIGN §5). The item
maps positions to device pixels itself, culls to the viewport, clusters at low zoom on a grid
anchored to the world (so panning never re-clusters), and stamps pre-rendered sprites. It keeps
what it drew last so hit-testing (hover, click, tap) is a numpy distance over visible markers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from console.geo.projection import ORIGIN_SHIFT, zoom_for_resolution
from widgets.common import theme
from widgets.map.symbols import Atlas, FragmentBuffer, SpriteKey, css_colour

CLUSTER_CELL_PX = 56.0
WORLD = QRectF(-ORIGIN_SHIFT, -ORIGIN_SHIFT, 2 * ORIGIN_SHIFT, 2 * ORIGIN_SHIFT)


@dataclass
class Pick:
    """What is under a point: a marker (index >= 0) or a cluster of `count` markers."""

    layer: str
    index: int  # -1 for a cluster
    count: int
    device: tuple[float, float]
    distance_px: float


class MarkerLayer(QGraphicsObject):
    """Batched markers of one class. Data in Mercator metres; sprites from one Atlas."""

    def __init__(self, layer_id: str, title: str, keys: list[SpriteKey], *,
                 min_zoom: float = 0.0, max_zoom: float = 30.0,
                 cluster_below: float | None = None, scale: float = 1.0) -> None:
        super().__init__()
        self.layer_id = layer_id
        self.title = title
        self.min_zoom = min_zoom
        self.max_zoom = max_zoom
        self.cluster_below = cluster_below
        self.atlas = Atlas([SpriteKey(k.shape, k.colour, round(k.size * scale), k.label)
                            for k in keys])
        self.ids: list[str] = []
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._sprite = np.zeros(0, dtype=np.intp)
        self._rotation: npt.NDArray[np.float64] | None = None
        self._buffer = FragmentBuffer()
        self._cluster_cache: tuple[object, ...] | None = None
        self._clusters: tuple[npt.NDArray[np.float64], ...] = ()
        self._data_version = 0
        # last frame, for picking: device xy of singles and clusters
        self._drawn_idx = np.zeros(0, dtype=np.intp)
        self._drawn_xy = np.zeros((0, 2))
        self._drawn_clusters = np.zeros((0, 3))  # x, y, count
        self.last_fragments = np.zeros((0, 10))  # for the benchmark's raw reference
        self.setFlag(QGraphicsObject.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)

    # --- data ---------------------------------------------------------------------------------

    def set_data(self, x: npt.ArrayLike, y: npt.ArrayLike, sprite: npt.ArrayLike | int = 0,
                 ids: list[str] | None = None,
                 rotation: npt.ArrayLike | None = None) -> None:
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        n = len(self._x)
        self._sprite = np.broadcast_to(np.asarray(sprite, dtype=np.intp), (n,)).copy()
        self._rotation = None if rotation is None else np.asarray(rotation, dtype=np.float64)
        if ids is not None:
            self.ids = list(ids)
        self._data_version += 1
        self.update()

    def __len__(self) -> int:
        return len(self._x)

    def position(self, index: int) -> tuple[float, float]:
        return float(self._x[index]), float(self._y[index])

    # --- QGraphicsItem ------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return WORLD

    def visible_at(self, zoom: float) -> bool:
        return self.isVisible() and self.min_zoom <= zoom <= self.max_zoom

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = painter.transform()
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
        if sx == 0:
            return
        zoom = zoom_for_resolution(1.0 / abs(sx))
        self._drawn_idx = np.zeros(0, dtype=np.intp)
        self._drawn_xy = np.zeros((0, 2))
        self._drawn_clusters = np.zeros((0, 3))
        if not len(self._x) or not (self.min_zoom <= zoom <= self.max_zoom):
            self.last_fragments = np.zeros((0, 10))
            return
        device = painter.device()
        width, height = (device.width(), device.height()) if device is not None else (4096, 4096)
        pad = 40.0
        painter.save()
        painter.resetTransform()
        if self.cluster_below is not None and zoom < self.cluster_below:
            self._paint_clusters(painter, abs(1.0 / sx), sx, sy, dx, dy, width, height, pad)
        else:
            px = self._x * sx + dx
            py = self._y * sy + dy
            mask = (px > -pad) & (px < width + pad) & (py > -pad) & (py < height + pad)
            idx = np.flatnonzero(mask)
            self._stamp(painter, px[idx], py[idx], idx)
        painter.restore()

    def _stamp(self, painter: QPainter, px: npt.NDArray[np.float64], py: npt.NDArray[np.float64],
               idx: npt.NDArray[np.intp]) -> None:
        rotation = None if self._rotation is None else self._rotation[idx]
        frags = self._buffer.fill(px, py, self._sprite[idx], self.atlas, rotation)
        self._buffer.draw(painter, len(idx), self.atlas)
        self.last_fragments = frags.copy()
        self._drawn_idx = idx
        self._drawn_xy = np.column_stack([px, py])

    def _cluster(self, res: float) -> tuple[npt.NDArray[np.float64], ...]:
        cell = CLUSTER_CELL_PX * res
        key = (round(math.log2(cell), 3), self._data_version)
        if self._cluster_cache != key:
            kx = np.floor(self._x / cell).astype(np.int64)
            ky = np.floor(self._y / cell).astype(np.int64)
            _, inverse, counts = np.unique(kx * 4_194_304 + ky, return_inverse=True,
                                           return_counts=True)
            cx = np.bincount(inverse, self._x) / counts
            cy = np.bincount(inverse, self._y) / counts
            first = np.full(len(counts), -1, dtype=np.int64)
            first[inverse[::-1]] = np.arange(len(inverse))[::-1]
            self._clusters = (cx, cy, counts.astype(np.float64), first.astype(np.float64))
            self._cluster_cache = key
        return self._clusters

    def _paint_clusters(self, painter: QPainter, res: float, sx: float, sy: float, dx: float,
                        dy: float, width: int, height: int, pad: float) -> None:
        cx, cy, counts, first = self._cluster(res)
        px = cx * sx + dx
        py = cy * sy + dy
        mask = (px > -pad) & (px < width + pad) & (py > -pad) & (py < height + pad)
        single = mask & (counts == 1)
        idx = first[single].astype(np.intp)
        self._stamp(painter, px[single], py[single], idx)
        many = np.flatnonzero(mask & (counts > 1))
        self._drawn_clusters = np.column_stack([px[many], py[many], counts[many]])
        if not len(many):
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(theme.FONT_FAMILY)
        font.setPixelSize(13)
        font.setBold(True)
        painter.setFont(font)
        colour = css_colour(self.atlas.keys[0].colour if self.atlas.keys else theme.ACCENT)
        ring = QPen(QColor(theme.BACKGROUND), 2)
        text_pen = QPen(QColor(theme.BACKGROUND if colour.lightness() > 120 else theme.TEXT))
        brush = QBrush(colour)
        for x, y, n in self._drawn_clusters:
            r = 11.0 + 3.0 * math.log10(n)
            painter.setPen(ring)
            painter.setBrush(brush)
            painter.drawEllipse(QPointF(x, y), r, r)
            painter.setPen(text_pen)
            label = str(int(n)) if n < 1000 else f"{n / 1000:.0f}k"
            painter.drawText(QRectF(x - r, y - r, 2 * r, 2 * r),
                             int(Qt.AlignmentFlag.AlignCenter), label)

    # --- picking ------------------------------------------------------------------------------

    def pick(self, x: float, y: float, radius_px: float) -> Pick | None:
        """Nearest marker or cluster drawn in the last frame within `radius_px` of device (x, y)."""
        best: Pick | None = None
        if len(self._drawn_xy):
            d = np.hypot(self._drawn_xy[:, 0] - x, self._drawn_xy[:, 1] - y)
            i = int(np.argmin(d))
            if d[i] <= radius_px:
                best = Pick(self.layer_id, int(self._drawn_idx[i]), 1,
                            (float(self._drawn_xy[i, 0]), float(self._drawn_xy[i, 1])),
                            float(d[i]))
        if len(self._drawn_clusters):
            d = np.hypot(self._drawn_clusters[:, 0] - x, self._drawn_clusters[:, 1] - y)
            i = int(np.argmin(d))
            if d[i] <= radius_px + 10 and (best is None or d[i] < best.distance_px):
                c = self._drawn_clusters[i]
                best = Pick(self.layer_id, -1, int(c[2]), (float(c[0]), float(c[1])),
                            float(d[i]))
        return best

    def drawn_indices(self) -> npt.NDArray[np.intp]:
        return self._drawn_idx
