"""Putting windows on screens: which screens, in which order, and moving a window onto one.

Qt helpers for the shell; the arithmetic lives in placement.py.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QDockWidget

from widgets.shell import placement
from widgets.shell.window import ShellWindow


def ordered_screens(screens: list[QScreen] | None = None) -> list[QScreen]:
    """Screens left to right, then top to bottom: the order layout screens are matched in."""
    found = list(QGuiApplication.screens() if screens is None else screens)
    return sorted(found, key=lambda s: (s.geometry().x(), s.geometry().y()))


def rect_of(r: QRect) -> placement.Rect:
    return r.x(), r.y(), r.width(), r.height()


def place_window(window: ShellWindow, screen: QScreen) -> None:
    """Show `window` on `screen` in the state its layout asks for. The native window is told
    its screen first: otherwise Qt opens fullscreen windows on the primary screen."""
    state = window.spec.window
    if window.isFullScreen() or window.isMaximized():
        window.showNormal()
    window.create()  # a native handle, so it can be told its screen before showing
    handle = window.windowHandle()
    if handle is not None:
        handle.setScreen(screen)
    avail = rect_of(screen.availableGeometry())
    if state == "normal":
        current = rect_of(window.geometry())
        if current[2] < 200 or current[3] < 150 or not window.isVisible():
            w, h = int(avail[2] * 0.8), int(avail[3] * 0.8)
            current = (avail[0] + (avail[2] - w) // 2, avail[1] + (avail[3] - h) // 2, w, h)
        window.setGeometry(QRect(*placement.fit(current, avail)))
        window.show()
    else:
        window.setGeometry(QRect(*avail))
        if state == "fullscreen":
            window.showFullScreen()
        else:
            window.showMaximized()


def keep_floating_on_screen(windows: list[ShellWindow], screens: list[QScreen]) -> None:
    """Floating panels are windows too: each one lies wholly on a screen."""
    rects = [rect_of(s.availableGeometry()) for s in screens]
    if not rects:
        return
    for window in windows:
        for dock in window.findChildren(QDockWidget):
            if not dock.isFloating():
                continue
            frame = rect_of(dock.frameGeometry())
            if any(placement.fit(frame, r) == frame for r in rects):
                continue
            home = placement.screen_of(frame, rects)
            if home is None:
                home = placement.screen_of(rect_of(window.frameGeometry()), rects) or 0
            fx, fy, fw, fh = placement.fit(frame, rects[home])
            inner = dock.geometry()
            left, top = inner.x() - frame[0], inner.y() - frame[1]
            extra_w, extra_h = frame[2] - inner.width(), frame[3] - inner.height()
            dock.setGeometry(QRect(fx + left, fy + top, fw - extra_w, fh - extra_h))
