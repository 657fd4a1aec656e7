"""Incident exports for other agencies: EMSI (ISO/TR 22351) and CAP 1.2, plus their checks.

Both documents are built with xml.etree from the contract's Incident, so there is no template to
drift. EMSI carries the four blocks other control rooms expect: CONTEXT (who sends, why, how
urgent), EVENT (what, where, when, type code), RESOURCE (the assigned units) and MISSION (the
dispatch task). The EMSI event-type codes come from resources/incidents/taxonomy.json. CAP is the
alert/info/area shape public-warning systems read. `check_emsi` and `check_cap` verify the
required structure (elements, enumerations, formats) of any document, ours or received; they are
not a full XSD validation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime

from defusedxml import ElementTree as SafeET

from console.api import contract
from console.incidents import taxonomy

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_STATUS = ("Actual", "Exercise", "System", "Test", "Draft")
CAP_MSGTYPE = ("Alert", "Update", "Cancel", "Ack", "Error")
CAP_SCOPE = ("Public", "Restricted", "Private")
CAP_CATEGORY = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                "Transport", "Infra", "CBRNE", "Other")
CAP_URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
CAP_SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CAP_CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
EMSI_MODES = ("ACTUAL", "EXERCS", "SYSTEM", "TEST")
EMSI_MSGTYPES = ("ACK", "ALERT", "CANCEL", "ERROR", "UPDATE")
SENDER_ORG = "IT-MI-PL"  # Polizia Locale di Milano, Centrale Operativa

_PRIORITY_CAP = {1: ("Immediate", "Severe"), 2: ("Expected", "Moderate"),
                 3: ("Expected", "Minor"), 4: ("Future", "Minor")}
_MISSION_STATUS = {"new": "NST", "dispatched": "NST", "en_route": "IPR", "on_scene": "IPR",
                   "closed": "COM", "cancelled": "ABO"}
_EVENT_STATUS = {"closed": "COM", "cancelled": "COM"}
_RESOURCE_STATUS = {"available": "AVAIL", "dispatched": "ALERTED", "en_route": "MOBILE",
                    "on_scene": "ONSITE", "busy": "RESRVD", "out_of_service": "NAVAIL"}
_RESOURCE_CLASS = {"car": "VEH/CAR", "motorbike": "VEH/MOTO", "van": "VEH/VAN",
                   "ambulance": "VEH/AMB", "fire_engine": "VEH/FIRE", "foot": "HUM/PAT",
                   "bike": "VEH/BIKE"}


def _ts(value: datetime | None = None) -> str:
    """CAP wants seconds and an explicit offset, no fraction: 2026-11-22T05:10:00+00:00."""
    return (value or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0).isoformat()


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _tostring(root: ET.Element) -> str:
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _msgtype(incident: contract.Incident, emsi: bool) -> str:
    if incident.status is contract.IncidentStatus.CANCELLED:
        return "CANCEL" if emsi else "Cancel"
    if incident.version > 1:
        return "UPDATE" if emsi else "Update"
    return "ALERT" if emsi else "Alert"


def to_emsi(incident: contract.Incident, units: Iterable[contract.Unit] = (),
            operator: str = "", exercise: bool = False, now: datetime | None = None) -> str:
    kind = taxonomy.get(incident.type)
    created = incident.created_at
    root = ET.Element("EMSI")
    ctx = _sub(root, "CONTEXT")
    _sub(ctx, "ID", f"{SENDER_ORG}-{incident.id}-v{incident.version}")
    _sub(ctx, "MODE", "EXERCS" if exercise else "ACTUAL")
    _sub(ctx, "MSGTYPE", _msgtype(incident, emsi=True))
    _sub(ctx, "CREATION", _ts(now))
    _sub(ctx, "LEVEL", "OPR")
    _sub(ctx, "SECLASS", "RESTRC")
    _sub(ctx, "URGENCY", "URGENT" if incident.priority <= 2 else "NOT_URGENT")
    origin = _sub(ctx, "ORIGIN")
    _sub(origin, "ORG_ID", SENDER_ORG)
    if operator:
        _sub(origin, "USER_ID", operator)
    _sub(origin, "NAME", "Polizia Locale Milano - Centrale Operativa")

    event = _sub(root, "EVENT")
    _sub(event, "ID", incident.id)
    _sub(event, "NAME", kind.label_it)
    etype = _sub(event, "ETYPE")
    _sub(etype, "CATEGORY", kind.emsi)
    _sub(etype, "ACTOR", "/HUM")
    _sub(etype, "LOCTYPE", "/URB")
    _sub(event, "SOURCE", "HUMOBS")
    _sub(event, "SCALE", "1" if incident.priority >= 3 else "2")
    _sub(event, "CERTAINTY", "80")
    _sub(event, "DECL_DATIME", _ts(created))
    _sub(event, "OBS_DATIME", _ts(created))
    _sub(event, "STATUS", _EVENT_STATUS.get(incident.status.value, "IPR"))
    if incident.lon is not None and incident.lat is not None:
        egeo = _sub(event, "EGEO")
        _sub(egeo, "DATIME", _ts(created))
        _sub(egeo, "TYPE", "GENERAL")
        coord = _sub(egeo, "COORD")
        _sub(coord, "LAT", f"{incident.lat:.6f}")
        _sub(coord, "LON", f"{incident.lon:.6f}")
        _sub(coord, "HEIGHT", "0")
        where = ", ".join(x for x in (incident.address, incident.nil, incident.municipio,
                                      incident.comune) if x)
        if where:
            _sub(egeo, "FREETEXT", where)
    if incident.narrative:
        _sub(event, "FREETEXT", incident.narrative[:500])

    by_id = {u.id: u for u in units}
    for unit_id in incident.units:
        unit = by_id.get(unit_id)
        res = _sub(root, "RESOURCE")
        rtype = _sub(res, "RTYPE")
        _sub(rtype, "CLASS", _RESOURCE_CLASS.get(unit.kind if unit else "", "VEH"))
        _sub(res, "ID", unit_id)
        _sub(res, "ORG_ID", f"IT-MI-{unit.agency.value}" if unit else SENDER_ORG)
        _sub(res, "NAME", unit.callsign if unit else unit_id)
        if unit is not None:
            rgeo = _sub(res, "RGEO")
            _sub(rgeo, "DATIME", _ts(unit.status_since))
            _sub(rgeo, "TYPE", "CURPOS")
            coord = _sub(rgeo, "COORD")
            _sub(coord, "LAT", f"{unit.lat:.6f}")
            _sub(coord, "LON", f"{unit.lon:.6f}")
            _sub(res, "STATUS", _RESOURCE_STATUS.get(unit.status.value, "AVAIL"))

    mission = _sub(root, "MISSION")
    _sub(mission, "TYPE", kind.emsi)
    _sub(mission, "ID", f"{incident.id}-M1")
    _sub(mission, "ORG_ID", SENDER_ORG)
    _sub(mission, "NAME", kind.label_it)
    _sub(mission, "STATUS", _MISSION_STATUS.get(incident.status.value, "NST"))
    dispatched = next((h.at for h in incident.history if h.status.value == "dispatched"), None)
    closed = next((h.at for h in incident.history if h.status.value in ("closed", "cancelled")),
                  None)
    if dispatched:
        _sub(mission, "START_TIME", _ts(dispatched))
    if closed:
        _sub(mission, "END_TIME", _ts(closed))
    for unit_id in incident.units:
        _sub(mission, "RESOURCE_ID", unit_id)
    _sub(mission, "PRIORITY", str(incident.priority))
    return _tostring(root)


def to_cap(incident: contract.Incident, operator: str = "", exercise: bool = False,
           now: datetime | None = None) -> str:
    ET.register_namespace("", CAP_NS)
    kind = taxonomy.get(incident.type)
    ns = f"{{{CAP_NS}}}"
    root = ET.Element(f"{ns}alert")

    def sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
        return _sub(parent, ns + tag, text)

    sub(root, "identifier", f"{SENDER_ORG}-{incident.id}-v{incident.version}")
    sub(root, "sender", f"centrale@{SENDER_ORG.lower()}" + (f"/{operator}" if operator else ""))
    sub(root, "sent", _ts(now))
    sub(root, "status", "Exercise" if exercise else "Actual")
    sub(root, "msgType", _msgtype(incident, emsi=False))
    sub(root, "scope", "Restricted")
    sub(root, "restriction", "Enti di soccorso e forze di polizia")
    if incident.version > 1 or incident.status is contract.IncidentStatus.CANCELLED:
        first = f"{SENDER_ORG}-{incident.id}-v1"
        sub(root, "references", f"{SENDER_ORG},{first},{_ts(incident.created_at)}")
    info = sub(root, "info")
    sub(info, "language", "it-IT")
    sub(info, "category", kind.cap_category if kind.cap_category in CAP_CATEGORY else "Other")
    sub(info, "event", kind.label_it)
    urgency, severity = _PRIORITY_CAP.get(incident.priority, ("Unknown", "Unknown"))
    if incident.status.value in ("closed", "cancelled"):
        urgency = "Past"
    sub(info, "urgency", urgency)
    sub(info, "severity", severity)
    sub(info, "certainty", "Observed")
    sub(info, "senderName", "Polizia Locale Milano - Centrale Operativa")
    sub(info, "headline", f"{kind.label_it} - {incident.address or incident.comune}"[:160])
    if incident.narrative:
        sub(info, "description", incident.narrative)
    area = sub(info, "area")
    sub(area, "areaDesc", ", ".join(x for x in (incident.address, incident.nil,
                                                incident.municipio, incident.comune) if x)
        or "Città metropolitana di Milano")
    if incident.lon is not None and incident.lat is not None:
        sub(area, "circle", f"{incident.lat:.6f},{incident.lon:.6f} 0.2")
    return _tostring(root)


# --- structure checks ---------------------------------------------------------------------------


def _valid_time(text: str | None) -> bool:
    if not text or "." in text:
        return False
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return False
    return parsed.tzinfo is not None


def check_cap(xml: str) -> list[str]:
    """Problems with a CAP 1.2 document's required structure; empty when it is sound."""
    try:
        root = SafeET.fromstring(xml)
    except Exception as exc:  # defusedxml raises several types for hostile or broken XML
        return [f"not well-formed XML: {exc}"]
    ns = f"{{{CAP_NS}}}"
    problems: list[str] = []
    if root.tag != ns + "alert":
        return [f"root is {root.tag}, expected {ns}alert"]

    def need(parent: ET.Element, tag: str, allowed: tuple[str, ...] = ()) -> ET.Element | None:
        el = parent.find(ns + tag)
        if el is None or not (el.text or "").strip():
            problems.append(f"missing <{tag}> in <{parent.tag.removeprefix(ns)}>")
            return None
        if allowed and el.text not in allowed:
            problems.append(f"<{tag}> is {el.text!r}, expected one of {', '.join(allowed)}")
        return el

    for tag in ("identifier", "sender"):
        need(root, tag)
    sent = need(root, "sent")
    if sent is not None and not _valid_time(sent.text):
        problems.append(f"<sent> {sent.text!r} is not a CAP date-time with offset")
    need(root, "status", CAP_STATUS)
    msg = need(root, "msgType", CAP_MSGTYPE)
    scope = need(root, "scope", CAP_SCOPE)
    if scope is not None and scope.text == "Restricted":
        need(root, "restriction")
    if msg is not None and msg.text in ("Update", "Cancel"):
        need(root, "references")
    infos = root.findall(ns + "info")
    if not infos and (msg is None or msg.text in ("Alert", "Update")):
        problems.append("no <info> block")
    for info in infos:
        need(info, "category", CAP_CATEGORY)
        need(info, "event")
        need(info, "urgency", CAP_URGENCY)
        need(info, "severity", CAP_SEVERITY)
        need(info, "certainty", CAP_CERTAINTY)
        for area in info.findall(ns + "area"):
            need(area, "areaDesc")
            for circle in area.findall(ns + "circle"):
                try:
                    point, radius = (circle.text or "").split()
                    lat, lon = (float(v) for v in point.split(","))
                    ok = -90 <= lat <= 90 and -180 <= lon <= 180 and float(radius) >= 0
                except ValueError:
                    ok = False
                if not ok:
                    problems.append(f"<circle> {circle.text!r} is not 'lat,lon radius'")
    return problems


