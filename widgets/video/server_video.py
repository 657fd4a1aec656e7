"""What the server says about its camera streams, on the wall: "being prepared", ready, or why not.

The training back-end makes its camera clips the first time it runs (about 30 s on two cores)
and says so in `/health` (`video`: "starting", "ok", "off" or the reason it cannot serve). Until
then every tile fails to connect, and "Segnale perso" on sixteen tiles would tell an operator
the cameras are broken. While the server prepares its streams the tiles say so instead, and when
it is ready every tile that was waiting retries at once rather than at the end of its back-off
(which by then may be 30 s, or the circuit may have opened). A real server that does not report
`video` changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QObject

from console.cameras.tile_state import TileState
from console.i18n import tr
from widgets.common.session_link import SessionLink

log = logging.getLogger(__name__)

POLL_S = 3.0  # while the server prepares its streams
RETRY_S = 5.0  # the server did not answer
MAX_POLLS = 400  # ~20 minutes: a server stuck "starting" is not polled for ever


class ServerVideoWatch(SessionLink):
    """Follows the server's `video` status for one wall (see the module docstring)."""

    def __init__(self, wall: Any, services: dict[str, object], parent: QObject | None = None):
        super().__init__(services, parent=parent)
        self.wall = wall
        self.status = ""

    def linked(self, session: Any) -> None:
        self.spawn(self.watch())

    async def watch(self, poll_s: float = POLL_S, retry_s: float = RETRY_S) -> None:
        for _ in range(MAX_POLLS):
            try:
                health = await self.fetch("/health")
            except Exception as exc:  # ApiError, NoSession, transport: try again later
                log.debug("health for video status: %s", exc)
                await asyncio.sleep(retry_s)
                continue
            video = str(health.get("video", "") if isinstance(health, dict) else "")
            self.apply(video)
            if video != "starting":
                return
            await asyncio.sleep(poll_s)

    def apply(self, video: str) -> None:
        """Show the server's video status on the wall; retry waiting tiles when it is ready."""
        previous, self.status = self.status, video
        if video == "starting":
            self._note(tr("Il server prepara i flussi video…"), calm=True)
            if previous != "starting":
                self.wall.notice.emit(
                    tr("Il server prepara i flussi video (solo al primo avvio, circa 30 s)…")
                )
        elif video in ("ok", ""):
            self._note("")
            if previous == "starting":
                self.wall.notice.emit(tr("Flussi video del server pronti."))
                for tile in self.wall.tiles:
                    if tile.camera() is not None and tile.machine.state in (
                        TileState.RECONNECTING,
                        TileState.FAILED,
                    ):
                        tile.retry()
        elif video == "off":
            self._note(tr("Il server non fornisce flussi video"))
        else:
            self._note(tr("Flussi video del server non disponibili: {why}", why=video))
            self.wall.notice.emit(tr("Flussi video del server non disponibili: {why}", why=video))

    def _note(self, text: str, calm: bool = False) -> None:
        """`calm`: nothing is wrong, only not ready yet (plain text, not a warning colour)."""
        for tile in self.wall.tiles:
            if (tile.server_note, tile.server_note_calm) != (text, calm):
                tile.server_note, tile.server_note_calm = text, calm
                tile.update()
