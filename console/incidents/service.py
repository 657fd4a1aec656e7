"""Saving incidents: draft first, then the outbox, then the answer matched back to the draft.

The boundary with the back-end is two small callables the composition root hands in, so tests
and other back-ends plug in easily: `enqueue(method, path, body, key) -> key` (Session.send,
i.e. the persisted outbox) and `fetch(path) -> json` (Session.fetch). The outbox reports the
verdict through `command_sent(key, response)` / `command_failed(key, detail)`, which
`attach_outbox()` connects to this service.

A save never loses what was typed: the draft stays on disk until the server confirms it. While the
back-end is down the outbox retries with the same Idempotency-Key (no duplicate incident); a
refusal keeps the draft and tells the operator why; a stale version (someone else saved first)
fetches the current incident and merges field by field, asking only about true conflicts.

Signals:
    saved(str draft_id, str incident_id)   the back-end confirmed; the draft is gone
    pending(str draft_id, str message)     queued, waiting for the back-end
    rejected(str draft_id, str message)    refused; the draft is kept for the operator to fix
    conflict(str draft_id, object merge)   a MergeResult with conflicts the operator must decide
    merged(str draft_id, list fields)      auto-merged with another operator's changes and re-sent
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from console.api import contract
from console.i18n import tr
from console.incidents import merge
from console.incidents.drafts import Draft, DraftStore
from console.incidents.store import IncidentStore
from console.incidents.validation import AreaCheck, validate

log = logging.getLogger(__name__)

Enqueue = Callable[[str, str, Any, str], str]
Fetch = Callable[[str], Awaitable[Any]]
PATH = f"{contract.API_PREFIX}/incidents"
WRITE_KEYS = tuple(contract.IncidentWrite.model_fields)


def write_body(data: dict[str, Any], version: int | None) -> dict[str, Any]:
    """The IncidentWrite body for `data` (form dict); extra keys carry the step's own time."""
    body = {k: data[k] for k in WRITE_KEYS if k in data and k != "version"}
    body["version"] = version
    history = data.get("history") or []
    if history and history[-1].get("status") == data.get("status"):
        # Not in IncidentWrite v1 (ignored by servers that do not know them): the moment the
        # operator took the step, which may be long before an outage let the save through.
        body["status_at"] = history[-1].get("at")
        body["status_note"] = history[-1].get("note", "")
    return contract.IncidentWrite.model_validate(body).model_dump(mode="json") | {
        k: body[k] for k in ("status_at", "status_note") if k in body}


