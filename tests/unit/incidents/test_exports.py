from __future__ import annotations

from datetime import timedelta

from defusedxml import ElementTree as SafeET

from console.incidents.exports import CAP_NS, check_cap, check_emsi, to_cap, to_emsi
from tests.unit.incidents.conftest import T0, incident, unit


def _dispatched():  # type: ignore[no-untyped-def]
    return incident(
        version=3, status="on_scene", units=["U7"],
        history=[{"at": T0, "user": "op1", "status": "new"},
                 {"at": T0 + timedelta(minutes=2), "user": "op1", "status": "dispatched"},
                 {"at": T0 + timedelta(minutes=9), "user": "op1", "status": "on_scene"}])


def test_emsi_has_context_event_resource_mission() -> None:
    xml = to_emsi(_dispatched(), [unit("U7", 9.18, 45.46)], operator="op1")
    assert check_emsi(xml) == []
    root = SafeET.fromstring(xml)
    assert [c.tag for c in root] == ["CONTEXT", "EVENT", "RESOURCE", "MISSION"]
    assert root.findtext("CONTEXT/MSGTYPE") == "UPDATE"
    assert root.findtext("EVENT/ETYPE/CATEGORY") == "/TRP/COL"
    assert root.findtext("EVENT/EGEO/COORD/LAT") == "45.464200"
    assert root.findtext("MISSION/STATUS") == "IPR"
    assert root.findtext("MISSION/RESOURCE_ID") == "U7"
    assert root.findtext("RESOURCE/NAME") == "Alfa U7"


def test_emsi_check_catches_missing_blocks_and_bad_values() -> None:
    assert "missing EVENT" in check_emsi("<EMSI><CONTEXT><ID>x</ID></CONTEXT></EMSI>")
    broken = to_emsi(_dispatched(), []).replace("<MODE>ACTUAL</MODE>", "<MODE>REAL</MODE>")
    assert any("MODE" in p for p in check_emsi(broken))
    assert check_emsi("<EMSI><oops") != []


def test_cap_has_alert_info_area_with_required_fields() -> None:
    xml = to_cap(_dispatched(), exercise=True)
    assert check_cap(xml) == []
    ns = {"c": CAP_NS}
    root = SafeET.fromstring(xml)
    assert root.findtext("c:status", namespaces=ns) == "Exercise"
    assert root.findtext("c:msgType", namespaces=ns) == "Update"
    assert root.findtext("c:info/c:urgency", namespaces=ns) == "Immediate"
    assert root.findtext("c:info/c:area/c:circle", namespaces=ns) == "45.464200,9.190000 0.2"
    assert "+00:00" in (root.findtext("c:sent", namespaces=ns) or "")


def test_cap_check_catches_what_receivers_reject() -> None:
    good = to_cap(incident())
    assert check_cap(good) == []
    assert any("urgency" in p for p in check_cap(good.replace("Immediate", "Subito")))
    no_area = good.replace("<areaDesc>", "<x>").replace("</areaDesc>", "</x>")
    assert any("areaDesc" in p for p in check_cap(no_area))
    assert check_cap("<alert/>") != []


def test_closed_and_cancelled_incidents_say_so() -> None:
    cancelled = incident(version=2, status="cancelled")
    assert "<msgType>Cancel</msgType>" in to_cap(cancelled)
    assert check_cap(to_cap(cancelled)) == []
    assert "<MSGTYPE>CANCEL</MSGTYPE>" in to_emsi(cancelled)
