"""Whole-wall tours turn pages without "Connessione…": the next page is opened on standby players
a few seconds before the turn and the tiles take them over. Fake players (tests/gui/
test_video_wall.py) and fake tour timers fired by the test; the players' own frames are real
Qt timer ticks, waited for with `wait_until`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.cameras.store import CameraStore
from console.cameras.tile_state import TileState
from console.cameras.tours import PREFETCH_S
from console.cameras.views import Tour
from tests.gui.test_video_views import FakeTimer, cams, fake_timers, tour_timer
from tests.gui.test_video_wall import FakeBackend, camera, playing, shown_wall
from widgets.video.wall import VideoWall

__all__ = ["fake_timers"]  # the fixture, imported for this module's tests

PAGE_1 = ["c1", "c2", "c3", "c4"]
PAGE_2 = ["c5", "c6", "c7", "c8"]


@pytest.fixture
def store() -> CameraStore:
    s = CameraStore()
    s.reset([camera(f"c{i}") for i in range(1, 10)] + [camera("dead1", dead=True)])
    return s


@pytest.fixture
def wall(
    qtbot: Any, store: CameraStore, tmp_path: Path, fake_timers: list[FakeTimer]
) -> Iterator[VideoWall]:
    w = shown_wall(qtbot, store, tmp_path)
    w.set_grid("2x2")
    yield w
    w.release()


def prefetch_timer(w: VideoWall) -> FakeTimer:
    timer = w.tours.prefetch_timer
    assert isinstance(timer, FakeTimer)
    return timer


def sub(cam: str) -> str:
    return f"rtsp://127.0.0.1/{cam}/sub"


def start_wall_tour(qtbot: Any, w: VideoWall, cameras: list[str], dwell: float = 20.0) -> None:
    assert w.start_tour(Tour.of_cameras("Parete", cameras, dwell), whole_wall=True)
    qtbot.wait_until(lambda: all(playing(w, i) for i in range(4)), timeout=3000)


def prefetch_and_wait(qtbot: Any, w: VideoWall) -> None:
    prefetch_timer(w).fire()
    entries = w.standby.entries()
    assert entries
    qtbot.wait_until(lambda: all(e.frame is not None or e.failed for e in entries), timeout=3000)


def record_states(w: VideoWall) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    for tile in w.tiles:
        tile.state_changed.connect(lambda i, s: seen.append((i, s)))
    return seen


def test_next_page_is_opened_on_standby_shortly_before_the_turn(
    qtbot: Any, wall: VideoWall
) -> None:
    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2)
    prefetch = prefetch_timer(wall)
    assert prefetch.isActive()
    assert prefetch.interval() == int((20.0 - PREFETCH_S) * 1000)  # 3 s before the turn
    assert wall.standby.entries() == [], "nothing prepared before that"
    prefetch.fire()
    assert sorted(e.url for e in wall.standby.entries()) == [sub(c) for c in PAGE_2]
    assert all(t.backend() not in [e.backend for e in wall.standby.entries()] for t in wall.tiles)
    assert cams(wall, 4) == PAGE_1, "standby players are not tiles: the page on show stays"

    wall.stop_tour()
    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2, dwell=2.0)
    assert prefetch_timer(wall).interval() == 0, "never longer ahead than the dwell itself"


def test_page_turn_shows_the_new_cameras_at_once_without_connecting(
    qtbot: Any, wall: VideoWall
) -> None:
    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2)
    prefetch_and_wait(qtbot, wall)
    standby = {e.url: e.backend for e in wall.standby.entries()}
    opened_before = list(FakeBackend.opened)
    states = record_states(wall)

    tour_timer(wall).fire()  # the page turn

    assert cams(wall, 4) == PAGE_2
    assert all(playing(wall, i) for i in range(4)), "playing at the turn itself"
    assert all(wall.tiles[i].has_picture() for i in range(4))
    assert all(wall.tiles[i].status_text() == "" for i in range(4)), "no 'Connessione…'"
    assert "connecting" not in [s for _, s in states]
    assert [wall.tiles[i].backend() for i in range(4)] == [standby[sub(c)] for c in PAGE_2]
    assert FakeBackend.opened == opened_before, "the tiles opened nothing again"
    assert wall.standby.entries() == []
    frames = [wall.tiles[i].frames_seen for i in range(4)]
    qtbot.wait_until(lambda: all(wall.tiles[i].frames_seen > frames[i] for i in range(4)))

    # and the next turn (back to the first page) works the same way
    assert prefetch_timer(wall).isActive()
    prefetch_and_wait(qtbot, wall)
    tour_timer(wall).fire()
    assert cams(wall, 4) == PAGE_1
    assert all(playing(wall, i) for i in range(4))
    assert "connecting" not in [s for _, s in states]


def test_a_failed_standby_does_not_break_the_turn(qtbot: Any, wall: VideoWall) -> None:
    page_2 = ["c5", "dead1", "c7", "c8"]
    start_wall_tour(qtbot, wall, PAGE_1 + page_2)
    prefetch_and_wait(qtbot, wall)
    failed = [e for e in wall.standby.entries() if e.failed]
    assert [e.url for e in failed] == ["rtsp://dead.invalid/dead1/sub"]
    assert not getattr(failed[0].backend, "playing", True)

    tour_timer(wall).fire()

    assert cams(wall, 4) == page_2
    assert [playing(wall, i) for i in range(4)] == [True, False, True, True]
    assert wall.tiles[1].machine.state in (TileState.CONNECTING, TileState.RECONNECTING)
    assert FakeBackend.opened.count("rtsp://dead.invalid/dead1/sub") == 2, "the tile tried itself"
    assert wall.standby.entries() == []


def test_a_standby_still_connecting_is_taken_over_and_goes_on_connecting(
    qtbot: Any, wall: VideoWall
) -> None:
    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2)
    prefetch_timer(wall).fire()
    standby = {e.url: e.backend for e in wall.standby.entries()}
    assert all(e.frame is None for e in wall.standby.entries()), "no frame yet: still setting up"
    opened_before = list(FakeBackend.opened)
    states = record_states(wall)
    tour_timer(wall).fire()
    assert cams(wall, 4) == PAGE_2
    assert all(wall.tiles[i].machine.state is TileState.CONNECTING for i in range(4))
    assert wall.tiles[0].status_text() == "Connessione…", "says so: no picture yet"
    assert [wall.tiles[i].backend() for i in range(4)] == [standby[sub(c)] for c in PAGE_2]
    qtbot.wait_until(lambda: all(playing(wall, i) for i in range(4)), timeout=3000)
    assert FakeBackend.opened == opened_before, "the set-up already under way was not redone"
    assert (0, "playing") in states


def test_a_standby_whose_picture_stopped_is_not_taken_over(qtbot: Any, wall: VideoWall) -> None:
    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2)
    prefetch_and_wait(qtbot, wall)
    stale = wall.standby.entries()[0]  # c5, for tile 0
    stale.backend.stop()
    stale.frame_at -= 10  # its last frame is long gone
    opened_before = len(FakeBackend.opened)
    tour_timer(wall).fire()
    assert wall.tiles[0].backend() is not stale.backend
    assert wall.tiles[0].machine.state is TileState.CONNECTING
    assert FakeBackend.opened[opened_before:] == [sub("c5")], "tile 0 connects by itself"
    assert all(playing(wall, i) for i in range(1, 4))
    qtbot.wait_until(lambda: playing(wall, 0), timeout=3000)


def test_standby_players_are_released_on_pause_stop_hide_layout_and_release(
    qtbot: Any, wall: VideoWall
) -> None:
    def prepared() -> list[Any]:
        prefetch_and_wait(qtbot, wall)
        players: list[Any] = [e.backend for e in wall.standby.entries()]
        assert players
        assert all(p.playing for p in players)
        return players

    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2)
    players = prepared()
    wall.pause_tour()
    assert released(wall, players), "paused: nothing decodes on standby"
    assert not prefetch_timer(wall).isActive()

    wall.resume_tour()
    players = prepared()
    wall.stop_tour()
    assert released(wall, players)
    assert not prefetch_timer(wall).isActive()

    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2)
    players = prepared()
    wall.set_grid("3x3")  # the operator changes the layout
    assert released(wall, players)

    wall.set_grid("2x2")
    start_wall_tour(qtbot, wall, PAGE_1 + PAGE_2)
    players = prepared()
    wall.hide()
    assert released(wall, players)
    prefetch_timer(wall).start()
    prefetch_timer(wall).fire()  # a hidden wall prepares nothing
    assert wall.standby.entries() == []

    wall.show()
    qtbot.wait_exposed(wall)
    prefetch_timer(wall).start()
    players = prepared()
    wall.release()
    assert released(wall, players)


def released(w: VideoWall, players: list[Any]) -> bool:
    """No standby player left in the pool, and none of those it had still decoding."""
    return w.standby.entries() == [] and not any(p.playing for p in players)


def test_a_one_tile_tour_takes_its_next_camera_from_standby(qtbot: Any, wall: VideoWall) -> None:
    wall.select(2)
    assert wall.start_tour(Tour.of_cameras("Navigli", ["c1", "c2"], 10.0))
    qtbot.wait_until(lambda: playing(wall, 2), timeout=3000)
    prefetch_and_wait(qtbot, wall)
    assert [e.url for e in wall.standby.entries()] == [sub("c2")], "one camera, not a page"
    states = record_states(wall)
    tour_timer(wall).fire()
    assert cams(wall, 3)[2] == "c2"
    assert playing(wall, 2)
    assert wall.tiles[2].has_picture()
    assert (2, "connecting") not in states
