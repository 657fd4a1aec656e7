"""Which window goes on which screen: plain arithmetic on rectangles, no Qt, so every case
(fewer screens, a screen unplugged, a screen back) is tested without a display.

Rectangles are (x, y, width, height) tuples in virtual-desktop pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[int, int, int, int]


@dataclass(frozen=True)
class Plan:
    """How a layout's screens map onto the screens present.

    `windows` is the number of top-level windows; layout screen i < windows gets window i on
    screen i; every layout screen >= windows is folded into `fold_target`.
    """

    wanted: int
    present: int
    windows: int

    @property
    def folded(self) -> list[int]:
        return list(range(self.windows, self.wanted))

    @property
    def fold_target(self) -> int:
        return self.windows - 1

    def window_of(self, layout_screen: int) -> int:
        return min(layout_screen, self.windows - 1)


def plan(wanted: int, present: int) -> Plan:
    """One window per layout screen while screens last; extra screens present stay unused."""
    if wanted < 1:
        raise ValueError("a layout has at least one screen")
    return Plan(wanted, present, max(1, min(wanted, present)))


def contains(rect: Rect, x: int, y: int) -> bool:
    rx, ry, rw, rh = rect
    return rx <= x < rx + rw and ry <= y < ry + rh


def centre(rect: Rect) -> tuple[int, int]:
    x, y, w, h = rect
    return x + w // 2, y + h // 2


def screen_of(window: Rect, screens: list[Rect]) -> int | None:
    """The screen holding the window's centre, or None when the window is off every screen."""
    cx, cy = centre(window)
    for index, rect in enumerate(screens):
        if contains(rect, cx, cy):
            return index
    return None


def rehome(windows: list[Rect], screens: list[Rect]) -> list[int]:
    """Target screen per window after screens changed, moving as few windows as possible.

    A window still on a present screen stays. An orphan (its screen went away: Qt leaves it where
    it was, off-screen) goes to the screen with the fewest windows, preferring later screens (the
    primary one usually carries the busiest window).
    """
    if not screens:
        raise ValueError("no screens to place windows on")
    targets: list[int | None] = [screen_of(w, screens) for w in windows]
    load = [0] * len(screens)
    for target in targets:
        if target is not None:
            load[target] += 1
    out: list[int] = []
    for target in targets:
        if target is None:
            lightest = min(load)
            target = max(i for i, n in enumerate(load) if n == lightest)
            load[target] += 1
        out.append(target)
    return out


def spread(windows: int, screens: int) -> list[int]:
    """Targets when screens came back: window i on screen i, as the layout wants."""
    if screens < 1:
        raise ValueError("no screens to place windows on")
    return [min(i, screens - 1) for i in range(windows)]


def fit(window: Rect, screen: Rect) -> Rect:
    """`window`'s size, clamped to and placed inside `screen` (for windows in normal state)."""
    sx, sy, sw, sh = screen
    x, y, w, h = window
    w, h = min(w, sw), min(h, sh)
    x = min(max(x, sx), sx + sw - w)
    y = min(max(y, sy), sy + sh - h)
    return x, y, w, h
