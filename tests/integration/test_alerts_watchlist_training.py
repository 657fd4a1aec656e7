"""Issue 6, watchlist end to end on the real training back-end: an operator adds a plate on the
watchlist screen, the command goes through the outbox, the server confirms it, the scenario's
gates read that plate (sometimes misread) and the shared matcher turns the transit into a hit
that lands in the alert queue; the screen counts the hits. Removing it is confirmed too."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytestqt.qtbot import QtBot

from console.alerts.store import AlertStore
from console.anpr.watchlist import WatchlistStore
from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, auth_headers
from tests.support import quick_session, until
from widgets.alerts.watchlist import WatchlistScreen

pytestmark = [pytest.mark.integration]


def other_operator_list(server: TrainingProcess) -> Any:
    headers = auth_headers(server, "video")
    return httpx.get(f"{server.base_url}{API}/watchlist", headers=headers, timeout=10).json()


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_plate_added_on_the_screen_is_hit_by_live_transits(
    make_training_server: Callable[..., TrainingProcess],
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    server = make_training_server(scenario=True, rate_scale=40.0, extra_args=("--seed", "7"))
    session = quick_session(server.base_url, tmp_path / "link.sqlite")
    alerts = AlertStore()
    session.router.subscribe("alert.", alerts.apply)
    watch = WatchlistStore(user="radio")
    screen = WatchlistScreen(watch, lambda: session)
    qtbot.add_widget(screen)
    try:
        await asyncio.wait_for(session.start("radio", "radio"), 10)
        alerts.reset(await asyncio.wait_for(session.fetch(AlertStore.SNAPSHOT_PATH), 10))
        screen.bind()
        await until(lambda: watch.loaded, 10)

        screen.plate.setText("fx 482 kt")
        screen.reason.setText("Auto usata per la rapina di via Padova, denuncia 5521/2026")
        screen.expiry.setCurrentIndex(2)  # 24 hours
        screen.add()  # a task on the running loop, as in the console
        await until(lambda: watch.get("FX482KT") is not None, 10)
        assert "in attesa di conferma" in screen.message.text()

        await until(lambda: (r := watch.get("FX482KT")) is not None and not r.pending, 20)

        def watch_hits() -> list[Any]:
            return [r for r in alerts.rows() if r.payload.get("list") == "watch"]

        await until(lambda: bool(watch_hits()), 45)
        hit = watch_hits()[0]
        assert hit.plate == "FX482KT"
        assert hit.type == "anpr.hotlist"
        assert hit.payload["reason"].startswith("Auto usata per la rapina")
        assert hit.payload["match"] in ("exact", "ocr", "edit1")
        assert hit.trail
        assert hit.trail[0].gate_name != "sconosciuto"
        await until(lambda: (r := watch.get("FX482KT")) is not None and r.hits >= 1, 20)

        # The server holds it for every console (a second operator sees the same entry).
        listed = await asyncio.to_thread(other_operator_list, server)
        assert [e["plate"] for e in listed] == ["FX482KT"]
        assert listed[0]["added_by"] == "radio"

        screen.table.selectRow(0)
        screen.remove_selected()
        await until(lambda: watch.get("FX482KT") is None, 20)
        listed = await asyncio.to_thread(other_operator_list, server)
        assert listed == []
    finally:
        await asyncio.wait_for(session.stop(), 10)


def test_watchlist_endpoints_refuse_in_words(
    make_training_server: Callable[..., TrainingProcess],
) -> None:
    server = make_training_server()
    h = auth_headers(server, "radio")
    base = f"{server.base_url}{API}/watchlist"
    r = httpx.put(
        f"{base}/AB123CD",
        json={"reason": "controllo", "expiry": "2020-01-01T00:00:00Z"},
        headers=h,
        timeout=10,
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "già passata" in r.json()["detail"]
    r = httpx.put(f"{base}/AB123CD", json={"expiry": "2099-01-01T00:00:00Z"}, headers=h, timeout=10)
    assert r.status_code == 422  # no reason
    r = httpx.delete(f"{base}/ZZ000ZZ", headers=h, timeout=10)
    assert r.status_code == 404
    assert "non è nella lista" in r.json()["detail"]
    kiosk = auth_headers(server, "kiosk")
    r = httpx.put(
        f"{base}/AB123CD",
        json={"reason": "controllo", "expiry": "2099-01-01T00:00:00Z"},
        headers=kiosk,
        timeout=10,
    )
    assert r.status_code == 403
    assert httpx.get(base, headers=kiosk, timeout=10).status_code == 403  # no plates on a wall
