"""CameraStore snapshots/events, grids, salvos and tours persistence, URL redaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.api import contract
from console.cameras.grids import GRIDS, grid_size, is_large
from console.cameras.store import CameraStore
from console.cameras.urls import redact
from console.cameras.views import Salvo, Tour, ViewLibrary


def cam(cid: str, name: str = "", heading: float = 0.0) -> dict[str, Any]:
    return {
        "id": cid,
        "name": name or f"Telecamera {cid}",
        "lon": 9.19,
        "lat": 45.46,
        "heading": heading,
        "streams": {"main_rtsp": f"rtsp://h/{cid}", "sub_rtsp": f"rtsp://h/{cid}s"},
    }


def test_store_reset_apply_idempotent_and_bad_items_counted(qtbot: Any) -> None:
    store = CameraStore()
    changes: list[int] = []
    store.cameras_changed.connect(lambda: changes.append(1))
    store.reset([cam("c2", "Duomo"), cam("c1", "Arco della Pace"), {"id": "broken"}])
    assert [c.id for c in store.cameras()] == ["c1", "c2"]
    assert store.rejected == 1
    assert len(changes) == 1
    store.reset([cam("c2", "Duomo"), cam("c1", "Arco della Pace")])
    assert len(changes) == 1  # same state, no signal
    ev = contract.Event(id=5, event="camera.updated", data=cam("c1", "Arco della Pace", 90))
    store.apply([ev, ev])
    store.apply([ev])
    assert len(changes) == 2
    camera = store.get("c1")
    assert camera is not None
    assert camera.heading == 90
    store.apply([contract.Event(id=6, event="camera.updated", data={"garbage": True})])
    assert store.rejected == 2
    assert len(changes) == 2


def test_grids_have_expected_tile_counts_and_cover_the_square() -> None:
    counts = {name: len(cells) for name, cells in GRIDS.items()}
    assert counts == {"1": 1, "2x2": 4, "3x3": 9, "4x4": 16, "1+5": 6, "1+7": 8, "1+12": 13}
    for name, cells in GRIDS.items():
        n = grid_size(name)
        covered = {
            (c.row + r, c.col + k) for c in cells for r in range(c.rows) for k in range(c.cols)
        }
        assert len(covered) == n * n == sum(c.rows * c.cols for c in cells), name
    assert is_large("1+5", 0)
    assert not is_large("1+5", 1)
    assert not is_large("4x4", 0)
    assert not is_large("2x2", 0)
    assert is_large("1", 0)
    assert is_large("1+12", 0)


def test_salvos_and_tours_persist_per_operator(tmp_path: Path) -> None:
    lib = ViewLibrary("mrossi", tmp_path)
    lib.save_salvo(Salvo("Stadio", "2x2", ["c1", None, "c3", "c4"]))
    lib.save_tour(Tour.of_cameras("Navigli", ["c1", "c2"], 15))
    with pytest.raises(ValueError, match="grid"):
        lib.save_salvo(Salvo("X", "5x5", []))
    with pytest.raises(ValueError, match="dwell"):
        lib.save_tour(Tour.of_cameras("Y", ["c1"], 0.5))
    again = ViewLibrary("mrossi", tmp_path)
    salvo = again.salvo("Stadio")
    assert salvo is not None
    assert salvo.tiles == ["c1", None, "c3", "c4"]
    tour = again.tour("Navigli")
    assert tour is not None
    assert tour.dwell_s == 15
    assert ViewLibrary("altro", tmp_path).salvos() == []


def test_damaged_views_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / "mrossi.json").write_text("{not json", encoding="utf-8")
    lib = ViewLibrary("mrossi", tmp_path)
    assert lib.salvos() == []
    assert lib.load_error
    assert (tmp_path / "mrossi.bad").exists()
    lib.save_salvo(Salvo("A", "1", ["c1"]))
    assert ViewLibrary("mrossi", tmp_path).salvo("A") is not None


def test_redact_hides_password_only() -> None:
    assert redact("rtsp://op:s3cret@10.0.0.5:554/live") == "rtsp://op:***@10.0.0.5:554/live"
    assert redact("http://127.0.0.1:8080/cam01.ts") == "http://127.0.0.1:8080/cam01.ts"


def test_two_libraries_on_one_operator_file_do_not_drop_each_others_changes(
    tmp_path: Path,
) -> None:
    """Each wall opens its own library on the operator's file (a videowall has two walls)."""
    mosaic, alarms = ViewLibrary("mrossi", tmp_path), ViewLibrary("mrossi", tmp_path)
    mosaic.set_last("videowall:mosaico:4x4", Salvo("Ultima parete", "4x4", ["c1"]))
    alarms.set_last("videowall:allarmi:1+5", Salvo("Ultima parete", "1+5", ["c2"]))
    alarms.save_salvo(Salvo("Stadio", "2x2", ["c3"]))
    assert mosaic.salvo("Stadio") is not None, "a view saved from the other wall is seen"
    mosaic.set_last("videowall:mosaico:4x4", Salvo("Ultima parete", "4x4", ["c4"]))
    again = ViewLibrary("mrossi", tmp_path)
    assert again.salvo("Stadio") is not None
    last_alarms = again.last("videowall:allarmi:1+5")
    last_mosaic = again.last("videowall:mosaico:4x4")
    assert last_alarms is not None
    assert last_alarms.tiles == ["c2"]
    assert last_mosaic is not None
    assert last_mosaic.tiles == ["c4"]


def test_a_wall_key_replacing_an_older_one_drops_it(tmp_path: Path) -> None:
    views = ViewLibrary("mrossi", tmp_path)
    views.set_last("video-room:3x3", Salvo("Ultima parete", "3x3", ["c1"]))
    views.set_last("video-room:video:3x3", Salvo("Ultima parete", "3x3", ["c1"]), "video-room:3x3")
    again = ViewLibrary("mrossi", tmp_path)
    assert again.last("video-room:3x3") is None
    assert again.last("video-room:video:3x3") is not None
