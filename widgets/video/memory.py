"""Memory of a wall whose players come and go: fewer malloc arenas, freed memory handed back.

glibc's malloc gives every thread that allocates under contention an arena of its own (up to 8
per core), and a released player's pictures stay in its threads' arenas. Measured with libVLC,
200 camera switches on a 2x2 wall: RSS +30-35 % as things were, +12 % with a trim after players
stop, -6 % (flat at ~185 MB instead of ~380) with two arenas and the trim; a 16-tile wall plays
the same either way (24.2-24.4 fps per tile, 0.69-0.75 cores, same runs). QtMultimedia's players
(three threads each) grew the same way: +8.4 % after 200 switches before, see docs/video.md for
after. A trim takes ~5 ms (8 at most) of the GUI thread, once per action that stops players.
Both do nothing on other C libraries.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

from PySide6.QtCore import QTimer

_M_ARENA_MAX = -8
_ARENAS = 2
_TRIM_DELAY_MS = 0  # the next pass of the event loop: one trim for the stops of one action
_trim_timer: QTimer | None = None


@functools.cache
def glibc() -> Any:
    """glibc, for mallopt and malloc_trim; None on other C libraries. Looked up once."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c"))
        except (OSError, TypeError):
            return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


@functools.cache
def limit_arenas() -> None:
    """Fewer malloc arenas, before the players start their threads (once per process)."""
    libc = glibc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, _ARENAS)


def trim_soon() -> None:
    """Hand memory freed by stopped players back to the system: once, after a burst of stops
    (a hidden wall stops every tile at once), not once per player. GUI thread only."""
    global _trim_timer
    if _trim_timer is None:
        libc = glibc()
        if libc is None:
            return
        _trim_timer = QTimer()
        _trim_timer.setSingleShot(True)
        _trim_timer.setInterval(_TRIM_DELAY_MS)
        _trim_timer.timeout.connect(lambda: libc.malloc_trim(0))
    _trim_timer.start()
