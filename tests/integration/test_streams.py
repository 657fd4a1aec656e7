"""The training cameras over the wire: every mount decodes, drills can cut and restore a camera,
the server leaves nothing listening, and QtMultimedia (the console's RTSP player) reads a frame.

Real clips (made once into a shared temp folder; idempotent), a real libVLC server, real ffprobe
and QtMultimedia clients. Decoding runs in parallel so the whole file stays well under 90 s.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.training import clips, streams

pytestmark = [pytest.mark.integration, pytest.mark.video]
log = logging.getLogger(__name__)

CLIPS_DIR = Path(tempfile.gettempdir()) / "centrale-test-clips"
PROBE_TIMEOUT_S = 20


def _probe(url: str, frames: int = 5, timeout: float = PROBE_TIMEOUT_S) -> dict[str, object]:
    """Decode `frames` frames of a live URL with ffmpeg (framemd5: one line per decoded frame,
    with its raw size and checksum): how many decoded, at what size, and how many differ."""
    cmd = ["ffmpeg", "-v", "error", "-nostdin"]
    if url.startswith("rtsp://"):
        cmd += ["-rtsp_transport", "udp"]
    cmd += [
        "-probesize", "500000", "-analyzeduration", "1000000", "-i", url, "-map", "0:v:0",
        "-frames:v", str(frames), "-pix_fmt", "yuv420p", "-f", "framemd5", "-",
    ]  # fmt: skip
    started = time.monotonic()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"url": url, "error": f"no answer in {timeout} s"}
    if out.returncode != 0:
        return {"url": url, "error": out.stderr.strip()[-300:] or f"exit {out.returncode}"}
    rows = [line.split(",") for line in out.stdout.splitlines() if line and line[0] != "#"]
    sizes = {int(row[4]) for row in rows if len(row) >= 6}
    return {
        "url": url,
        "frames": len(rows),
        "bytes": sizes.pop() if len(sizes) == 1 else sorted(sizes),
        "distinct": len({row[5].strip() for row in rows if len(row) >= 6}),
        "seconds": time.monotonic() - started,
    }


def _raw(size: tuple[int, int]) -> int:
    """Bytes of one decoded yuv420p frame of `size`: how framemd5 tells the resolution."""
    return size[0] * size[1] * 3 // 2


def _probe_all(urls: list[str], workers: int = 8) -> list[dict[str, object]]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_probe, urls))


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def clips_dir() -> Path:
    try:
        report = clips.make_clips(CLIPS_DIR)
    except clips.ClipError as exc:
        pytest.skip(f"cannot make camera clips: {exc}")
    assert not report.failed, report.failed
    log.info("clips: %d made, %d valid, %.1f s", len(report.made), len(report.skipped),
             report.seconds)  # fmt: skip
    return CLIPS_DIR


@pytest.fixture(scope="module")
def server(clips_dir: Path) -> Iterator[streams.StreamServer]:
    ok, reason = streams.libvlc_status()
    if not ok:
        pytest.skip(reason)
    srv = streams.StreamServer(clips_dir)
    srv.start()
    yield srv
    srv.stop()


def test_every_camera_decodes_over_rtsp_main_and_sub(server: streams.StreamServer) -> None:
    assert len(server.camera_ids()) == 16
    assert server.unavailable() == {}
    urls, sizes = [], {}
    for cam in server.camera_ids():
        s = server.streams_for(cam)
        urls += [s.main_rtsp, s.sub_rtsp]
        sizes[s.main_rtsp], sizes[s.sub_rtsp] = clips.MAIN_SIZE, clips.SUB_SIZE
    results = _probe_all(urls)
    bad = [r for r in results if "error" in r or r["bytes"] != _raw(sizes[str(r["url"])])
           or r["frames"] != 5 or int(str(r["distinct"])) < 2]  # fmt: skip
    assert not bad, bad
    times = sorted(float(str(r["seconds"])) for r in results)
    log.info("ffmpeg RTSP 5 frames: median %.2f s, max %.2f s", times[len(times) // 2], times[-1])


def test_every_clip_has_square_pixels(clips_dir: Path) -> None:
    """A non-square sample aspect ratio distorts the picture and makes players resample every
    frame (QtMultimedia: a bicubic swscale per frame in its render thread)."""
    odd = {}
    for path in sorted(clips_dir.glob(f"*{clips.SUFFIX}")):
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "stream=sample_aspect_ratio", "-of", "csv=p=0", str(path)],
            capture_output=True, text=True, timeout=20, check=True,
        )  # fmt: skip
        if out.stdout.strip() not in ("1:1", "N/A", "0:1"):
            odd[path.name] = out.stdout.strip()
    assert not odd, odd


def test_every_camera_decodes_over_http_ts(server: streams.StreamServer) -> None:
    urls, sizes = [], {}
    for cam in server.camera_ids():
        s = server.streams_for(cam)
        assert s.main_http
        assert s.sub_http
        urls += [s.main_http, s.sub_http]
        sizes[s.main_http], sizes[s.sub_http] = clips.MAIN_SIZE, clips.SUB_SIZE
    results = _probe_all(urls)
    bad = [r for r in results if "error" in r or r["bytes"] != _raw(sizes[str(r["url"])])
           or r["frames"] != 5 or int(str(r["distinct"])) < 2]  # fmt: skip
    assert not bad, bad


def test_all_mounts_share_one_rtsp_and_one_http_port(server: streams.StreamServer) -> None:
    rtsp_ports = {server.streams_for(c).main_rtsp.split(":")[2].split("/")[0]
                  for c in server.camera_ids()}  # fmt: skip
    http_ports = {str(server.streams_for(c).sub_http).split(":")[2].split("/")[0]
                  for c in server.camera_ids()}  # fmt: skip
    assert rtsp_ports == {str(server.rtsp_port)}
    assert http_ports == {str(server.http_port)}
    assert server.rtsp_port != server.http_port
    assert server.streams_for("cam03").main_rtsp.startswith("rtsp://127.0.0.1:")


def test_stop_camera_cuts_its_urls_and_start_camera_restores_them(
    server: streams.StreamServer,
) -> None:
    s = server.streams_for("cam05")
    other = server.streams_for("cam06")
    server.stop_camera("cam05")
    try:
        assert server.camera_status("cam05")[0] is False
        cut = _probe_all([s.main_rtsp, s.sub_rtsp, str(s.sub_http), other.sub_rtsp], workers=4)
        assert all("error" in r for r in cut[:3]), cut
        assert "error" not in cut[3], "stopping one camera must not touch the others"
    finally:
        assert server.start_camera("cam05") is True
    assert server.camera_status("cam05") == (True, "")
    back = _probe_all([s.main_rtsp, s.sub_rtsp, str(s.sub_http)], workers=3)
    assert all("error" not in r and int(str(r["frames"])) >= 3 for r in back), back


def test_stream_loops_past_the_end_of_its_clip(server: streams.StreamServer) -> None:
    """A player stays connected across the loop point: one endless stream, no EOF."""
    url = server.streams_for("cam02").sub_rtsp
    frames = int((clips.DURATION_S + 2) * clips.FPS)
    result = _probe(url, frames=frames, timeout=clips.DURATION_S + 15)
    assert "error" not in result, result
    assert int(str(result["frames"])) >= frames * 0.9, result


def test_missing_clip_makes_only_that_camera_unavailable(clips_dir: Path, tmp_path: Path) -> None:
    for name in ("cam01.mp4", "cam01_sub.mp4", "cam02.mp4"):  # cam02 has no sub clip
        (tmp_path / name).symlink_to(clips_dir / name)
    srv = streams.StreamServer(tmp_path, camera_ids=("cam01", "cam02"))
    assert srv.available()[0] is True
    with srv:
        served, reason = srv.camera_status("cam02")
        assert served is False
        assert "cam02_sub.mp4" in reason
        assert set(srv.unavailable()) == {"cam02"}
        assert srv.camera_status("cam01") == (True, "")
        result = _probe(srv.streams_for("cam01").sub_rtsp)
        assert "error" not in result, result
        with pytest.raises(RuntimeError, match="cam02"):
            srv.stop_camera("cam02")


def test_no_clips_means_unavailable_with_a_reason(tmp_path: Path) -> None:
    srv = streams.StreamServer(tmp_path / "empty")
    ok, reason = srv.available()
    assert ok is False
    assert "--make-clips" in reason
    with pytest.raises(streams.StreamServerError, match="make-clips"):
        srv.start()
    assert srv.running is False


def test_without_libvlc_available_says_why(
    clips_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "vlc", None)
    ok, reason = streams.StreamServer(clips_dir).available()
    assert ok is False
    assert "libvlc5" in reason


def test_stop_releases_every_port_and_can_start_again(clips_dir: Path) -> None:
    srv = streams.StreamServer(clips_dir, camera_ids=("cam07", "cam08"))
    srv.start()
    rtsp, http = srv.rtsp_port, srv.http_port
    assert not _port_free("127.0.0.1", rtsp)
    assert not _port_free("127.0.0.1", http)
    srv.stop()
    srv.stop()  # twice is harmless
    assert srv.running is False
    assert _port_free("127.0.0.1", rtsp), "RTSP port still held after stop()"
    assert _port_free("127.0.0.1", http), "HTTP port still held after stop()"
    again = streams.StreamServer(clips_dir, camera_ids=("cam07",), rtsp_port=rtsp, http_port=http)
    with again:
        assert "error" not in _probe(again.streams_for("cam07").sub_http or "")


def test_an_explicit_port_already_taken_is_a_clear_error(clips_dir: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        srv = streams.StreamServer(
            clips_dir, camera_ids=("cam09",), rtsp_port=port, ready_timeout=1.5
        )
        with pytest.raises(streams.StreamServerError, match=f"{port}.*in uso"):
            srv.start()
        assert srv.running is False


@pytest.mark.qt_log_ignore("pipewire")  # QtMultimedia probes for PipeWire audio; none here
def test_qtmultimedia_decodes_the_rtsp_sub_stream(
    server: streams.StreamServer, qtbot: QtBot
) -> None:
    """The console's RTSP player path (QMediaPlayer -> QVideoSink, offscreen) gets a real frame."""
    from PySide6.QtCore import QUrl
    from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink

    player, sink = QMediaPlayer(), QVideoSink()
    player.setVideoSink(sink)
    got: list[tuple[float, int, int]] = []
    errors: list[str] = []
    started = time.monotonic()

    def on_frame(frame: QVideoFrame) -> None:
        if frame.isValid() and not got:
            got.append((time.monotonic() - started, frame.width(), frame.height()))

    def on_error(_error: QMediaPlayer.Error, message: str) -> None:
        errors.append(message)

    sink.videoFrameChanged.connect(on_frame)
    player.errorOccurred.connect(on_error)
    player.setSource(QUrl(server.streams_for("cam04").sub_rtsp))
    player.play()
    try:
        qtbot.waitUntil(lambda: bool(got or errors), timeout=15_000)
    finally:
        player.stop()
        player.setSource(QUrl())
    assert not errors, errors
    seconds, width, height = got[0]
    assert (width, height) == clips.SUB_SIZE
    log.info("QtMultimedia first frame on RTSP sub: %.2f s", seconds)


