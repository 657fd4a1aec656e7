"""One alert as the console keeps it, and the lenient reading of whatever the back-end sent.

The contract (console.api.contract.Alert) is strict; a control room cannot be. An alert with a
missing field, an unknown type, a timestamp from 1970 or a plate in lowercase must still reach an
operator, so `normalise()` never raises: it fills what it must, writes "sconosciuto" where it
cannot, and lists every repair in `problems` so the UI can show that the item was damaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.anpr.plates import PlateFormat, display_plate, normalise_plate, plate_format
from console.api.contract import AlertState
from console.timeparse import parse_utc

UNKNOWN = "sconosciuto"
KNOWN_PREFIXES = ("anpr.", "cap.", "sensor.", "unit.", "analytics.", "system.", "camera.")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(hours=24)
_STATES = {s.value: s for s in AlertState}


@dataclass(slots=True)
class Action:
    """An audit-trail entry (contract.AlertAction), parsed leniently."""

    at: datetime
    user: str
    action: str
    reason: str = ""
    state: AlertState = AlertState.NEW
    owner: str | None = None


@dataclass(slots=True)
class Sighting:
    """One gate transit of a grouped plate alert."""

    alert_id: str
    gate_id: str
    gate_name: str
    direction: str
    at: datetime
    lon: float | None
    lat: float | None


@dataclass(slots=True)
class AlertRecord:
    id: str
    source: str
    type: str
    priority: int
    state: AlertState
    title: str
    detail: str
    owner: str | None
    created_at: datetime
    updated_at: datetime
    geometry: dict[str, Any] | None
    cameras: list[str]
    incident_id: str | None
    exercise: bool
    payload: dict[str, Any]
    history: list[Action]
    version: int
    problems: list[str] = field(default_factory=list)
    seq: int = 0  # arrival order: stable tie-break for the queue order
    plate: str = ""
    plate_format: PlateFormat = PlateFormat.EMPTY
    group_of: str | None = None  # set on hits folded into another alert's trail
    members: list[str] = field(default_factory=list)
    trail: list[Sighting] = field(default_factory=list)
    next_gates: list[str] = field(default_factory=list)
    sla_due: datetime | None = None
    escalated: bool = False
    snoozed_until: datetime | None = None
    snooze_reason: str = ""
    verification: str | None = None  # confirmed | misread
    verification_reason: str = ""

    @property
    def known_type(self) -> bool:
        return self.type.startswith(KNOWN_PREFIXES)

    @property
    def plate_display(self) -> str:
        return display_plate(self.plate) if self.plate else ""

    def lonlat(self) -> tuple[float, float] | None:
        """A representative point of the alert's geometry, if it has one."""
        geom = self.geometry or {}
        coords: Any = geom.get("coordinates")
        try:
            while isinstance(coords, list) and coords and isinstance(coords[0], list):
                coords = coords[0]
            if isinstance(coords, list) and len(coords) >= 2:
                return float(coords[0]), float(coords[1])
        except (TypeError, ValueError):
            return None
        return None


def parse_time(value: object, received: datetime, what: str, problems: list[str]) -> datetime:
    """ISO-8601 (or epoch seconds) to aware UTC; absurd or missing -> the receive time."""
    moment: datetime | None = parse_utc(value)
    if moment is None and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            moment = None
    if moment is None:
        problems.append(f"{what}: mancante o illeggibile")
        return received
    if moment < EARLIEST or moment > received + FUTURE_SLACK:
        problems.append(f"{what}: orario assurdo ({value})")
        return received
    return moment


def _text(raw: dict[str, Any], key: str, default: str = "") -> str:
    value = raw.get(key)
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def _history(value: object, received: datetime, problems: list[str]) -> list[Action]:
    if not isinstance(value, list):
        if value is not None:
            problems.append("storico illeggibile")
        return []
    out: list[Action] = []
    for item in value:
        if not isinstance(item, dict):
            problems.append("voce di storico illeggibile")
            continue
        scratch: list[str] = []
        out.append(
            Action(
                at=parse_time(item.get("at"), received, "storico", scratch),
                user=_text(item, "user", UNKNOWN),
                action=_text(item, "action", UNKNOWN),
                reason=_text(item, "reason"),
                state=_STATES.get(_text(item, "state"), AlertState.NEW),
                owner=item.get("owner") if isinstance(item.get("owner"), str) else None,
            )
        )
    return out


