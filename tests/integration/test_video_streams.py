"""Both players on the training back-end's real streams: libVLC over HTTP-TS, QtMultimedia over
RTSP. Frames arrive and change; a camera taken off the air and put back is recovered without
anyone touching the tile; bad input is reported in words while the good tile keeps playing.
"""

from __future__ import annotations

import contextlib
import http.server
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from console.api import contract
from console.cameras.tile_state import Policy, TileState
from widgets.video.backend import BackendChoice, probe_vlc
from widgets.video.tile import VideoTile

pytestmark = [
    pytest.mark.integration,
    pytest.mark.video,
    pytest.mark.slow,
    # No GPU here: QtMultimedia says it converts frames on the CPU, which is expected.
    pytest.mark.qt_log_ignore("No RHI backend"),
]

streams = pytest.importorskip("console.training.streams", reason="training stream server absent")
clips = pytest.importorskip("console.training.clips", reason="training clips absent")

CAMS = ("cam01", "cam02")
# Clips take ~4 s per camera to make; keep them between runs (they are re-made if stale).
CLIPS_DIR = Path(tempfile.gettempdir()) / "centrale-video-test-clips"
QT = BackendChoice("qt", "test", True)
VLC_HTTP = BackendChoice("vlc", "test", False)
FAST = Policy(
    start_timeout_s=8, stall_timeout_s=1.5, stall_giveup_s=1.5, backoff_base_s=0.5,
    backoff_max_s=2, jitter=0.1, max_failures=30,
)  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    try:
        report = clips.make_clips(CLIPS_DIR, camera_ids=CAMS)
    except clips.ClipError as exc:
        pytest.skip(f"cannot make camera clips: {exc}")
    assert not report.failed, report.failed
    srv = streams.StreamServer(CLIPS_DIR, camera_ids=CAMS)
    ok, reason = srv.available()
    if not ok:
        pytest.skip(reason)
    srv.start()
    yield srv
    srv.stop()


def camera(server: Any, cid: str) -> contract.Camera:
    return contract.Camera(
        id=cid, name=f"Training {cid}", lon=9.19, lat=45.46, heading=0,
        streams=server.streams_for(cid),
    )  # fmt: skip


def make_tile(qtbot: Any, choice: BackendChoice) -> VideoTile:
    tile = VideoTile(0, choice, FAST)
    qtbot.add_widget(tile)
    tile.resize(480, 270)
    tile.show()
    return tile


def changed_fraction(a: QImage, b: QImage) -> float:
    a = a.scaled(64, 36).convertToFormat(QImage.Format.Format_RGB32)
    b = b.scaled(64, 36).convertToFormat(QImage.Format.Format_RGB32)
    diff = sum(
        1 for y in range(36) for x in range(64)
        if abs(a.pixelColor(x, y).value() - b.pixelColor(x, y).value()) > 12
    )  # fmt: skip
    return diff / (64 * 36)


def assert_moving_picture(qtbot: Any, tile: VideoTile) -> None:
    qtbot.wait_until(lambda: tile.machine.state is TileState.PLAYING, timeout=15000)
    first = tile.picture()
    assert first is not None
    assert first.width() >= 320
    seen = tile.frames_seen
    qtbot.wait_until(lambda: tile.frames_seen >= seen + 25, timeout=10000)
    later = tile.picture()
    assert later is not None
    assert changed_fraction(first, later) > 0.001, "frames arrive but the picture never changes"


@pytest.mark.parametrize(("choice", "scheme"), [(QT, "rtsp://"), (VLC_HTTP, "http://")])
def test_frames_arrive_and_change(
    qtbot: Any, server: Any, choice: BackendChoice, scheme: str
) -> None:
    if choice.backend == "vlc" and not probe_vlc()[0]:
        pytest.skip("libVLC not installed")
    tile = make_tile(qtbot, choice)
    tile.set_camera(camera(server, "cam01"))
    assert tile.current_url().startswith(scheme)
    assert_moving_picture(qtbot, tile)
    assert tile.first_frame_at is not None
    tile.release()


