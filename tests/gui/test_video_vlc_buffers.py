"""libVLC's video callbacks and the GUI share a player's picture buffers: the frame a tile shows
is never written by libVLC, a busy GUI gets the newest frame, and a frame is never torn. Stopped
players give their memory back.

The callbacks are driven as libVLC drives them (format, then lock/display in turn, on another
thread); no stream is needed.
"""

from __future__ import annotations

import ctypes
import socket
import threading
from typing import Any

import pytest
from PySide6.QtGui import QImage

vlc_player = pytest.importorskip("widgets.video.vlc_player")
from widgets.video import memory  # noqa: E402


class _Player:
    """What _deliver asks of a live libVLC player."""

    def video_get_size(self, num: int) -> tuple[int, int]:
        return (640, 360)


def _format(backend: Any, width: int = 640, height: int = 368) -> tuple[int, int]:
    chroma = ctypes.create_string_buffer(5)
    w, h = (ctypes.c_uint * 1)(width), (ctypes.c_uint * 1)(height)
    pitches, lines = (ctypes.c_uint * 1)(), (ctypes.c_uint * 1)()
    assert backend._on_format(None, chroma, w, h, pitches, lines) == 1
    assert chroma.value == b"RV32"
    assert pitches[0] == w[0] * 4
    assert lines[0] == h[0]
    return w[0], h[0]


def _decode(backend: Any, value: int, size: tuple[int, int]) -> None:
    """One picture as libVLC makes it: lock, fill every byte with `value`, display."""
    planes = (ctypes.c_void_p * 3)()
    picture = backend._on_lock(None, planes)
    assert planes[0]
    ctypes.memset(planes[0], value, size[0] * size[1] * 4)
    backend._on_display(None, picture)


def _decode_on_thread(backend: Any, values: range | list[int], size: tuple[int, int]) -> None:
    """Pictures from libVLC's own thread while the GUI thread does not run its event loop."""

    def run() -> None:
        for value in values:
            _decode(backend, value, size)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def _value(image: QImage) -> set[int]:
    """The fill values of an image (one value: the picture is whole)."""
    data = bytes(image.constBits())
    return set(data[:: max(1, len(data) // 4096)])


@pytest.fixture
def backend(qtbot: Any) -> Any:
    b = vlc_player.VlcBackend()
    b.set_size_hint(320, 200)
    b._player = _Player()  # _deliver only hands frames on while a player is live
    yield b
    b._player = None
    b.deleteLater()


def test_the_shown_frame_is_never_written_and_a_busy_gui_gets_the_newest(backend: Any) -> None:
    size = _format(backend)
    assert size[0] <= 320
    assert size[1] <= 200
    frames: list[QImage] = []
    backend.frame_ready.connect(frames.append)

    _decode_on_thread(backend, [1], size)
    backend._deliver()
    assert len(frames) == 1
    assert _value(frames[0]) == {1}

    # The GUI is busy: libVLC goes on decoding, many pictures, before the GUI comes back.
    for value in range(2, 12):
        _decode_on_thread(backend, [value], size)
        assert _value(frames[0]) == {1}, "libVLC wrote into the frame the tile shows"
    backend._deliver()
    assert len(frames) == 2
    assert _value(frames[1]) == {11}
    assert backend.frames_displayed == 11

    _decode_on_thread(backend, [12, 13], size)
    assert _value(frames[1]) == {11}
    backend._deliver()
    assert _value(frames[2]) == {13}
    backend._deliver()  # nothing new: nothing handed on
    assert len(frames) == 3


def test_a_new_format_keeps_the_old_frame_alive(backend: Any) -> None:
    size = _format(backend)
    frames: list[QImage] = []
    backend.frame_ready.connect(frames.append)
    _decode_on_thread(backend, [7], size)
    backend._deliver()
    # Reconnecting: libVLC sets up a new picture format while the tile keeps the old frame.
    new = _format(backend, 1280, 720)
    _decode_on_thread(backend, [9], new)
    assert _value(frames[0]) == {7}
    backend._deliver()
    assert (frames[1].width(), frames[1].height()) == new
    assert _value(frames[1]) == {9}


def test_frames_from_libvlc_thread_arrive_whole_in_the_gui(qtbot: Any, backend: Any) -> None:
    """libVLC's thread decodes as fast as it can while the GUI thread takes frames."""
    size = _format(backend)
    seen: list[set[int]] = []
    backend.frame_ready.connect(lambda image: seen.append(_value(image)))
    done = threading.Event()

    def decoder() -> None:
        for n in range(400):
            _decode(backend, n % 250 + 1, size)
        done.set()

    thread = threading.Thread(target=decoder)
    thread.start()
    qtbot.wait_until(done.is_set, timeout=20000)
    thread.join()
    qtbot.wait_until(lambda: backend._ready < 0, timeout=5000)
    assert seen, "no frame reached the GUI"
    assert all(len(values) == 1 for values in seen), "a frame was written while the GUI had it"
    assert seen[-1] == {400 % 250 or 250}


def test_stopped_players_give_their_memory_back_once_per_action(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """glibc keeps a released player's pictures in its threads' arenas unless trimmed."""
    trims: list[int] = []

    class _Libc:
        def mallopt(self, option: int, value: int) -> int:
            return 1

        def malloc_trim(self, pad: int) -> int:
            trims.append(pad)
            return 1

    monkeypatch.setattr(memory, "glibc", _Libc)
    monkeypatch.setattr(memory, "_trim_timer", None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/cam.ts"  # nothing listens there
    players = [vlc_player.VlcBackend() for _ in range(3)]
    for player in players:
        player.open(url)
    for player in players:  # a wall hidden: all its tiles stop at once
        player.stop()
    qtbot.wait_until(lambda: trims == [0])
    players[0].open(url)
    players[0].stop()
    qtbot.wait_until(lambda: trims == [0, 0])
    for player in players:
        player.release()
        player.deleteLater()
