"""Standby players: a tour's next page opened a few seconds before the page turn.

An RTSP open and the first key frame take 1-2 s, so a whole-wall tour that switches sixteen
tiles at once showed sixteen "Connessione…" captions at every turn. The wall asks this pool to
open the next page's streams `PREFETCH_S` seconds ahead, on players of the same back-end that
decode but paint nothing and are not tiles. At the turn each tile takes over the player for its
URL: with a recent frame the new picture is there at once; a player still connecting goes on
connecting in the tile (the set-up already under way). Failed and stopped ones are closed, and
their tiles connect as without standby.

The pool holds at most one page (`limit`) of players, and only between the prefetch and the
turn: what no tile took over is released at the turn, and `clear()` releases everything at once
(tour stopped or paused, wall hidden, layout changed, wall released).

Signals:
    changed()   a standby player opened, got its first frame, failed, or the pool was cleared
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QMetaObject, QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame

from widgets.video.backend import BackendChoice, BackendFactory, VideoBackend

log = logging.getLogger(__name__)


@dataclass
class Standby:
    """One stream opened ahead of time."""

    url: str
    backend: VideoBackend
    frame: QImage | QVideoFrame | None = None  # the last decoded frame, never painted
    frame_at: float = 0.0  # time.monotonic() of that frame
    failed: str = ""  # the player's reason, when it could not open the stream
    frames: int = 0
    opened_at: float = field(default_factory=time.monotonic)
    first_frame_s: float | None = None  # seconds from open to the first frame
    links: list[QMetaObject.Connection] = field(default_factory=list)  # the pool's slots

    def unlink(self) -> None:
        for link in self.links:
            QObject.disconnect(link)
        self.links.clear()


class StandbyPool(QObject):
    changed = Signal()

    def __init__(
        self,
        choice: BackendChoice,
        factory: BackendFactory,
        limit: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.choice = choice
        self._factory = factory
        self.limit = limit
        self._open: list[Standby] = []
        self.opened_total = 0  # streams ever opened on standby (tests, benchmark)
        self.taken_total = 0  # of those, taken over by a tile
        self.taken_playing = 0  # of those, with a picture already

    # --- what the wall asks -------------------------------------------------------------------

    def prefetch(self, wanted: list[tuple[str, tuple[int, int]]]) -> None:
        """Open these URLs (each with the pixel size of the tile that will show it) on standby.

        Whatever was on standby before is released first: never more than one page.
        """
        self.clear()
        for url, (width, height) in wanted[: self.limit]:
            backend = self._factory(self.choice, self)
            entry = Standby(url, backend)
            entry.links = [
                backend.frame_ready.connect(lambda frame, e=entry: self._on_frame(e, frame)),
                backend.failed.connect(lambda reason, e=entry: self._on_failed(e, reason)),
            ]
            hint = getattr(backend, "set_size_hint", None)
            if callable(hint):
                hint(width, height)
            self._open.append(entry)
            self.opened_total += 1
            backend.open(url)
        if wanted:
            self.changed.emit()

    def take(self, url: str, fresh_s: float) -> Standby | None:
        """The standby player for `url`: one with a frame newer than `fresh_s` seconds first,
        else one still connecting (its RTSP set-up under way). Failed players and players whose
        picture has stopped are not handed out.

        The caller owns the player from now on (its signals are no longer the pool's).
        """
        now = time.monotonic()
        usable = [
            e
            for e in self._open
            if e.url == url and not e.failed and (e.frame is None or now - e.frame_at <= fresh_s)
        ]
        if not usable:
            return None
        entry = max(usable, key=lambda e: e.frame is not None)
        self._open.remove(entry)
        entry.unlink()
        self.taken_total += 1
        if entry.frame is not None:
            self.taken_playing += 1
        return entry

    def clear(self) -> None:
        """Close and release every standby player: at a turn (those no tile took over), and
        when the tour stops or pauses, the wall is hidden, the layout changes, the wall goes."""
        entries, self._open = self._open, []
        for entry in entries:
            entry.unlink()
            dispose(entry.backend)
        if entries:
            self.changed.emit()

    # --- what tests and the benchmark read ----------------------------------------------------

    def entries(self) -> list[Standby]:
        return list(self._open)

    def decoding(self) -> int:
        """Standby streams open now (connecting or decoding)."""
        return sum(1 for e in self._open if not e.failed)

    def players(self) -> int:
        """Player objects the pool holds (connecting, decoding or failed)."""
        return len(self._open)

    # --- player signals -------------------------------------------------------------------------

    def _on_frame(self, entry: Standby, frame: object) -> None:
        if not isinstance(frame, (QImage, QVideoFrame)) or entry.failed:
            return
        entry.frame = frame
        entry.frame_at = time.monotonic()
        entry.frames += 1
        if entry.frames == 1:
            entry.first_frame_s = entry.frame_at - entry.opened_at
            self.changed.emit()

    def _on_failed(self, entry: Standby, reason: str) -> None:
        """A standby that fails is closed; its tile connects as usual at the turn."""
        if entry not in self._open or entry.failed:
            return
        entry.failed = reason or "?"
        entry.frame = None
        entry.backend.stop()
        log.info("standby player failed: %s", reason)
        self.changed.emit()


def dispose(backend: VideoBackend) -> None:
    """Stop and release a player that nobody will use again."""
    backend.release()
    if isinstance(backend, QObject):
        backend.deleteLater()
