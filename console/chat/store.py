"""The chat as this desk sees it: channels, messages, receipts, presence, unread, flash alarms.

Fed by the channel snapshot, `chat.*` events, history pages and the operator's own sends (pending
until the server's copy arrives with the same Idempotency-Key). Qt-free but for QtCore signals.

Receipts are kept per message and desk; delivered and read are cumulative over a channel, so a
desk that read the newest message has read everything before it. A receipt for a message we do
not hold (older history not paged in yet, or a bad id) is kept and logged, never an error.

Flash messages: one from another desk that this desk has not acknowledged, or one we sent that no
other desk has acknowledged, is an alarm. `check_flash()` (driven by a timer the caller owns, with
the injectable `clock`) raises its level every `flash_after` seconds and says so.

Signals:
    channels_changed()                   list, names, unread/mention counts or presence dots
    messages_changed(str channel_id)     entries added or changed state in that channel
    receipts_changed(str channel_id)     ticks of that channel changed
    presence_changed()
    messages_arrived(str channel_id, list message_ids)  new messages from other desks (live)
    flash_changed()                      the set of open flash alarms changed
    flash_escalated(str message_id, int level)          an alarm went up a level (1, 2, 3)
    server_escalated(object escalation)  the back-end paged the supervisor about a flash (or
                                         closed that page: `resolved`), a contract.FlashEscalation
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from console.api import contract
from console.chat.model import (
    ACK,
    DELIVERED,
    FAILED,
    PENDING,
    READ,
    SENT,
    ChannelState,
    ChatEntry,
    FlashAlarm,
    desk_handle,
    fold,
    mentions,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
KIND_ORDER = {
    contract.ChannelKind.BROADCAST: 0,
    contract.ChannelKind.AGENCY: 1,
    contract.ChannelKind.INCIDENT: 2,
    contract.ChannelKind.DIRECT: 3,
}
FLASH_HORIZON = timedelta(hours=12)  # older unacknowledged flashes are history, not alarms
MAX_LEVEL = 3
EVERYONE = {"tutti", "tutte", "all"}


def utc_now() -> datetime:
    return datetime.now(UTC)


def _shown(p: contract.Presence) -> tuple[str, datetime | None, datetime | None]:
    return p.status.value, p.since, p.at if p.status == contract.PresenceStatus.OFFLINE else None


def _number(message_id: str) -> int:
    tail = message_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class ChatStore(QObject):
    SNAPSHOT_PATH = f"{contract.API_PREFIX}/chat/channels"
    EVENT_PREFIXES = ("chat.",)

    channels_changed = Signal()
    messages_changed = Signal(str)
    receipts_changed = Signal(str)
    presence_changed = Signal()
    messages_arrived = Signal(str, list)
    flash_changed = Signal()
    flash_escalated = Signal(str, int)
    server_escalated = Signal(object)

    def __init__(
        self, clock: Clock = utc_now, flash_after: float = 60.0, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.flash_after = flash_after
        self.username = ""
        self.desk = ""
        self._channels: dict[str, ChannelState] = {}
        self._where: dict[str, str] = {}  # message id or pending key -> channel id
        self._entries: dict[str, ChatEntry] = {}  # message id or pending key -> entry
        self._receipts: dict[str, dict[tuple[str, str], datetime]] = {}
        self._presence: dict[str, contract.Presence] = {}
        self._alarm_levels: dict[str, int] = {}
        self._escalations: dict[str, contract.FlashEscalation] = {}
        self._seen_events: set[int] = set()
        self._local_seq = 0
        self.active: str | None = None
        self.rejected = 0

    # --- identity and channels ---------------------------------------------------------------

    def set_identity(self, username: str, desk: str) -> None:
        self.username, self.desk = username, desk
        self.flash_changed.emit()

    def reset(self, items: list[dict[str, Any]]) -> None:
        """Channel snapshot (start-up, resync): known messages stay, new channels appear."""
        fresh: dict[str, contract.Channel] = {}
        for item in items:
            channel = self._parse(contract.Channel, item)
            if channel is not None:
                fresh[channel.id] = channel
        for channel in fresh.values():
            self._add_channel(channel)
        self.channels_changed.emit()

    def _add_channel(self, channel: contract.Channel) -> bool:
        held = self._channels.get(channel.id)
        if held is None:
            self._channels[channel.id] = ChannelState(channel)
            return True
        if held.channel != channel:
            held.channel = channel
            return True
        return False

    def channels(self) -> list[contract.Channel]:
        """Broadcast first, then agencies, incidents and direct channels, each by name."""
        return sorted(
            (s.channel for s in self._channels.values()),
            key=lambda ch: (KIND_ORDER.get(ch.kind, 9), fold(ch.name)),
        )

    def channel(self, channel_id: str) -> contract.Channel | None:
        state = self._channels.get(channel_id)
        return state.channel if state else None

    def state_of(self, channel_id: str) -> ChannelState | None:
        return self._channels.get(channel_id)

    def incident_channel(self, incident_id: str) -> contract.Channel | None:
        return next(
            (s.channel for s in self._channels.values() if s.channel.incident_id == incident_id),
            None,
        )

    def set_active(self, channel_id: str | None) -> None:
        """The channel the operator is looking at: its unread and mention counts clear."""
        self.active = channel_id
        state = self._channels.get(channel_id or "")
        if state is not None and (state.unread or state.mentions):
            state.unread = state.mentions = 0
            self.channels_changed.emit()

    def total_unread(self) -> tuple[int, int]:
        return (
            sum(s.unread for s in self._channels.values()),
            sum(s.mentions for s in self._channels.values()),
        )

    # --- messages ----------------------------------------------------------------------------

    def entries(self, channel_id: str) -> list[ChatEntry]:
        state = self._channels.get(channel_id)
        return list(state.entries) if state else []

    def get(self, message_id_or_key: str) -> ChatEntry | None:
        return self._entries.get(message_id_or_key)

    def is_mine(self, message: contract.ChatMessage) -> bool:
        return bool(self.username) and message.sender == self.username

    def mentions_me(self, text: str) -> bool:
        names = mentions(text)
        mine = {fold(self.username), desk_handle(self.desk)} - {""}
        return bool(names & (mine | EVERYONE))

    def add_pending(
        self, channel_id: str, body: dict[str, Any], key: str, at: datetime | None = None
    ) -> ChatEntry:
        """The operator's message, shown at once as "in attesa" until the server has it."""
        held = self._entries.get(key)
        if held is not None:
            return held
        message = contract.ChatMessage(
            id=key,
            channel_id=channel_id,
            sender=self.username,
            desk=self.desk,
            sent_at=at or self.clock(),
            client_key=key,
            **contract.ChatMessageWrite.model_validate(body).model_dump(),
        )
        entry = ChatEntry(message, PENDING, key=key)
        self._insert(channel_id, entry, key)
        self.messages_changed.emit(channel_id)
        if message.flash:
            self.flash_changed.emit()
        return entry

    def mark_sent(self, key: str, response: object) -> None:
        message = self._parse(contract.ChatMessage, response)
        if message is not None:
            self._take([message], live=False)

    def mark_failed(self, key: str, detail: str) -> ChatEntry | None:
        entry = self._entries.get(key)
        if entry is None or entry.state != PENDING:
            return None
        entry.state, entry.error = FAILED, detail
        self.messages_changed.emit(entry.message.channel_id)
        if entry.message.flash:
            self.flash_changed.emit()
        return entry

    def add_page(self, page: dict[str, Any], older: bool = False) -> int:
        """A page of history (newest, or `older` than what we hold); returns how many messages
        were new to us."""
        parsed = self._parse(contract.ChatChannelMessages, page)
        if parsed is None:
            return 0
        state = self._channels.get(parsed.channel_id)
        if state is None:
            return 0
        first_load = not state.loaded
        state.loaded = True
        if first_load or older:
            state.has_more = parsed.has_more
        new = self._take(parsed.messages, live=False)
        for rec in parsed.receipts:
            self._receipts.setdefault(rec.message_id, {})[(rec.desk, rec.kind)] = rec.at
        if first_load and parsed.channel_id != self.active:
            state.unread, state.mentions = self._unread_since_my_read(state)
        self.messages_changed.emit(parsed.channel_id)
        self.receipts_changed.emit(parsed.channel_id)
        self.channels_changed.emit()
        self.flash_changed.emit()
        return new

    def _unread_since_my_read(self, state: ChannelState) -> tuple[int, int]:
        unread = mentioned = 0
        for entry in reversed(state.entries):
            if entry.state != SENT:
                continue
            if (self.desk, READ) in self._receipts.get(entry.id, {}):
                break
            if not self.is_mine(entry.message):
                unread += 1
                mentioned += self.mentions_me(entry.message.text)
        return unread, mentioned

    def oldest_id(self, channel_id: str) -> str | None:
        state = self._channels.get(channel_id)
        if state is None:
            return None
        return next((e.id for e in state.entries if e.state == SENT), None)

    def search(self, channel_id: str, query: str) -> list[ChatEntry]:
        """Entries whose text, desk or references contain every word of `query`."""
        words = fold(query).split()
        if not words:
            return self.entries(channel_id)
        out = []
        for entry in self.entries(channel_id):
            m = entry.message
            hay = fold(
                " ".join(
                    str(x) for x in (m.text, m.desk, m.sender, m.incident_id, m.alert_id, m.id) if x
                )
            )
            if all(w in hay for w in words):
                out.append(entry)
        return out

    # --- events ------------------------------------------------------------------------------

    def apply(self, events: list[contract.Event]) -> None:
        messages: list[contract.ChatMessage] = []
        for event in events:
            if event.id in self._seen_events or not event.event.startswith(self.EVENT_PREFIXES):
                continue
            self._seen_events.add(event.id)
            if event.event == contract.EventType.CHAT_MESSAGE:
                message = self._parse(contract.ChatMessage, event.data)
                if message is not None:
                    messages.append(message)
                continue
            if messages:  # keep order: a receipt may refer to a message of this batch
                self._take(messages, live=True)
                messages = []
            if event.event == contract.EventType.CHAT_RECEIPT:
                self._on_receipt(event.data)
            elif event.event == contract.EventType.CHAT_PRESENCE:
                presence = self._parse(contract.Presence, event.data)
                if presence is not None:
                    self.set_presence([presence], replace=False)
            elif event.event == contract.EventType.CHAT_FLASH_ESCALATED:
                escalation = self._parse(contract.FlashEscalation, event.data)
                if escalation is not None:
                    self.set_escalation(escalation)
            elif event.event == contract.EventType.CHAT_CHANNEL:
                channel = self._parse(contract.Channel, event.data)
                if channel is not None and self._add_channel(channel):
                    self.channels_changed.emit()
        if messages:
            self._take(messages, live=True)
        if len(self._seen_events) > 5000:
            floor = max(self._seen_events) - 2500
            self._seen_events = {e for e in self._seen_events if e > floor}

    def _take(self, messages: Iterable[contract.ChatMessage], live: bool) -> int:
        touched: set[str] = set()
        arrived: dict[str, list[str]] = {}
        flash = False
        new = 0
        for message in messages:
            if message.id in self._entries:
                continue
            channel_id = message.channel_id
            if channel_id not in self._channels:
                # Nothing is dropped: a channel we were not told about yet gets a placeholder.
                log.info("message %s for unknown channel %s kept", message.id, channel_id)
                self._add_channel(
                    contract.Channel(
                        id=channel_id, name=channel_id, kind=contract.ChannelKind.AGENCY
                    )
                )
                self.channels_changed.emit()
            pending = self._entries.get(message.client_key or "")
            if pending is not None and pending.state in (PENDING, FAILED):
                self._remove(pending)
            entry = ChatEntry(message, SENT, seq=_number(message.id))
            self._insert(channel_id, entry, message.id)
            new += 1
            touched.add(channel_id)
            flash = flash or message.flash
            if live and not self.is_mine(message):
                arrived.setdefault(channel_id, []).append(message.id)
                state = self._channels[channel_id]
                if channel_id != self.active:
                    state.unread += 1
                    state.mentions += self.mentions_me(message.text)
        for channel_id in sorted(touched):
            self.messages_changed.emit(channel_id)
        for channel_id, ids in arrived.items():
            self.messages_arrived.emit(channel_id, ids)
        if arrived:
            self.channels_changed.emit()
        if flash:
            self.flash_changed.emit()
        return new

    def _insert(self, channel_id: str, entry: ChatEntry, key: str) -> None:
        state = self._channels.get(channel_id)
        if state is None:
            self._add_channel(
                contract.Channel(id=channel_id, name=channel_id, kind=contract.ChannelKind.AGENCY)
            )
            state = self._channels[channel_id]
        if entry.state == SENT:
            pos = len(state.entries)
            while pos > 0 and (
                state.entries[pos - 1].state != SENT or state.entries[pos - 1].seq > entry.seq
            ):
                pos -= 1
            state.entries.insert(pos, entry)
        else:
            self._local_seq += 1
            entry.seq = self._local_seq
            state.entries.append(entry)
        self._entries[key] = entry
        self._where[key] = channel_id

    def _remove(self, entry: ChatEntry) -> None:
        key = entry.key or entry.id
        channel_id = self._where.pop(key, entry.message.channel_id)
        self._entries.pop(key, None)
        state = self._channels.get(channel_id)
        if state is not None and entry in state.entries:
            state.entries.remove(entry)

    # --- receipts ----------------------------------------------------------------------------

    def _on_receipt(self, data: dict[str, Any]) -> None:
        rec = self._parse(contract.Receipt, data)
        if rec is None:
            return
        self.add_receipt(rec)

    def add_receipt(self, rec: contract.Receipt) -> None:
        held = self._receipts.setdefault(rec.message_id, {})
        if (rec.desk, rec.kind) in held:
            return
        held[(rec.desk, rec.kind)] = rec.at
        channel_id = self._where.get(rec.message_id)
        if channel_id is None:
            log.info(
                "receipt %s from %s for message %s we do not hold: kept",
                rec.kind,
                rec.desk,
                rec.message_id,
            )
            return
        self.receipts_changed.emit(channel_id)
        if rec.kind == ACK:
            self.flash_changed.emit()

    def has_receipt(self, message_id: str, desk: str, kind: str) -> bool:
        return (desk, kind) in self._receipts.get(message_id, {})

    def acks(self, message_id: str) -> list[str]:
        return sorted(d for (d, k) in self._receipts.get(message_id, {}) if k == ACK)

    def ticks(self, channel_id: str) -> dict[str, dict[str, str]]:
        """message id -> {desk: "read" | "delivered"} for the messages of this channel, with
        cumulative receipts resolved (read by D at a later message = read here too)."""
        state = self._channels.get(channel_id)
        if state is None:
            return {}
        out: dict[str, dict[str, str]] = {}
        running: dict[str, str] = {}
        for entry in reversed(state.entries):
            if entry.state != SENT:
                continue
            for desk, kind in self._receipts.get(entry.id, {}):
                if kind == READ or (kind == DELIVERED and running.get(desk) != READ):
                    running[desk] = kind
                elif kind == ACK:
                    running[desk] = READ
            out[entry.id] = {d: k for d, k in running.items() if d != entry.message.desk}
        return out

    # --- presence ----------------------------------------------------------------------------

    def set_presence(
        self, items: Iterable[contract.Presence | dict[str, Any]], replace: bool = True
    ) -> None:
        fresh = {} if replace else dict(self._presence)
        for item in items:
            p = (
                item
                if isinstance(item, contract.Presence)
                else self._parse(contract.Presence, item)
            )
            if p is not None:
                fresh[p.desk] = p
        # A heartbeat only moves `at`: kept, but nothing to repaint unless the desk is offline
        # (then `at` is its last contact, shown in the header).
        shown = {d: _shown(p) for d, p in fresh.items()}
        changed = shown != {d: _shown(p) for d, p in self._presence.items()}
        self._presence = fresh
        if changed:
            self.presence_changed.emit()
            self.channels_changed.emit()

    def presence(self, desk: str) -> str | None:
        p = self._presence.get(desk)
        return p.status.value if p else None

    def presence_of(self, desk: str) -> contract.Presence | None:
        return self._presence.get(desk)

    def desks(self) -> list[contract.Presence]:
        return sorted(self._presence.values(), key=lambda p: fold(p.desk))

    def channel_presence(self, channel: contract.Channel) -> str | None:
        """Presence of the desk behind an agency or direct channel (best of its members)."""
        best = self.channel_presence_item(channel)
        return best.status.value if best else None

    def channel_presence_item(self, channel: contract.Channel) -> contract.Presence | None:
        names = (
            [channel.name, *channel.members]
            if channel.kind == contract.ChannelKind.AGENCY
            else [d for d in channel.members if d != self.desk]
        )
        items = [p for p in (self._presence.get(n) for n in names) if p is not None]
        rank = {"online": 0, "away": 1, "offline": 2}
        return min(items, key=lambda p: rank.get(p.status.value, 3), default=None)

    # --- escalations by the back-end ---------------------------------------------------------

    def set_escalation(self, escalation: contract.FlashEscalation) -> None:
        held = self._escalations.get(escalation.message_id)
        if held == escalation:
            return
        if escalation.resolved:
            self._escalations.pop(escalation.message_id, None)
        else:
            self._escalations[escalation.message_id] = escalation
        self.server_escalated.emit(escalation)

    def escalations(self) -> list[contract.FlashEscalation]:
        """Flashes the back-end has escalated to the supervisor and nobody acknowledged yet."""
        return sorted(self._escalations.values(), key=lambda e: e.sent_at)

    # --- flash -------------------------------------------------------------------------------

    def alarms(self) -> list[FlashAlarm]:
        """Open flash alarms, oldest first, with their current level (0 = within the grace)."""
        now = self.clock()
        out = []
        for state in self._channels.values():
            for entry in state.entries:
                m = entry.message
                if not m.flash or entry.state == FAILED or now - m.sent_at > FLASH_HORIZON:
                    continue
                own = self.is_mine(m)
                if own:
                    if any(d != self.desk for d in self.acks(m.id)):
                        continue
                elif not self.desk or self.has_receipt(m.id, self.desk, ACK):
                    continue
                age = (now - m.sent_at).total_seconds()
                level = (
                    0
                    if age < self.flash_after
                    else min(MAX_LEVEL, 1 + int((age - self.flash_after) // self.flash_after))
                )
                out.append(
                    FlashAlarm(
                        m.id if entry.state == SENT else entry.key or m.id,
                        m.channel_id,
                        level,
                        own,
                        m.sent_at,
                    )
                )
        return sorted(out, key=lambda a: a.since)

    def check_flash(self) -> list[FlashAlarm]:
        """Raise the level of unacknowledged flashes; returns the alarms that went up."""
        raised = []
        alarms = self.alarms()
        open_ids = {a.message_id for a in alarms}
        for alarm in alarms:
            if alarm.level > self._alarm_levels.get(alarm.message_id, 0):
                self._alarm_levels[alarm.message_id] = alarm.level
                raised.append(alarm)
        gone = set(self._alarm_levels) - open_ids
        for message_id in gone:
            del self._alarm_levels[message_id]
        for alarm in raised:
            log.warning(
                "flash %s unacknowledged: escalation level %d", alarm.message_id, alarm.level
            )
            self.flash_escalated.emit(alarm.message_id, alarm.level)
        if gone:
            self.flash_changed.emit()
        return raised

    def note_local_ack(self, message_id: str) -> None:
        """Our acknowledgement is on its way: the alarm stops now, the server confirms later."""
        self.add_receipt(
            contract.Receipt(message_id=message_id, desk=self.desk, kind=ACK, at=self.clock())
        )
        self.flash_changed.emit()

    # --- helpers -----------------------------------------------------------------------------

    def _parse(self, model: Any, item: object) -> Any:
        try:
            return model.model_validate(item)
        except ValidationError as exc:
            self.rejected += 1
            log.warning("chat %s ignored: %s", model.__name__, exc.errors()[:1])
            return None


__all__ = ["DELIVERED", "FAILED", "PENDING", "READ", "SENT", "ChatStore"]
