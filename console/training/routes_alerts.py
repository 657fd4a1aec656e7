"""Alerts: list with filters, one alert, operator actions (idempotent), manual alerts; the
operator watchlist whose plates the gates match."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from console.anpr.plates import normalise_plate
from console.anpr.watchlist import WatchlistError
from console.api import contract as c
from console.i18n import tr
from console.training import alerts, anpr, commands
from console.training.auth import Authed, Operator
from console.training.context import Ctx
from console.training.db import Tx
from console.training.problems import ProblemError
from console.training.state import dump

router = APIRouter(tags=["alerts"])

IdPath = Annotated[str, Path(min_length=1, max_length=100)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    s: {"model": c.Problem} for s in (401, 403, 404, 409, 422)
}


class AlertWrite(c.Model):
    """A manual alert raised by an operator."""

    type: str = Field("manual", min_length=1, max_length=100)
    priority: int = Field(3, ge=1, le=4)
    title: str = Field(min_length=1, max_length=300)
    detail: str = Field("", max_length=4000)
    geometry: dict[str, Any] | None = None
    cameras: list[str] = Field(default_factory=list)
    incident_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


@router.get("/alerts", response_model=list[c.Alert], responses=PROBLEMS)
async def list_alerts(
    _user: Authed,
    ctx: Ctx,
    state: Annotated[list[c.AlertState] | None, Query()] = None,
    type: Annotated[str | None, Query(max_length=100)] = None,
    priority: Annotated[int | None, Query(ge=1, le=4)] = None,
    since: datetime | None = None,
) -> list[c.Alert]:
    out = []
    for alert in ctx.state.all("alert", c.Alert):
        if state and alert.state not in state:
            continue
        if type and alert.type != type and not alert.type.startswith(type + "."):
            continue
        if priority is not None and alert.priority != priority:
            continue
        if since is not None:
            try:
                if alert.updated_at < since:
                    continue
            except TypeError:
                raise ProblemError(422, tr("«since» deve indicare il fuso orario.")) from None
        out.append(alert)
    out.sort(key=lambda a: (a.priority, a.created_at))
    return out


@router.get("/alerts/{alert_id}", response_model=c.Alert, responses=PROBLEMS)
async def get_alert(
alert_id: IdPath, _user: Authed, ctx: Ctx) -> c.Alert:
    alert = ctx.state.get("alert", alert_id, c.Alert)
    if alert is None:
        raise ProblemError(404, tr("Non esiste l'allarme {id}.", id=alert_id))
    return alert


@router.post("/alerts", response_model=c.Alert, status_code=201, responses=PROBLEMS)
async def create_alert(
    body: AlertWrite,
    request: Request,
    user: Operator,
    ctx: Ctx,
) -> JSONResponse:
    def handler(tx: Tx) -> tuple[int, Any]:
        alert = alerts.new_alert(
            ctx, tx, user=user.username, source="manual", **body.model_dump(mode="json")
        )
        return 201, dump(alert)

    return commands.run(ctx, request, user, handler)


@router.post("/alerts/{alert_id}/actions", response_model=c.Alert, responses=PROBLEMS)
async def alert_action(
    alert_id: IdPath,
    cmd: c.AlertCommand,
    request: Request,
    user: Operator,
    ctx: Ctx,
) -> JSONResponse:
    def handler(tx: Tx) -> tuple[int, Any]:
        return 200, dump(alerts.apply_command(ctx, tx, alert_id, cmd, user))

    return commands.run(ctx, request, user, handler)


# --- operator watchlist: plates of interest matched against live transits (console.anpr) -----

PlatePath = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("/watchlist", response_model=list[c.WatchEntry], responses=PROBLEMS)
async def list_watchlist(_user: Operator, ctx: Ctx) -> list[c.WatchEntry]:
    """Operators only: a kiosk or videowall never lists plates of interest and their reasons."""
    return sorted(anpr.for_ctx(ctx).watched.values(), key=lambda e: (e.expiry, e.plate))


@router.put("/watchlist/{plate}", response_model=c.WatchEntry, responses=PROBLEMS)
async def put_watchlist(
    plate: PlatePath, body: c.WatchWrite, request: Request, user: Operator, ctx: Ctx
) -> JSONResponse:
    """Add (201) or replace (200) a plate; reason and expiry are mandatory."""

    def handler(tx: Tx) -> tuple[int, Any]:
        try:
            created, entry = anpr.for_ctx(ctx).put_watch(
                tx, plate, body.reason, body.expiry, user.username
            )
        except WatchlistError as exc:
            raise ProblemError(422, str(exc)) from None
        return (201 if created else 200), dump(entry)

    return commands.run(ctx, request, user, handler)


@router.delete("/watchlist/{plate}", response_model=c.WatchEntry, responses=PROBLEMS)
async def delete_watchlist(
    plate: PlatePath, request: Request, user: Operator, ctx: Ctx
) -> JSONResponse:
    def handler(tx: Tx) -> tuple[int, Any]:
        norm = normalise_plate(plate)
        entry = anpr.for_ctx(ctx).remove_watch(tx, norm, user.username)
        if entry is None:
            raise ProblemError(404, tr("La targa {p} non è nella lista di sorveglianza.", p=norm))
        return 200, dump(entry)

    return commands.run(ctx, request, user, handler)
