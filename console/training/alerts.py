"""Alert life cycle on the server: creation (scenario, CAP, manual) and operator actions."""

from __future__ import annotations

from console.api import contract as c
from console.i18n import tr
from console.training.auth import User
from console.training.context import ServerContext
from console.training.db import Tx
from console.training.problems import ProblemError
from console.training.state import dump, now

NEEDS_REASON = {"escalate", "snooze", "close", "verify"}
ACTIONS = ("ack", "assign", "escalate", "snooze", "verify", "close", "link")


def publish(ctx: ServerContext, tx: Tx, alert: c.Alert, created: bool) -> None:
    ctx.state.save(tx, "alert", alert)
    tx.emit(c.EventType.ALERT_CREATED if created else c.EventType.ALERT_UPDATED, dump(alert))


def new_alert(
    ctx: ServerContext, tx: Tx, *, user: str, alert_id: str | None = None, **fields: object
) -> c.Alert:
    at = now()
    alert = c.Alert.model_validate(
        {
            "id": alert_id or ctx.state.next_id(tx, "AL"),
            "created_at": at,
            "updated_at": at,
            "history": [c.AlertAction(at=at, user=user, action="created", state=c.AlertState.NEW)],
            **fields,
        }
    )
    publish(ctx, tx, alert, created=True)
    return alert


def apply_command(
    ctx: ServerContext, tx: Tx, alert_id: str, cmd: c.AlertCommand, user: User
) -> c.Alert:
    found = ctx.state.get("alert", alert_id, c.Alert)
    if found is None:
        raise ProblemError(404, tr("Non esiste l'allarme {id}.", id=alert_id))
    action = cmd.action.strip().lower()
    if action not in ACTIONS:
        raise ProblemError(
            422,
            tr("Azione sconosciuta «{a}»: usare una di {ok}.", a=cmd.action, ok=", ".join(ACTIONS)),
        )
    if action in NEEDS_REASON and len(cmd.reason.strip()) < 3:
        raise ProblemError(
            422, tr("L'azione «{a}» richiede una motivazione (almeno 3 caratteri).", a=action)
        )
    if found.state == c.AlertState.CLOSED:
        raise ProblemError(
            409, tr("L'allarme {id} è già chiuso.", id=alert_id), extra={"current": dump(found)}
        )
    alert = found.model_copy(deep=True)
    if action == "ack":
        if alert.state == c.AlertState.NEW:
            alert.state = c.AlertState.ACKNOWLEDGED
        alert.owner = alert.owner or user.username
    elif action == "assign":
        alert.owner = cmd.owner or user.username
        alert.state = c.AlertState.ASSIGNED
    elif action == "escalate":
        alert.priority = max(1, alert.priority - 1)
    elif action == "snooze":
        if cmd.until is None:
            raise ProblemError(
                422, tr("Per posticipare serve «until», l'ora in cui riproporre l'allarme.")
            )
        alert.payload = {**alert.payload, "snoozed_until": cmd.until.isoformat()}
    elif action == "verify":
        if cmd.verification not in ("confirmed", "misread"):
            raise ProblemError(
                422,
                tr("Verifica: indicare «verification», confirmed (confermata) o misread (errata)."),
            )
        alert.payload = {**alert.payload, "verification": cmd.verification}
        if alert.state == c.AlertState.NEW:
            alert.state = c.AlertState.ACKNOWLEDGED
    elif action == "close":
        alert.state = c.AlertState.CLOSED
        alert.payload = {**alert.payload, "outcome": cmd.outcome or ""}
    elif action == "link":
        if not cmd.incident_id or ctx.state.get("incident", cmd.incident_id, c.Incident) is None:
            raise ProblemError(
                422,
                tr(
                    "Per collegare serve un intervento esistente (ricevuto: {i}).",
                    i=cmd.incident_id,
                ),
            )
        alert.incident_id = cmd.incident_id
    at = now()
    alert.history.append(
        c.AlertAction(
            at=at,
            user=user.username,
            action=action,
            reason=cmd.reason.strip(),
            state=alert.state,
            owner=alert.owner,
        )
    )
    alert.updated_at = at
    alert.version += 1
    publish(ctx, tx, alert, created=False)
    return alert
