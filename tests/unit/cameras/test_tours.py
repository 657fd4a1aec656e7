"""Tour planning: one camera per stop on a tile, pages of cameras and saved views on a wall."""

from __future__ import annotations

from console.cameras.tours import PREFETCH_S, TourFrame, TourRun, plan, prefetch_lead
from console.cameras.views import Tour, TourStep


def tour() -> Tour:
    steps = [
        TourStep("camera", "c1"),
        TourStep("camera", "c2", 30.0),
        TourStep("camera", "c3"),
        TourStep("salvo", "Stadio", 5.0),
        TourStep("camera", "c4"),
    ]
    return Tour("Sera", steps, 10.0)


def test_tile_plan_is_one_camera_per_stop_and_skips_saved_views() -> None:
    assert plan(tour(), whole_wall=False, page_size=4) == [
        TourFrame(10.0, ("c1",)),
        TourFrame(30.0, ("c2",)),
        TourFrame(10.0, ("c3",)),
        TourFrame(10.0, ("c4",)),
    ]


def test_wall_plan_pages_cameras_and_keeps_saved_views_in_order() -> None:
    assert plan(tour(), whole_wall=True, page_size=2) == [
        TourFrame(30.0, ("c1", "c2")),  # a page lasts as long as its longest stop
        TourFrame(10.0, ("c3",)),  # a saved view ends the page early
        TourFrame(5.0, salvo="Stadio"),
        TourFrame(10.0, ("c4",)),
    ]


def test_run_wraps_and_says_where_it_is() -> None:
    run = TourRun(tour(), whole_wall=False, tile=2, page_size=4)
    assert [run.advance().cameras for _ in range(5)] == [
        ("c1",),
        ("c2",),
        ("c3",),
        ("c4",),
        ("c1",),
    ]
    assert run.label() == "Giro «Sera» 1/4 (riquadro 3)"
    run.paused = True
    assert run.label().endswith("— in pausa")
    assert not TourRun(Tour("Viste", [TourStep("salvo", "X")]), False, 0, 4)


def test_peek_shows_the_next_frame_without_moving() -> None:
    run = TourRun(tour(), whole_wall=True, tile=0, page_size=2)
    assert run.peek() == TourFrame(30.0, ("c1", "c2"))  # before the first turn: the first page
    run.advance()
    assert run.peek() == TourFrame(10.0, ("c3",))
    assert run.position == 0, "peeking does not turn the page"
    for _ in range(3):
        run.advance()
    assert run.peek() == TourFrame(30.0, ("c1", "c2")), "after the last page: the first again"
    assert TourRun(Tour("Viste", [TourStep("salvo", "X")]), False, 0, 4).peek() is None


def test_prefetch_lead_is_never_longer_than_the_dwell() -> None:
    assert prefetch_lead(20.0) == PREFETCH_S
    assert prefetch_lead(2.0) == 2.0
    assert prefetch_lead(20.0, lead_s=5.0) == 5.0
