"""Polizia Locale incident types, read from resources/incidents/taxonomy.json.

The list is data, not code, so a city can add its own types without a release; the code only
needs each type's default priority and the unit kinds and skills dispatch should prefer. Types
the back-end sends under another name (the training scenario's Italian codes, an alert's type)
are mapped through each type's `aliases`; codes not in the file at all (another city's, an older
release's) stay usable: `get()` returns a generic entry labelled with the raw code, never an error.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from console.i18n import tr
from console.paths import RESOURCES

log = logging.getLogger(__name__)

TAXONOMY_FILE = RESOURCES / "incidents" / "taxonomy.json"


@dataclass(frozen=True)
class IncidentType:
    code: str
    label_it: str  # Italian source label; show `label` (translated)
    priority: int
    unit_kinds: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    emsi: str = "/OTH"
    cap_category: str = "Other"
    cap_event: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return tr(self.label_it)


def load(path: Path = TAXONOMY_FILE) -> list[IncidentType]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for raw in doc["types"]:
        out.append(IncidentType(
            code=str(raw["code"]),
            label_it=str(raw["label"]),
            priority=int(raw.get("priority", 3)),
            unit_kinds=tuple(raw.get("unit_kinds", ())),
            skills=tuple(raw.get("skills", ())),
            agencies=tuple(raw.get("agencies", ())),
            emsi=str(raw.get("emsi", "/OTH")),
            cap_category=str(raw.get("cap_category", "Other")),
            cap_event=str(raw.get("cap_event", "")),
            aliases=tuple(str(a) for a in raw.get("aliases", ())),
        ))
    return out


@cache
def types() -> tuple[IncidentType, ...]:
    try:
        return tuple(load())
    except (OSError, ValueError, KeyError) as exc:
        log.error("incident taxonomy %s unreadable (%s): only 'Altro' available", TAXONOMY_FILE,
                  exc)
        return (IncidentType("other", "Altro", 3),)


def canonical(code: str) -> str:
    """The taxonomy code for `code` or one of its aliases; an unknown code comes back as is."""
    for item in types():
        if item.code == code:
            return code
    for item in types():
        if code in item.aliases:
            return item.code
    return code


def get(code: str) -> IncidentType:
    """The type for `code` (or an alias); an unknown code gets a generic entry, nothing is lost."""
    wanted = canonical(code)
    for item in types():
        if item.code == wanted:
            return item
    return IncidentType(code, code or "Altro", 3)


def from_prefill(code: str) -> tuple[str, list[str]]:
    """Type for a new incident from another panel (an alert's type, a server code), and tags.

    An alert type we cannot map ("cap.weather", "unit.emergency") becomes "other" with the
    alert type as a tag, so the operator starts from a valid form and the origin stays visible.
    """
    wanted = canonical(code)
    if wanted in codes() or not code:
        return wanted, []
    if "." in code:
        return "other", [code]
    return code, []


def codes() -> list[str]:
    return [t.code for t in types()]
