"""Running a camera tour: which picture comes next and for how long. Qt-free, no timers.

A tour runs either on one tile (cameras one after the other; saved views cannot fit in one tile
and are skipped) or on the whole wall, as on a videowall: consecutive cameras are shown a page
at a time, as many as the grid has tiles, and a saved view is shown as a page of its own.
The wall owns the timer; this object only says what to show and for how long.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.cameras.views import Tour
from console.i18n import tr

PREFETCH_S = 3.0  # how long before a turn the next stop's streams are opened on standby


@dataclass(frozen=True)
class TourFrame:
    """What the wall shows for one dwell: cameras (grid order), or a saved view by name."""

    dwell_s: float
    cameras: tuple[str, ...] = ()
    salvo: str = ""


def plan(tour: Tour, whole_wall: bool, page_size: int) -> list[TourFrame]:
    """The tour as frames. A page lasts as long as the longest dwell among its cameras."""
    frames: list[TourFrame] = []
    page: list[str] = []
    page_dwell = 0.0

    def flush() -> None:
        nonlocal page, page_dwell
        if page:
            frames.append(TourFrame(page_dwell, tuple(page)))
        page, page_dwell = [], 0.0

    for step in tour.steps:
        dwell = tour.dwell_of(step)
        if step.kind == "salvo":
            if whole_wall:
                flush()
                frames.append(TourFrame(dwell, salvo=step.ref))
        elif not whole_wall:
            frames.append(TourFrame(dwell, (step.ref,)))
        else:
            page.append(step.ref)
            page_dwell = max(page_dwell, dwell)
            if len(page) >= max(1, page_size):
                flush()
    flush()
    return frames


def prefetch_lead(dwell_s: float, lead_s: float = PREFETCH_S) -> float:
    """Seconds before the end of a dwell at which the next stop is opened on standby.

    `lead_s` (the time an RTSP open and a first key frame take, 1-2 s measured), never more
    than the dwell itself, so at most one next page is ever being prepared.
    """
    return max(0.0, min(lead_s, dwell_s))


class TourRun:
    """Position and pause state of one running tour."""

    def __init__(
        self, tour: Tour, whole_wall: bool, tile: int, page_size: int, grid: str = ""
    ) -> None:
        self.tour = tour
        self.grid = grid  # the wall's layout when the tour started: camera pages use it
        self.whole_wall = whole_wall
        self.tile = tile
        self.frames = plan(tour, whole_wall, page_size)
        self.position = -1  # index of the frame on screen; -1 before the first
        self.paused = False
        self.pause_reason = ""

    def __bool__(self) -> bool:
        return bool(self.frames)

    def advance(self) -> TourFrame:
        if not self.frames:
            raise ValueError("empty tour")
        self.position = (self.position + 1) % len(self.frames)
        return self.frames[self.position]

    def peek(self) -> TourFrame | None:
        """The frame the next `advance()` will give, without moving (None for an empty tour)."""
        if not self.frames:
            return None
        return self.frames[(self.position + 1) % len(self.frames)]

    def current(self) -> TourFrame | None:
        return self.frames[self.position] if 0 <= self.position < len(self.frames) else None

    def label(self) -> str:
        """Short words for the toolbar and the tile badge."""
        where = tr("parete") if self.whole_wall else tr("riquadro {n}", n=self.tile + 1)
        text = tr(
            "Giro «{name}» {pos}/{total} ({where})",
            name=self.tour.name,
            pos=max(0, self.position) + 1,
            total=len(self.frames),
            where=where,
        )
        if self.paused:
            text = tr("{text} — in pausa", text=text)
        return text
