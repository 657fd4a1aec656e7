"""Saved views, tours and the alarm tile, as the operator uses them: tile menu, toolbar menus,
the salvo manager and the tour editor. Tour timers are fake and fired by the test: a tour's
dwell is checked as the interval the wall asks for, never by waiting it out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QContextMenuEvent
from PySide6.QtWidgets import QMenu

from console.api import contract
from console.cameras.store import CameraStore
from console.cameras.views import Salvo, Tour, TourStep, ViewLibrary
from tests.gui.test_video_wall import CHOICE, FakeBackend, camera, fake_factory, playing
from widgets.common.timers import set_timer_factory
from widgets.video.panel import VideoPanel
from widgets.video.views_dialog import SalvoManager, TourEditor
from widgets.video.wall import VideoWall


class FakeTimer(QTimer):
    """A QTimer that never runs by itself: the test reads its interval and fires it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running = False

    def start(self, msec: int | None = None) -> None:
        if msec is not None:
            self.setInterval(msec)
        self.running = True

    def stop(self) -> None:
        self.running = False

    def isActive(self) -> bool:
        return self.running

    def fire(self) -> None:
        assert self.running, "fired a timer that is not running"
        if self.isSingleShot():
            self.running = False
        self.timeout.emit()


@pytest.fixture
def fake_timers() -> Iterator[list[FakeTimer]]:
    made: list[FakeTimer] = []

    def factory(parent: QObject | None) -> QTimer:
        timer = FakeTimer(parent)
        made.append(timer)
        return timer

    set_timer_factory(factory)
    yield made
    set_timer_factory(None)


@pytest.fixture
def store() -> CameraStore:
    s = CameraStore()
    s.reset([camera(f"c{i}") for i in range(1, 10)])
    return s


@pytest.fixture
def library(tmp_path: Path) -> ViewLibrary:
    return ViewLibrary("mrossi", tmp_path)


@pytest.fixture
def wall(
    qtbot: Any, store: CameraStore, library: ViewLibrary, fake_timers: list[FakeTimer]
) -> Iterator[VideoWall]:
    FakeBackend.opened = []
    w = VideoWall(store, CHOICE, operator="mrossi", library=library, factory=fake_factory)
    qtbot.add_widget(w)
    w.resize(960, 540)
    w.show()
    qtbot.wait_exposed(w)
    yield w
    w.release()


def tour_timer(w: VideoWall) -> FakeTimer:
    timer = w.tours.timer
    assert isinstance(timer, FakeTimer)
    return timer


def cams(w: VideoWall, count: int) -> list[str | None]:
    return [(t.camera().id if t.camera() else None) for t in w.tiles[:count]]  # type: ignore[union-attr]


def action(menu: QMenu, text: str) -> Any:
    for act in menu.actions():
        if act.text() == text:
            return act
        sub = act.menu()
        if isinstance(sub, QMenu) and (found := action(sub, text)) is not None:
            return found
    return None


def alert(cameras: list[str]) -> contract.Alert:
    return contract.Alert(
        id="a1", source="anpr", type="anpr.hotlist", priority=1, title="Targa rubata AB123CD",
        created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z", cameras=cameras,
    )  # fmt: skip


# --- tours -----------------------------------------------------------------------------------


def test_tile_tour_uses_each_steps_dwell_skips_gone_cameras_and_wraps(wall: VideoWall) -> None:
    steps = [TourStep("camera", "c1", 5.0), TourStep("camera", "gone"), TourStep("camera", "c2")]
    wall.select(2)
    assert wall.start_tour(Tour("Navigli", steps, 12.0))
    timer = tour_timer(wall)
    assert cams(wall, 4) == [None, None, "c1", None]
    assert timer.interval() == 5000
    timer.fire()
    assert cams(wall, 4)[2] == "c2"  # "gone" is not in the store: skipped, no empty tile
    assert timer.interval() == 12_000  # the tour's own dwell for a step without one
    assert "2/3" not in wall.tiles[2].tour_text  # the skipped stop is not shown as a stop
    timer.fire()
    assert cams(wall, 4)[2] == "c1"
    assert wall.tiles[2].tour_text.startswith("Giro «Navigli»")
    assert wall.tiles[1].tour_text == ""
    wall.stop_tour()
    assert not timer.isActive()
    assert wall.tiles[2].tour_text == ""


