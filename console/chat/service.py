"""Sending, receipts, history and presence: the chat's side of the session.

Like the incident service, the boundary with the back-end is a few callables the composition root
hands in: `enqueue(method, path, body, key) -> key` (Session.send, the persisted outbox: messages
written while the link is down are shown "in attesa" and go out once, in order), `fetch(path,
params) -> json` (Session.fetch) and `post(path, body) -> json` for presence, which is a state
and must not be replayed from the outbox an hour late.

Input is checked here, before anything is queued: an empty or oversize text, an unknown channel
give a notice and leave the text with the operator (`SendResult.ok` is False).

Signals:
    notice(str text, str level)        something the operator should read ("info", "warn", "error")
    channel_opened(str channel_id)     an incident or direct channel the operator asked for exists
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.api import contract
from console.api.outbox import PENDING as OUTBOX_PENDING
from console.chat.model import ACK, DELIVERED, MAX_TEXT, READ, SENT
from console.chat.store import ChatStore
from console.i18n import tr

log = logging.getLogger(__name__)

Enqueue = Callable[[str, str, Any, str], str]
Fetch = Callable[..., Awaitable[Any]]
Post = Callable[[str, Any], Awaitable[Any]]
PAGE = 50
MESSAGES = "/chat/channels/{id}/messages"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    notice: str = ""
    key: str | None = None


class ChatService(QObject):
    notice = Signal(str, str)
    channel_opened = Signal(str)

    def __init__(
        self,
        store: ChatStore,
        enqueue: Enqueue | None = None,
        fetch: Fetch | None = None,
        post: Post | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.enqueue = enqueue
        self.fetch = fetch
        self.post = post
        self._own_keys: dict[str, str] = {}  # outbox key -> "message" | "receipt" | "channel"
        self._receipt_sent: set[tuple[str, str]] = set()  # (message id, kind)
        self.visible_channel: str | None = None  # the channel on screen: arrivals are read
        store.messages_arrived.connect(self._on_arrived)

    def attach_outbox(self, outbox: Any) -> None:
        outbox.command_sent.connect(self.on_command_sent)
        outbox.command_failed.connect(self.on_command_failed)
        self.restore_pending(outbox.commands(OUTBOX_PENDING))

    def restore_pending(self, commands: list[Any]) -> int:
        """Messages still in the outbox (console restarted during an outage) show as pending."""
        restored = 0
        for cmd in commands:
            parts = cmd.path.strip("/").split("/")
            if (
                cmd.method == "POST"
                and parts[-4:-2] == ["chat", "channels"]
                and parts[-1] == "messages"
                and isinstance(cmd.body, dict)
            ):
                try:
                    self.store.add_pending(parts[-2], cmd.body, cmd.key)
                except ValueError as exc:
                    log.warning("queued message %s not shown: %s", cmd.key, exc)
                    continue
                self._own_keys[cmd.key] = "message"
                restored += 1
        return restored

    # --- sending -----------------------------------------------------------------------------

    def check(self, channel_id: str, text: str) -> str:
        """Why `text` cannot be sent to `channel_id` ("" when it can)."""
        if self.store.channel(channel_id) is None:
            return tr("Il canale «{c}» non esiste: il messaggio non è stato inviato.", c=channel_id)
        if not text.strip():
            return tr("Il messaggio è vuoto.")
        if len(text) > MAX_TEXT:
            return tr(
                "Messaggio troppo lungo: {n} caratteri, massimo {m}. Accorciarlo o "
                "dividerlo; il testo resta nel riquadro.",
                n=len(text),
                m=MAX_TEXT,
            )
        return ""

    def send(
        self,
        channel_id: str,
        text: str,
        *,
        flash: bool = False,
        ref: str | None = None,
        lon: float | None = None,
        lat: float | None = None,
        incident_id: str | None = None,
        alert_id: str | None = None,
        attachment: str | None = None,
    ) -> SendResult:
        """Queue a message; on a refusal nothing is queued and the caller keeps the text."""
        why = self.check(channel_id, text)
        if why:
            self.notice.emit(why, "warn")
            return SendResult(False, why)
        if self.enqueue is None:
            why = tr("Centrale non collegata: messaggio non inviato, il testo resta nel riquadro.")
            self.notice.emit(why, "error")
            return SendResult(False, why)
        body = contract.ChatMessageWrite(
            text=text,
            flash=flash,
            ref=ref,
            lon=lon,
            lat=lat,
            incident_id=incident_id,
            alert_id=alert_id,
            attachment=attachment,
        ).model_dump(mode="json", exclude_none=True)
        key = uuid.uuid4().hex
        try:
            self.enqueue("POST", MESSAGES.format(id=channel_id), body, key)
        except Exception as exc:  # no session (yet) or stopped: the operator keeps the text
            log.info("message not queued: %s", exc)
            why = tr("Centrale non collegata: messaggio non inviato, il testo resta nel riquadro.")
            self.notice.emit(why, "error")
            return SendResult(False, why)
        self._own_keys[key] = "message"
        self.store.add_pending(channel_id, body, key)
        return SendResult(True, key=key)

    def correct(self, message_id: str, text: str) -> SendResult:
        """A correction is a new message that references the old one (no edits)."""
        entry = self.store.get(message_id)
        if entry is None or entry.state != SENT:
            why = tr("Si può correggere solo un messaggio già consegnato alla centrale.")
            self.notice.emit(why, "warn")
            return SendResult(False, why)
        return self.send(entry.message.channel_id, text, ref=message_id)

    def retry(self, key: str) -> SendResult:
        """Send a refused message again (to the same channel) as a new command."""
        entry = self.store.get(key)
        if entry is None:
            return SendResult(False)
        m = entry.message
        result = self.send(
            m.channel_id,
            m.text,
            flash=m.flash,
            ref=m.ref,
            lon=m.lon,
            lat=m.lat,
            incident_id=m.incident_id,
            alert_id=m.alert_id,
            attachment=m.attachment,
        )
        if result.ok:
            self.store._remove(entry)
            self.store.messages_changed.emit(m.channel_id)
        return result

    def ack(self, message_id: str) -> bool:
        """Acknowledge a flash message: the alarm stops here and the sender sees the ack."""
        entry = self.store.get(message_id)
        if entry is None or entry.state != SENT or not entry.message.flash:
            return False
        if self._receipt(message_id, ACK):
            self.store.note_local_ack(message_id)
            return True
        return False

    def mark_read(self, channel_id: str) -> bool:
        """The operator has the channel on screen: one read receipt for its newest message."""
        newest = next(
            (
                e
                for e in reversed(self.store.entries(channel_id))
                if e.state == SENT and not self.store.is_mine(e.message)
            ),
            None,
        )
        if newest is None or self.store.has_receipt(newest.id, self.store.desk, READ):
            return False
        return self._receipt(newest.id, READ)

    def _on_arrived(self, channel_id: str, ids: list[str]) -> None:
        if channel_id == self.visible_channel:
            self.mark_read(channel_id)
        elif ids:
            self._receipt(ids[-1], DELIVERED)  # cumulative: the newest covers the batch

    def _receipt(self, message_id: str, kind: str) -> bool:
        if self.enqueue is None or not self.store.desk or (message_id, kind) in self._receipt_sent:
            return False
        key = uuid.uuid4().hex
        try:
            self.enqueue("POST", f"/chat/messages/{message_id}/receipts", {"kind": kind}, key)
        except Exception as exc:
            log.info("receipt %s for %s not queued: %s", kind, message_id, exc)
            return False
        self._receipt_sent.add((message_id, kind))
        self._own_keys[key] = "receipt"
        return True

    def open_incident_channel(self, incident_id: str) -> str | None:
        """The incident's channel: at once when we have it, else asked for (channel_opened)."""
        held = self.store.incident_channel(incident_id)
        if held is not None:
            self.channel_opened.emit(held.id)
            return held.id
        return self._open({"kind": "incident", "incident_id": incident_id})

    def open_direct(self, desk: str) -> str | None:
        return self._open({"kind": "direct", "desk": desk})

    def _open(self, body: dict[str, Any]) -> str | None:
        if self.enqueue is None:
            self.notice.emit(tr("Centrale non collegata: canale non aperto."), "error")
            return None
        key = uuid.uuid4().hex
        try:
            self.enqueue("POST", "/chat/channels", body, key)
        except Exception as exc:
            log.info("channel not requested: %s", exc)
            self.notice.emit(tr("Centrale non collegata: canale non aperto."), "error")
            return None
        self._own_keys[key] = "channel"
        self.notice.emit(tr("Apertura del canale in corso…"), "info")
        return key

    # --- verdicts from the outbox ------------------------------------------------------------

    def on_command_sent(self, key: str, response: object) -> None:
        kind = self._own_keys.pop(key, None)
        if kind == "message":
            self.store.mark_sent(key, response)
        elif kind == "receipt" and isinstance(response, dict):
            try:
                self.store.add_receipt(contract.Receipt.model_validate(response))
            except ValueError:
                log.warning("receipt %s: unexpected response", key)
        elif kind == "channel" and isinstance(response, dict):
            self.store.reset([response])
            self.channel_opened.emit(str(response.get("id", "")))

    def on_command_failed(self, key: str, detail: str) -> None:
        kind = self._own_keys.pop(key, None)
        if kind == "message":
            entry = self.store.mark_failed(key, detail)
            if entry is not None:
                self.notice.emit(
                    tr(
                        "Messaggio non accettato dalla centrale: {d} Il testo è "
                        "conservato nel messaggio segnato in rosso.",
                        d=detail,
                    ),
                    "error",
                )
        elif kind == "receipt":
            log.info("receipt %s refused: %s", key, detail)  # e.g. an unknown message: no harm
        elif kind == "channel":
            self.notice.emit(tr("Canale non aperto: {d}", d=detail), "error")

    # --- loading -----------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Channels, desks' presence and the newest page of every channel (start, resync)."""
        if self.fetch is None:
            return
        self.store.reset(await self.fetch(ChatStore.SNAPSHOT_PATH))
        await self.load_presence()
        await self.load_escalations()
        for channel in self.store.channels():
            await self.load_history(channel.id)

    async def load_presence(self) -> None:
        if self.fetch is None:
            return
        try:
            self.store.set_presence(await self.fetch("/chat/presence"))
        except Exception as exc:  # a back-end without presence still chats
            log.info("presence not loaded: %s", exc)

    async def load_escalations(self) -> None:
        """Flashes the back-end has already escalated (a console started or resynced late)."""
        if self.fetch is None:
            return
        try:
            items = await self.fetch("/chat/escalations")
        except Exception as exc:  # a back-end that does not escalate: the consoles still do
            log.info("escalations not loaded: %s", exc)
            return
        for item in items if isinstance(items, list) else []:
            try:
                escalation = contract.FlashEscalation.model_validate(item)
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                log.warning("escalation ignored: %s", exc)
                continue
            self.store.set_escalation(escalation)

    async def load_history(self, channel_id: str, older: bool = False) -> int:
        """The newest page, or the page before the oldest message held; new messages count."""
        if self.fetch is None:
            return 0
        params: dict[str, Any] = {"limit": PAGE}
        if older:
            oldest = self.store.oldest_id(channel_id)
            state = self.store.state_of(channel_id)
            if oldest is None or state is None or not state.has_more:
                return 0
            params["before"] = oldest
        page = await self.fetch(MESSAGES.format(id=channel_id), params)
        return self.store.add_page(page, older=older)

    async def announce(self, status: str) -> None:
        """Tell the other desks we are online / away / offline; learn our own desk name."""
        if self.post is None:
            return
        try:
            answer = await self.post("/chat/presence", {"status": status})
        except Exception as exc:
            log.info("presence %s not announced: %s", status, exc)
            return
        if isinstance(answer, dict) and answer.get("desk") and not self.store.desk:
            self.store.set_identity(self.store.username, str(answer["desk"]))
        if isinstance(answer, dict):
            self.store.set_presence([answer], replace=False)
