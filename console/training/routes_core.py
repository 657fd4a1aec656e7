"""Health, login and the event stream: what every client needs before anything else."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from fastapi.security import OAuth2PasswordRequestForm

from console.api import contract as c
from console.i18n import tr
from console.training.auth import Authed
from console.training.context import Ctx
from console.training.problems import ProblemError

router = APIRouter()

VERSION = "1.0.0"
MAX_ID = 2**62


@router.get("/health", response_model=c.Health, tags=["core"])
async def health(ctx: Ctx) -> c.Health:
    return c.Health(
        version=VERSION,
        training=True,
        last_event_id=ctx.db.last_event_id,
        started_at=ctx.started_at,
        video=ctx.video_status,
    )


@router.post("/auth/token", response_model=c.TokenResponse, tags=["auth"])
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    ctx: Ctx,
) -> c.TokenResponse:
    return ctx.auth.login(form.username, form.password)


@router.post("/auth/refresh", response_model=c.TokenResponse, tags=["auth"])
async def refresh(body: c.RefreshRequest, ctx: Ctx) -> c.TokenResponse:
    return ctx.auth.refresh(body.refresh_token)


def _parse_last_id(header: str | None, query: int | None) -> int | None:
    if header is not None and header.strip():
        try:
            value = int(header.strip())
        except ValueError:
            raise ProblemError(400, tr("Last-Event-ID deve essere un numero intero.")) from None
        if not 0 <= value <= MAX_ID:
            raise ProblemError(400, tr("Last-Event-ID fuori intervallo."))
        return value
    return query


@router.get(
    "/events",
    tags=["events"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE stream"}},
)
async def events(
    _user: Authed,
    ctx: Ctx,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> StreamingResponse:
    start = _parse_last_id(last_event_id_header, last_event_id)
    return StreamingResponse(
        ctx.hub.stream(start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/events/backlog",
    response_model=list[c.Event],
    tags=["events"],
    responses={410: {"model": c.Problem, "description": "ids older than the backlog"}},
)
async def backlog(
    _user: Authed,
    ctx: Ctx,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[c.Event]:
    if after < ctx.db.first_event_id - 1:
        raise ProblemError(
            410,
            tr(
                "Gli eventi successivi a {a} non sono più conservati (il più vecchio è {f}): "
                "ricaricare lo stato.",
                a=after,
                f=ctx.db.first_event_id,
            ),
            extra={"last_event_id": ctx.db.last_event_id},
        )
    rows = ctx.db.events_after(after, limit)
    return [c.Event(id=r[0], event=r[1], data=json.loads(r[2])) for r in rows]
