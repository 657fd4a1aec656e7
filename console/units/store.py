"""Where every unit is, kept current from the snapshot and `unit.*` events.

Positions arrive for thousands of units every second, so they live in numpy arrays (Mercator x/y,
lon/lat, heading, status code) that the map draws from directly; nothing per unit is a Qt object.
`unit.moved` (contract.UnitPosition) is the hot path: it is checked by hand rather than through
pydantic (pydantic costs ~4 µs per item, 20 ms for 5,000 units: too slow for the GUI thread).
`unit.updated` carries a full contract.Unit and is validated properly.

Signals:
    positions_changed()        some unit moved; coalesced to at most 30 per second (a trailing
                               emission is guaranteed, so the last move is never lost)
    units_changed(list[str])   ids whose status or details changed, appeared or disappeared
"""

from __future__ import annotations

import logging
import math
import operator
import time
from itertools import compress
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError
from PySide6.QtCore import QObject, QTimer, Signal

from console.api import contract
from console.geo.projection import FloatArray, to_mercator

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = tuple(s.value for s in contract.UnitStatus)
STATUS_UNKNOWN = len(STATUSES)  # a unit seen moving before its details arrived
TRAIL_LENGTH = 10
MIN_INTERVAL_S = 1 / 30
# Plain strings: comparing against a StrEnum member costs several times more per event.
_MOVED = str(contract.EventType.UNIT_MOVED.value)
_UPDATED = str(contract.EventType.UNIT_UPDATED.value)
_REMOVED = "unit.removed"
# contract.UnitPosition requires all of these; a batch missing one takes the per-item path.
_POSITION_ID = operator.itemgetter("id")
_POSITION_VALUES = tuple(operator.itemgetter(k) for k in ("lon", "lat", "heading", "speed_kmh"))
_EVENT_ID = operator.attrgetter("id")
_EVENT_KIND = operator.attrgetter("event")
_EVENT_DATA = operator.attrgetter("data")


# The per-unit numpy columns, one row per unit: grown and compacted together.
_ARRAYS = ("_lon", "_lat", "_x", "_y", "_heading", "_speed", "_status", "_trail", "_trail_len")


