"""The training back-end's core contract over loopback: auth, roles, events, idempotency."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from console.api import contract as c
from console.training.launcher import TrainingProcess, TrainingServerError
from tests.integration.conftest import API, auth_headers, login, read_sse

pytestmark = pytest.mark.integration

ROLES = ("radio", "video", "supervisor", "coc", "kiosk", "admin")


def _alert(server: TrainingProcess, headers: dict[str, str], title: str = "Prova") -> str:
    r = httpx.post(
        f"{server.base_url}{API}/alerts", json={"title": title, "priority": 2}, headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_health_and_login_per_role(shared_training_server: TrainingProcess) -> None:
    base = shared_training_server.base_url
    health = c.Health.model_validate(httpx.get(f"{base}{API}/health").json())
    assert health.training
    for role in ROLES:
        token = c.TokenResponse.model_validate(login(shared_training_server, role))
        assert token.username == role
        assert c.Role(role) in token.roles
    r = httpx.post(
        f"{shared_training_server.base_url}{API}/auth/token",
        data={"username": "radio", "password": "wrong"},
    )
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


def test_refresh_gives_new_tokens_once(shared_training_server: TrainingProcess) -> None:
    first = login(shared_training_server, "video")
    url = f"{shared_training_server.base_url}{API}/auth/refresh"
    r = httpx.post(url, json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    fresh = r.json()
    assert fresh["access_token"] != first["access_token"]
    ok = httpx.get(
        f"{shared_training_server.base_url}{API}/alerts",
        headers={"Authorization": f"Bearer {fresh['access_token']}"},
    )
    assert ok.status_code == 200
    again = httpx.post(url, json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401  # refresh tokens are single use


def test_roles_gate_commands(shared_training_server: TrainingProcess) -> None:
    base = shared_training_server.base_url
    assert httpx.get(f"{base}{API}/alerts").status_code == 401
    bad = httpx.get(f"{base}{API}/alerts", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    kiosk = auth_headers(shared_training_server, "kiosk")
    assert httpx.get(f"{base}{API}/alerts", headers=kiosk).status_code == 200
    refused = httpx.post(f"{base}{API}/alerts", json={"title": "x"}, headers=kiosk)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "kiosk" in refused.json()["detail"]


def test_sse_wire_format_replay_and_heartbeat(training_server: TrainingProcess) -> None:
    h = auth_headers(training_server)
    ids = [_alert(training_server, h, f"A{i}") for i in range(3)]
    read = read_sse(
        training_server,
        {**h, "Last-Event-ID": "1"},
        until=lambda r: len(r.frames) >= 2 and "hb" in r.comments,
    )
    assert [f.id for f in read.frames] == [2, 3]
    assert [f.event for f in read.frames] == ["alert.created"] * 2
    assert [json.loads(f.data)["id"] for f in read.frames] == ids[1:]
    # the query parameter works like the header
    read = read_sse(
        training_server, h, params={"last_event_id": 0}, until=lambda r: len(r.frames) >= 3
    )
    assert [f.id for f in read.frames] == [1, 2, 3]


def test_sse_live_events_reach_a_connected_client(shared_training_server: TrainingProcess) -> None:
    h = auth_headers(shared_training_server)
    created: list[str] = []

    def until(read: object) -> bool:
        # once connected (the first comment), create the alert; then wait for its event
        if not created:
            created.append(_alert(shared_training_server, h, "live"))
        frames = getattr(read, "frames", [])
        return any(f.event == "alert.created" for f in frames)

    read = read_sse(shared_training_server, h, until=until)
    assert json.loads(read.frames[-1].data)["id"] == created[0]


def test_resync_when_last_id_is_older_than_backlog(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    server = make_training_server(extra_args=("--backlog", "5"))
    h = auth_headers(server)
    for i in range(20):
        _alert(server, h, f"B{i}")
    read = read_sse(server, {**h, "Last-Event-ID": "2"}, until=lambda r: len(r.frames) >= 1)
    first = read.frames[0]
    assert first.event == "resync"
    assert first.id == 20
    assert json.loads(first.data) == {"last_event_id": 20}
    gone = httpx.get(f"{server.base_url}{API}/events/backlog", params={"after": 2}, headers=h)
    assert gone.status_code == 410
    # an id from a future the server never reached (e.g. a wiped database) resyncs too
    read = read_sse(server, {**h, "Last-Event-ID": "999"}, until=lambda r: len(r.frames) >= 1)
    assert read.frames[0].event == "resync"


def test_event_ids_survive_kill_and_restart(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    server = make_training_server()
    h = auth_headers(server)
    for i in range(5):
        _alert(server, h, f"K{i}")
    port = server.port
    server.kill()
    server.start()
    assert server.port == port
    h = auth_headers(server)
    _alert(server, h, "after restart")
    events = httpx.get(f"{server.base_url}{API}/events/backlog", headers=h).json()
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert len(httpx.get(f"{server.base_url}{API}/alerts", headers=h).json()) == 6


def test_idempotent_alert_action(training_server: TrainingProcess) -> None:
    base = training_server.base_url
    h = auth_headers(training_server)
    alert_id = _alert(training_server, h)
    url = f"{base}{API}/alerts/{alert_id}/actions"
    cmd = {"action": "close", "reason": "falso allarme", "outcome": "false_alarm"}
    first = httpx.post(url, json=cmd, headers={**h, "Idempotency-Key": "abc-1"})
    retry = httpx.post(url, json=cmd, headers={**h, "Idempotency-Key": "abc-1"})
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers.get("idempotent-replayed") == "true"
    events = httpx.get(f"{base}{API}/events/backlog", headers=h).json()
    assert [e["event"] for e in events] == ["alert.created", "alert.updated"]
    # without the key the same command is a real second command: refused, closed already
    again = httpx.post(url, json=cmd, headers=h)
    assert again.status_code == 409
    assert again.json()["current"]["state"] == "closed"


def test_alert_actions_need_reasons_and_keep_history(
    shared_training_server: TrainingProcess,
) -> None:
    base = shared_training_server.base_url
    h = auth_headers(shared_training_server, "supervisor")
    alert_id = _alert(shared_training_server, h)
    url = f"{base}{API}/alerts/{alert_id}/actions"
    assert httpx.post(url, json={"action": "escalate"}, headers=h).status_code == 422
    assert httpx.post(url, json={"action": "fly"}, headers=h).status_code == 422
    for cmd in (
        {"action": "ack"},
        {"action": "escalate", "reason": "veicolo rubato"},
        {"action": "assign", "owner": "radio"},
    ):
        assert httpx.post(url, json=cmd, headers=h).status_code == 200
    alert = c.Alert.model_validate(httpx.get(f"{base}{API}/alerts/{alert_id}", headers=h).json())
    assert [a.action for a in alert.history] == ["created", "ack", "escalate", "assign"]
    assert alert.priority == 1
    assert alert.owner == "radio"
    assert alert.state == c.AlertState.ASSIGNED
    assert alert.version == 4
    listed = httpx.get(
        f"{base}{API}/alerts", params={"state": "assigned", "priority": 1}, headers=h
    ).json()
    assert [a["id"] for a in listed] == [alert_id]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/nowhere", None, 404),
        ("DELETE", "/health", None, 405),
        ("POST", "/alerts", b"{not json", 422),
        ("POST", "/alerts", b"[" * 10, 422),
        ("POST", "/alerts", b"x" * (1024 * 1024 + 1), 413),
        ("GET", "/alerts/none-such", None, 404),
        ("GET", "/alerts?priority=9", None, 422),
    ],
)
def test_garbage_gets_problem_json(
    shared_training_server: TrainingProcess,
    method: str,
    path: str,
    body: bytes | None,
    status: int,
) -> None:
    server = shared_training_server
    h = {**auth_headers(server), "Content-Type": "application/json"}
    r = httpx.request(method, f"{server.base_url}{API}{path}", content=body, headers=h)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    problem = c.Problem.model_validate(r.json())
    assert problem.status == status
    assert problem.detail


def test_launcher_reports_a_failed_start_with_the_log_tail(tmp_path: Path) -> None:
    proc = TrainingProcess(db=tmp_path / "t.sqlite", video=False, scenario=False,
                           heartbeat=99.0, log_path=tmp_path / "server.log")
    with pytest.raises(TrainingServerError, match="--heartbeat must be between"):
        proc.start()
    assert not proc.running()


def test_stop_leaves_nothing_listening(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    server = make_training_server()
    pid = server.pid
    assert pid is not None
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}{API}/health", timeout=2)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_chunked_upload_without_length_is_still_limited(
    shared_training_server: TrainingProcess,
) -> None:
    def body() -> Iterator[bytes]:
        for _ in range(40):
            yield b"<" * 8192  # 320 KiB, over the 256 KiB XML limit, no Content-Length

    r = httpx.post(f"{shared_training_server.base_url}{API}/cot", content=body(),
                   headers={**auth_headers(shared_training_server),
                            "Content-Type": "application/xml"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
