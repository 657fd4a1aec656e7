"""What every window's status strip shows: connection, operator, mode, training, announcements.

One model for all windows, so three screens never disagree about whether the back-end is up.
Writers (the composition root, the session, the shell) set fields; the strips only read.

Signals:
    changed()   any field changed or a notice was announced
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from PySide6.QtCore import QObject, Signal

Level = Literal["ok", "info", "warn", "error"]
ConnectionLevel = Literal["ok", "warn", "error"]
MAX_NOTICES = 50


@dataclass(frozen=True)
class Notice:
    text: str
    level: Level = "info"
    at: datetime = field(default_factory=datetime.now)


class StatusModel(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection_text = ""
        self._connection_level: ConnectionLevel = "warn"
        self._operator = ""
        self._mode = ""
        self._training = False
        self._notices: list[Notice] = []

    # --- connection ---
    @property
    def connection_text(self) -> str:
        return self._connection_text

    @property
    def connection_level(self) -> ConnectionLevel:
        return self._connection_level

    def set_connection(self, text: str, level: ConnectionLevel) -> None:
        if level not in ("ok", "warn", "error"):
            raise ValueError(f"connection level {level!r}: use ok, warn or error")
        if (text, level) != (self._connection_text, self._connection_level):
            self._connection_text, self._connection_level = text, level
            self.changed.emit()

    # --- who and how ---
    @property
    def operator(self) -> str:
        return self._operator

    @operator.setter
    def operator(self, value: str) -> None:
        if value != self._operator:
            self._operator = value
            self.changed.emit()

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value != self._mode:
            self._mode = value
            self.changed.emit()

    @property
    def training(self) -> bool:
        return self._training

    @training.setter
    def training(self, value: bool) -> None:
        if bool(value) != self._training:
            self._training = bool(value)
            self.changed.emit()

    # --- announcements ---
    @property
    def notices(self) -> list[Notice]:
        return list(self._notices)

    @property
    def latest_notice(self) -> Notice | None:
        return self._notices[-1] if self._notices else None

    def announce(self, text: str, level: Level = "info") -> Notice:
        """Add a short announcement (fold notice, a panel that is unavailable...)."""
        notice = Notice(text, level)
        self._notices.append(notice)
        del self._notices[:-MAX_NOTICES]
        self.changed.emit()
        return notice

    def clear_notices(self) -> None:
        if self._notices:
            self._notices.clear()
            self.changed.emit()
