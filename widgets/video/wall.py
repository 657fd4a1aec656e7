"""The camera wall: a grid of tiles, maximise, drag and drop, salvos, tours, alarm pop-up.

The wall decides which tiles decode: those laid out and actually visible. Hidden tiles (another
tab, minimised window, a maximised neighbour) release their decoders and resume when seen again.
A view starts staggered, the selected tile first, so sixteen connections do not land at once.

Signals:
    notice(str)         a short message for the operator (snapshot saved, PTZ refused...)
    grid_changed(str)   the layout changed (toolbar, salvo, layout file)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QWidget

from console.cameras.grids import GRIDS, grid_size, is_large
from console.cameras.store import CameraStore
from console.cameras.tile_state import Policy, TileState
from console.cameras.views import Salvo, Tour, ViewLibrary
from console.i18n import tr
from widgets.common import theme
from widgets.video import actions
from widgets.video.backend import BackendChoice, BackendFactory, create_backend
from widgets.video.tile import VideoTile

log = logging.getLogger(__name__)

MAX_TILES = 16
STAGGER_MS = 120
VISIBILITY_MS = 400


class VideoWall(QWidget):
    notice = Signal(str)
    grid_changed = Signal(str)

    def __init__(
        self,
        store: CameraStore | None,
        choice: BackendChoice,
        operator: str = "",
        send: actions.Send | None = None,
        spawn: actions.Spawn = actions.spawn_on_loop,
        policy: Policy | None = None,
        library: ViewLibrary | None = None,
        parent: QWidget | None = None,
        factory: BackendFactory = create_backend,
    ) -> None:
        super().__init__(parent)
        self.setStyleSheet(f"background: {theme.BACKGROUND};")
        self.store = store
        self.choice = choice
        self.operator = operator or "operatore"
        self.send = send
        self.spawn = spawn
        self.library = library or ViewLibrary(self.operator)
        self.grid_name = "2x2"
        self.selected = 0
        self.alarm_tile = 0
        self.maximised: int | None = None
        self.last_snapshot: Path | None = None
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.tiles: list[VideoTile] = []
        for i in range(MAX_TILES):
            tile = VideoTile(i, choice, policy, self, factory)
            tile.activated.connect(self.select)
            tile.maximise_requested.connect(self.toggle_maximise)
            tile.camera_dropped.connect(self.assign)
            tile.hide()
            self.tiles.append(tile)
        self._start_queue: list[int] = []
        self._stagger = QTimer(self)
        self._stagger.setInterval(STAGGER_MS)
        self._stagger.timeout.connect(self._start_next)
        self._visibility = QTimer(self)
        self._visibility.setInterval(VISIBILITY_MS)
        self._visibility.timeout.connect(self.check_visibility)
        self._tour: Tour | None = None
        self._tour_pos = 0
        self._tour_tile = 0
        self._tour_timer = QTimer(self)
        self._tour_timer.timeout.connect(self._tour_step)
        self._alarm_clear = QTimer(self)
        self._alarm_clear.setSingleShot(True)
        self._alarm_clear.timeout.connect(self._clear_alarm)
        if store is not None:
            store.cameras_changed.connect(self._on_cameras_changed)
        self.set_grid(self.grid_name)
        self.select(0)

    # --- layout -----------------------------------------------------------------------------

    def visible_count(self) -> int:
        return len(GRIDS[self.grid_name])

    def set_grid(self, name: str) -> None:
        if name not in GRIDS:
            raise ValueError(f"unknown grid {name!r}")
        changed = name != self.grid_name
        self.grid_name = name
        self.maximised = None
        self._relayout()
        if changed:
            self.grid_changed.emit(name)

    def _relayout(self) -> None:
        for tile in self.tiles:
            self._layout.removeWidget(tile)
        n = grid_size(self.grid_name)
        for r in range(4):
            self._layout.setRowStretch(r, 1 if r < n else 0)
            self._layout.setColumnStretch(r, 1 if r < n else 0)
        cells = GRIDS[self.grid_name]
        for i, tile in enumerate(self.tiles):
            if self.maximised is not None:
                shown = i == self.maximised
                if shown:
                    self._layout.addWidget(tile, 0, 0, n, n)
                tile.set_large(shown)
            elif i < len(cells):
                cell = cells[i]
                self._layout.addWidget(tile, cell.row, cell.col, cell.rows, cell.cols)
                tile.set_large(is_large(self.grid_name, i))
                shown = True
            else:
                shown = False
            tile.setVisible(shown)
        self._layout.activate()
        self.check_visibility()

    def toggle_maximise(self, index: int) -> None:
        self.maximised = None if self.maximised is not None else index
        if self.maximised is not None:
            self.select(index)
        self._relayout()

    # --- cameras on tiles -------------------------------------------------------------------

    def select(self, index: int) -> None:
        self.selected = index
        for tile in self.tiles:
            tile.selected = tile.index == index
            tile.update()

    def assign(self, index: int, camera_id: str) -> bool:
        """Put a camera on a tile; unknown cameras are refused with a message, nothing lost."""
        camera = self.store.get(camera_id) if self.store is not None else None
        if camera is None:
            self.notice.emit(tr("Telecamera {id} sconosciuta", id=camera_id))
            return False
        if not 0 <= index < MAX_TILES:
            return False
        tile = self.tiles[index]
        tile.set_camera(camera, start=self._is_visible(tile))
        self.select(index)
        return True

    def clear(self, index: int) -> None:
        self.tiles[index].set_camera(None)

    def open_camera(self, camera_id: str, tile: int = -1) -> None:
        """Intent handler: tile < 0 means the selected tile (or the first free one)."""
        if tile < 0 or tile >= self.visible_count():
            free = [t.index for t in self.tiles[: self.visible_count()] if t.camera() is None]
            tile = free[0] if free else self.selected
        self.assign(tile, camera_id)

    def _on_cameras_changed(self) -> None:
        assert self.store is not None
        for tile in self.tiles:
            cam = tile.camera()
            if cam is None:
                continue
            fresh = self.store.get(cam.id)
            if fresh is None:
                tile.set_camera(None)
            elif fresh != cam:
                tile.update_camera(fresh)

    # --- start, stop, visibility --------------------------------------------------------------

    def start_all(self) -> None:
        """Staggered start of every tile not yet running, selected tile first."""
        order = [self.selected] + [i for i in range(self.visible_count()) if i != self.selected]
        self._start_queue = [
            i
            for i in order
            if self.tiles[i].camera() is not None
            and self.tiles[i].machine.state in (TileState.IDLE, TileState.FAILED)
        ]
        self._start_next()
        if self._start_queue:
            self._stagger.start()

    def _start_next(self) -> None:
        while self._start_queue:
            tile = self.tiles[self._start_queue.pop(0)]
            if self._is_visible(tile):
                tile.play()
                return
        self._stagger.stop()

    def stop_all(self) -> None:
        self._start_queue.clear()
        self._stagger.stop()
        for tile in self.tiles:
            tile.stop()

    def _is_visible(self, tile: VideoTile) -> bool:
        window = self.window()
        if window is not None and window.isMinimized():
            return False
        return tile.isVisible() and not tile.visibleRegion().isEmpty()

    def check_visibility(self) -> None:
        for tile in self.tiles:
            if tile.camera() is None:
                continue
            if self._is_visible(tile):
                if tile.suspended:
                    tile.resume()
            else:
                tile.suspend()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._visibility.start()
        QTimer.singleShot(0, self.check_visibility)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._visibility.stop()
        for tile in self.tiles:
            tile.suspend()

    def release(self) -> None:
        self.stop_all()
        self._tour_timer.stop()
        self._visibility.stop()
        for tile in self.tiles:
            tile.release()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.maximised is not None:
            self.toggle_maximise(self.maximised)
        else:
            super().keyPressEvent(event)

    # --- salvos and tours -------------------------------------------------------------------

    def current_salvo(self, name: str) -> Salvo:
        count = self.visible_count()
        cams = [t.camera() for t in self.tiles[:count]]
        return Salvo(name, self.grid_name, [c.id if c is not None else None for c in cams])

    def save_salvo(self, name: str) -> None:
        self.library.save_salvo(self.current_salvo(name))
        self.notice.emit(tr('Vista "{name}" salvata', name=name))

    def apply_salvo(self, salvo: Salvo) -> None:
        self.stop_tour()
        self.stop_all()
        self.set_grid(salvo.grid)
        missing = []
        for i, tile in enumerate(self.tiles):
            cam_id = salvo.tiles[i] if i < len(salvo.tiles) else None
            camera = self.store.get(cam_id) if (cam_id and self.store is not None) else None
            if cam_id and camera is None:
                missing.append(cam_id)
            tile.set_camera(camera, start=False)
        self.start_all()
        if missing:
            self.notice.emit(tr("Telecamere non più disponibili: {ids}", ids=", ".join(missing)))

    def start_tour(self, tour: Tour, tile: int | None = None) -> None:
        self._tour = tour
        self._tour_pos = 0
        self._tour_tile = self.selected if tile is None else tile
        self._tour_timer.setInterval(int(tour.dwell_s * 1000))
        self._tour_step()
        self._tour_timer.start()

    def stop_tour(self) -> None:
        self._tour = None
        self._tour_timer.stop()

    def tour_running(self) -> bool:
        return self._tour is not None

    def _tour_step(self) -> None:
        tour = self._tour
        if tour is None or not tour.cameras:
            return
        cam_id = tour.cameras[self._tour_pos % len(tour.cameras)]
        self._tour_pos += 1
        self.assign(self._tour_tile, cam_id)

    # --- alarms -----------------------------------------------------------------------------

    def on_alerts_added(self, alerts: Iterable[object]) -> None:
        """An alert naming cameras pushes the first known one into the alarm tile.

        Takes contract.Alert or the alert store's records (anything with id, cameras, priority,
        title and exercise).
        """
        for alert in alerts:
            cameras = getattr(alert, "cameras", None)
            if not cameras:
                continue
            self.alarm_tile = min(self.alarm_tile, self.visible_count() - 1)
            for cam_id in cameras:
                if self.store is None or self.store.get(str(cam_id)) is None:
                    continue
                if self.maximised is not None and self.maximised != self.alarm_tile:
                    self.toggle_maximise(self.maximised)
                self.assign(self.alarm_tile, str(cam_id))
                tile = self.tiles[self.alarm_tile]
                title = str(getattr(alert, "title", ""))
                priority = getattr(alert, "priority", "?")
                text = tr("Allarme P{p}: {title}", p=priority, title=title)
                if getattr(alert, "exercise", False):
                    text = tr("Esercitazione — {text}", text=text)
                tile.alarm_text = text
                tile.update()
                self._alarm_clear.start(60_000)
                break

    def _clear_alarm(self) -> None:
        for tile in self.tiles:
            if tile.alarm_text:
                tile.alarm_text = ""
                tile.update()

    # --- snapshot and PTZ -------------------------------------------------------------------

    def take_snapshot(self, reason: str, case_ref: str = "") -> None:
        """Audit first (the law wants the reason on record), then write the PNG."""
        tile = self.tiles[self.selected]
        camera, picture = tile.camera(), tile.picture()
        if camera is None or picture is None:
            self.notice.emit(tr("Nessuna immagine da salvare nel riquadro selezionato"))
            return
        if len(reason.strip()) < 3:
            self.notice.emit(tr("Indica un motivo (almeno 3 caratteri) per salvare l'istantanea"))
            return
        if self.send is None:
            self.notice.emit(tr("Istantanea non salvata: registro di audit non collegato"))
            return
        when = datetime.now()
        image = actions.burn_in(picture, camera.name, self.operator, when)
        body = actions.audit_body(camera, reason.strip(), case_ref)

        def done(error: BaseException | None) -> None:
            if error is not None:
                log.warning("snapshot audit refused: %s", error)
                self.notice.emit(tr("Istantanea non salvata: {reason}", reason=str(error)))
                return
            path = actions.snapshot_path(camera.id, when)
            if image.save(str(path)):
                self.last_snapshot = path
                self.notice.emit(tr("Istantanea salvata in {path}", path=str(path)))
            else:
                self.notice.emit(
                    tr("Istantanea non salvata: impossibile scrivere {path}", path=str(path))
                )

        self.spawn(self.send("POST", actions.AUDIT_PATH, body), done)

    def ptz(
        self, pan: float = 0, tilt: float = 0, zoom: float = 0, preset: str | None = None
    ) -> None:
        camera = self.tiles[self.selected].camera()
        if camera is None or not camera.ptz:
            self.notice.emit(tr("La telecamera selezionata non è brandeggiabile"))
            return
        if self.send is None:
            self.notice.emit(tr("Comandi PTZ non disponibili: servizio comandi non collegato"))
            return

        def done(error: BaseException | None) -> None:
            if error is not None:
                self.notice.emit(tr("Comando PTZ non riuscito: {reason}", reason=str(error)))

        self.spawn(
            self.send(
                "POST", actions.ptz_path(camera.id), actions.ptz_body(pan, tilt, zoom, preset)
            ),
            done,
        )


def connect_alerts(wall: VideoWall, alerts: Any) -> bool:
    """Follow the alert store: `alerts_added` carries alert ids, resolved with `alerts.get`."""
    signal = getattr(alerts, "alerts_added", None)
    if signal is None:
        return False

    def on_added(items: list[object]) -> None:
        getter = getattr(alerts, "get", None)
        resolved = [getter(i) if isinstance(i, str) and callable(getter) else i for i in items]
        wall.on_alerts_added([r for r in resolved if r is not None])

    try:
        signal.connect(on_added)
    except (AttributeError, TypeError, RuntimeError) as exc:
        log.warning("alert store has no usable alerts_added signal: %s", exc)
        return False
    return True
