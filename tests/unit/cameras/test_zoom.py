"""Digital zoom views: the point under the cursor stays put, the view never leaves the picture,
crops land on even pixels inside the frame."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.cameras import zoom

unit = st.floats(min_value=0.0, max_value=1.0)


@given(u=unit, v=unit, steps=st.integers(min_value=1, max_value=6))
def test_zooming_in_keeps_the_point_under_the_cursor(u: float, v: float, steps: int) -> None:
    view = zoom.WHOLE
    target = view.to_picture(u, v)
    for _ in range(steps):
        view = zoom.zoom_at(view, zoom.STEP, u, v)
    assert view.to_picture(u, v) == pytest.approx(target, abs=1e-9)


@given(u=unit, v=unit, factor=st.floats(min_value=0.1, max_value=50.0), du=unit, dv=unit)
def test_a_view_never_leaves_the_picture(
    u: float, v: float, factor: float, du: float, dv: float
) -> None:
    view = zoom.pan(zoom.zoom_at(zoom.WHOLE, factor, u, v), du * 3 - 1.5, dv * 3 - 1.5)
    assert 1 / zoom.MAX_ZOOM - 1e-12 <= view.size <= 1.0
    assert 0.0 <= view.x <= 1.0 - view.size + 1e-12
    assert 0.0 <= view.y <= 1.0 - view.size + 1e-12


def test_zoom_stops_at_the_limit_and_zooming_out_returns_to_the_whole_picture() -> None:
    view = zoom.WHOLE
    for _ in range(30):
        view = zoom.zoom_at(view, zoom.STEP, 0.9, 0.1)
    assert view.zoom == pytest.approx(zoom.MAX_ZOOM)
    for _ in range(30):
        view = zoom.zoom_at(view, 1 / zoom.STEP, 0.2, 0.7)
    assert view == zoom.WHOLE
    assert view.whole


def test_dragging_right_shows_what_lies_to_the_left() -> None:
    view = zoom.zoom_at(zoom.WHOLE, 4.0)  # centred, a quarter of the picture
    moved = zoom.pan(view, 0.5, 0.0)  # dragged right by half the tile
    assert moved.x == pytest.approx(view.x - 0.5 * view.size)
    assert moved.y == pytest.approx(view.y)


@given(x=unit, y=unit, size=st.floats(min_value=1 / zoom.MAX_ZOOM, max_value=1.0))
def test_crops_are_even_and_inside_the_frame(x: float, y: float, size: float) -> None:
    view = zoom.View(min(x, 1 - size), min(y, 1 - size), size)
    cx, cy, cw, ch = zoom.crop(view, 640, 360)
    assert cx % 2 == 0
    assert cy % 2 == 0
    assert cw % 2 == 0
    assert ch % 2 == 0
    assert cx >= 0
    assert cx + cw <= 640
    assert cy >= 0
    assert cy + ch <= 360
    assert abs(cw - size * 640) <= 2
    assert abs(ch - size * 360) <= 2