def test_make_clips_keeps_valid_clips_and_remakes_a_truncated_one(
    clips_dir: Path, tmp_path: Path
) -> None:
    for name in ("cam01.mp4", "cam01_sub.mp4"):
        (tmp_path / name).write_bytes((clips_dir / name).read_bytes())
    first = clips.make_clips(tmp_path, camera_ids=("cam01",))
    assert (first.made, first.skipped) == ((), ("cam01",))
    sub = tmp_path / "cam01_sub.mp4"
    sub.write_bytes(sub.read_bytes()[: sub.stat().st_size // 2])  # an interrupted copy
    second = clips.make_clips(tmp_path, camera_ids=("cam01",))
    assert (second.made, second.skipped, dict(second.failed)) == (("cam01",), (), {})
    assert clips.clip_valid(sub, clips.SUB_SIZE)
    assert not list(tmp_path.glob("*.partial*")), "no partial files left behind"


def test_every_reason_has_an_english_translation() -> None:
    """Reasons reach operators (camera tiles, health): none may fall back to Italian in English."""
    import ast
    import json

    from console.paths import RESOURCES

    catalogue = json.loads((RESOURCES / "i18n" / "en" / "streams.json").read_text("utf-8"))
    tree = ast.parse(Path(streams.__file__).read_text("utf-8"))
    used = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "tr"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert used, "no tr() strings found: the check itself is broken"
    assert used <= set(catalogue), [str(s) for s in used - set(catalogue)]


def test_command_line_makes_clips_and_serves_until_terminated(clips_dir: Path) -> None:
    """What installer/setup.sh and a drill run: --make-clips (idempotent) and --serve."""
    import os
    import signal
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(streams.__file__).resolve().parents[2])}
    made = subprocess.run(
        [sys.executable, "-m", "console.training.streams", "--make-clips", "--dir", str(clips_dir)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "0 made, 16 already valid, 0 failed" in made.stderr
    with socket.socket() as a, socket.socket() as b:
        a.bind(("127.0.0.1", 0))
        b.bind(("127.0.0.1", 0))
        rtsp, http = a.getsockname()[1], b.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "console.training.streams", "--serve", "--dir", str(clips_dir),
         "--rtsp-port", str(rtsp), "--http-port", str(http)],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    watchdog = threading.Timer(30, proc.kill)  # reading stderr below must not hang the suite
    watchdog.start()
    try:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # ends when the process does: no hang if it dies
            lines.append(line)
            if "serving; Ctrl-C to stop" in line:
                break
        assert any(f"rtsp://127.0.0.1:{rtsp}/cam16_sub" in line for line in lines), lines
        result = _probe(f"http://127.0.0.1:{http}/cam16_sub.ts")
        assert "error" not in result, result
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert _port_free("127.0.0.1", rtsp)
    assert _port_free("127.0.0.1", http)
