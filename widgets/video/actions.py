"""Commands a tile sends to the back-end: snapshot audit and PTZ. Nothing here blocks the GUI.

`send(method, path, body)` is an async callable the composition root wires to the command
outbox; `spawn(coroutine, done)` runs it on the running asyncio loop (qasync) and reports back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from console.api import contract
from console.i18n import tr
from console.paths import data_dir
from widgets.common import theme

log = logging.getLogger(__name__)

Send = Callable[[str, str, dict[str, Any]], Awaitable[Any]]
Done = Callable[[BaseException | None], None]
Spawn = Callable[[Awaitable[Any], Done], None]

_tasks: set[asyncio.Task[Any]] = set()


def spawn_on_loop(coro: Awaitable[Any], done: Done) -> None:
    """Run on the running loop; without one (no qasync) say so instead of blocking."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        if isinstance(coro, Coroutine):
            coro.close()
        done(RuntimeError(tr("servizio comandi non disponibile")))
        return
    task = asyncio.ensure_future(coro, loop=loop)
    _tasks.add(task)

    def finished(t: asyncio.Task[Any]) -> None:
        _tasks.discard(t)
        done(None if t.cancelled() else t.exception())

    task.add_done_callback(finished)


def burn_in(image: QImage, camera: str, operator: str, when: datetime) -> QImage:
    """Camera, local time and operator printed on the picture: an export proves its origin."""
    out = image.convertToFormat(QImage.Format.Format_RGB32)
    painter = QPainter(out)
    font = painter.font()
    font.setFamily(theme.FONT_FAMILY)
    font.setPixelSize(max(14, out.height() // 28))
    painter.setFont(font)
    text = f"{camera}  ·  {when.strftime('%d/%m/%Y %H:%M:%S')}  ·  {tr('operatore')} {operator}"
    height = painter.fontMetrics().height() + 8
    band = QRect(0, out.height() - height, out.width(), height)
    painter.fillRect(band, QColor(0, 0, 0, 180))
    painter.setPen(QColor("#ffffff"))
    painter.drawText(band.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter, text)
    painter.end()
    return out


def snapshot_path(camera_id: str, when: datetime, folder: Path | None = None) -> Path:
    base = folder or data_dir() / "istantanee"
    base.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in camera_id)
    return base / f"{safe}_{when.strftime('%Y%m%d_%H%M%S')}.png"


def audit_body(camera: contract.Camera, reason: str, case_ref: str = "") -> dict[str, Any]:
    write = contract.AuditWrite(
        action="video.snapshot", object=f"camera:{camera.id}", reason=reason, case_ref=case_ref
    )
    return write.model_dump()


def ptz_body(
    pan: float = 0, tilt: float = 0, zoom: float = 0, preset: str | None = None
) -> dict[str, Any]:
    return contract.PtzCommand(pan=pan, tilt=tilt, zoom=zoom, preset=preset).model_dump()


def ptz_path(camera_id: str) -> str:
    return f"{contract.API_PREFIX}/cameras/{camera_id}/ptz"


AUDIT_PATH = f"{contract.API_PREFIX}/audit"
