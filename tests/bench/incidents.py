"""Units board and dispatch benchmark: python -m tests.bench.incidents [--units N] [--rounds R]

The units board refreshes every 2 s on the GUI thread, so its cost is the stall an operator may
feel. Measured with N units spread over the Città metropolitana (Milan pack when present):
- board_refresh_ms: one timer tick of UnitsBoard.refresh() (live positions, place resolution,
  filters, suggestions for an open incident, model update), median of R rounds; reference: the
  same refresh rebuilding every unit's details from the store (what a tick cost before details
  were cached until units_changed), measured in the same run;
- resolve_ms: PlaceIndex.resolve_many for N points, against N single resolve() calls;
- recommend_ms: dispatch.recommend over N units.
Prints JSON lines; nothing is asserted. Offscreen Qt on a shared 2-core machine: noisy figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CENTRALE_HOME", tempfile.mkdtemp(prefix="centrale-bench-"))

import numpy as np
from PySide6.QtWidgets import QApplication

from console.incidents import dispatch, taxonomy
from console.incidents.desk import IncidentDesk
from console.incidents.drafts import DraftStore
from console.incidents.places import index_for
from console.incidents.service import IncidentService
from console.incidents.store import IncidentStore
from console.units.store import UnitsStore
from widgets.incidents.units_board import UnitsBoard

PACK = Path(__file__).resolve().parents[3] / "shared" / "data" / "milano"


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def emit(metric: str, value: float, unit: str, goal: str, reference: float | None = None) -> None:
    row: dict[str, object] = {"bench": "incidents", "metric": metric, "value": round(value, 2),
                              "unit": unit, "goal": goal}
    if reference:
        row["reference"] = round(reference, 2)
        row["ratio"] = round(value / reference, 2)
    print(json.dumps(row))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(7)
    now = datetime.now(UTC)
    kinds = ["car", "car", "motorbike", "van", "foot", "ambulance", "fire_engine"]
    lons = 9.19 + rng.uniform(-0.3, 0.3, args.units)
    lats = 45.46 + rng.uniform(-0.2, 0.2, args.units)
    units = UnitsStore()
    units.reset([{"id": f"U{i:05d}", "callsign": f"Alfa {i}", "agency": "PL",
                  "kind": kinds[i % len(kinds)],
                  "status": "available" if i % 3 else "on_scene",
                  "status_since": (now - timedelta(minutes=i % 180)).isoformat(),
                  "lon": float(lons[i]), "lat": float(lats[i])} for i in range(args.units)])
    packs = (PACK,) if PACK.is_dir() else ()
    index = index_for(packs)
    store, drafts = IncidentStore(), DraftStore()
    desk = IncidentDesk(store, drafts, IncidentService(store, drafts, None), "bench")
    board = UnitsBoard(units, desk)
    board.resize(1500, 800)
    board.show()
    board.set_place_index(index)
    desk.new({"type": "road_accident_injured", "lon": 9.19, "lat": 45.4642})
    app.processEvents()

    def full_refresh() -> None:
        board._on_units_changed([])  # details rebuilt, as after a status change

    reference = median_ms(full_refresh, args.rounds)
    emit("board_refresh_ms", median_ms(board.refresh, args.rounds), "ms", "<= 200", reference)
    xs, ys = [float(v) for v in lons], [float(v) for v in lats]
    single = median_ms(lambda: [index.resolve(x, y) for x, y in zip(xs, ys, strict=True)], 1)
    emit("resolve_many_ms", median_ms(lambda: index.resolve_many(xs, ys), args.rounds), "ms",
         "<= 50", single)
    listed = units.units()
    kind = taxonomy.get("road_accident_injured")
    emit("recommend_ms", median_ms(lambda: dispatch.recommend(listed, 9.19, 45.4642, kind),
                                   args.rounds), "ms", "<= 100")
    print(json.dumps({"bench": "incidents", "metric": "units", "value": args.units,
                      "unit": "count", "pack": bool(packs)}))
    desk.autosaver.stop()
    board.close()


if __name__ == "__main__":
    main()
