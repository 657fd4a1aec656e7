"""Build the shell on whatever screens this Qt platform has and print what happened as JSON.

The Qt platform (and so the number of offscreen screens) is fixed per process, so tests run this
in a subprocess with QT_QPA_PLATFORM="offscreen:configfile=tests/data/screens/N.json".

    python -m tests.gui.shell_probe --layout radio-room [--drop 1] [--restore]
        [--screenshot DIR] [--save] [--broken]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QRect, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

from console.layouts import load_layout
from console.status import StatusModel
from tests.gui.fakes import FakeJournal, sample_events
from widgets.common.style import apply_style
from widgets.journal import register as register_journal
from widgets.shell.context import PanelContext
from widgets.shell.registry import PanelRegistry
from widgets.shell.screens import ordered_screens
from widgets.shell.shell import Shell


def rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def describe(shell: Shell, status: StatusModel) -> dict[str, Any]:
    screens = ordered_screens()
    windows = []
    for w in shell.windows():
        docks = [d for d in w.findChildren(QDockWidget) if d.parent() is w]
        windows.append({
            "index": w.index,
            "title": w.windowTitle(),
            "geometry": rect(w.frameGeometry()),
            "screen": w.screen().name() if w.screen() else None,
            "visible": w.isVisible(),
            "fullscreen": w.isFullScreen(),
            "central": w.centralWidget().objectName() if w.centralWidget() else None,
            "docks": sorted(d.objectName() for d in docks),
            "tabbed": sorted(
                sorted([d.objectName()] + [t.objectName() for t in w.tabifiedDockWidgets(d)])
                for d in docks if w.tabifiedDockWidgets(d)
            ),
            "strip": w.strip.isVisible(),
            "floating": [
                {"key": d.objectName(), "geometry": rect(d.frameGeometry())}
                for d in docks if d.isFloating()
            ],
        })
    return {
        "screens": [{"name": s.name(), "geometry": rect(s.geometry())} for s in screens],
        "windows": windows,
        "notices": [n.text for n in status.notices],
    }


def settle(app: QApplication, shell: Shell, seconds: float) -> bool:
    """Run the event loop until the shell re-homes its windows, or `seconds` pass."""
    loop = QEventLoop()
    fired: list[bool] = []
    shell.rehomed.connect(lambda: fired.append(True))
    shell.rehomed.connect(loop.quit)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    # Let the X server apply the moves before geometries are read back.
    QTimer.singleShot(500, loop.quit)
    loop.exec()
    return bool(fired)


def hotplug(app: QApplication, shell: Shell, status: StatusModel, output: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    subprocess.run(["xrandr", "--output", output, "--off"], check=True, timeout=20)
    out["rehomed_on_removal"] = settle(app, shell, 10)
    out["after_drop"] = describe(shell, status)
    previous = f"DUMMY{int(output.removeprefix('DUMMY')) - 1}"
    subprocess.run(["xrandr", "--output", output, "--mode", "1920x1080", "--right-of", previous],
                   check=True, timeout=20)
    out["rehomed_on_return"] = settle(app, shell, 10)
    out["after_restore"] = describe(shell, status)
    return out


def _panel_names(layout: str) -> set[str]:
    import tomllib

    from console.layouts import resolve_layout_path

    raw = tomllib.loads(resolve_layout_path(layout).read_text(encoding="utf-8"))
    return {p["name"] for screen in raw.get("screens", []) for p in screen.get("panels", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layout", default="radio-room")
    parser.add_argument("--shipped", action="store_true",
                        help="use layouts/ instead of the fixture layouts in tests/data/layouts")
    parser.add_argument("--drop", type=int, default=None, help="re-home without screen N")
    parser.add_argument("--restore", action="store_true", help="then spread on all screens")
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--save", action="store_true", help="save the arrangement on close")
    parser.add_argument("--float", dest="float_dock", default=None,
                        help="float the dock with this key before closing")
    parser.add_argument("--broken", action="store_true", help="register a failing panel")
    parser.add_argument("--xrandr-off", default=None,
                        help="X only: switch this output off, wait for re-homing, switch it on")
    args = parser.parse_args(argv)
    fixture = Path(__file__).resolve().parents[1] / "data" / "layouts" / f"{args.layout}.toml"
    if not args.shipped and fixture.exists():
        # Placement tests pin panel ids: they use fixture layouts that do not change with the
        # product's layouts (which get their own test with --shipped).
        args.layout = str(fixture)

    app = QApplication(sys.argv[:1])
    apply_style(app)
    registry = PanelRegistry()
    register_journal(registry)
    if args.broken:
        def broken(ctx: PanelContext, params: dict[str, Any]) -> QMainWindow:
            raise RuntimeError("file di configurazione mancante")
        registry.register("broken", broken, title="Guasto")
    # The probe checks placement, not panels: every other panel the shipped layout names is
    # stood in for by a light event log, so the real map or video wall need not start here.
    for name in _panel_names(args.layout):
        if name not in registry.names():
            registry.register(name, registry.info("eventlog").factory, title=name)
    journal = FakeJournal(sample_events(args.events))
    status = StatusModel()
    status.operator = "m.rossi"
    status.training = True
    status.set_connection("Back-end di addestramento collegato", "ok")
    ctx = PanelContext(services={"journal": journal}, operator="m.rossi")
    layout = load_layout(args.layout, registry.names())
    shell = Shell(layout, registry, ctx, status)
    shell.show()
    app.processEvents()
    journal.push(sample_events(20, start_id=args.events + 1))
    report: dict[str, Any] = {"initial": describe(shell, status)}
    if args.drop is not None:
        remaining = [s for i, s in enumerate(ordered_screens()) if i != args.drop]
        report["targets"] = shell.rehome(remaining)
        app.processEvents()
        report["after_drop"] = describe(shell, status)
        report["after_drop"]["screens"] = [
            {"name": s.name(), "geometry": rect(s.geometry())} for s in remaining
        ]
        if args.restore:
            shell.spread()
            app.processEvents()
            report["after_restore"] = describe(shell, status)
    if args.xrandr_off:
        report.update(hotplug(app, shell, status, args.xrandr_off))
    if args.float_dock:
        for w in shell.windows():
            for d in w.findChildren(QDockWidget):
                if d.objectName() == args.float_dock:
                    d.setFloating(True)
        app.processEvents()
    if args.screenshot is not None:
        app.processEvents()
        report["screenshots"] = [str(p) for p in shell.screenshot(args.screenshot)]
    if args.save:
        report["saved"] = str(shell.save_state())
    shell.close()
    app.processEvents()
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
