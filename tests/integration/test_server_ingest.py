"""CAP 1.2 and Cursor-on-Target ingest against the real training back-end."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from console.api import contract as c
from console.paths import RESOURCES
from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, auth_headers

pytestmark = pytest.mark.integration

CAP_DIR = RESOURCES / "training" / "cap"
XML = {"Content-Type": "application/xml"}


def _post(server: TrainingProcess, path: str, body: bytes, role: str = "supervisor",
          **headers: str) -> httpx.Response:
    h = {**auth_headers(server, role), **XML, **headers}
    return httpx.post(f"{server.base_url}{API}{path}", content=body, headers=h, timeout=20)


def _alert(server: TrainingProcess, alert_id: str) -> c.Alert:
    r = httpx.get(f"{server.base_url}{API}/alerts/{alert_id}", headers=auth_headers(server))
    assert r.status_code == 200, r.text
    return c.Alert.model_validate(r.json())


@pytest.mark.parametrize(
    ("name", "type_", "priority", "geometry"),
    [
        ("oasis-a1-homeland-security.xml", "cap.security", 2, None),
        ("oasis-a2-thunderstorm.xml", "cap.weather", 2, "Polygon"),
        ("oasis-a3-earthquake.xml", "cap.geo", 4, "Point"),
        ("oasis-a4-amber.xml", "cap.rescue", 2, None),
    ],
)
def test_cap_spec_examples(
    shared_training_server: TrainingProcess, name: str, type_: str, priority: int,
    geometry: str | None,
) -> None:
    r = _post(shared_training_server, "/cap", (CAP_DIR / name).read_bytes())
    assert r.status_code == 200, r.text
    result = c.CapResult.model_validate(r.json())
    assert len(result.created) == 1
    alert = _alert(shared_training_server, result.created[0])
    assert alert.type == type_
    assert alert.priority == priority
    assert not alert.exercise
    assert (alert.geometry or {}).get("type") == geometry
    assert alert.payload["identifier"] == result.identifier
    if name.startswith("oasis-a2"):
        ring = alert.geometry["coordinates"][0]  # type: ignore[index]
        assert ring[0] == [-120.14, 38.47]  # CAP is lat,lon; GeoJSON lon,lat
        areas = alert.payload["infos"][0]["areas"]
        assert areas[0]["unresolved_geocodes"] == ["SAME=006109", "SAME=006009", "SAME=006003"]
    # the same message again changes nothing
    again = c.CapResult.model_validate(
        _post(shared_training_server, "/cap", (CAP_DIR / name).read_bytes()).json())
    assert again.created == []
    assert again.updated == []


def test_italian_geocode_only_alert_then_cancel(shared_training_server: TrainingProcess) -> None:
    server = shared_training_server
    r = _post(server, "/cap", (CAP_DIR / "it-meteo-temporali.xml").read_bytes(), role="coc")
    assert r.status_code == 200, r.text
    alert_id = r.json()["created"][0]
    alert = _alert(server, alert_id)
    assert alert.title.startswith("Allerta arancione")  # the Italian info block is preferred
    assert alert.type == "cap.weather"
    assert alert.priority == 3
    assert alert.geometry is not None
    assert alert.geometry["type"] == "MultiPolygon"
    lons = [p[0] for poly in alert.geometry["coordinates"] for ring in poly for p in ring]
    lats = [p[1] for poly in alert.geometry["coordinates"] for ring in poly for p in ring]
    assert min(lons) > 9.0
    assert max(lons) < 9.3
    assert min(lats) > 45.38
    assert max(lats) < 45.6
    assert [i["language"] for i in alert.payload["infos"]] == ["it-IT", "en-GB"]
    cancel = _post(server, "/cap", (CAP_DIR / "it-meteo-temporali-cancel.xml").read_bytes(),
                   role="coc")
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["cancelled"] == [alert_id]
    closed = _alert(server, alert_id)
    assert closed.state == c.AlertState.CLOSED
    assert closed.history[-1].action == "cancel"


def _cap(identifier: str, status: str = "Actual", msg_type: str = "Alert", extra: str = "",
         area: str = "<circle>45.4642,9.19 1.5</circle>") -> bytes:
    return f"""<?xml version="1.0"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
 <identifier>{identifier}</identifier><sender>test@centrale.invalid</sender>
 <sent>2026-01-01T10:00:00+01:00</sent><status>{status}</status><msgType>{msg_type}</msgType>
 <scope>Public</scope>{extra}
 <info><language>it-IT</language><category>Safety</category><event>Prova</event>
  <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
  <headline>Evacuazione Duomo</headline>
  <area><areaDesc>Duomo</areaDesc>{area}</area></info>
