"""Map benchmark: 50,000 static markers + 5,000 units moving every second at 1920x1080 offscreen.

    python -m tests.bench.map [--frames 240]

Prints one JSON object per line (STYLE.md). Times are CPU time of the whole process
(time.process_time) over each frame: on a shared 2-core machine wall-clock frame times mostly
measure the other processes, and the GUI thread's own CPU time is not enough either, because Qt
spreads large fills and smooth image scaling over its thread pool (a scaled full-screen image
costs ~0.15 ms of GUI-thread time but ~3.4 ms of CPU). They are still noisy (caches, frequency,
the tile worker); the reference is measured in the same run, interleaved frame by frame, so the
ratio carries the meaning:
  * pan_zoom_fps_median: the whole map panel repainting (base tiles, labels, clusters, units)
    during a scripted pan/zoom between zoom 11 and 15; goal >= 30 fps.
  * frame_time_ms_median (ratio): the map's median frame time over a raw-QPainter reference
    that fills a 1920x1080 QImage and stamps every symbol of the visible marker layers for that
    frame's view (same sprite atlases, drawPixmapFragments), static layers included; goal
    <= 1.5x. The map draws its static layers (base tiles, the 50,000 markers) through a cached
    image re-rendered when the view drifts too far (static_cache_renders_* counts them);
  * frame_time_uncached_ms_median: the same route with that cache switched off, every layer
    painted from scratch every frame (the cost of a frame that re-renders the cache).
  * unit_update_ms_median: applying one 5,000-unit `unit.moved` batch to the UnitsStore and
    pulling it into the map's unit layer, on the GUI thread; goal <= 10 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from datetime import UTC, datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from console.api.contract import Event
from console.geo.projection import point_to_mercator, to_mercator
from console.units.store import STATUSES, UnitsStore
from widgets.common import theme
from widgets.map.markers import MarkerLayer
from widgets.map.panel import MapPanel
from widgets.map.symbols import SpriteKey, stamp
from widgets.map.view import DeviceView

MILAN = (9.19, 45.4642)
N_STATIC = 50_000
N_UNITS = 5_000
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC).isoformat()


def emit(metric: str, value: float, unit: str, goal: str, reference: float | None = None) -> None:
    row: dict[str, object] = {
        "bench": "map",
        "metric": metric,
        "value": round(value, 3),
        "unit": unit,
    }
    if reference is not None:
        row["reference"] = round(reference, 3)
        row["ratio"] = round(value / reference, 3) if reference else None
    row["goal"] = goal
    print(json.dumps(row), flush=True)


def unit_items(rng: np.random.Generator) -> list[dict[str, object]]:
    lon = MILAN[0] + rng.normal(0, 0.05, N_UNITS)
    lat = MILAN[1] + rng.normal(0, 0.035, N_UNITS)
    return [
        {
            "id": f"u{i}",
            "callsign": f"U{i}",
            "agency": "PL",
            "kind": "car",
            "status": STATUSES[i % len(STATUSES)],
            "status_since": NOW,
            "lon": float(lon[i]),
            "lat": float(lat[i]),
            "heading": float(i % 360),
        }
        for i in range(N_UNITS)
    ]


def move_batch(rng: np.random.Generator, first_id: int, store: UnitsStore) -> list[Event]:
    a = store.arrays()
    lon = a["lon"] + rng.normal(0, 0.0002, len(a["lon"]))
    lat = a["lat"] + rng.normal(0, 0.0002, len(a["lat"]))
    heading = rng.uniform(0, 360, len(lon))
    return [
        Event(
            id=first_id + i,
            event="unit.moved",
            data={
                "id": uid,
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "heading": float(heading[i]),
                "speed_kmh": 30.0,
                "ts": NOW,
            },
        )
        for i, uid in enumerate(store.ids())
    ]


def reference_frame(image: QImage, layers: list[MarkerLayer], view: DeviceView) -> float:
    """Raw QPainter: fill, then stamp every fragment (markers and cluster bubbles) that the
    visible marker layers hold for the map's current view, from the same atlases. The static
    layers are stamped in full every frame here, cached image or not on the map's side."""
    draws = [d for layer in layers for d in layer.fragments(view)]
    t0 = time.process_time()
    painter = QPainter(image)
    painter.fillRect(image.rect(), QColor(theme.BACKGROUND))
    for atlas, frags in draws:
        stamp(painter, frags, len(frags), atlas)
    painter.end()
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=240)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(7)
    store = UnitsStore()
    store.reset(unit_items(rng))
    panel = MapPanel({"units": store})
    panel.resize(1920, 1080)
    panel.show()
    QCoreApplication.processEvents()
    # 50,000 static markers (e.g. every address point of interest): one batched layer.
    static = MarkerLayer(
        "static", "static", [SpriteKey("circle", "#8e9fd0", 10)], cluster_below=14.0
    )
    x, y = to_mercator(
        MILAN[0] + rng.normal(0, 0.08, N_STATIC), MILAN[1] + rng.normal(0, 0.055, N_STATIC)
    )
    static.set_data(x, y, 0, ids=[str(i) for i in range(N_STATIC)])
    panel.add_marker_layer(static, "bench")
    canvas = panel.canvas
    cx, cy = point_to_mercator(*MILAN)

    def view(i: int) -> tuple[float, float, float]:
        phase = i / args.frames * 2 * math.pi
        zoom = 13.0 + 2.0 * math.sin(phase)  # 11 .. 15
        return cx + 4000 * math.sin(phase * 3), cy + 2500 * math.cos(phase * 2), zoom

    # Warm-up: one pass so base-map tiles for the route are rendered and cached (the cache is
    # what a shift sees after the first minutes); then wait for the tile workers to go idle.
    for i in range(0, args.frames, 4):
        canvas.set_view(*view(i))
        canvas.viewport().repaint()
        deadline = time.monotonic() + 20
        while not all(t.idle() for t in panel.tile_layers) and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)
    image = QImage(1920, 1080, QImage.Format.Format_ARGB32_Premultiplied)
    marker_layers = [m for m in panel.live.layers.values() if m.isVisible()]
    state: dict[str, float] = {"event_id": 1, "last_move": time.monotonic()}
    update_times: list[float] = []

    def move_units() -> None:
        batch = move_batch(rng, int(state["event_id"]), store)
        state["event_id"] += len(batch)
        t0 = time.process_time()
        store.apply(batch)
        panel.live.refresh_units(canvas.zoom())
        update_times.append(time.process_time() - t0)

    def run(label: str) -> tuple[list[float], list[float]]:
        frame_times: list[float] = []
        ref_times: list[float] = []
        renders = panel.static_layers.renders
        for i in range(args.frames):
            if time.monotonic() - state["last_move"] >= 1.0:  # units move every second
                move_units()
                state["last_move"] = time.monotonic()
            canvas.set_view(*view(i))
            t0 = time.process_time()
            canvas.viewport().repaint()
            frame_times.append(time.process_time() - t0)
            ref_times.append(reference_frame(image, marker_layers, canvas.device_view()))
            QCoreApplication.processEvents()
        emit(
            f"static_cache_renders_{label}",
            panel.static_layers.renders - renders,
            "renders",
            f"info, of {args.frames} frames",
        )
        return frame_times, ref_times

    frame_times, ref_times = run("pan_zoom")
    # The same route with every layer painted from scratch every frame (no static image): what
    # a frame costs when the cache must be re-rendered, e.g. after every tile arrival.
    panel.static_layers.enabled = False
    full_times, full_ref_times = run("uncached")
    panel.static_layers.enabled = True
    # Unit updates measured on their own as well (more samples than the 1 Hz loop gives).
    for _ in range(10):
        move_units()
    map_ms = statistics.median(frame_times) * 1000
    ref_ms = statistics.median(ref_times) * 1000
    emit("pan_zoom_fps_median", 1000 / map_ms, "fps", ">= 30", 1000 / ref_ms)
    emit("frame_time_ms_median", map_ms, "ms", "<= 1.5x reference", ref_ms)
    emit(
        "frame_time_ms_p90",
        float(np.percentile(frame_times, 90) * 1000),
        "ms",
        "info",
        float(np.percentile(ref_times, 90) * 1000),
    )
    emit(
        "frame_time_ms_mean",
        statistics.mean(frame_times) * 1000,
        "ms",
        "info",
        statistics.mean(ref_times) * 1000,
    )
    emit(
        "frame_time_uncached_ms_median",
        statistics.median(full_times) * 1000,
        "ms",
        "info",
        statistics.median(full_ref_times) * 1000,
    )
    emit("unit_update_ms_median", statistics.median(update_times) * 1000, "ms", "<= 10")
    emit("unit_update_ms_max", max(update_times) * 1000, "ms", "info")
    panel.shutdown()
    panel.close()
    del app


if __name__ == "__main__":
    main()
