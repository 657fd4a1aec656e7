"""Cursor-on-Target ingest: `<event>` XML -> unit positions, map markers or GeoChat messages.

  a-*     (atoms: things on the ground/air)  -> `unit.moved` when the uid is one of our units,
                                              else a marker (`marker.updated`)
  b-t-f   (GeoChat)                          -> `chat.message` in the channel named by
                                              detail/__chat@chatroom (else "GeoChat")
  b-m-*   (map points, routes)               -> a marker
Anything else is refused with 422, unreadable or hostile XML with 400 (defusedxml).
"""

from __future__ import annotations

import xml.etree.ElementTree as StdET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException


class CotError(ValueError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


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
        raise CotError(422, f"CoT event is missing the '{name}' time.")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise CotError(422, f"CoT '{name}' {raw!r} is not an ISO 8601 time.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _float(attrs: dict[str, str], name: str, required: bool = False) -> float | None:
    raw = attrs.get(name)
    if raw is None or raw == "":
        if required:
            raise CotError(422, f"CoT point is missing '{name}'.")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise CotError(422, f"CoT '{name}' {raw!r} is not a number.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CotError(422, f"CoT '{name}' must be a finite number.")
    # CoT uses 9999999.0 for "unknown" hae/ce/le.
    return None if value >= 9_999_999.0 and not required else value


def _child(el: Any, name: str) -> Any:
    return next((c for c in el if c.tag == name), None) if el is not None else None


def parse(body: bytes) -> CotEvent:
    if not body.strip():
        raise CotError(400, "The body is empty: send a CoT <event> document.")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise CotError(400, f"Refused unsafe XML ({type(exc).__name__}).") from None
    except (StdET.ParseError, ValueError, UnicodeError) as exc:
        raise CotError(400, f"The body is not well-formed XML: {exc}") from None
    if root.tag != "event":
        raise CotError(422, f"Expected a CoT <event>, got <{root.tag}>.")
    a = dict(root.attrib)
    uid, typ = a.get("uid", "").strip(), a.get("type", "").strip()
    if not uid or not typ:
        raise CotError(422, "CoT event needs 'uid' and 'type'.")
    if len(uid) > 200 or len(typ) > 100:
        raise CotError(422, "CoT uid or type is too long.")
    if not (typ.startswith("a-") or typ == "b-t-f" or typ.startswith("b-m-")):
        raise CotError(422, f"CoT type {typ!r} is not handled (a-*, b-t-f, b-m-*).")
    point = _child(root, "point")
    if point is None:
        raise CotError(422, "CoT event has no <point>.")
    p = dict(point.attrib)
    lat, lon = _float(p, "lat", True), _float(p, "lon", True)
    if lat is None or lon is None:
        raise CotError(422, "CoT point needs 'lat' and 'lon'.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CotError(422, f"CoT point {lat},{lon} is outside the world.")
    detail = _child(root, "detail")
    contact, track = _child(detail, "contact"), _child(detail, "track")
    remarks, chat = _child(detail, "remarks"), _child(detail, "__chat")
    t = dict(track.attrib) if track is not None else {}
    ch = dict(chat.attrib) if chat is not None else {}
    return CotEvent(
        uid=uid, type=typ, how=a.get("how", ""), time=_time(a, "time"),
        start=_time(a, "start"), stale=_time(a, "stale"), lat=lat, lon=lon,
        hae=_float(p, "hae"), ce=_float(p, "ce"), le=_float(p, "le"),
        callsign=(contact.attrib.get("callsign", "") if contact is not None else "")[:100],
        course=_float(t, "course"), speed_ms=_float(t, "speed"),
        remarks=((remarks.text or "") if remarks is not None else "").strip(),
        chatroom=ch.get("chatroom", "").strip(), chat_sender=ch.get("senderCallsign", "")[:100],
        chat_id=ch.get("id", ""),
    )
