from __future__ import annotations

import pytest
from shapely.geometry import Polygon

from console.geo.index import Item, SpatialIndex
from console.geo.projection import point_to_mercator
from console.geo.search import Entry, Gazetteer


def _index() -> SpatialIndex:
    # Duomo, ~500 m east, ~2 km north, and a gate far away.
    places = [("unit", "u1", 9.1919, 45.4641), ("unit", "u2", 9.1983, 45.4641),
              ("camera", "c1", 9.1919, 45.4821), ("gates", "g1", 9.30, 45.55)]
    xy = [point_to_mercator(lon, lat) for _, _, lon, lat in places]
    return SpatialIndex.from_points([Item(k, i) for k, i, _, _ in places],
                                    [p[0] for p in xy], [p[1] for p in xy])


def test_circle_uses_ground_metres() -> None:
    index = _index()
    x, y = point_to_mercator(9.1919, 45.4641)
    hits = index.within_circle(x, y, 600)
    assert [h.item.id for h in hits] == ["u1", "u2"]
    assert hits[1].distance_m == pytest.approx(500, rel=0.02)
    assert [h.item.id for h in index.within_circle(x, y, 2_100)] == ["u1", "u2", "c1"]
    assert [h.item.id for h in index.within_circle(x, y, 2_100, kinds=["camera"])] == ["c1"]


def test_polygon_and_nearest() -> None:
    index = _index()
    corners = [point_to_mercator(lon, lat) for lon, lat in
               [(9.18, 45.46), (9.20, 45.46), (9.20, 45.49), (9.18, 45.49)]]
    inside = index.within_polygon(Polygon(corners))
    assert {h.item.id for h in inside} == {"u1", "u2", "c1"}
    x, y = point_to_mercator(9.1919, 45.4821)
    assert [h.item.id for h in index.nearest(x, y, 2, kinds=["unit"])] == ["u1", "u2"]
    assert [h.item.id for h in index.nearest(x, y, 5, accept={"u2"})] == ["u2"]
    assert SpatialIndex([], []).nearest(x, y) == []


def test_gazetteer_folds_accents_and_ranks_prefixes() -> None:
    g = Gazetteer([Entry("Piazzale Loreto", "place", "1", 9.2, 45.48),
                   Entry("Loreto", "stazioni_metro", "2", 9.2, 45.48),
                   Entry("Città Studi", "place", "3", 9.22, 45.47),
                   Entry("Ospedale San Raffaele", "ospedali", "4", 9.26, 45.5)])
    assert [e.ref for e in g.search("loreto")] == ["2", "1"]
    assert [e.ref for e in g.search("CITTA")] == ["3"]
    assert g.search("  ") == []
    g.replace_kind("place", [])
    assert len(g) == 2
