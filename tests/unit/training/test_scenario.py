"""The scenario in-process: deterministic per seed, always inside the metropolitan area."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.training.app import build_context
from console.training.config import TrainingConfig
from console.training.db import EventRow
from console.training.geodata import inside_metro
from console.training.scenario import Scenario


def _run(tmp: Path, seed: int, ticks: int, layers: tuple[Path, ...] = ()) -> list[EventRow]:
    ctx = build_context(TrainingConfig(db=tmp / f"s{seed}.sqlite", seed=seed, rate_scale=50,
                                       layers=layers, video=False))
    sc = Scenario(ctx)
    for _ in range(ticks):
        sc.tick()
    rows = ctx.db.events_after(0, 100_000)
    ctx.db.close()
    return rows


def _story(rows: list[EventRow]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for _, kind, data in rows:
        d = json.loads(data)
        out.append((kind, (d.get("id"), d.get("lon"), d.get("lat"), d.get("title"))))
    return out


def test_same_seed_same_story(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", 3, 16)
    b = _run(tmp_path / "b", 3, 16)
    c = _run(tmp_path / "c", 4, 16)
    assert len(a) > 150
    assert _story(a) == _story(b)
    assert _story(a) != _story(c)


def _assert_inside(rows: list[EventRow]) -> None:
    kinds = set()
    for _, kind, data in rows:
        kinds.add(kind)
        d = json.loads(data)
        if kind == "unit.moved":
            assert inside_metro(d["lon"], d["lat"]), d
        geom = d.get("geometry") or {}
        if geom.get("type") == "Point":
            assert inside_metro(*geom["coordinates"]), d
    assert {"unit.moved", "alert.created", "sensor.reading"} <= kinds


def test_without_a_pack_positions_stay_in_the_metropolitan_area(tmp_path: Path) -> None:
    _assert_inside(_run(tmp_path, 7, 60))


def test_with_the_milan_pack_units_follow_its_routes(
    tmp_path: Path, milano_pack: Path
) -> None:
    rows = _run(tmp_path, 7, 48, layers=(milano_pack,))
    _assert_inside(rows)
    gates = [json.loads(d)["payload"]["gate_name"] for _, k, d in rows
             if k == "alert.created" and json.loads(d)["type"] == "anpr.hotlist"]
    assert gates, "no ANPR hit in 12 s at rate 50"
    pack_gates = {f["properties"]["label"] for f in json.loads(
        (milano_pack / "milano_varchi_areac.geojson").read_text())["features"]}
    assert set(gates) <= pack_gates


@pytest.mark.parametrize("scale", [0.5, 4.0])
def test_rates_scale(tmp_path: Path, scale: float) -> None:
    ctx = build_context(TrainingConfig(db=tmp_path / "r.sqlite", rate_scale=scale, video=False))
    sc = Scenario(ctx)
    for _ in range(40):  # 10 s
        sc.tick()
    moves = sum(1 for r in ctx.db.events_after(0, 100_000) if r[1] == "unit.moved")
    ctx.db.close()
    assert moves == pytest.approx(40 / 2 * 10 * scale, rel=0.05)  # 40 units every 2 s
