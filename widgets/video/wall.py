"""The camera wall: a grid of tiles, maximise, drag and drop, salvos, tours, alarm pop-up.

The wall decides which tiles decode: those laid out and actually visible. Hidden tiles (another
tab, minimised window, a maximised neighbour) release their decoders and resume when seen again.
A view starts staggered, the selected tile first, so sixteen connections do not land at once.

Tours run on one tile or on the whole wall (a page of cameras at a time, or saved views; see
wall_tours.py, which also opens the next stop on standby players before each turn); the
operator's own action on a touring tile, or an alarm pop-up, pauses the tour so it never takes
away a picture someone is looking at. The alarm tile is the operator's choice (tile menu,
"Riquadro allarmi"), remembered with their saved views, and carries a badge.

Signals:
    notice(str)         a short message for the operator (snapshot saved, PTZ refused...)
    grid_changed(str)   the layout changed (toolbar, salvo, layout file)
    tour_changed()      a tour started, stepped, paused, resumed or stopped
    alarm_tile_changed(int)  the operator chose another tile for alarm pop-ups
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QHideEvent, QKeyEvent, QRegion, QShowEvent
from PySide6.QtWidgets import QGridLayout, QMenu, QWidget

from console.cameras.grids import GRIDS, grid_size, is_large
from console.cameras.store import CameraStore
from console.cameras.tile_state import Policy, TileState
from console.cameras.tours import TourRun
from console.cameras.views import Salvo, Tour, ViewLibrary
from console.i18n import tr
from widgets.common import theme
from widgets.common.timers import make_timer
from widgets.video import actions
from widgets.video.backend import BackendChoice, BackendFactory, create_backend
from widgets.video.occlusion import shared_occlusion
from widgets.video.tile import VideoTile
from widgets.video.wall_tours import WallTours

log = logging.getLogger(__name__)

MAX_TILES = 16
STAGGER_MS = 120
VISIBILITY_MS = 400


class VideoWall(QWidget):
    notice = Signal(str)
    grid_changed = Signal(str)
    tour_changed = Signal()
    alarm_tile_changed = Signal(int)

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
            tile.menu_requested.connect(self._on_tile_menu)
            tile.hide()
            self.tiles.append(tile)
        self._start_queue: list[int] = []
        self._stagger = QTimer(self)
        self._stagger.setInterval(STAGGER_MS)
        self._stagger.timeout.connect(self._start_next)
        self._visibility = QTimer(self)
        self._visibility.setInterval(VISIBILITY_MS)
        self._visibility.timeout.connect(self.check_visibility)
        # Tours, and the standby players that open a tour's next stop before the turn.
        self.tours = WallTours(self, factory, MAX_TILES)
        self.standby = self.tours.standby
        self._alarm_clear = make_timer(
            self, 60_000, self._clear_alarm, single_shot=True, start=False
        )
        self._exposure_watched: QObject | None = None
        self._state_watched: QObject | None = None
        self._uncovered: QRegion | None = None
        self._occlusion = shared_occlusion() if QGuiApplication.platformName() == "xcb" else None
        if store is not None:
            store.cameras_changed.connect(self._on_cameras_changed)
        self.set_grid(self.grid_name)
        self.select(0)
        saved_alarm = self.library.alarm_tile
        self.set_alarm_tile(saved_alarm if saved_alarm is not None else 0, remember=False)

    # --- layout -----------------------------------------------------------------------------

    def visible_count(self) -> int:
        return len(GRIDS[self.grid_name])

    def set_grid(self, name: str) -> None:
        if name not in GRIDS:
            raise ValueError(f"unknown grid {name!r}")
        changed = name != self.grid_name
        if changed and not self.tours.turning:
            self.standby.clear()  # opened for tiles of the old layout
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
        """The operator puts a camera on a tile (drop, list, map); a tour there pauses."""
        if not self.put(index, camera_id):
            return False
        self._operator_took(index)
        return True

    def put(self, index: int, camera_id: str) -> bool:
        """Put a camera on a tile; unknown cameras are refused with a message, nothing lost."""
        camera = self.store.get(camera_id) if self.store is not None else None
        if camera is None:
            self.notice.emit(tr("Telecamera {id} sconosciuta", id=camera_id))
            return False
        if not 0 <= index < MAX_TILES:
            return False
        tile = self.tiles[index]
        tile.set_camera(camera, start=self.is_visible(tile))
        self.select(index)
        return True

    def clear(self, index: int) -> None:
        self.tiles[index].set_camera(None)
        self._operator_took(index)

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
        for i in self._start_queue:
            self.tiles[i].set_queued(True)
        self._start_next()
        if self._start_queue:
            self._stagger.start()

    def _start_next(self) -> None:
        while self._start_queue:
            tile = self.tiles[self._start_queue.pop(0)]
            if self.is_visible(tile):
                tile.play()
                return
            tile.set_queued(False)  # hidden since: it starts when it is seen again
        self._stagger.stop()

    def stop_all(self) -> None:
        for i in self._start_queue:
            self.tiles[i].set_queued(False)
        self._start_queue.clear()
        self._stagger.stop()
        for tile in self.tiles:
            tile.stop()

    def is_visible(self, tile: VideoTile) -> bool:
        """Laid out, not hidden behind a tab or a maximised tile, and on screen.

        "On screen": the window is not minimised, Qt says it is exposed (where the platform
        reports occlusion, e.g. macOS, or a minimised window on Wayland), and on X11 no other
        application's window covers the tile (see occlusion.py; Qt does not report that).
        """
        if not tile.isVisible() or tile.visibleRegion().isEmpty():
            return False
        window = self.window()
        if window is not None and window.isMinimized():
            return False
        handle = window.windowHandle() if window is not None else None
        if handle is not None and not handle.isExposed():
            return False
        uncovered = self._uncovered
        if uncovered is None:
            return True
        dpr = tile.devicePixelRatioF()
        top_left = tile.mapToGlobal(QPoint(0, 0))
        rect = QRect(
            round(top_left.x() * dpr),
            round(top_left.y() * dpr),
            round(tile.width() * dpr),
            round(tile.height() * dpr),
        )
        return uncovered.intersects(rect)

    def check_visibility(self) -> None:
        self._uncovered = self._covered_probe()
        seen = False
        for tile in self.tiles:
            if tile.camera() is None:
                continue
            if self.is_visible(tile):
                seen = True
                if tile.suspended:
                    tile.resume()
            else:
                tile.suspend()
        if not seen:
            self.standby.clear()  # nobody sees the wall: nothing is prepared for it either

    def _covered_probe(self) -> QRegion | None:
        """What other windows leave of ours (X11 only); None = cannot tell, assume visible."""
        if self._occlusion is None or not self.isVisible():
            return None
        window = self.window()
        return self._occlusion.uncovered(int(window.winId())) if window is not None else None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._visibility.start()
        self._watch_exposure()
        QTimer.singleShot(0, self, self.check_visibility)  # dropped if the wall is gone

    def _watch_exposure(self) -> None:
        """React at once to exposure and minimise changes, not only at the next poll."""
        window = self.window()
        handle = window.windowHandle() if window is not None else None
        if handle is not None and handle is not self._exposure_watched:
            handle.installEventFilter(self)
            self._exposure_watched = handle
        if window is not None and window is not self and window is not self._state_watched:
            window.installEventFilter(self)
            self._state_watched = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Expose, QEvent.Type.WindowStateChange):
            QTimer.singleShot(0, self, self.check_visibility)  # dropped if the wall is gone
        return False

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._visibility.stop()
        self.standby.clear()
        for tile in self.tiles:
            tile.suspend()

    def release(self) -> None:
        self.stop_all()
        self.tours.timer.stop()
        self.tours.prefetch_timer.stop()
        self.standby.clear()
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
        """The operator recalls a saved view: any tour stops (the wall is theirs now)."""
        self.stop_tour()
        self.show_salvo(salvo)

    def delete_salvo(self, name: str) -> None:
        self.library.delete_salvo(name)
        self.notice.emit(tr('Vista "{name}" eliminata', name=name))

    def show_salvo(self, salvo: Salvo) -> None:
        """Show a saved view (tiles whose stream is on a tour's standby player take it over)."""
        self.stop_all()
        self.set_grid(salvo.grid)
        missing = []
        for i, tile in enumerate(self.tiles):
            cam_id = salvo.tiles[i] if i < len(salvo.tiles) else None
            camera = self.store.get(cam_id) if (cam_id and self.store is not None) else None
            if cam_id and camera is None:
                missing.append(cam_id)
            tile.set_camera(camera, start=False)
        self.tours.adopt_standby()
        self.start_all()
        if missing:
            self.notice.emit(tr("Telecamere non più disponibili: {ids}", ids=", ".join(missing)))

    def start_tour(self, tour: Tour, tile: int | None = None, whole_wall: bool = False) -> bool:
        """Run `tour` on one tile (default: the selected one) or on the whole wall."""
        return self.tours.start(tour, tile, whole_wall)

    def stop_tour(self) -> None:
        self.tours.stop()

    def pause_tour(self, reason: str = "") -> None:
        self.tours.pause(reason)

    def resume_tour(self) -> None:
        """Carry on from the next stop: the operator has seen the current one long enough."""
        self.tours.resume()

    def tour_running(self) -> bool:
        return self.tours.run is not None

    @property
    def tour(self) -> TourRun | None:
        """The tour running on this wall (paused or not), if any."""
        return self.tours.run

    def _operator_took(self, index: int) -> None:
        """The operator changed a tile by hand: a tour showing there must not undo it."""
        self.tours.operator_took(index)

    # --- tile menu ----------------------------------------------------------------------------

    def tile_menu(self, index: int) -> QMenu:
        """What the operator can do on one tile (right click)."""
        menu = QMenu(self)
        alarm = menu.addAction(tr("Riquadro allarmi"))
        alarm.setCheckable(True)
        alarm.setChecked(index == self.alarm_tile)
        alarm.setToolTip(tr("Le telecamere indicate dagli allarmi compaiono in questo riquadro"))
        alarm.triggered.connect(lambda _=False: self.set_alarm_tile(index))
        big = self.maximised is not None
        maximise = menu.addAction(tr("Torna alla griglia") if big else tr("Ingrandisci"))
        maximise.triggered.connect(lambda _=False: self.toggle_maximise(index))
        empty = menu.addAction(tr("Svuota riquadro"))
        empty.setEnabled(self.tiles[index].camera() is not None)
        empty.triggered.connect(lambda _=False: self.clear(index))
        menu.addSeparator()
        tours = menu.addMenu(tr("Avvia giro in questo riquadro"))
        for tour in self.library.tours():
            action = tours.addAction(tour.name)
            action.triggered.connect(lambda _=False, t=tour: self.start_tour(t, index))
        tours.setEnabled(bool(self.library.tours()))
        run = self.tour
        if run is not None:
            if run.paused:
                menu.addAction(tr("Riprendi giro")).triggered.connect(self.resume_tour)
            else:
                menu.addAction(tr("Pausa giro")).triggered.connect(self.pause_tour)
            menu.addAction(tr("Ferma giro")).triggered.connect(self.stop_tour)
        return menu

    def _on_tile_menu(self, index: int, where: QPoint) -> None:
        self.select(index)
        menu = self.tile_menu(index)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(where)

    # --- alarms -----------------------------------------------------------------------------

    def set_alarm_tile(self, index: int, remember: bool = True) -> None:
        """Alarm pop-ups go to tile `index`; the operator's choice is kept with their views."""
        index = max(0, min(index, MAX_TILES - 1))
        changed = index != self.alarm_tile
        self.alarm_tile = index
        for tile in self.tiles:
            target = tile.index == index
            if tile.alarm_target != target:
                tile.alarm_target = target
                tile.update()
        if remember:
            self.library.set_alarm_tile(index)
        if changed:
            self.alarm_tile_changed.emit(index)

    def effective_alarm_tile(self) -> int:
        """The chosen tile if the grid shows it, else the last tile shown."""
        return min(self.alarm_tile, self.visible_count() - 1)

    def on_alerts_added(self, alerts: Iterable[object]) -> None:
        """An alert naming cameras pushes the first known one into the alarm tile.

        Takes contract.Alert or the alert store's records (anything with id, cameras, priority,
        title and exercise). A tour over that tile pauses: the alarm stays until dealt with.
        """
        for alert in alerts:
            cameras = getattr(alert, "cameras", None)
            if not cameras:
                continue
            index = self.effective_alarm_tile()
            for cam_id in cameras:
                if self.store is None or self.store.get(str(cam_id)) is None:
                    continue
                if self.maximised is not None and self.maximised != index:
                    self.toggle_maximise(self.maximised)
                run = self.tour
                if run is not None and (run.whole_wall or run.tile == index):
                    self.pause_tour(tr("Giro in pausa: allarme nel riquadro {n}", n=index + 1))
                self.put(index, str(cam_id))
                tile = self.tiles[index]
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
