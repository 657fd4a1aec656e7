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
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from console.geo.projection import ORIGIN_SHIFT, resolution, zoom_for_resolution
from widgets.common import theme
from widgets.map.symbols import Atlas, FragmentBuffer, SpriteKey

CLUSTER_CELL_PX = 56.0
WORLD = QRectF(-ORIGIN_SHIFT, -ORIGIN_SHIFT, 2 * ORIGIN_SHIFT, 2 * ORIGIN_SHIFT)


class ClusterSprites:
    """Bubbles with counts for one layer's colour, one sprite per distinct label."""

    def __init__(self, colour: str, scale: float) -> None:
        self.colour = colour
        self.scale = scale
        self._index: dict[str, int] = {}
        self.atlas = Atlas([])

    @staticmethod
    def label(n: float) -> str:
        return str(int(n)) if n < 1000 else f"{n / 1000:.0f}k"

    def indices(self, counts: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        labels = [self.label(n) for n in counts]
        if any(lab not in self._index for lab in labels):
            known = sorted(set(self._index) | set(labels), key=lambda t: (len(t), t))
            self._index = {lab: i for i, lab in enumerate(known)}
            self.atlas = Atlas([SpriteKey("cluster", self.colour, self._size(lab), lab)
                                for lab in known])
        return np.fromiter((self._index[lab] for lab in labels), dtype=np.intp,
                           count=len(labels))

    def _size(self, label: str) -> int:
        return round((26 + 5 * max(0, len(label) - 1)) * self.scale)


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
        self.atlas = Atlas([SpriteKey(k.shape, k.colour, round(k.size * scale), k.label,
                                      k.rotation) for k in keys])
        self.ids: list[str] = []
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._sprite = np.zeros(0, dtype=np.intp)
        self._rotation: npt.NDArray[np.float64] | None = None
        self._buffer = FragmentBuffer()
        self._cluster_cache = -1
        self._clusters_by_level: dict[float, tuple[npt.NDArray[np.float64], ...]] = {}
        self._data_version = 0
        # last frame, for picking: device xy of singles and clusters
        self._drawn_idx = np.zeros(0, dtype=np.intp)
        self._drawn_xy = np.zeros((0, 2))
        self._drawn_clusters = np.zeros((0, 3))  # x, y, count
        # What the last frame stamped, (atlas, fragments) views: the benchmark's raw reference
        # stamps exactly these.
        self.last_draws: list[tuple[Atlas, npt.NDArray[np.float64]]] = []
        colour = keys[0].colour if keys else theme.ACCENT
        self._clusters = ClusterSprites(colour, scale)
        self._cluster_buffer = FragmentBuffer()
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
        self.last_draws = []
        if not len(self._x) or not (self.min_zoom <= zoom <= self.max_zoom):
            return
        device = painter.device()
        width, height = (device.width(), device.height()) if device is not None else (4096, 4096)
        pad = 40.0
        painter.save()
        painter.resetTransform()
        # Stamping needs no antialiasing (sprites are pre-antialiased); rotated sprites keep
        # smooth sampling so unit arrows do not look jagged.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                              self._rotation is not None)
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
        self.last_draws.append((self.atlas, frags))  # views, valid until the next paint
        self._drawn_idx = idx
        self._drawn_xy = np.column_stack([px, py])

    def _cluster(self, res: float) -> tuple[npt.NDArray[np.float64], ...]:
        # Cells snap to half zoom levels and every level's result is kept until the data
        # changes, so zooming back and forth never clusters the same level twice.
        level = math.floor(zoom_for_resolution(res) * 2) / 2
        if self._cluster_cache != self._data_version:
            self._clusters_by_level = {}
            self._cluster_cache = self._data_version
        cached = self._clusters_by_level.get(level)
        if cached is not None:
            return cached
        cell = CLUSTER_CELL_PX * resolution(level)
        kx = np.floor(self._x / cell).astype(np.int64)
        ky = np.floor(self._y / cell).astype(np.int64)
        _, inverse, counts = np.unique(kx * 4_194_304 + ky, return_inverse=True,
                                       return_counts=True)
        cx = np.bincount(inverse, self._x) / counts
        cy = np.bincount(inverse, self._y) / counts
        first = np.full(len(counts), -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(inverse))[::-1]
        result = (cx, cy, counts.astype(np.float64), first.astype(np.float64))
        self._clusters_by_level[level] = result
        return result

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
        # Cluster bubbles are sprites too (one per distinct count label, atlas grown lazily):
        # hundreds of antialiased ellipses and texts per frame would cost tens of ms.
        sprite = self._clusters.indices(counts[many])
        frags = self._cluster_buffer.fill(px[many], py[many], sprite, self._clusters.atlas)
        self._cluster_buffer.draw(painter, len(many), self._clusters.atlas)
        self.last_draws.append((self._clusters.atlas, frags))

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
