"""One video tile: a camera, a player, the tile state machine and what the operator sees.

The tile keeps the last good frame: dimmed while the stream reconnects, and at full brightness
while it switches between the sub and main stream of the same camera (no black flash). Privacy
masks are painted over every picture, including snapshots.

Signals:
    activated(int)                 clicked: the wall selects this tile
    maximise_requested(int)        double-click / Enter / F
    camera_dropped(int, str)       a camera id dropped on this tile
    state_changed(int, str)        the machine changed state (TileState value)
    menu_requested(int, QPoint)    right click: the wall shows the tile menu at this global point
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtMultimedia import QVideoFrame
from PySide6.QtWidgets import QWidget

from console.api import contract
from console.cameras import zoom
from console.cameras.tile_state import Command, Policy, TileMachine, TileState
from console.i18n import tr
from widgets.common import theme
from widgets.video.backend import (
    BackendChoice,
    BackendFactory,
    VideoBackend,
    create_backend,
    stream_url,
)
from widgets.video.frames import FrameScaler
from widgets.video.overlays import band_height, paint_overlays

log = logging.getLogger(__name__)

CAMERA_MIME = "application/x-centrale-camera"
_BLACK = QColor("#000000")
TICK_MS = 250


def camera_mime(camera_id: str) -> QMimeData:
    data = QMimeData()
    data.setData(CAMERA_MIME, camera_id.encode())
    data.setText(camera_id)
    return data


# States in which a tile waits for a stream the server may not be serving yet.
_WAITING = (TileState.CONNECTING, TileState.RECONNECTING, TileState.FAILED)


class VideoTile(QWidget):
    activated = Signal(int)
    maximise_requested = Signal(int)
    camera_dropped = Signal(int, str)
    state_changed = Signal(int, str)
    menu_requested = Signal(int, QPoint)

    def __init__(
        self,
        index: int,
        choice: BackendChoice,
        policy: Policy | None = None,
        parent: QWidget | None = None,
        factory: BackendFactory = create_backend,
    ) -> None:
        super().__init__(parent)
        self.index = index
        self.choice = choice
        self._factory = factory
        self.machine = TileMachine(policy)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(160, 90)
        self._camera: contract.Camera | None = None
        self._backend: VideoBackend | None = None
        self._frame: QImage | QVideoFrame | None = None
        self._scaler: FrameScaler | None = None  # created on the first QVideoFrame painted
        self._scaled: QImage | None = None
        self._scaled_from: QVideoFrame | None = None
        self._large = False
        self._wanted = False  # a camera is assigned and the tile should decode when visible
        self._suspended = False  # hidden: decoder released, resumes when visible again
        self._url = ""
        self.selected = False
        self.show_info = False
        self.alarm_text = ""  # an alarm is showing here (red frame and banner)
        self.alarm_target = False  # alarm pop-ups come to this tile (badge)
        self.tour_text = ""  # a tour runs here (badge)
        self.server_note = ""  # server_video.py: why the server's streams cannot play yet
        self.server_note_calm = False  # ... and whether that is only "not ready yet"
        self.view = zoom.WHOLE  # digital zoom: the part of the picture shown
        self.queued = False  # waiting for its turn in the wall's staggered start
        self._scaled_view = zoom.WHOLE
        self._drag_from: QPointF | None = None
        self.band_cache: tuple[object, QImage] | None = None  # overlays.py: name/clock band
        self._geometry: tuple[object, QRectF] | None = None  # _picture_rect, per tile/frame size
        self._bars_cache: tuple[object, list[QRect]] | None = None
        self.frames_painted = 0  # distinct frames that reached the screen
        self._last_painted: object = None
        self.frames_seen = 0
        self.first_frame_at: float | None = None
        self._opened_at = 0.0
        self._status = ""
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    # --- public API -------------------------------------------------------------------------

    def camera(self) -> contract.Camera | None:
        return self._camera

    def set_camera(self, camera: contract.Camera | None, start: bool = True) -> None:
        """Show `camera` (None empties the tile); a different camera never shows the old image."""
        same = camera is not None and self._camera is not None and camera.id == self._camera.id
        if not same:
            self._frame = None
            self.view = zoom.WHOLE
        self._camera = camera
        self._wanted = camera is not None
        if camera is None:
            self._run(self.machine.stop())
        elif start and (not same or self.machine.state in (TileState.IDLE, TileState.FAILED)):
            self.play()
        self.update()

    def update_camera(self, camera: contract.Camera) -> None:
        """Fields changed (masks, heading, name); the stream restarts only if its URL changed."""
        self._camera = camera
        if (
            self._wanted
            and self._pick_url() != self._url
            and self.machine.state is not TileState.IDLE
        ):
            self.play()
        self.update()

    def set_large(self, large: bool) -> None:
        """Large tiles take the main stream; switching keeps the old picture until the new one."""
        if large == self._large:
            return
        self._large = large
        if (
            self._wanted
            and self.machine.state is not TileState.IDLE
            and self._pick_url() != self._url
        ):
            self.play()

    def play(self) -> None:
        self.set_queued(False)
        if self._camera is None:
            return
        self._suspended = False
        self._run(self.machine.play())

    def set_queued(self, queued: bool) -> None:
        """Waiting for its turn in the wall's staggered start (it says so, not a black tile)."""
        if queued != self.queued:
            self.queued = queued
            self.update()

    def retry(self) -> None:
        self._run(self.machine.retry())

    def stop(self) -> None:
        self.set_queued(False)
        self._run(self.machine.stop())

    def suspend(self) -> None:
        """Hidden: release the decoder but remember to resume."""
        if self._wanted and not self._suspended:
            self._suspended = True
            self._run(self.machine.stop())

    def resume(self) -> None:
        if self._wanted and self._suspended:
            self.play()

    @property
    def suspended(self) -> bool:
        return self._suspended

    def release(self) -> None:
        self._wanted = False
        self._run(self.machine.stop())
        if self._backend is not None:
            self._backend.release()
            self._backend = None

    def current_url(self) -> str:
        return self._url

    def wanted_url(self) -> str | None:
        """The stream this tile opens for its camera at its present size (sub or main)."""
        return self._pick_url()

    def adopt(
        self, backend: VideoBackend, url: str, frame: QImage | QVideoFrame | None
    ) -> VideoBackend | None:
        """Take over a player already opened on this tile's stream (a tour's standby player,
        opened before the page turn).

        With its last `frame` the picture is there at once and the machine goes straight to
        playing; without one (still connecting) the tile connects on that player, which is
        already past part of the RTSP set-up. Stalls and failures are then handled as for any
        player. The caller makes the tile the player's parent. Returns the tile's previous
        player, stopped and no longer linked to the tile, for the caller to release.
        """
        if self._camera is None or url != self._pick_url():
            raise ValueError("a tile adopts only the stream it would open itself")
        self._run(self.machine.stop())  # closes the previous stream, if any
        old = self._backend
        if old is not None:
            old.frame_ready.disconnect(self._on_frame)
            old.failed.disconnect(self._on_failed)
        self._backend = backend
        self._link(backend)
        hint = getattr(backend, "set_size_hint", None)
        if callable(hint):
            dpr = self.devicePixelRatioF()
            hint(int(self.width() * dpr), int(self.height() * dpr))
        self._url = url
        self._wanted = True
        self._suspended = False
        self._frame = frame
        self._opened_at = time.monotonic()
        self.first_frame_at = None
        if frame is not None:
            self.frames_seen += 1
            self.first_frame_at = 0.0  # shown at the turn itself
        self._run(self.machine.adopt(has_frame=frame is not None))
        if not self._timer.isActive():
            self._timer.start()
        self.update()
        return old

    def backend(self) -> VideoBackend | None:
        return self._backend

    def has_picture(self) -> bool:
        return self._frame is not None

    def status_text(self) -> str:
        text = self.machine.status_text()
        if self._wanted and self._camera is not None and not text and self._frame is None:
            text = tr("Connessione…") if self.machine.state is not TileState.IDLE else ""
        if self.server_note and self.machine.state in _WAITING:
            return self.server_note  # the server says why no camera can play yet
        if not text and self.queued and self._camera is not None:
            text = tr("In avvio…")
        return text

    def picture(self) -> QImage | None:
        """The last frame as an image, privacy masks applied; None before the first frame."""
        if self._frame is None:
            return None
        image = self._frame.toImage() if isinstance(self._frame, QVideoFrame) else self._frame
        # A deep copy: libVLC's frames show the player's own buffers, which it writes again.
        image = image.convertToFormat(QImage.Format.Format_RGB32).copy()
        aspect = getattr(self._backend, "display_aspect", None)
        ratio = aspect() if callable(aspect) else None
        if ratio and abs(image.width() / max(1, image.height()) - ratio) > 0.005:
            image = image.scaled(
                image.width(), round(image.width() / ratio),
                Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation,
            )  # fmt: skip
        if self._camera is not None and self._camera.privacy_masks:
            painter = QPainter(image)
            self._paint_masks(painter, QRectF(image.rect()))
            painter.end()
        return image

    # --- player plumbing --------------------------------------------------------------------

    def _pick_url(self) -> str | None:
        if self._camera is None:
            return None
        return self.url_for(self._camera)

    def url_for(self, camera: contract.Camera) -> str | None:
        """The stream this tile would open for `camera` at its present size (sub or main)."""
        return stream_url(camera, self._large, self.choice.can_play_rtsp)

    def _ensure_backend(self) -> VideoBackend:
        if self._backend is None:
            backend = self._factory(self.choice, self)
            self._link(backend)
            self._backend = backend
        return self._backend

    def _link(self, backend: VideoBackend) -> None:
        backend.frame_ready.connect(self._on_frame)
        backend.failed.connect(self._on_failed)

    def _run(self, commands: list[Command]) -> None:
        for command in commands:
            if command is Command.OPEN:
                url = self._pick_url()
                if url is None:
                    self._run(self.machine.error(tr("nessun flusso adatto a questo lettore")))
                    continue
                self._url = url
                self._opened_at = time.monotonic()
                self.first_frame_at = None
                backend = self._ensure_backend()
                hint = getattr(backend, "set_size_hint", None)
                if callable(hint):
                    dpr = self.devicePixelRatioF()
                    hint(int(self.width() * dpr), int(self.height() * dpr))
                backend.open(url)
                if not self._timer.isActive():
                    self._timer.start()
            elif self._backend is not None:
                self._backend.stop()
        if self.machine.state is TileState.IDLE:
            self._timer.stop()
        self._refresh_status()

    def _on_frame(self, frame: object) -> None:
        """Runs 25 times a second per tile: the steady state (playing) does the least."""
        state = self.machine.state
        if state is TileState.PLAYING and isinstance(frame, (QVideoFrame, QImage)):
            self._frame = frame
            self.frames_seen += 1
            self.machine.frame()
            self.update()  # converted at paint time: frames Qt coalesces are never converted
            return
        if not isinstance(frame, (QImage, QVideoFrame)) or state is TileState.IDLE:
            return
        self._frame = frame
        self.frames_seen += 1
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic() - self._opened_at
        self._run(self.machine.frame())
        self.update()

    def _on_failed(self, reason: str) -> None:
        self._run(self.machine.error(reason))

    def _tick(self) -> None:
        self._run(self.machine.tick())
        if self.show_info:
            self.update()

    def _refresh_status(self) -> None:
        status = self.machine.state.value + "|" + self.status_text()
        if status != self._status:
            old_state = self._status.split("|", 1)[0]
            self._status = status
            if old_state != self.machine.state.value:
                self.state_changed.emit(self.index, self.machine.state.value)
            self.update()

    # --- painting ---------------------------------------------------------------------------

    def _picture_rect(self) -> QRectF:
        """Where the picture goes: the frame's aspect fitted and centred below the name band.

        The band (camera name, clock) sits above the picture, not on it: cameras burn their
        own name and time into the top of the picture, and that time stamp is what an
        operator quotes in a report, so nothing of ours may cover it.
        Worked out again only when the tile or the stream changes size, not for every frame.
        """
        frame = self._frame
        if frame is None:
            return QRectF(self.rect())
        size = frame.size()
        aspect = getattr(self._backend, "display_aspect", None)
        ratio = aspect() if callable(aspect) else None
        band = band_height() if self._camera is not None else 0
        key = (self.width(), self.height(), size.width(), size.height(), ratio, band)
        if self._geometry is not None and self._geometry[0] == key:
            return self._geometry[1]
        w, h = max(1, size.width()), max(1, size.height())
        if ratio:  # the decoder's buffer may be padded: use the camera's own aspect
            h = max(1, round(w / ratio))
        room = max(1, self.height() - band)
        scale = min(self.width() / w, room / h)
        pw, ph = w * scale, h * scale
        target = QRectF((self.width() - pw) / 2, band + (room - ph) / 2, pw, ph)
        self._geometry = (key, target)
        return target

    def _bars(self, picture: QRect) -> list[QRect]:
        """The black bars around a picture that does not fill the tile (none for most)."""
        key = (self.width(), self.height(), picture.x(), picture.y(), picture.width(),
               picture.height())  # fmt: skip
        if self._bars_cache is not None and self._bars_cache[0] == key:
            return self._bars_cache[1]
        w, h = self.width(), self.height()
        top, bottom = picture.top(), picture.bottom() + 1
        bars = [
            bar
            for bar in (
                QRect(0, 0, w, top),
                QRect(0, bottom, w, h - bottom),
                QRect(0, top, picture.left(), picture.height()),
                QRect(picture.right() + 1, top, w - picture.right() - 1, picture.height()),
            )
            if bar.isValid()
        ]
        self._bars_cache = (key, bars)
        return bars

    def _tile_image(self, frame: QVideoFrame, target: QRectF) -> QImage | None:
        """The frame converted and scaled to the tile in one pass, once per frame.

        Repaints that bring no new frame (overlay clock, selection) reuse the last result.
        """
        dpr = self.devicePixelRatioF()
        rect = target.toRect()
        width, height = round(rect.width() * dpr), round(rect.height() * dpr)
        cached = self._scaled
        view = self.view
        if (
            self._scaled_from is frame
            and cached is not None
            and self._scaled_view == view
            and (cached.width(), cached.height()) == (width, height)
        ):
            return cached
        if self._scaler is None:
            self._scaler = FrameScaler()
        self._scaler.smooth = self._large or not view.whole
        # No setDevicePixelRatio() on it: that detaches (copies) an image that shows the
        # scaler's own memory, which would then stop following new frames. paintEvent maps
        # device pixels to the logical rectangle instead.
        crop = None if view.whole else zoom.crop(view, frame.width(), frame.height())
        image = self._scaler.scale(frame, width, height, crop)
        self._scaled, self._scaled_from, self._scaled_view = image, frame, view
        return image

    def _paint_masks(self, painter: QPainter, target: QRectF) -> None:
        """Privacy masks over the picture; with a digital zoom they follow the picture."""
        if self._camera is None or not self._camera.privacy_masks:
            return
        painter.save()
        painter.setClipRect(target)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#000000"))
        view = self.view
        for polygon in self._camera.privacy_masks:
            points = []
            for x, y in polygon:
                u, v = view.to_view(x, y)
                points.append(
                    QPointF(target.x() + u * target.width(), target.y() + v * target.height())
                )
            if len(points) >= 3:
                painter.drawPolygon(QPolygonF(points))
        painter.restore()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        target = self._picture_rect()
        frame = self._frame
        image = self._tile_image(frame, target) if isinstance(frame, QVideoFrame) else None
        if (
            isinstance(frame, QImage)
            and self.view.whole
            and _fits(frame, target, self.devicePixelRatioF())
        ):
            image = frame  # libVLC already scaled it to the tile: blit, do not resample
        if image is not None:
            # Black only around the picture; whole pixels: a fractional offset resamples.
            at = target.toRect().topLeft()
            dpr = self.devicePixelRatioF()
            size = QSize(round(image.width() / dpr), round(image.height() / dpr))
            picture = QRect(at, size)
            for bar in self._bars(picture):
                painter.fillRect(bar, _BLACK)
            if dpr == 1.0:
                painter.drawImage(at, image)
            else:  # device pixels 1:1 on a high-DPI screen
                painter.drawImage(QRectF(picture), image)
        else:
            painter.fillRect(self.rect(), _BLACK)
            if isinstance(frame, QVideoFrame):  # a pixel format frames.py does not know
                options = QVideoFrame.PaintOptions()
                options.aspectRatioMode = Qt.AspectRatioMode.IgnoreAspectRatio
                frame.paint(painter, target, options)
            elif isinstance(frame, QImage):
                view = self.view
                smooth = self._large or not view.whole
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
                w, h = frame.width(), frame.height()
                part = QRectF(view.x * w, view.y * h, view.size * w, view.size * h)
                painter.drawImage(target, frame, part)
        if frame is not None:
            if frame is not self._last_painted:
                self._last_painted = frame
                self.frames_painted += 1
            self._paint_masks(painter, target)
            if self.machine.state not in (TileState.PLAYING, TileState.IDLE) or self._suspended:
                painter.fillRect(self.rect(), theme.qcolor(theme.BACKGROUND, 170))
        self._paint_overlays(painter)
        painter.end()

    def _paint_overlays(self, painter: QPainter) -> None:
        paint_overlays(self, painter)

    # --- input ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.activated.emit(self.index)
        if event.button() == Qt.MouseButton.LeftButton and self.machine.state is TileState.FAILED:
            self.retry()
        if event.button() == Qt.MouseButton.LeftButton and not self.view.whole:
            self._drag_from = event.position()  # a zoomed picture is dragged around
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        start = self._drag_from
        if start is None or not event.buttons() & Qt.MouseButton.LeftButton:
            super().mouseMoveEvent(event)
            return
        target = self._picture_rect()
        now = event.position()
        du = (now.x() - start.x()) / max(1.0, target.width())
        dv = (now.y() - start.y()) / max(1.0, target.height())
        self._drag_from = now
        self.set_view(zoom.pan(self.view, du, dv))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Digital zoom: the picture point under the cursor stays under it."""
        steps = event.angleDelta().y() / 120
        if self._frame is None or not steps:
            event.ignore()
            return
        target = self._picture_rect()
        pos = event.position()
        u = min(1.0, max(0.0, (pos.x() - target.x()) / max(1.0, target.width())))
        v = min(1.0, max(0.0, (pos.y() - target.y()) / max(1.0, target.height())))
        self.set_view(zoom.zoom_at(self.view, zoom.STEP**steps, u, v))
        event.accept()

    def set_view(self, view: zoom.View) -> None:
        """Show `view` of the picture (zoom.WHOLE: all of it)."""
        if view == self.view:
            return
        self.view = view
        if view.whole:
            self.unsetCursor()
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.maximise_requested.emit(self.index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_F, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.maximise_requested.emit(self.index)
        elif event.key() == Qt.Key.Key_I:
            self.show_info = not self.show_info
            self.update()
        elif event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and self._frame is not None:
            self.set_view(zoom.zoom_at(self.view, zoom.STEP))
        elif event.key() == Qt.Key.Key_Minus:
            self.set_view(zoom.zoom_at(self.view, 1 / zoom.STEP))
        elif event.key() == Qt.Key.Key_0:
            self.set_view(zoom.WHOLE)
        else:
            super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.menu_requested.emit(self.index, event.globalPos())
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(CAMERA_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        raw = bytes(event.mimeData().data(CAMERA_MIME).data()).decode(errors="replace").strip()
        if raw:
            event.acceptProposedAction()
            self.camera_dropped.emit(self.index, raw)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.release()
        super().closeEvent(event)


def _fits(image: QImage, target: QRectF, dpr: float) -> bool:
    """Within 2 px of the target: drawn 1:1 (scaling by a pixel costs a full resample)."""
    return (
        abs(image.width() / dpr - target.width()) <= 2
        and abs(image.height() / dpr - target.height()) <= 2
    )


_clock: tuple[int, str] = (-1, "")


def local_time() -> str:
    """Local date and time for the tile's band, formatted once a second, not once a frame."""
    global _clock
    second = int(time.time())
    if _clock[0] != second:
        _clock = (second, datetime.fromtimestamp(second).strftime("%d/%m/%Y %H:%M:%S"))
    return _clock[1]


def overlay_font(size_pt: int, bold: bool = False) -> QFont:
    font = QFont(theme.FONT_FAMILY)
    font.setPointSize(size_pt)
    font.setBold(bold)
    return font


def text_rect(painter: QPainter, rect: QRect, flags: int, text: str) -> QRect:
    return painter.boundingRect(rect, flags, text)
