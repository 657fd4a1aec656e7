"""One time-ordered story of an incident: status steps, linked alerts and chat messages.

Sources arrive separately (the incident's own history, the alert store, the chat when there is
one) and are merged here, so the timeline widget only draws rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from console.api import contract
from console.i18n import tr
from console.incidents.lifecycle import label
from console.timeparse import parse_utc


class AlertLike(Protocol):
    """contract.Alert or the alert store's record: what the timeline needs of an alert."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def title(self) -> str: ...
    @property
    def source(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # status | alert | message | local
    text: str
    user: str = ""


def build(history: Iterable[Mapping[str, Any]], alerts: Iterable[AlertLike] = (),
          messages: Iterable[contract.ChatMessage] = (),
          local: Iterable[Mapping[str, Any]] = ()) -> list[Entry]:
    """Entries oldest first; `local` are steps taken here and not yet confirmed by the server."""
    out: list[Entry] = []
    for item in history:
        at = parse_utc(item.get("at"))
        if at is not None:
            note = str(item.get("note") or "")
            text = label(str(item.get("status", ""))) + (f" — {note}" if note else "")
            out.append(Entry(at, "status", text, str(item.get("user", ""))))
    # Each status happens once in a lifecycle: a local step the server history already has is
    # confirmed (its server stamp is shown); the others are still travelling.
    confirmed = {str(item.get("status", "")) for item in history}
    for item in local:
        at = parse_utc(item.get("at"))
        status = str(item.get("status", ""))
        text = label(status)
        if at is not None and status not in confirmed:
            out.append(Entry(at, "local", tr("{s} (in attesa di conferma)", s=text),
                             str(item.get("user", ""))))
    for alert in alerts:
        out.append(Entry(alert.created_at, "alert",
                         tr("Allarme collegato: {t}", t=alert.title), alert.source))
    for msg in messages:
        out.append(Entry(msg.sent_at, "message", msg.text, f"{msg.sender} ({msg.desk})"))
    return sorted(out, key=lambda e: e.at)
