"""The all-`unit.moved` burst path (thousands a second, unpacked with numpy) must keep the same
rules as the general event loop: stragglers and replays ignored, bad items skipped one by one,
trails of units that did not move left alone."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from console.api.contract import Event
from console.geo.projection import point_to_mercator
from console.units.store import TRAIL_LENGTH, UnitsStore

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC).isoformat()


def _unit(uid: str, lon: float = 9.19, lat: float = 45.46) -> dict[str, object]:
    return {
        "id": uid,
        "callsign": uid.upper(),
        "agency": "PL",
        "kind": "car",
        "status": "available",
        "status_since": NOW,
        "lon": lon,
        "lat": lat,
    }


def _moved(eid: int, uid: str, lon: float, lat: float = 45.46) -> Event:
    return Event(
        id=eid,
        event="unit.moved",
        data={"id": uid, "lon": lon, "lat": lat, "heading": 10.0, "speed_kmh": 30.0},
    )


def test_straggler_and_duplicate_ids_inside_a_burst_are_ignored(qtbot: QtBot) -> None:
    store = UnitsStore()
    store.reset([_unit("a"), _unit("b"), _unit("c")])
    store.apply([_moved(8, "a", 9.10)])
    # 9 comes after 11 (a straggler), the second 12 repeats an id: neither may land.
    store.apply(
        [
            _moved(10, "a", 9.20),
            _moved(11, "b", 9.21),
            _moved(9, "c", 1.0),
            _moved(12, "c", 9.22),
            _moved(12, "a", 1.0),
        ]
    )
    assert store.lonlat("a") == (9.20, 45.46)
    assert store.lonlat("b") == (9.21, 45.46)
    assert store.lonlat("c") == (9.22, 45.46)
    version = store.version
    store.apply([_moved(12, "a", 2.0), _moved(3, "b", 2.0)])  # all replays
    assert store.version == version
    assert store.lonlat("a") == (9.20, 45.46)


def test_trails_shift_only_for_units_that_moved(qtbot: QtBot) -> None:
    store = UnitsStore()
    store.reset([_unit(u) for u in "abc"])
    eid = 1
    for k in range(TRAIL_LENGTH + 3):  # everybody moves: the in-place shift
        store.apply([_moved(eid + i, u, 9.0 + k * 1e-3) for i, u in enumerate("abc")])
        eid += 3
    before_b = store.trail("b").copy()
    store.apply([_moved(eid, "a", 9.5), _moved(eid + 1, "c", 9.6)])  # b stays put
    np.testing.assert_array_equal(store.trail("b"), before_b)
    trail_a = store.trail("a")
    assert trail_a.shape == (TRAIL_LENGTH, 2)
    assert trail_a[-1, 0] == pytest.approx(point_to_mercator(9.5, 45.46)[0])
    assert trail_a[-2, 0] == pytest.approx(
        point_to_mercator(9.0 + (TRAIL_LENGTH + 2) * 1e-3, 45.46)[0]
    )
    block, lengths = store.trail_block()
    assert lengths.tolist() == [TRAIL_LENGTH] * 3
    np.testing.assert_array_equal(block[store.row("c")], store.trail("c"))


def test_bad_item_in_a_burst_costs_that_item_only(qtbot: QtBot) -> None:
    store = UnitsStore()
    store.reset([_unit("a"), _unit("b")])
    store.apply(
        [
            _moved(1, "a", 9.3),
            Event(id=2, event="unit.moved", data={"id": "b", "lon": "nowhere", "lat": 45}),
            Event(id=3, event="unit.moved", data={"id": "b", "lat": 45.0}),
        ]
    )
    assert store.rejected == 2
    assert store.lonlat("a") == (9.3, 45.46)
    assert store.lonlat("b") == (9.19, 45.46)
