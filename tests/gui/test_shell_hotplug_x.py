"""A real screen unplug: Xorg with three dummy heads, `xrandr --output DUMMY2 --off` while the
shell runs. Qt leaves the window at x=3840 (off-screen) unless the shell moves it; this checks it
does, and that the window goes back when the head returns. Skips, saying why, where Xorg with the
dummy driver cannot start."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gui.test_shell_screens import assert_each_window_on_its_own_screen

REPO = Path(__file__).resolve().parents[2]
MULTIHEAD = REPO.parent / "shared" / "tools" / "multihead-x"

pytestmark = pytest.mark.slow


@pytest.fixture
def xserver() -> Iterator[str]:
    if not MULTIHEAD.is_file():
        pytest.skip(f"{MULTIHEAD} not found")
    for tool in ("Xorg", "xrandr"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (packages xserver-xorg-core x11-xserver-utils)")
    if not Path("/usr/lib/xorg/modules/drivers/dummy_drv.so").exists():
        pytest.skip("the Xorg dummy driver is not installed (xserver-xorg-video-dummy)")
    if os.geteuid() != 0:
        pytest.skip("multihead-x starts Xorg, which needs root here")
    try:
        done = subprocess.run([str(MULTIHEAD), "3"], capture_output=True, text=True, timeout=60,
                              check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("Xorg with the dummy driver did not start within 60 s")
    found = re.search(r"DISPLAY=(:\d+) PID=(\d+)", done.stdout)
    if done.returncode != 0 or not found:
        pid = re.search(r"PID=(\d+)", done.stdout)
        if pid:
            os.kill(int(pid.group(1)), signal.SIGTERM)
        pytest.skip(f"Xorg with the dummy driver cannot start here: {done.stderr.strip()[-300:]}")
    display, pid = found.group(1), int(found.group(2))
    # Xorg is not our child (the tool's shell started it): watch it through a pid fd.
    watch = os.pidfd_open(pid)
    try:
        yield display
    finally:
        os.kill(pid, signal.SIGTERM)
        ready, _, _ = select.select([watch], [], [], 15)
        os.close(watch)
        if not ready:
            os.kill(pid, signal.SIGKILL)


def test_unplugged_head_rehomes_its_window_and_it_returns(xserver: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(DISPLAY=xserver, QT_QPA_PLATFORM="xcb", CENTRALE_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "tests.gui.shell_probe", "--layout", "radio-room",
         "--xrandr-off", "DUMMY2"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    if ("could not connect to display" in done.stderr
            or "Could not load the Qt platform plugin" in done.stderr):
        pytest.skip(f"Qt cannot use the X server: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])

    assert assert_each_window_on_its_own_screen(report["initial"]) == [0, 1, 2]
    assert report["rehomed_on_removal"], "the shell reacted to Qt's screenRemoved"
    after = report["after_drop"]
    assert len(after["screens"]) == 2
    # Nobody left at x=3840, nobody hidden behind another window: panels folded onto two.
    assert assert_each_window_on_its_own_screen(after) == [0, 1]
    assert after["windows"][1]["docks"] == ["eventi-chat", "eventi-tutti"]
    assert any("Schermo scollegato" in n for n in after["notices"])
    assert report["rehomed_on_return"]
    assert assert_each_window_on_its_own_screen(report["after_restore"]) == [0, 1, 2]
