"""AlertActions: operator decisions on alerts, sent as idempotent back-end commands.

The only dependency is an async `send(method, path, body, idempotency_key)` callable, which the
composition root wires to the outbox: a command made offline waits there and is never duplicated.
Actions on a grouped plate alert go to every hit of the group, so the back-end's view of each hit
stays consistent with the single row the operator sees.

Confirmed actions on a plate hit (dispatch, hand-over to Polizia di Stato or Carabinieri) refuse
to run until the operator has recorded a visual verification: a misread plate must never send a
patrol after an innocent driver.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from console.alerts.store import AlertStore
from console.api.contract import AlertCommand
from console.i18n import tr

# Session.send (sync, enqueues in the outbox) or any async sender: both are accepted.
Send = Callable[[str, str, dict[str, Any], str], Awaitable[object] | object]


class ActionRefused(ValueError):
    """The action cannot be done yet; the message says why in operator language (Italian)."""


class AlertActions:
    def __init__(self, store: AlertStore, send: Send | None, user: str) -> None:
        self.store = store
        self._send = send
        self.user = user

    @property
    def connected(self) -> bool:
        return self._send is not None

    async def _command(self, alert_id: str, cmd: AlertCommand, key: str | None = None) -> int:
        """Send to every hit of the group; returns how many commands went out."""
        if self._send is None:
            raise ActionRefused(tr("Nessun collegamento al server: azione non inviata."))
        group = self.store.group(alert_id) or []
        ids = [r.id for r in group] or [alert_id]
        body = cmd.model_dump(mode="json", exclude_none=True)
        base = key or uuid.uuid4().hex
        for member in ids:
            sent = self._send("POST", f"/api/v1/alerts/{member}/actions", body, f"{base}-{member}")
            if inspect.isawaitable(sent):
                await sent
        return len(ids)

    async def acknowledge(self, alert_id: str) -> int:
        return await self._command(alert_id, AlertCommand(action="ack"))

    async def assign_to_me(self, alert_id: str) -> int:
        return await self._command(alert_id, AlertCommand(action="assign", owner=self.user))

    async def escalate(self, alert_id: str, reason: str) -> int:
        rec = self.store.get(alert_id)
        # Deterministic key: every console that sees the same SLA expire sends one command.
        key = f"escalate-{alert_id}-v{rec.version if rec else 0}"
        return await self._command(alert_id, AlertCommand(action="escalate", reason=reason), key)

    async def escalate_expired(self, alert_ids: list[str]) -> None:
        for alert_id in alert_ids:
            await self.escalate(alert_id, tr("SLA scaduto: avviso al supervisore"))

    async def snooze(self, alert_id: str, until: datetime, reason: str) -> int:
        try:
            self.store.snooze(alert_id, until, reason, self.user)
        except ValueError as exc:
            raise ActionRefused(tr(str(exc))) from exc
        cmd = AlertCommand(action="snooze", reason=reason, until=until)
        return await self._command(alert_id, cmd)

    async def verify(self, alert_id: str, result: str, reason: str) -> int:
        if result == "misread" and len(reason.strip()) < 3:
            raise ActionRefused(tr("Lettura errata: indicare il motivo (es. carattere sbagliato)."))
        reason = reason.strip() or tr("Targa confrontata con l'immagine")
        self.store.verify(alert_id, result, reason, self.user)
        cmd = AlertCommand(action="verify", verification=result, reason=reason)
        return await self._command(alert_id, cmd)

    def require_confirmed(self, alert_id: str) -> None:
        """Raise unless a plate hit was visually confirmed (other alert types pass)."""
        rec = self.store.get(alert_id)
        if rec is None or not rec.type.startswith("anpr."):
            return
        if rec.verification is None:
            raise ActionRefused(
                tr("Verifica visiva obbligatoria: confrontare targa e immagine prima di agire.")
            )
        if rec.verification == "misread":
            raise ActionRefused(tr("Lettura errata registrata: nessuna azione confermata."))

    async def close(self, alert_id: str, outcome: str, reason: str) -> int:
        if len(reason.strip()) < 3:
            raise ActionRefused(tr("Indicare l'esito della chiusura."))
        cmd = AlertCommand(action="close", outcome=outcome, reason=reason)
        return await self._command(alert_id, cmd)

    async def link(self, alert_id: str, incident_id: str) -> int:
        return await self._command(alert_id, AlertCommand(action="link", incident_id=incident_id))
