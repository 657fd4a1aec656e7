"""Training back-end benchmark: python -m tests.bench.training_server [--seconds S]

- scenario_cpu: events one core's worth of scenario ticks produce per second (in-process,
  rate scale 100), against a reference of bare event-log inserts (Tx.emit of unit.moved-sized
  payloads, one transaction per 500) measured in the same run: how much the scenario costs
  on top of the log itself;
- sse_delivery: a real server at --rate-scale 100 with N SSE clients reading at full speed: the
  ids each client advanced through per second (the slowest client) against the ids the server
  produced over the same window (health's last_event_id): the ratio says whether fan-out keeps
  up (goal >= 0.98; the windows are taken a few ms apart, so +-2 % is noise).
Prints one JSON object per line. Shared 2-core machine: figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import httpx

from console.training.app import build_context
from console.training.config import TrainingConfig
from console.training.db import Database
from console.training.launcher import TrainingProcess
from console.training.scenario import Scenario

API = "/api/v1"


def emit(bench: str, metric: str, value: float, unit: str, reference: float | None,
         goal: str) -> None:
    row: dict[str, object] = {"bench": bench, "metric": metric, "value": round(value, 1),
                              "unit": unit, "goal": goal}
    if reference:
        row.update(reference=round(reference, 1), ratio=round(value / reference, 3))
    print(json.dumps(row), flush=True)


def scenario_cpu(tmp: Path, seconds: float) -> None:
    db = Database(tmp / "ref.sqlite")
    payload = {"id": "pl-car-01", "lon": 9.19, "lat": 45.46, "heading": 90.0,
               "speed_kmh": 42.0, "ts": "2026-01-01T10:00:00Z"}
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        with db.tx() as tx:
            for _ in range(500):
                tx.emit("unit.moved", payload)
        n += 500
    reference = n / (time.perf_counter() - t0)
    db.close()
    ctx = build_context(TrainingConfig(db=tmp / "sc.sqlite", rate_scale=100.0, video=False))
    sc = Scenario(ctx)
    start_id, t0 = ctx.db.last_event_id, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        sc.tick()
    value = (ctx.db.last_event_id - start_id) / (time.perf_counter() - t0)
    ctx.db.close()
    emit("training_server", "scenario_cpu_events_per_s", value, "events/s", reference,
         ">= 2000 (rate scale 100 needs 2000/s)")


def sse_delivery(tmp: Path, seconds: float, clients: int) -> None:
    server = TrainingProcess(db=tmp / "sse.sqlite", video=False, scenario=True,
                             rate_scale=100.0, heartbeat=2.0, log_path=tmp / "server.log")
    server.start()
    try:
        token = httpx.post(f"{server.base_url}{API}/auth/token",
                           data={"username": "radio", "password": "radio"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        counts = [0] * clients  # last event id each client has received
        stop = threading.Event()

        def reader(i: int) -> None:
            with httpx.stream("GET", f"{server.base_url}{API}/events", headers=headers,
                              timeout=httpx.Timeout(5.0, read=10.0)) as r:
                for line in r.iter_lines():
                    if line.startswith("id: "):
                        counts[i] = int(line[4:])  # last id received
                    if stop.is_set():
                        return

        threads = [threading.Thread(target=reader, args=(i,), daemon=True)
                   for i in range(clients)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # let every client connect and reach the live tail
        first = list(counts)
        l0 = httpx.get(f"{server.base_url}{API}/health").json()["last_event_id"]
        t0 = time.perf_counter()
        time.sleep(seconds)
        l1 = httpx.get(f"{server.base_url}{API}/health").json()["last_event_id"]
        elapsed = time.perf_counter() - t0
        got = [c - f for c, f in zip(counts, first, strict=True)]
        stop.set()
        produced = (l1 - l0) / elapsed
        emit("training_server", f"sse_delivered_per_client_{clients}", min(got) / elapsed,
             "events/s", produced, ">= 0.98 of produced")
    finally:
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--clients", type=int, default=4)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="centrale-bench-") as tmp:
        scenario_cpu(Path(tmp), a.seconds)
        sse_delivery(Path(tmp), a.seconds, a.clients)


if __name__ == "__main__":
    main()
