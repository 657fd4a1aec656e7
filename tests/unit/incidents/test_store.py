from __future__ import annotations

from pytestqt.qtbot import QtBot

from console.api import contract
from console.incidents.store import IncidentStore
from tests.unit.incidents.conftest import incident


def _event(eid: int, **over: object) -> contract.Event:
    return contract.Event(id=eid, event="incident.updated",
                          data=incident(**over).model_dump(mode="json"))


def test_reset_then_events_idempotent_by_id_and_version(qtbot: QtBot) -> None:
    store = IncidentStore()
    with qtbot.wait_signal(store.incidents_changed) as blocker:
        store.reset([incident().model_dump(mode="json"), {"id": "broken"}])
    assert blocker.args == [["INC-1"]]
    assert store.rejected == 1
    store.apply([_event(10, version=3, priority=2)])
    assert store.get("INC-1").priority == 2  # type: ignore[union-attr]
    with qtbot.assert_not_emitted(store.incidents_changed):
        store.apply([_event(10, version=4, priority=4)])  # replayed id
        store.apply([_event(11, version=2, priority=4)])  # older version, late
        store.apply([contract.Event(id=12, event="unit.moved", data={})])
    assert store.get("INC-1").priority == 2  # type: ignore[union-attr]


def test_burst_is_one_signal_and_list_is_by_priority(qtbot: QtBot) -> None:
    store = IncidentStore()
    events = [_event(i, id=f"INC-{i}", priority=1 + i % 4) for i in range(1, 9)]
    with qtbot.wait_signal(store.incidents_changed) as blocker:
        store.apply(events)
    assert len(blocker.args[0]) == 8
    assert [i.priority for i in store.incidents()] == sorted(i.priority for i in store.incidents())
    store.apply([_event(20, id="INC-1", version=2, status="closed")])
    assert "INC-1" not in {i.id for i in store.incidents(open_only=True)}
