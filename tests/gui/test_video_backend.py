"""Backend choice by capability, stream selection, and what a tile shows while it struggles."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from console.api import contract
from console.cameras.tile_state import Policy, TileState
from tests.gui.test_video_wall import CHOICE, FakeBackend, camera, fake_factory
from widgets.video import backend as backend_mod
from widgets.video.backend import BackendChoice, choose_backend, stream_url
from widgets.video.tile import VideoTile


def cam(http: bool = True) -> contract.Camera:
    return contract.Camera(
        id="c", name="C", lon=0, lat=0, heading=0,
        streams=contract.CameraStreams(
            main_rtsp="rtsp://h/c", sub_rtsp="rtsp://h/c_sub",
            main_http="http://h/c.ts" if http else None,
            sub_http="http://h/c_sub.ts" if http else None,
        ),
    )  # fmt: skip


def test_stream_choice_follows_size_and_capability() -> None:
    assert stream_url(cam(), large=False, can_play_rtsp=True) == "rtsp://h/c_sub"
    assert stream_url(cam(), large=True, can_play_rtsp=True) == "rtsp://h/c"
    assert stream_url(cam(), large=False, can_play_rtsp=False) == "http://h/c_sub.ts"
    assert stream_url(cam(), large=True, can_play_rtsp=False) == "http://h/c.ts"
    assert stream_url(cam(http=False), large=False, can_play_rtsp=False) is None


@pytest.mark.parametrize(
    ("probe", "setting", "backend", "rtsp"),
    [
        (("3.0.24", False), "auto", "qt", True),  # Debian: no live555
        (("3.0.21", True), "auto", "vlc", True),  # official builds
        (("", False), "auto", "qt", True),  # no libVLC at all
        (("3.0.24", False), "vlc", "vlc", False),  # forced: HTTP streams only
        (("", False), "vlc", "qt", True),  # forced but missing: fall back, say why
        (("3.0.21", True), "qt", "qt", True),
    ],
)
def test_choice_by_capability(
    monkeypatch: pytest.MonkeyPatch, probe: tuple[str, bool], setting: str, backend: str,
    rtsp: bool,
) -> None:  # fmt: skip
    monkeypatch.setattr(backend_mod, "probe_vlc", lambda: probe)
    choice = choose_backend(setting)
    assert (choice.backend, choice.can_play_rtsp) == (backend, rtsp)
    assert choice.reason
    described = backend_mod.describe_video_backend(setting)
    assert set(described) >= {"backend", "reason", "can_play_rtsp"}


def test_this_machine_is_described_honestly() -> None:
    version, has_rtsp = backend_mod.probe_vlc()
    choice = choose_backend("auto")
    assert choice.backend == ("vlc" if version and has_rtsp else "qt")


def test_a_tile_without_a_suitable_stream_says_so(qtbot: Any) -> None:
    tile = VideoTile(0, BackendChoice("vlc", "", False), factory=fake_factory)
    qtbot.add_widget(tile)
    tile.set_camera(cam(http=False))
    assert tile.machine.state is TileState.RECONNECTING
    assert tile.machine.reason == "nessun flusso adatto a questo lettore"


def test_reconnecting_tile_keeps_last_frame_dimmed_and_click_retries_when_failed(
    qtbot: Any,
) -> None:
    policy = Policy(start_timeout_s=1, backoff_base_s=0.2, backoff_max_s=0.2, jitter=0,
                    max_failures=2)  # fmt: skip
    tile = VideoTile(0, CHOICE, policy, factory=fake_factory)
    qtbot.add_widget(tile)
    tile.resize(320, 180)
    tile.show()
    tile.set_camera(contract.Camera.model_validate(camera("c1")))
    qtbot.wait_until(lambda: tile.machine.state is TileState.PLAYING, timeout=3000)
    bright = tile.grab().toImage().pixelColor(160, 120)
    backend = tile.backend()
    assert isinstance(backend, FakeBackend)
    backend.failed.emit("il flusso si è interrotto")
    assert state_of(tile) is TileState.RECONNECTING
    dim = tile.grab().toImage().pixelColor(160, 120)
    assert dim != QColor("#000000")  # the picture is still there...
    assert dim.value() < bright.value() * 0.6  # ...but clearly dimmed
    backend.fail_opens = True  # the camera stays down: every retry fails
    qtbot.wait_until(lambda: tile.machine.state is TileState.FAILED, timeout=5000)
    assert state_of(tile) is TileState.FAILED
    assert tile.status_text() == "Telecamera non raggiungibile: riprova"
    backend.fail_opens = False  # back on the air
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: tile.machine.state is TileState.PLAYING, timeout=3000)
    tile.release()


def test_keyboard_maximise_and_info(qtbot: Any) -> None:
    tile = VideoTile(3, CHOICE, factory=fake_factory)
    qtbot.add_widget(tile)
    with qtbot.wait_signal(tile.maximise_requested, timeout=1000) as blocker:
        qtbot.keyClick(tile, Qt.Key.Key_F)
    assert blocker.args == [3]
    qtbot.keyClick(tile, Qt.Key.Key_I)
    assert tile.show_info


def state_of(tile: VideoTile) -> TileState:
    """Read afresh (a plain attribute read would be narrowed by the type checker)."""
    return tile.machine.state
