"""A panel's link to the console session, which the composition root creates after sign-in.

Panels are built before anyone has signed in. A SessionLink looks for `services["session"]`
(at once and then every `poll_ms`), and when it appears calls `linked(session)` once, where the
panel subscribes to events, attaches the outbox and loads its snapshot. Until then commands are
refused with an exception the panel turns into words, so nothing is silently lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject

from widgets.common.timers import make_timer

log = logging.getLogger(__name__)


class NoSession(RuntimeError):
    """The console is not signed in (yet): the command was not queued."""


class SessionLink(QObject):
    def __init__(
        self, services: dict[str, object], poll_ms: int = 500, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.session: Any = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._poll = make_timer(self, poll_ms, self.try_link)

    def current(self) -> Any:
        session = self.services.get("session")
        if session is None:
            raise NoSession("no session")
        return session

    def enqueue(self, method: str, path: str, body: Any, key: str) -> str:
        session = self.current()
        self.try_link()
        return str(session.send(method, path, body, key))

    async def fetch(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.current().fetch(path, params)

    def try_link(self) -> None:
        session = self.services.get("session")
        if session is None or session is self.session:
            return
        self.session = session
        self._poll.stop()
        self.linked(session)

    def linked(self, session: Any) -> None:
        """Subclasses: subscribe, attach the outbox, load the snapshot."""

    def spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        """Run `coro` on the loop, kept alive until done; without a loop (plain tests) it is
        dropped: events still flow, only the background load is skipped."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def retry(what: str, attempt: Callable[[], Awaitable[object]], tries: int = 30) -> bool:
    """Try `attempt` until it works (not signed in yet, server restarting), 2 s apart."""
    for _ in range(tries):
        try:
            await attempt()
            return True
        except Exception as exc:
            log.info("%s not loaded yet: %s", what, exc)
            await asyncio.sleep(2)
    return False
