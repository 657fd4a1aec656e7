"""Back-end events in the operator's words: a type label and a one-line summary of the data.

Kept apart from the table model so the wording can be tested and extended per event type without
a screen. Kiosk screens (visitors may see them) never show plates, names or message text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from console.i18n import tr

TYPE_LABELS = {
    "unit.moved": "Unità in movimento",
    "unit.updated": "Unità aggiornata",
    "unit.removed": "Unità rimossa",
    "alert.created": "Nuovo allarme",
    "alert.updated": "Allarme aggiornato",
    "incident.created": "Nuovo intervento",
    "incident.updated": "Intervento aggiornato",
    "chat.message": "Messaggio",
    "chat.receipt": "Conferma di lettura",
    "chat.presence": "Presenza sala",
    "camera.updated": "Telecamera aggiornata",
    "sensor.reading": "Lettura sensore",
    "marker.updated": "Segnaposto aggiornato",
    "audit.appended": "Registro accessi",
    "resync": "Risincronizzazione",
}

UNIT_STATUS = {
    "available": "libera",
    "dispatched": "assegnata",
    "en_route": "in viaggio",
    "on_scene": "sul posto",
    "busy": "impegnata",
    "out_of_service": "fuori servizio",
}

INCIDENT_STATUS = {
    "new": "nuovo",
    "dispatched": "assegnato",
    "en_route": "unità in viaggio",
    "on_scene": "sul posto",
    "closed": "chiuso",
    "cancelled": "annullato",
}

ALERT_STATE = {
    "new": "nuovo",
    "acknowledged": "preso in carico",
    "assigned": "assegnato",
    "in_progress": "in lavorazione",
    "closed": "chiuso",
}

SENSOR_LEVEL = {
    "normal": "normale",
    "attention": "attenzione",
    "alarm": "allarme",
}
RECEIPT_KIND = {"delivered": "consegnato", "read": "letto", "ack": "ricezione confermata"}

# Italian plates (AB123CD, old and moto formats) and anything that looks like one.
_PLATE = re.compile(r"\b[A-Z]{2}\s?[0-9]{3,5}\s?[A-Z]{0,2}\b")
_TIME_KEYS = ("ts", "at", "sent_at", "updated_at", "created_at", "status_since")
MAX_SUMMARY = 160


def type_label(event_type: str) -> str:
    """Italian words for the event type; unknown types read as their family, then raw."""
    if event_type in TYPE_LABELS:
        return tr(TYPE_LABELS[event_type])
    family = event_type.split(".", 1)[0]
    families = {
        "unit": "Unità", "alert": "Allarme", "incident": "Intervento", "chat": "Messaggi",
        "camera": "Telecamera", "sensor": "Sensore", "marker": "Segnaposto", "anpr": "Varco ANPR",
    }
    if family in families:
        return f"{tr(families[family])} ({event_type})"
    return event_type


def event_time(data: Mapping[str, Any]) -> datetime | None:
    """When it happened according to the back-end, if the data says; local time."""
    for key in _TIME_KEYS:
        raw = data.get(key)
        if isinstance(raw, str):
            try:
                parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                continue
            return parsed.astimezone() if parsed.tzinfo else parsed
    return None


def summary(event_type: str, data: Mapping[str, Any], kiosk: bool = False) -> str:
    text = _summary(event_type, data, kiosk)
    if kiosk:
        text = _PLATE.sub("•••••••", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def _summary(kind: str, d: Mapping[str, Any], kiosk: bool) -> str:
    def g(key: str) -> str:
        value = d.get(key)
        return "" if value is None else str(value)

    if kind == "unit.moved":
        speed = d.get("speed_kmh")
        speed_text = f"{float(speed):.0f} km/h" if isinstance(speed, int | float) else ""
        return " · ".join(x for x in (g("callsign") or g("id"), speed_text) if x)
    if kind.startswith("unit."):
        status = UNIT_STATUS.get(g("status"), g("status"))
        parts = [g("callsign") or g("id"), g("agency"), tr(status) if status else ""]
        if d.get("emergency"):
            parts.append(tr("EMERGENZA"))
        if d.get("incident_id"):
            parts.append(tr("intervento {id}", id=g("incident_id")))
        return " · ".join(p for p in parts if p)
    if kind.startswith("alert."):
        state = ALERT_STATE.get(g("state"), g("state"))
        prio = f"P{g('priority')}" if d.get("priority") else ""
        title = g("title")
        parts = [prio, title, tr(state) if state else ""]
        if d.get("owner") and not kiosk:
            parts.append(tr("a {owner}", owner=g("owner")))
        if d.get("exercise"):
            parts.append(tr("ESERCITAZIONE"))
        return " · ".join(p for p in parts if p)
    if kind.startswith("incident."):
        status = INCIDENT_STATUS.get(g("status"), g("status"))
        prio = f"P{g('priority')}" if d.get("priority") else ""
        place = g("address") or g("municipio")
        parts = [g("id"), prio, g("type"), place, tr(status) if status else ""]
        return " · ".join(p for p in parts if p)
    if kind == "chat.message":
        who = g("desk") or g("sender")
        if kiosk:
            return tr("{who}: messaggio", who=who) if who else tr("messaggio")
        flash = tr("FLASH ") if d.get("flash") else ""
        return f"{flash}{who}: {g('text')}"
    if kind == "chat.receipt":
        receipt = RECEIPT_KIND.get(g("kind"), g("kind"))
        return " · ".join(x for x in (g("desk"), tr(receipt) if receipt else "") if x)
    if kind == "sensor.reading":
        name = g("station") or g("name") or g("sensor_id") or g("id")
        raw = d.get("value")
        value = f"{raw:.2f}".rstrip("0").rstrip(".") if isinstance(raw, float) else g("value")
        level = SENSOR_LEVEL.get(g("level"), g("level"))
        reading = [name, g("kind"), f"{value} {g('unit')}".strip(), tr(level) if level else ""]
        return " · ".join(x for x in reading if x)
    if kind == "camera.updated":
        return " · ".join(x for x in (g("name") or g("id"), g("address")) if x)
    if kind == "audit.appended":
        who = "" if kiosk else g("user")
        return " · ".join(x for x in (who, g("action"), g("object")) if x)
    if kind == "resync":
        return tr("il back-end ha chiesto di ricaricare lo stato completo")
    return _generic(d, kiosk)


def _generic(d: Mapping[str, Any], kiosk: bool) -> str:
    """key=value of the scalar fields, identity first, for event types not known here."""
    keys = sorted(d, key=lambda k: (k not in ("id", "name", "title", "callsign"), k))
    parts = []
    for key in keys:
        value = d[key]
        if isinstance(value, str | int | float | bool) and key not in _TIME_KEYS:
            if kiosk and key in ("user", "sender", "owner", "plate", "name", "reason"):
                continue
            parts.append(f"{key}={value}")
    return " ".join(parts)
