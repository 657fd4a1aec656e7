"""Every timer in the widgets comes from here, so tests can see and drive them.

A test swaps the factory (`set_timer_factory`) for one that records the timers it hands out and
fires them on demand, instead of sleeping through real seconds.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

TimerFactory = Callable[[QObject | None], QTimer]


def _default_factory(parent: QObject | None) -> QTimer:
    return QTimer(parent)


_factory: TimerFactory = _default_factory


def set_timer_factory(factory: TimerFactory | None) -> None:
    """Replace how timers are made (None restores real timers)."""
    global _factory
    _factory = factory or _default_factory


def make_timer(
    parent: QObject | None,
    interval_ms: int,
    callback: Callable[[], object],
    *,
    single_shot: bool = False,
    start: bool = True,
) -> QTimer:
    """A timer owned by `parent` (so it dies with it) calling `callback` every `interval_ms`."""
    timer = _factory(parent)
    timer.setInterval(interval_ms)
    timer.setSingleShot(single_shot)
    timer.timeout.connect(callback)
    if start:
        timer.start()
    return timer