def check_emsi(xml: str) -> list[str]:
    """Problems with an EMSI document's required blocks and fields; empty when it is sound."""
    try:
        root = SafeET.fromstring(xml)
    except Exception as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag.rsplit("}", 1)[-1] != "EMSI":
        return [f"root is {root.tag}, expected EMSI"]
    problems: list[str] = []

    def need(parent: ET.Element | None, path: str, allowed: tuple[str, ...] = ()) -> None:
        el = parent.find(path) if parent is not None else None
        if el is None or not (el.text or "").strip():
            problems.append(f"missing {path}")
        elif allowed and el.text not in allowed:
            problems.append(f"{path} is {el.text!r}, expected one of {', '.join(allowed)}")

    ctx = root.find("CONTEXT")
    if ctx is None:
        problems.append("missing CONTEXT")
    need(ctx, "ID")
    need(ctx, "MODE", EMSI_MODES)
    need(ctx, "MSGTYPE", EMSI_MSGTYPES)
    need(ctx, "ORIGIN/ORG_ID")
    event = root.find("EVENT")
    if event is None:
        problems.append("missing EVENT")
    need(event, "ID")
    need(event, "ETYPE/CATEGORY")
    for coord in root.iter("COORD"):
        for axis, lo, hi in (("LAT", -90, 90), ("LON", -180, 180)):
            el = coord.find(axis)
            try:
                ok = el is not None and lo <= float(el.text or "") <= hi
            except ValueError:
                ok = False
            if not ok:
                problems.append(f"COORD/{axis} missing or out of range")
    for res in root.findall("RESOURCE"):
        need(res, "RTYPE/CLASS")
        need(res, "ID")
    missions = root.findall("MISSION")
    for mission in missions:
        need(mission, "TYPE")
        need(mission, "ID")
    resource_ids = {r.findtext("ID") for r in root.findall("RESOURCE")}
    for mission in missions:
        for rid in mission.findall("RESOURCE_ID"):
            if rid.text not in resource_ids:
                problems.append(f"MISSION refers to unknown RESOURCE {rid.text!r}")
    return problems
