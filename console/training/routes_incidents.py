"""Incidents with optimistic locking: an update carries the version the client last saw; a stale
one gets 409 with the incident as it is now, so the console can show both and merge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from console.api import contract as c
from console.i18n import tr
from console.training import commands
from console.training.auth import Authed, Role, User, require
from console.training.context import Ctx, ServerContext
from console.training.db import Tx
from console.training.problems import ProblemError
from console.training.state import dump, now

router = APIRouter(tags=["incidents"])

IdPath = Annotated[str, Path(min_length=1, max_length=100)]
WRITERS = (Role.RADIO, Role.SUPERVISOR, Role.COC, Role.ADMIN, Role.VIDEO)
Writer = Annotated[User, Depends(require(*WRITERS))]
PROBLEMS: dict[int | str, dict[str, Any]] = {s: {"model": c.Problem} for s in (401, 403, 404, 422)}


def create(ctx: ServerContext, tx: Tx, body: c.IncidentWrite, user: str) -> c.Incident:
    """Also used by the scenario and injects."""
    at = now()
    fields = body.model_dump(exclude={"version", "status"})
    status = body.status or c.IncidentStatus.NEW
    incident = c.Incident(
        id=ctx.state.next_id(tx, "INC"),
        version=1,
        status=status,
        created_at=at,
        updated_at=at,
        created_by=user,
        history=[c.StatusChange(at=at, user=user, status=status, note="creato")],
        **fields,
    )
    ctx.state.save(tx, "incident", incident)
    tx.emit(c.EventType.INCIDENT_CREATED, dump(incident))
    return incident


def update(
    ctx: ServerContext, tx: Tx, incident_id: str, body: c.IncidentWrite, user: str
) -> c.Incident:
    current = ctx.state.get("incident", incident_id, c.Incident)
    if current is None:
        raise ProblemError(404, tr("Non esiste l'intervento {id}.", id=incident_id))
    if body.version is None:
        raise ProblemError(
            422, tr("Una modifica deve indicare «version», la versione vista per ultima.")
        )
    if body.version != current.version:
        raise ProblemError(
            409,
            tr(
                "L'intervento {id} è stato modificato nel frattempo (avevi la versione {mine}, "
                "ora è la {now}): rivedere le modifiche e salvare di nuovo.",
                id=incident_id,
                mine=body.version,
                now=current.version,
            ),
            title="Conflict",
            extra={"current": dump(current)},
        )
    at = now()
    fields = body.model_dump(exclude={"version", "status"})
    incident = current.model_copy(
        deep=True,
        update={
            **{k: getattr(body, k) for k in fields},
            "version": current.version + 1,
            "updated_at": at,
        },
    )
    if body.status is not None and body.status != current.status:
        incident.status = body.status
        incident.history.append(c.StatusChange(at=at, user=user, status=body.status))
    ctx.state.save(tx, "incident", incident)
    tx.emit(c.EventType.INCIDENT_UPDATED, dump(incident))
    return incident


@router.get("/incidents", response_model=list[c.Incident], responses=PROBLEMS)
async def list_incidents(
    _user: Authed,
    ctx: Ctx,
    status: Annotated[list[c.IncidentStatus] | None, Query()] = None,
) -> list[c.Incident]:
    items = [i for i in ctx.state.all("incident", c.Incident) if not status or i.status in status]
    return sorted(items, key=lambda i: (i.priority, i.created_at))


@router.get("/incidents/{incident_id}", response_model=c.Incident, responses=PROBLEMS)
async def get_incident(incident_id: IdPath, _user: Authed, ctx: Ctx) -> c.Incident:
    incident = ctx.state.get("incident", incident_id, c.Incident)
    if incident is None:
        raise ProblemError(404, tr("Non esiste l'intervento {id}.", id=incident_id))
    return incident


@router.post("/incidents", response_model=c.Incident, status_code=201, responses=PROBLEMS)
async def create_incident(
    body: c.IncidentWrite, request: Request, user: Writer, ctx: Ctx
) -> JSONResponse:
    def handler(tx: Tx) -> tuple[int, Any]:
        return 201, dump(create(ctx, tx, body, user.username))

    return commands.run(ctx, request, user, handler)


@router.put(
    "/incidents/{incident_id}",
    response_model=c.Incident,
    responses={**PROBLEMS, 409: {"model": c.IncidentConflict}},
)
async def update_incident(
    incident_id: IdPath, body: c.IncidentWrite, request: Request, user: Writer, ctx: Ctx
) -> JSONResponse:
    def handler(tx: Tx) -> tuple[int, Any]:
        return 200, dump(update(ctx, tx, incident_id, body, user.username))

    return commands.run(ctx, request, user, handler)
