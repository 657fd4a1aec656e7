"""The operator's incident desk: the one incident being worked on, shared by the panels.

The incidents panel (form, lifecycle, timeline) and the units board both act on "the current
incident": the form edits it, the board assigns units to it. Rather than talking to each other,
both hold this model (napari-style): it owns the current draft, applies assignments and lifecycle
steps to it, autosaves it and hands it to the IncidentService to save.

Signals:
    current_changed(object)  the current Draft (or None) was replaced
    draft_updated(str)       the current draft's data changed from outside the form
    message(str, str)        text for the operator, level (info, ok, warn, error)
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.i18n import tr
from console.incidents import lifecycle, taxonomy
from console.incidents.drafts import Autosaver, Draft, DraftStore
from console.incidents.messages import IncidentMessages
from console.incidents.service import IncidentService
from console.incidents.store import IncidentStore

log = logging.getLogger(__name__)

SERVER_ONLY = ("id", "version", "created_at", "updated_at", "created_by")


def editable(incident: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in incident.items() if k not in SERVER_ONLY}


class IncidentDesk(QObject):
    current_changed = Signal(object)
    draft_updated = Signal(str)
    message = Signal(str, str)

    def __init__(self, store: IncidentStore, drafts: DraftStore, service: IncidentService,
                 operator: str, autosave_ms: int = 3000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.drafts = drafts
        self.service = service
        self.operator = operator
        self.current: Draft | None = None
        self.messages = IncidentMessages(self)  # fed from the event stream by whoever wires us
        self.autosaver = Autosaver(drafts, lambda: self.current, autosave_ms, self)
        service.live = lambda: self.current
        service.saved.connect(self._on_saved)
        service.rejected.connect(self._on_service_message("error"))
        service.pending.connect(self._on_service_message("warn"))
        store.incidents_changed.connect(self._on_incidents_changed)

    # --- choosing what to work on ----------------------------------------------------------------

    def new(self, prefill: dict[str, Any] | None = None) -> Draft:
        data: dict[str, Any] = {"type": "", "priority": 3, "status": "new", "units": [],
                                "alerts": [], "tags": [], "people": [], "vehicles": [],
                                "attachments": []}
        for key, value in (prefill or {}).items():
            if value is not None:
                data[key] = value
        code, tags = taxonomy.from_prefill(str(data.get("type") or ""))
        data["type"] = code
        data["tags"] = [*list(data.get("tags") or []), *tags]
        if code and "priority" not in (prefill or {}):
            data["priority"] = taxonomy.get(code).priority
        draft = Draft(data=data, operator=self.operator)
        self._set_current(draft)
        self.autosaver.mark_dirty()
        self.autosaver.flush()  # a new call is on disk at once, before the first keystroke
        return draft

    def open(self, incident_id: str) -> Draft | None:
        draft = self.drafts.for_incident(incident_id)
        if draft is None:
            incident = self.store.get(incident_id)
            if incident is None:
                self.message.emit(tr("Evento {id} non trovato.", id=incident_id), "error")
                return None
            current = incident.model_dump(mode="json")
            draft = Draft(incident_id=incident_id, base=current, data=editable(current),
                          operator=self.operator)
        self._set_current(draft)
        return draft

    def open_draft(self, draft_id: str) -> Draft | None:
        draft = self.drafts.load(draft_id)
        if draft is not None:
            self._set_current(draft)
        return draft

    def recover(self) -> list[Draft]:
        """Drafts left on disk by a previous run (crash, power cut); the newest becomes current."""
        found = self.drafts.all()
        if found:
            self._set_current(found[-1])
        return found

    def _set_current(self, draft: Draft | None) -> None:
        self.autosaver.flush()
        self.current = draft
        self.current_changed.emit(draft)

    def discard(self) -> None:
        """Drop the current draft: a new incident is forgotten, an existing one goes back to
        the server's version. A save already travelling is not recalled."""
        draft = self.current
        if draft is None:
            return
        self.drafts.discard(draft.draft_id)
        self.current = None
        if draft.incident_id and self.store.get(draft.incident_id) is not None:
            self.open(draft.incident_id)
        else:
            self.current_changed.emit(None)

    # --- editing ---------------------------------------------------------------------------------

    def update_from_form(self, data: dict[str, Any]) -> None:
        if self.current is None:
            return
        self.current.data = data
        self.autosaver.mark_dirty()

    def save(self) -> str:
        if self.current is None:
            return "invalid"
        outcome = self.service.save(self.current)
        if outcome == "invalid":
            self.message.emit(tr("Non salvato: correggere i campi in rosso. Il testo è "
                                 "conservato in bozza."), "error")
        return outcome

    def _modify(self, change: dict[str, Any]) -> bool:
        if self.current is None:
            self.message.emit(tr("Nessun evento aperto: selezionarne uno."), "warn")
            return False
        self.current.data = {**self.current.data, **change}
        self.autosaver.mark_dirty()
        self.draft_updated.emit(self.current.draft_id)
        return True

    def assign(self, unit_id: str) -> bool:
        units = list((self.current.data.get("units") if self.current else None) or [])
        if unit_id in units:
            return False
        ok = self._modify({"units": [*units, unit_id]})
        if ok:
            self.save()
        return ok

    def unassign(self, unit_id: str) -> bool:
        units = list((self.current.data.get("units") if self.current else None) or [])
        if unit_id not in units:
            return False
        ok = self._modify({"units": [u for u in units if u != unit_id]})
        if ok:
            self.save()
        return ok

    def step(self, target: str, at: datetime | None = None, note: str = "") -> bool:
        if self.current is None:
            return False
        try:
            moved = lifecycle.advance(self.current.data, target, self.operator, at, note)
        except lifecycle.LifecycleError as exc:
            self.message.emit(str(exc), "error")
            return False
        self._modify(moved)
        return self.save() != "invalid"

    def _on_incidents_changed(self, ids: list[str]) -> None:
        """Follow the server while the operator has not touched the open incident; with local
        edits the draft stays as typed and a save merges (merge.three_way)."""
        draft = self.current
        if draft is None or draft.incident_id not in ids or draft.sent is not None:
            return
        incident = self.store.get(draft.incident_id or "")
        if incident is None or draft.base is None or incident.version <= int(
                draft.base.get("version", 0)):
            return
        untouched = {k: v for k, v in draft.data.items() if not k.startswith("_")}
        if untouched != editable(draft.base):
            return
        current = incident.model_dump(mode="json")
        self.current = Draft(draft_id=draft.draft_id, incident_id=incident.id, base=current,
                             data=editable(current), operator=self.operator)
        self.current_changed.emit(self.current)

    # --- service verdicts ----------------------------------------------------------------------

    def _on_saved(self, draft_id: str, incident_id: str) -> None:
        if self.current is not None and self.current.draft_id == draft_id:
            incident = self.store.get(incident_id)
            if incident is not None:
                current = incident.model_dump(mode="json")
                self.current = Draft(incident_id=incident_id, base=current,
                                     data=editable(current), operator=self.operator)
                self.current_changed.emit(self.current)
        self.message.emit(tr("Salvato in centrale ({id}).", id=incident_id), "ok")

    def _on_service_message(self, level: str) -> Any:
        def handler(draft_id: str, text: str) -> None:
            if self.current is not None and self.current.draft_id == draft_id:
                self.message.emit(text, level)
        return handler
