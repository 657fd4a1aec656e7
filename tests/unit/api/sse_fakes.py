"""Helpers for the SSE and session unit tests: SSE frames served by httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

SSE_HEADERS = {"content-type": "text/event-stream"}


def frame(event_id: object, event: str, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"id: {event_id}\nevent: {event}\ndata: {payload}\n\n".encode()


class FakeEvents:
    """Each GET /events takes the next script (a list of frames); then hangs like a live stream.

    `hang=False` ends the response after the frames (the server closed the stream).
    """

    def __init__(self, scripts: list[list[bytes]], *, hang: bool = True) -> None:
        self.scripts = scripts
        self.hang = hang
        self.requests: list[httpx.Request] = []
        self.release = asyncio.Event()

    async def _body(self, frames: list[bytes]) -> AsyncIterator[bytes]:
        yield b": connected\n\n"
        for chunk in frames:
            yield chunk
        if self.hang:
            await self.release.wait()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path != "/api/v1/events":
            return httpx.Response(404)
        frames = self.scripts.pop(0) if self.scripts else []
        return httpx.Response(200, headers=SSE_HEADERS, content=self._body(frames))


async def wait_for(condition: Callable[[], bool], limit: float = 5.0) -> None:
    """Poll `condition` (like qtbot.wait_until) and fail with TimeoutError after `limit` s."""
    async with asyncio.timeout(limit):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)
