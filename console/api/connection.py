"""What the status strip says about the back-end link.

One immutable snapshot of the link (connected, reconnecting in N s, offline since HH:MM, queued
commands) so the strip, the login dialog and the logs all tell the operator the same thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from console.i18n import tr


class LinkState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    ERROR = "error"


@dataclass(frozen=True)
class ConnectionState:
    state: LinkState = LinkState.CONNECTING
    retry_at: datetime | None = None  # when the next reconnect attempt starts (aware, local)
    offline_since: datetime | None = None  # first failure of the current outage
    last_event_id: int = 0
    pending_commands: int = 0
    detail: str = ""  # last technical reason, for the tooltip; never shown as the main text

    @property
    def level(self) -> Level:
        if self.state == LinkState.CONNECTED:
            return Level.OK
        if self.state == LinkState.OFFLINE:
            return Level.ERROR
        return Level.WARN

    def with_changes(self, **changes: object) -> ConnectionState:
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self, now: datetime | None = None) -> str:
        """One short Italian line for the status strip."""
        if self.state == LinkState.CONNECTED:
            text = tr("Connesso")
        elif self.state == LinkState.CONNECTING:
            text = tr("Connessione in corso…")
        elif self.state == LinkState.RECONNECTING:
            text = self._reconnecting(now)
        else:
            since = self.offline_since
            text = (
                tr("Non in linea dalle {ora}", ora=since.astimezone().strftime("%H:%M"))
                if since is not None
                else tr("Non in linea")
            )
        pending = self._pending_text()
        return f"{text} — {pending}" if pending else text

    def _reconnecting(self, now: datetime | None) -> str:
        if self.retry_at is None:
            return tr("Riconnessione in corso…")
        current = now if now is not None else datetime.now(self.retry_at.tzinfo)
        seconds = math.ceil((self.retry_at - current).total_seconds())
        if seconds <= 0:
            return tr("Riconnessione in corso…")
        return tr("Riconnessione fra {secondi} s", secondi=seconds)

    def _pending_text(self) -> str:
        if self.pending_commands <= 0:
            return ""
        if self.pending_commands == 1:
            return tr("1 comando in attesa")
        return tr("{n} comandi in attesa", n=self.pending_commands)
