"""Window-to-screen arithmetic: folding, re-homing after an unplug, spreading when it returns."""

from __future__ import annotations

import pytest

from widgets.shell import placement

W, H = 1920, 1080
THREE = [(0, 0, W, H), (W, 0, W, H), (2 * W, 0, W, H)]


@pytest.mark.parametrize(
    ("wanted", "present", "windows", "folded"),
    [(3, 3, 3, []), (3, 2, 2, [2]), (3, 1, 1, [1, 2]), (2, 3, 2, []), (1, 1, 1, [])],
)
def test_plan_folds_extra_layout_screens_into_the_last_window(
    wanted: int, present: int, windows: int, folded: list[int]
) -> None:
    plan = placement.plan(wanted, present)
    assert plan.windows == windows
    assert plan.folded == folded
    assert [plan.window_of(s) for s in range(wanted)] == [min(s, windows - 1)
                                                          for s in range(wanted)]


def test_plan_with_no_screen_reported_still_gives_one_window() -> None:
    assert placement.plan(3, 0).windows == 1


def test_unplugged_right_screen_moves_its_window_to_a_present_screen() -> None:
    windows = [THREE[0], THREE[1], THREE[2]]
    targets = placement.rehome(windows, THREE[:2])
    assert targets[:2] == [0, 1], "windows still on a screen do not move"
    assert targets[2] in (0, 1)


def test_unplugged_middle_screen_keeps_the_others_where_they_are() -> None:
    # Qt's list after removing the middle head: LEFT and RIGHT remain.
    remaining = [THREE[0], THREE[2]]
    targets = placement.rehome([THREE[0], THREE[1], THREE[2]], remaining)
    assert targets[0] == 0
    assert targets[2] == 1
    assert targets[1] in (0, 1)


def test_orphans_go_to_the_least_loaded_screen() -> None:
    windows = [THREE[0], THREE[0], (5000, 0, 800, 600)]
    assert placement.rehome(windows, THREE[:2]) == [0, 0, 1]


def test_rehome_without_screens_is_refused() -> None:
    with pytest.raises(ValueError, match="no screens"):
        placement.rehome([THREE[0]], [])


def test_spread_puts_window_i_on_screen_i() -> None:
    assert placement.spread(3, 3) == [0, 1, 2]
    assert placement.spread(3, 2) == [0, 1, 1]


def test_fit_keeps_a_normal_window_inside_its_screen() -> None:
    assert placement.fit((3900, 50, 800, 600), THREE[1]) == (W + W - 800, 50, 800, 600)
    assert placement.fit((-100, -100, 4000, 2000), THREE[0]) == (0, 0, W, H)


def test_screen_of_uses_the_window_centre() -> None:
    assert placement.screen_of((W - 100, 0, 400, 300), THREE) == 1
    assert placement.screen_of((3 * W + 10, 0, 400, 300), THREE) is None
