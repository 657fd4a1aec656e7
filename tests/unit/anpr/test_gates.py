"""Likely next gates from positions alone, and the Milan Area C gates from the layer pack."""

from __future__ import annotations

from pathlib import Path

from console.anpr.gates import Gate, likely_next, load_gates

ROW = {g: Gate(g, f"Varco {g}", 9.16 + 0.01 * n, 45.46) for n, g in enumerate("WABCD")}


def test_direction_of_travel_picks_gates_ahead() -> None:
    trail = [(ROW["A"].lon, ROW["A"].lat), (ROW["B"].lon, ROW["B"].lat)]
    names = [g.id for g in likely_next(trail, ["A", "B"], ROW)]
    assert names == ["C", "D"]  # W is behind


def test_single_sighting_offers_nearest() -> None:
    names = [g.id for g in likely_next([(ROW["B"].lon, 45.46)], ["B"], ROW, limit=2)]
    assert set(names) == {"A", "C"}


def test_no_gates_no_guess() -> None:
    assert likely_next([(9.1, 45.4)], [], {}) == []
    assert likely_next([], [], ROW) == []


def test_missing_pack_gives_no_gates(tmp_path: Path) -> None:
    assert load_gates(tmp_path) == {}


def test_milan_area_c_gates(milano_pack: Path) -> None:
    gates = load_gates(milano_pack)
    assert len(gates) == 42
    assert gates["58"].name == "LEGNANO"
