"""The event log: ids in the state transaction, trimming, resync decisions, rollback."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.training.db import Database, EventRow
from console.training.events import EventHub, frame, resync_frame


def test_ids_are_monotonic_and_survive_reopen(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.sqlite")
    published: list[EventRow] = []
    db.on_commit = published.extend
    with db.tx() as tx:
        tx.emit("a", {"n": 1})
        tx.emit("b", {"n": 2})
    assert [r[0] for r in published] == [1, 2]
    db.close()
    db = Database(tmp_path / "t.sqlite")
    assert db.last_event_id == 2
    with db.tx() as tx:
        assert tx.emit("c", {}) == 3


def test_rollback_keeps_no_event_and_no_state(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.sqlite")
    published: list[EventRow] = []
    db.on_commit = published.extend

    def failing_command() -> None:
        with db.tx() as tx:
            tx.emit("a", {})
            tx.put("alert", "x", {"id": "x"})
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        failing_command()
    assert published == []
    assert db.objects("alert") == []
    assert db.last_event_id == 0
    with db.tx() as tx:
        # The rolled-back id was never published, so handing it out again loses nothing.
        assert tx.emit("b", {}) == 1


def test_backlog_is_trimmed_and_old_ids_need_resync(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.sqlite", backlog=10)
    for i in range(30):
        with db.tx() as tx:
            tx.emit("e", {"i": i})
    assert db.last_event_id == 30
    assert db.first_event_id >= 30 - 10 - 1  # at most backlog + 10 % slack kept
    hub = EventHub(db)
    assert hub.needs_resync(0)
    assert not hub.needs_resync(db.first_event_id - 1)
    assert not hub.needs_resync(30)
    assert hub.needs_resync(31)  # an id this server never issued (e.g. a wiped database)
    assert [r[0] for r in db.events_after(25, 100)] == [26, 27, 28, 29, 30]


def test_wire_format() -> None:
    expected = 'id: 7\nevent: alert.created\ndata: {"a":1}\n\n'
    assert frame((7, "alert.created", '{"a":1}')) == expected
    assert resync_frame(9) == 'id: 9\nevent: resync\ndata: {"last_event_id":9}\n\n'
