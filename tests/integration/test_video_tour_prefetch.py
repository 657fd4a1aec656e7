"""A whole-wall tour on the training streams (QtMultimedia over RTSP, libVLC over HTTP-TS): the
next page opened on standby players before the turn is on screen at the turn itself, with real
decoded pictures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.cameras.store import CameraStore
from console.cameras.tile_state import TileState
from console.cameras.views import Tour, ViewLibrary
from tests.integration.test_video_streams import CAMS, FAST, QT, VLC_HTTP, camera, server
from widgets.video.backend import BackendChoice, probe_vlc
from widgets.video.wall import VideoWall

pytestmark = [
    pytest.mark.integration,
    pytest.mark.video,
    pytest.mark.slow,
    pytest.mark.qt_log_ignore("No RHI backend"),
]

__all__ = ["server"]  # the module's stream server fixture, shared with test_video_streams


@pytest.mark.parametrize("choice", [QT, VLC_HTTP], ids=["qt-rtsp", "vlc-http"])
def test_wall_tour_turns_to_pictures_decoded_on_standby(
    qtbot: Any, server: Any, tmp_path: Path, choice: BackendChoice
) -> None:
    if choice.backend == "vlc" and not probe_vlc()[0]:
        pytest.skip("libVLC not installed")
    first, second = CAMS
    store = CameraStore()
    store.reset([camera(server, c).model_dump() for c in CAMS])
    wall = VideoWall(store, choice, policy=FAST, library=ViewLibrary("prova", tmp_path))
    qtbot.add_widget(wall)
    wall.resize(960, 540)
    wall.show()
    qtbot.wait_exposed(wall)
    wall.set_grid("2x2")
    # two pages on two cameras, each tile changing camera at the turn
    page_1, page_2 = [first, second, second, first], [second, first, first, second]
    assert wall.start_tour(Tour.of_cameras("Parete", page_1 + page_2, 60.0), whole_wall=True)
    tiles = wall.tiles[:4]
    qtbot.wait_until(
        lambda: all(t.machine.state is TileState.PLAYING for t in tiles), timeout=20000
    )

    wall.tours.prefetch()  # what the prefetch timer does 3 s before the turn
    entries = wall.standby.entries()
    assert len(entries) == 4
    qtbot.wait_until(lambda: all(e.frame is not None for e in entries), timeout=20000)
    states: list[str] = []
    for tile in tiles:
        tile.state_changed.connect(lambda _i, s: states.append(s))

    wall.tours.step()  # the turn

    assert [t.camera().id for t in tiles if t.camera()] == page_2
    assert all(t.machine.state is TileState.PLAYING for t in tiles)
    pictures = [t.picture() for t in tiles]
    assert all(p is not None and p.width() >= 320 for p in pictures), "a decoded picture at once"
    seen = [t.frames_seen for t in tiles]
    qtbot.wait_until(
        lambda: all(t.frames_seen >= n + 25 for t, n in zip(tiles, seen, strict=True)),
        timeout=10000,
    )
    assert "connecting" not in states
    assert all(t.machine.state is TileState.PLAYING for t in tiles), "the stream goes on playing"
    assert wall.standby.entries() == []
    wall.release()
