"""Web-Mercator (EPSG:3857) maths, vectorised: the map's scene is in Mercator metres.

Everything that moves (5,000 units a second) goes through these functions as numpy arrays, so
there is no per-point Python loop on the hot path. Mercator metres are not ground metres: at
Milan's latitude one Mercator metre is ~0.70 m on the ground; `ground_scale` converts.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

R = 6_378_137.0  # WGS84 semi-major axis, as EPSG:3857 uses
MAX_LAT = 85.05112878
ORIGIN_SHIFT = math.pi * R  # half the world's width in Mercator metres
TILE_SIZE = 256

FloatArray = npt.NDArray[np.float64]


def to_mercator(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Lon/lat degrees -> Mercator x/y metres (latitude clamped to the square world)."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT)
    x = np.radians(lon_a) * R
    y = np.log(np.tan(np.pi / 4.0 + np.radians(lat_a) / 2.0)) * R
    return x, y


def to_lonlat(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Mercator x/y metres -> lon/lat degrees."""
    x_a = np.asarray(x, dtype=np.float64)
    y_a = np.asarray(y, dtype=np.float64)
    lon = np.degrees(x_a / R)
    lat = np.degrees(2.0 * np.arctan(np.exp(y_a / R)) - np.pi / 2.0)
    return lon, lat


def point_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    x, y = to_mercator(lon, lat)
    return float(x), float(y)


def point_to_lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


def ground_scale(lat: float) -> float:
    """Ground metres per Mercator metre at `lat` (cos(lat))."""
    return math.cos(math.radians(max(-MAX_LAT, min(MAX_LAT, lat))))


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres: what an operator means by 'distance'."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(min(1.0, math.sqrt(a)))


def resolution(zoom: float) -> float:
    """Mercator metres per pixel at a (fractional) web-map zoom level, 256 px tiles."""
    return 2 * ORIGIN_SHIFT / (TILE_SIZE * 2.0**zoom)


def zoom_for_resolution(metres_per_pixel: float) -> float:
    return math.log2(2 * ORIGIN_SHIFT / (TILE_SIZE * max(metres_per_pixel, 1e-9)))


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in Mercator metres of XYZ tile z/x/y (y from the top)."""
    size = 2 * ORIGIN_SHIFT / 2**z
    xmin = -ORIGIN_SHIFT + x * size
    ymax = ORIGIN_SHIFT - y * size
    return xmin, ymax - size, xmin + size, ymax


def tiles_for_bounds(
    z: int, xmin: float, ymin: float, xmax: float, ymax: float
) -> list[tuple[int, int, int]]:
    """XYZ tiles at zoom `z` covering a Mercator rectangle, centre-first so it fills inwards-out."""
    n = 2**z
    size = 2 * ORIGIN_SHIFT / n

    def col(v: float) -> int:
        return max(0, min(n - 1, int((v + ORIGIN_SHIFT) // size)))

    def row(v: float) -> int:
        return max(0, min(n - 1, int((ORIGIN_SHIFT - v) // size)))

    x0, x1 = col(xmin), col(xmax)
    y0, y1 = row(ymax), row(ymin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    tiles = [(z, tx, ty) for tx in range(x0, x1 + 1) for ty in range(y0, y1 + 1)]
    tiles.sort(key=lambda t: (t[1] - cx) ** 2 + (t[2] - cy) ** 2)
    return tiles
