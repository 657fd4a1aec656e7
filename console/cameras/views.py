"""Saved views (salvos) and camera tours, per operator, under state_dir().

An operator who rebuilds the same 3x3 of the stadium every match day should press one button.
Files are small JSON written atomically; a damaged file is set aside and reported, never fatal.
The operator's choice of alarm tile lives in the same file: it is part of how they set up the
wall, like their salvos.

Every wall of a console opens its own `ViewLibrary` on the operator's one file (a videowall has
two). So each library re-reads the file when another one has written it since, before it shows
or changes anything: otherwise a wall saving its last cameras would write back a stale copy and
drop what the other wall (or a salvo saved from it) had just written.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from console.cameras.grids import GRIDS
from console.paths import state_dir

log = logging.getLogger(__name__)

MIN_DWELL_S = 2.0  # below this a picture is gone before the operator has read it
MAX_DWELL_S = 3600.0

StepKind = Literal["camera", "salvo"]


@dataclass
class Salvo:
    name: str
    grid: str
    tiles: list[str | None] = field(default_factory=list)  # camera id per tile, None = empty


@dataclass(frozen=True)
class TourStep:
    """One stop of a tour: a camera (by id) or a saved view (by name); dwell None = tour's."""

    kind: StepKind
    ref: str
    dwell_s: float | None = None


@dataclass
class Tour:
    name: str
    steps: list[TourStep] = field(default_factory=list)
    dwell_s: float = 10.0

    @classmethod
    def of_cameras(cls, name: str, cameras: list[str], dwell_s: float = 10.0) -> Tour:
        return cls(name, [TourStep("camera", c) for c in cameras], dwell_s)

    @property
    def cameras(self) -> list[str]:
        return [s.ref for s in self.steps if s.kind == "camera"]

    def dwell_of(self, step: TourStep) -> float:
        return step.dwell_s if step.dwell_s is not None else self.dwell_s


def _check_dwell(value: float) -> None:
    if not MIN_DWELL_S <= value <= MAX_DWELL_S:
        raise ValueError(
            f"dwell time must be between {MIN_DWELL_S:g} and {MAX_DWELL_S:g} s, not {value:g}"
        )


