"""Fixtures that run the real training back-end over loopback.

`training_server` is a quiet server (no scenario, no video, 1 s heartbeat) on a fresh database;
`shared_training_server` is the same but shared by a test module (faster; state accumulates);
`training_server_scenario` runs the seeded scenario; `make_training_server(**kw)` builds a custom
one (it is stopped at the end of the test). `auth_headers(server, role)` logs in as the training
user of that role and returns the Authorization header.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.training.launcher import TrainingProcess

API = "/api/v1"


@pytest.fixture
def make_training_server(tmp_path: Path) -> Iterator[Callable[..., TrainingProcess]]:
    started: list[TrainingProcess] = []

    def make(**kw: Any) -> TrainingProcess:
        kw.setdefault("db", tmp_path / f"training{len(started)}.sqlite")
        kw.setdefault("video", False)
        kw.setdefault("scenario", False)
        kw.setdefault("heartbeat", 1.0)
        kw.setdefault("log_path", tmp_path / f"server{len(started)}.log")
        proc = TrainingProcess(**kw)
        started.append(proc)
        proc.start()
        return proc

    yield make
    for proc in started:
        proc.stop()


@pytest.fixture(scope="module")
def shared_training_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainingProcess]:
    """One quiet server for a whole test module: for tests that do not care what others did."""
    tmp = tmp_path_factory.mktemp("shared-training")
    proc = TrainingProcess(db=tmp / "training.sqlite", video=False, scenario=False,
                           heartbeat=1.0, log_path=tmp / "server.log")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def training_server(make_training_server: Callable[..., TrainingProcess]) -> TrainingProcess:
    return make_training_server()


@pytest.fixture
def training_server_scenario(
    make_training_server: Callable[..., TrainingProcess],
) -> TrainingProcess:
    return make_training_server(scenario=True, extra_args=("--seed", "7"))


def login(server: TrainingProcess, role: str) -> dict[str, Any]:
    r = httpx.post(f"{server.base_url}{API}/auth/token",
                   data={"username": role, "password": role}, timeout=10)
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


def auth_headers(server: TrainingProcess, role: str = "radio") -> dict[str, str]:
    return {"Authorization": f"Bearer {login(server, role)['access_token']}"}


@dataclass
class Frame:
    id: int | None
    event: str
    data: str


@dataclass
class SseRead:
    frames: list[Frame]
    comments: list[str]


def read_sse(
    server: TrainingProcess,
    headers: dict[str, str],
    *,
    until: Callable[[SseRead], bool],
    timeout: float = 10.0,
    params: dict[str, Any] | None = None,
) -> SseRead:
    """Read the raw event stream until `until(read)` holds or `timeout` passes (then fail)."""
    out = SseRead([], [])
    deadline = time.monotonic() + timeout
    cur: dict[str, str] = {}
    with httpx.stream("GET", f"{server.base_url}{API}/events", headers=headers, params=params,
                      timeout=httpx.Timeout(5.0, read=5.0)) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line == "":
                if cur:
                    out.frames.append(Frame(int(cur["id"]) if "id" in cur else None,
                                            cur.get("event", "message"), cur.get("data", "")))
                    cur = {}
            elif line.startswith(":"):
                out.comments.append(line[1:].strip())
            else:
                name, _, value = line.partition(":")
                cur[name] = value[1:] if value.startswith(" ") else value
            if until(out):
                return out
            if time.monotonic() > deadline:
                break
    pytest.fail(f"SSE condition not met in {timeout} s; got {len(out.frames)} frames")
