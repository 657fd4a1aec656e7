"""Running an operator's command coroutine from a Qt slot, whatever the loop situation.

Panels call store or service coroutines from button handlers. Under qasync the coroutine runs as a
task; without a running loop (tests, or a sender that only enqueues, like Session.send) it is
stepped at once, which completes it when it never really waits. Either way the outcome reaches
one callback and no exception escapes into the Qt event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


def run_command(
    coro: Coroutine[Any, Any, object],
    finished: Callable[[BaseException | None], None],
    not_ready: Callable[[], None],
) -> None:
    """`finished(None)` on success, `finished(exc)` on failure; `not_ready()` when the
    coroutine would have to wait for a loop that is not running (it is closed, nothing sent)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        task = loop.create_task(coro)

        def done(t: asyncio.Task[object]) -> None:
            if not t.cancelled():  # cancelled at shutdown: nobody is left to tell
                finished(t.exception())

        task.add_done_callback(done)
        return
    try:
        coro.send(None)
    except StopIteration:
        finished(None)
        return
    except Exception as exc:
        finished(exc)
        return
    coro.close()
    not_ready()
