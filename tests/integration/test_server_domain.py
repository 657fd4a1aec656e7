"""Incidents, chat, audit, cameras and layers on the real training back-end."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import httpx
import pytest

from console.api import contract as c
from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, auth_headers

pytestmark = pytest.mark.integration


def test_incident_optimistic_locking_and_history(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = auth_headers(shared_training_server, "radio")
    draft = {"type": "incidente_stradale", "priority": 2, "lon": 9.19, "lat": 45.46,
             "address": "Piazza del Duomo", "narrative": "Tamponamento"}
    r = httpx.post(f"{base}/incidents", json=draft, headers=h)
    assert r.status_code == 201, r.text
    inc = c.Incident.model_validate(r.json())
    assert inc.version == 1
    assert [s.status for s in inc.history] == [c.IncidentStatus.NEW]
    first = httpx.put(f"{base}/incidents/{inc.id}", headers=h,
                      json={**draft, "version": 1, "status": "dispatched", "units": ["x"]})
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    stale = httpx.put(f"{base}/incidents/{inc.id}", headers=h,
                      json={**draft, "version": 1, "narrative": "altro testo"})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    conflict = c.IncidentConflict.model_validate(stale.json())
    assert conflict.current.version == 2
    assert conflict.current.status == c.IncidentStatus.DISPATCHED
    assert conflict.current.narrative == "Tamponamento"
    no_version = httpx.put(f"{base}/incidents/{inc.id}", headers=h, json=draft)
    assert no_version.status_code == 422
    got = c.Incident.model_validate(httpx.get(f"{base}/incidents/{inc.id}", headers=h).json())
    assert [s.status for s in got.history] == [c.IncidentStatus.NEW, c.IncidentStatus.DISPATCHED]
    assert got.units == ["x"]
    kiosk = auth_headers(shared_training_server, "kiosk")
    assert httpx.post(f"{base}/incidents", json=draft, headers=kiosk).status_code == 403


def test_idempotent_incident_create(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = {**auth_headers(shared_training_server), "Idempotency-Key": "inc-create-1"}
    body = {"type": "rissa", "address": "Corso Como"}
    a = httpx.post(f"{base}/incidents", json=body, headers=h)
    b = httpx.post(f"{base}/incidents", json=body, headers=h)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] == b.json()["id"]
    ids = [i["id"] for i in httpx.get(f"{base}/incidents", headers=h).json()
           if i["type"] == "rissa"]
    assert ids == [a.json()["id"]]


def test_chat_send_page_and_receipts(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = auth_headers(shared_training_server, "radio")
    channels = [ch["id"] for ch in httpx.get(f"{base}/chat/channels", headers=h).json()]
    assert {"sala-radio", "vvf", "areu", "geochat"} <= set(channels)
    sent = []
    for i in range(5):
        r = httpx.post(f"{base}/chat/channels/areu/messages", json={"text": f"msg {i}"},
                       headers=h)
        assert r.status_code == 201, r.text
        sent.append(r.json())
    assert sent[0]["desk"] == "Operatore sala radio"
    page = httpx.get(f"{base}/chat/channels/areu/messages", params={"limit": 2},
                     headers=h).json()
    assert [m["text"] for m in page["messages"]] == ["msg 3", "msg 4"]
    assert page["has_more"]
    older = httpx.get(f"{base}/chat/channels/areu/messages",
                      params={"limit": 10, "before": page["messages"][0]["id"]}, headers=h).json()
    assert [m["text"] for m in older["messages"]] == ["msg 0", "msg 1", "msg 2"]
    assert not older["has_more"]
    rec = httpx.post(f"{base}/chat/messages/{sent[0]['id']}/receipts", json={"kind": "read"},
                     headers=auth_headers(shared_training_server, "coc"))
    assert rec.status_code == 200
    assert rec.json()["kind"] == "read"
    bad = httpx.post(f"{base}/chat/messages/{sent[0]['id']}/receipts", json={"kind": "liked"},
                     headers=h)
    assert bad.status_code == 422
    assert httpx.post(f"{base}/chat/channels/nope/messages", json={"text": "x"},
                      headers=h).status_code == 404


def test_audit_chain_verifies_and_detects_tampering(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    server = make_training_server()
    base = f"{server.base_url}{API}"
    h = auth_headers(server, "video")
    for i in range(4):
        r = httpx.post(f"{base}/audit", headers=h, json={
            "action": "plate_search", "object": f"AB{i}23CD", "reason": "controllo su segnalazione",
            "case_ref": f"PG-2026/{i}"})
        assert r.status_code == 201, r.text
    assert httpx.post(f"{base}/audit", headers=h,
                      json={"action": "export", "reason": ""}).status_code == 422
    assert httpx.get(f"{base}/audit", headers=h).status_code == 403  # video cannot read it
    sup = auth_headers(server, "supervisor")
    entries = [c.AuditEntry.model_validate(e)
               for e in httpx.get(f"{base}/audit", headers=sup).json()]
    assert [e.object for e in entries] == ["AB023CD", "AB123CD", "AB223CD", "AB323CD"]
    assert entries[1].prev_hash == entries[0].hash
    ok = c.AuditVerify.model_validate(httpx.get(f"{base}/audit/verify", headers=sup).json())
    assert ok.ok
    assert ok.entries == 4
    with sqlite3.connect(server.db) as conn:  # someone edits the log behind the server's back
        conn.execute("UPDATE audit SET body = replace(body, 'AB123CD', 'ZZ999ZZ') WHERE id = 2")
    bad = c.AuditVerify.model_validate(httpx.get(f"{base}/audit/verify", headers=sup).json())
    assert not bad.ok
    assert bad.first_bad_id == 2


def test_cameras_ptz_and_units(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = auth_headers(shared_training_server, "video")
    cams = [c.Camera.model_validate(x) for x in httpx.get(f"{base}/cameras", headers=h).json()]
    assert [cam.id for cam in cams] == [f"cam{n:02d}" for n in range(1, 17)]
    for cam in cams:
        assert 45.25 <= cam.lat <= 45.65
        assert 8.7 <= cam.lon <= 9.55
        assert cam.streams.main_rtsp.endswith(f"/{cam.id}")
        assert cam.streams.sub_rtsp.endswith(f"/{cam.id}_sub")
    assert any(cam.privacy_masks for cam in cams)
    ptz = next(cam for cam in cams if cam.ptz)
    fixed = next(cam for cam in cams if not cam.ptz)
    r = httpx.post(f"{base}/cameras/{ptz.id}/ptz", json={"pan": 30}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["heading"] == round((ptz.heading + 30) % 360, 1)
    r = httpx.post(f"{base}/cameras/{ptz.id}/ptz", json={"preset": ptz.presets[0].id}, headers=h)
    assert r.json()["heading"] == ptz.presets[0].heading
    assert httpx.post(f"{base}/cameras/{fixed.id}/ptz", json={"pan": 5},
                      headers=h).status_code == 409
    assert httpx.post(f"{base}/cameras/{ptz.id}/ptz", json={"pan": 5},
                      headers=auth_headers(shared_training_server, "kiosk")).status_code == 403
    units = [c.Unit.model_validate(u) for u in httpx.get(f"{base}/units", headers=h).json()]
    assert {u.agency for u in units} == {c.Agency.PL, c.Agency.PS, c.Agency.CC, c.Agency.VVF,
                                         c.Agency.AREU}
    assert all(45.25 <= u.lat <= 45.65 and 8.7 <= u.lon <= 9.55 for u in units)


def test_layers(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = auth_headers(shared_training_server, "kiosk")
    layers = {x["id"]: c.LayerInfo.model_validate(x)
              for x in httpx.get(f"{base}/layers", headers=h).json()}
    assert layers["comuni_mi"].feature_count == 133
    doc = httpx.get(f"{base}/layers/comuni_mi", params={"limit": 3}, headers=h)
    assert doc.headers["content-type"] == "application/geo+json"
    assert len(doc.json()["features"]) == 3
    assert httpx.get(f"{base}/layers/nope", headers=h).status_code == 404


def test_layer_pack_cameras_at_area_c_gates(
    make_training_server: Callable[..., TrainingProcess], milano_pack: object,
) -> None:
    server = make_training_server(layers=(milano_pack,))
    h = auth_headers(server)
    cams = httpx.get(f"{server.base_url}{API}/cameras", headers=h).json()
    assert all(cam["name"].startswith("Varco Area C") for cam in cams)
    layers = [x["id"] for x in httpx.get(f"{server.base_url}{API}/layers", headers=h).json()]
    assert "milano_varchi_areac" in layers
