"""What the back-end does for the chat on its own, once a second while it runs.

- Presence: a desk whose console has not repeated its status for `PRESENCE_TTL` (60 s, three
  missed heartbeats of 20 s; `CENTRALE_PRESENCE_TTL_S`) -- a crashed console, a cut cable -- is
  written offline and announced as `chat.presence`, keeping the time of its last contact.
- Flash escalation beyond the consoles: a flash that no desk other than the sender has
  acknowledged after `escalate_after()` seconds (120 by default, `CENTRALE_FLASH_ESCALATE_S`)
  is raised to level 1, one more level per further deadline up to 3. Each level is announced as
  `chat.flash_escalated` and posted as a notice in the supervisor channel (created on first
  use) naming the message and the desks that have not acknowledged. The first acknowledgement
  stops it: one more event with `resolved` and a closing notice. Levels are persisted, so a
  restarted server does not page the supervisor twice for the same level.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from console.api import contract as c
from console.i18n import tr
from console.training.context import ServerContext
from console.training.db import Tx, dumps
from console.training.state import dump, now

log = logging.getLogger(__name__)

PRESENCE_TTL_ENV = "CENTRALE_PRESENCE_TTL_S"
ESCALATE_ENV = "CENTRALE_FLASH_ESCALATE_S"
DEFAULT_ESCALATE_S = 120.0
MAX_LEVEL = 3
CHECK_EVERY_S = 1.0
SUPERVISOR_CHANNEL = "sala-supervisore"
NOTICE_SENDER = "centrale"
NOTICE_DESK = "Centrale (automatico)"


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        log.warning("%s=%r is not a number of seconds: using %s", name, raw, default)
        value = default
    return max(0.5, value)


def escalate_after() -> float:
    return _seconds(ESCALATE_ENV, DEFAULT_ESCALATE_S)


# Three missed heartbeats (a drill can shorten it with CENTRALE_PRESENCE_TTL_S).
PRESENCE_TTL = timedelta(seconds=_seconds(PRESENCE_TTL_ENV, 60.0))


def expired(item: c.Presence, moment: datetime) -> bool:
    return item.status != c.PresenceStatus.OFFLINE and moment - item.at > PRESENCE_TTL


class Watcher:
    def __init__(self, ctx: ServerContext, after: float | None = None) -> None:
        self.ctx = ctx
        self.after = after if after is not None else escalate_after()
        self.last_seq = 0
        self.open: dict[str, c.ChatMessage] = {}
        # Desks expected to acknowledge, taken when the flash is first seen (who was there).
        self.expected: dict[str, list[str]] = {}

    def start(self) -> None:
        """Pick up the flashes still unresolved (a restart)."""
        conn = self.ctx.db.conn
        row = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM messages").fetchone()
        top = int(row[0])
        rows = conn.execute(
            "SELECT body FROM messages WHERE json_extract(body, '$.flash') "
            "AND id NOT IN (SELECT message_id FROM chat_escalations WHERE resolved)"
        ).fetchall()
        for (text,) in rows:
            msg = c.ChatMessage.model_validate(json.loads(text))
            self._track(msg)
        self.last_seq = top

    def _track(self, msg: c.ChatMessage) -> None:
        self.open[msg.id] = msg
        self.expected[msg.id] = self._expected(msg)

    def _drop(self, message_id: str) -> None:
        self.open.pop(message_id, None)
        self.expected.pop(message_id, None)

    def step(self, moment: datetime | None = None) -> None:
        moment = moment or now()
        self._new_flashes()
        self._presence(moment)
        for msg in list(self.open.values()):
            self._check(msg, moment)

    def _new_flashes(self) -> None:
        rows = self.ctx.db.conn.execute(
            "SELECT seq, body FROM messages WHERE seq > ? ORDER BY seq", (self.last_seq,)
        ).fetchall()
        for seq, text in rows:
            self.last_seq = max(self.last_seq, int(seq))
            data = json.loads(text)
            if data.get("flash"):
                self._track(c.ChatMessage.model_validate(data))

    def _presence(self, moment: datetime) -> None:
        rows = self.ctx.db.conn.execute("SELECT body FROM chat_presence").fetchall()
        stale = [
            item
            for item in (c.Presence.model_validate(json.loads(t)) for (t,) in rows)
            if expired(item, moment)
        ]
        if not stale:
            return
        with self.ctx.db.tx() as tx:
            for item in stale:
                gone = c.Presence(
                    desk=item.desk, status=c.PresenceStatus.OFFLINE, at=item.at, since=moment
                )
                tx.execute(
                    "UPDATE chat_presence SET body = ? WHERE desk = ?",
                    (dumps(dump(gone)), gone.desk),
                )
                tx.emit(c.EventType.CHAT_PRESENCE, {**dump(gone), "user": ""})
                log.info("desk %s silent since %s: offline", gone.desk, item.at)

    def _check(self, msg: c.ChatMessage, moment: datetime) -> None:
        conn = self.ctx.db.conn
        acked = sorted(
            desk
            for (desk,) in conn.execute(
                "SELECT desk FROM chat_receipts WHERE message_id = ? AND kind = 'ack'", (msg.id,)
            ).fetchall()
            if desk != msg.desk
        )
        held = conn.execute(
            "SELECT level, resolved FROM chat_escalations WHERE message_id = ?", (msg.id,)
        ).fetchone()
        level = int(held[0]) if held else 0
        if acked:
            self._drop(msg.id)
            if level > 0:
                self._supervisor_channel()
                with self.ctx.db.tx() as tx:
                    self._escalate(tx, msg, moment, level, [], acked, resolved=True)
            return
        due = min(MAX_LEVEL, int((moment - msg.sent_at).total_seconds() // self.after))
        if due <= level:
            if level >= MAX_LEVEL:
                self._drop(msg.id)  # paged at every level; the consoles keep the alarm up
            return
        self._supervisor_channel()
        with self.ctx.db.tx() as tx:
            pending = self.expected.get(msg.id) or self._expected(msg)
            self._escalate(tx, msg, moment, due, pending, [], resolved=False)

    def _expected(self, msg: c.ChatMessage) -> list[str]:
        """The desks that should acknowledge: the channel's, else every desk still connected."""
        channel = self.ctx.state.get("channel", msg.channel_id, c.Channel)
        if channel is not None and channel.members:
            return sorted(set(channel.members) - {msg.desk})
        agency = channel is not None and channel.kind == c.ChannelKind.AGENCY
        if channel is not None and agency and channel.name != msg.desk:
            return [channel.name]
        moment = now()
        desks = {
            item.desk
            for item in (
                c.Presence.model_validate(json.loads(t))
                for (t,) in self.ctx.db.conn.execute("SELECT body FROM chat_presence")
            )
            if item.status != c.PresenceStatus.OFFLINE and not expired(item, moment)
        }
        return sorted(desks - {msg.desk})

    def _escalate(
        self,
        tx: Tx,
        msg: c.ChatMessage,
        moment: datetime,
        level: int,
        pending: list[str],
        acked: list[str],
        *,
        resolved: bool,
    ) -> None:
        from console.training.routes_chat import post_message

        channel = self._supervisor_channel()
        item = c.FlashEscalation(
            message_id=msg.id,
            channel_id=msg.channel_id,
            desk=msg.desk,
            text=msg.text,
            level=level,
            sent_at=msg.sent_at,
            at=moment,
            pending=pending,
            acked_by=acked,
            resolved=resolved,
            notice_channel=channel.id,
        )
        tx.execute(
            "INSERT INTO chat_escalations (message_id, level, resolved, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (message_id) DO UPDATE SET level = excluded.level, "
            "resolved = excluded.resolved, body = excluded.body",
            (msg.id, level, int(resolved), dumps(dump(item))),
        )
        tx.emit(c.EventType.CHAT_FLASH_ESCALATED, dump(item))
        if resolved:
            text = tr(
                "FLASH {id} di {d} confermato da {who}: escalation chiusa.",
                id=msg.id,
                d=msg.desk,
                who=", ".join(acked),
            )
        else:
            minutes = max(1, round((moment - msg.sent_at).total_seconds() / 60))
            who = ", ".join(pending) if pending else tr("nessuna sala collegata")
            text = tr(
                "ESCALATION livello {n}: FLASH {id} di {d} nel canale {ch} senza conferma da "
                "{m} min. Non hanno confermato: {who}. Testo: «{t}»",
                n=level,
                id=msg.id,
                d=msg.desk,
                ch=msg.channel_id,
                m=minutes,
                who=who,
                t=msg.text[:200],
            )
        post_message(
            self.ctx, tx, channel.id, c.ChatMessageWrite(text=text), NOTICE_SENDER, NOTICE_DESK
        )
        log.warning("flash %s escalation level %d resolved=%s", msg.id, level, resolved)

    def _supervisor_channel(self) -> c.Channel:
        """Created in its own transaction: messages can only be posted to a committed channel."""
        held = self.ctx.state.get("channel", SUPERVISOR_CHANNEL, c.Channel)
        if held is not None:
            return held
        channel = c.Channel(
            id=SUPERVISOR_CHANNEL, name=tr("Sala supervisore"), kind=c.ChannelKind.AGENCY
        )
        with self.ctx.db.tx() as tx:
            self.ctx.state.save(tx, "channel", channel)
            tx.emit(c.EventType.CHAT_CHANNEL, dump(channel))
        return channel


async def run(ctx: ServerContext) -> None:
    watcher = Watcher(ctx)
    watcher.start()
    while True:
        try:
            watcher.step()
        except Exception:
            log.exception("chat watch step failed")
        await asyncio.sleep(CHECK_EVERY_S)


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Merged into the app's lifespan by the chat router: runs while the server serves."""
    task = asyncio.create_task(run(app.state.ctx), name="chat-watch")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
