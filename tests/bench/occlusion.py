"""Cost of the covered-window check (widgets/video/occlusion.py) on a real X server.

    DISPLAY=:N QT_QPA_PLATFORM=xcb python -m tests.bench.occlusion [--windows 0,6] [--checks 1000]

Start the server first (../shared/tools/multihead-x 1; add `openbox &` for a window manager).
Our window, then N other windows overlapping it and a menu over it; the wall makes one check per
400 ms while shown. Reference: one X round trip (a QueryTree on our window) in the same run.
Prints one JSON object per line (STYLE.md); the machine is shared, figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def emit(metric: str, value: float, unit: str, goal: str, reference: float | None = None) -> None:
    row: dict[str, Any] = {"bench": "occlusion", "metric": metric, "value": round(value, 4)}
    row["unit"] = unit
    if reference is not None:
        row["reference"] = round(reference, 4)
        row["ratio"] = round(value / reference, 2) if reference else None
    row["goal"] = goal
    print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", default="0,6")
    parser.add_argument("--checks", type=int, default=1000)
    args = parser.parse_args()

    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication, QMenu, QWidget

    from widgets.video.occlusion import X11Occlusion

    app = QApplication([])

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    ours = QWidget()
    ours.setGeometry(100, 100, 1200, 700)
    ours.show()
    menu = QMenu()
    menu.addAction("voce")
    menu.popup(QPoint(300, 300))
    others: list[QWidget] = []
    probe = X11Occlusion()
    if not probe.available:
        raise SystemExit("no X server: set DISPLAY (and QT_QPA_PLATFORM=xcb)")
    wid = int(ours.winId())
    for n in (int(v) for v in args.windows.split(",")):
        while len(others) < n:
            other = QWidget()
            other.setGeometry(150 + 60 * len(others), 150 + 40 * len(others), 300, 200)
            other.show()
            others.append(other)
        spin(1.5)
        probe.uncovered(wid)
        start = time.perf_counter()
        for _ in range(args.checks):
            probe._tree(wid)
        round_trip = (time.perf_counter() - start) / args.checks * 1000
        start = time.perf_counter()
        for _ in range(args.checks):
            probe.uncovered(wid)
        check = (time.perf_counter() - start) / args.checks * 1000
        emit(f"check_ms_{n}_windows_over", check, "ms", "<= 1 (0.25 % of a core)", round_trip)
    probe.close()


if __name__ == "__main__":
    main()
