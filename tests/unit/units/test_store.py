from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from console.api.contract import Event
from console.geo.projection import point_to_mercator
from console.units.store import STATUSES, TRAIL_LENGTH, UnitsStore

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC).isoformat()


def _unit(uid: str, status: str = "available", lon: float = 9.19, lat: float = 45.46) -> dict[
        str, Any]:
    return {"id": uid, "callsign": f"Alfa {uid}", "agency": "PL", "kind": "car",
            "status": status, "status_since": NOW, "lon": lon, "lat": lat}


def _moved(eid: int, uid: str, lon: float, lat: float, heading: float = 90.0) -> Event:
    return Event(id=eid, event="unit.moved", data={"id": uid, "lon": lon, "lat": lat,
                                                   "heading": heading, "speed_kmh": 30, "ts": NOW})


def test_reset_then_moves_update_arrays_and_trails(qtbot: QtBot) -> None:
    store = UnitsStore()
    with qtbot.wait_signal(store.units_changed, timeout=1000) as sig:
        store.reset([_unit("a"), _unit("b", "on_scene"), {"id": "bad"}])
    assert sig.args == [["a", "b"]]
    assert store.rejected == 1
    assert store.status("b") == "on_scene"
    store.apply([_moved(1, "a", 9.20, 45.47), _moved(2, "a", 9.21, 45.48, 180)])
    arrays = store.arrays()
    row = store.row("a")
    assert row is not None
    assert (arrays["lon"][row], arrays["lat"][row], arrays["heading"][row]) == (9.21, 45.48, 180)
    assert arrays["x"][row] == pytest.approx(point_to_mercator(9.21, 45.48)[0])
    assert arrays["status"][row] == STATUSES.index("available")
    trail = store.trail("a")
    # reset fix + last fix of the batch (two fixes of one unit in one batch: the last wins)
    assert trail.shape == (2, 2)
    assert trail[-1, 0] == pytest.approx(point_to_mercator(9.21, 45.48)[0])
    unit = store.unit("a")
    assert unit is not None
    assert (unit.lon, unit.callsign) == (9.21, "Alfa a")


def test_replayed_events_are_ignored(qtbot: QtBot) -> None:
    store = UnitsStore()
    store.reset([_unit("a")])
    store.apply([_moved(5, "a", 9.30, 45.50)])
    version = store.version
    store.apply([_moved(5, "a", 9.00, 45.00), _moved(4, "a", 9.00, 45.00)])
    assert store.lonlat("a") == (9.30, 45.50)
    assert store.version == version
    assert len(store.trail("a")) == 2


def test_status_change_signals_ids_and_unknown_unit_appears(qtbot: QtBot) -> None:
    store = UnitsStore()
    store.reset([_unit("a")])
    with qtbot.wait_signal(store.units_changed, timeout=1000) as sig:
        store.apply([Event(id=1, event="unit.updated", data=_unit("a", "dispatched")),
                     _moved(2, "z", 9.1, 45.4)])
    assert sig.args == [["a", "z"]]
    assert store.status("a") == "dispatched"
    assert store.status("z") is None  # seen moving, details not yet known
    with qtbot.assert_not_emitted(store.units_changed):
        store.apply([Event(id=3, event="unit.updated", data=_unit("a", "dispatched"))])
    store.apply([Event(id=4, event="unit.removed", data={"id": "a"})])
    assert store.ids() == ["z"]
    assert store.lonlat("z") == (9.1, 45.4)


def test_bad_positions_are_counted_not_raised(qtbot: QtBot) -> None:
    store = UnitsStore()
    store.reset([_unit("a")])
    store.apply([Event(id=1, event="unit.moved", data={"id": "a", "lon": "x", "lat": 1}),
                 Event(id=2, event="unit.moved", data={"id": "a", "lon": 500, "lat": 1}),
                 Event(id=3, event="unit.moved", data={"lon": 9, "lat": 45}),
                 Event(id=4, event="unit.updated", data={"id": "a"})])
    assert store.rejected == 4
    assert store.lonlat("a") == (9.19, 45.46)


def test_positions_signal_is_coalesced_with_trailing_emit(qtbot: QtBot) -> None:
    store = UnitsStore()
    store.reset([_unit(str(i)) for i in range(100)])
    emitted: list[int] = []
    store.positions_changed.connect(lambda: emitted.append(store.version))
    for k in range(1, 21):
        store.apply([_moved(k, "1", 9.19 + k * 1e-4, 45.46)])
    qtbot.wait_until(lambda: bool(emitted) and emitted[-1] == store.version, timeout=1000)
    assert len(emitted) <= 3  # 20 updates within a few ms: one leading + one trailing emission


def test_trail_ring_keeps_last_n_and_growth_keeps_data(qtbot: QtBot) -> None:
    store = UnitsStore(capacity=2)
    store.reset([])
    events = [_moved(i + 1, f"u{i}", 9.0 + i * 1e-3, 45.0) for i in range(50)]
    store.apply(events)
    assert len(store) == 50
    assert store.lonlat("u49") == pytest.approx((9.049, 45.0))
    for k in range(TRAIL_LENGTH + 5):
        store.apply([_moved(100 + k, "u0", 9.0, 45.0 + k * 1e-3)])
    trail = store.trail("u0")
    assert trail.shape == (TRAIL_LENGTH, 2)
    assert np.all(np.diff(trail[:, 1]) > 0)  # oldest first
    last_lat = 45.0 + (TRAIL_LENGTH + 4) * 1e-3
    assert trail[-1, 1] == pytest.approx(point_to_mercator(9.0, last_lat)[1])
