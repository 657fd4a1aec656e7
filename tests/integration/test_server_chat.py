"""The training back-end's chat additions: persisted receipts, flash acks, presence, incident and
direct channels, the sender's key echoed back."""

from __future__ import annotations

import httpx
import pytest

from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, auth_headers, read_sse

pytestmark = pytest.mark.integration


def test_receipts_are_kept_once_per_desk_and_come_with_history(
    shared_training_server: TrainingProcess,
) -> None:
    base = f"{shared_training_server.base_url}{API}"
    radio, coc = (
        auth_headers(shared_training_server, "radio"),
        auth_headers(shared_training_server, "coc"),
    )
    sent = httpx.post(
        f"{base}/chat/channels/coc/messages",
        json={"text": "Livello Seveso?"},
        headers={**radio, "Idempotency-Key": "chat-key-1"},
    )
    assert sent.status_code == 201, sent.text
    msg = sent.json()
    assert msg["client_key"] == "chat-key-1"
    first = httpx.post(
        f"{base}/chat/messages/{msg['id']}/receipts", json={"kind": "read"}, headers=coc
    )
    again = httpx.post(
        f"{base}/chat/messages/{msg['id']}/receipts", json={"kind": "read"}, headers=coc
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()  # the second is the first, not a new receipt
    page = httpx.get(f"{base}/chat/channels/coc/messages", headers=radio).json()
    mine = [r for r in page["receipts"] if r["message_id"] == msg["id"]]
    assert [(r["desk"], r["kind"]) for r in mine] == [("Sala COC Protezione Civile", "read")]
    unknown = httpx.post(
        f"{base}/chat/messages/MSG-999999/receipts", json={"kind": "read"}, headers=coc
    )
    assert unknown.status_code == 404
    assert "MSG-999999" in unknown.json()["detail"]


def test_only_flash_messages_take_an_ack(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = auth_headers(shared_training_server, "supervisor")
    plain = httpx.post(
        f"{base}/chat/channels/tutte/messages", json={"text": "info"}, headers=h
    ).json()
    flash = httpx.post(
        f"{base}/chat/channels/tutte/messages",
        json={"text": "Esondazione Seveso", "flash": True},
        headers=h,
    ).json()
    radio = auth_headers(shared_training_server, "radio")
    refused = httpx.post(
        f"{base}/chat/messages/{plain['id']}/receipts", json={"kind": "ack"}, headers=radio
    )
    assert refused.status_code == 422
    ok = httpx.post(
        f"{base}/chat/messages/{flash['id']}/receipts", json={"kind": "ack"}, headers=radio
    )
    assert ok.status_code == 200
    assert ok.json()["desk"] == "Operatore sala radio"


def test_presence_is_announced_and_goes_stale(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = auth_headers(shared_training_server, "video")
    since = httpx.get(f"{base}/health").json()["last_event_id"]
    r = httpx.post(f"{base}/chat/presence", json={"status": "away"}, headers=h)
    assert r.status_code == 200
    assert r.json()["desk"] == "Operatore videosorveglianza"
    listed = {p["desk"]: p["status"] for p in httpx.get(f"{base}/chat/presence", headers=h).json()}
    assert listed["Operatore videosorveglianza"] == "away"
    read = read_sse(
        shared_training_server,
        h,
        params={"last_event_id": since},
        until=lambda s: any(f.event == "chat.presence" for f in s.frames),
    )
    assert any('"away"' in f.data for f in read.frames if f.event == "chat.presence")
    bad = httpx.post(f"{base}/chat/presence", json={"status": "busy"}, headers=h)
    assert bad.status_code == 422


def test_incident_and_direct_channels(shared_training_server: TrainingProcess) -> None:
    base = f"{shared_training_server.base_url}{API}"
    h = auth_headers(shared_training_server, "radio")
    inc = httpx.post(
        f"{base}/incidents", json={"type": "incendio", "address": "Via Padova 1"}, headers=h
    ).json()
    r = httpx.post(
        f"{base}/chat/channels", json={"kind": "incident", "incident_id": inc["id"]}, headers=h
    )
    assert r.status_code == 200, r.text
    channel = r.json()
    assert channel["kind"] == "incident"
    assert channel["incident_id"] == inc["id"]
    twice = httpx.post(
        f"{base}/chat/channels", json={"kind": "incident", "incident_id": inc["id"]}, headers=h
    ).json()
    assert twice["id"] == channel["id"]  # one channel per incident
    ids = [ch["id"] for ch in httpx.get(f"{base}/chat/channels", headers=h).json()]
    assert ids.count(channel["id"]) == 1
    assert (
        httpx.post(
            f"{base}/chat/channels/{channel['id']}/messages", json={"text": "x"}, headers=h
        ).status_code
        == 201
    )
    missing = httpx.post(
        f"{base}/chat/channels", json={"kind": "incident", "incident_id": "INC-404404"}, headers=h
    )
    assert missing.status_code == 404
    direct = httpx.post(
        f"{base}/chat/channels", json={"kind": "direct", "desk": "VVF Milano"}, headers=h
    ).json()
    assert direct["members"] == ["Operatore sala radio", "VVF Milano"]
    with_self = httpx.post(
        f"{base}/chat/channels", json={"kind": "direct", "desk": "Operatore sala radio"}, headers=h
    )
    assert with_self.status_code == 422
    fixed = httpx.post(f"{base}/chat/channels", json={"kind": "agency", "name": "x"}, headers=h)
    assert fixed.status_code == 422