def test_wall_tour_pages_cameras_through_the_grid_and_shows_saved_views(
    wall: VideoWall, library: ViewLibrary
) -> None:
    library.save_salvo(Salvo("Stadio", "1+5", ["c9", "c8"]))
    wall.set_grid("2x2")
    steps = [TourStep("camera", f"c{i}") for i in range(1, 7)]
    steps.append(TourStep("salvo", "Stadio", 30.0))
    assert wall.start_tour(Tour("Centro", steps, 10.0), whole_wall=True)
    timer = tour_timer(wall)
    assert cams(wall, 4) == ["c1", "c2", "c3", "c4"]
    timer.fire()
    assert cams(wall, 4) == ["c5", "c6", None, None]
    timer.fire()
    assert wall.grid_name == "1+5"
    assert cams(wall, 2) == ["c9", "c8"]
    assert timer.interval() == 30_000
    timer.fire()  # back to the first page, in the tour's own layout
    assert wall.grid_name == "2x2"
    assert cams(wall, 4) == ["c1", "c2", "c3", "c4"]
    assert "parete" in wall.tiles[0].tour_text


def test_tour_of_only_saved_views_is_refused_on_one_tile(
    qtbot: Any, wall: VideoWall, library: ViewLibrary
) -> None:
    library.save_salvo(Salvo("Stadio", "1", ["c1"]))
    with qtbot.wait_signal(wall.notice, timeout=1000) as blocker:
        assert not wall.start_tour(Tour("Viste", [TourStep("salvo", "Stadio")]))
    assert "tutta la parete" in blocker.args[0]
    assert not wall.tour_running()


def test_operator_drop_pauses_the_tour_and_resume_goes_on(qtbot: Any, wall: VideoWall) -> None:
    wall.start_tour(Tour.of_cameras("Giro", ["c1", "c2", "c3"], 10.0), tile=0)
    timer = tour_timer(wall)
    wall.assign(1, "c7")  # another tile: the tour goes on
    assert timer.isActive()
    with qtbot.wait_signal(wall.notice, timeout=1000) as blocker:
        wall.assign(0, "c9")  # the touring tile, by hand
    assert "in pausa" in blocker.args[0]
    assert not timer.isActive()
    assert cams(wall, 1) == ["c9"]  # what the operator put there stays
    assert "in pausa" in wall.tiles[0].tour_text
    wall.resume_tour()
    assert cams(wall, 1) == ["c2"]
    assert timer.isActive()


def test_alarm_pauses_a_tour_over_the_alarm_tile(wall: VideoWall) -> None:
    wall.set_alarm_tile(1)
    wall.start_tour(Tour.of_cameras("Parete", ["c1", "c2", "c3", "c4", "c5"]), whole_wall=True)
    timer = tour_timer(wall)
    wall.on_alerts_added([alert(["c8"])])
    assert cams(wall, 4) == ["c1", "c8", "c3", "c4"]
    assert wall.tour is not None
    assert wall.tour.paused
    assert not timer.isActive()  # the next page will not push the alarm camera away


# --- alarm tile -----------------------------------------------------------------------------


