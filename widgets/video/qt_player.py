"""QtMultimedia backend: QMediaPlayer (FFmpeg inside PySide6) into a QVideoSink.

Decoding runs in QtMultimedia's own threads; the sink's signal reaches the GUI thread queued.
Frames are handed on as QVideoFrame and converted only when painted, so a tile that is not
repainted (hidden, covered) costs no colour conversion.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import time
from pathlib import Path

import PySide6
from PySide6.QtCore import QObject, QThreadPool, QUrl, Signal
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink

from console.cameras.urls import redact, scrub
from console.i18n import tr
from widgets.video import memory
from widgets.video.backend import Stats

log = logging.getLogger(__name__)

_AV_LOG_ERROR = 16


_ffmpeg_tuned = False


def _tune_ffmpeg() -> None:
    """Settings of QtMultimedia's own FFmpeg, made through its libavutil.

    - Log level to errors: at info level FFmpeg prints "Input #0 ... from
      'rtsp://user:password@...'" on stderr, and a camera password must not end up in a
      terminal or a journal.
    - One decoding thread per stream: QtMultimedia asks FFmpeg for "auto" threads, i.e. cores
      + 1 frame threads per decoder. A wall runs many streams at once, so threads inside each
      decoder only add hand-offs: 16 sub streams cost 0.32 cores with 3 threads each and
      measurably less with one (see docs/video.md). av_cpu_force_count(1) makes "auto" mean 1.

    libavutil loads only after the FFmpeg plugin is in, i.e. once a QMediaPlayer exists; until
    then this fails quietly and is tried again at the next open.
    """
    global _ffmpeg_tuned
    if _ffmpeg_tuned:
        return
    lib_dir = Path(PySide6.__file__).parent / "Qt" / "lib"
    for name in ("libavutil.so.59", "libavutil.so", "avutil-59.dll", "libavutil.59.dylib"):
        try:
            avutil = ctypes.CDLL(str(lib_dir / name))
            avutil.av_log_set_level(_AV_LOG_ERROR)
            avutil.av_cpu_force_count(1)
        except (OSError, AttributeError):
            continue
        _ffmpeg_tuned = True
        return
    log.info("FFmpeg not tuned yet: libavutil not loadable from %s", lib_dir)


_MIN_POOL_THREADS = 32


@functools.cache
def _widen_thread_pool() -> None:
    """QtMultimedia opens media on the global QThreadPool, sized to the cores (2 here).

    An RTSP open blocks its thread for 1-2 s (handshake, probing), so with two threads a 16-tile
    wall came up two tiles at a time: ~15 s measured. The threads mostly wait on the network, so
    allowing more of them costs nothing when idle and brings the wall up in ~3 s.
    """
    pool = QThreadPool.globalInstance()
    if pool.maxThreadCount() < _MIN_POOL_THREADS:
        pool.setMaxThreadCount(_MIN_POOL_THREADS)


class QtBackend(QObject):
    """Signals: frame_ready(object: QVideoFrame), failed(str)."""

    name = "qt"
    can_play_rtsp = True
    frame_ready = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player: QMediaPlayer | None = None
        self._sink: QVideoSink | None = None
        self._url = ""
        self._frames = 0
        self._fps = 0.0
        self._t0 = time.monotonic()
        self._last: QVideoFrame | None = None

    def open(self, url: str) -> None:
        self.stop()
        self._url = url
        _widen_thread_pool()
        memory.limit_arenas()  # before QtMultimedia starts its first threads
        player = QMediaPlayer(self)  # loads the FFmpeg plugin: only then can it be tuned
        _tune_ffmpeg()
        sink = QVideoSink(self)
        player.setVideoSink(sink)
        sink.videoFrameChanged.connect(self._on_frame)
        player.errorOccurred.connect(self._on_error)
        player.mediaStatusChanged.connect(self._on_status)
        self._player, self._sink = player, sink
        self._frames, self._t0 = 0, time.monotonic()
        player.setSource(QUrl(url))
        player.play()

    def stop(self) -> None:
        """Release the player entirely: a stopped tile must cost nothing (and leak nothing)."""
        player, sink = self._player, self._sink
        self._player = self._sink = None
        self._last = None
        if player is not None:
            player.blockSignals(True)
            player.stop()
            player.setSource(QUrl())
            player.deleteLater()
            memory.trim_soon()
        if sink is not None:
            sink.blockSignals(True)
            sink.deleteLater()

    def release(self) -> None:
        self.stop()

    def stats(self) -> Stats:
        now = time.monotonic()
        elapsed = now - self._t0
        if elapsed >= 1.0:
            self._fps = self._frames / elapsed
            self._frames, self._t0 = 0, now
        last = self._last
        size = last.size() if last is not None else None
        return Stats(self._fps, None, size.width() if size else 0, size.height() if size else 0)

    def _on_frame(self, frame: QVideoFrame) -> None:
        """400 times a second on a 4x4 wall: count and pass on, nothing else.

        An invalid frame (the sink clears its picture when a stream ends) is not a sign of life.
        """
        if self._sink is None or not frame.isValid():
            return
        self._frames += 1
        self._last = frame
        self.frame_ready.emit(frame)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.failed.emit(tr("il flusso è terminato"))
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self.failed.emit(tr("il flusso non è video leggibile"))

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error == QMediaPlayer.Error.NoError:
            return
        log.info("qt player %s: %s (%s)", redact(self._url), error.name, scrub(message))
        texts = {
            QMediaPlayer.Error.ResourceError: tr("telecamera non raggiungibile o percorso errato"),
            QMediaPlayer.Error.FormatError: tr("flusso non valido o telecamera non raggiungibile"),
            QMediaPlayer.Error.NetworkError: tr("errore di rete"),
            QMediaPlayer.Error.AccessDeniedError: tr(
                "accesso negato: credenziali della telecamera errate"
            ),
        }
        text = texts.get(error, tr("errore del lettore video"))
        self.failed.emit(text)
