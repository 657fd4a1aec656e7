"""The incidents the back-end knows, kept current from the snapshot and `incident.*` events.

An event older than what we hold (same incident, lower or equal version) is ignored, so a replay
after an SSE reconnect or a late event never rolls an incident back.

Signals:
    incidents_changed(list)  ids of the incidents that changed (coalesced per reset/apply call)
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from console.api import contract

log = logging.getLogger(__name__)

OPEN_STATUSES = ("new", "dispatched", "en_route", "on_scene")


class IncidentStore(QObject):
    SNAPSHOT_PATH = f"{contract.API_PREFIX}/incidents"
    EVENT_PREFIXES = ("incident.",)

    incidents_changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._incidents: dict[str, contract.Incident] = {}
        self._seen_events: set[int] = set()
        self._max_event_id = 0
        self.rejected = 0

    def reset(self, items: list[dict[str, Any]]) -> None:
        """Replace the whole state (start-up, SSE resync)."""
        fresh: dict[str, contract.Incident] = {}
        for item in items:
            incident = self._parse(item)
            if incident is not None:
                fresh[incident.id] = incident
        changed = [i for i in set(fresh) | set(self._incidents)
                   if fresh.get(i) != self._incidents.get(i)]
        self._incidents = fresh
        if changed:
            self.incidents_changed.emit(sorted(changed))

    def apply(self, events: list[contract.Event]) -> None:
        """Apply `incident.*` events; a replayed id or an older version changes nothing."""
        changed: set[str] = set()
        for event in events:
            if event.id in self._seen_events or not event.event.startswith(self.EVENT_PREFIXES):
                continue
            self._remember(event.id)
            incident = self._parse(event.data)
            if incident is not None and self.upsert(incident, emit=False):
                changed.add(incident.id)
        if changed:
            self.incidents_changed.emit(sorted(changed))

    def upsert(self, incident: contract.Incident, emit: bool = True) -> bool:
        """Take an incident we got from a command's response; newer versions only."""
        held = self._incidents.get(incident.id)
        if held is not None and held.version >= incident.version:
            return False
        self._incidents[incident.id] = incident
        if emit:
            self.incidents_changed.emit([incident.id])
        return True

    def get(self, incident_id: str) -> contract.Incident | None:
        return self._incidents.get(incident_id)

    def incidents(self, open_only: bool = False) -> list[contract.Incident]:
        """Most urgent first, then newest."""
        items = [i for i in self._incidents.values()
                 if not open_only or i.status.value in OPEN_STATUSES]
        return sorted(items, key=lambda i: (i.priority, -i.created_at.timestamp(), i.id))

    def _remember(self, event_id: int) -> None:
        self._seen_events.add(event_id)
        self._max_event_id = max(self._max_event_id, event_id)
        if len(self._seen_events) > 5000:  # keep memory bounded on long shifts
            floor = self._max_event_id - 2500
            self._seen_events = {e for e in self._seen_events if e > floor}

    def _parse(self, item: object) -> contract.Incident | None:
        try:
            return contract.Incident.model_validate(item)
        except ValidationError as exc:
            self.rejected += 1
            log.warning("incident ignored: %s", exc.errors()[:1])
            return None
