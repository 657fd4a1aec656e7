"""Small helpers shared by several test modules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import keyring.backend


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Stands in for the OS keyring (which outlives a console restart) without touching disk."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


async def until(condition: Callable[[], bool], limit: float, step: float = 0.02) -> None:
    """Poll `condition` on the running loop; TimeoutError after `limit` seconds."""
    async with asyncio.timeout(limit):
        while True:
            if condition():
                return
            await asyncio.sleep(step)