def test_operator_chooses_the_alarm_tile_from_the_tile_menu(
    qtbot: Any, wall: VideoWall, library: ViewLibrary, tmp_path: Path
) -> None:
    wall.set_grid("3x3")
    assert wall.tiles[0].alarm_target
    with qtbot.wait_signal(wall.tiles[5].menu_requested, timeout=1000) as asked:
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(10, 10), QPoint(50, 50))
        wall.tiles[5].contextMenuEvent(event)
    assert asked.args == [5, QPoint(50, 50)]
    menu = wall.tile_menu(5)
    choose = action(menu, "Riquadro allarmi")
    assert not choose.isChecked()
    choose.trigger()
    assert wall.alarm_tile == 5
    assert [t.index for t in wall.tiles if t.alarm_target] == [5]
    assert action(wall.tile_menu(5), "Riquadro allarmi").isChecked()
    assert ViewLibrary("mrossi", tmp_path).alarm_tile == 5  # remembered for this operator
    wall.on_alerts_added([alert(["nope", "c4"])])
    assert cams(wall, 9)[5] == "c4"
    assert "Targa rubata" in wall.tiles[5].alarm_text
    qtbot.wait_until(lambda: playing(wall, 5), timeout=3000)


def test_alarm_tile_badge_is_drawn(qtbot: Any, wall: VideoWall) -> None:
    wall.set_grid("2x2")
    wall.set_alarm_tile(3)
    tile = wall.tiles[3]
    image = tile.grab().toImage()
    red = QColor("#e5484d")

    def reddish(c: QColor) -> bool:
        return abs(c.red() - red.red()) < 40 and c.green() < 110 and c.blue() < 120

    bottom = [image.pixelColor(x, y) for y in range(tile.height() - 40, tile.height())
              for x in range(0, 200)]  # fmt: skip
    assert any(reddish(c) for c in bottom)
    other = wall.tiles[2].grab().toImage()
    assert not any(
        reddish(other.pixelColor(x, y))
        for y in range(other.height() - 40, other.height())
        for x in range(0, 200)
    )


def test_saved_alarm_tile_beats_the_layout_default(qtbot: Any, centrale_home: Path) -> None:
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry
    from widgets.video import register

    ViewLibrary("mrossi").set_alarm_tile(2)
    registry = PanelRegistry()
    register(registry)
    panel = registry.create("video", PanelContext(operator="mrossi"), {"alarm_tile": 3})
    qtbot.add_widget(panel)
    assert panel.wall.alarm_tile == 2  # type: ignore[attr-defined]
    fresh = registry.create("video", PanelContext(operator="lbianchi"), {"alarm_tile": 3})
    qtbot.add_widget(fresh)
    assert fresh.wall.alarm_tile == 3  # type: ignore[attr-defined]
    panel.wall.release()  # type: ignore[attr-defined]
    fresh.wall.release()  # type: ignore[attr-defined]


# --- dialogs and toolbar menus ---------------------------------------------------------------


def test_salvo_manager_saves_recalls_and_deletes_with_confirmation(
    qtbot: Any, wall: VideoWall, library: ViewLibrary
) -> None:
    answers: list[bool] = []
    dialog = SalvoManager(wall, confirm=lambda _w, _q: answers.pop(0))
    qtbot.add_widget(dialog)
    wall.set_grid("2x2")
    wall.assign(0, "c1")
    wall.assign(3, "c4")
    qtbot.keyClicks(dialog.name, "Stadio")
    assert dialog.save_button.text() == "Salva vista attuale"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert library.salvo("Stadio") == Salvo("Stadio", "2x2", ["c1", None, None, "c4"])
    assert dialog.list.count() == 1
    assert "2×2, 2 telecamere" in dialog.list.item(0).text()
    dialog.name.setText("Stadio")
    assert dialog.save_button.text() == "Sostituisci vista"

    wall.set_grid("1")
    wall.clear(0)
    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.recall_button, Qt.MouseButton.LeftButton)
    assert wall.grid_name == "2x2"
    assert cams(wall, 4) == ["c1", None, None, "c4"]

    answers[:] = [False]
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert library.salvo("Stadio") is not None
    answers[:] = [True]
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert library.salvo("Stadio") is None
    assert dialog.list.count() == 0
    assert not dialog.recall_button.isEnabled()


