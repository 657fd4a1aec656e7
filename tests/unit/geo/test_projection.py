from __future__ import annotations

import math

import numpy as np
import pytest

from console.geo import projection as pj


def test_round_trip_is_vectorised_and_exact() -> None:
    lon = np.array([9.19, -0.1276, 151.2, 0.0])
    lat = np.array([45.4642, 51.5072, -33.86, 0.0])
    x, y = pj.to_mercator(lon, lat)
    assert x.shape == (4,)
    lon2, lat2 = pj.to_lonlat(x, y)
    np.testing.assert_allclose(lon2, lon, atol=1e-9)
    np.testing.assert_allclose(lat2, lat, atol=1e-9)


def test_known_epsg3857_values() -> None:
    # Edge of the square world, and latitude 45: y = R * asinh(1) = R * 0.881373587...
    x, _ = pj.point_to_mercator(180.0, 0.0)
    assert x == pytest.approx(20_037_508.34, abs=0.01)
    _, y = pj.point_to_mercator(9.19, 45.0)
    assert y == pytest.approx(5_621_521.49, abs=0.05)
    assert pj.point_to_mercator(0.0, 0.0) == pytest.approx((0.0, 0.0), abs=1e-6)


def test_latitude_clamped_to_square_world() -> None:
    _, y = pj.to_mercator(0.0, 90.0)
    assert math.isfinite(float(y))
    assert float(y) == pytest.approx(pj.ORIGIN_SHIFT, rel=1e-6)


def test_haversine_milan_to_rome() -> None:
    assert pj.haversine_m(9.19, 45.4642, 12.4964, 41.9028) == pytest.approx(477_000, rel=0.01)


def test_tiles_cover_bounds_centre_first() -> None:
    west, _, _, north = pj.tile_bounds(12, 2150, 1460)
    _, south, east, _ = pj.tile_bounds(12, 2152, 1462)
    tiles = pj.tiles_for_bounds(12, west + 1, south + 1, east - 1, north - 1)
    assert len(tiles) == 9
    assert tiles[0] == (12, 2151, 1461)
    assert pj.resolution(0) == pytest.approx(156_543.03, rel=1e-6)
    assert pj.zoom_for_resolution(pj.resolution(13.5)) == pytest.approx(13.5)
