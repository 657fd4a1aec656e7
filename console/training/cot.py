"""Cursor-on-Target ingest: `<event>` XML -> unit positions, map markers or GeoChat messages.

  a-*     (atoms: things on the ground/air)  -> `unit.moved` when the uid is one of our units,
                                              else a marker (`marker.updated`)
  b-t-f   (GeoChat)                          -> `chat.message` in the channel named by
                                              detail/__chat@chatroom (else "GeoChat")
  b-m-*   (map points, routes)               -> a marker
Anything else is refused with 422, unreadable or hostile XML with 400 (defusedxml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.i18n import tr
from console.timeparse import parse_utc
from console.training.xmlin import IngestError, safe_root


class CotError(IngestError):
    """Bad CoT: `status` is the HTTP status to answer (400 unreadable/hostile, 422 invalid)."""


@dataclass
class CotEvent:
    uid: str
    type: str
    how: str
    time: datetime
    start: datetime
    stale: datetime
    lat: float
    lon: float
    hae: float | None
    ce: float | None
    le: float | None
    callsign: str
    course: float | None
    speed_ms: float | None
    remarks: str
    chatroom: str
    chat_sender: str
    chat_id: str

    @property
    def kind(self) -> str:
        if self.type == "b-t-f":
            return "chat"
        if self.type.startswith("a-"):
            return "atom"
        return "marker"


def _time(attrs: dict[str, str], name: str) -> datetime:
    raw = attrs.get(name, "")
    if not raw:
        raise CotError(422, tr("Nell'evento CoT manca l'ora «{n}».", n=name))
    value = parse_utc(raw)
    if value is None:
        raise CotError(422, tr("CoT «{n}»: «{v}» non è un'ora ISO 8601.", n=name, v=raw))
    return value


def _float(attrs: dict[str, str], name: str, required: bool = False) -> float | None:
    raw = attrs.get(name)
    if raw is None or raw == "":
        if required:
            raise CotError(422, tr("Nel punto CoT manca «{n}».", n=name))
        return None
    try:
        value = float(raw)
    except ValueError:
        raise CotError(422, tr("CoT «{n}»: «{v}» non è un numero.", n=name, v=raw)) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CotError(422, tr("CoT «{n}» deve essere un numero finito.", n=name))
    # CoT uses 9999999.0 for "unknown" hae/ce/le.
    return None if value >= 9_999_999.0 and not required else value


def _child(el: Any, name: str) -> Any:
    return next((c for c in el if c.tag == name), None) if el is not None else None


def parse(body: bytes) -> CotEvent:
    root = safe_root(body, CotError, tr("Contenuto vuoto: inviare un documento CoT <event>."))
    if root.tag != "event":
        raise CotError(422, tr("Atteso un <event> CoT, ricevuto <{tag}>.", tag=root.tag))
    a = dict(root.attrib)
    uid, typ = a.get("uid", "").strip(), a.get("type", "").strip()
    if not uid or not typ:
        raise CotError(422, tr("L'evento CoT richiede «uid» e «type»."))
    if len(uid) > 200 or len(typ) > 100:
        raise CotError(422, tr("uid o type dell'evento CoT troppo lunghi."))
    if not (typ.startswith("a-") or typ == "b-t-f" or typ.startswith("b-m-")):
        raise CotError(422, tr("Tipo CoT «{t}» non gestito (a-*, b-t-f, b-m-*).", t=typ))
    point = _child(root, "point")
    if point is None:
        raise CotError(422, tr("L'evento CoT non ha <point>."))
    p = dict(point.attrib)
    lat, lon = _float(p, "lat", True), _float(p, "lon", True)
    if lat is None or lon is None:
        raise CotError(422, tr("Il punto CoT richiede «lat» e «lon»."))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CotError(422, tr("Il punto CoT {lat},{lon} è fuori dal mondo.", lat=lat, lon=lon))
    detail = _child(root, "detail")
    contact, track = _child(detail, "contact"), _child(detail, "track")
    remarks, chat = _child(detail, "remarks"), _child(detail, "__chat")
    t = dict(track.attrib) if track is not None else {}
    ch = dict(chat.attrib) if chat is not None else {}
    return CotEvent(
        uid=uid,
        type=typ,
        how=a.get("how", ""),
        time=_time(a, "time"),
        start=_time(a, "start"),
        stale=_time(a, "stale"),
        lat=lat,
        lon=lon,
        hae=_float(p, "hae"),
        ce=_float(p, "ce"),
        le=_float(p, "le"),
        callsign=(contact.attrib.get("callsign", "") if contact is not None else "")[:100],
        course=_float(t, "course"),
        speed_ms=_float(t, "speed"),
        remarks=((remarks.text or "") if remarks is not None else "").strip(),
        chatroom=ch.get("chatroom", "").strip(),
        chat_sender=ch.get("senderCallsign", "")[:100],
        chat_id=ch.get("id", ""),
    )
