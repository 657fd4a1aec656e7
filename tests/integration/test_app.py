"""The product's own check flags, run as a person or CI runs them: `python main.py ...`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.layouts import list_layouts

REPO = Path(__file__).resolve().parents[2]
SCREENS = REPO / "tests" / "data" / "screens"

pytestmark = pytest.mark.integration


def run_main(args: list[str], home: Path, screens: str | None = None, timeout: float = 120):
    env = dict(os.environ, CENTRALE_HOME=str(home))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    if screens is None:
        env.pop("QT_QPA_PLATFORM", None)
    else:
        env["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS / screens}"
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_self_test_prints_one_json_object(tmp_path: Path) -> None:
    done = run_main(["--self-test"], tmp_path, screens="two.json")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["platform"] == "offscreen"
    assert [s["name"] for s in report["screens"]] == ["LEFT", "RIGHT"]
    assert {"eventlog", "map", "video", "alerts"} <= set(report["panels"])
    assert set(list_layouts()) <= set(report["layouts"])
    assert report["video"]["backend"] in {"vlc", "qt"}
    assert isinstance(report["video"]["can_play_rtsp"], bool)
    assert "backend" in report["keyring"]
    assert report["pyside6"].startswith("6.")


def test_no_display_falls_back_to_offscreen_and_says_so(tmp_path: Path) -> None:
    done = run_main(["--self-test"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "offscreen" in done.stderr
    assert json.loads(done.stdout)["platform"] == "offscreen"


def test_radio_room_on_three_screens_writes_three_screenshots(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_main(
        ["--layout", "radio-room", "--no-video", "--screenshot", str(out), "--quit-after", "6"],
        tmp_path,
        screens="three.json",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) == 3, pngs
    assert all(name.startswith("radio-room-") for name in pngs)
    for png in out.glob("*.png"):
        assert png.stat().st_size > 10_000  # a rendered window, not an empty file
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--layout", "nonexistent"], "nonexistent"),
        (["--layout", "radio-room", "--server", "http://127.0.0.1:9", "--quit-after", "1"], None),
    ],
)
def test_bad_input_gets_a_one_line_message_not_a_traceback(
    tmp_path: Path, args: list[str], fragment: str | None
) -> None:
    done = run_main(args, tmp_path, screens="one.json", timeout=60)
    assert "Traceback" not in done.stderr
    if fragment is not None:
        assert done.returncode == 2
        assert fragment in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_broken_settings_file_is_named_with_key_and_reason(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.toml").write_text("[video]\nbackend = 'x'\n")
    done = run_main(["--self-test"], tmp_path, screens="one.json")
    assert done.returncode == 2
    assert "settings.toml: video.backend" in done.stderr
    assert "Traceback" not in done.stderr
