"""Video panels: the camera wall ("video") and the camera list ("cameras").

Factories follow the shell's `factory(ctx, params) -> QWidget`. They take what they find in
`ctx.services` and say plainly in the UI what is missing.

Wall params (layouts/*.toml): grid ("1", "2x2", "3x3", "4x4", "1+5", "1+7", "1+12"),
alarm_tile (int; -1 = this wall takes no alarm pop-ups), salvo (name of a saved view to load at
start), fill (true: show the catalogue, paging every `dwell` seconds when it does not fit;
dwell = 0 keeps the first page). Without a salvo, a wall comes back as the operator left it
(kept per operator and per wall: mode, the panel's layout key and grid).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from console.cameras.grids import GRIDS
from console.cameras.store import CameraStore
from console.i18n import tr
from console.intents import Intents
from widgets.common.timers import make_timer
from widgets.video.backend import choose_backend, describe_video_backend

__all__ = ["describe_video_backend", "fill_from_catalogue", "register"]


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
    # alarm_tile = -1: this wall takes no alarm pop-ups (a videowall's mosaic beside its alarm
    # wall); otherwise the operator's own choice wins over the layout's.
    alarm_param = _int(params.get("alarm_tile"), 0)
    takes_alarms = alarm_param >= 0
    if takes_alarms and wall.library.alarm_tile is None:
        wall.set_alarm_tile(min(alarm_param, wall.visible_count() - 1), remember=False)
    elif not takes_alarms:
        for tile in wall.tiles:
            tile.alarm_target = False
    intents = _service(ctx, "intents")
    if isinstance(intents, Intents):
        intents.open_camera.connect(wall.open_camera)
    alerts = _service(ctx, "alerts")
    if alerts is not None and takes_alarms:
        connect_alerts(wall, alerts)
    panel = VideoPanel(wall)
    services = getattr(ctx, "services", None)
    if isinstance(services, dict):
        from widgets.video.server_video import ServerVideoWatch

        ServerVideoWatch(wall, services, parent=panel)
    if store is None:
        panel.notice.setText(tr("Nessun elenco telecamere: server non collegato."))
    salvo = wall.library.salvo(str(params.get("salvo", ""))) if params.get("salvo") else None
    key, old_key = wall_keys(ctx, grid)
    last = wall.library.last(key)
    if last is None and old_key:
        last = wall.library.last(old_key)  # saved before walls had their own key
    if salvo is not None:
        wall.apply_salvo(salvo)
    elif last is not None and store is not None:
        restore_when_known(wall, store, last)
    elif params.get("fill") and store is not None:
        fill_from_catalogue(wall, store, _int(params.get("dwell"), 20))
    remember_wall(wall, key, old_key)
    return panel


def wall_keys(ctx: Any, grid: str) -> tuple[str, str]:
    """Where this wall's last cameras are kept in the operator's views file, and the older key.

    `<mode>:<panel>:<grid>`: the panel's layout key (its dock id) keeps two walls of one layout
    apart (a videowall's mosaic and alarm wall, two 2x2 walls on two screens). The older key
    `<mode>:<grid>` was shared by such walls; it is read only while this wall has saved nothing
    under its own key, and dropped when it does. Without a panel key (a panel built outside the
    shell) the older key is the key.
    """
    mode = getattr(ctx, "mode", "") or "wall"
    panel = str(getattr(ctx, "panel", "") or "")
    old_key = f"{mode}:{grid}"
    if not panel:
        return old_key, ""
    return f"{mode}:{panel}:{grid}", old_key


REMEMBER_MS = 5_000


def remember_wall(wall: Any, key: str, old_key: str = "") -> None:
    """Keep what the operator put on the wall, so the next start shows it again (not while a
    tour runs: a tour is not a choice of cameras). `old_key`: dropped at the first save."""
    from console.cameras.views import Salvo

    def save() -> None:
        if wall.tour_running():
            return
        current = wall.current_salvo(tr("Ultima parete"))
        if any(current.tiles):
            salvo = Salvo(current.name, current.grid, current.tiles)
            wall.library.set_last(key, salvo, replaces=old_key)

    wall.remember = save  # the tests and the shutdown path can save at once
    make_timer(wall, REMEMBER_MS, save)


def restore_when_known(wall: Any, store: CameraStore, last: Any) -> None:
    """Show the last wall once the camera catalogue has arrived (cameras gone since are said)."""

    def restore() -> None:
        if not store.cameras() or any(t.camera() for t in wall.tiles):
            return
        store.cameras_changed.disconnect(restore)
        wall.apply_salvo(last)

    store.cameras_changed.connect(restore)
    restore()


def _int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def fill_from_catalogue(wall: Any, store: CameraStore, dwell_s: int) -> None:
    """Unattended walls (videowall): every camera of the catalogue, a page at a time.

    When the catalogue first arrives, the cameras fill the tiles in catalogue order; with more
    cameras than tiles a whole-wall tour pages through them, `dwell_s` seconds a page (0: no
    paging, the first page stays). An operator's change to a tile pauses that tour like any other.
    """
    from console.cameras.views import MAX_DWELL_S, MIN_DWELL_S, Salvo, Tour

    def fill() -> None:
        ids = [c.id for c in store.cameras()]
        if not ids or wall.tour_running() or any(t.camera() for t in wall.tiles):
            return
        store.cameras_changed.disconnect(fill)
        size = wall.visible_count()
        if len(ids) <= size or dwell_s <= 0:
            tiles: list[str | None] = [*ids[:size]]
            wall.apply_salvo(Salvo(tr("Tutte le telecamere"), wall.grid_name, tiles))
            return
        dwell = float(min(max(dwell_s, MIN_DWELL_S), MAX_DWELL_S))
        wall.start_tour(Tour.of_cameras(tr("Tutte le telecamere"), ids, dwell), whole_wall=True)

    store.cameras_changed.connect(fill)
    fill()


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
