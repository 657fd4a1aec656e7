"""Tiles whose window is minimised or covered by another window stop decoding, and resume.

Off-screen Qt can minimise a window but has no other windows to cover it, and Qt's own exposure
state never reports a covering window on X11; so covering is tested on a real X server
(Xorg with the dummy driver, ../shared/tools/multihead-x), in a child process using the xcb
platform, once bare and once under openbox (a reparenting window manager: frames, title bars,
minimising through the WM). Where a WM behaves differently from openbox (keeping minimised
windows mapped), the probe sets the properties such a WM would set (tests/gui/x11.py). The test
skips, saying why, where Xorg or openbox cannot start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gui.test_shell_hotplug_x import xserver
from tests.gui.test_video_wall import CHOICE, fake_factory

__all__ = ["xserver"]

REPO = Path(__file__).resolve().parents[2]


def _wall(library_dir: Path) -> Any:
    from console.cameras.store import CameraStore
    from console.cameras.views import ViewLibrary
    from tests.gui.test_video_wall import camera
    from widgets.video.wall import VideoWall

    store = CameraStore()
    store.reset([camera(f"c{i}") for i in range(1, 5)])
    wall = VideoWall(store, CHOICE, library=ViewLibrary("x", library_dir), factory=fake_factory)
    wall.set_grid("2x2")
    for i in range(4):
        wall.assign(i, f"c{i + 1}")
    return wall


def test_minimised_window_stops_decoding_and_resumes(qtbot: Any, tmp_path: Path) -> None:
    from console.cameras.tile_state import TileState

    wall = _wall(tmp_path)
    qtbot.add_widget(wall)
    wall.resize(800, 450)
    wall.show()
    qtbot.wait_exposed(wall)
    wall.start_all()
    qtbot.wait_until(
        lambda: all(t.machine.state is TileState.PLAYING for t in wall.tiles[:4]), timeout=3000
    )
    wall.showMinimized()
    qtbot.wait_until(lambda: all(t.suspended for t in wall.tiles[:4]), timeout=2000)
    assert all(not getattr(t.backend(), "playing", True) for t in wall.tiles[:4])
    wall.showNormal()
    qtbot.wait_until(
        lambda: all(t.machine.state is TileState.PLAYING for t in wall.tiles[:4]), timeout=3000
    )
    wall.release()


def probe(wm: str) -> dict[str, Any]:
    """Run under xcb, on the display the test prepared (with or without a window manager)."""
    import tempfile

    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication, QMenu, QWidget

    from tests.gui.x11 import XClient
    from widgets.video.occlusion import shared_occlusion

    app = QApplication.instance() or QApplication([])
    x = XClient(os.environ["DISPLAY"])

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def states(wall: Any) -> list[str]:
        return ["suspended" if t.suspended else t.machine.state.value for t in wall.tiles[:4]]

    wall = _wall(Path(tempfile.mkdtemp()))
    wall.setWindowTitle("parete")
    wall.setGeometry(100, 100, 800, 450)
    wall.show()
    spin(1.5)
    out: dict[str, Any] = {"wm": wm, "window_manager": bool(x.window_manager())}
    out["compositor"] = bool(x.compositor())
    out["wall_frame"] = wall.frameGeometry().getRect()
    out["alone"] = states(wall)

    # Another application's window over the right column, then over everything.
    cover = QWidget()
    cover.setWindowTitle("altra applicazione")
    cover.setGeometry(500, 50, 600, 600)
    cover.show()
    spin(1.5)
    out["right_covered"] = states(wall)
    cover.setGeometry(50, 50, 1000, 600)
    spin(1.5)
    out["all_covered"] = states(wall)
    out["decoding_when_covered"] = sum(
        1 for t in wall.tiles[:4] if t.backend() is not None and t.backend().playing
    )

    # Its client area starts 5 px below the top of tile 0: only its title bar (if a WM draws
    # one) covers that strip.
    tile0 = wall.tiles[0].mapToGlobal(QPoint(0, 0))
    cover.setGeometry(tile0.x() - 50, tile0.y() + 5, 500, 600)
    spin(1.5)
    out["cover_frame"] = cover.frameGeometry().getRect()
    out["cover_client"] = cover.geometry().getRect()
    out["left_under_title_bar"] = states(wall)

    # Over everything but minimised by a WM that keeps minimised windows mapped (as compositing
    # ones may): the properties such a WM sets, on the still mapped window.
    cover.setGeometry(50, 50, 1000, 600)
    spin(1.0)
    x.mark_hidden(int(cover.winId()), True)
    spin(1.5)
    out["cover_minimised_but_mapped"] = states(wall)
    x.mark_hidden(int(cover.winId()), False)
    cover.hide()
    spin(2.0)
    out["uncovered"] = states(wall)

    # A menu (override-redirect) over tile 0: brief ones must not stop it, one that stays does.
    occlusion = shared_occlusion()
    assert occlusion is not None
    occlusion.override_grace = 2.5
    menu = QMenu()
    for i in range(14):
        menu.addAction(f"voce di menu {i + 1}")
    menu.setMinimumWidth(wall.tiles[0].width() + 40)
    menu.popup(QPoint(tile0.x() - 20, tile0.y() - 10))
    spin(1.2)
    out["menu_geometry"] = menu.geometry().getRect()
    out["menu_open_briefly"] = states(wall)
    spin(3.5)  # the grace (2.5 s) is over well before this, whenever the first poll saw it
    out["menu_stays_open"] = states(wall)
    menu.close()
    spin(2.0)
    out["menu_closed"] = states(wall)

    # Minimised through the window manager (taskbar, title-bar button), then restored.
    x.minimise(int(wall.winId()))
    spin(1.5)
    out["minimised_by_wm"] = states(wall)
    x.activate(int(wall.winId()))
    spin(2.0)
    out["restored_by_wm"] = states(wall)

    # The operator switches to another virtual desktop and back.
    x.switch_desktop(1)
    spin(1.5)
    out["other_desktop"] = states(wall)
    x.switch_desktop(0)
    spin(2.0)
    out["back_on_its_desktop"] = states(wall)

    # Our own window minimised by a WM that keeps it mapped.
    x.mark_hidden(int(wall.winId()), True)
    spin(1.5)
    out["own_minimised_but_mapped"] = states(wall)
    x.mark_hidden(int(wall.winId()), False)
    spin(1.5)
    out["own_shown_again_1"] = states(wall)
    # ... with _NET_WM_STATE_HIDDEN alone (Qt reads only WM_STATE).
    hidden = x.atom("_NET_WM_STATE_HIDDEN")
    x.set_cardinals(int(wall.winId()), "_NET_WM_STATE", "ATOM", [hidden])
    spin(1.5)
    out["own_hidden_by_net_wm_state"] = states(wall)
    x.mark_hidden(int(wall.winId()), False)
    if out["window_manager"]:
        x.activate(int(wall.winId()))
    spin(2.0)
    out["own_shown_again"] = states(wall)
    wall.release()
    x.close()
    return out


def _start(
    argv: list[str], display: str, log: Path, ready: Callable[[Any], int], what: str
) -> subprocess.Popen[bytes]:
    """Start a desktop program on `display`; skip (saying why) if it does not come up in 15 s."""
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed (Debian package {argv[0]}, installer/setup.sh)")
    from tests.gui.x11 import XClient

    with log.open("wb") as sink:
        proc = subprocess.Popen(
            argv, env=dict(os.environ, DISPLAY=display), stdout=sink, stderr=sink
        )
    x = XClient(display)
    try:
        end = time.monotonic() + 15
        while not ready(x) and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        running = bool(ready(x))
    finally:
        x.close()
    if not running:
        _stop(proc)
        pytest.skip(f"{what} did not come up within 15 s: {log.read_text()[-300:]}")
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(params=["none", "openbox", "openbox+picom"])
def desktop(
    request: pytest.FixtureRequest, xserver: str, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """The X display bare, under a reparenting window manager (openbox), or with a compositor
    (picom, xrender backend: windows are redirected off-screen and composited)."""
    wm = str(request.param)
    started: list[subprocess.Popen[bytes]] = []
    try:
        if "openbox" in wm:
            started.append(
                _start(
                    ["openbox", "--sm-disable"], xserver, tmp_path / "openbox.log",
                    lambda x: x.window_manager(), "openbox",
                )
            )  # fmt: skip
        if "picom" in wm:
            started.append(
                _start(
                    ["picom", "--backend", "xrender", "--config", "/dev/null"], xserver,
                    tmp_path / "picom.log", lambda x: x.compositor(), "picom",
                )
            )  # fmt: skip
        yield xserver, wm
    finally:
        for proc in reversed(started):
            _stop(proc)


P, S = "playing", "suspended"


def test_covered_tiles_stop_decoding_on_a_real_x_server(
    desktop: tuple[str, str], tmp_path: Path
) -> None:
    display, wm = desktop
    env = dict(os.environ)
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", CENTRALE_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "tests.gui.test_video_covered", "--probe", wm],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if "could not connect to display" in done.stderr or "platform plugin" in done.stderr:
        pytest.skip(f"Qt cannot use the X server: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    managed = wm != "none"
    assert report["window_manager"] is managed, report
    assert report["compositor"] is ("picom" in wm), report
    if managed:  # reparented: the frame is larger than the client by the decorations
        assert report["cover_frame"][3] > report["cover_client"][3], report
    expected = {
        "alone": [P] * 4,
        "right_covered": [P, S, P, S],
        "all_covered": [S] * 4,
        "decoding_when_covered": 0,
        # The other window's title bar covers too (frame geometry, not client geometry).
        "left_under_title_bar": [S, P, S, P] if managed else [P, P, S, P],
        "cover_minimised_but_mapped": [P] * 4,
        "uncovered": [P] * 4,
        "menu_open_briefly": [P] * 4,
        "menu_stays_open": [S, P, P, P],
        "menu_closed": [P] * 4,
        # Without a WM nobody minimises: the window stays on screen and must keep playing.
        "minimised_by_wm": [S] * 4 if managed else [P] * 4,
        "restored_by_wm": [P] * 4,
        "other_desktop": [S] * 4 if managed else [P] * 4,
        "back_on_its_desktop": [P] * 4,
        "own_minimised_but_mapped": [S] * 4,
        "own_shown_again_1": [P] * 4,
        "own_hidden_by_net_wm_state": [S] * 4,
        "own_shown_again": [P] * 4,
    }
    wrong = {k: {"got": report[k], "want": v} for k, v in expected.items() if report[k] != v}
    assert not wrong, f"{json.dumps(wrong)}\nreport: {json.dumps(report)}"


if __name__ == "__main__" and "--probe" in sys.argv:
    sys.stdout.write(json.dumps(probe(sys.argv[-1])) + "\n")
