"""Standards at the edge: CAP 1.2 and Cursor-on-Target XML in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from console.api import contract as c
from console.i18n import tr
from console.training import alerts, cap, commands, cot
from console.training.auth import OPERATORS, Role, User, require
from console.training.context import Ctx, ServerContext
from console.training.db import Tx
from console.training.problems import ProblemError
from console.training.routes_chat import post_message
from console.training.state import dump, now

router = APIRouter(tags=["ingest"])

CapSender = Annotated[User, Depends(require(Role.SUPERVISOR, Role.COC, Role.ADMIN))]
CotSender = Annotated[User, Depends(require(*OPERATORS))]
XML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            m: {"schema": {"type": "string"}}
            for m in ("application/xml", "text/xml", "application/cap+xml")
        },
    }
}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    s: {"model": c.Problem} for s in (400, 401, 403, 404, 413, 415, 422)
}


def _check_type(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and "xml" not in ctype and ctype != "text/plain":
        raise ProblemError(415, tr("Inviare XML (application/xml), non {t}.", t=ctype))


def _target(ctx: ServerContext, alert_id: str) -> c.Alert | None:
    found = ctx.state.get("alert", alert_id, c.Alert)
    if found is not None:
        return found
    alias = ctx.db.meta(f"cap-alias:{alert_id}")
    return ctx.state.get("alert", alias, c.Alert) if alias else None


def ingest_cap(ctx: ServerContext, tx: Tx, msg: cap.CapMessage, user: str) -> c.CapResult:
    """Also used by the scenario and injects for their weather alerts."""
    result = c.CapResult(identifier=msg.identifier, msg_type=msg.msg_type, status=msg.status)
    if msg.status in ("System", "Draft") or msg.msg_type in ("Ack", "Error"):
        return result  # acknowledged; nothing an operator should act on
    if _target(ctx, msg.alert_id) is not None:
        return result  # this very message was received before: a retry changes nothing
    fields = cap.alert_fields(msg)
    if msg.msg_type == "Alert" or not msg.references:
        alerts.new_alert(ctx, tx, user=user, alert_id=msg.alert_id, **fields)
        result.created.append(msg.alert_id)
        return result
    targets = {
        t.id: t
        for t in (_target(ctx, cap.alert_id_for(s, i)) for s, i in msg.references)
        if t is not None
    }
    if not targets:
        if msg.msg_type == "Cancel":
            raise ProblemError(
                404,
                tr(
                    "Questo CAP Cancel si riferisce ad allerte mai ricevute: {r}.", r=msg.references
                ),
            )
        alerts.new_alert(ctx, tx, user=user, alert_id=msg.alert_id, **fields)
        result.created.append(msg.alert_id)
        return result
    at = now()
    for target in targets.values():
        updated = target.model_copy(deep=True)
        if msg.msg_type == "Cancel":
            updated.state = c.AlertState.CLOSED
            action = "cancel"
            result.cancelled.append(target.id)
        else:
            for key in ("priority", "title", "detail", "geometry", "exercise", "payload"):
                setattr(updated, key, fields[key])
            action = "update"
            result.updated.append(target.id)
        updated.history.append(
            c.AlertAction(
                at=at,
                user=user,
                action=action,
                reason=f"CAP {msg.msg_type} {msg.identifier}",
                state=updated.state,
                owner=updated.owner,
            )
        )
        updated.updated_at = at
        updated.version += 1
        alerts.publish(ctx, tx, updated, created=False)
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (f"cap-alias:{msg.alert_id}", target.id),
        )
    return result


@router.post("/cap", response_model=c.CapResult, responses=PROBLEMS, openapi_extra=XML_BODY)
async def post_cap(request: Request, user: CapSender, ctx: Ctx) -> JSONResponse:
    _check_type(request)
    try:
        msg = cap.parse(await request.body())
    except cap.CapError as exc:
        raise ProblemError(exc.status, exc.detail) from None

    def handler(tx: Tx) -> tuple[int, Any]:
        return 200, ingest_cap(ctx, tx, msg, user.username).model_dump(mode="json")

    return commands.run(ctx, request, user, handler)


def ingest_cot(ctx: ServerContext, tx: Tx, ev: cot.CotEvent, user: str) -> c.CotResult:
    result = c.CotResult(uid=ev.uid, type=ev.type, applied_as=ev.kind, object_id=ev.uid)
    if ev.kind == "chat":
        if not ev.remarks:
            raise ProblemError(422, tr("Il messaggio GeoChat non ha testo (<remarks>)."))
        channels = ctx.state.all("channel", c.Channel)
        room = ev.chatroom.lower()
        channel = next(
            (ch for ch in channels if room and room in (ch.id.lower(), ch.name.lower())), None
        )
        channel_id = channel.id if channel else "geochat"
        sender = ev.chat_sender or ev.callsign or ev.uid
        msg = post_message(
            ctx,
            tx,
            channel_id,
            c.ChatMessageWrite(text=ev.remarks[:4000], lon=ev.lon, lat=ev.lat),
            sender=sender,
            desk=f"GeoChat - {sender}",
        )
        result.object_id = msg.id
        return result
    unit = ctx.state.get("unit", ev.uid, c.Unit)
    if unit is not None and ev.kind == "atom":
        speed = (ev.speed_ms or 0.0) * 3.6
        moved = unit.model_copy(
            update={
                "lon": ev.lon,
                "lat": ev.lat,
                "heading": ev.course or unit.heading,
                "speed_kmh": speed,
            }
        )
        ctx.state.save(tx, "unit", moved)
        tx.emit(
            c.EventType.UNIT_MOVED,
            dump(
                c.UnitPosition(
                    id=unit.id,
                    lon=ev.lon,
                    lat=ev.lat,
                    heading=moved.heading,
                    speed_kmh=speed,
                    ts=ev.time,
                )
            ),
        )
        result.applied_as = "unit"
        return result
    marker = c.Marker(
        id=ev.uid,
        type=ev.type,
        callsign=ev.callsign,
        lon=ev.lon,
        lat=ev.lat,
        hae=ev.hae,
        ce=ev.ce,
        le=ev.le,
        course=ev.course,
        speed_ms=ev.speed_ms,
        remarks=ev.remarks[:4000],
        time=ev.time,
        stale=ev.stale,
    )
    ctx.state.save(tx, "marker", marker)
    tx.emit(c.EventType.MARKER_UPDATED, dump(marker))
    result.applied_as = "marker"
    return result


@router.post("/cot", response_model=c.CotResult, responses=PROBLEMS, openapi_extra=XML_BODY)
async def post_cot(request: Request, user: CotSender, ctx: Ctx) -> JSONResponse:
    _check_type(request)
    try:
        ev = cot.parse(await request.body())
    except cot.CotError as exc:
        raise ProblemError(exc.status, exc.detail) from None

    def handler(tx: Tx) -> tuple[int, Any]:
        return 200, ingest_cot(ctx, tx, ev, user.username).model_dump(mode="json")

    return commands.run(ctx, request, user, handler)