def normalise(raw: object, received: datetime, fallback_id: str) -> AlertRecord:
    """A displayable record from anything; repairs are listed in `problems`."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        problems.append(f"avviso illeggibile ({type(raw).__name__})")
        raw = {}
    alert_id = _text(raw, "id")
    if not alert_id:
        problems.append("id mancante")
        alert_id = fallback_id
    kind = _text(raw, "type")
    if not kind:
        problems.append("tipo mancante")
        kind = UNKNOWN
    elif not kind.startswith(KNOWN_PREFIXES):
        problems.append(f"tipo sconosciuto ({kind})")
    prio_raw = raw.get("priority")
    if isinstance(prio_raw, int) and not isinstance(prio_raw, bool) and 1 <= prio_raw <= 4:
        priority = prio_raw
    else:
        # An unreadable priority is treated as urgent, not buried: better a look too many.
        priority = 1 if kind == "unit.emergency" else 2
        problems.append(f"priorità non valida ({prio_raw!r})")
    state_raw = _text(raw, "state", AlertState.NEW.value)
    state = _STATES.get(state_raw)
    if state is None:
        problems.append(f"stato sconosciuto ({state_raw})")
        state = AlertState.NEW
    created = parse_time(raw.get("created_at"), received, "creato", problems)
    updated_raw = raw.get("updated_at")
    updated = parse_time(updated_raw, received, "aggiornato", []) if updated_raw else created
    payload = raw.get("payload")
    if not isinstance(payload, dict):
        if payload is not None:
            problems.append("dati specifici illeggibili")
        payload = {}
    geometry = raw.get("geometry")
    if geometry is not None and not (isinstance(geometry, dict) and "type" in geometry):
        problems.append("geometria illeggibile")
        geometry = None
    cameras = raw.get("cameras")
    cameras = [str(c) for c in cameras] if isinstance(cameras, list) else []
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        version = 1
    plate = ""
    fmt = PlateFormat.EMPTY
    if kind.startswith("anpr.") or "plate" in payload:
        plate = normalise_plate(payload.get("plate"))
        fmt = plate_format(plate)
        if fmt is PlateFormat.EMPTY:
            problems.append("targa mancante")
    title = _text(raw, "title")
    if not title:
        title = f"{kind} {display_plate(plate)}".strip() if plate else kind
        problems.append("titolo mancante")
    owner = raw.get("owner")
    incident = raw.get("incident_id")
    return AlertRecord(
        id=alert_id,
        source=_text(raw, "source", UNKNOWN) or UNKNOWN,
        type=kind,
        priority=priority,
        state=state,
        title=title,
        detail=_text(raw, "detail"),
        owner=owner if isinstance(owner, str) and owner else None,
        created_at=created,
        updated_at=updated,
        geometry=geometry,
        cameras=cameras,
        incident_id=incident if isinstance(incident, str) and incident else None,
        exercise=bool(raw.get("exercise", False)),
        payload=payload,
        history=_history(raw.get("history"), received, problems),
        version=version,
        problems=problems,
        plate=plate,
        plate_format=fmt,
    )


def sighting(record: AlertRecord) -> Sighting:
    """The gate transit an ANPR hit describes."""
    p = record.payload
    point = record.lonlat()
    scratch: list[str] = []
    return Sighting(
        alert_id=record.id,
        gate_id=str(p.get("gate_id", "")),
        gate_name=str(p.get("gate_name") or p.get("gate_id") or UNKNOWN),
        direction=str(p.get("direction") or ""),
        at=parse_time(p.get("transit_at"), record.created_at, "transito", scratch),
        lon=point[0] if point else None,
        lat=point[1] if point else None,
    )
