"""run_command: one outcome per command, with or without a running loop, never an exception."""

from __future__ import annotations

import asyncio

import pytest

from widgets.common.commands import run_command


async def ok() -> str:
    return "fatto"


async def refused() -> None:
    raise ValueError("rifiutato")


class _Suspends:
    """Stands for an await that really suspends (a network round trip)."""

    def __await__(self):  # type: ignore[no-untyped-def]
        yield


async def waits() -> None:
    await _Suspends()


def outcome(coro: object) -> list[object]:
    seen: list[object] = []
    run_command(coro, seen.append, lambda: seen.append("not ready"))  # type: ignore[arg-type]
    return seen


def test_without_a_loop_a_command_that_never_waits_completes_at_once() -> None:
    assert outcome(ok()) == [None]
    seen = outcome(refused())
    assert len(seen) == 1
    assert isinstance(seen[0], ValueError)


def test_without_a_loop_a_command_that_would_wait_is_not_sent() -> None:
    assert outcome(waits()) == ["not ready"]


@pytest.mark.asyncio
async def test_on_the_loop_the_outcome_arrives_when_the_task_ends() -> None:
    seen = outcome(refused())
    assert seen == []  # runs as a task
    await asyncio.sleep(0.01)
    assert len(seen) == 1
    assert isinstance(seen[0], ValueError)