class UnitsStore(QObject):
    SNAPSHOT_PATH = f"{contract.API_PREFIX}/units"
    EVENT_PREFIXES = ("unit.",)

    positions_changed = Signal()
    units_changed = Signal(list)

    def __init__(self, parent: QObject | None = None, capacity: int = 256) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._units: dict[str, contract.Unit] = {}
        self._alloc(capacity)
        self._last_event_id = 0
        self._last_emit = 0.0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self._emit_positions)
        self.version = 0  # bumps on every position change: the map pulls when it differs
        self.rejected = 0  # bad items seen, for --self-test and diagnostics

    # --- storage ---------------------------------------------------------------------------

    def _alloc(self, capacity: int) -> None:
        self._lon = np.zeros(capacity)
        self._lat = np.zeros(capacity)
        self._x = np.zeros(capacity)
        self._y = np.zeros(capacity)
        self._heading = np.zeros(capacity)
        self._speed = np.zeros(capacity)
        self._status = np.full(capacity, STATUS_UNKNOWN, dtype=np.int8)
        # Oldest fix first, the valid ones at the end: drawn as is, no reordering per frame.
        self._trail = np.zeros((capacity, TRAIL_LENGTH, 2))
        self._trail_len = np.zeros(capacity, dtype=np.int32)

    def _grow(self, need: int) -> None:
        cap = len(self._lon)
        if need <= cap:
            return
        new = max(need, cap * 2)
        old = {k: getattr(self, k) for k in _ARRAYS}
        self._alloc(new)
        for key, arr in old.items():
            getattr(self, key)[:cap] = arr

    def _row(self, unit_id: str) -> int:
        row = self._rows.get(unit_id)
        if row is None:
            row = len(self._ids)
            self._grow(row + 1)
            self._ids.append(unit_id)
            self._rows[unit_id] = row
            self._status[row] = STATUS_UNKNOWN
            self._trail_len[row] = 0
        return row

    # --- the store protocol -------------------------------------------------------------------

    def reset(self, items: list[dict[str, Any]]) -> None:
        """Replace the whole state (start-up, SSE resync)."""
        before = set(self._ids)
        units = [u for u in (self._parse_unit(item) for item in items) if u is not None]
        self._ids, self._rows, self._units = [], {}, {}
        self._alloc(max(256, len(units)))
        for unit in units:
            self._set_unit(unit)
        self._touch_positions()
        if before or self._ids:
            self.units_changed.emit(sorted(before | set(self._ids)))

    def apply(self, events: list[contract.Event]) -> None:
        """Apply `unit.*` events; replays (same or older id) are ignored."""
        moves: list[dict[str, Any]] = []
        changed: set[str] = set()
        if self._apply_all_moved(events, changed):
            if changed:
                self.units_changed.emit(sorted(changed))
            return

        last = self._last_event_id
        for event in events:
            event_id = event.id
            if event_id <= last:
                continue
            last = self._last_event_id = event_id
            kind = event.event
            if kind == _MOVED:
                moves.append(event.data)
                continue
            # Keep event order: pending moves land before a details update or a removal.
            self._apply_moves(moves, changed)
            moves = []
            if kind == _UPDATED:
                unit = self._parse_unit(event.data)
                if unit is not None and self._set_unit(unit):
                    changed.add(unit.id)
            elif kind == _REMOVED:
                unit_id = str(event.data.get("id", ""))
                if self._remove(unit_id):
                    changed.add(unit_id)
        self._apply_moves(moves, changed)
        if changed:
            self.units_changed.emit(sorted(changed))

    def _apply_all_moved(self, events: list[contract.Event], changed: set[str]) -> bool:
        """The hot path: a burst of nothing but `unit.moved` (thousands a second) is unpacked
        with C-level maps and numpy instead of a Python loop per event. False when the burst
        holds anything else (the general loop keeps the event order then)."""
        n = len(events)
        if not n or list(map(_EVENT_KIND, events)).count(_MOVED) != n:
            return False
        ids = np.fromiter(map(_EVENT_ID, events), dtype=np.int64, count=n)
        # An event counts if its id beats every id seen before it (replays and stragglers
        # are ignored, as in the general loop).
        seen = np.maximum.accumulate(np.concatenate(([self._last_event_id], ids)))
        keep = ids > seen[:-1]
        self._last_event_id = int(seen[-1])
        data = list(map(_EVENT_DATA, events))
        if not keep.all():
            data = list(compress(data, keep.tolist()))
        self._apply_moves(data, changed)
        return True

    # --- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> list[str]:
        """Unit ids in row order: index i matches row i of `arrays()`."""
        return list(self._ids)

    def row(self, unit_id: str) -> int | None:
        return self._rows.get(unit_id)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Views (do not modify) of the live arrays, one row per unit, for batched drawing."""
        n = len(self._ids)
        return {
            "x": self._x[:n],
            "y": self._y[:n],
            "lon": self._lon[:n],
            "lat": self._lat[:n],
            "heading": self._heading[:n],
            "status": self._status[:n],
        }

    def unit(self, unit_id: str) -> contract.Unit | None:
        """The unit's details with its latest position."""
        unit = self._units.get(unit_id)
        row = self._rows.get(unit_id)
        if unit is None or row is None:
            return unit
        return unit.model_copy(
            update={
                "lon": float(self._lon[row]),
                "lat": float(self._lat[row]),
                "heading": float(self._heading[row]),
                "speed_kmh": float(self._speed[row]),
            }
        )

    def units(self) -> list[contract.Unit]:
        return [u for u in (self.unit(i) for i in self._ids) if u is not None]

    def status(self, unit_id: str) -> str | None:
        row = self._rows.get(unit_id)
        if row is None or self._status[row] == STATUS_UNKNOWN:
            return None
        return STATUSES[int(self._status[row])]

    def lonlat(self, unit_id: str) -> tuple[float, float] | None:
        row = self._rows.get(unit_id)
        return None if row is None else (float(self._lon[row]), float(self._lat[row]))

    def trail(self, unit_id: str) -> FloatArray:
        """Recent Mercator positions, oldest first, shape (k, 2)."""
        row = self._rows.get(unit_id)
        if row is None:
            return np.zeros((0, 2))
        return self._trail_rows(np.asarray([row]))[0]

    def trails(self) -> list[FloatArray]:
        return self._trail_rows(np.arange(len(self._ids)))

    def trail_block(self) -> tuple[FloatArray, npt.NDArray[np.int32]]:
        """All trails at once, oldest first: (n, TRAIL_LENGTH, 2) and valid lengths (n,).
        Row i holds its last `lengths[i]` fixes at the end; vectorised for 5,000 units."""
        n = len(self._ids)
        return self._trail[:n].copy(), self._trail_len[:n].copy()

    def _trail_rows(self, rows: npt.NDArray[np.intp]) -> list[FloatArray]:
        out = []
        for row in rows:
            k = int(self._trail_len[row])
            out.append(self._trail[row, TRAIL_LENGTH - k :].copy())
        return out

    # --- internals ---------------------------------------------------------------------------

    def _set_unit(self, unit: contract.Unit) -> bool:
        old = self._units.get(unit.id)
        row = self._row(unit.id)
        code = STATUSES.index(unit.status.value)
        changed = old is None or old.model_dump(
            exclude={"lon", "lat", "heading", "speed_kmh"}
        ) != unit.model_dump(exclude={"lon", "lat", "heading", "speed_kmh"})
        self._units[unit.id] = unit
        self._status[row] = code
        if old is None or (unit.lon, unit.lat) != (float(self._lon[row]), float(self._lat[row])):
            self._move(
                np.asarray([row]), np.asarray([[unit.lon, unit.lat, unit.heading, unit.speed_kmh]])
            )
        return changed

    def _remove(self, unit_id: str) -> bool:
        row = self._rows.get(unit_id)
        if row is None:
            return False
        keep = [i for i in range(len(self._ids)) if i != row]
        for key in _ARRAYS:
            arr = getattr(self, key)
            arr[: len(keep)] = arr[keep]
        self._ids.pop(row)
        self._rows = {uid: i for i, uid in enumerate(self._ids)}
        self._units.pop(unit_id, None)
        self._touch_positions()
        return True

    def _move(self, rows: npt.NDArray[np.intp], values: FloatArray) -> None:
        """Vectorised position update; a unit moved twice in one batch keeps its last fix."""
        lon, lat = values[:, 0], values[:, 1]
        x, y = to_mercator(lon, lat)
        self._lon[rows] = lon
        self._lat[rows] = lat
        self._x[rows] = x
        self._y[rows] = y
        self._heading[rows] = values[:, 2]
        self._speed[rows] = values[:, 3]
        # Trails: duplicates in `rows` would collide in fancy indexing; the last fix wins anyway.
        uniq, last = np.unique(rows[::-1], return_index=True)
        last = len(rows) - 1 - last
        n = len(self._ids)
        if len(uniq) == n:  # everyone moved (the usual burst): shift in place
            trail = self._trail[:n]
            trail[:, :-1] = trail[:, 1:]
            trail[:, -1, 0] = x[last]
            trail[:, -1, 1] = y[last]
        else:
            trail = self._trail[uniq]
            trail[:, :-1] = trail[:, 1:].copy()
            trail[:, -1, 0] = x[last]
            trail[:, -1, 1] = y[last]
            self._trail[uniq] = trail
        self._trail_len[uniq] = np.minimum(self._trail_len[uniq] + 1, TRAIL_LENGTH)
        self._touch_positions()

    def _touch_positions(self) -> None:
        self.version += 1
        now = time.monotonic()
        wait = MIN_INTERVAL_S - (now - self._last_emit)
        if wait <= 0 and not self._pending.isActive():
            self._emit_positions()
        elif not self._pending.isActive():
            self._pending.start(max(1, int(wait * 1000)))

    def _emit_positions(self) -> None:
        self._last_emit = time.monotonic()
        self.positions_changed.emit()

    def _apply_moves(self, moves: list[dict[str, Any]], changed: set[str]) -> None:
        """Batch path: one numpy conversion for the whole burst; per-item checks only when the
        burst holds something malformed."""
        if not moves:
            return
        try:
            # C-level unpacking, one column at a time: 5,000 positions in about a millisecond.
            n = len(moves)
            ids = list(map(_POSITION_ID, moves))
            values = np.empty((n, 4))
            for column, field in enumerate(_POSITION_VALUES):
                values[:, column] = np.fromiter(map(field, moves), dtype=np.float64, count=n)
            ok = (
                set(map(type, ids)) == {str}
                and "" not in ids
                and bool(np.isfinite(values).all())
                and bool((np.abs(values[:, 0]) <= 180).all())
                and bool((np.abs(values[:, 1]) <= 90).all())
            )
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            parsed = [p for p in (self._parse_position(d) for d in moves) if p is not None]
            if not parsed:
                return
            ids = [p[0] for p in parsed]
            values = np.array([p[1] for p in parsed], dtype=np.float64)
        rows: list[int | None] = list(map(self._rows.get, ids))
        if None in rows:  # units seen for the first time
            for k, unit_id in enumerate(ids):
                if rows[k] is None:
                    changed.add(unit_id)
                    rows[k] = self._row(unit_id)
        values[:, 2] %= 360.0
        self._move(np.asarray(rows, dtype=np.intp), values)

    def _parse_position(
        self, data: dict[str, Any]
    ) -> tuple[str, tuple[float, float, float, float]] | None:
        try:
            unit_id = data["id"]
            lon = float(data["lon"])
            lat = float(data["lat"])
            heading = float(data.get("heading", 0.0))
            speed = float(data.get("speed_kmh", 0.0))
            if not isinstance(unit_id, str) or not unit_id:
                raise ValueError("id")
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0) or not math.isfinite(
                heading + speed
            ):
                raise ValueError("out of range")
        except (KeyError, TypeError, ValueError) as exc:
            self.rejected += 1
            log.warning("unit position ignored (%s): %.120r", exc, data)
            return None
        return unit_id, (lon, lat, heading % 360.0, speed)

    def _parse_unit(self, item: object) -> contract.Unit | None:
        try:
            return contract.Unit.model_validate(item)
        except ValidationError as exc:
            self.rejected += 1
            log.warning("unit ignored: %s", exc.errors()[:1])
            return None
