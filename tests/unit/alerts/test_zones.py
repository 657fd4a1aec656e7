"""Zones by geometry: an alert belongs to a Municipio because its point or area is there, not
because of its place name."""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import box

from console.alerts.zones import Zones, load_zones

WEST, EAST = box(9.0, 45.0, 9.1, 45.1), box(9.1, 45.0, 9.2, 45.1)


def zones() -> Zones:
    return Zones([("Ovest", WEST), ("Est", EAST)])


def test_point_inside_one_zone() -> None:
    z = zones()
    assert z.zones_of({"type": "Point", "coordinates": [9.05, 45.05]}) == {"Ovest"}
    assert z.zones_of({"type": "Point", "coordinates": [9.15, 45.05]}) == {"Est"}
    assert z.zones_of({"type": "Point", "coordinates": [8.5, 45.05]}) == frozenset()


def test_area_straddling_two_zones_is_in_both() -> None:
    river_area = {
        "type": "Polygon",
        "coordinates": [
            [[9.09, 45.04], [9.11, 45.04], [9.11, 45.06], [9.09, 45.06], [9.09, 45.04]]
        ],
    }
    assert zones().zones_of(river_area) == {"Ovest", "Est"}


def test_missing_or_broken_geometry_is_in_no_zone() -> None:
    z = zones()
    assert z.zones_of(None) == frozenset()
    assert z.zones_of({}) == frozenset()
    assert z.zones_of({"type": "Point", "coordinates": []}) == frozenset()
    assert z.zones_of({"type": "Nonsense", "coordinates": [1, 2]}) == frozenset()


def test_municipi_of_the_milan_pack(milano_pack: Path) -> None:
    z = load_zones(milano_pack)
    assert z is not None
    assert z.names() == [f"Municipio {n}" for n in range(1, 10)]
    duomo = {"type": "Point", "coordinates": [9.1900, 45.4642]}
    assert z.zones_of(duomo) == {"Municipio 1"}
    niguarda = {"type": "Point", "coordinates": [9.1925, 45.5130]}  # Niguarda, north
    assert z.zones_of(niguarda) == {"Municipio 9"}


def test_no_pack_no_zones(tmp_path: Path) -> None:
    assert load_zones(tmp_path) is None
