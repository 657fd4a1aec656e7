"""Validation of an incident before saving, with a message next to each field.

Saving is refused only for what really cannot be right: no type, a position outside the Città
metropolitana, coordinates that are not coordinates, a status stamped before the step that must
precede it, characters no plate can hold. Everything else (no position yet, an odd phone number,
a foreign plate) is a warning the operator can save past, because a call in progress must never
be lost to a form that wants perfection.

Field keys: "type", "priority", "location", "caller.phone", "narrative", "vehicles.<i>.plate",
"history".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.i18n import tr
from console.incidents import plates, taxonomy
from console.timeparse import parse_utc

ORDER = ("new", "dispatched", "en_route", "on_scene", "closed")
_PHONE = re.compile(r"\+?[0-9][0-9 ./-]{4,18}[0-9]")
FUTURE_TOLERANCE = timedelta(minutes=5)

AreaCheck = Callable[[float, float], bool]


@dataclass(frozen=True)
class Issue:
    field: str
    message: str
    blocks: bool  # True: saving is refused until fixed


@dataclass
class ValidationResult:
    issues: list[Issue] = field(default_factory=list)

    @property
    def blocking(self) -> list[Issue]:
        return [i for i in self.issues if i.blocks]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.blocks]

    @property
    def can_save(self) -> bool:
        return not self.blocking

    def for_field(self, name: str) -> list[Issue]:
        return [i for i in self.issues if i.field == name]

    def add(self, name: str, message: str, blocks: bool) -> None:
        self.issues.append(Issue(name, message, blocks))


def check_location(lon: object, lat: object, inside: AreaCheck | None, result: ValidationResult
                   ) -> None:
    if lon in (None, "") and lat in (None, ""):
        result.add("location", tr("Posizione non indicata: le unità non potranno essere "
                                  "suggerite."), False)
        return
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        result.add("location", tr("Coordinate non numeriche: scrivere ad esempio 45.4642, "
                                  "9.1900."), True)
        return
    if not (math.isfinite(x) and math.isfinite(y)) or not (-180 <= x <= 180 and -90 <= y <= 90):
        result.add("location", tr("Coordinate impossibili: latitudine tra -90 e 90, longitudine "
                                  "tra -180 e 180."), True)
        return
    if inside is not None and not inside(x, y):
        result.add("location", tr("La posizione è fuori dalla Città metropolitana di Milano: "
                                  "controllare le coordinate (lat, lon invertite?)."), True)


def check_history(history: list[Mapping[str, Any]], result: ValidationResult,
                  created_at: object = None, now: datetime | None = None) -> None:
    """Stamps must follow the lifecycle order in time: on scene never before dispatched."""
    now = now or datetime.now(UTC)
    first: dict[str, datetime] = {}
    for item in history:
        at = parse_utc(item.get("at"))
        status = str(item.get("status", ""))
        if at is None:
            result.add("history", tr("Orario non valido per lo stato «{s}».", s=status), True)
            continue
        if at > now + FUTURE_TOLERANCE:
            result.add("history", tr("Orario nel futuro per lo stato «{s}»: {t}.", s=status,
                                     t=at.astimezone().strftime("%d/%m %H:%M")), True)
        first.setdefault(status, at)
    created = parse_utc(created_at)
    if created is not None:
        first.setdefault("new", created)
    labels = {"new": tr("apertura"), "dispatched": tr("invio"), "en_route": tr("in viaggio"),
              "on_scene": tr("sul posto"), "closed": tr("chiusura")}
    for i, later in enumerate(ORDER):
        if later not in first:
            continue
        for earlier in ORDER[:i]:
            if earlier in first and first[later] < first[earlier]:
                result.add("history", tr("Orari impossibili: «{a}» ({ta}) è prima di «{b}» ({tb}).",
                                         a=labels[later],
                                         ta=first[later].astimezone().strftime("%H:%M:%S"),
                                         b=labels[earlier],
                                         tb=first[earlier].astimezone().strftime("%H:%M:%S")),
                           True)


def validate(data: Mapping[str, Any], inside: AreaCheck | None = None,
             now: datetime | None = None) -> ValidationResult:
    """Check an incident (an IncidentWrite/Incident dict); `inside` tests the served area."""
    result = ValidationResult()
    code = str(data.get("type") or "").strip()
    if not code:
        result.add("type", tr("Scegliere il tipo di evento."), True)
    elif taxonomy.canonical(code) not in taxonomy.codes():
        result.add("type", tr("Tipo «{code}» non in elenco: verrà salvato così.", code=code), False)
    try:
        priority = int(data.get("priority", 3))
    except (TypeError, ValueError):
        priority = 0
    if not 1 <= priority <= 4:
        result.add("priority", tr("Priorità da 1 (massima) a 4."), True)
    check_location(data.get("lon"), data.get("lat"), inside, result)
    caller = data.get("caller") or {}
    phone = str(caller.get("phone", "") if isinstance(caller, Mapping) else "").strip()
    if phone and not _PHONE.fullmatch(phone):
        result.add("caller.phone", tr("Numero di telefono non riconosciuto: controllare."), False)
    if not str(data.get("narrative") or "").strip():
        result.add("narrative", tr("Descrizione vuota: aggiungere almeno una riga."), False)
    for i, vehicle in enumerate(data.get("vehicles") or []):
        plate = str(vehicle.get("plate", "")) if isinstance(vehicle, Mapping) else ""
        checked = plates.check(plate)
        if checked.message:
            result.add(f"vehicles.{i}.plate", checked.message, checked.blocks)
    check_history(list(data.get("history") or []), result, data.get("created_at"), now)
    return result
