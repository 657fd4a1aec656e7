"""The cameras the back-end knows, kept current from the snapshot and `camera.*` events.

Signals:
    cameras_changed()  the list or a camera's fields changed (coalesced per reset/apply call)
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from console.api import contract

log = logging.getLogger(__name__)


class CameraStore(QObject):
    SNAPSHOT_PATH = f"{contract.API_PREFIX}/cameras"
    EVENT_PREFIXES = ("camera.",)

    cameras_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cameras: dict[str, contract.Camera] = {}
        self._last_event_id = 0
        self.rejected = 0  # bad items seen, for --self-test and diagnostics

    def reset(self, items: list[dict[str, Any]]) -> None:
        """Replace the whole state (start-up, SSE resync)."""
        fresh: dict[str, contract.Camera] = {}
        for item in items:
            camera = self._parse(item)
            if camera is not None:
                fresh[camera.id] = camera
        if fresh != self._cameras:
            self._cameras = fresh
            self.cameras_changed.emit()

    def apply(self, events: list[contract.Event]) -> None:
        """Apply `camera.*` events; replays (same or older id) are ignored."""
        changed = False
        for event in events:
            if event.id <= self._last_event_id:
                continue
            self._last_event_id = event.id
            if not event.event.startswith(self.EVENT_PREFIXES):
                continue
            if event.event == "camera.removed":
                cam_id = str(event.data.get("id", ""))
                changed |= self._cameras.pop(cam_id, None) is not None
                continue
            camera = self._parse(event.data)
            if camera is not None and self._cameras.get(camera.id) != camera:
                self._cameras[camera.id] = camera
                changed = True
        if changed:
            self.cameras_changed.emit()

    def cameras(self) -> list[contract.Camera]:
        return sorted(self._cameras.values(), key=lambda c: (c.name.casefold(), c.id))

    def get(self, camera_id: str) -> contract.Camera | None:
        return self._cameras.get(camera_id)

    def _parse(self, item: object) -> contract.Camera | None:
        try:
            return contract.Camera.model_validate(item)
        except ValidationError as exc:
            self.rejected += 1
            log.warning("camera ignored: %s", exc.errors()[:1])
            return None
