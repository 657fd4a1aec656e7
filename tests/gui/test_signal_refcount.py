"""DESIGN §8: PySide6 6.12.0 on Python 3.11 drops a reference to True/None on every Signal.emit()
and every void-returning call, and the process aborts within minutes. This pins the behaviour
of the installed pair: 10,000 emits and 300,000 void calls must leave the counts where they were.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

EMITS = 10_000
VOID_CALLS = 300_000
# Ordinary interpreter activity moves these counts by a few; the bug moves them by the number
# of calls (hundreds of thousands) until they reach zero.
TOLERANCE = 500


class Emitter(QObject):
    flag = Signal(bool)
    nothing = Signal()
    value = Signal(object)


def test_signals_and_void_calls_keep_reference_counts(qtbot: QtBot) -> None:
    emitter = Emitter()
    widget = QWidget()
    qtbot.add_widget(widget)
    timer = QTimer()
    received: list[object] = []
    emitter.flag.connect(lambda v: received.append(v))
    emitter.nothing.connect(lambda: received.append(None))
    emitter.value.connect(received.append)

    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for n in range(EMITS // 4):
        emitter.flag.emit(True)
        emitter.nothing.emit()
        emitter.value.emit(None)
        emitter.value.emit(n)
    for n in range(VOID_CALLS // 3):
        widget.setEnabled(True)  # void-returning
        timer.setInterval(n % 1000)
        widget.setObjectName("w")
    none_after, true_after = sys.getrefcount(None), sys.getrefcount(True)

    assert len(received) == EMITS
    # `received` itself holds references to the Nones and Trues it collected.
    held_none = sum(1 for r in received if r is None)
    held_true = sum(1 for r in received if r is True)
    assert held_none == EMITS // 2
    assert abs(none_after - none_before - held_none) < TOLERANCE, (none_before, none_after)
    assert abs(true_after - true_before - held_true) < TOLERANCE, (true_before, true_after)
