"""Done-when of issue 7 against the real training back-end: an incident is created, dispatched
and closed with the server killed and restarted in the middle; nothing typed is lost, nothing is
applied twice; and a stale save against the server's optimistic lock is merged, not overwritten."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from console.api.client import ApiClient
from console.incidents.desk import IncidentDesk
from console.incidents.drafts import DraftStore
from console.incidents.service import IncidentService
from console.incidents.store import IncidentStore
from console.training.launcher import TrainingProcess
from tests.support import quick_session, until

pytestmark = [pytest.mark.integration]


class Console:
    """The incident parts of one workstation, wired to a real Session as the app does."""

    def __init__(self, server: TrainingProcess, tmp: Path) -> None:
        self.session = quick_session(server.base_url, tmp / "link.sqlite")
        self.store = IncidentStore()
        self.drafts = DraftStore(tmp / "drafts")
        self.service = IncidentService(self.store, self.drafts, self.session.send,
                                       self.session.fetch)
        self.service.attach_outbox(self.session.outbox)
        self.session.router.subscribe("incident.", self.store.apply)
        self.desk = IncidentDesk(self.store, self.drafts, self.service, "radio",
                                 autosave_ms=500)
        self.saved: list[str] = []
        self.rejected: list[str] = []
        self.service.saved.connect(lambda _d, inc: self.saved.append(inc))
        self.service.rejected.connect(lambda _d, msg: self.rejected.append(msg))

    async def start(self) -> None:
        await asyncio.wait_for(self.session.start("radio", "radio"), 15)
        self.store.reset(await asyncio.wait_for(self.session.fetch(IncidentStore.SNAPSHOT_PATH),
                                                10))

    async def stop(self) -> None:
        self.desk.autosaver.stop()
        await asyncio.wait_for(self.service.drain(), 10)
        await asyncio.wait_for(self.session.stop(), 10)


@pytest_asyncio.fixture
async def console(make_training_server: Callable[..., TrainingProcess], tmp_path: Path,
                  qapp: Any) -> AsyncIterator[tuple[Console, TrainingProcess]]:
    server = make_training_server()
    c = Console(server, tmp_path)
    await c.start()
    yield c, server
    await c.stop()


@pytest.mark.asyncio
@pytest.mark.timeout(150)
async def test_create_dispatch_close_with_an_outage(console: Any) -> None:
    c, server = console
    desk: IncidentDesk = c.desk
    desk.new({"type": "road_accident_injured", "lon": 9.1915, "lat": 45.4660,
              "address": "Corso Vittorio Emanuele II 15", "narrative": "Auto contro scooter.",
              "caller": {"name": "Giulia Bianchi", "phone": "+39 347 555 0199"},
              "vehicles": [{"plate": "FA123BC", "description": "Fiat Panda"}]})
    assert desk.save() == "pending"
    await until(lambda: len(c.saved) == 1, 20)
    incident_id = c.saved[0]
    assert desk.current is not None
    assert desk.current.incident_id == incident_id
    assert desk.assign("PL-A12")
    await until(lambda: (inc := c.store.get(incident_id)) is not None and inc.units == ["PL-A12"],
                20)

    # The back-end dies. The operator dispatches and keeps typing: all of it must survive.
    await asyncio.to_thread(server.kill)
    assert desk.step("dispatched")
    desk.update_from_form({**desk.current.data,
                           "narrative": "Auto contro scooter. Ferito cosciente, 118 avvisato."})
    assert desk.save() == "queued-later"  # waits behind the dispatch still in the outbox
    await until(lambda: c.session.outbox.commands()[-1].attempts >= 1, 20)
    on_disk = c.drafts.load(desk.current.draft_id)
    assert on_disk is not None
    assert on_disk.data["status"] == "dispatched"
    assert "118 avvisato" in on_disk.data["narrative"]

    # The back-end returns: the dispatch goes through once, then the edit made meanwhile.
    await asyncio.to_thread(server.start)
    await until(lambda: "118 avvisato" in getattr(c.store.get(incident_id), "narrative", ""), 40)
    assert c.store.get(incident_id).status.value == "dispatched"

    assert desk.step("on_scene")
    await until(lambda: c.store.get(incident_id).status.value == "on_scene", 20)
    assert desk.step("closed")
    await until(lambda: c.store.get(incident_id).status.value == "closed", 20)
    await until(lambda: c.drafts.all() == [], 10)  # every save confirmed: no draft left behind

    final = await asyncio.wait_for(c.session.fetch(f"/incidents/{incident_id}"), 10)
    steps = [h["status"] for h in final["history"]]
    assert steps == ["new", "dispatched", "on_scene", "closed"]  # each exactly once
    assert all(h["user"] == "radio" for h in final["history"])
    assert final["vehicles"][0]["plate"] == "FA123BC"
    assert final["caller"]["phone"] == "+39 347 555 0199"
    assert c.rejected == []
    listed = await asyncio.wait_for(c.session.fetch("/incidents"), 10)
    assert [i["id"] for i in listed].count(incident_id) == 1  # the retried POST made no twin


@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_stale_save_is_merged_with_the_colleague_change(console: Any) -> None:
    c, server = console
    desk: IncidentDesk = c.desk
    desk.new({"type": "fallen_tree", "lon": 9.17, "lat": 45.47, "narrative": "Albero sulla via."})
    desk.save()
    await until(lambda: len(c.saved) == 1, 20)
    incident_id = c.saved[0]
    # Our operator starts typing on version 1...
    assert desk.current is not None
    desk.update_from_form({**desk.current.data, "narrative": "Albero sulla via, linea tram 14."})
    # ...while a colleague saves a change to the same incident.
    colleague = ApiClient(server.base_url)
    try:
        await colleague.login("supervisor", "supervisor")
        theirs = await colleague.request("GET", f"/incidents/{incident_id}")
        theirs["priority"] = 1
        theirs["tags"] = ["viabilità"]
        await colleague.request("PUT", f"/incidents/{incident_id}", json=theirs)
    finally:
        await colleague.aclose()
    await until(lambda: getattr(c.store.get(incident_id), "version", 0) == 2, 20)
    assert desk.current.base is not None
    assert desk.current.base["version"] == 1  # local edits: the draft was not replaced
    assert "tram 14" in desk.current.data["narrative"]
    # Saving on the old version: 409, then merge (no overlap) and save again.
    desk.save()
    await until(lambda: getattr(c.store.get(incident_id), "version", 0) >= 3
                and "tram 14" in c.store.get(incident_id).narrative, 30)
    final = c.store.get(incident_id)
    assert final.priority == 1
    assert final.tags == ["viabilità"]
    assert final.narrative == "Albero sulla via, linea tram 14."
