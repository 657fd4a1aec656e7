"""The P1 alarm sound: a short tone through QSoundEffect, or the system beep when there is none.

The tone is generated once into the cache folder (no binary asset to ship). Kiosk and videowall
screens are muted: visitors must not hear the room's alarms, and the operators' desks already do.
"""

from __future__ import annotations

import logging
import math
import struct
import wave
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication

from console.paths import cache_dir

log = logging.getLogger(__name__)


def _tone(path: Path, freq: float = 880.0, seconds: float = 0.35, rate: int = 22050) -> None:
    frames = bytearray()
    count = int(seconds * rate)
    for n in range(count):
        fade = min(1.0, n / 400, (count - n) / 400)
        value = int(12000 * fade * math.sin(2 * math.pi * freq * n / rate))
        frames += struct.pack("<h", value)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


class Alarm:
    def __init__(self, muted: bool = False) -> None:
        self.muted = muted
        self.played = 0  # how many times it sounded (tests, status)
        self._effect: object | None = None
        self._failed = False

    def play(self) -> None:
        if self.muted:
            return
        self.played += 1
        if not self._failed:
            try:
                self._play_effect()
                return
            except Exception as exc:  # no audio device, no QtMultimedia backend
                self._failed = True
                log.info("P1 tone unavailable (%s): using the system beep", exc)
        QApplication.beep()

    def _play_effect(self) -> None:
        if self._effect is None:
            from PySide6.QtMultimedia import QSoundEffect

            path = cache_dir() / "p1_alarm.wav"
            if not path.exists():
                _tone(path)
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setVolume(0.8)
            self._effect = effect
        from PySide6.QtMultimedia import QSoundEffect

        if isinstance(self._effect, QSoundEffect):
            self._effect.play()
