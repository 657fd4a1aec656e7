"""A tile layer: cached 256-px images drawn on the paint path, produced off it in a thread pool.

Paint never decodes or renders: it draws what is cached, asks the pool for what is missing, and
meanwhile draws the best lower-zoom tile it already has, scaled up, so the map never goes blank
while better tiles arrive. Results come back through a queued signal (the bridge QObject lives
in the GUI thread). Requests the view no longer needs are dropped before they start.

Providers (`render(z, x, y) -> QImage | None`) are called in the pool's thread only.

Signals (on `TileLayer.bridge`):
    tile_ready(key, image)   a worker finished a tile (queued to the GUI thread)
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QRect, QRectF, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from console.geo.projection import ORIGIN_SHIFT, tile_bounds, tiles_for_bounds
from console.geo.tiles import TileSource
from console.i18n import tr
from widgets.map.view import MapItem, device_view

log = logging.getLogger(__name__)

TileKey = tuple[int, int, int]
CACHE_TILES = 600
MAX_FALLBACK_LEVELS = 6


class TileProvider(Protocol):
    name: str
    attribution: str
    min_zoom: int
    max_zoom: int

    def render(self, z: int, x: int, y: int) -> QImage | None: ...


class RasterProvider:
    """Decodes tiles of a TileSource (MBTiles / XYZ); counts tiles that fail to decode."""

    def __init__(self, source: TileSource) -> None:
        self.source = source
        self.name = source.name
        self.attribution = source.attribution
        self.min_zoom = source.min_zoom
        self.max_zoom = source.max_zoom
        self.corrupt = 0

    def render(self, z: int, x: int, y: int) -> QImage | None:
        data = self.source.fetch(z, x, y)
        if not data:
            return None
        image = QImage.fromData(data)
        if image.isNull():
            self.corrupt += 1
            log.warning("tile %s/%s/%s of %s does not decode", z, x, y, self.name)
            return None
        # Opaque tiles stay opaque: drawing RGB32 is a copy, ARGB32 a blend per pixel.
        return image.convertToFormat(
            QImage.Format.Format_ARGB32_Premultiplied
            if image.hasAlphaChannel()
            else QImage.Format.Format_RGB32
        )


class _Bridge(QObject):
    tile_ready = Signal(object, object)


class _Job(QRunnable):
    def __init__(self, layer: TileLayer, key: TileKey) -> None:
        super().__init__()
        self._layer = layer
        self._key = key
        self._generation = layer.generation
        self.setAutoDelete(True)

    def run(self) -> None:
        layer = self._layer
        if not layer.still_wanted(self._key, self._generation):
            layer.bridge.tile_ready.emit(self._key, "skipped")
            return
        try:
            image = layer.provider.render(*self._key)
        except Exception:  # a provider bug costs one tile, never the map
            log.exception("tile %s of %s failed", self._key, layer.provider.name)
            image = None
        layer.bridge.tile_ready.emit(self._key, (self._generation, image))


class TileLayer(MapItem):
    """Draws one provider's tiles. `invalidate()` after the provider's content changed."""

    def __init__(
        self,
        provider: TileProvider,
        *,
        threads: int = 1,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.provider = provider
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(threads)
        self.bridge = _Bridge()
        self.bridge.tile_ready.connect(self._on_tile_ready)
        self.generation = 0
        self._cache: OrderedDict[TileKey, QImage | None] = OrderedDict()
        self._pending: set[TileKey] = set()
        self._wanted: set[TileKey] = set()
        self._lock = threading.Lock()
        self._on_notice = on_notice
        self._notified_corrupt = 0
        self.loaded = 0  # tiles received, for tests and diagnostics

    # --- worker side ------------------------------------------------------------------------

    def still_wanted(self, key: TileKey, generation: int) -> bool:
        with self._lock:
            return generation == self.generation and key in self._wanted

    # --- GUI side ---------------------------------------------------------------------------

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
        self._cache.clear()
        self._pending.clear()
        self.content_changed()

    def shutdown(self) -> None:
        """Stop producing tiles; waits for the one in progress (tests, panel close)."""
        with self._lock:
            self._wanted = set()
            self.generation += 1
        self.pool.clear()
        self.pool.waitForDone(5000)

    def idle(self) -> bool:
        return not self._pending

    def _on_tile_ready(self, key: TileKey, result: object) -> None:
        self._pending.discard(key)
        if not isinstance(result, tuple):
            return  # skipped: no longer wanted
        generation, image = result
        if generation != self.generation:
            return
        self._cache[key] = image if isinstance(image, QImage) else None
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_TILES:
            self._cache.popitem(last=False)
        self.loaded += 1
        corrupt = getattr(self.provider, "corrupt", 0)
        if corrupt > self._notified_corrupt and self._on_notice is not None:
            self._notified_corrupt = corrupt
            self._on_notice(
                tr(
                    "{name}: {n} tessere danneggiate non mostrate.",
                    name=self.provider.name,
                    n=corrupt,
                )
            )
        self.content_changed()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        view = device_view(painter)
        if view is None:
            return
        sx, sy, dx, dy = view.sx, view.sy, view.dx, view.dy
        z = int(
            max(self.provider.min_zoom, min(self.provider.max_zoom, math.ceil(view.zoom - 0.2)))
        )
        tiles = tiles_for_bounds(z, *view.bounds())
        if len(tiles) > 400:  # zoom far outside the provider's range: nothing sensible to draw
            return
        with self._lock:
            self._wanted = set(tiles)
        painter.save()
        painter.resetTransform()
        # Smooth scaling costs ~4x nearest (3-4 ms of CPU for a screen of tiles, spread over
        # Qt's threads) and looks better: skipped only for draft frames while the view moves.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not self.draft)
        cache = self._cache
        if self.draft and z > self.provider.min_zoom:
            # While moving, the level above will do if it is all cached: a quarter of the
            # draws (each scaled draw has a fixed cost of tens of microseconds), slightly soft
            # for the few frames until the view rests. Missing exact tiles are still asked for.
            coarse = tiles_for_bounds(z - 1, *view.bounds())
            images = [cache.get(key) for key in coarse]
            if all(image is not None for image in images):
                for key in tiles:
                    if key not in cache:
                        self._request(key)
                z, tiles = z - 1, coarse
        drawn_parents: set[TileKey] = set()
        found: list[tuple[TileKey, QImage]] = []
        for key in tiles:
            image = cache.get(key)
            if image is not None:
                found.append((key, image))
                continue
            if key not in cache:
                self._request(key)
            # Not here yet, missing or corrupt: the best lower-zoom tile stands in.
            self._draw_fallback(painter, key, sx, sy, dx, dy, drawn_parents)
        if found:
            # The tiles of one level form a grid: its pixel edges are computed once per column
            # and row (shared by neighbours, so no seam and no overlap), not four per tile.
            x0 = min(k[1] for k, _ in found)
            y0 = min(k[2] for k, _ in found)
            size = 2 * ORIGIN_SHIFT / 2**z
            cols = [
                round((-ORIGIN_SHIFT + tx * size) * sx + dx)
                for tx in range(x0, max(k[1] for k, _ in found) + 2)
            ]
            rows = [
                round((ORIGIN_SHIFT - ty * size) * sy + dy)
                for ty in range(y0, max(k[2] for k, _ in found) + 2)
            ]
            for key, image in found:
                cache.move_to_end(key)
                i, j = key[1] - x0, key[2] - y0
                painter.drawImage(
                    QRect(cols[i], rows[j], cols[i + 1] - cols[i], rows[j + 1] - rows[j]), image
                )
        painter.restore()

    @staticmethod
    def _device_rect(key: TileKey, sx: float, sy: float, dx: float, dy: float) -> QRectF:
        xmin, ymin, xmax, ymax = tile_bounds(*key)
        left, right = xmin * sx + dx, xmax * sx + dx
        top, bottom = ymax * sy + dy, ymin * sy + dy
        # Round outwards to whole pixels so neighbouring tiles never show a hairline seam.
        left, top = math.floor(left), math.floor(top)
        return QRectF(left, top, math.ceil(right) - left, math.ceil(bottom) - top)

    def _draw_fallback(
        self,
        painter: QPainter,
        key: TileKey,
        sx: float,
        sy: float,
        dx: float,
        dy: float,
        drawn: set[TileKey],
    ) -> None:
        z, x, y = key
        for up in range(1, MAX_FALLBACK_LEVELS + 1):
            if z - up < 0:
                return
            parent = (z - up, x >> up, y >> up)
            image = self._cache.get(parent)
            if image is None:
                continue
            if parent in drawn:
                return
            drawn.add(parent)
            painter.drawImage(self._device_rect(parent, sx, sy, dx, dy), image)
            return

    def _request(self, key: TileKey) -> None:
        if key in self._pending:
            return
        self._pending.add(key)
        self.pool.start(_Job(self, key))

    def cached(self, key: TileKey) -> bool:
        return self._cache.get(key) is not None
