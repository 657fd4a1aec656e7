"""The shell on 1, 2 and 3 screens, and after a screen goes away.

The offscreen platform's screens are fixed when Qt starts, so each configuration runs the probe
(tests/gui/shell_probe.py) in its own process and reads back what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
SCREENS = REPO / "tests" / "data" / "screens"


def probe(home: Path, screens: str, *args: str) -> dict[str, Any]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS / screens}.json"
    env["CENTRALE_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "tests.gui.shell_probe", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=90, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def inside(rect: list[int], screen: list[int]) -> bool:
    x, y, w, h = rect
    sx, sy, sw, sh = screen
    return sx <= x and sy <= y and x + w <= sx + sw and y + h <= sy + sh


def screen_index(rect: list[int], screens: list[dict[str, Any]]) -> int:
    hits = [i for i, s in enumerate(screens) if inside(rect, s["geometry"])]
    assert len(hits) == 1, f"window {rect} is not on exactly one screen of {screens}"
    return hits[0]


def assert_each_window_on_its_own_screen(view: dict[str, Any]) -> list[int]:
    placed = [screen_index(w["geometry"], view["screens"]) for w in view["windows"]]
    assert len(set(placed)) == len(placed), f"two windows share a screen: {placed}"
    for window in view["windows"]:
        assert window["visible"]
        assert window["strip"], "every window has the status strip"
        for floating in window["floating"]:
            screen_index(floating["geometry"], view["screens"])
    return placed


def test_three_screens_three_windows_each_on_its_screen(tmp_path: Path) -> None:
    view = probe(tmp_path, "three", "--layout", "radio-room")["initial"]
    assert assert_each_window_on_its_own_screen(view) == [0, 1, 2]
    assert [w["geometry"] for w in view["windows"]] == [s["geometry"] for s in view["screens"]]
    assert all(w["fullscreen"] for w in view["windows"])
    assert [w["screen"] for w in view["windows"]] == ["LEFT", "CENTER", "RIGHT"]
    assert view["windows"][2]["docks"] == ["eventi-tutti"]
    assert not any("riuniti" in n for n in view["notices"])


def test_two_screens_fold_the_third_into_the_last_window(tmp_path: Path) -> None:
    view = probe(tmp_path, "two", "--layout", "radio-room")["initial"]
    assert assert_each_window_on_its_own_screen(view) == [0, 1]
    last = view["windows"][1]
    assert last["docks"] == ["eventi-chat", "eventi-tutti"]
    assert last["tabbed"] == [["eventi-chat", "eventi-tutti"]] * 2, "folded panels are tabs"
    assert "Allarmi + Comunicazioni" in last["title"]
    assert "Layout per 3 schermi su 2: pannelli riuniti" in view["notices"]


def test_one_screen_gathers_every_panel(tmp_path: Path) -> None:
    view = probe(tmp_path, "one", "--layout", "radio-room")["initial"]
    assert assert_each_window_on_its_own_screen(view) == [0]
    only = view["windows"][0]
    assert only["central"] == "central-eventi-operativi"
    assert only["docks"] == ["eventi-allarmi", "eventi-chat", "eventi-tutti"]
    assert "Layout per 3 schermi su 1: pannelli riuniti" in view["notices"]


def test_more_screens_than_the_layout_leaves_the_extra_ones_unused(tmp_path: Path) -> None:
    view = probe(tmp_path, "three", "--layout", "video-room")["initial"]
    assert assert_each_window_on_its_own_screen(view) == [0, 1]
    assert not any("riuniti" in n for n in view["notices"])


@pytest.mark.parametrize("dropped", [2, 1])
def test_screen_unplugged_folds_its_panels_and_unfolds_when_back(
    tmp_path: Path, dropped: int
) -> None:
    report = probe(tmp_path, "three", "--layout", "radio-room", "--drop", str(dropped),
                   "--restore")
    after = report["after_drop"]
    # Two screens left: two windows, one per screen, none off-screen or hidden behind another.
    assert assert_each_window_on_its_own_screen(after) == [0, 1]
    assert after["windows"][1]["docks"] == ["eventi-chat", "eventi-tutti"]
    assert "Schermo scollegato: pannelli riuniti su 2 schermi" in after["notices"]
    restored = report["after_restore"]
    assert assert_each_window_on_its_own_screen(restored) == [0, 1, 2]
    assert restored["windows"][2]["docks"] == ["eventi-tutti"]
    assert "Schermo collegato: layout su 3 schermi" in restored["notices"]


def test_unused_screens_absorb_an_orphan_window_without_refolding(tmp_path: Path) -> None:
    # video-room wants 2 screens; with 3 present, losing the first leaves 2: the window that
    # was on it moves to the free screen, the other one does not move.
    report = probe(tmp_path, "three", "--layout", "video-room", "--drop", "0", "--restore")
    before, after = report["initial"], report["after_drop"]
    assert report["targets"] == [1, 0]
    assert after["windows"][1]["geometry"] == before["windows"][1]["geometry"]
    assert [screen_index(w["geometry"], after["screens"]) for w in after["windows"]] == [1, 0]
    assert any("Schermo scollegato: finestra «Telecamere»" in n for n in after["notices"])
    assert assert_each_window_on_its_own_screen(report["after_restore"]) == [0, 1]


def test_screenshots_one_png_per_window_named_by_screen(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    report = probe(tmp_path, "three", "--layout", "radio-room", "--screenshot", str(out))
    names = sorted(Path(p).name for p in report["screenshots"])
    assert names == ["radio-room-CENTER.png", "radio-room-LEFT.png", "radio-room-RIGHT.png"]
    image = QImage(str(out / "radio-room-LEFT.png"))
    assert (image.width(), image.height()) == (1920, 1080)


def test_saved_arrangement_survives_fewer_screens_and_comes_back(tmp_path: Path) -> None:
    first = probe(tmp_path, "three", "--layout", "radio-room", "--float", "eventi-tutti")
    assert first["initial"]["windows"][2]["floating"] == []
    saved = tmp_path / "state" / "uistate" / "radio-room.json"
    assert saved.is_file()
    # Folded onto one screen: the saved state of window 0 does not know the folded docks;
    # they are placed as the layout says, and everything is on screen.
    folded = probe(tmp_path, "one", "--layout", "radio-room")["initial"]
    assert_each_window_on_its_own_screen(folded)
    assert folded["windows"][0]["docks"] == ["eventi-allarmi", "eventi-chat", "eventi-tutti"]
    # Back on three screens, the operator's floating panel is still floating, on a screen.
    again = probe(tmp_path, "three", "--layout", "radio-room")["initial"]
    assert_each_window_on_its_own_screen(again)
    assert [f["key"] for f in again["windows"][2]["floating"]] == ["eventi-tutti"]


@pytest.mark.parametrize(("layout", "screens"), [("radio-room", 3), ("video-room", 2)])
def test_shipped_layouts_put_each_window_on_its_own_screen(
    tmp_path: Path, layout: str, screens: int
) -> None:
    view = probe(tmp_path, "three", "--layout", layout, "--shipped")["initial"]
    assert len(view["windows"]) == screens
    assert assert_each_window_on_its_own_screen(view) == list(range(screens))
