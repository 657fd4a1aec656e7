from __future__ import annotations

from pathlib import Path

from console.incidents.places import PlaceIndex, index_for


def test_comune_and_served_area_without_any_pack() -> None:
    index = PlaceIndex()
    assert index.resolve(9.10, 45.60).comune == "Cesate"
    assert index.inside_metro(9.19, 45.46)
    assert not index.inside_metro(12.49, 41.89)  # Rome
    assert index.resolve(9.19, 45.46).municipio == ""
    assert index.notes  # says Municipi/NIL are unavailable


def test_municipio_nil_and_search_with_the_milan_pack(milano_pack: Path) -> None:
    index = index_for((milano_pack,))
    where = index.resolve(9.1900, 45.4642)
    assert (where.comune, where.municipio, where.nil) == ("Milano", "Municipio 1", "Duomo")
    assert index.resolve(9.1889, 45.5092).municipio == "Municipio 9"  # Niguarda hospital
    hits = index.search("niguarda")
    assert any("Niguarda" in h.name for h in hits)
    assert all(45.3 < h.lat < 45.6 for h in hits)
    assert index.search("via torino")[0].name.lower().startswith("via torino")
    assert index.search("   ") == []


def test_resolve_many_agrees_with_resolve(milano_pack: Path) -> None:
    index = index_for((milano_pack,))
    lons = [9.19, 9.1889, 9.10, 12.49, 9.23, 9.05]
    lats = [45.4642, 45.5092, 45.60, 41.89, 45.45, 45.50]
    assert index.resolve_many(lons, lats) == [index.resolve(x, y)
                                              for x, y in zip(lons, lats, strict=True)]
    assert index.resolve_many([], []) == []
