"""The opening view a layout asks for: the city for a radio room, the metro area for a crisis."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pytestqt.qtbot import QtBot

from widgets.map import create_map_panel, opening_view


def test_layout_zoom_and_center_are_applied(qtbot: QtBot) -> None:
    ctx = SimpleNamespace(services={}, mode="radio-room", touch=False)
    panel = create_map_panel(ctx, {"zoom": 13.0, "center": [9.2, 45.48]})
    qtbot.add_widget(panel)
    assert panel.canvas.zoom() == pytest.approx(13.0, abs=0.05)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, (None, None)),
        ({"zoom": 12.5}, (None, 12.5)),
        ({"center": [9.19, 45.46], "zoom": "11"}, ((9.19, 45.46), 11.0)),
        ({"center": [45.46, 9.19, 3]}, (None, None)),  # three numbers: not a point
        ({"center": [200, 45]}, (None, None)),  # outside the world
        ({"center": "Milano"}, (None, None)),
        ({"zoom": 40}, (None, None)),
        ({"zoom": "vicino"}, (None, None)),
    ],
)
def test_opening_view_drops_what_makes_no_sense(
    params: dict[str, object], expected: tuple[object, object]
) -> None:
    assert opening_view(params) == expected