def test_tour_editor_builds_saves_and_runs_a_tour(
    qtbot: Any, wall: VideoWall, library: ViewLibrary, tmp_path: Path
) -> None:
    library.save_salvo(Salvo("Stadio", "3x3", ["c1"]))
    editor = TourEditor(wall, confirm=lambda _w, _q: True)
    qtbot.add_widget(editor)
    editor.save()
    assert "nome" in editor.message.text()
    editor.name.setText("Sera")
    editor.save()
    assert "almeno una" in editor.message.text()

    for cid in ("c3", "c1"):
        editor.camera_pick.setCurrentIndex(editor.camera_pick.findData(cid))
        editor.add_camera()
    editor.add_salvo()
    assert editor.table.rowCount() == 3
    name_cell = editor.table.item(2, 1)
    assert name_cell is not None
    assert name_cell.text() == "Stadio"
    editor.table.selectRow(1)
    editor.move_step(-1)  # c1 before c3
    editor.dwell.setValue(20)
    spin = editor.table.cellWidget(2, 2)
    spin.setValue(45)  # type: ignore[attr-defined]
    assert editor.table.cellWidget(0, 2).text() == "predefinita"  # type: ignore[attr-defined]
    editor.save()
    expected = Tour(
        "Sera",
        [TourStep("camera", "c1"), TourStep("camera", "c3"), TourStep("salvo", "Stadio", 45.0)],
        20.0,
    )
    assert ViewLibrary("mrossi", tmp_path).tour("Sera") == expected  # on file, read back

    editor.run(whole_wall=True)
    assert wall.tour is not None
    assert wall.tour.whole_wall
    assert wall.tour.tour == expected
    assert tour_timer(wall).interval() == 20_000

    editor2 = TourEditor(wall, confirm=lambda _w, _q: True)
    qtbot.add_widget(editor2)
    editor2.tours.setCurrentRow(0)
    assert editor2.name.text() == "Sera"
    assert len(editor2.steps) == 3
    editor2.delete_tour()
    assert library.tour("Sera") is None
    assert wall.tour is None  # the deleted tour no longer runs


def test_toolbar_menus_recall_views_and_run_tours(
    qtbot: Any, wall: VideoWall, library: ViewLibrary
) -> None:
    panel = VideoPanel(wall)
    qtbot.add_widget(panel)
    library.save_salvo(Salvo("Duomo", "3x3", ["c2", "c3"]))
    library.save_tour(Tour.of_cameras("Navigli", ["c5", "c6"], 15))
    panel.fill_views_menu()
    action(panel.views_menu, "Duomo  (3×3)").trigger()
    assert wall.grid_name == "3x3"
    assert cams(wall, 2) == ["c2", "c3"]

    wall.select(4)
    panel.fill_tour_menu()
    action(panel.tour_menu, "Nel riquadro selezionato").trigger()
    assert cams(wall, 5)[4] == "c5"
    assert panel.tour_button.text() == "Giro ▸"
    panel.fill_tour_menu()
    action(panel.tour_menu, "Pausa giro").trigger()
    assert panel.tour_button.text() == "Giro (in pausa)"
    panel.fill_tour_menu()
    action(panel.tour_menu, "Riprendi giro").trigger()
    assert cams(wall, 5)[4] == "c6"
    panel.fill_tour_menu()
    action(panel.tour_menu, "Ferma giro").trigger()
    assert not wall.tour_running()
    assert panel.tour_button.text() == "Giro"


def test_views_from_the_first_file_format_still_load(tmp_path: Path) -> None:
    (tmp_path / "mrossi.json").write_text(
        '{"salvos": [], "tours": [{"name": "Vecchio", "cameras": ["c1", "c2"], "dwell_s": 8}]}',
        encoding="utf-8",
    )
    tour = ViewLibrary("mrossi", tmp_path).tour("Vecchio")
    assert tour == Tour.of_cameras("Vecchio", ["c1", "c2"], 8.0)
