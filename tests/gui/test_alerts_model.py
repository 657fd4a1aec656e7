"""AlertTableModel: a correct Qt model, ordered, coalesced, with a P1 lane."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from console.alerts.store import AlertStore
from console.api.contract import Event
from tests.unit.alerts.samples import T0, base, scene
from widgets.alerts.table_model import (
    ALERT_ID_ROLE,
    COL_AGE,
    COL_PRIO,
    COL_SUBJECT,
    PRIORITY_ROLE,
    AlertTableModel,
)


@pytest.fixture
def store(qapp: object) -> AlertStore:
    s = AlertStore(clock=lambda: T0 + timedelta(minutes=1))
    s.reset(scene(T0))
    return s


def test_qtmodeltester(qtmodeltester, store: AlertStore) -> None:  # type: ignore[no-untyped-def]
    model = AlertTableModel(store)
    qtmodeltester.check(model, force_py=True)
    # ...and stays valid through inserts, moves and removals.
    store.ingest_many(
        [base(100 + n, T0 + timedelta(seconds=n), priority=1 + n % 4) for n in range(50)],
        first_event_id=1,
    )
    model.flush()
    store.apply(
        [
            Event(
                id=500,
                event="alert.updated",
                data=base(100, T0, priority=4, state="closed", version=2),
            )
        ]
    )
    qtmodeltester.check(model, force_py=True)


def test_sorted_by_priority_then_age(store: AlertStore) -> None:
    model = AlertTableModel(store)
    rows = [
        (
            model.data(model.index(r, 0), PRIORITY_ROLE),
            store.get(model.data(model.index(r, 0), ALERT_ID_ROLE)).created_at,  # type: ignore[union-attr]
        )
        for r in range(model.rowCount())
    ]
    assert rows == sorted(rows)
    assert model.data(model.index(0, COL_PRIO)) == "P1"
    assert model.rowCount() == 9  # 11 alerts: 2 hits folded into a group, closed none


def test_inserts_are_coalesced_into_one_insert_per_lane(qtbot: QtBot, store: AlertStore) -> None:
    model = AlertTableModel(store)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    before = model.rowCount()
    for n in range(10):  # ten apply() calls within one flush interval
        store.ingest_many(
            [
                base(1000 + n * 100 + k, T0 + timedelta(minutes=5, seconds=n * 100 + k), priority=3)
                for k in range(100)
            ],
            first_event_id=10_000 + n * 100,
        )
    assert model.rowCount() == before, "nothing painted before the coalescing interval"
    qtbot.wait_until(lambda: model.rowCount() == before + 1000, timeout=2000)
    assert len(inserted) == 1, "one beginInsertRows for the whole batch of one priority"


def test_p1_bypasses_coalescing(qtbot: QtBot, store: AlertStore) -> None:
    model = AlertTableModel(store)
    store.ingest_many(
        [base(2000 + k, T0 + timedelta(minutes=5), priority=4) for k in range(20)],
        first_event_id=20_000,
    )
    with qtbot.wait_signal(model.p1_inserted, timeout=1000) as blocker:
        store.ingest_many(
            [base(3000, T0 + timedelta(minutes=6), priority=1, type="unit.emergency", title="SOS")],
            first_event_id=30_000,
        )
    assert blocker.args == ["AL003000"]
    # Inserted synchronously, while the P4s still wait for the flush.
    assert model.row_of("AL003000") >= 0
    assert model.row_of("AL002000") == -1
    model.flush()
    assert model.row_of("AL002000") >= 0


def test_display_strings_cached_and_refreshed_on_change(store: AlertStore) -> None:
    model = AlertTableModel(store)
    row = model.row_of("AL000007")
    assert "Seveso" in model.data(model.index(row, COL_SUBJECT))
    store.apply(
        [
            Event(
                id=900,
                event="alert.updated",
                data=base(
                    7,
                    T0 - timedelta(minutes=25),
                    source="sensor",
                    type="sensor.hydro",
                    priority=2,
                    title="Seveso a Niguarda: soglia di ALLARME superata",
                    version=2,
                ),
            )
        ]
    )
    row = model.row_of("AL000007")
    assert "ALLARME" in model.data(model.index(row, COL_SUBJECT))


def test_priority_change_moves_row(store: AlertStore) -> None:
    model = AlertTableModel(store)
    store.apply(
        [
            Event(
                id=901,
                event="alert.updated",
                data=base(9, T0, priority=1, state="acknowledged", version=5),
            )
        ]
    )
    assert model.data(model.index(model.row_of("AL000009"), COL_PRIO)) == "P1"
    prios = [model.data(model.index(r, 0), PRIORITY_ROLE) for r in range(model.rowCount())]
    assert prios == sorted(prios)


def test_closed_alerts_leave_the_open_view(store: AlertStore) -> None:
    model = AlertTableModel(store)
    n = model.rowCount()
    store.apply(
        [
            Event(
                id=902,
                event="alert.updated",
                data=base(9, T0, priority=4, state="closed", version=3),
            )
        ]
    )
    assert model.rowCount() == n - 1
    assert model.row_of("AL000009") == -1


def test_multidata_agrees_with_data_and_never_leaks_between_cells(store: AlertStore) -> None:
    from PySide6.QtCore import QModelRoleData

    model = AlertTableModel(store)
    reused = {role: QModelRoleData(role) for role in (0, 1, 6, 7, 8, 9)}
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            index = model.index(row, col)
            for role, item in reused.items():
                model.multiData(index, item)  # the same item for every cell, as views do
                expected = model.data(index, role)
                got = item.data()
                if expected is None:
                    assert got is None, (row, col, role, got)
                elif role == 1:
                    assert got.cacheKey() == expected.cacheKey()
                else:
                    assert got == expected, (row, col, role)


def test_multidata_flashes_unacknowledged_p1_rows_from_the_cache(store: AlertStore) -> None:
    """P1 rows are painted from cached cells too; only the flash is added per paint."""
    from PySide6.QtCore import QModelRoleData

    model = AlertTableModel(store)
    background, font = QModelRoleData(8), QModelRoleData(6)
    p1_rows = [
        r for r in range(model.rowCount()) if model.data(model.index(r, 0), PRIORITY_ROLE) == 1
    ]
    assert p1_rows
    index = model.index(p1_rows[0], COL_SUBJECT)
    model.multiData(index, background)
    assert background.data() is None  # flash off: no background, and nothing cached wrongly
    model.flash_on = True
    model.multiData(index, background)
    assert background.data() == model.data(index, 8)
    assert background.data() is not None
    model.multiData(index, font)
    assert font.data().bold()  # a P1 row is bold in every column
    model.flash_on = False
    model.multiData(index, background)
    assert background.data() is None


def test_offscreen_inserts_wait_longer_than_onscreen_ones(store: AlertStore) -> None:
    model = AlertTableModel(store)
    model.visible_until = 8  # rows 0..8 on screen (P1, four P2, three P3, one P4)
    model.flush()  # a flush just happened: the next ones are spaced
    store.ingest_many([base(4000, T0 + timedelta(hours=1), priority=4)], first_event_id=40_000)
    assert model._timer.remainingTime() > 100  # lands at the bottom: no pixel changes
    store.ingest_many([base(4001, T0 + timedelta(hours=1), priority=2)], first_event_id=40_001)
    assert model._timer.remainingTime() < 100  # lands on screen: the next 33 ms slot
    model.flush()
    assert model.row_of("AL004000") >= 0
    assert model.row_of("AL004001") >= 0


def test_looks_follow_the_tick_and_changes(qapp: object) -> None:
    """The delegate's cached looks: age and SLA as of the last tick, a change seen at once."""
    now = [T0 + timedelta(minutes=1)]
    store = AlertStore(clock=lambda: now[0])
    store.reset(scene(T0))
    model = AlertTableModel(store)
    row = model.row_of("AL000007")
    index = model.index(row, COL_SUBJECT)
    look = model.look(row)
    assert look is not None
    assert look[COL_SUBJECT][0] == model.data(index)
    assert look[COL_AGE][0] == model.data(model.index(row, COL_AGE))
    now[0] += timedelta(minutes=30)
    assert model.look(row) is look  # between ticks the painted age stays as it was
    model.tick(0, model.rowCount() - 1)
    fresh = model.look(row)
    assert fresh is not None
    assert fresh[COL_AGE][0] == model.data(model.index(row, COL_AGE)) != look[COL_AGE][0]
    store.apply(
        [
            Event(
                id=950,
                event="alert.updated",
                data=base(
                    7,
                    T0 - timedelta(minutes=25),
                    source="sensor",
                    type="sensor.hydro",
                    priority=2,
                    title="Seveso a Niguarda: rientrato",
                    version=2,
                ),
            )
        ]
    )
    changed = model.look(model.row_of("AL000007"))
    assert changed is not None
    assert changed[COL_SUBJECT][0] == "Seveso a Niguarda: rientrato"
    assert model.look(-1) is None
    assert model.look(model.rowCount()) is None
