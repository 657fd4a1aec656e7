"""The save path with a fake outbox: what is queued, what the verdicts do to the draft."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from console.incidents.drafts import Draft, DraftStore
from console.incidents.service import IncidentService
from console.incidents.store import IncidentStore
from tests.unit.incidents.conftest import incident


class FakeOutbox:
    def __init__(self) -> None:
        self.queued: list[tuple[str, str, Any, str]] = []

    def enqueue(self, method: str, path: str, body: Any, key: str) -> str:
        self.queued.append((method, path, body, key))
        return key


@pytest.fixture
def parts(tmp_path: Path) -> tuple[IncidentService, FakeOutbox, DraftStore, IncidentStore]:
    outbox, drafts, store = FakeOutbox(), DraftStore(tmp_path), IncidentStore()
    return IncidentService(store, drafts, outbox.enqueue), outbox, drafts, store


def _new_draft() -> Draft:
    data = incident().model_dump(mode="json")
    for key in ("id", "version", "created_at", "updated_at", "created_by"):
        data.pop(key)
    return Draft(data=data, operator="op1")


def test_invalid_drafts_are_kept_and_not_sent(parts: Any) -> None:
    service, outbox, drafts, _ = parts
    draft = _new_draft()
    draft.data["type"] = ""
    assert service.save(draft) == "invalid"
    assert outbox.queued == []
    assert drafts.load(draft.draft_id).data["narrative"] == draft.data["narrative"]


def test_create_is_queued_and_confirmed(parts: Any, qtbot: QtBot) -> None:
    service, outbox, drafts, store = parts
    draft = _new_draft()
    assert service.save(draft) == "pending"
    method, path, body, key = outbox.queued[0]
    assert (method, path, body["version"]) == ("POST", "/api/v1/incidents", None)
    assert drafts.load(draft.draft_id).state == "pending"
    with qtbot.wait_signal(service.saved) as blocker:
        service.on_command_sent(key, incident(id="INC-77").model_dump(mode="json"))
    assert blocker.args == [draft.draft_id, "INC-77"]
    assert drafts.all() == []
    assert store.get("INC-77") is not None


def test_edit_during_flight_follows_with_new_version(parts: Any) -> None:
    service, outbox, _drafts, _ = parts
    draft = _new_draft()
    service.save(draft)
    draft.data["narrative"] = "Aggiornamento: arrivata ambulanza."
    assert service.save(draft) == "queued-later"
    assert len(outbox.queued) == 1
    key = outbox.queued[0][3]
    service.on_command_sent(key, incident(id="INC-5", version=1).model_dump(mode="json"))
    assert len(outbox.queued) == 2
    method, path, body, key2 = outbox.queued[1]
    assert (method, path, body["version"]) == ("PUT", "/api/v1/incidents/INC-5", 1)
    assert body["narrative"] == "Aggiornamento: arrivata ambulanza."
    assert key2 != key


def test_refusal_keeps_every_character(parts: Any, qtbot: QtBot) -> None:
    service, outbox, drafts, _ = parts
    draft = _new_draft()
    draft.data["narrative"] = "Testo lungo " * 50
    service.save(draft)
    with qtbot.wait_signal(service.rejected) as blocker:
        service.on_command_failed(outbox.queued[0][3], "Tipo non ammesso.")
    assert "Tipo non ammesso." in blocker.args[1]
    kept = drafts.load(draft.draft_id)
    assert kept.data["narrative"] == "Testo lungo " * 50
    assert kept.state == "rejected"
    assert kept.idempotency_key != outbox.queued[0][3]  # a retry is a new command


@pytest.mark.asyncio
async def test_stale_save_merges_or_asks(tmp_path: Path, qapp: object) -> None:
    outbox, drafts, store = FakeOutbox(), DraftStore(tmp_path), IncidentStore()
    base = incident(id="INC-3", version=4).model_dump(mode="json")
    server = dict(base, version=5, priority=2)

    async def fetch(path: str) -> Any:
        assert path == "/api/v1/incidents/INC-3"
        return server

    service = IncidentService(store, drafts, outbox.enqueue, fetch)
    draft = Draft(incident_id="INC-3", base=base, data=dict(base, narrative="Mia aggiunta"))
    merged: list[list[str]] = []
    conflicts: list[Any] = []
    service.merged.connect(lambda _draft_id, fields: merged.append(fields))
    service.conflict.connect(lambda _draft_id, result: conflicts.append(result))
    service.save(draft)
    service.on_command_failed(outbox.queued[-1][3], "Conflitto")
    await asyncio.wait_for(service.drain(), 5)
    assert merged == [["priority"]]
    body = outbox.queued[-1][2]
    assert (body["version"], body["priority"], body["narrative"]) == (5, 2, "Mia aggiunta")

    server = dict(server, version=6, narrative="Loro testo")
    service.on_command_failed(outbox.queued[-1][3], "Conflitto")
    await asyncio.wait_for(service.drain(), 5)
    result = conflicts[0]
    assert [c.field for c in result.conflicts] == ["narrative"]
    sent_before = len(outbox.queued)
    kept = drafts.load(draft.draft_id)
    assert kept is not None
    service.apply_merge(kept, result, {"narrative": "mine"})
    body = outbox.queued[-1][2]
    assert len(outbox.queued) == sent_before + 1
    assert (body["version"], body["narrative"]) == (6, "Mia aggiunta")
