"""AlertStore: consistent with the event stream, bounded, and never losing a damaged alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.alerts.store import AlertStore
from console.anpr.gates import Gate
from console.api.contract import AlertState, Event

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def alert(n: int, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"AL{n}",
        "source": "cap",
        "type": "cap.weather",
        "priority": 3,
        "state": "new",
        "title": f"Allerta {n}",
        "created_at": (T0 + timedelta(seconds=n)).isoformat(),
        "updated_at": (T0 + timedelta(seconds=n)).isoformat(),
        "version": 1,
    }
    base.update(over)
    return base


def hit(n: int, gate: str, lon: float, minutes: int, plate: str = "AB123CD") -> dict[str, Any]:
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    return alert(
        n,
        source="anpr",
        type="anpr.hotlist",
        priority=2,
        title=f"Targa {plate}",
        created_at=at,
        geometry={"type": "Point", "coordinates": [lon, 45.46]},
        payload={"plate": plate, "list": "A1", "gate_id": gate, "gate_name": f"Varco {gate}",
                 "direction": "entrata", "transit_at": at},
    )


def ev(eid: int, data: dict[str, Any], kind: str = "alert.created") -> Event:
    return Event(id=eid, event=kind, data=data)


@pytest.fixture
def store() -> AlertStore:
    return AlertStore(clock=FakeClock())


def test_apply_is_idempotent_by_event_id_and_version(store: AlertStore) -> None:
    added: list[list[str]] = []
    store.alerts_added.connect(added.append)
    store.apply([ev(1, alert(1)), ev(1, alert(1))])
    store.apply([ev(2, alert(1, version=2, state="acknowledged"), "alert.updated")])
    store.apply([ev(3, alert(1, version=1), "alert.updated")])  # late, older version
    assert added == [["AL1"]]
    rec = store.get("AL1")
    assert rec is not None
    assert rec.state == AlertState.ACKNOWLEDGED
    assert rec.version == 2
    assert store.counters["duplicate_events"] == 1
    assert store.counters["stale"] == 1


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"type": "cap.weather", "priority": 2, "title": "x"}, "id mancante"),
        (alert(5, type="laser.alien"), "tipo sconosciuto"),
        (alert(6, created_at="1970-01-01T00:00:00Z"), "orario assurdo"),
        (alert(7, created_at="2199-01-01T00:00:00Z"), "orario assurdo"),
        (alert(8, created_at="ieri"), "creato: mancante"),
        (alert(9, priority=9), "priorità non valida"),
        (alert(10, state="boh"), "stato sconosciuto"),
        (alert(11, payload="rotto"), "dati specifici illeggibili"),
        (alert(12, title=None), "titolo mancante"),
        (alert(13, type="anpr.hotlist", payload={"list": "A1"}), "targa mancante"),
        ("not even a dict", "illeggibile"),
    ],
)
def test_bad_items_are_repaired_counted_and_kept(
    store: AlertStore, raw: Any, problem: str
) -> None:
    store.apply([Event(id=1, event="alert.created", data={"wrapped": True})])  # also odd
    store.reset([raw])
    rows = list(store.rows())
    assert len(rows) == 1, "a damaged alert must still reach the operator"
    assert any(problem in p for p in rows[0].problems), rows[0].problems
    assert store.counters["repaired"] >= 1


def test_absurd_time_becomes_receive_time(store: AlertStore) -> None:
    store.reset([alert(1, created_at="1970-01-01T00:00:00Z")])
    rec = store.get("AL1")
    assert rec is not None
    assert rec.created_at == T0


def test_odd_plates_normalised_foreign_kept(store: AlertStore) -> None:
    a = hit(1, "58", 9.18, 0, plate="ab 123-cd")
    b = hit(2, "58", 9.18, 0, plate="M AB 1234")
    store.reset([a, b])
    assert store.get("AL1").plate == "AB123CD"  # type: ignore[union-attr]
    assert store.get("AL2").plate_format.value == "unknown"  # type: ignore[union-attr]


def test_same_id_twice_is_counted_not_duplicated(store: AlertStore) -> None:
    store.apply([ev(1, alert(1)), ev(2, alert(1))])
    assert len(store) == 1
    assert store.counters["duplicate_ids"] == 1


def test_unknown_alert_event_kind_is_counted(store: AlertStore) -> None:
    store.apply([ev(1, alert(1), "alert.exploded")])
    assert store.counters["unknown_events"] == 1


def test_hits_of_one_plate_group_with_trail_and_next_gates(store: AlertStore) -> None:
    gates = {
        "A": Gate("A", "Varco A", 9.170, 45.46),
        "B": Gate("B", "Varco B", 9.180, 45.46),
        "C": Gate("C", "Varco C", 9.190, 45.46),
        "W": Gate("W", "Varco W", 9.160, 45.46),
    }
    store.set_gates(gates)
    added: list[list[str]] = []
    changed: list[list[str]] = []
    store.alerts_added.connect(added.append)
    store.alerts_changed.connect(changed.append)
    store.apply([ev(1, hit(1, "A", 9.170, 0))])
    store.apply([ev(2, hit(2, "B", 9.180, 5))])
    assert added == [["AL1"]]
    assert changed == [["AL1"]]
    primary = store.get("AL1")
    assert primary is not None
    assert [s.gate_id for s in primary.trail] == ["A", "B"]
    assert primary.next_gates[0] == "Varco C"  # moving east: C ahead, W behind
    assert "Varco W" not in primary.next_gates
    assert [r.id for r in store.rows()] == ["AL1"]
    assert [r.id for r in store.group("AL1")] == ["AL1", "AL2"]


def test_other_plate_or_late_hit_starts_a_new_alert(store: AlertStore) -> None:
    store.apply([ev(1, hit(1, "A", 9.17, 0)), ev(2, hit(2, "A", 9.17, 1, plate="ZZ999ZZ"))])
    store.apply([ev(3, hit(3, "B", 9.18, 600))])  # ten hours later
    assert len(list(store.rows())) == 3


def test_p1_is_announced_immediately_and_first(store: AlertStore) -> None:
    order: list[str] = []
    store.p1_arrived.connect(lambda i: order.append("p1:" + i))
    store.alerts_added.connect(lambda ids: order.append("added"))
    store.apply([ev(1, alert(1)), ev(2, alert(2, priority=1, type="unit.emergency"))])
    assert order == ["p1:AL2", "added"]


def test_sla_expiry_escalates_once(store: AlertStore) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    store.apply([ev(1, alert(1, priority=1, created_at=T0.isoformat()))])
    expired: list[list[str]] = []
    store.sla_expired.connect(expired.append)
    assert store.check_sla(T0 + timedelta(seconds=59)) == []
    assert store.check_sla(T0 + timedelta(seconds=61)) == ["AL1"]
    assert store.check_sla(T0 + timedelta(seconds=120)) == []
    rec = store.get("AL1")
    assert rec is not None
    assert rec.escalated
    assert rec.history[-1].action == "escalate"
    assert expired == [["AL1"]]


def test_acknowledged_alert_does_not_escalate(store: AlertStore) -> None:
    store.apply([ev(1, alert(1, priority=2, created_at=T0.isoformat()))])
    store.apply([ev(2, alert(1, version=2, state="acknowledged"), "alert.updated")])
    assert store.check_sla(T0 + timedelta(hours=1)) == []


def test_snooze_needs_reason_and_postpones_sla(store: AlertStore) -> None:
    store.apply([ev(1, alert(1, priority=3, created_at=T0.isoformat()))])
    with pytest.raises(ValueError, match="motivo"):
        store.snooze("AL1", T0 + timedelta(minutes=30), "", "op1")
    store.snooze("AL1", T0 + timedelta(minutes=30), "in attesa di pattuglia", "op1")
    assert store.check_sla(T0 + timedelta(minutes=16)) == []  # 15 min SLA postponed
    assert store.check_sla(T0 + timedelta(minutes=46)) == ["AL1"]


def test_p1_cannot_be_snoozed(store: AlertStore) -> None:
    store.apply([ev(1, alert(1, priority=1))])
    with pytest.raises(ValueError, match="P1"):
        store.snooze("AL1", T0 + timedelta(minutes=5), "dopo", "op1")


def test_ring_buffer_evicts_closed_then_old_but_never_open_p1() -> None:
    store = AlertStore(clock=FakeClock(), capacity=3)
    removed: list[list[str]] = []
    store.alerts_removed.connect(removed.append)
    store.apply([ev(1, alert(1, priority=1)), ev(2, alert(2, state="closed")), ev(3, alert(3))])
    store.apply([ev(4, alert(4)), ev(5, alert(5))])
    ids = {r.id for r in store.rows()}
    assert len(store) == 3
    assert "AL1" in ids  # open P1 kept
    assert "AL2" not in ids  # closed evicted
    assert store.counters["evicted"] == 2
    assert sum(len(r) for r in removed) == 2


def test_many_alerts_stay_bounded() -> None:
    store = AlertStore(clock=FakeClock(), capacity=5_000)
    for start in range(0, 20_000, 5_000):
        store.ingest_many((alert(n) for n in range(start, start + 5_000)), first_event_id=start)
    assert len(store) == 5_000
    assert store.counters["evicted"] == 15_000
