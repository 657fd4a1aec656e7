"""One graphics item per marker class, drawing every marker of that class from numpy arrays.

One QGraphicsItem per marker costs 6-8x more and does not scale to 50,000 (DESIGN §5). The item
maps positions to device pixels itself, culls to the viewport, clusters at low zoom on a grid
anchored to the world (so panning never re-clusters), and stamps pre-rendered sprites. It keeps
what it drew last (in Mercator) so hit-testing (hover, click, tap) is a numpy distance over
the markers drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from console.geo.projection import resolution, zoom_for_resolution
from widgets.common import theme
from widgets.map.symbols import Atlas, FragmentBuffer, SpriteKey, stamp
from widgets.map.view import WORLD, DeviceView, MapItem, device_view

__all__ = ["WORLD", "ClusterSprites", "MarkerLayer", "Pick"]

CLUSTER_CELL_PX = 56.0


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
            self.atlas = Atlas(
                [SpriteKey("cluster", self.colour, self._size(lab), lab) for lab in known]
            )
        return np.fromiter((self._index[lab] for lab in labels), dtype=np.intp, count=len(labels))

    def _size(self, label: str) -> int:
        return round((26 + 5 * max(0, len(label) - 1)) * self.scale)


@dataclass
class Pick:
    """What is under a point: a marker (index >= 0) or a cluster of `count` markers."""

    layer: str
    index: int  # -1 for a cluster
    count: int
    position: tuple[float, float]  # Mercator metres of the symbol
    distance_px: float


@dataclass
class _Frame:
    """What one paint stamps, and where (Mercator), for picking."""

    draws: list[tuple[Atlas, npt.NDArray[np.float64]]]
    idx: npt.NDArray[np.intp]
    xy: npt.NDArray[np.float64]  # Mercator x, y of the single markers drawn
    clusters: npt.NDArray[np.float64]  # Mercator x, y and count of the bubbles drawn


_EMPTY = _Frame([], np.zeros(0, dtype=np.intp), np.zeros((0, 2)), np.zeros((0, 3)))


class MarkerLayer(MapItem):
    """Batched markers of one class. Data in Mercator metres; sprites from one Atlas."""

    def __init__(
        self,
        layer_id: str,
        title: str,
        keys: list[SpriteKey],
        *,
        min_zoom: float = 0.0,
        max_zoom: float = 30.0,
        cluster_below: float | None = None,
        scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.layer_id = layer_id
        self.title = title
        self.min_zoom = min_zoom
        self.max_zoom = max_zoom
        self.cluster_below = cluster_below
        self.atlas = Atlas(
            [SpriteKey(k.shape, k.colour, round(k.size * scale), k.label, k.rotation) for k in keys]
        )
        self.ids: list[str] = []
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._sprite = np.zeros(0, dtype=np.intp)
        self._rotation: npt.NDArray[np.float64] | None = None
        self._buffer = FragmentBuffer()
        self._cluster_cache = -1
        self._clusters_by_level: dict[float, tuple[npt.NDArray[np.float64], ...]] = {}
        self._data_version = 0
        self._frame = _EMPTY  # the last paint, for picking
        colour = keys[0].colour if keys else theme.ACCENT
        self._clusters = ClusterSprites(colour, scale)
        self._cluster_buffer = FragmentBuffer()
        self.setFlag(QGraphicsObject.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)

    # --- data ---------------------------------------------------------------------------------

    def set_data(
        self,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        sprite: npt.ArrayLike | int = 0,
        ids: list[str] | None = None,
        rotation: npt.ArrayLike | None = None,
    ) -> None:
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        n = len(self._x)
        self._sprite = np.broadcast_to(np.asarray(sprite, dtype=np.intp), (n,)).copy()
        self._rotation = None if rotation is None else np.asarray(rotation, dtype=np.float64)
        if ids is not None:
            self.ids = list(ids)
        self._data_version += 1
        self.content_changed()

    def __len__(self) -> int:
        return len(self._x)

    def position(self, index: int) -> tuple[float, float]:
        return float(self._x[index]), float(self._y[index])

    # --- drawing ------------------------------------------------------------------------------

    def visible_at(self, zoom: float) -> bool:
        return self.isVisible() and self.min_zoom <= zoom <= self.max_zoom

    @property
    def last_draws(self) -> list[tuple[Atlas, npt.NDArray[np.float64]]]:
        """(atlas, fragments) the last paint stamped; views valid until the next paint."""
        return self._frame.draws

    def fragments(self, view: DeviceView) -> list[tuple[Atlas, npt.NDArray[np.float64]]]:
        """What this layer stamps for `view`, as fresh arrays, without drawing or touching the
        picking state: the benchmark's raw-QPainter reference stamps exactly these."""
        return [(atlas, frags.copy()) for atlas, frags in self._prepare(view).draws]

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = device_view(painter)
        if view is None:
            return
        frame = self._prepare(view)
        self._frame = frame
        if not frame.draws:
            return
        painter.save()
        painter.resetTransform()
        # Stamping needs no antialiasing (sprites are pre-antialiased); rotated sprites keep
        # smooth sampling so unit arrows do not look jagged.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._rotation is not None)
        for atlas, frags in frame.draws:
            stamp(painter, frags, len(frags), atlas)
        painter.restore()

    def _prepare(self, view: DeviceView) -> _Frame:
        """Cull, cluster and fill the fragment buffers for `view` (numpy only, no Qt calls)."""
        zoom = view.zoom
        if not len(self._x) or not (self.min_zoom <= zoom <= self.max_zoom):
            return _EMPTY
        pad = 40.0
        if self.cluster_below is not None and zoom < self.cluster_below:
            cx, cy, counts, first = self._cluster(view.resolution)
            px, py = view.to_device(cx, cy)
            mask = (px > -pad) & (px < view.width + pad) & (py > -pad) & (py < view.height + pad)
            single = mask & (counts == 1)
            idx = first[single].astype(np.intp)
            draws = [self._fill(px[single], py[single], idx)]
            many = np.flatnonzero(mask & (counts > 1))
            clusters = np.column_stack([cx[many], cy[many], counts[many]])
            if len(many):
                # Cluster bubbles are sprites too (one per distinct count label, atlas grown
                # lazily): hundreds of antialiased ellipses and texts per frame cost tens of ms.
                sprite = self._clusters.indices(counts[many])
                draws.append(
                    (
                        self._clusters.atlas,
                        self._cluster_buffer.fill(px[many], py[many], sprite, self._clusters.atlas),
                    )
                )
        else:
            px, py = view.to_device(self._x, self._y)
            mask = (px > -pad) & (px < view.width + pad) & (py > -pad) & (py < view.height + pad)
            idx = np.flatnonzero(mask)
            draws = [self._fill(px[idx], py[idx], idx)]
            clusters = _EMPTY.clusters
        return _Frame(
            [d for d in draws if len(d[1])],
            idx,
            np.column_stack([self._x[idx], self._y[idx]]),
            clusters,
        )

    def _fill(
        self, px: npt.NDArray[np.float64], py: npt.NDArray[np.float64], idx: npt.NDArray[np.intp]
    ) -> tuple[Atlas, npt.NDArray[np.float64]]:
        rotation = None if self._rotation is None else self._rotation[idx]
        return self.atlas, self._buffer.fill(px, py, self._sprite[idx], self.atlas, rotation)

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
        _, inverse, counts = np.unique(kx * 4_194_304 + ky, return_inverse=True, return_counts=True)
        cx = np.bincount(inverse, self._x) / counts
        cy = np.bincount(inverse, self._y) / counts
        first = np.full(len(counts), -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(inverse))[::-1]
        result = (cx, cy, counts.astype(np.float64), first.astype(np.float64))
        self._clusters_by_level[level] = result
        return result

    # --- picking ------------------------------------------------------------------------------

    def pick(self, x: float, y: float, radius_px: float, resolution_m: float) -> Pick | None:
        """Nearest marker or cluster drawn in the last paint within `radius_px` of Mercator
        (x, y), `resolution_m` being the Mercator metres per pixel of the view on screen.
        Positions are kept in Mercator so a layer painted into a cache with another offset
        (StaticLayers) is picked where it shows."""
        best: Pick | None = None
        frame = self._frame
        scale = 1.0 / max(resolution_m, 1e-9)
        if len(frame.xy):
            d = np.hypot(frame.xy[:, 0] - x, frame.xy[:, 1] - y) * scale
            i = int(np.argmin(d))
            if d[i] <= radius_px:
                best = Pick(
                    self.layer_id,
                    int(frame.idx[i]),
                    1,
                    (float(frame.xy[i, 0]), float(frame.xy[i, 1])),
                    float(d[i]),
                )
        if len(frame.clusters):
            d = np.hypot(frame.clusters[:, 0] - x, frame.clusters[:, 1] - y) * scale
            i = int(np.argmin(d))
            if d[i] <= radius_px + 10 and (best is None or d[i] < best.distance_px):
                c = frame.clusters[i]
                best = Pick(self.layer_id, -1, int(c[2]), (float(c[0]), float(c[1])), float(d[i]))
        return best

    def drawn_indices(self) -> npt.NDArray[np.intp]:
        return self._frame.idx
