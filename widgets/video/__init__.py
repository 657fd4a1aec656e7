"""Video panels: the camera wall ("video") and the camera list ("cameras").

Factories follow the shell's `factory(ctx, params) -> QWidget`. They take what they find in
`ctx.services` and say plainly in the UI what is missing.

Wall params (layouts/*.toml): grid ("1", "2x2", "3x3", "4x4", "1+5", "1+7", "1+12"),
alarm_tile (int), salvo (name of a saved view to load at start).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from console.cameras.grids import GRIDS
from console.cameras.store import CameraStore
from console.i18n import tr
from console.intents import Intents
from widgets.video.backend import choose_backend, describe_video_backend

__all__ = ["describe_video_backend", "register"]


def _service(ctx: Any, name: str) -> Any:
    services = getattr(ctx, "services", None) or {}
    return services.get(name)


def _backend_setting(ctx: Any) -> str:
    settings = _service(ctx, "settings")
    try:
        return str(settings.get("video.backend")) if settings is not None else "auto"
    except (KeyError, AttributeError):
        return "auto"


def _sender(ctx: Any) -> Any:
    """Commands go through `ctx.services["send"]` (async) if wired, else the session's outbox.

    Looked up at call time: the session joins ctx.services only after sign-in, which happens
    after the panels are built.
    """

    async def send(method: str, path: str, body: dict[str, Any]) -> Any:
        direct = _service(ctx, "send")
        if callable(direct):
            return await direct(method, path, body)
        session = _service(ctx, "session")
        if session is None or not callable(getattr(session, "send", None)):
            raise RuntimeError(tr("nessun server collegato"))
        return session.send(method, path, body)  # persisted in the outbox, sent in order

    return send


def make_wall_panel(ctx: Any, params: dict[str, Any]) -> QWidget:
    from widgets.video.panel import VideoPanel
    from widgets.video.wall import VideoWall, connect_alerts

    store = _service(ctx, "cameras")
    store = store if isinstance(store, CameraStore) else None
    wall = VideoWall(
        store,
        choose_backend(_backend_setting(ctx)),
        operator=str(getattr(ctx, "operator", "") or ""),
        send=_sender(ctx),
    )
    grid = str(params.get("grid", "2x2"))
    wall.set_grid(grid if grid in GRIDS else "2x2")
    if wall.library.alarm_tile is None:  # the operator's own choice wins over the layout's
        default = max(0, min(int(params.get("alarm_tile", 0)), wall.visible_count() - 1))
        wall.set_alarm_tile(default, remember=False)
    intents = _service(ctx, "intents")
    if isinstance(intents, Intents):
        intents.open_camera.connect(wall.open_camera)
    alerts = _service(ctx, "alerts")
    if alerts is not None:
        connect_alerts(wall, alerts)
    panel = VideoPanel(wall)
    if store is None:
        panel.notice.setText(tr("Nessun elenco telecamere: server non collegato."))
    salvo = wall.library.salvo(str(params.get("salvo", ""))) if params.get("salvo") else None
    if salvo is not None:
        wall.apply_salvo(salvo)
    return panel


def make_camera_list(ctx: Any, params: dict[str, Any]) -> QWidget:
    from widgets.video.camera_list import CameraList

    store = _service(ctx, "cameras")
    intents = _service(ctx, "intents")
    return CameraList(
        store if isinstance(store, CameraStore) else None,
        intents if isinstance(intents, Intents) else None,
    )


def register(registry: Any) -> None:
    registry.register("video", make_wall_panel, title=tr("Videosorveglianza"))
    registry.register("cameras", make_camera_list, title=tr("Telecamere"))