@pytest.mark.parametrize("choice", [QT, VLC_HTTP], ids=["qt-rtsp", "vlc-http"])
def test_stopped_camera_recovers_without_operator(
    qtbot: Any, server: Any, choice: BackendChoice
) -> None:
    if choice.backend == "vlc" and not probe_vlc()[0]:
        pytest.skip("libVLC not installed")
    tile = make_tile(qtbot, choice)
    tile.set_camera(camera(server, "cam02"))
    qtbot.wait_until(lambda: tile.machine.state is TileState.PLAYING, timeout=15000)
    server.stop_camera("cam02")
    try:
        qtbot.wait_until(
            lambda: (
                tile.machine.state in (TileState.RECONNECTING, TileState.CONNECTING)
                and tile.machine.failures >= 1
            ),
            timeout=10000,
        )
        assert tile.status_text()
        assert tile.has_picture()  # the last good frame stays (dimmed) while reconnecting
    finally:
        assert server.start_camera("cam02")
    qtbot.wait_until(lambda: tile.machine.state is TileState.PLAYING, timeout=20000)
    assert_moving_picture(qtbot, tile)
    tile.release()


class _Garbage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t")
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(os.urandom(256 * 1024))

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def garbage_url() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/garbage.ts"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.qt_log_ignore("Could not open media", "No RHI backend")
def test_bad_inputs_are_reported_while_the_good_tile_plays(
    qtbot: Any,
    server: Any,
    garbage_url: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    good = make_tile(qtbot, QT)
    good.set_camera(camera(server, "cam01"))
    rtsp_base = server.streams_for("cam01").sub_rtsp.rsplit("/", 1)[0]
    bad_urls = {
        "unreachable": f"rtsp://127.0.0.1:{closed_port()}/cam01",
        "wrong_path": f"{rtsp_base}/nessuna",
        "garbage": garbage_url,
        "credentials": f"rtsp://operatore:S3greta!@127.0.0.1:{closed_port()}/cam01",
    }
    bad_tiles = []
    for name, url in bad_urls.items():
        tile = make_tile(qtbot, QT)
        cam = contract.Camera(
            id=name, name=name, lon=9.19, lat=45.46, heading=0,
            streams=contract.CameraStreams(main_rtsp=url, sub_rtsp=url),
        )  # fmt: skip
        tile.set_camera(cam)
        bad_tiles.append(tile)
    for tile in bad_tiles:
        qtbot.wait_until(lambda t=tile: t.machine.failures >= 1, timeout=15000)
        assert tile.machine.reason, tile.camera()
        text = tile.status_text()
        assert "nuovo tentativo" in text or "Connessione" in text
    qtbot.wait_until(lambda: good.machine.state is TileState.PLAYING, timeout=15000)
    seen = good.frames_seen
    qtbot.wait_until(lambda: good.frames_seen >= seen + 25, timeout=10000)
    assert "S3greta" not in caplog.text
    out, err = capfd.readouterr()
    assert "S3greta" not in out + err  # FFmpeg's own stderr never shows the password
    for tile in [good, *bad_tiles]:
        tile.release()


def test_password_in_a_playing_url_never_reaches_stderr(
    qtbot: Any, server: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """FFmpeg prints "Input #0, rtsp, from 'URL'" at info level once a stream opens: the console
    keeps FFmpeg's log to errors, and that must already hold for the very first player (the
    library it is set through only loads once a player exists)."""
    url = server.streams_for("cam01").sub_rtsp.replace("rtsp://", "rtsp://operatore:S3greta!@")
    both = contract.CameraStreams(main_rtsp=url, sub_rtsp=url)
    tile = make_tile(qtbot, QT)
    tile.set_camera(
        contract.Camera(id="cred", name="cred", lon=9.19, lat=45.46, heading=0, streams=both)
    )
    qtbot.wait_until(lambda: tile.machine.state is TileState.PLAYING, timeout=15000)
    out, err = capfd.readouterr()
    assert "S3greta" not in out + err
    tile.release()
