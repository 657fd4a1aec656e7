"""Three-way merge of an incident edit that the back-end refused as stale (HTTP 409).

We hold three versions: `base` (what the operator started from), `mine` (their edit) and
`theirs` (the server's current incident). A field only one side changed is taken from that side
without asking; list fields (units, alerts, tags, attachments) merge as sets of additions and
removals; a field both sides changed differently is a conflict the operator must decide. Nothing
is ever overwritten silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.i18n import tr

SCALAR_FIELDS = ("type", "priority", "status", "address", "narrative",
                 "caller.name", "caller.phone", "caller.reliability", "people", "vehicles")
LOCATION_FIELDS = ("lon", "lat", "municipio", "nil", "comune")
SET_FIELDS = ("units", "alerts", "attachments", "tags")
WRITE_FIELDS = ("type", "priority", "status", "lon", "lat", "address", "municipio", "nil",
                "comune", "caller", "narrative", "people", "vehicles", "units", "alerts",
                "attachments", "tags")


def field_label(name: str) -> str:
    return {
        "type": tr("Tipo"), "priority": tr("Priorità"), "status": tr("Stato"),
        "address": tr("Indirizzo"), "narrative": tr("Descrizione"),
        "caller.name": tr("Chiamante"), "caller.phone": tr("Telefono"),
        "caller.reliability": tr("Attendibilità"), "people": tr("Persone"),
        "vehicles": tr("Veicoli"), "location": tr("Posizione"), "units": tr("Unità"),
        "alerts": tr("Allarmi collegati"), "attachments": tr("Allegati"),
        "tags": tr("Etichette"),
    }.get(name, name)


def _get(data: Mapping[str, Any], name: str) -> Any:
    if name == "location":
        return tuple(data.get(k) for k in LOCATION_FIELDS)
    if name.startswith("caller."):
        caller = data.get("caller") or {}
        return caller.get(name.split(".", 1)[1], "") if isinstance(caller, Mapping) else ""
    return data.get(name)


def _set(data: dict[str, Any], name: str, value: Any) -> None:
    if name == "location":
        for key, item in zip(LOCATION_FIELDS, value, strict=True):
            data[key] = item
    elif name.startswith("caller."):
        caller = dict(data.get("caller") or {})
        caller[name.split(".", 1)[1]] = value
        data["caller"] = caller
    else:
        data[name] = value


@dataclass(frozen=True)
class Conflict:
    field: str
    base: Any
    mine: Any
    theirs: Any

    @property
    def label(self) -> str:
        return field_label(self.field)


@dataclass
class MergeResult:
    merged: dict[str, Any]
    from_mine: list[str] = field(default_factory=list)
    from_theirs: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    version: int | None = None  # the server version to send with the merged write

    def resolve(self, choices: Mapping[str, str | Any]) -> dict[str, Any]:
        """The write after the operator chose "mine", "theirs" or a value for each conflict."""
        out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.merged.items()}
        for conflict in self.conflicts:
            choice = choices.get(conflict.field, "theirs")
            value = (conflict.mine if choice == "mine" else
                     conflict.theirs if choice == "theirs" else choice)
            _set(out, conflict.field, value)
        out["version"] = self.version
        return out


def three_way(base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
              ) -> MergeResult:
    merged: dict[str, Any] = {k: theirs.get(k) for k in WRITE_FIELDS if k in theirs}
    merged["caller"] = dict(theirs.get("caller") or {})
    result = MergeResult(merged, version=int(theirs.get("version", 0)) or None)
    for name in (*SCALAR_FIELDS, "location"):
        b, m, t = _get(base, name), _get(mine, name), _get(theirs, name)
        if m in (b, t):
            if m != b:
                result.from_mine.append(name)  # both made the same change
            elif t != b:
                result.from_theirs.append(name)
            continue
        if t == b:
            _set(merged, name, m)
            result.from_mine.append(name)
        else:
            result.conflicts.append(Conflict(name, b, m, t))
    for name in SET_FIELDS:
        b_set, m_list, t_list = (list(base.get(name) or []), list(mine.get(name) or []),
                                 list(theirs.get(name) or []))
        added = [x for x in m_list if x not in b_set]
        removed = {x for x in b_set if x not in m_list}
        value = [x for x in t_list if x not in removed] + [x for x in added if x not in t_list]
        if value != t_list:
            result.from_mine.append(name)
        elif t_list != b_set:
            result.from_theirs.append(name)
        merged[name] = value
    return result