class IncidentService(QObject):
    saved = Signal(str, str)
    pending = Signal(str, str)
    rejected = Signal(str, str)
    conflict = Signal(str, object)
    merged = Signal(str, list)

    def __init__(self, store: IncidentStore, drafts: DraftStore, enqueue: Enqueue | None,
                 fetch: Fetch | None = None, inside: AreaCheck | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.drafts = drafts
        self.enqueue = enqueue
        self.fetch = fetch
        self.inside = inside
        self._tasks: set[asyncio.Task[None]] = set()
        # The draft open in the form, newer than its file between autosaves: preferred.
        self.live: Callable[[], Draft | None] = lambda: None

    def attach_outbox(self, outbox: QObject) -> None:
        outbox.command_sent.connect(self.on_command_sent)  # type: ignore[attr-defined]
        outbox.command_failed.connect(self.on_command_failed)  # type: ignore[attr-defined]

    @property
    def online_capable(self) -> bool:
        return self.enqueue is not None

    # --- saving --------------------------------------------------------------------------------

    def save(self, draft: Draft) -> str:
        """Validate, persist, queue. Returns "invalid", "offline", "pending" or "queued-later"."""
        result = validate(draft.data, self.inside)
        self.drafts.save(draft)
        if not result.can_save:
            return "invalid"
        if self.enqueue is None:
            draft.state, draft.message = "rejected", tr(
                "Nessun collegamento con la centrale configurato: la scheda resta in bozza.")
            self.drafts.save(draft)
            self.rejected.emit(draft.draft_id, draft.message)
            return "offline"
        if draft.sent is not None:
            if write_body(draft.data, draft.sent.get("version")) == draft.sent:
                return "pending"  # nothing new since the save still travelling
            # The previous save is still travelling; this edit follows once it is confirmed.
            draft.message = tr("Modifica registrata: verrà inviata dopo il salvataggio in corso.")
            self.drafts.save(draft)
            self.pending.emit(draft.draft_id, draft.message)
            return "queued-later"
        self._send(draft)
        return "pending"

    def _send(self, draft: Draft) -> None:
        assert self.enqueue is not None
        version = int(draft.base["version"]) if draft.base and draft.incident_id else None
        body = write_body(draft.data, version)
        if draft.incident_id:
            method, path = "PUT", f"{PATH}/{draft.incident_id}"
        else:
            method, path = "POST", PATH
        draft.state = "pending"
        draft.message = tr("In attesa della centrale: la scheda è al sicuro in bozza.")
        draft.sent = body
        self.drafts.save(draft)
        try:
            self.enqueue(method, path, body, draft.idempotency_key)
        except Exception as exc:  # no session yet, outbox closed: keep it, send on link
            log.info("incident save %s waits for a link: %s", draft.draft_id, exc)
            draft.state, draft.sent = "waiting", None
            draft.message = tr("Centrale non ancora collegata: la scheda è in bozza e verrà "
                               "inviata appena possibile.")
            self.drafts.save(draft)
        self.pending.emit(draft.draft_id, draft.message)

    def resend_waiting(self) -> int:
        """Send drafts saved before there was any link (called when the session appears)."""
        waiting = [d for d in self.drafts.all() if d.state == "waiting"]
        live = self.live()
        for draft in waiting:
            self._send(live if live is not None and live.draft_id == draft.draft_id else draft)
        return len(waiting)

    def _draft_for_key(self, key: str) -> Draft | None:
        live = self.live()
        if live is not None and live.idempotency_key == key:
            return live
        return next((d for d in self.drafts.all() if d.idempotency_key == key), None)

    async def drain(self) -> None:
        """Wait for conflict checks in flight (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- verdicts from the outbox ----------------------------------------------------------------

    def on_command_sent(self, key: str, response: object) -> None:
        draft = self._draft_for_key(key)
        if draft is None:
            return
        sent, draft.sent = draft.sent, None
        try:
            incident = contract.Incident.model_validate(response)
        except ValidationError:
            log.warning("incident save %s: unexpected response", key)
            return
        self.store.upsert(incident)
        current = incident.model_dump(mode="json")
        edited_since = sent is not None and write_body(draft.data, sent.get("version")) != sent
        if edited_since:
            draft.incident_id, draft.base = incident.id, current
            draft.idempotency_key = _new_key()
            self._send(draft)
            return
        self.drafts.discard(draft.draft_id)
        self.saved.emit(draft.draft_id, incident.id)

    def on_command_failed(self, key: str, detail: str) -> None:
        draft = self._draft_for_key(key)
        if draft is None:
            return
        draft.sent = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if draft.incident_id and self.fetch is not None and loop is not None:
            task = loop.create_task(self._check_conflict(draft, detail))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        self._reject(draft, detail)

    def _reject(self, draft: Draft, detail: str) -> None:
        draft.state = "rejected"
        draft.message = tr("La centrale ha rifiutato il salvataggio: {d} La scheda resta in "
                           "bozza.", d=detail)
        draft.idempotency_key = _new_key()
        self.drafts.save(draft)
        self.rejected.emit(draft.draft_id, draft.message)

    async def _check_conflict(self, draft: Draft, detail: str) -> None:
        assert self.fetch is not None
        assert draft.incident_id
        try:
            raw = await self.fetch(f"{PATH}/{draft.incident_id}")
            current = contract.Incident.model_validate(raw)
        except Exception as exc:  # the fetch failing must not cost the draft
            log.info("conflict check for %s failed: %s", draft.incident_id, exc)
            self._reject(draft, detail)
            return
        base_version = int((draft.base or {}).get("version", 0))
        if current.version == base_version:
            self._reject(draft, detail)
            return
        self.store.upsert(current)
        self.resolve_stale(draft, current.model_dump(mode="json"))

    def resolve_stale(self, draft: Draft, current: dict[str, Any]) -> merge.MergeResult:
        """Three-way merge against `current`; re-send at once when nothing overlaps."""
        draft.sent = None  # the stale command is answered; whatever follows is a new one
        result = merge.three_way(draft.base or {}, draft.data, current)
        draft.base = current  # the next write is checked against the server's version
        if result.conflicts:
            draft.state = "rejected"
            draft.message = tr("Un altro operatore ha modificato questa scheda: scegliere quale "
                               "versione tenere.")
            self.drafts.save(draft)
            self.conflict.emit(draft.draft_id, result)
            return result
        self.apply_merge(draft, result, {})
        self.merged.emit(draft.draft_id, result.from_theirs)
        return result

    def apply_merge(self, draft: Draft, result: merge.MergeResult, choices: dict[str, Any]
                    ) -> None:
        """Take the operator's choices, rebase the draft on the server version and send."""
        resolved = result.resolve(choices)
        resolved.pop("version", None)
        history = draft.data.get("history")
        draft.data = {**draft.data, **resolved}
        if history is not None:
            draft.data["history"] = history
        draft.idempotency_key = _new_key()
        self.save(draft)


def _new_key() -> str:
    return uuid.uuid4().hex
