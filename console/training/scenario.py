"""The seeded Milan training scenario: units on patrol, ANPR hotlist hits, river levels, weather
alerts, agency chat and incidents.

Tick-driven and deterministic: every choice comes from one `random.Random(seed)` and simulated
time advances by TICK per tick, so the same seed gives the same story (only wall-clock
timestamps differ). Every rate is multiplied by `rate_scale`; one transaction per tick keeps
thousands of events per second affordable. The feeds other than unit movement live in
console.training.feeds.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from dataclasses import dataclass

import numpy as np

from console.api import contract as c
from console.training import feeds, world
from console.training.context import ServerContext
from console.training.db import Tx
from console.training.geodata import Point, bearing, distance_m
from console.training.state import dump, now

log = logging.getLogger(__name__)

TICK = 0.25  # seconds of simulated (and, unless the loop lags, wall) time per tick
REPORT_EVERY_S = 2.0  # each unit reports its position every 2 s at rate scale 1
FLUSH_TICKS = 8  # write moved units to disk every 2 s
SPEED_KMH = {"car": (25, 50), "motorbike": (30, 55), "ambulance": (35, 60),
             "fire_engine": (25, 45)}


@dataclass
class Motion:
    route: list[Point]
    seg: int
    along_m: float
    forward: bool
    speed_kmh: float

    def advance(self, metres: float) -> tuple[Point, float]:
        """Move along the route (turning back at its ends); returns position and heading."""
        for _ in range(10_000):
            a, b = self._segment()
            length = max(distance_m(a, b), 0.01)
            if self.along_m + metres <= length:
                self.along_m += metres
                break
            metres -= length - self.along_m
            self.along_m = 0.0
            nxt = self.seg + (1 if self.forward else -1)
            if 0 <= nxt < len(self.route) - 1:
                self.seg = nxt
            else:
                self.forward = not self.forward
        a, b = self._segment()
        f = min(1.0, self.along_m / max(distance_m(a, b), 0.01))
        pos = (round(a[0] + (b[0] - a[0]) * f, 6), round(a[1] + (b[1] - a[1]) * f, 6))
        return pos, round(bearing(a, b), 1)

    def _segment(self) -> tuple[Point, Point]:
        a, b = self.route[self.seg], self.route[self.seg + 1]
        return (a, b) if self.forward else (b, a)


class Scenario:
    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.rng = random.Random(ctx.config.seed)
        self.scale = ctx.config.rate_scale
        self.t = 0.0
        self._acc: dict[str, float] = {}
        self.geo = world.geo(ctx)
        self.unit_ids = sorted(u.id for u in ctx.state.all("unit", c.Unit))
        self.motion: dict[str, Motion] = {}
        self._place_units()
        self._next_report = 0
        self._ticks = 0
        self._dirty: set[str] = set()
        self.feeds = feeds.Feeds(self)

    def due(self, name: str, per_second: float) -> int:
        """How many `name` things happen this tick at `per_second` x rate_scale."""
        acc = self._acc.get(name, 0.0) + per_second * self.scale * TICK
        n = int(acc)
        self._acc[name] = acc - n
        return n

    def _place_units(self) -> None:
        routes = [r for r in self.geo.routes if len(r) >= 2]
        verts = np.array([p for r in routes for p in r], dtype=float)
        owner = np.array([i for i, r in enumerate(routes) for _ in r])
        index = np.array([j for r in routes for j in range(len(r))])
        k = math.cos(math.radians(45.47))
        for uid in self.unit_ids:
            unit = self.ctx.state.get("unit", uid, c.Unit)
            assert unit is not None
            d = ((verts[:, 0] - unit.lon) * k) ** 2 + (verts[:, 1] - unit.lat) ** 2
            best = int(np.argmin(d))
            route = routes[int(owner[best])]
            seg = min(int(index[best]), len(route) - 2)
            lo, hi = SPEED_KMH.get(unit.kind, (25, 45))
            self.motion[uid] = Motion(route, seg, 0.0, self.rng.random() < 0.5,
                                      float(self.rng.randint(lo, hi)))

    def tick(self) -> None:
        with self.ctx.db.tx() as tx:
            self._move_units(tx)
            self.feeds.tick(tx)
        self.t += TICK

    def _move_units(self, tx: Tx) -> None:
        """The hot path (thousands per second at high rate scales): positions are changed in
        place and the unit rows are written to disk every FLUSH_TICKS ticks, not per move. The
        unit.moved events themselves are logged in this tick's transaction as always, so a
        crash loses at most a second or two of *stored* position, never an event."""
        n = len(self.unit_ids)
        if not n:
            return
        interval = REPORT_EVERY_S / self.scale
        ts = now()
        ts_text = ts.isoformat().replace("+00:00", "Z")
        units = self.ctx.state.items["unit"]
        for _ in range(self.due("move", n / REPORT_EVERY_S)):
            uid = self.unit_ids[self._next_report % n]
            self._next_report += 1
            unit = units.get(uid)
            if not isinstance(unit, c.Unit):
                continue
            motion = self.motion[uid]
            stopped = unit.status in (c.UnitStatus.ON_SCENE, c.UnitStatus.OUT_OF_SERVICE)
            speed = 0.0 if stopped else round(motion.speed_kmh * self.rng.uniform(0.8, 1.1), 1)
            (lon, lat), heading = motion.advance(speed / 3.6 * interval)
            unit.lon, unit.lat, unit.heading, unit.speed_kmh = lon, lat, heading, speed
            self._dirty.add(uid)
            tx.emit(c.EventType.UNIT_MOVED, {"id": uid, "lon": lon, "lat": lat,
                                             "heading": heading, "speed_kmh": speed,
                                             "ts": ts_text})
        self._ticks += 1
        if self._ticks % FLUSH_TICKS == 0:
            self.flush(tx)

    def flush(self, tx: Tx) -> None:
        for uid in sorted(self._dirty):
            unit = self.ctx.state.get("unit", uid, c.Unit)
            if unit is not None:
                tx.put("unit", uid, dump(unit))
        self._dirty.clear()

    def set_status(self, tx: Tx, unit: c.Unit, status: c.UnitStatus,
                   incident_id: str | None = None) -> c.Unit:
        updated = unit.model_copy(update={"status": status, "status_since": now(),
                                          "incident_id": incident_id})
        self.ctx.state.save(tx, "unit", updated)
        tx.emit(c.EventType.UNIT_UPDATED, dump(updated))
        return updated


async def run(ctx: ServerContext) -> None:
    """Lifespan job: tick until cancelled. A failing tick is logged and skipped, never fatal."""
    scenario = Scenario(ctx)
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    failures = 0
    try:
        while True:
            try:
                scenario.tick()
                failures = 0
            except Exception:
                failures += 1
                log.exception("scenario tick failed (%d in a row)", failures)
                scenario.t += TICK
            next_at += TICK
            delay = next_at - loop.time()
            if delay < -5 * TICK:  # fell far behind (a busy machine): do not try to catch up
                next_at = loop.time()
                delay = 0.0
            await asyncio.sleep(max(0.0, delay))
    finally:
        try:
            with ctx.db.tx() as tx:  # a graceful stop keeps the last positions
                scenario.flush(tx)
        except Exception as exc:  # the database may already be closing
            log.warning("final position flush failed: %s", exc)