class ViewLibrary:
    """Salvos, tours and the alarm tile of one operator; every change is saved at once."""

    def __init__(self, operator: str, root: Path | None = None) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", operator or "operatore")
        self.path = (root or state_dir() / "video") / f"{safe}.json"
        self._salvos: dict[str, Salvo] = {}
        self._tours: dict[str, Tour] = {}
        self._alarm_tile: int | None = None
        self._last: dict[str, Salvo] = {}  # per wall: what it showed when last seen
        self._seen: tuple[int, int, int] | None = None  # the file as last read or written
        self.load_error = ""
        self._load()

    def salvos(self) -> list[Salvo]:
        self._sync()
        return sorted(self._salvos.values(), key=lambda s: s.name.casefold())

    def tours(self) -> list[Tour]:
        self._sync()
        return sorted(self._tours.values(), key=lambda t: t.name.casefold())

    def salvo(self, name: str) -> Salvo | None:
        self._sync()
        return self._salvos.get(name)

    def tour(self, name: str) -> Tour | None:
        self._sync()
        return self._tours.get(name)

    def save_salvo(self, salvo: Salvo) -> None:
        if salvo.grid not in GRIDS:
            raise ValueError(f"unknown grid {salvo.grid!r}")
        if not salvo.name.strip():
            raise ValueError("a salvo needs a name")
        self._sync()
        self._salvos[salvo.name] = salvo
        self._save()

    def delete_salvo(self, name: str) -> None:
        self._sync()
        if self._salvos.pop(name, None) is not None:
            self._save()

    def save_tour(self, tour: Tour) -> None:
        if not tour.name.strip() or not tour.steps:
            raise ValueError("a tour needs a name and at least one step")
        _check_dwell(tour.dwell_s)
        for step in tour.steps:
            if step.kind not in ("camera", "salvo") or not step.ref:
                raise ValueError(f"bad tour step {step!r}")
            if step.dwell_s is not None:
                _check_dwell(step.dwell_s)
        self._sync()
        self._tours[tour.name] = tour
        self._save()

    def delete_tour(self, name: str) -> None:
        self._sync()
        if self._tours.pop(name, None) is not None:
            self._save()

    @property
    def alarm_tile(self) -> int | None:
        """The tile this operator chose for alarm pop-ups; None = the layout's default."""
        self._sync()
        return self._alarm_tile

    def set_alarm_tile(self, index: int | None) -> None:
        self._sync()
        if index != self._alarm_tile:
            self._alarm_tile = index
            self._save()

    def last(self, wall: str) -> Salvo | None:
        """What the wall `wall` (a stable key, e.g. "video-room:video:3x3") showed last time."""
        self._sync()
        return self._last.get(wall)

    def set_last(self, wall: str, salvo: Salvo, replaces: str = "") -> None:
        """Keep what `wall` shows; `replaces`: an older key of the same wall, dropped now."""
        self._sync()
        stale = bool(replaces) and replaces != wall and replaces in self._last
        if salvo.grid in GRIDS and (stale or salvo != self._last.get(wall)):
            self._last[wall] = salvo
            if stale:
                del self._last[replaces]
            self._save()

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)  # each save is a new file (os.replace)

    def _sync(self) -> None:
        """Re-read the file if another library (another wall) wrote it since we last did."""
        now = self._signature()
        if now is None or now == self._seen:
            return
        self._salvos.clear()
        self._tours.clear()
        self._alarm_tile = None
        self._last.clear()
        self._load()

    def _load(self) -> None:
        self._seen = self._signature()
        if self._seen is None:
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            for item in raw.get("salvos", []):
                salvo = Salvo(str(item["name"]), str(item["grid"]), list(item.get("tiles", [])))
                if salvo.grid in GRIDS:
                    self._salvos[salvo.name] = salvo
            for item in raw.get("tours", []):
                tour = _tour_from_json(item)
                self._tours[tour.name] = tour
            alarm = raw.get("alarm_tile")
            self._alarm_tile = int(alarm) if alarm is not None else None
            for key, item in dict(raw.get("last", {})).items():
                last = Salvo(str(item["name"]), str(item["grid"]), list(item.get("tiles", [])))
                if last.grid in GRIDS:
                    self._last[str(key)] = last
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # Keep the damaged file for inspection; start empty rather than refuse to start.
            self.load_error = str(exc)
            log.warning("saved video views unreadable (%s); kept aside as .bad", exc)
            self._salvos.clear()
            self._tours.clear()
            self._alarm_tile = None
            self._last.clear()
            os.replace(self.path, self.path.with_suffix(".bad"))
            self._seen = None

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {
            "salvos": [
                {"name": s.name, "grid": s.grid, "tiles": list(s.tiles)} for s in self.salvos()
            ],
            "tours": [_tour_to_json(t) for t in self.tours()],
            "alarm_tile": self._alarm_tile,
            "last": {
                key: {"name": s.name, "grid": s.grid, "tiles": list(s.tiles)}
                for key, s in sorted(self._last.items())
            },
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
        self._seen = self._signature()


def _tour_to_json(tour: Tour) -> dict[str, Any]:
    steps = []
    for s in tour.steps:
        step: dict[str, Any] = {s.kind: s.ref}
        if s.dwell_s is not None:
            step["dwell_s"] = s.dwell_s
        steps.append(step)
    return {"name": tour.name, "dwell_s": tour.dwell_s, "steps": steps}


def _tour_from_json(item: dict[str, Any]) -> Tour:
    """Steps as {"camera": id} / {"salvo": name}; the first format (a plain camera list) too."""
    steps: list[TourStep] = []
    if "steps" in item:
        for raw in item["steps"]:
            dwell = raw.get("dwell_s")
            dwell_s = float(dwell) if dwell is not None else None
            if "camera" in raw:
                steps.append(TourStep("camera", str(raw["camera"]), dwell_s))
            elif "salvo" in raw:
                steps.append(TourStep("salvo", str(raw["salvo"]), dwell_s))
            else:
                raise ValueError(f"tour step without camera or salvo: {raw!r}")
    else:
        steps = [TourStep("camera", str(c)) for c in item["cameras"]]
    return Tour(str(item["name"]), steps, float(item.get("dwell_s", 10.0)))
