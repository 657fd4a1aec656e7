"""Digital zoom on a tile: which part of the camera's picture the tile shows, Qt-free.

A view is the visible part of the picture in normalised coordinates (0..1, origin top-left),
always with the picture's own aspect (the same fraction of width and height), so the tile keeps
the camera's proportions at any zoom. Zooming keeps the picture point under the cursor where it
is; panning moves the view by a fraction of itself; the view never leaves the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ZOOM = 8.0  # beyond this a sub stream is a few dozen pixels: nothing more to read
STEP = 1.25  # one wheel notch or one key press


@dataclass(frozen=True)
class View:
    x: float = 0.0
    y: float = 0.0
    size: float = 1.0  # fraction of the picture's width (and height) shown

    @property
    def zoom(self) -> float:
        return 1.0 / self.size

    @property
    def whole(self) -> bool:
        return self.size >= 1.0

    def to_picture(self, u: float, v: float) -> tuple[float, float]:
        """A point of the tile's picture area (0..1) -> the camera picture (0..1)."""
        return self.x + u * self.size, self.y + v * self.size

    def to_view(self, px: float, py: float) -> tuple[float, float]:
        """A point of the camera picture (0..1) -> the tile's picture area (may be outside 0..1)."""
        return (px - self.x) / self.size, (py - self.y) / self.size


WHOLE = View()


def _clamp(x: float, y: float, size: float) -> View:
    size = min(1.0, max(1.0 / MAX_ZOOM, size))
    x = min(max(0.0, x), 1.0 - size)
    y = min(max(0.0, y), 1.0 - size)
    return View(x, y, size)


def zoom_at(view: View, factor: float, u: float = 0.5, v: float = 0.5) -> View:
    """Zoom in (factor > 1) or out around the tile point (u, v), which stays under the cursor."""
    if factor <= 0:
        return view
    px, py = view.to_picture(u, v)
    size = min(1.0, max(1.0 / MAX_ZOOM, view.size / factor))
    if size >= 1.0:
        return WHOLE
    return _clamp(px - u * size, py - v * size, size)


def pan(view: View, du: float, dv: float) -> View:
    """Move the view by (du, dv) of the tile's picture area (a drag to the right shows what
    lies to the left, as when dragging a photo)."""
    return _clamp(view.x - du * view.size, view.y - dv * view.size, view.size)


def crop(view: View, width: int, height: int, align: int = 2) -> tuple[int, int, int, int]:
    """The view in source pixels (x, y, w, h), on multiples of `align` (chroma subsampling)."""

    def snap(value: float) -> int:
        return int(value) // align * align

    w = max(align, snap(view.size * width))
    h = max(align, snap(view.size * height))
    x = min(snap(view.x * width), (width - w) // align * align)
    y = min(snap(view.y * height), (height - h) // align * align)
    return max(0, x), max(0, y), w, h
