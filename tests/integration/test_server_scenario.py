"""The seeded scenario and an exercise drill, on the real server."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from console.api import contract as c
from console.paths import RESOURCES
from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, SseRead, auth_headers, read_sse

pytestmark = pytest.mark.integration

DRILL = RESOURCES / "training" / "drill_seveso_niguarda.toml"
HOTLIST_FIELDS = {"plate", "list", "list_label", "list_source", "list_expiry", "gate_id",
                  "gate_name", "direction", "transit_at", "confidence", "read", "match"}
PRIORITY_BY_LIST = {"A1": {1, 2}, "C": {2}, "A2": {3}, "municipal": {4}}


def _inside_metro(lon: float, lat: float) -> bool:
    return 8.70 <= lon <= 9.55 and 45.25 <= lat <= 45.65


def test_scenario_streams_a_living_city(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    server = make_training_server(scenario=True, rate_scale=60.0)
    h = auth_headers(server)

    def enough(read: SseRead) -> bool:
        kinds = Counter(f.event for f in read.frames)
        return kinds["unit.moved"] >= 500 and kinds["alert.created"] >= 3 and \
            kinds["chat.message"] >= 1

    read = read_sse(server, h, until=enough, timeout=60)
    ids = [f.id or 0 for f in read.frames]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for frame in read.frames:
        data = json.loads(frame.data)
        if frame.event == "unit.moved":
            pos = c.UnitPosition.model_validate(data)
            assert _inside_metro(pos.lon, pos.lat)
        elif frame.event == "alert.created" and data["type"] == "anpr.hotlist":
            alert = c.Alert.model_validate(data)
            assert set(alert.payload) == HOTLIST_FIELDS
            assert alert.priority in PRIORITY_BY_LIST[alert.payload["list"]]
            assert alert.geometry is not None
            assert _inside_metro(*alert.geometry["coordinates"])


def test_drill_injects_fire_in_order_and_resume_after_restart(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    server = make_training_server(rate_scale=100.0, extra_args=("--injects", str(DRILL)))
    h = auth_headers(server)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        msgs = httpx.get(f"{server.base_url}{API}/chat/channels/tutte/messages",
                         headers=h).json()["messages"]
        if any(m["text"].startswith("FINE ESERCITAZIONE") for m in msgs):
            break
        time.sleep(0.3)
    else:
        pytest.fail("the drill did not reach its last inject in 30 s")
    alerts = [c.Alert.model_validate(a)
              for a in httpx.get(f"{server.base_url}{API}/alerts", headers=h).json()]
    hydro = sorted((a for a in alerts if a.type == "sensor.hydro"), key=lambda a: a.created_at)
    assert [a.payload["threshold"] for a in hydro] == ["attention", "alarm"]
    assert [a.priority for a in hydro] == [2, 1]
    assert all(a.geometry is not None and a.geometry["type"] == "Polygon" for a in hydro)
    cap_alert = next(a for a in alerts if a.source == "cap")
    assert cap_alert.exercise
    assert cap_alert.title.startswith("[ESERCITAZIONE]")
    unresolved = cap_alert.payload["infos"][0]["areas"][0]["unresolved_geocodes"]
    assert unresolved == ["IM=IM-09 (Nodo idraulico di Milano)"]
    assert cap_alert.geometry is not None  # Milano (ISTAT 015146) is drawn
    incidents = httpx.get(f"{server.base_url}{API}/incidents", headers=h).json()
    assert [i["type"] for i in incidents] == ["allagamento"]
    last = httpx.get(f"{server.base_url}{API}/health").json()["last_event_id"]
    server.stop()
    server.start()  # a restart resumes the drill: nothing is replayed
    h = auth_headers(server)
    read = read_sse(server, h, params={"last_event_id": last}, until=lambda r: "hb" in r.comments)
    assert read.frames == []


def test_kill_during_a_busy_scenario_loses_and_repeats_no_id(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    """kill -9 while events pour out; after a restart the log is gap-free and a client resuming
    from its last id gets exactly the rest."""
    server = make_training_server(scenario=True, rate_scale=40.0)
    h = auth_headers(server)
    read = read_sse(server, h, params={"last_event_id": 0}, until=lambda r: len(r.frames) >= 300)
    seen = [f.id or 0 for f in read.frames]
    server.kill()
    server.start()
    h = auth_headers(server)
    read = read_sse(server, h, params={"last_event_id": seen[-1]},
                    until=lambda r: len(r.frames) >= 300)
    seen += [f.id or 0 for f in read.frames]
    assert seen == list(range(1, len(seen) + 1))
    rows: list[int] = []
    after = 0
    while True:
        page = httpx.get(f"{server.base_url}{API}/events/backlog", headers=h,
                         params={"after": after, "limit": 10_000}).json()
        if not page:
            break
        rows += [e["id"] for e in page]
        after = rows[-1]
    assert rows[: len(seen)] == seen
    assert rows == list(range(1, len(rows) + 1))