</alert>""".encode()


def test_cap_exercise_update_and_circle(shared_training_server: TrainingProcess) -> None:
    server = shared_training_server
    r = _post(server, "/cap", _cap("EX-1", status="Exercise"))
    alert = _alert(server, r.json()["created"][0])
    assert alert.exercise
    assert alert.title == "[ESERCITAZIONE] Evacuazione Duomo"
    assert alert.priority == 1
    assert alert.geometry is not None
    assert alert.geometry["type"] == "Polygon"
    ref = "<references>test@centrale.invalid,EX-1,2026-01-01T10:00:00+01:00</references>"
    upd = _post(server, "/cap", _cap("EX-2", status="Exercise", msg_type="Update", extra=ref,
                                     area="<polygon>45.46,9.18 45.47,9.18 45.47,9.20 "
                                          "45.46,9.18</polygon>"))
    assert upd.json()["updated"] == [alert.id]
    updated = _alert(server, alert.id)
    assert updated.version == alert.version + 1
    assert updated.geometry is not None
    assert updated.geometry["coordinates"][0][0] == [9.18, 45.46]
    test = _post(server, "/cap", _cap("T-1", status="Test"))
    assert _alert(server, test.json()["created"][0]).title.startswith("[TEST]")
    draft = _post(server, "/cap", _cap("D-1", status="Draft"))
    assert draft.status_code == 200
    assert draft.json()["created"] == []


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/cap", BILLION_LAUGHS, 400),
        ("/cap", EXTERNAL, 400),
        ("/cap", b"<alert><unclosed>", 400),
        ("/cap", b"", 400),
        ("/cap", b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>", 422),
        ("/cap", b"<html/>", 422),
        ("/cap", _cap("BAD", area="<polygon>45,9 46,9</polygon>"), 422),
        ("/cap", _cap("BAD2", msg_type="Cancel"), 422),
        ("/cap", b"<a>" + b"x" * (300 * 1024) + b"</a>", 413),
        ("/cot", BILLION_LAUGHS, 400),
        ("/cot", b"\x00\xff garbage", 400),
        ("/cot", b'<event uid="x" type="t-x-c"><point lat="1" lon="2"/></event>', 422),
        ("/cot", b'<event uid="x" type="a-f-G" time="now"><point lat="1" lon="2"/></event>', 422),
    ],
)
def test_hostile_or_broken_xml_is_refused(
    shared_training_server: TrainingProcess, path: str, body: bytes, status: int
) -> None:
    r = _post(shared_training_server, path, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"]


def test_cap_roles(shared_training_server: TrainingProcess) -> None:
    body = (CAP_DIR / "oasis-a1-homeland-security.xml").read_bytes()
    assert _post(shared_training_server, "/cap", body, role="kiosk").status_code == 403
    assert _post(shared_training_server, "/cap", body, role="radio").status_code == 403


T = 'time="2026-03-01T10:00:00Z" start="2026-03-01T10:00:00Z" stale="2026-03-01T10:05:00Z"'


def test_cot_positions_become_units_or_markers(shared_training_server: TrainingProcess) -> None:
    server = shared_training_server
    h = auth_headers(server)
    unit_id = httpx.get(f"{server.base_url}{API}/units", headers=h).json()[0]["id"]
    own = f"""<event version="2.0" uid="{unit_id}" type="a-f-G-U-C" {T} how="m-g">
      <point lat="45.4700" lon="9.1900" hae="130" ce="5" le="5"/>
      <detail><contact callsign="Delta 01"/><track course="90" speed="10"/></detail></event>"""
    r = _post(server, "/cot", own.encode(), role="radio")
    assert r.status_code == 200, r.text
    assert r.json()["applied_as"] == "unit"
    unit = httpx.get(f"{server.base_url}{API}/units/{unit_id}", headers=h).json()
    assert (unit["lon"], unit["lat"], unit["speed_kmh"]) == (9.19, 45.47, 36.0)
    track = f"""<event version="2.0" uid="ANDROID-abc123" type="a-h-G" {T} how="h-e">
      <point lat="45.4801" lon="9.2002" hae="9999999.0" ce="9999999.0" le="9999999.0"/>
      <detail><contact callsign="Sospetto"/><remarks>auto in fuga</remarks></detail></event>"""
    r = _post(server, "/cot", track.encode(), role="radio")
    assert r.json()["applied_as"] == "marker"
    markers = httpx.get(f"{server.base_url}{API}/markers", headers=h).json()
    marker = next(m for m in markers if m["id"] == "ANDROID-abc123")
    assert marker["callsign"] == "Sospetto"
    assert marker["hae"] is None  # 9999999 means unknown in CoT
    events = httpx.get(f"{server.base_url}{API}/events/backlog", headers=h,
                       params={"limit": 10000}).json()
    kinds = [e["event"] for e in events[-2:]]
    assert kinds == ["unit.moved", "marker.updated"]


def test_cot_geochat_becomes_a_chat_message(shared_training_server: TrainingProcess) -> None:
    server = shared_training_server
    chat = f"""<event version="2.0" uid="GeoChat.ANDROID-1.VVF Milano.42" type="b-t-f" {T}
      how="h-g-i-g-o"><point lat="45.48" lon="9.20" hae="0" ce="9999999" le="9999999"/>
      <detail><__chat chatroom="VVF Milano" id="VVF Milano" senderCallsign="APS 01">
      <chatgrp uid0="ANDROID-1" uid1="VVF Milano" id="VVF Milano"/></__chat>
      <link uid="ANDROID-1" type="a-f-G-U-C" relation="p-p"/>
      <remarks source="BAO.F.ATAK.ANDROID-1" time="2026-03-01T10:00:00Z">Arrivati sul posto
      </remarks></detail></event>"""
    r = _post(server, "/cot", chat.encode(), role="radio")
    assert r.status_code == 200, r.text
    assert r.json()["applied_as"] == "chat"
    h = auth_headers(server)
    msgs = httpx.get(f"{server.base_url}{API}/chat/channels/vvf/messages", headers=h).json()
    last = msgs["messages"][-1]
    assert last["text"] == "Arrivati sul posto"
    assert last["sender"] == "APS 01"
    other = chat.replace('chatroom="VVF Milano"', 'chatroom="Nowhere"').replace(".42", ".43")
    assert _post(server, "/cot", other.encode(), role="radio").status_code == 200
    geo = httpx.get(f"{server.base_url}{API}/chat/channels/geochat/messages", headers=h).json()
    assert geo["messages"][-1]["text"] == "Arrivati sul posto"


def test_samples_exist() -> None:
    assert len(list(Path(CAP_DIR).glob("oasis-a*.xml"))) == 4
