"""The wall against the real training back-end: cameras from its API, PTZ through its API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from console.cameras.store import CameraStore
from tests.integration.conftest import API, auth_headers
from widgets.video.backend import BackendChoice
from widgets.video.wall import VideoWall

pytestmark = [pytest.mark.integration]


def run_now(awaitable: Awaitable[Any], done: Any) -> None:
    async def wrap() -> Any:
        return await awaitable

    try:
        asyncio.run(wrap())
    except Exception as exc:
        done(exc)
        return
    done(None)


def test_ptz_from_the_wall_turns_the_camera_on_the_server(qtbot: Any, training_server: Any) -> None:
    headers = auth_headers(training_server, "video")
    base = training_server.base_url
    cams = httpx.get(f"{base}{API}/cameras", headers=headers, timeout=10).json()
    store = CameraStore()
    store.reset(cams)
    assert store.rejected == 0
    ptz = next(c for c in store.cameras() if c.ptz)
    fixed = next(c for c in store.cameras() if not c.ptz)

    async def send(method: str, path: str, body: dict[str, Any]) -> Any:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            r = await client.request(
                method, path, json=body,
                headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            )  # fmt: skip
            r.raise_for_status()
            return r.json()

    wall = VideoWall(store, BackendChoice("qt", "test", True), operator="video", send=send,
                     spawn=run_now)  # fmt: skip
    qtbot.add_widget(wall)
    wall.tiles[0].set_camera(ptz, start=False)  # PTZ needs no picture
    wall.select(0)
    wall.ptz(pan=30)
    after = httpx.get(f"{base}{API}/cameras/{ptz.id}", headers=headers, timeout=10).json()
    assert after["heading"] == pytest.approx((ptz.heading + 30) % 360, abs=0.2)
    preset = ptz.presets[0]
    wall.ptz(preset=preset.id)
    after = httpx.get(f"{base}{API}/cameras/{ptz.id}", headers=headers, timeout=10).json()
    assert after["heading"] == pytest.approx(preset.heading, abs=0.2)
    wall.tiles[0].set_camera(fixed, start=False)
    with qtbot.wait_signal(wall.notice, timeout=1000) as blocker:
        wall.ptz(pan=30)
    assert "non è brandeggiabile" in blocker.args[0]
    wall.release()
