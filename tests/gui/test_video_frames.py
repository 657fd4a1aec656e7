"""Frames converted and scaled in one swscale pass show the same colours as Qt's own conversion,
at the tile's size; formats swscale is not given still reach the screen through Qt."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QWheelEvent
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoFrameFormat
from PySide6.QtWidgets import QApplication

from console.api import contract
from console.cameras.tile_state import TileState
from widgets.video import frames
from widgets.video.backend import BackendChoice
from widgets.video.tile import VideoTile, band_height

# Qt's own conversion (the reference here, and the fallback) says so once, without a GPU.
pytestmark = pytest.mark.qt_log_ignore("No RHI backend")

PF = QVideoFrameFormat.PixelFormat
RED_YUV = (81, 90, 240)  # BT.601, limited range: pure red
BLUE_YUV = (41, 240, 110)


@pytest.fixture(autouse=True)
def ffmpeg_plugin(qapp: Any) -> Iterator[None]:
    """swscale loads once QtMultimedia's FFmpeg plugin is in, as it is when a stream plays."""
    player = QMediaPlayer()
    yield
    player.deleteLater()


def yuv_frame(fmt: QVideoFrameFormat.PixelFormat, yuv: tuple[int, int, int]) -> QVideoFrame:
    frame = QVideoFrame(QVideoFrameFormat(QSize(64, 36), fmt))
    assert frame.map(QVideoFrame.MapMode.WriteOnly)
    y, u, v = yuv
    luma = memoryview(frame.bits(0))
    luma[:] = bytes([y]) * len(luma)
    if fmt == PF.Format_NV12:
        chroma = memoryview(frame.bits(1))
        chroma[:] = bytes([u, v]) * (len(chroma) // 2)
    else:
        for plane, value in ((1, u), (2, v)):
            data = memoryview(frame.bits(plane))
            data[:] = bytes([value]) * len(data)
    frame.unmap()
    return frame


def close(a: QColor, b: QColor, tolerance: int = 10) -> bool:
    pairs = ((a.red(), b.red()), (a.green(), b.green()), (a.blue(), b.blue()))
    return all(abs(x - y) <= tolerance for x, y in pairs)


@pytest.mark.parametrize("fmt", [PF.Format_YUV420P, PF.Format_NV12])
@pytest.mark.parametrize("yuv", [RED_YUV, BLUE_YUV])
def test_one_pass_matches_qts_own_colours(fmt: Any, yuv: tuple[int, int, int]) -> None:
    assert frames.available()
    frame = yuv_frame(fmt, yuv)
    image = frames.FrameScaler(smooth=False).scale(frame, 33, 18)
    assert image is not None
    assert (image.width(), image.height()) == (32, 18)  # odd widths are made even
    reference = frame.toImage().pixelColor(32, 18)
    assert close(image.pixelColor(16, 9), reference), (image.pixelColor(16, 9), reference)
    expected = QColor("#ff0000") if yuv == RED_YUV else QColor("#0000ff")
    assert close(image.pixelColor(0, 0), expected, 25)


def test_scaler_reuses_its_picture_for_the_same_size() -> None:
    scaler = frames.FrameScaler()
    first = scaler.scale(yuv_frame(PF.Format_YUV420P, RED_YUV), 40, 22)
    second = scaler.scale(yuv_frame(PF.Format_YUV420P, BLUE_YUV), 40, 22)
    assert first is not None
    assert second is not None
    assert second.cacheKey() == first.cacheKey()  # no new buffer per frame
    assert close(second.pixelColor(5, 5), QColor("#0000ff"), 25)


def test_scaler_follows_a_stream_that_changes_format_mid_play() -> None:
    """The scaler checks the frame's whole format once per frame: a camera that switches to
    another pixel layout or size (encoder reconfigured) is converted right, not read with the
    old layout."""
    scaler = frames.FrameScaler(smooth=False)
    red = scaler.scale(yuv_frame(PF.Format_YUV420P, RED_YUV), 40, 22)
    assert red is not None
    assert close(red.pixelColor(5, 5), QColor("#ff0000"), 25)
    blue = scaler.scale(yuv_frame(PF.Format_NV12, BLUE_YUV), 40, 22)
    assert blue is not None
    assert close(blue.pixelColor(5, 5), QColor("#0000ff"), 25)
    bigger = QVideoFrame(QVideoFrameFormat(QSize(128, 72), PF.Format_YUV420P))
    assert bigger.map(QVideoFrame.MapMode.WriteOnly)
    for plane, value in enumerate(RED_YUV):
        data = memoryview(bigger.bits(plane))
        data[:] = bytes([value]) * len(data)
    bigger.unmap()
    again = scaler.scale(bigger, 40, 22)
    assert again is not None
    assert close(again.pixelColor(39, 21), QColor("#ff0000"), 25)


def test_unknown_format_falls_back_to_qt_painting(qtbot: Any) -> None:
    grey = QVideoFrame(QVideoFrameFormat(QSize(64, 36), PF.Format_Y8))
    assert grey.map(QVideoFrame.MapMode.WriteOnly)
    data = memoryview(grey.bits(0))
    data[:] = bytes([200]) * len(data)
    grey.unmap()
    assert frames.FrameScaler().scale(grey, 32, 18) is None
    tile = VideoTile(0, BackendChoice("qt", "test", True))
    qtbot.add_widget(tile)
    tile.resize(320, 180)
    shown = tile_with(tile, grey)
    assert close(shown.pixelColor(160, 120), QColor(200, 200, 200), 12)


def test_tile_paints_the_scaled_frame_letterboxed(qtbot: Any) -> None:
    tile = VideoTile(0, BackendChoice("qt", "test", True))
    qtbot.add_widget(tile)
    tile.resize(400, 300)  # 4:3 tile, 16:9 picture: black bars above and below
    shown = tile_with(tile, yuv_frame(PF.Format_YUV420P, RED_YUV))
    assert close(shown.pixelColor(200, 150), QColor("#ff0000"), 25)
    assert shown.pixelColor(200, 32) == QColor("#000000")  # below the name band
    assert shown.pixelColor(200, 290) == QColor("#000000")
    assert tile.frames_painted == 1


def test_name_band_sits_above_the_picture_not_on_it(qtbot: Any) -> None:
    """Cameras burn their name and time stamp into the picture's top rows: the band with our
    name and clock must not cover them. A red picture with a blue top stripe (its first 6 of
    36 rows): the stripe shows right below the band."""
    frame = yuv_frame(PF.Format_YUV420P, RED_YUV)
    assert frame.map(QVideoFrame.MapMode.ReadWrite)
    for plane, value, rows in ((0, BLUE_YUV[0], 6), (1, BLUE_YUV[1], 3), (2, BLUE_YUV[2], 3)):
        data = memoryview(frame.bits(plane))
        stride = frame.bytesPerLine(plane)
        data[: stride * rows] = bytes([value]) * (stride * rows)
    frame.unmap()
    tile = VideoTile(0, BackendChoice("qt", "test", True))
    qtbot.add_widget(tile)
    tile.resize(480, 270)  # 16:9 tile, 16:9 picture
    shown = tile_with(tile, frame)
    band = band_height()
    assert band >= 12
    blue = [y for y in range(band, 270) if close(shown.pixelColor(240, y), QColor("#0000ff"), 40)]
    assert len(blue) >= 0.8 * 6 / 36 * (270 - band), (band, blue)  # the whole stripe shows
    assert close(shown.pixelColor(240, 200), QColor("#ff0000"), 25)
    assert close(shown.pixelColor(240, 268), QColor("#ff0000"), 25)  # down to the bottom


def tile_with(tile: VideoTile, frame: QVideoFrame) -> QImage:
    cam = contract.Camera(
        id="c1", name="Duomo", lon=9.19, lat=45.46, heading=0,
        streams=contract.CameraStreams(main_rtsp="rtsp://h/a", sub_rtsp="rtsp://h/b"),
    )  # fmt: skip
    tile.set_camera(cam, start=False)
    tile.machine.state = TileState.PLAYING
    tile._frame = frame
    return tile.grab().toImage()


def test_tile_shows_each_new_frame_not_the_first_one(qtbot: Any) -> None:
    """The tile paints from the scaler's own memory: a copy anywhere would freeze the picture."""
    tile = VideoTile(0, BackendChoice("qt", "test", True))
    qtbot.add_widget(tile)
    tile.resize(320, 180)
    first = tile_with(tile, yuv_frame(PF.Format_YUV420P, RED_YUV))
    tile._frame = yuv_frame(PF.Format_YUV420P, BLUE_YUV)
    second = tile.grab().toImage()
    assert close(first.pixelColor(160, 120), QColor("#ff0000"), 25)
    assert close(second.pixelColor(160, 120), QColor("#0000ff"), 25)
    assert tile.frames_painted == 2


def halves_frame() -> QVideoFrame:
    """A 64x36 YUV420P picture: left half red, right half blue."""
    frame = QVideoFrame(QVideoFrameFormat(QSize(64, 36), PF.Format_YUV420P))
    assert frame.map(QVideoFrame.MapMode.WriteOnly)
    for plane in range(3):
        data = memoryview(frame.bits(plane))
        stride = frame.bytesPerLine(plane)
        half = stride // 2
        rows = len(data) // stride
        for row in range(rows):
            left = RED_YUV[plane]
            right = BLUE_YUV[plane]
            data[row * stride : row * stride + half] = bytes([left]) * half
            data[row * stride + half : (row + 1) * stride] = bytes([right]) * (stride - half)
    frame.unmap()
    return frame


def wheel(tile: VideoTile, x: float, y: float, notches: int) -> None:
    pos = QPointF(x, y)
    event = QWheelEvent(
        pos, QPointF(tile.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(tile, event)


def test_digital_zoom_shows_the_part_under_the_cursor_and_key_0_the_whole(qtbot: Any) -> None:
    tile = VideoTile(0, BackendChoice("qt", "test", True))
    qtbot.add_widget(tile)
    tile.resize(480, 300)
    whole = tile_with(tile, halves_frame())
    target = tile._picture_rect()
    left_x = int(target.x() + target.width() * 0.2)
    mid_y = int(target.y() + target.height() * 0.6)
    assert close(whole.pixelColor(left_x, mid_y), QColor("#ff0000"), 30)
    wheel(tile, target.x() + target.width() * 0.95, mid_y, 6)  # zoom in at the right edge
    assert tile.view.zoom > 3
    zoomed = tile.grab().toImage()
    assert close(zoomed.pixelColor(left_x, mid_y), QColor("#0000ff"), 30)  # all blue now
    tile.keyPressEvent(
        QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_0, Qt.KeyboardModifier.NoModifier)
    )
    assert tile.view.whole
    back = tile.grab().toImage()
    assert close(back.pixelColor(left_x, mid_y), QColor("#ff0000"), 30)


def test_privacy_masks_follow_the_zoomed_picture(qtbot: Any) -> None:
    """A mask over the right half still hides it when the operator zooms into it."""
    tile = VideoTile(0, BackendChoice("qt", "test", True))
    qtbot.add_widget(tile)
    tile.resize(480, 300)
    cam = contract.Camera(
        id="c1", name="Duomo", lon=9.19, lat=45.46, heading=0,
        streams=contract.CameraStreams(main_rtsp="rtsp://h/a", sub_rtsp="rtsp://h/b"),
        privacy_masks=[[(0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0)]],
    )  # fmt: skip
    tile.set_camera(cam, start=False)
    tile.machine.state = TileState.PLAYING
    tile._frame = halves_frame()
    target = tile._picture_rect()
    wheel(tile, target.x() + target.width() * 0.95, target.center().y(), 6)
    assert tile.view.zoom > 3
    shown = tile.grab().toImage()
    # The whole zoomed view lies inside the masked half: black even at the tile's left side,
    # where a mask drawn in tile coordinates would have left the (blue) picture bare.
    probe = shown.pixelColor(int(target.x() + target.width() * 0.2), int(target.center().y()))
    assert probe == QColor("#000000"), probe


def test_zoom_on_a_libvlc_picture_draws_the_viewed_part(qtbot: Any) -> None:
    tile = VideoTile(0, BackendChoice("vlc", "test", False))
    qtbot.add_widget(tile)
    tile.resize(480, 300)
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(QColor("#ff0000"))
    painter = QPainter(image)
    painter.fillRect(32, 0, 32, 36, QColor("#0000ff"))
    painter.end()
    tile_with(tile, image)  # type: ignore[arg-type]
    target = tile._picture_rect()
    wheel(tile, target.x() + target.width() * 0.95, target.center().y(), 6)
    shown = tile.grab().toImage()
    probe = shown.pixelColor(int(target.x() + target.width() * 0.2), int(target.center().y()))
    assert close(probe, QColor("#0000ff"), 30)
