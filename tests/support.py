"""Small helpers shared by several test modules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import keyring.backend

from console.api.auth import TokenStore
from console.api.session import Session


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


def quick_session(
    base_url: str, state_path: Path, ring: keyring.backend.KeyringBackend | None = None
) -> Session:
    """A console session tuned for tests on loopback: an in-memory keyring (shared when `ring`
    is given, as across a console restart), a 1 s heartbeat and reconnection within 0.5 s."""
    return Session(
        base_url,
        token_store=TokenStore(base_url, ring if ring is not None else MemoryKeyring()),
        state_path=state_path,
        heartbeat=1.0,
        backoff_cap=0.5,
    )
