"""Inter-agency chat: channels, paged history, sending, receipts, presence.

Messages are persisted and announced as `chat.message`; receipts (delivered, read, flash ack) are
persisted once per desk and kind and announced as `chat.receipt`; a desk's presence as
`chat.presence`; a channel opened for an incident or between two desks as `chat.channel`. The
sender's desk is the user's display name. While the server runs, `chat_watch` takes silent desks
offline and escalates unacknowledged flashes to the supervisor channel (`chat.flash_escalated`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from console.api import contract as c
from console.i18n import tr
from console.training import chat_watch, commands
from console.training.auth import OPERATORS, Authed, User, require
from console.training.context import Ctx, ServerContext
from console.training.db import Tx, dumps
from console.training.problems import ProblemError
from console.training.state import dump, now

router = APIRouter(tags=["chat"], lifespan=chat_watch.lifespan)

IdPath = Annotated[str, Path(min_length=1, max_length=100)]
Sender = Annotated[User, Depends(require(*OPERATORS))]
PROBLEMS: dict[int | str, dict[str, Any]] = {s: {"model": c.Problem} for s in (401, 403, 404, 422)}
# A desk that has not said it is there for this long is offline (consoles repeat every 20 s).
PRESENCE_TTL = chat_watch.PRESENCE_TTL
# The scenario's simulated agency desks are staffed while the scenario runs.
SCENARIO_DESKS = (
    "PL Milano - Sala Radio",
    "VVF Milano",
    "AREU 118",
    "Questura di Milano",
    "COC Protezione Civile",
)


def post_message(
    ctx: ServerContext,
    tx: Tx,
    channel_id: str,
    body: c.ChatMessageWrite,
    sender: str,
    desk: str,
    client_key: str | None = None,
) -> c.ChatMessage:
    """Also used by the scenario, injects and CoT GeoChat."""
    if ctx.state.get("channel", channel_id, c.Channel) is None:
        raise ProblemError(404, tr("Non esiste il canale {id}.", id=channel_id))
    msg = c.ChatMessage(
        id=ctx.state.next_id(tx, "MSG"),
        channel_id=channel_id,
        sender=sender,
        desk=desk,
        sent_at=now(),
        client_key=client_key,
        **body.model_dump(),
    )
    tx.execute(
        "INSERT INTO messages (id, channel_id, body) VALUES (?, ?, ?)",
        (msg.id, channel_id, dumps(dump(msg))),
    )
    tx.emit(c.EventType.CHAT_MESSAGE, dump(msg))
    return msg


@router.get("/chat/channels", response_model=list[c.Channel], responses=PROBLEMS)
async def channels(_user: Authed, ctx: Ctx) -> list[c.Channel]:
    return sorted(ctx.state.all("channel", c.Channel), key=lambda ch: ch.id)


@router.post("/chat/channels", response_model=c.Channel, responses=PROBLEMS)
async def open_channel(
    body: c.ChannelWrite, request: Request, user: Sender, ctx: Ctx
) -> JSONResponse:
    """Open (or find again) the channel of an incident, or a direct channel with another desk."""

    def handler(tx: Tx) -> tuple[int, Any]:
        if body.kind == c.ChannelKind.INCIDENT:
            if not body.incident_id:
                raise ProblemError(422, tr("Indicare l'evento del canale (incident_id)."))
            incident = ctx.state.get("incident", body.incident_id, c.Incident)
            if incident is None:
                raise ProblemError(404, tr("Non esiste l'evento {id}.", id=body.incident_id))
            channel = c.Channel(
                id=f"evento-{incident.id}".lower(),
                name=body.name or tr("Evento {id}", id=incident.id),
                kind=c.ChannelKind.INCIDENT,
                incident_id=incident.id,
            )
        elif body.kind == c.ChannelKind.DIRECT:
            other = (body.desk or "").strip()
            if not other or other == user.display_name:
                raise ProblemError(422, tr("Indicare la sala con cui aprire il canale diretto."))
            members = sorted([user.display_name, other])
            digest = hashlib.sha256("\n".join(members).encode()).hexdigest()[:10]
            channel = c.Channel(
                id=f"diretto-{digest}",
                name=body.name or " ↔ ".join(members),
                kind=c.ChannelKind.DIRECT,
                members=members,
            )
        else:
            raise ProblemError(
                422, tr("Si aprono solo canali di evento o diretti; gli altri sono fissi.")
            )
        held = ctx.state.get("channel", channel.id, c.Channel)
        if held is not None:
            return 200, dump(held)
        ctx.state.save(tx, "channel", channel)
        tx.emit(c.EventType.CHAT_CHANNEL, dump(channel))
        return 200, dump(channel)

    return commands.run(ctx, request, user, handler)


@router.get(
    "/chat/channels/{channel_id}/messages", response_model=c.ChatChannelMessages, responses=PROBLEMS
)
async def messages(
    channel_id: IdPath,
    _user: Authed,
    ctx: Ctx,
    before: Annotated[str | None, Query(max_length=100, description="message id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> c.ChatChannelMessages:
    if ctx.state.get("channel", channel_id, c.Channel) is None:
        raise ProblemError(404, tr("Non esiste il canale {id}.", id=channel_id))
    max_seq = 2**62
    if before is not None:
        row = ctx.db.conn.execute(
            "SELECT seq FROM messages WHERE id = ? AND channel_id = ?", (before, channel_id)
        ).fetchone()
        if row is None:
            raise ProblemError(
                404, tr("Non esiste il messaggio {m} nel canale {id}.", m=before, id=channel_id)
            )
        max_seq = int(row[0])
    rows = ctx.db.conn.execute(
        "SELECT body FROM messages WHERE channel_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        (channel_id, max_seq, limit + 1),
    ).fetchall()
    msgs = [c.ChatMessage.model_validate(json.loads(r[0])) for r in rows[:limit]]
    msgs.reverse()
    receipts: list[c.Receipt] = []
    if msgs:
        marks = ",".join("?" * len(msgs))
        found = ctx.db.conn.execute(
            f"SELECT body FROM chat_receipts WHERE message_id IN ({marks})",
            tuple(m.id for m in msgs),
        ).fetchall()
        receipts = [c.Receipt.model_validate(json.loads(r[0])) for r in found]
    return c.ChatChannelMessages(
        channel_id=channel_id, messages=msgs, has_more=len(rows) > limit, receipts=receipts
    )


@router.post(
    "/chat/channels/{channel_id}/messages",
    response_model=c.ChatMessage,
    status_code=201,
    responses=PROBLEMS,
)
async def send(
    channel_id: IdPath, body: c.ChatMessageWrite, request: Request, user: Sender, ctx: Ctx
) -> JSONResponse:
    if not body.text.strip():
        raise ProblemError(422, tr("Il messaggio è vuoto."))
    key = request.headers.get("Idempotency-Key")

    def handler(tx: Tx) -> tuple[int, Any]:
        msg = post_message(
            ctx,
            tx,
            channel_id,
            body,
            user.username,
            user.display_name,
            key.strip() if key else None,
        )
        return 201, dump(msg)

    return commands.run(ctx, request, user, handler)


@router.post("/chat/messages/{message_id}/receipts", response_model=c.Receipt, responses=PROBLEMS)
async def receipt(
    message_id: IdPath, body: c.ReceiptWrite, request: Request, user: Authed, ctx: Ctx
) -> JSONResponse:
    """One receipt per desk, message and kind: a repeat returns the first and announces nothing."""

    def handler(tx: Tx) -> tuple[int, Any]:
        row = tx.execute("SELECT body FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise ProblemError(404, tr("Non esiste il messaggio {m}.", m=message_id))
        if body.kind == "ack" and not json.loads(row[0]).get("flash"):
            raise ProblemError(
                422, tr("Solo i messaggi flash richiedono la conferma di ricezione.")
            )
        held = tx.execute(
            "SELECT body FROM chat_receipts WHERE message_id = ? AND desk = ? AND kind = ?",
            (message_id, user.display_name, body.kind),
        ).fetchone()
        if held is not None:
            return 200, json.loads(held[0])
        rec = c.Receipt(message_id=message_id, desk=user.display_name, kind=body.kind, at=now())
        tx.execute(
            "INSERT INTO chat_receipts (message_id, desk, kind, body) VALUES (?, ?, ?, ?)",
            (message_id, rec.desk, rec.kind, dumps(dump(rec))),
        )
        tx.emit(c.EventType.CHAT_RECEIPT, {**dump(rec), "user": user.username})
        return 200, dump(rec)

    return commands.run(ctx, request, user, handler)


@router.get("/chat/presence", response_model=list[c.Presence], responses=PROBLEMS)
async def presence(_user: Authed, ctx: Ctx) -> list[c.Presence]:
    """Every desk the server knows; one silent for PRESENCE_TTL is offline."""
    moment = now()
    out: dict[str, c.Presence] = {}
    if ctx.config.scenario:
        for desk in SCENARIO_DESKS:
            out[desk] = c.Presence(desk=desk, status=c.PresenceStatus.ONLINE, at=ctx.started_at)
    for (text,) in ctx.db.conn.execute("SELECT body FROM chat_presence").fetchall():
        item = c.Presence.model_validate(json.loads(text))
        if chat_watch.expired(item, moment):
            item = c.Presence(
                desk=item.desk, status=c.PresenceStatus.OFFLINE, at=item.at, since=moment
            )
        out[item.desk] = item
    return sorted(out.values(), key=lambda p: p.desk)


@router.post("/chat/presence", response_model=c.Presence, responses=PROBLEMS)
async def set_presence(body: c.PresenceWrite, user: Authed, ctx: Ctx) -> c.Presence:
    """Not idempotent by key: presence is a state, the latest word wins.

    Repeating the same status is the heartbeat: it moves `at`, keeps `since` and announces nothing.
    """
    moment = now()
    with ctx.db.tx() as tx:
        held_row = tx.execute(
            "SELECT body FROM chat_presence WHERE desk = ?", (user.display_name,)
        ).fetchone()
        held = c.Presence.model_validate(json.loads(held_row[0])) if held_row else None
        changed = held is None or held.status != body.status or chat_watch.expired(held, moment)
        since = moment if changed or held is None else (held.since or held.at)
        item = c.Presence(desk=user.display_name, status=body.status, at=moment, since=since)
        tx.execute(
            "INSERT INTO chat_presence (desk, body) VALUES (?, ?) "
            "ON CONFLICT (desk) DO UPDATE SET body = excluded.body",
            (item.desk, dumps(dump(item))),
        )
        if changed:
            tx.emit(c.EventType.CHAT_PRESENCE, {**dump(item), "user": user.username})
    return item


@router.get("/chat/escalations", response_model=list[c.FlashEscalation], responses=PROBLEMS)
async def escalations(_user: Authed, ctx: Ctx) -> list[c.FlashEscalation]:
    """Flashes the server has escalated and nobody has acknowledged yet (a console's start)."""
    rows = ctx.db.conn.execute(
        "SELECT body FROM chat_escalations WHERE NOT resolved ORDER BY message_id"
    ).fetchall()
    return [c.FlashEscalation.model_validate(json.loads(r[0])) for r in rows]
