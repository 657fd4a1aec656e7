from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.geo.pack import find_manifest, load_base, load_pack

BOWTIE = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]  # self-intersecting


def _fc(features: list[dict[str, Any]], **extra: Any) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features, **extra})


def _feat(geom: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geom}


def _pt(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _lonlat_bowtie() -> list[list[list[float]]]:
    return [[[9.0 + x * 0.01, 45.0 + y * 0.01] for x, y in ring] for ring in BOWTIE]


def test_inferred_pack_repairs_invalid_polygon(tmp_path: Path) -> None:
    (tmp_path / "zone.geojson").write_text(
        _fc([_feat({"type": "Polygon", "coordinates": _lonlat_bowtie()}, nome="Farfalla")])
    )
    (tmp_path / "punti.geojson").write_text(_fc([_feat(_pt(9.1, 45.4), name="A")]))
    pack = load_pack(tmp_path)
    zone = pack.layer("zone")
    assert zone is not None
    assert zone.kind == "base"
    assert zone.features[0].geometry.is_valid
    assert zone.features[0].geometry.area > 0
    assert zone.features[0].name == "Farfalla"
    assert any("riparate" in n.message and n.source == "zone.geojson" for n in pack.notices)
    punti = pack.layer("punti")
    assert punti is not None
    assert punti.kind == "selectable"
    assert any("manifesto" in n.message.lower() for n in pack.notices)


def test_broken_file_and_feature_are_skipped_with_notice(tmp_path: Path) -> None:
    (tmp_path / "rotto.geojson").write_text('{"type": "FeatureCollection", "features": [')
    (tmp_path / "buono.geojson").write_text(
        _fc([_feat(_pt(9.1, 45.4)), {"type": "Feature", "geometry": {"type": "Point"}},
             _feat({"type": "Nonsense", "coordinates": []})])
    )
    pack = load_pack(tmp_path)
    assert [layer.id for layer in pack.layers] == ["buono"]
    assert len(pack.layers[0].features) == 1
    sources = {n.source: n for n in pack.notices}
    assert sources["rotto.geojson"].level == "error"
    assert "2 elementi danneggiati" in sources["buono.geojson"].message


def test_unknown_crs_is_rejected_with_notice(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32632"}}
    (tmp_path / "utm.geojson").write_text(_fc([_feat(_pt(514_000, 5_034_000))], crs=crs))
    (tmp_path / "nocrs.geojson").write_text(_fc([_feat(_pt(514_000, 5_034_000))]))
    pack = load_pack(tmp_path)
    assert pack.layers == [] or all(not layer.features for layer in pack.layers)
    messages = " ".join(n.message for n in pack.notices)
    assert "32632" in messages
    assert "non sono lon/lat" in messages


def test_manifest_styles_filters_and_roles(tmp_path: Path) -> None:
    (tmp_path / "aree.geojson").write_text(_fc([
        _feat({"type": "Polygon", "coordinates": [[[9, 45], [9.1, 45], [9.1, 45.1], [9, 45]]]},
              tipo="AREA_C", nome="C"),
        _feat({"type": "Polygon", "coordinates": [[[9, 45], [9.2, 45], [9.2, 45.2], [9, 45]]]},
              tipo="AREA_B", nome="B"),
    ]))
    (tmp_path / "pack.toml").write_text(
        'title = "Prova"\nattribution = "Dati di prova"\n'
        '[[layer]]\nid = "c"\nfile = "aree.geojson"\nkind = "base"\nrole = "restrictions"\n'
        'filter = { tipo = "AREA_C" }\nmin_zoom = 11\n[layer.style]\nstroke = "#ff0000"\n'
        'width = 3\nlabel = "nome"\n'
        '[[layer]]\nid = "manca"\nfile = "manca.geojson"\n'
    )
    pack = load_pack(tmp_path)
    assert pack.title == "Prova"
    assert pack.attributions() == ["Dati di prova"]
    layer = pack.layer("c")
    assert layer is not None
    assert [f.name for f in layer.features] == ["C"]
    assert (layer.style.stroke, layer.style.width, layer.min_zoom) == ("#ff0000", 3.0, 11.0)
    assert pack.by_role("restrictions") == [layer]
    assert any(n.source == "manca.geojson" and n.level == "error" for n in pack.notices)


def test_bad_manifest_falls_back_to_inference(tmp_path: Path) -> None:
    (tmp_path / "a.geojson").write_text(_fc([_feat(_pt(9.1, 45.4))]))
    (tmp_path / "pack.toml").write_text("title = [unclosed")
    pack = load_pack(tmp_path)
    assert [layer.id for layer in pack.layers] == ["a"]
    assert any(n.source == "pack.toml" for n in pack.notices)


def test_missing_folder_is_a_notice_not_an_exception(tmp_path: Path) -> None:
    pack = load_pack(tmp_path / "nowhere")
    assert pack.layers == []
    assert pack.notices[0].level == "error"


def test_shipped_base_data() -> None:
    base = load_base()
    comuni = base.layer("comuni")
    assert comuni is not None
    assert len(comuni.features) == 133
    milano = next(f for f in comuni.features if f.properties["istat"] == "015146")
    assert milano.name == "Milano"
    assert milano.properties["population"] > 1_000_000
    assert base.notices == []
    assert any("ISTAT" in a for a in base.attributions())


def test_milan_pack_through_external_manifest(milano_pack: Path) -> None:
    assert find_manifest(milano_pack) is not None
    pack = load_pack(milano_pack)
    assert len(pack.by_role("gates")[0].features) == 42
    municipi = pack.layer("municipi")
    assert municipi is not None
    assert len(municipi.features) == 9
    assert all(f.geometry.is_valid for f in municipi.features)
    assert any(n.source == "milano_municipi.geojson" and "3 geometrie" in n.message
               for n in pack.notices)
    assert {layer.id for layer in pack.layers} >= {"area_c", "area_b", "metro", "tram", "ospedali"}


@pytest.mark.parametrize("bad", ["", "null", "[]", '{"type": "Feature"}'])
def test_not_a_collection(tmp_path: Path, bad: str) -> None:
    (tmp_path / "x.geojson").write_text(bad)
    pack = load_pack(tmp_path)
    assert pack.layers == []
    assert pack.notices
