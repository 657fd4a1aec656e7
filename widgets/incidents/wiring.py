"""Builds the incident desk once per workstation and links it to the session when it appears.

Both registered panels ("incidents" and "units") ask `desk_for(ctx)` and get the same desk. The
composition root creates the Session after the panels, so the link is made lazily: sends look the
session up at call time, and a short timer attaches the outbox's verdicts (and, when the root did
not wire an incident store, the `incident.` events and snapshot) as soon as the session exists.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.incidents.desk import IncidentDesk
from console.incidents.drafts import DraftStore
from console.incidents.messages import IncidentMessages
from console.incidents.places import PlaceIndex, index_for
from console.incidents.service import IncidentService
from console.incidents.store import IncidentStore
from widgets.common.session_link import SessionLink, retry

log = logging.getLogger(__name__)


class PlaceIndexLoader(QObject):
    """Builds the PlaceIndex off the GUI thread (~2-4 s with the Milan pack).

    Signals:
        loaded(object)  the PlaceIndex (delivered queued, in the GUI thread)
    """

    loaded = Signal(object)

    def __init__(self, packs: Sequence[Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.packs = tuple(Path(p) for p in packs)
        self.index: PlaceIndex | None = None
        self.loaded.connect(self._keep)

    def start(self) -> None:
        threading.Thread(target=self._run, name="place-index", daemon=True).start()

    def _run(self) -> None:
        try:
            index = index_for(self.packs)
        except Exception:  # bad pack data must not take the form down: no search, still usable
            log.exception("place index for %s not built", self.packs)
            index = index_for(())
        self.loaded.emit(index)

    def _keep(self, index: object) -> None:
        if isinstance(index, PlaceIndex):
            self.index = index


class IncidentLink(SessionLink):
    """Connects the desk's service to the session once the composition root has created it."""

    def __init__(self, services: dict[str, object], service: IncidentService,
                 own_store: IncidentStore | None, parent: QObject | None = None,
                 messages: IncidentMessages | None = None) -> None:
        super().__init__(services, 1000, parent)
        self.service = service
        self.own_store = own_store
        self.messages = messages

    def linked(self, session: Any) -> None:
        outbox = getattr(session, "outbox", None)
        if outbox is not None:
            self.service.attach_outbox(outbox)
        self.service.resend_waiting()
        router = getattr(session, "router", None)
        if router is not None and self.messages is not None:
            for prefix in self.messages.EVENT_PREFIXES:
                router.subscribe(prefix, self.messages.apply)
        if self.own_store is not None:
            if router is not None:
                for prefix in self.own_store.EVENT_PREFIXES:
                    router.subscribe(prefix, self.own_store.apply)
            resync = getattr(session, "resync_required", None)
            if resync is not None:
                resync.connect(self.reload)  # backlog lost: the full state again
            self.reload()

    def reload(self) -> None:
        """Load the incident snapshot into our own store (only when the root did not wire one)."""
        store = self.own_store
        if store is None:
            return

        async def snapshot() -> None:
            store.reset(await self.fetch(store.SNAPSHOT_PATH))

        self.spawn(retry("incident snapshot", snapshot))


def desk_for(ctx: Any) -> IncidentDesk:
    services: dict[str, object] = ctx.services
    desk = services.get("incident_desk")
    if isinstance(desk, IncidentDesk):
        return desk
    store = services.get("incidents")
    own_store = None
    if not isinstance(store, IncidentStore):
        store = own_store = IncidentStore()
        services["incidents"] = store
    drafts = DraftStore()
    service = IncidentService(store, drafts, None)
    link = IncidentLink(services, service, own_store, parent=service)
    service.enqueue = link.enqueue
    service.fetch = link.fetch
    desk = IncidentDesk(store, drafts, service, ctx.operator or "operatore")
    link.messages = desk.messages
    service.setParent(desk)
    services["incident_desk"] = desk
    services["incident_link"] = link
    packs = services.get("layer_packs") or []
    loader = PlaceIndexLoader(list(packs) if isinstance(packs, list | tuple) else [], desk)
    services["place_index_loader"] = loader
    loader.loaded.connect(lambda index: setattr(service, "inside", index.inside_metro))
    loader.start()
    return desk
