"""libVLC backend through python-vlc: video callbacks decode into buffers we own.

libVLC calls lock and display on its own video output thread, one per player, and each call
takes the GIL, which the GUI thread needs too. So they do as little as possible: three buffers
per player, one the GUI shows, one waiting for the GUI, one libVLC writes into. `lock` hands
libVLC a buffer that is neither shown nor waiting; `display` marks it waiting and, if the GUI
has not been told yet, emits a signal that Qt queues to the GUI thread. The GUI wraps the
waiting buffer in a QImage (no copy) and that buffer becomes the shown one. No picture is copied
or built under the GIL on libVLC's threads; a busy GUI takes the newest frame and skips the
ones it had no time for, instead of queueing them up.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from typing import Any

import vlc
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from console.cameras.urls import redact
from console.i18n import tr
from widgets.video import memory
from widgets.video.backend import Stats

log = logging.getLogger(__name__)

_MAX_W, _MAX_H = 1920, 1080
_BUFFERS = 3  # shown by the GUI, waiting for the GUI, being written by libVLC

_instance: Any = None

# Our own prototypes: python-vlc's format callback passes `chroma` as an immutable c_char_p, but
# libVLC expects us to write the chroma we want into it.
_VP = ctypes.c_void_p
_UP = ctypes.POINTER(ctypes.c_uint)
_LOCK_CB = ctypes.CFUNCTYPE(_VP, _VP, ctypes.POINTER(_VP))
_DISPLAY_CB = ctypes.CFUNCTYPE(None, _VP, _VP)
_FORMAT_CB = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.POINTER(_VP), _VP, _UP, _UP, _UP, _UP)
_CLEANUP_CB = ctypes.CFUNCTYPE(None, _VP)


def _vlc_instance() -> Any:
    """One libVLC instance for the whole console (each costs ~10 MB and a module scan).

    One decoder thread per stream: a wall runs many streams at once, and frame threading in
    every decoder only adds overhead (16 players: 24.9 fps/tile at 0.95 core vs 23.5 at 1.02).
    Fast bilinear scaling to the tile (`--swscale-mode=0`) instead of the default bicubic:
    libVLC's conversion and scaling was the largest item on a 16-tile wall (30 % of the
    console's CPU samples, more than decoding); fast bilinear takes ~0.25 ms a frame against
    ~0.39 ms, and on a downscaled tile the two look alike.
    """
    global _instance
    if _instance is None:
        memory.limit_arenas()
        _instance = vlc.Instance(
            [
                "--quiet",
                "--no-audio",
                "--no-xlib",
                "--network-caching=300",
                "--avcodec-threads=1",
                "--swscale-mode=0",
            ]
        )
    return _instance


class _PlayerBox:
    """The live libVLC player, reachable without the QObject that owns it."""

    def __init__(self) -> None:
        self.player: Any = None

    def stop(self) -> None:
        player, self.player = self.player, None
        if player is not None:
            player.stop()
            player.release()


class VlcBackend(QObject):
    """Signals: frame_ready(object: QImage), failed(str). Internal: _frame_posted()."""

    name = "vlc"
    frame_ready = Signal(object)
    failed = Signal(str)
    _frame_posted = Signal()
    _error_posted = Signal(str)

    def __init__(self, can_play_rtsp: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.can_play_rtsp = can_play_rtsp
        self._player: Any = None
        self._url = ""
        self._lock = threading.Lock()
        # The buffers of the current format, and which of them is where (-1: none).
        self._bufs: list[ctypes.Array[ctypes.c_char]] = []
        self._addrs: list[int] = []
        self._w = self._h = 0
        self._ready = -1  # displayed by libVLC, not yet taken by the GUI
        self._shown = -1  # taken by the GUI: the tile may paint it, libVLC must not write it
        self._visible: tuple[int, int] | None = None
        self._hint = (_MAX_W, _MAX_H)
        self._frames = 0
        self.frames_displayed = 0  # pictures libVLC handed over, ever (the benchmark's count)
        self._fps = 0.0
        self._t0 = time.monotonic()
        self._frame_posted.connect(self._deliver)
        self._error_posted.connect(self.failed)
        # If the tile is deleted without release(), libVLC must not keep calling into it: stop
        # the player from a hook that holds the player box, not this (dying) QObject.
        box = self._box = _PlayerBox()
        self.destroyed.connect(lambda *_: box.stop())
        # ctypes callbacks must stay referenced for as long as libVLC may call them.
        self._cb_lock = _LOCK_CB(self._on_lock)
        self._cb_display = _DISPLAY_CB(self._on_display)
        self._cb_format = _FORMAT_CB(self._on_format)
        self._cb_cleanup = _CLEANUP_CB(self._on_cleanup)

    def display_aspect(self) -> float | None:
        """Width / height of the camera picture, which the buffer may not have (padding)."""
        if self._visible is None:
            return None
        vw, vh = self._visible
        return vw / vh

    def set_size_hint(self, width: int, height: int) -> None:
        """Largest picture the tile will show; libVLC scales down in its own thread (no GIL)."""
        self._hint = (max(160, width), max(90, height))

    def open(self, url: str) -> None:
        self.stop()
        if url.lower().startswith("rtsp://") and not self.can_play_rtsp:
            self._error_posted.emit(tr("questo libVLC non apre flussi RTSP"))
            return
        self._url = url
        self._visible = None
        player = _vlc_instance().media_player_new()
        _set_callbacks = vlc.dll["libvlc_video_set_callbacks"]
        _set_callbacks.restype = None
        # No unlock callback (libVLC allows NULL): one GIL acquisition less per frame.
        _set_callbacks(player, self._cb_lock, None, self._cb_display, None)
        _set_format = vlc.dll["libvlc_video_set_format_callbacks"]
        _set_format.restype = None
        _set_format(player, self._cb_format, self._cb_cleanup)
        events = player.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._on_vlc_error)
        events.event_attach(vlc.EventType.MediaPlayerEndReached, self._on_vlc_end)
        media = _vlc_instance().media_new(url)
        player.set_media(media)
        media.release()
        self._player = self._box.player = player
        self._frames, self._t0 = 0, time.monotonic()
        player.play()  # asynchronous: connecting happens on libVLC's threads

    def stop(self) -> None:
        player, self._player = self._player, None
        self._box.player = None
        if player is not None:
            # stop() joins libVLC's threads; they never wait on the GUI thread (queued signals
            # only), so this cannot deadlock.
            player.event_manager().event_detach(vlc.EventType.MediaPlayerEncounteredError)
            player.event_manager().event_detach(vlc.EventType.MediaPlayerEndReached)
            player.stop()
            player.release()
            memory.trim_soon()
        with self._lock:
            self._ready = -1

    def release(self) -> None:
        self.stop()

    def stats(self) -> Stats:
        now = time.monotonic()
        elapsed = now - self._t0
        if elapsed >= 1.0:
            self._fps = self._frames / elapsed
            self._frames, self._t0 = 0, now
        bitrate = None
        player = self._player
        if player is not None:
            media = player.get_media()
            if media is not None:
                st = vlc.MediaStats()
                if media.get_stats(st):
                    bitrate = st.input_bitrate * 8000.0  # kB/ms -> kbit/s
        return Stats(self._fps, bitrate, self._w, self._h)

    # --- libVLC threads -------------------------------------------------------------------------

    def _on_format(
        self, opaque: Any, chroma: Any, width: Any, height: Any, pitches: Any, lines: Any
    ) -> int:
        w, h = width[0], height[0]
        max_w, max_h = self._hint
        scale = min(1.0, max_w / w, max_h / h)
        if scale < 1.0:  # a smaller picture: less to copy under the GIL and nothing to scale
            # libVLC stretches the visible picture over the whole buffer; the tile restores
            # the camera's aspect from display_aspect().
            w, h = int(w * scale) & ~1, int(h * scale) & ~1
        ctypes.memmove(chroma, b"RV32", 4)
        width[0], height[0] = w, h
        pitches[0] = w * 4
        lines[0] = h
        bufs = [ctypes.create_string_buffer(w * h * 4) for _ in range(_BUFFERS)]
        with self._lock:
            # New buffers each time: an image the tile still shows keeps its old buffer alive
            # (QImage holds a reference), and libVLC never writes into it again.
            self._w, self._h = w, h
            self._bufs, self._addrs = bufs, [ctypes.addressof(b) for b in bufs]
            self._ready = self._shown = -1
        # One picture in libVLC's pool: lock and display alternate, one buffer written at a time.
        return 1

    def _on_cleanup(self, opaque: Any) -> None:
        return None

    def _on_lock(self, opaque: Any, planes: Any) -> Any:
        """A buffer neither shown nor waiting; its index + 1 is the picture id for display."""
        with self._lock:
            busy = (self._ready, self._shown)
            for index, address in enumerate(self._addrs):
                if index not in busy:
                    planes[0] = address
                    return index + 1
        return None  # no format yet: libVLC never locks before the format callback

    def _on_display(self, opaque: Any, picture: Any) -> None:
        if not picture:
            return
        with self._lock:
            first = self._ready < 0
            self._ready = picture - 1
        self._frames += 1
        self.frames_displayed += 1
        if first:
            self._frame_posted.emit()

    def _on_vlc_error(self, event: Any) -> None:
        log.info("vlc player %s: error", redact(self._url))
        self._error_posted.emit(tr("telecamera non raggiungibile o percorso errato"))

    def _on_vlc_end(self, event: Any) -> None:
        self._error_posted.emit(tr("il flusso è terminato"))

    # --- GUI thread -----------------------------------------------------------------------------

    def _deliver(self) -> None:
        with self._lock:
            index, self._ready = self._ready, -1
            if index < 0 or index >= len(self._bufs):
                return
            self._shown = index  # the previous shown buffer goes back to libVLC
            buf, w, h = self._bufs[index], self._w, self._h
        player = self._player
        if player is None:
            return
        # The image shows our buffer without a copy; it keeps the buffer alive.
        image = QImage(memoryview(buf), w, h, w * 4, QImage.Format.Format_RGB32)
        # libVLC stretches the visible picture over the whole buffer, whose height it padded to
        # the codec's block size (360 -> 368): remember the true size for the aspect ratio.
        if self._visible is None:
            vw, vh = player.video_get_size(0) or (0, 0)
            if vw and vh:
                self._visible = (vw, vh)
        self.frame_ready.emit(image)
