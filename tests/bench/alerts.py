"""Alert queue benchmark: python -m tests.bench.alerts [--seconds S]

Side by side with a minimal QStandardItemModel app fed by the same feeder:
- event-to-pixel: a feeder thread writes alert.created JSON lines into a pipe (t0 = just before
  the write); the GUI reads the pipe (QSocketNotifier), parses, applies, and a probe delegate
  records when the probe's row is first painted. Background: 200 P4 alerts/s; probes: P2 alerts
  at 20/s, each closed once painted so it leaves the view;
- burst: 10,000 alerts within 1 s with one P1 in the middle: the longest gap between ticks of a
  5 ms GUI timer (the stall an operator feels) and the P1's write-to-paint latency;
- full repaint of a 1900x1000 queue holding 10,000 rows: the same queue widget showing our model
  and, alternately, a QStandardItemModel holding the same display strings with Qt's default
  delegate (ours adds colours, bold, icons); GUI-thread CPU time, medians (see repaint()).
Prints JSON lines; nothing is asserted. Offscreen Qt on a shared 2-core machine: noisy figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSocketNotifier, QTimer
from PySide6.QtGui import QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QApplication,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from console.alerts.store import AlertStore
from console.api.contract import Event
from widgets.alerts.queue import AlertQueue
from widgets.alerts.table_model import ALERT_ID_ROLE

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
USER = 0x0100


def emit(metric: str, value: float, unit: str, goal: str = "",
         reference: float | None = None) -> None:
    row: dict[str, object] = {"bench": "alerts", "metric": metric, "value": round(value, 2),
                              "unit": unit}
    if reference is not None:
        row["reference"] = round(reference, 2)
        row["ratio"] = round(value / reference, 3) if reference else None
    if goal:
        row["goal"] = goal
    print(json.dumps(row), flush=True)


def alert(n: int, priority: int, t_write: float = 0.0, state: str = "new",
          version: int = 1) -> dict[str, Any]:
    at = (T0 + timedelta(milliseconds=n)).isoformat()
    return {"id": f"B{n}", "source": "cap", "type": "cap.weather", "priority": priority,
            "state": state, "title": f"Allerta meteo numero {n}", "created_at": at,
            "updated_at": at, "version": version, "payload": {"area": "Municipio 3", "t": t_write}}


class Probe(QStyledItemDelegate):
    """Records the first paint of each watched alert id."""

    def __init__(self, id_of: Callable[[QModelIndex | QPersistentModelIndex], str]) -> None:
        super().__init__()
        self.id_of = id_of
        self.watch: dict[str, float] = {}
        self.painted: dict[str, float] = {}
        self.on_paint: Callable[[str], None] = lambda _i: None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        alert_id = self.id_of(index)
        t0 = self.watch.pop(alert_id, None)
        if t0 is not None:
            self.painted[alert_id] = time.perf_counter() - t0
            self.on_paint(alert_id)


class Reference:
    """The minimal app: parse, one QStandardItem per cell, probes on top, background appended."""

    def __init__(self) -> None:
        self.model = QStandardItemModel(0, 8)
        self.rows: dict[str, QStandardItem] = {}

    def apply(self, events: list[Event]) -> None:
        for ev in events:
            d = ev.data
            if ev.event == "alert.updated":
                item = self.rows.pop(d["id"], None)
                if item is not None:
                    self.model.removeRow(item.row())
                continue
            cells = [QStandardItem(s) for s in (f"P{d['priority']}", "Meteo", d["title"],
                     d["payload"]["area"], "1 min", "Nuovo", "", "5:00")]
            cells[0].setData(d["id"], USER)
            self.rows[d["id"]] = cells[0]
            if d["priority"] <= 2:
                self.model.insertRow(0, cells)
            else:
                self.model.appendRow(cells)


class Feeder:
    """Writes JSON lines into a pipe from a thread; the GUI reads them with a socket notifier."""

    def __init__(self, apply: Callable[[list[Event]], None]) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.apply = apply
        self.buffer = b""
        self.notifier = QSocketNotifier(self.read_fd, QSocketNotifier.Type.Read)
        self.notifier.activated.connect(self._read)
        self.next_id = 1
        self.lock = threading.Lock()

    def write(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        with self.lock:
            lines = []
            for kind, data in items:
                lines.append(json.dumps({"id": self.next_id, "event": kind, "data": data}))
                self.next_id += 1
            payload = ("\n".join(lines) + "\n").encode()
        os.write(self.write_fd, payload)

    def _read(self) -> None:
        try:
            chunk = os.read(self.read_fd, 1 << 20)
        except BlockingIOError:
            return
        data = self.buffer + chunk
        lines = data.split(b"\n")
        self.buffer = lines.pop()
        events = []
        for line in lines:
            raw = json.loads(line)
            events.append(Event(id=raw["id"], event=raw["event"], data=raw["data"]))
        if events:
            self.apply(events)

    def close(self) -> None:
        self.notifier.setEnabled(False)
        os.close(self.read_fd)
        os.close(self.write_fd)


def wait(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.0005)


def build(kind: str) -> tuple[QTableView, Callable[[list[Event]], None], Probe, Any]:
    """One side, shown. Both sides end with gc.freeze(), as the console does once its snapshots
    are loaded (console/app.py): without it a full collection walks Qt's and the previous runs'
    objects, 50 ms in the burst here (13-18 ms frozen), a stall the console does not have."""
    try:
        return _build(kind)
    finally:
        gc.freeze()


def _build(kind: str) -> tuple[QTableView, Callable[[list[Event]], None], Probe, Any]:
    if kind == "queue":
        store = AlertStore(capacity=1_000_000)
        queue = AlertQueue(store)
        queue._tick.stop()  # no SLA/age refresh: the same work as the reference
        queue.alarm.muted = True  # no audio device here; the tone is not what is measured
        view: QTableView = queue.table
        probe = Probe(lambda ix: str(ix.data(ALERT_ID_ROLE)))
        queue.resize(1900, 1000)
        queue.show()
        return view, store.apply, probe, queue
    ref = Reference()
    view = QTableView()
    view.setModel(ref.model)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(30)
    probe = Probe(lambda ix: str(ix.sibling(ix.row(), 0).data(USER)))
    view.resize(1900, 1000)
    view.show()
    return view, ref.apply, probe, ref


def latency(app: QApplication, kind: str, seconds: float) -> list[float]:
    view, apply, probe, keep = build(kind)
    view.setItemDelegateForColumn(0, probe)
    feeder = Feeder(apply)
    stop = threading.Event()
    closes: list[str] = []
    probe.on_paint = closes.append

    def run() -> None:
        n = 1_000_000
        tick = 0
        while not stop.is_set():
            tick += 1
            batch = [("alert.created", alert(n + k, 4)) for k in range(2)]  # 2 per 10 ms
            n += 2
            if tick % 5 == 0:  # a probe every 50 ms
                probe_id = f"B{n}"
                t_write = time.perf_counter()
                probe.watch[probe_id] = t_write
                batch.append(("alert.created", alert(n, 2, t_write)))
                n += 1
            feeder.write(batch)
            time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        if closes:  # painted probes leave the view, as an acknowledged alert would
            done = [("alert.updated", alert(int(i[1:]), 2, state="closed", version=2))
                    for i in closes]
            closes.clear()
            feeder.write(done)
        time.sleep(0.0005)
    stop.set()
    thread.join()
    feeder.close()
    view.close()
    del keep
    return [v * 1000 for v in probe.painted.values()]


def burst(app: QApplication) -> tuple[float, float]:
    view, apply, probe, keep = build("queue")
    view.setItemDelegateForColumn(0, probe)
    feeder = Feeder(apply)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(beat)
    timer.start()

    def run() -> None:
        n = 2_000_000
        for chunk in range(100):
            batch = [("alert.created", alert(n + k, 3 + k % 2)) for k in range(100)]
            n += 100
            if chunk == 50:
                t_write = time.perf_counter()
                probe.watch[f"B{n}"] = t_write
                batch.append(("alert.created", alert(n, 1, t_write)))
                n += 1
            feeder.write(batch)
            time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    wait(app, 0.2)
    gaps.clear()
    last[0] = time.perf_counter()
    thread.start()
    end = time.perf_counter() + 2.0
    while thread.is_alive() or time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.0005)
    thread.join()
    timer.stop()
    feeder.close()
    view.close()
    del keep
    p1 = next(iter(probe.painted.values()), float("nan")) * 1000
    return max(gaps) * 1000, p1


def repaint(app: QApplication, rows: int = 10_000, rounds: int = 20,
            alternations: int = 7) -> dict[str, float]:
    """The same queue widget (size, columns, fonts, palette) showing, in turn: our model with the
    queue's delegate; a QStandardItemModel holding the same display strings with Qt's default
    delegate (the reference of the goal); the same QStandardItemModel also holding our colours,
    bold fonts, icons and alignments (what Qt's C++ path costs for the same look). Alternated
    `alternations` times; each figure is the median of the per-alternation means, in CPU time of
    the GUI thread (offscreen painting is synchronous, so this is the work a repaint costs,
    without the other processes' load). `after_tick`: the repaint that follows the queue's
    half-second tick, which rebuilds the looks of the visible rows (age, SLA, flash)."""
    view, apply, _probe, queue = build("queue")
    apply([Event(id=n + 1, event="alert.created", data=alert(3_000_000 + n, 1 + n % 4))
           for n in range(rows)])
    wait(app, 0.3)
    model = queue.model
    model.flush()
    viewport = view.viewport()
    ours_delegate = view.itemDelegate()
    qt_delegate = QStyledItemDelegate(view)
    header = view.horizontalHeader()
    widths = header.saveState()  # setModel() resets the sections: every case gets the queue's

    def measure(before: Callable[[], object] = lambda: None) -> float:
        viewport.repaint()
        spent = 0.0
        for _ in range(rounds):
            before()
            started = time.thread_time()
            viewport.repaint()
            spent += time.thread_time() - started
        return spent / rounds * 1000

    plain = QStandardItemModel(model.rowCount(), model.columnCount())
    styled = QStandardItemModel(model.rowCount(), model.columnCount())
    shown = min(model.rowCount(), 200)  # more than the visible rows; the rest hold strings only
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            index = model.index(r, c)
            plain.setItem(r, c, QStandardItem(str(model.data(index))))
            item = QStandardItem(str(model.data(index)))
            if r < shown:
                for role in (1, 6, 7, 8, 9):  # decoration, font, alignment, background, foreground
                    value = model.data(index, role)
                    if value is not None:
                        item.setData(value, role)
            styled.setItem(r, c, item)
    cases: dict[str, tuple[Any, QAbstractItemDelegate, Callable[[], object]]] = {
        "ours": (model, ours_delegate, lambda: None),
        "after_tick": (model, ours_delegate, lambda: model.tick(0, 40)),
        "reference": (plain, qt_delegate, lambda: None),
        "styled_reference": (styled, qt_delegate, lambda: None),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(alternations):
        for name, (shown_model, delegate, before) in cases.items():
            view.setItemDelegate(delegate)
            if view.model() is not shown_model:
                view.setModel(shown_model)
                header.restoreState(widths)
            wait(app, 0.02)
            results[name].append(measure(before))
    view.close()
    del queue
    return {name: statistics.median(values) for name, values in results.items()}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--only", choices=("latency", "burst", "repaint"), default=None,
                        help="one scenario in a fresh process (the heap size changes GC stalls)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    if args.only in (None, "latency"):
        ref = latency(app, "reference", args.seconds)
        got = latency(app, "queue", args.seconds)
        emit("event_to_pixel_samples", len(got), "probes", reference=len(ref))
        emit("event_to_pixel_p50", statistics.median(got), "ms", "<= 20",
             statistics.median(ref))
        # ~110 probes in 6 s: p99 is the second-worst sample; p95 is a steadier view of the tail.
        emit("event_to_pixel_p95", pct(got, 0.95), "ms", "", pct(ref, 0.95))
        emit("event_to_pixel_p99", pct(got, 0.99), "ms", "<= 50 and <= 2x reference",
             pct(ref, 0.99))
    if args.only in (None, "burst"):
        stall, p1 = burst(app)
        emit("burst_10000_longest_stall", stall, "ms", "<= 100")
        emit("burst_p1_paint_latency", p1, "ms", "<= 100")
    if args.only in (None, "repaint"):
        paints = repaint(app)
        emit("full_repaint_10000_rows", paints["ours"], "ms", "<= 1.5x reference",
             paints["reference"])
        emit("full_repaint_after_tick", paints["after_tick"], "ms", "", paints["reference"])
        emit("full_repaint_styled_reference", paints["styled_reference"], "ms", "",
             paints["reference"])


if __name__ == "__main__":
    main()
