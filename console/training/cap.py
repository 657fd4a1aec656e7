"""CAP 1.2 (OASIS Common Alerting Protocol) ingest: XML -> alerts with their geometry.

Parsing uses defusedxml, so DTDs, entity expansion (billion laughs) and external entities are
refused before anything is expanded. One alert per CAP message (sender + identifier); all its
<info> blocks are kept in the payload and the Italian one (else the first) gives the title.
Areas: <polygon> ("lat,lon lat,lon ..."), <circle> ("lat,lon radius_km") and <geocode>
(through console.training.geocodes). msgType Update/Cancel find the earlier alert through
<references> ("sender,identifier,sent ..."). Status Exercise/Test make an exercise alert, marked
in its title; System and Draft messages are acknowledged and create nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from console.i18n import tr
from console.training import geocodes
from console.training.geodata import circle
from console.training.xmlin import IngestError, safe_root

NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SEVERITY_PRIORITY = {"Extreme": 1, "Severe": 2, "Moderate": 3, "Minor": 4, "Unknown": 4}


class CapError(IngestError):
    """Bad CAP: `status` is the HTTP status to answer (400 unreadable/hostile, 422 invalid)."""


@dataclass
class CapArea:
    desc: str
    geometries: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


@dataclass
class CapInfo:
    language: str
    category: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    sender_name: str
    expires: str
    parameters: dict[str, str]
    areas: list[CapArea]


@dataclass
class CapMessage:
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str
    references: list[tuple[str, str]]  # (sender, identifier)
    note: str
    infos: list[CapInfo]

    @property
    def alert_id(self) -> str:
        return alert_id_for(self.sender, self.identifier)


def alert_id_for(sender: str, identifier: str) -> str:
    return "CAP-" + hashlib.sha1(f"{sender}|{identifier}".encode()).hexdigest()[:12]


def _ns(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _ns(c.tag) == name]


def _text(el: Any, name: str, default: str = "") -> str:
    found = _children(el, name)
    return (found[0].text or "").strip() if found else default


def _pairs(el: Any, name: str) -> dict[str, str]:
    out = {}
    for p in _children(el, name):
        key = _text(p, "valueName")
        if key:
            out[key] = _text(p, "value")
    return out


def _latlon(text: str, what: str) -> tuple[float, float]:
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise CapError(422, tr("{w}: «{t}» non è nel formato lat,lon", w=what, t=text)) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError(422, tr("{w}: «{t}» è fuori dal mondo", w=what, t=text))
    return lat, lon


def _polygon(text: str) -> dict[str, Any]:
    points = [_latlon(p, "polygon") for p in text.split()]
    if len(points) < 4 or points[0] != points[-1]:
        raise CapError(422, tr("Un poligono CAP richiede almeno 4 punti e deve essere chiuso."))
    return {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in points]]}


def _circle(text: str) -> dict[str, Any]:
    parts = text.split()
    if len(parts) != 2:
        raise CapError(422, tr("circle: «{t}» non è nel formato «lat,lon raggio_km»", t=text))
    lat, lon = _latlon(parts[0], "circle")
    try:
        radius_km = float(parts[1])
    except ValueError:
        raise CapError(422, tr("circle: il raggio «{r}» non è un numero", r=parts[1])) from None
    if not 0 <= radius_km <= 2000:
        raise CapError(422, tr("circle: raggio di {r} km fuori intervallo", r=radius_km))
    if radius_km == 0:
        return {"type": "Point", "coordinates": [lon, lat]}
    return circle((lon, lat), radius_km * 1000.0)


def _area(el: Any) -> CapArea:
    area = CapArea(desc=_text(el, "areaDesc"))
    for p in _children(el, "polygon"):
        area.geometries.append(_polygon(p.text or ""))
    for ci in _children(el, "circle"):
        area.geometries.append(_circle((ci.text or "").strip()))
    for g in _children(el, "geocode"):
        name, value = _text(g, "valueName"), _text(g, "value")
        label, geom = geocodes.resolve(name, value)
        if geom is not None:
            area.geometries.append(geom)
        else:
            area.unresolved.append(f"{name}={value}" + (f" ({label})" if label else ""))
    return area


def _info(el: Any) -> CapInfo:
    return CapInfo(
        language=_text(el, "language", "en-US"),
        category=[(c.text or "").strip() for c in _children(el, "category")],
        event=_text(el, "event"),
        urgency=_text(el, "urgency"),
        severity=_text(el, "severity"),
        certainty=_text(el, "certainty"),
        headline=_text(el, "headline"),
        description=_text(el, "description"),
        instruction=_text(el, "instruction"),
        sender_name=_text(el, "senderName"),
        expires=_text(el, "expires"),
        parameters=_pairs(el, "parameter"),
        areas=[_area(a) for a in _children(el, "area")],
    )


def parse(body: bytes) -> CapMessage:
    root = safe_root(
        body, CapError, tr("Contenuto vuoto: inviare un documento CAP 1.2 <alert>.")
    )
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if _ns(root.tag) != "alert" or ns not in NAMESPACES:
        raise CapError(
            422,
            tr("Atteso un <alert> CAP 1.2 ({ns}), ricevuto {tag}.", ns=NAMESPACES[0], tag=root.tag),
        )
    missing = [
        n
        for n in ("identifier", "sender", "sent", "status", "msgType", "scope")
        if not _text(root, n)
    ]
    if missing:
        raise CapError(422, tr("Nell'allerta CAP mancano: {m}.", m=", ".join(missing)))
    status, msg_type = _text(root, "status"), _text(root, "msgType")
    if status not in STATUSES:
        raise CapError(
            422, tr("Stato CAP sconosciuto «{s}»; ammessi: {ok}.", s=status, ok=", ".join(STATUSES))
        )
    if msg_type not in MSG_TYPES:
        raise CapError(
            422,
            tr(
                "msgType CAP sconosciuto «{s}»; ammessi: {ok}.", s=msg_type, ok=", ".join(MSG_TYPES)
            ),
        )
    refs = []
    for ref in _text(root, "references").split():
        parts = ref.split(",")
        if len(parts) >= 2:
            refs.append((parts[0], parts[1]))
    if msg_type in ("Update", "Cancel") and not refs:
        raise CapError(
            422, tr("Un CAP {t} richiede <references> all'allerta precedente.", t=msg_type)
        )
    return CapMessage(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_text(root, "sent"),
        status=status,
        msg_type=msg_type,
        scope=_text(root, "scope"),
        references=refs,
        note=_text(root, "note"),
        infos=[_info(i) for i in _children(root, "info")],
    )


def preferred_info(msg: CapMessage) -> CapInfo | None:
    for info in msg.infos:
        if info.language.lower().startswith("it"):
            return info
    return msg.infos[0] if msg.infos else None


def geometry(msg: CapMessage) -> dict[str, Any] | None:
    geoms = [g for info in msg.infos for area in info.areas for g in area.geometries]
    if not geoms:
        return None
    if len(geoms) == 1:
        return geoms[0]
    if all(g["type"] in ("Polygon", "MultiPolygon") for g in geoms):
        polys: list[Any] = []
        for g in geoms:
            polys.extend([g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"])
        return {"type": "MultiPolygon", "coordinates": polys}
    return {"type": "GeometryCollection", "geometries": geoms}


def alert_fields(msg: CapMessage) -> dict[str, Any]:
    """The Alert fields a CAP message sets (for both create and update)."""
    info = preferred_info(msg)
    exercise = msg.status in ("Exercise", "Test")
    title = (info.headline or info.event) if info else msg.note or msg.identifier
    if exercise:
        title = f"[{'ESERCITAZIONE' if msg.status == 'Exercise' else 'TEST'}] {title}"
    category = info.category[0] if info and info.category else "Other"
    return {
        "source": "cap",
        "type": "cap.weather" if category == "Met" else f"cap.{category.lower()}",
        "priority": SEVERITY_PRIORITY.get(info.severity, 4) if info else 4,
        "title": title[:300],
        "detail": (info.description if info else msg.note)[:4000],
        "geometry": geometry(msg),
        "exercise": exercise,
        "payload": {
            "identifier": msg.identifier,
            "sender": msg.sender,
            "sent": msg.sent,
            "status": msg.status,
            "msg_type": msg.msg_type,
            "scope": msg.scope,
            "infos": [
                {
                    "language": i.language,
                    "category": i.category,
                    "event": i.event,
                    "urgency": i.urgency,
                    "severity": i.severity,
                    "certainty": i.certainty,
                    "headline": i.headline,
                    "instruction": i.instruction,
                    "sender_name": i.sender_name,
                    "expires": i.expires,
                    "parameters": i.parameters,
                    "areas": [
                        {"desc": a.desc, "unresolved_geocodes": a.unresolved} for a in i.areas
                    ],
                }
                for i in msg.infos
            ],
        },
    }
