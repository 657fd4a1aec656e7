"""Chat panel benchmark: python -m tests.bench.chat [--held N] [--rounds R]

A channel holding N messages is on screen (the view shows the newest MAX_SHOWN); a message arrives
from another desk, or a read receipt changes the ticks of every message of ours:
- arrival_ms: store.apply of one chat.message until Qt has laid out and painted the panel,
  median of R; reference: the same arrival when the view is rebuilt from nothing (what every
  arrival cost before bubbles were kept between updates), measured in the same run;
- receipt_burst20_ms: 20 read receipts from 20 desks (cumulative: every own message's ticks
  change) and the one coalesced repaint; reference: repainting after each receipt.
Each figure is given twice: wall time (`*_ms`) and this process's CPU time (`*_cpu_ms`), which
other jobs on a shared machine disturb much less (wall time there includes waiting for a core).
arrival_cpu_ms's reference is the same arrival with 200 messages shown.
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CENTRALE_HOME", tempfile.mkdtemp(prefix="centrale-bench-"))

from PySide6.QtWidgets import QApplication

from console.api import contract
from tests.gui.chat_demo import T0, build, msg
from widgets.chat.message_view import MAX_SHOWN
from widgets.chat.panel import ChatPanel


def median_ms(action: Callable[[], None], rounds: int, app: QApplication) -> tuple[float, float]:
    """Median wall and process-CPU milliseconds of `action` plus the events it queued."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        app.processEvents()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def line(metric: str, value: float, reference: float | None = None, goal: str = "") -> str:
    out: dict[str, object] = {
        "bench": "chat",
        "metric": metric,
        "value": round(value, 2),
        "unit": "ms",
    }
    if reference is not None:
        out["reference"] = round(reference, 2)
        out["ratio"] = round(value / reference, 3) if reference else None
    if goal:
        out["goal"] = goal
    return json.dumps(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--held", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    store, service, _recorder = build()
    mine = [
        msg(
            10_000 + i,
            "vvf",
            "Operatore sala radio" if i % 3 == 0 else "VVF Milano",
            "radio" if i % 3 == 0 else "vvf.sala",
            f"Aggiornamento {i}: " + "testo " * 12,
            1 + i / 100,
        )
        for i in range(args.held)
    ]
    store.add_page({"channel_id": "vvf", "has_more": True, "messages": mine})
    panel = ChatPanel(store, service)
    panel.resize(1280, 900)
    panel.show()
    panel.open_channel("vvf")
    app.processEvents()
    counter = iter(range(1, 10**9))

    def arrive() -> None:
        n = next(counter)
        store.apply(
            [
                contract.Event(
                    id=100_000 + n,
                    event="chat.message",
                    data=msg(
                        50_000 + n,
                        "vvf",
                        "VVF Milano",
                        "vvf.sala",
                        f"Nuovo messaggio {n}",
                        20 + n / 100,
                    ),
                )
            ]
        )

    def arrive_rebuilt() -> None:
        arrive()
        panel.view.show_channel(None)
        panel.view.show_channel("vvf")

    def read_by_new_desk(message_id: str) -> None:
        n = next(counter)
        data = {"message_id": message_id, "desk": f"Sala {n}", "kind": "read", "at": T0.isoformat()}
        store.apply([contract.Event(id=100_000 + n, event="chat.receipt", data=data)])

    def receipts(burst: int) -> Callable[[], None]:
        """`burst` read receipts from different desks, then the (coalesced) repaint, done now
        instead of after the coalescing delay, which is idle time, not work."""

        def run() -> None:
            newest = store.entries("vvf")[-1].id
            for _ in range(burst):
                read_by_new_desk(newest)
            panel.view._ticks_due.stop()
            panel.view.rebuild()

        return run

    def receipts_uncoalesced(burst: int) -> Callable[[], None]:
        def run() -> None:
            newest = store.entries("vvf")[-1].id
            for _ in range(burst):
                read_by_new_desk(newest)
                panel.view.rebuild()
                app.processEvents()
            panel.view._ticks_due.stop()

        return run

    # Reference for the CPU figure: the same arrival with 200 messages on screen (the view's
    # window before it was cut to MAX_SHOWN).
    panel.view.limit = 200
    panel.view.rebuild()
    app.processEvents()
    arrival200 = median_ms(arrive, args.rounds, app)
    panel.view.limit = MAX_SHOWN
    panel.view.rebuild()
    app.processEvents()
    arrival = median_ms(arrive, args.rounds, app)
    rebuilt = median_ms(arrive_rebuilt, max(3, args.rounds // 3), app)
    # The reference runs first: tick lines only grow, so the measured variant pays more.
    burst_each = median_ms(receipts_uncoalesced(20), max(3, args.rounds // 3), app)
    burst = median_ms(receipts(20), max(3, args.rounds // 3), app)
    print(line("arrival_ms", arrival[0], rebuilt[0], "<= 50"))
    print(line("arrival_cpu_ms", arrival[1], arrival200[1], "<= 50"))
    print(line("receipt_burst20_ms", burst[0], burst_each[0], "<= 100"))
    print(line("receipt_burst20_cpu_ms", burst[1], burst_each[1], "<= 100"))
    panel.close()


if __name__ == "__main__":
    main()
