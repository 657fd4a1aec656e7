"""What the chat keeps per message, per channel and per desk, beyond the wire models.

A message the operator wrote is an entry before the server has seen it (state "pending", keyed by
its Idempotency-Key); the server's copy carries the same key back (`client_key`) and replaces it.
Nothing is ever edited or deleted: a correction is a new message whose `ref` points at the old one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from console.api import contract

PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_TEXT = 4000  # contract.ChatMessage.text max_length

# Receipt kinds; delivered and read are cumulative over a channel (see contract.Receipt).
DELIVERED, READ, ACK = "delivered", "read", "ack"
RECEIPT_KINDS = (DELIVERED, READ, ACK)


@dataclass
class ChatEntry:
    """One line of a channel: the message as sent (or about to be) and what happened to it."""

    message: contract.ChatMessage
    state: str = SENT
    key: str | None = None  # Idempotency-Key while the outbox holds it
    error: str = ""  # the server's words when it refused the message
    seq: int = 0  # position in the channel; pending entries come after every sent one

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def pending(self) -> bool:
        return self.state == PENDING


@dataclass
class ChannelState:
    channel: contract.Channel
    entries: list[ChatEntry] = field(default_factory=list)
    has_more: bool = True  # older history may exist on the server
    loaded: bool = False  # a page of history has been fetched
    unread: int = 0
    mentions: int = 0


@dataclass(frozen=True)
class FlashAlarm:
    """An unacknowledged flash: `own` when we sent it and wait for anybody to confirm."""

    message_id: str
    channel_id: str
    level: int
    own: bool
    since: datetime


def fold(text: str) -> str:
    """Case- and accent-insensitive form for search ("perche" finds "perché")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_MENTION = re.compile(r"@([\w.\-]+)", re.UNICODE)


def mentions(text: str) -> set[str]:
    """The @names in `text`, folded (`@VVF` and `@vvf` are the same)."""
    return {fold(m) for m in _MENTION.findall(text)}


def desk_handle(desk: str) -> str:
    """How a desk is @mentioned: its name folded, spaces and dashes collapsed to one dot."""
    return re.sub(r"[^\w]+", ".", fold(desk)).strip(".")
