"""What the training back-end does for the chat on its own: a silent desk goes offline, an
unacknowledged flash is escalated to the supervisor channel until a desk acknowledges it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from console.training.chat_watch import ESCALATE_ENV, PRESENCE_TTL_ENV, SUPERVISOR_CHANNEL
from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, auth_headers, read_sse

pytestmark = pytest.mark.integration


@pytest.fixture
def quick_server(
    make_training_server: Callable[..., TrainingProcess], monkeypatch: pytest.MonkeyPatch
) -> TrainingProcess:
    monkeypatch.setenv(ESCALATE_ENV, "2")
    monkeypatch.setenv(PRESENCE_TTL_ENV, "2")
    return make_training_server()


def _events(read: Any, kind: str) -> list[dict[str, Any]]:
    return [json.loads(f.data) for f in read.frames if f.event == kind]


def test_a_silent_desk_goes_offline_with_its_last_contact(quick_server: TrainingProcess) -> None:
    base = f"{quick_server.base_url}{API}"
    video, radio = auth_headers(quick_server, "video"), auth_headers(quick_server, "radio")
    since = httpx.get(f"{base}/health").json()["last_event_id"]
    said = httpx.post(f"{base}/chat/presence", json={"status": "online"}, headers=video).json()
    # Nothing more from that console (it crashed): the server itself announces it offline.
    read = read_sse(
        quick_server,
        radio,
        params={"last_event_id": since},
        until=lambda s: any(p["status"] == "offline" for p in _events(s, "chat.presence")),
    )
    gone = [p for p in _events(read, "chat.presence") if p["status"] == "offline"][-1]
    assert gone["desk"] == "Operatore videosorveglianza"
    assert gone["at"] == said["at"]  # the last contact, not the moment it was noticed
    listed = {p["desk"]: p for p in httpx.get(f"{base}/chat/presence", headers=radio).json()}
    assert listed["Operatore videosorveglianza"]["status"] == "offline"
    # Its next heartbeat brings it back, announced as a change.
    back = httpx.post(f"{base}/chat/presence", json={"status": "online"}, headers=video).json()
    assert back["status"] == "online"
    assert back["since"] == back["at"]


def test_a_heartbeat_keeps_since_and_announces_nothing(quick_server: TrainingProcess) -> None:
    base = f"{quick_server.base_url}{API}"
    video = auth_headers(quick_server, "video")
    first = httpx.post(f"{base}/chat/presence", json={"status": "away"}, headers=video).json()
    top = httpx.get(f"{base}/health").json()["last_event_id"]
    again = httpx.post(f"{base}/chat/presence", json={"status": "away"}, headers=video).json()
    assert again["since"] == first["since"]
    assert again["at"] >= first["at"]
    assert httpx.get(f"{base}/health").json()["last_event_id"] == top


def test_unacknowledged_flash_is_escalated_to_the_supervisor_until_acked(
    quick_server: TrainingProcess,
) -> None:
    base = f"{quick_server.base_url}{API}"
    radio, coc = auth_headers(quick_server, "radio"), auth_headers(quick_server, "coc")
    sup = auth_headers(quick_server, "supervisor")
    for h in (radio, coc):  # both consoles are connected
        httpx.post(f"{base}/chat/presence", json={"status": "online"}, headers=h)
    since = httpx.get(f"{base}/health").json()["last_event_id"]
    flash = httpx.post(
        f"{base}/chat/channels/tutte/messages",
        json={"text": "Esondazione Seveso a Niguarda", "flash": True},
        headers=radio,
    ).json()
    httpx.post(f"{base}/chat/presence", json={"status": "online"}, headers=coc)  # heartbeat
    read = read_sse(
        quick_server,
        sup,
        params={"last_event_id": since},
        until=lambda s: any(e["level"] >= 1 for e in _events(s, "chat.flash_escalated")),
    )
    first = _events(read, "chat.flash_escalated")[0]
    assert first["message_id"] == flash["id"]
    assert first["level"] == 1
    assert first["resolved"] is False
    assert first["pending"] == ["Sala COC Protezione Civile"]  # the sender is not expected
    assert first["notice_channel"] == SUPERVISOR_CHANNEL
    channels = {ch["id"] for ch in httpx.get(f"{base}/chat/channels", headers=sup).json()}
    assert SUPERVISOR_CHANNEL in channels
    notices = httpx.get(f"{base}/chat/channels/{SUPERVISOR_CHANNEL}/messages", headers=sup).json()
    text = notices["messages"][-1]["text"]
    assert flash["id"] in text
    assert "Sala COC Protezione Civile" in text
    open_now = httpx.get(f"{base}/chat/escalations", headers=sup).json()
    assert [e["message_id"] for e in open_now] == [flash["id"]]

    # The sender's own ack does not count; the COC's does, and stops the escalation.
    own = httpx.post(
        f"{base}/chat/messages/{flash['id']}/receipts", json={"kind": "ack"}, headers=radio
    )
    assert own.status_code == 200
    ack = httpx.post(
        f"{base}/chat/messages/{flash['id']}/receipts", json={"kind": "ack"}, headers=coc
    )
    assert ack.status_code == 200
    read = read_sse(
        quick_server,
        sup,
        params={"last_event_id": since},
        until=lambda s: any(e["resolved"] for e in _events(s, "chat.flash_escalated")),
    )
    done = [e for e in _events(read, "chat.flash_escalated") if e["resolved"]]
    assert done[0]["acked_by"] == ["Sala COC Protezione Civile"]
    assert httpx.get(f"{base}/chat/escalations", headers=sup).json() == []
    levels = [e["level"] for e in _events(read, "chat.flash_escalated")]
    time.sleep(2.5)  # a further deadline passes: nothing more once it is acknowledged
    later = read_sse(
        quick_server,
        sup,
        params={"last_event_id": since},
        until=lambda s: any(e["resolved"] for e in _events(s, "chat.flash_escalated")),
    )
    assert [e["level"] for e in _events(later, "chat.flash_escalated")] == levels
    closing = httpx.get(f"{base}/chat/channels/{SUPERVISOR_CHANNEL}/messages", headers=sup).json()
    assert "confermato da Sala COC Protezione Civile" in closing["messages"][-1]["text"]
