"""Inter-agency chat: channels, paged history, sending, delivery/read/ack receipts.

Minimal but real: messages are persisted and announced as `chat.message`, receipts as
`chat.receipt`. The sender's desk is the user's display name.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from console.api import contract as c
from console.i18n import tr
from console.training import commands
from console.training.auth import OPERATORS, Authed, User, require
from console.training.context import Ctx, ServerContext
from console.training.db import Tx, dumps
from console.training.problems import ProblemError
from console.training.state import dump, now

router = APIRouter(tags=["chat"])

IdPath = Annotated[str, Path(min_length=1, max_length=100)]
Sender = Annotated[User, Depends(require(*OPERATORS))]
PROBLEMS: dict[int | str, dict[str, Any]] = {s: {"model": c.Problem} for s in (401, 403, 404, 422)}


def post_message(
    ctx: ServerContext, tx: Tx, channel_id: str, body: c.ChatMessageWrite, sender: str, desk: str
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
    return c.ChatChannelMessages(channel_id=channel_id, messages=msgs, has_more=len(rows) > limit)


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

    def handler(tx: Tx) -> tuple[int, Any]:
        msg = post_message(ctx, tx, channel_id, body, user.username, user.display_name)
        return 201, dump(msg)

    return commands.run(ctx, request, user, handler)


@router.post("/chat/messages/{message_id}/receipts", response_model=c.Receipt, responses=PROBLEMS)
async def receipt(
    message_id: IdPath, body: c.ReceiptWrite, request: Request, user: Authed, ctx: Ctx
) -> JSONResponse:
    def handler(tx: Tx) -> tuple[int, Any]:
        row = tx.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise ProblemError(404, tr("Non esiste il messaggio {m}.", m=message_id))
        rec = c.Receipt(message_id=message_id, desk=user.display_name, kind=body.kind, at=now())
        tx.emit(c.EventType.CHAT_RECEIPT, {**dump(rec), "user": user.username})
        return 200, dump(rec)

    return commands.run(ctx, request, user, handler)
