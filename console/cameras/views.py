"""Saved views (salvos) and camera tours, per operator, under state_dir().

An operator who rebuilds the same 3x3 of the stadium every match day should press one button.
Files are small JSON written atomically; a damaged file is set aside and reported, never fatal.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from console.cameras.grids import GRIDS
from console.paths import state_dir

log = logging.getLogger(__name__)


@dataclass
class Salvo:
    name: str
    grid: str
    tiles: list[str | None] = field(default_factory=list)  # camera id per tile, None = empty


@dataclass
class Tour:
    name: str
    cameras: list[str] = field(default_factory=list)
    dwell_s: float = 10.0


class ViewLibrary:
    """Salvos and tours of one operator; every change is saved at once."""

    def __init__(self, operator: str, root: Path | None = None) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", operator or "operatore")
        self.path = (root or state_dir() / "video") / f"{safe}.json"
        self._salvos: dict[str, Salvo] = {}
        self._tours: dict[str, Tour] = {}
        self.load_error = ""
        self._load()

    def salvos(self) -> list[Salvo]:
        return sorted(self._salvos.values(), key=lambda s: s.name.casefold())

    def tours(self) -> list[Tour]:
        return sorted(self._tours.values(), key=lambda t: t.name.casefold())

    def salvo(self, name: str) -> Salvo | None:
        return self._salvos.get(name)

    def tour(self, name: str) -> Tour | None:
        return self._tours.get(name)

    def save_salvo(self, salvo: Salvo) -> None:
        if salvo.grid not in GRIDS:
            raise ValueError(f"unknown grid {salvo.grid!r}")
        if not salvo.name.strip():
            raise ValueError("a salvo needs a name")
        self._salvos[salvo.name] = salvo
        self._save()

    def delete_salvo(self, name: str) -> None:
        if self._salvos.pop(name, None) is not None:
            self._save()

    def save_tour(self, tour: Tour) -> None:
        if not tour.name.strip() or not tour.cameras:
            raise ValueError("a tour needs a name and at least one camera")
        if tour.dwell_s < 2:
            raise ValueError("dwell time below 2 s would be unreadable")
        self._tours[tour.name] = tour
        self._save()

    def delete_tour(self, name: str) -> None:
        if self._tours.pop(name, None) is not None:
            self._save()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            for item in raw.get("salvos", []):
                salvo = Salvo(str(item["name"]), str(item["grid"]), list(item.get("tiles", [])))
                if salvo.grid in GRIDS:
                    self._salvos[salvo.name] = salvo
            for item in raw.get("tours", []):
                tour = Tour(
                    str(item["name"]),
                    [str(c) for c in item["cameras"]],
                    float(item.get("dwell_s", 10.0)),
                )
                self._tours[tour.name] = tour
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # Keep the damaged file for inspection; start empty rather than refuse to start.
            self.load_error = str(exc)
            log.warning("saved video views unreadable (%s); kept aside as .bad", exc)
            self._salvos.clear()
            self._tours.clear()
            os.replace(self.path, self.path.with_suffix(".bad"))

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "salvos": [asdict(s) for s in self.salvos()],
            "tours": [asdict(t) for t in self.tours()],
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
