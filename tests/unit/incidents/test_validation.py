from __future__ import annotations

from datetime import timedelta
from typing import Any

from console.incidents.validation import validate
from tests.unit.incidents.conftest import T0, incident


def _data(**over: Any) -> dict[str, Any]:
    data = incident().model_dump(mode="json")
    data.update(over)
    return data


def inside_milan_area(lon: float, lat: float) -> bool:
    return 8.7 < lon < 9.6 and 45.2 < lat < 45.7


def test_a_complete_incident_saves_without_issues() -> None:
    result = validate(_data(), inside_milan_area, now=T0 + timedelta(hours=1))
    assert result.issues == []
    assert result.can_save


def test_missing_type_blocks_with_a_message_on_the_type_field() -> None:
    result = validate(_data(type=""), inside_milan_area, now=T0)
    assert not result.can_save
    assert [i.field for i in result.blocking] == ["type"]


def test_position_outside_the_metropolitan_city_blocks_but_missing_position_only_warns() -> None:
    rome = validate(_data(lon=12.49, lat=41.89), inside_milan_area, now=T0)
    assert [i.field for i in rome.blocking] == ["location"]
    swapped = validate(_data(lon=45.46, lat=9.19), inside_milan_area, now=T0)
    assert "invertite" in swapped.for_field("location")[0].message
    unknown = validate(_data(lon=None, lat=None), inside_milan_area, now=T0)
    assert unknown.can_save
    assert unknown.for_field("location")
    garbage = validate(_data(lon="nove", lat="45"), inside_milan_area, now=T0)
    assert not garbage.can_save


def test_on_scene_before_dispatched_is_impossible() -> None:
    history = [
        {"at": T0.isoformat(), "user": "op1", "status": "new"},
        {"at": (T0 + timedelta(minutes=5)).isoformat(), "user": "op1", "status": "dispatched"},
        {"at": (T0 + timedelta(minutes=2)).isoformat(), "user": "op1", "status": "on_scene"},
    ]
    result = validate(_data(history=history), inside_milan_area, now=T0 + timedelta(hours=1))
    assert not result.can_save
    assert "sul posto" in result.for_field("history")[0].message


def test_future_stamp_blocks() -> None:
    history = [{"at": (T0 + timedelta(hours=3)).isoformat(), "user": "op1", "status": "closed"}]
    assert not validate(_data(history=history), inside_milan_area, now=T0).can_save


def test_plates_are_checked_per_vehicle_and_only_impossible_ones_block() -> None:
    vehicles = [{"plate": "FA123BC"}, {"plate": "D-AB 123"}, {"plate": "FA$12"}]
    result = validate(_data(vehicles=vehicles), inside_milan_area, now=T0)
    assert result.for_field("vehicles.0.plate") == []
    assert not result.for_field("vehicles.1.plate")[0].blocks
    assert result.for_field("vehicles.2.plate")[0].blocks


def test_soft_problems_are_warnings() -> None:
    result = validate(_data(narrative="", caller={"phone": "chiamare dopo"}, type="ufo"),
                      inside_milan_area, now=T0)
    assert result.can_save
    assert {i.field for i in result.warnings} == {"narrative", "caller.phone", "type"}


def test_bad_priority_blocks() -> None:
    assert not validate(_data(priority=7), inside_milan_area, now=T0).can_save
