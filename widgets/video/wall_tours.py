"""The tours of one camera wall: which stop shows when, and standby players for the next one.

A tour runs on one tile or on the whole wall (see console/cameras/tours.py for what it shows).
`PREFETCH_S` before each turn the next stop's streams are opened on standby players
(standby.py); at the turn each tile takes over the player for its stream, so the new pictures
are there at once instead of sixteen "Connessione…" captions. The operator's own action on a
touring tile, or an alarm pop-up there, pauses the tour and releases the standby players.

`VideoWall` owns one `WallTours` and keeps the public calls (start_tour, pause_tour, ...); this
object reaches back into the wall for its tiles, layout and cameras.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame

from console.api import contract
from console.cameras.grids import GRIDS, is_large
from console.cameras.tile_state import TileState
from console.cameras.tours import TourFrame, TourRun, prefetch_lead
from console.cameras.views import Tour
from console.i18n import tr
from widgets.common.timers import make_timer
from widgets.video.backend import BackendFactory, VideoBackend, stream_url
from widgets.video.standby import StandbyPool, dispose
from widgets.video.tile import VideoTile

if TYPE_CHECKING:
    from widgets.video.wall import VideoWall


class WallTours:
    def __init__(self, wall: VideoWall, factory: BackendFactory, max_tiles: int) -> None:
        self.wall = wall
        self.run: TourRun | None = None
        self.timer = make_timer(wall, 1000, self.step, single_shot=True, start=False)
        self.standby = StandbyPool(wall.choice, factory, max_tiles, wall)
        self.prefetch_timer = make_timer(wall, 1000, self.prefetch, single_shot=True, start=False)
        self.turning = False  # the wall's layout changing for a turn keeps the standby players

    # --- what the wall and the operator ask -----------------------------------------------------

    def start(self, tour: Tour, tile: int | None = None, whole_wall: bool = False) -> bool:
        """Run `tour` on one tile (default: the selected one) or on the whole wall."""
        wall = self.wall
        self.stop()
        index = wall.selected if tile is None else tile
        if wall.maximised is not None and (whole_wall or index != wall.maximised):
            wall.toggle_maximise(wall.maximised)
        run = TourRun(tour, whole_wall, index, wall.visible_count(), wall.grid_name)
        if not run:
            wall.notice.emit(
                tr("Il giro «{name}» ha solo viste salvate: avvialo su tutta la parete",
                   name=tour.name)
            )  # fmt: skip
            return False
        self.run = run
        self.step()
        return True

    def stop(self) -> None:
        run, self.run = self.run, None
        self.timer.stop()
        self.prefetch_timer.stop()
        self.standby.clear()
        if run is not None:
            self.mark_tiles()
            self.wall.tour_changed.emit()

    def pause(self, reason: str = "") -> None:
        run = self.run
        if run is None or run.paused:
            return
        run.paused, run.pause_reason = True, reason
        self.timer.stop()
        self.prefetch_timer.stop()
        self.standby.clear()
        self.mark_tiles()
        self.wall.tour_changed.emit()
        self.wall.notice.emit(reason or tr("Giro in pausa"))

    def resume(self) -> None:
        """Carry on from the next stop: the operator has seen the current one long enough."""
        run = self.run
        if run is None or not run.paused:
            return
        run.paused, run.pause_reason = False, ""
        self.step()

    def operator_took(self, index: int) -> None:
        """The operator changed a tile by hand: a tour showing there must not undo it."""
        run = self.run
        if run is not None and not run.paused and (run.whole_wall or run.tile == index):
            self.pause(tr("Giro in pausa: riquadro {n} cambiato a mano", n=index + 1))

    # --- turns ----------------------------------------------------------------------------------

    def step(self) -> None:
        """The turn: show the next stop (skipping stops whose cameras are all gone)."""
        run = self.run
        if run is None or run.paused:
            return
        self.prefetch_timer.stop()
        self.turning = True
        try:
            for _ in range(len(run.frames)):
                frame = run.advance()
                if self._show_frame(run, frame):
                    break
            else:
                self.wall.notice.emit(tr("Giro fermato: nessuna telecamera del giro è disponibile"))
                self.stop()
                return
        finally:
            self.turning = False
            self.standby.clear()  # what no tile took over
        self.timer.start(max(1, int(frame.dwell_s * 1000)))
        if len(run.frames) > 1:
            lead = prefetch_lead(frame.dwell_s)
            self.prefetch_timer.start(max(0, int((frame.dwell_s - lead) * 1000)))
        self.mark_tiles()
        self.wall.tour_changed.emit()

    def _show_frame(self, run: TourRun, frame: TourFrame) -> bool:
        wall, store = self.wall, self.wall.store
        known = [c for c in frame.cameras if store is not None and store.get(c)]
        if frame.salvo:
            salvo = wall.library.salvo(frame.salvo)
            if salvo is None:
                return False
            wall.show_salvo(salvo)  # takes over standby players too
            return True
        if not known:
            return False
        if not run.whole_wall:
            return self._show_on_tile(run.tile, known[0])
        wall.stop_all()  # a tile keeps its player across set_camera(start=False)
        if run.grid and run.grid != wall.grid_name:
            wall.set_grid(run.grid)  # back from a saved view with another layout
        for i, tile in enumerate(wall.tiles[: wall.visible_count()]):
            cam_id = frame.cameras[i] if i < len(frame.cameras) else None
            camera = store.get(cam_id) if (cam_id and store is not None) else None
            tile.set_camera(camera, start=False)
        self.adopt_standby()
        wall.start_all()
        return True

    def _show_on_tile(self, index: int, camera_id: str) -> bool:
        """A one-tile tour's next camera: on its standby player if there is one, else connect."""
        wall = self.wall
        tile = wall.tiles[index]
        camera = wall.store.get(camera_id) if wall.store is not None else None
        url = tile.url_for(camera) if camera is not None else None
        entry = None
        if url is not None and wall.is_visible(tile):
            entry = self.standby.take(url, tile.machine.policy.stall_timeout_s)
        if camera is None or url is None or entry is None:
            return wall.put(index, camera_id)
        tile.set_camera(camera, start=False)
        self._hand_over(tile, entry.backend, url, entry.frame)
        wall.select(index)
        return True

    def mark_tiles(self) -> None:
        """The tour badge: on the touring tile, or on the first tile of a touring wall."""
        run = self.run
        for tile in self.wall.tiles:
            text = ""
            if run is not None and (run.whole_wall or tile.index == run.tile):
                text = run.label() if (not run.whole_wall or tile.index == 0) else ""
            if tile.tour_text != text:
                tile.tour_text = text
                tile.update()

    # --- standby players ------------------------------------------------------------------------

    def prefetch(self) -> None:
        """Open the tour's next stop on standby players, so the turn shows pictures at once.

        Only while the tour runs and someone can see the wall; at most one page.
        """
        run = self.run
        if run is None or run.paused or not self._seen():
            return
        frame = run.peek()
        if frame is not None:
            self.standby.prefetch(self._targets(run, frame))

    def _seen(self) -> bool:
        """At least one laid-out tile is on screen (hidden and covered walls prepare nothing)."""
        wall = self.wall
        if not wall.isVisible():
            return False
        return any(wall.is_visible(t) for t in wall.tiles[: wall.visible_count()])

    def _targets(self, run: TourRun, frame: TourFrame) -> list[tuple[str, tuple[int, int]]]:
        """(URL, tile size in pixels) of each camera the next stop shows, as its tile opens it."""
        wall = self.wall
        grid = wall.grid_name
        ids: list[str | None]
        if frame.salvo:
            salvo = wall.library.salvo(frame.salvo)
            if salvo is None:
                return []
            grid, ids = salvo.grid, list(salvo.tiles)
        elif run.whole_wall:
            grid, ids = run.grid or wall.grid_name, list(frame.cameras)
        else:
            ids = [None] * run.tile + list(frame.cameras[:1])
        same_layout = grid == wall.grid_name
        targets = []
        for i, cam_id in enumerate(ids[: len(GRIDS[grid])]):
            camera = wall.store.get(cam_id) if (cam_id and wall.store is not None) else None
            if camera is None:
                continue
            tile = wall.tiles[i]
            if same_layout and not wall.is_visible(tile):
                continue  # a tile nobody sees will not play: nothing to prepare
            url = self._url_at(tile, camera, grid, same_layout)
            if url:
                dpr = tile.devicePixelRatioF()
                targets.append((url, (int(tile.width() * dpr), int(tile.height() * dpr))))
        return targets

    def _url_at(
        self, tile: VideoTile, camera: contract.Camera, grid: str, same_layout: bool
    ) -> str | None:
        if same_layout:
            return tile.url_for(camera)  # sub or main as the tile is now (maximised too)
        return stream_url(camera, is_large(grid, tile.index), self.wall.choice.can_play_rtsp)

    def adopt_standby(self) -> None:
        """At a turn, tiles whose new stream is open on standby take that player over."""
        if not self.standby.entries():
            return
        wall = self.wall
        for tile in wall.tiles[: wall.visible_count()]:
            url = tile.wanted_url()
            if url is None or tile.machine.state is not TileState.IDLE:
                continue
            if not wall.is_visible(tile):
                continue
            entry = self.standby.take(url, tile.machine.policy.stall_timeout_s)
            if entry is not None:
                self._hand_over(tile, entry.backend, url, entry.frame)

    def _hand_over(
        self,
        tile: VideoTile,
        backend: VideoBackend,
        url: str,
        frame: QImage | QVideoFrame | None,
    ) -> None:
        if isinstance(backend, QObject):
            backend.setParent(tile)  # goes with the tile, like the players it makes itself
        old = tile.adopt(backend, url, frame)
        if old is not None:
            dispose(old)
