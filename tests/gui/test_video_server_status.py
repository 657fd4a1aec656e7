"""The server's own word on its camera streams reaches the tiles: "being prepared" instead of
"Segnale perso" while the training back-end makes its clips, and a retry the moment it is ready."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from console.cameras.store import CameraStore
from console.cameras.tile_state import Policy, TileState
from tests.gui.test_video_wall import FakeBackend, camera, shown_wall
from widgets.video.server_video import ServerVideoWatch
from widgets.video.wall import VideoWall


class HealthSession:
    """Answers /health with the given `video` values in turn (an exception is raised)."""

    def __init__(self, answers: list[object]) -> None:
        self.answers = answers
        self.asked = 0

    async def fetch(self, path: str, params: dict[str, Any] | None = None) -> Any:
        assert path == "/health"
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        if isinstance(answer, Exception):
            raise answer
        return {"status": "ok", "video": answer}


@pytest.fixture
def wall(qtbot: Any, tmp_path: Path) -> Iterator[VideoWall]:
    store = CameraStore()
    store.reset([camera("c1"), camera("c2")])
    # A long back-off: without the server's "ready" the tiles would wait 30 s to retry.
    policy = Policy(start_timeout_s=2, backoff_base_s=30, backoff_max_s=30, jitter=0)
    w = shown_wall(qtbot, store, tmp_path, policy)
    w.set_grid("2x2")
    yield w
    w.release()


def failing(w: VideoWall, qtbot: Any) -> None:
    """Both tiles tried a stream the server does not serve yet and are waiting to retry."""
    w.assign(0, "c1")
    w.assign(1, "c2")
    for tile in w.tiles[:2]:
        backend = tile.backend()
        assert isinstance(backend, FakeBackend)
        backend.fail_opens = True
        backend.failed.emit("telecamera non raggiungibile")
    qtbot.wait_until(
        lambda: all(t.machine.state is TileState.RECONNECTING for t in w.tiles[:2]), timeout=3000
    )


def test_tiles_say_the_server_prepares_its_streams_then_retry_at_once(
    qtbot: Any, wall: VideoWall
) -> None:
    failing(wall, qtbot)
    tile = wall.tiles[0]
    assert tile.status_text().startswith("Segnale perso")
    notices: list[str] = []
    wall.notice.connect(notices.append)
    watch = ServerVideoWatch(wall, {}, parent=wall)
    watch.apply("starting")
    assert "prepara i flussi video" in tile.status_text()
    assert "prepara i flussi video" in notices[-1]
    image = tile.grab().toImage()  # painted without the connection error under it
    assert isinstance(image, QImage)
    for t in wall.tiles[:2]:
        backend = t.backend()
        assert isinstance(backend, FakeBackend)
        backend.fail_opens = False
    opened = len(FakeBackend.opened)
    watch.apply("ok")
    assert len(FakeBackend.opened) == opened + 2  # both retried now, not in 30 s
    qtbot.wait_until(
        lambda: all(t.machine.state is TileState.PLAYING for t in wall.tiles[:2]), timeout=3000
    )
    assert tile.server_note == ""
    assert notices[-1] == "Flussi video del server pronti."


def test_a_server_that_cannot_serve_video_says_why_on_the_tiles(
    qtbot: Any, wall: VideoWall
) -> None:
    failing(wall, qtbot)
    watch = ServerVideoWatch(wall, {}, parent=wall)
    watch.apply("Impossibile preparare le clip delle telecamere: ffmpeg assente")
    assert "ffmpeg assente" in wall.tiles[0].status_text()
    opened = len(FakeBackend.opened)
    watch.apply("")  # a server that does not report video: nothing retried, no note
    assert len(FakeBackend.opened) == opened
    assert wall.tiles[0].status_text().startswith("Segnale perso")


def test_watch_polls_until_the_streams_are_ready(qtbot: Any, wall: VideoWall) -> None:
    session = HealthSession(["starting", ConnectionError("server in riavvio"), "starting", "ok"])
    watch = ServerVideoWatch(wall, {"session": session}, parent=wall)
    asyncio.run(watch.watch(poll_s=0, retry_s=0))
    assert session.asked == 4
    assert watch.status == "ok"


def test_watch_stops_at_once_for_a_server_without_video_status(qtbot: Any, wall: VideoWall) -> None:
    session = HealthSession([""])
    watch = ServerVideoWatch(wall, {"session": session}, parent=wall)
    asyncio.run(watch.watch(poll_s=0, retry_s=0))
    assert session.asked == 1
    assert all(t.server_note == "" for t in wall.tiles)
