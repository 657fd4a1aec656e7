"""Raster tile sources the map can draw offline: an MBTiles file, or XYZ tiles with a disk cache.

Sources return encoded bytes (PNG/JPEG/WebP) or None; decoding happens in the map's worker
threads. They are called from several threads at once, so an MBTiles source opens one sqlite
connection per thread. A missing or corrupt source never raises into the map: `error` says why,
and the map shows it as a notice while falling back to the vector base map.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from console.paths import cache_dir

log = logging.getLogger(__name__)


class TileSource(Protocol):
    name: str
    attribution: str
    min_zoom: int
    max_zoom: int
    error: str

    def fetch(self, z: int, x: int, y: int) -> bytes | None: ...


class MBTilesSource:
    """MBTiles 1.3 (sqlite; rows in TMS order, y counted from the bottom)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = self.path.stem
        self.attribution = ""
        self.min_zoom, self.max_zoom = 0, 19
        self.error = ""
        self._local = threading.local()
        try:
            meta = dict(self._conn().execute("SELECT name, value FROM metadata").fetchall())
            self.name = str(meta.get("name", self.name))
            self.attribution = str(meta.get("attribution", ""))
            self.min_zoom = int(meta.get("minzoom", 0))
            self.max_zoom = int(meta.get("maxzoom", 19))
        except (sqlite3.Error, ValueError, OSError) as exc:
            self.error = f"{self.path.name}: {exc}"
            log.warning("MBTiles %s unusable: %s", self.path, exc)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if not self.path.is_file():
                raise sqlite3.OperationalError("file not found")
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def fetch(self, z: int, x: int, y: int) -> bytes | None:
        if self.error:
            return None
        try:
            row = (
                self._conn()
                .execute(
                    "SELECT tile_data FROM tiles"
                    " WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                    (z, x, (1 << z) - 1 - y),
                )
                .fetchone()
            )
        except sqlite3.Error as exc:
            log.warning("MBTiles %s read failed: %s", self.path, exc)
            return None
        return bytes(row[0]) if row else None


class XYZSource:
    """`{z}/{x}/{y}` template: a local folder, or an http(s) URL cached on disk.

    Only the cache is read when `offline` is true (the default on a control-room network with no
    internet); a URL fetch happens in the caller's worker thread with a short timeout."""

    def __init__(
        self,
        template: str,
        *,
        name: str = "",
        attribution: str = "",
        min_zoom: int = 0,
        max_zoom: int = 19,
        offline: bool = True,
        cache: Path | None = None,
    ) -> None:
        self.template = template
        self.name = name or template
        self.attribution = attribution
        self.min_zoom, self.max_zoom = min_zoom, max_zoom
        self.offline = offline
        self.error = ""
        self.remote = template.startswith(("http://", "https://"))
        digest = hashlib.sha1(template.encode()).hexdigest()[:12]
        self.cache = cache or (cache_dir() / "tiles" / digest)

    def _local_path(self, z: int, x: int, y: int) -> Path:
        if self.remote:
            return self.cache / str(z) / str(x) / f"{y}.tile"
        return Path(self.template.format(z=z, x=x, y=y))

    def fetch(self, z: int, x: int, y: int) -> bytes | None:
        path = self._local_path(z, x, y)
        try:
            return path.read_bytes()
        except OSError:
            pass
        if not self.remote or self.offline:
            return None
        try:
            import httpx

            response = httpx.get(
                self.template.format(z=z, x=x, y=y),
                timeout=5.0,
                headers={"User-Agent": "Centrale/0.1"},
            )
            response.raise_for_status()
        except Exception as exc:  # network errors of every kind: the tile just stays missing
            log.info("tile %s/%s/%s not fetched: %s", z, x, y, exc)
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(response.content)
        return response.content


def open_source(spec: str) -> MBTilesSource | XYZSource:
    """A source from a settings string: a .mbtiles path or an XYZ template."""
    if spec.endswith(".mbtiles"):
        return MBTilesSource(spec)
    return XYZSource(spec)
