"""CAP parsing and mapping, without a server."""

from __future__ import annotations

import pytest

from console.paths import RESOURCES
from console.training import cap, geodata

CAP_DIR = RESOURCES / "training" / "cap"


def test_polygon_is_converted_from_lat_lon_to_geojson() -> None:
    msg = cap.parse((CAP_DIR / "oasis-a2-thunderstorm.xml").read_bytes())
    assert (msg.identifier, msg.sender, msg.msg_type) == ("KSTO1055887203", "KSTO@NWS.NOAA.GOV",
                                                          "Alert")
    geom = cap.geometry(msg)
    assert geom is not None
    assert geom["type"] == "Polygon"
    assert geom["coordinates"][0][:2] == [[-120.14, 38.47], [-119.95, 38.34]]


def test_zero_radius_circle_is_a_point_and_references_are_parsed() -> None:
    msg = cap.parse((CAP_DIR / "oasis-a3-earthquake.xml").read_bytes())
    assert cap.geometry(msg) == {"type": "Point", "coordinates": [-115.5527, 32.9525]}
    assert msg.references == [("trinet@caltech.edu", "TRI13970876.1")]
    assert msg.infos[0].parameters["Magnitude"] == "3.4 Ml"


def test_circle_radius_is_in_kilometres() -> None:
    geom = cap._circle("45.4642,9.19 2")
    ring = geom["coordinates"][0]
    for lon, lat in ring:
        assert abs(geodata.distance_m((9.19, 45.4642), (lon, lat)) - 2000) < 30


def test_italian_info_is_preferred_and_geocodes_resolve() -> None:
    msg = cap.parse((CAP_DIR / "it-meteo-temporali.xml").read_bytes())
    fields = cap.alert_fields(msg)
    assert fields["title"].startswith("Allerta arancione")
    assert fields["type"] == "cap.weather"
    assert fields["geometry"]["type"] == "MultiPolygon"
    assert len(fields["geometry"]["coordinates"]) >= 6  # 5 comuni + Milano again in English


def test_exercise_and_test_are_marked() -> None:
    text = (CAP_DIR / "oasis-a4-amber.xml").read_text().replace("<status>Actual", "<status>Test")
    fields = cap.alert_fields(cap.parse(text.encode()))
    assert fields["exercise"] is True
    assert fields["title"] == "[TEST] Amber Alert in Los Angeles County"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"<alert", 400),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><alert>&e;</alert>', 400),
        (b"<alert/>", 422),
        (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x</identifier>"
         b"</alert>", 422),
    ],
)
def test_bad_cap_is_refused_with_the_right_status(body: bytes, status: int) -> None:
    with pytest.raises(cap.CapError) as err:
        cap.parse(body)
    assert err.value.status == status
    assert err.value.detail


def test_update_without_references_is_invalid() -> None:
    text = (CAP_DIR / "oasis-a3-earthquake.xml").read_text()
    start, end = text.index("<references>"), text.index("</references>") + len("</references>")
    with pytest.raises(cap.CapError, match="references"):
        cap.parse((text[:start] + text[end:]).encode())
