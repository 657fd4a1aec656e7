"""The camera wall with a fake player: layouts, maximise, drag and drop, salvos, alarms, snapshot,
PTZ, hidden tiles, staggered start. Real players are covered by tests/integration/test_video_*.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDropEvent, QImage
from PySide6.QtWidgets import QTabWidget, QWidget

from console.api import contract
from console.cameras.store import CameraStore
from console.cameras.tile_state import Policy, TileState
from console.cameras.views import Salvo, ViewLibrary
from console.intents import Intents
from widgets.video import fill_from_catalogue, register
from widgets.video.backend import BackendChoice, Stats
from widgets.video.camera_list import CameraList
from widgets.video.tile import CAMERA_MIME, camera_mime
from widgets.video.wall import VideoWall

CHOICE = BackendChoice("qt", "test", True)


class FakeBackend(QObject):
    """Plays a colour that changes every frame; URLs containing 'dead' fail at once."""

    frame_ready = Signal(object)
    failed = Signal(str)
    name = "fake"
    can_play_rtsp = True
    opened: ClassVar[list[str]] = []  # every open on any fake, in order

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.url = ""
        self.playing = False
        self.fail_opens = False  # set by a test: every later open fails
        self._n = 0
        self._timer = QTimer(self)
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._emit)

    def open(self, url: str) -> None:
        self.url = url
        FakeBackend.opened.append(url)
        if "dead" in url or self.fail_opens:
            QTimer.singleShot(0, lambda: self.failed.emit("telecamera non raggiungibile"))
            return
        self.playing = True
        self._timer.start()

    def stop(self) -> None:
        self.playing = False
        self._timer.stop()

    def release(self) -> None:
        self.stop()

    def stats(self) -> Stats:
        return Stats(25.0, 512.0, 64, 36)

    def _emit(self) -> None:
        self._n += 1
        image = QImage(64, 36, QImage.Format.Format_RGB32)
        image.fill(QColor.fromHsv(self._n * 7 % 360, 200, 220))
        self.frame_ready.emit(image)


def fake_factory(choice: BackendChoice, parent: QObject | None) -> Any:
    return FakeBackend(parent)


def camera(cid: str, ptz: bool = False, dead: bool = False) -> dict[str, Any]:
    base = f"rtsp://dead.invalid/{cid}" if dead else f"rtsp://127.0.0.1/{cid}"
    return {
        "id": cid,
        "name": f"Telecamera {cid}",
        "lon": 9.19,
        "lat": 45.46,
        "heading": 0,
        "ptz": ptz,
        "presets": [{"id": "p1", "name": "Ingresso", "heading": 90}] if ptz else [],
        "privacy_masks": [[[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]]
        if cid == "masked"
        else [],
        "streams": {"main_rtsp": base + "/main", "sub_rtsp": base + "/sub"},
    }


class Sent:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.fail = fail

    async def __call__(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, path, body))
        if self.fail:
            raise RuntimeError("server non raggiungibile")
        return {}


def run_now(awaitable: Awaitable[Any], done: Any) -> None:
    async def wrap() -> Any:
        return await awaitable

    try:
        asyncio.run(wrap())
    except Exception as exc:
        done(exc)
        return
    done(None)


@pytest.fixture
def store() -> CameraStore:
    s = CameraStore()
    cams = [camera(f"c{i}") for i in range(1, 14)]
    cams += [camera("ptz1", ptz=True), camera("dead1", dead=True), camera("masked")]
    s.reset(cams)
    return s


@pytest.fixture
def sent() -> Sent:
    return Sent()


QUICK = Policy(start_timeout_s=2, backoff_base_s=0.2, backoff_max_s=0.5, jitter=0)


def shown_wall(
    qtbot: Any, store: CameraStore, tmp_path: Path, policy: Policy = QUICK, **kwargs: Any
) -> VideoWall:
    """A wall of fake players for operator "mrossi", shown and exposed at 960x540."""
    FakeBackend.opened = []
    w = VideoWall(
        store,
        CHOICE,
        operator="mrossi",
        policy=policy,
        library=ViewLibrary("mrossi", tmp_path),
        factory=fake_factory,
        **kwargs,
    )
    qtbot.add_widget(w)
    w.resize(960, 540)
    w.show()
    qtbot.wait_exposed(w)
    return w


@pytest.fixture
def wall(qtbot: Any, store: CameraStore, sent: Sent, tmp_path: Path) -> Iterator[VideoWall]:
    w = shown_wall(qtbot, store, tmp_path, send=sent, spawn=run_now)
    yield w
    w.release()


def playing(w: VideoWall, i: int) -> bool:
    return w.tiles[i].machine.state is TileState.PLAYING


def test_grids_show_the_right_number_of_tiles(wall: VideoWall) -> None:
    for name, count in (("1", 1), ("2x2", 4), ("1+5", 6), ("1+7", 8), ("1+12", 13), ("4x4", 16)):
        wall.set_grid(name)
        assert sum(t.isVisible() for t in wall.tiles) == count, name
    wall.set_grid("1+5")
    assert wall.tiles[0].width() > 1.8 * wall.tiles[1].width()


def test_maximise_switches_to_main_without_black_flash(qtbot: Any, wall: VideoWall) -> None:
    wall.set_grid("2x2")
    wall.assign(1, "c1")
    qtbot.wait_until(lambda: playing(wall, 1), timeout=3000)
    assert wall.tiles[1].current_url().endswith("/sub")
    wall.toggle_maximise(1)
    tile = wall.tiles[1]
    assert [t.index for t in wall.tiles if t.isVisible()] == [1]
    assert tile.current_url().endswith("/main")
    assert tile.has_picture()  # the old frame stays until the main stream's first frame
    qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert wall.maximised is None
    assert sum(t.isVisible() for t in wall.tiles) == 4
    assert tile.current_url().endswith("/sub")


def test_dropped_camera_plays_and_unknown_camera_is_refused(qtbot: Any, wall: VideoWall) -> None:
    tile = wall.tiles[2]
    mime = camera_mime("c3")  # the event does not own it: keep it alive
    event = QDropEvent(
        tile.rect().center().toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tile.dropEvent(event)
    cam = tile.camera()
    assert cam is not None
    assert cam.id == "c3"
    qtbot.wait_until(lambda: playing(wall, 2), timeout=3000)
    with qtbot.wait_signal(wall.notice, timeout=1000) as blocker:
        assert not wall.assign(3, "nope")
    assert "nope" in blocker.args[0]
    assert wall.tiles[3].camera() is None


def test_bad_camera_retries_while_the_rest_keeps_playing(qtbot: Any, wall: VideoWall) -> None:
    wall.assign(0, "dead1")
    wall.assign(1, "c1")
    qtbot.wait_until(lambda: wall.tiles[0].machine.state is TileState.RECONNECTING, timeout=3000)
    assert "nuovo tentativo" in wall.tiles[0].status_text()
    qtbot.wait_until(lambda: wall.tiles[0].machine.attempts >= 3, timeout=5000)
    assert playing(wall, 1)
    frames = wall.tiles[1].frames_seen
    qtbot.wait_until(lambda: wall.tiles[1].frames_seen > frames + 5, timeout=3000)


def test_hidden_wall_stops_decoding_and_resumes(
    qtbot: Any, store: CameraStore, tmp_path: Path
) -> None:
    tabs = QTabWidget()
    qtbot.add_widget(tabs)
    w = VideoWall(store, CHOICE, library=ViewLibrary("x", tmp_path), factory=fake_factory)
    tabs.addTab(w, "video")
    tabs.addTab(QWidget(), "altro")
    tabs.resize(800, 500)
    tabs.show()
    qtbot.wait_exposed(tabs)
    w.assign(0, "c1")
    w.assign(1, "c2")
    qtbot.wait_until(lambda: playing(w, 0) and playing(w, 1), timeout=3000)
    tabs.setCurrentIndex(1)
    qtbot.wait_until(lambda: all(t.suspended for t in w.tiles[:2]), timeout=2000)
    backend = w.tiles[0].backend()
    assert isinstance(backend, FakeBackend)
    assert not backend.playing
    tabs.setCurrentIndex(0)
    qtbot.wait_until(lambda: playing(w, 0) and playing(w, 1), timeout=3000)
    w.release()


def test_full_view_starts_staggered_selected_first(qtbot: Any, wall: VideoWall) -> None:
    wall.set_grid("3x3")
    for i in range(9):
        wall.tiles[i].set_camera(wall.store.get(f"c{i + 1}") if wall.store else None, start=False)
    wall.select(4)
    FakeBackend.opened = []
    wall.start_all()
    assert FakeBackend.opened == ["rtsp://127.0.0.1/c5/sub"]
    # Tiles waiting for their turn say so instead of staying black and silent.
    assert wall.tiles[8].status_text() == "In avvio…"
    qtbot.wait_until(lambda: len(FakeBackend.opened) == 9, timeout=5000)
    assert len(set(FakeBackend.opened)) == 9
    assert not any(t.queued for t in wall.tiles)


def test_salvo_round_trip(qtbot: Any, wall: VideoWall) -> None:
    wall.set_grid("1+5")
    wall.assign(0, "c1")
    wall.assign(3, "c4")
    wall.save_salvo("Stadio")
    wall.set_grid("1")
    wall.clear(0)
    salvo = wall.library.salvo("Stadio")
    assert salvo == Salvo("Stadio", "1+5", ["c1", None, None, "c4", None, None])
    wall.apply_salvo(salvo)
    assert wall.grid_name == "1+5"
    cams = [t.camera().id if t.camera() else None for t in wall.tiles[:6]]  # type: ignore[union-attr]
    assert cams == ["c1", None, None, "c4", None, None]
    qtbot.wait_until(lambda: playing(wall, 0) and playing(wall, 3), timeout=3000)


def test_tour_cycles_cameras_on_the_selected_tile(qtbot: Any, wall: VideoWall) -> None:
    from console.cameras.views import Tour

    wall.select(2)
    wall.start_tour(Tour.of_cameras("Giro", ["c1", "c2"], 2.0))
    assert wall.tiles[2].camera().id == "c1"  # type: ignore[union-attr]
    wall.tours.timer.start(50)  # the dwell itself is not under test
    qtbot.wait_until(lambda: wall.tiles[2].camera().id == "c2", timeout=2000)  # type: ignore[union-attr]
    wall.stop_tour()
    assert not wall.tour_running()


def test_alert_with_camera_pops_into_alarm_tile(qtbot: Any, wall: VideoWall) -> None:
    wall.alarm_tile = 3
    alert = contract.Alert(
        id="a1",
        source="anpr",
        type="anpr.hotlist",
        priority=1,
        title="Targa rubata AB123CD",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        cameras=["unknown", "c7"],
    )
    wall.on_alerts_added([alert])
    assert wall.tiles[3].camera().id == "c7"  # type: ignore[union-attr]
    assert "Targa rubata" in wall.tiles[3].alarm_text
    qtbot.wait_until(lambda: playing(wall, 3), timeout=3000)


def test_alert_store_ids_are_resolved_and_exercises_say_so(wall: VideoWall) -> None:
    from console.alerts.store import AlertStore
    from widgets.video.wall import connect_alerts

    alerts = AlertStore()
    assert connect_alerts(wall, alerts)
    wall.alarm_tile = 1
    data = {
        "id": "a2", "source": "sensor", "type": "sensor.hydro", "priority": 2,
        "title": "Esondazione Seveso", "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z", "cameras": ["c5"], "exercise": True,
    }  # fmt: skip
    alerts.apply([contract.Event(id=1, event="alert.created", data=data)])
    assert wall.tiles[1].camera().id == "c5"  # type: ignore[union-attr]
    assert wall.tiles[1].alarm_text == "Esercitazione — Allarme P2: Esondazione Seveso"


def test_open_camera_intent_fills_a_free_tile(wall: VideoWall) -> None:
    intents = Intents()
    intents.open_camera.connect(wall.open_camera)
    wall.assign(0, "c1")
    intents.open_camera.emit("c2", -1)
    assert wall.tiles[1].camera().id == "c2"  # type: ignore[union-attr]
    intents.open_camera.emit("c3", 0)
    assert wall.tiles[0].camera().id == "c3"  # type: ignore[union-attr]


def test_snapshot_audits_then_saves_png_with_masks(
    qtbot: Any, wall: VideoWall, sent: Sent, centrale_home: Path
) -> None:
    wall.assign(0, "masked")
    qtbot.wait_until(lambda: wall.tiles[0].has_picture(), timeout=3000)
    with qtbot.wait_signal(wall.notice, timeout=1000) as blocker:
        wall.take_snapshot("no")
    assert "motivo" in blocker.args[0]
    assert sent.calls == []
    wall.take_snapshot("verifica furto, prot. 123")
    method, path, body = sent.calls[0]
    assert (method, path) == ("POST", "/api/v1/audit")
    assert body["reason"] == "verifica furto, prot. 123"
    assert body["object"] == "camera:masked"
    assert wall.last_snapshot is not None
    assert wall.last_snapshot.is_relative_to(centrale_home)
    image = QImage(str(wall.last_snapshot))
    assert image.width() == 64
    assert image.pixelColor(5, 5) == QColor("#000000")  # left half is a privacy mask


def test_snapshot_not_saved_when_audit_fails(
    qtbot: Any, store: CameraStore, tmp_path: Path
) -> None:
    w = VideoWall(
        store,
        CHOICE,
        send=Sent(fail=True),
        spawn=run_now,
        library=ViewLibrary("x", tmp_path),
        factory=fake_factory,
    )
    qtbot.add_widget(w)
    w.show()
    w.assign(0, "c1")
    qtbot.wait_until(lambda: w.tiles[0].has_picture(), timeout=3000)
    with qtbot.wait_signal(w.notice, timeout=1000) as blocker:
        w.take_snapshot("controllo")
    assert "non salvata" in blocker.args[0]
    assert w.last_snapshot is None
    w.release()


def test_ptz_only_for_ptz_cameras(wall: VideoWall, sent: Sent) -> None:
    wall.assign(0, "c1")
    wall.ptz(pan=10)
    assert sent.calls == []
    wall.assign(0, "ptz1")
    wall.ptz(pan=10)
    wall.ptz(preset="p1")
    assert [c[1] for c in sent.calls] == ["/api/v1/cameras/ptz1/ptz"] * 2
    assert sent.calls[0][2]["pan"] == 10
    assert sent.calls[1][2]["preset"] == "p1"


def test_camera_list_filters_and_drags_the_camera_mime(qtbot: Any, store: CameraStore) -> None:
    intents = Intents()
    panel = CameraList(store, intents)
    qtbot.add_widget(panel)
    panel.filter.setText("ptz")
    assert panel.list.count() == 1
    mime = panel.list.mimeData([panel.list.item(0)])
    assert bytes(mime.data(CAMERA_MIME).data()) == b"ptz1"
    with qtbot.wait_signal(intents.open_camera, timeout=1000) as blocker:
        panel._on_double_click(panel.list.item(0))
    assert blocker.args == ["ptz1", -1]


def test_panels_register_and_say_when_services_are_missing(qtbot: Any) -> None:
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry

    registry = PanelRegistry()
    register(registry)
    assert {"video", "cameras"} <= set(registry.names())
    wall_panel = registry.create("video", PanelContext(operator="mrossi"), {"grid": "3x3"})
    qtbot.add_widget(wall_panel)
    assert "server non collegato" in wall_panel.notice.text()  # type: ignore[attr-defined]
    assert wall_panel.wall.grid_name == "3x3"  # type: ignore[attr-defined]
    wall = wall_panel.wall  # type: ignore[attr-defined]
    wall.tiles[0].set_camera(contract.Camera.model_validate(camera("ptz1", ptz=True)), start=False)
    with qtbot.wait_signal(wall.notice, timeout=1000) as blocker:
        wall.spawn = run_now
        wall.ptz(pan=5)
    assert "nessun server collegato" in blocker.args[0]
    listing = registry.create("cameras", PanelContext(), {})
    qtbot.add_widget(listing)
    assert "non disponibile" in listing.message.text()  # type: ignore[attr-defined]
    wall.release()


def test_panel_commands_go_to_the_session_outbox(qtbot: Any, store: CameraStore) -> None:
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry

    class Session:
        def __init__(self) -> None:
            self.queued: list[tuple[str, str, Any]] = []

        def send(self, method: str, path: str, body: Any = None) -> str:
            self.queued.append((method, path, body))
            return "key-1"

    registry = PanelRegistry()
    register(registry)
    ctx = PanelContext(services={"cameras": store}, operator="mrossi")
    panel = registry.create("video", ctx, {})
    qtbot.add_widget(panel)
    wall = panel.wall  # type: ignore[attr-defined]
    wall.spawn = run_now
    session = Session()
    ctx.services["session"] = session  # joins after the panels are built, as in the app
    wall.tiles[0].set_camera(store.get("ptz1"), start=False)  # no player: PTZ needs none
    wall.select(0)
    wall.ptz(preset="p1")
    assert session.queued == [
        ("POST", "/api/v1/cameras/ptz1/ptz", {"pan": 0.0, "tilt": 0.0, "zoom": 0.0, "preset": "p1"})
    ]
    wall.release()


def test_unattended_wall_shows_the_whole_catalogue(qtbot: Any, wall: VideoWall) -> None:
    """A videowall fills itself: all cameras when they fit, a page at a time when they don't."""
    store = wall.store
    assert store is not None
    ids = [c.id for c in store.cameras()]
    wall.set_grid("2x2")
    fill_from_catalogue(wall, store, 15)
    assert wall.tour_running(), "16 cameras on 4 tiles: the wall pages through them"
    assert [t.camera().id for t in wall.tiles[:4]] == ids[:4]  # type: ignore[union-attr]
    wall.stop_tour()

    empty = CameraStore()
    other = VideoWall(empty, CHOICE, operator="kiosk", library=wall.library, factory=fake_factory)
    qtbot.add_widget(other)
    other.set_grid("4x4")
    fill_from_catalogue(other, empty, 15)
    assert not any(t.camera() for t in other.tiles)  # nothing yet: waits for the catalogue
    empty.reset([camera(f"v{i}") for i in range(1, 10)])
    assert [t.camera().id for t in other.tiles[:9]] == [f"v{i}" for i in range(1, 10)]  # type: ignore[union-attr]
    assert not other.tour_running(), "everything fits: no paging"
    empty.reset([camera(f"v{i}") for i in range(1, 12)])
    assert other.tiles[9].camera() is None, "filled once: later changes are the operator's"

    first = VideoWall(empty, CHOICE, operator="video", library=wall.library, factory=fake_factory)
    qtbot.add_widget(first)
    first.set_grid("2x2")
    fill_from_catalogue(first, empty, 0)
    in_order = [c.id for c in empty.cameras()]  # catalogue order
    assert [t.camera().id for t in first.tiles[:4]] == in_order[:4]  # type: ignore[union-attr]
    assert not first.tour_running(), "dwell 0: the first page stays"
    first.release()
    other.release()


def test_a_mosaic_without_alarm_tile_takes_no_alarm(qtbot: Any, store: CameraStore) -> None:
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry

    registry = PanelRegistry()
    register(registry)
    ctx = PanelContext(services={"cameras": store}, operator="kiosk")
    panel = registry.create("video", ctx, {"grid": "2x2", "alarm_tile": -1})
    qtbot.add_widget(panel)
    wall = panel.findChild(VideoWall)
    assert wall is not None
    assert not any(t.alarm_target for t in wall.tiles)
    wall.release()


def test_the_wall_comes_back_as_the_operator_left_it(
    qtbot: Any, store: CameraStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.cameras import views
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry

    monkeypatch.setattr(views, "state_dir", lambda: tmp_path)  # the operator's own files
    registry = PanelRegistry()
    register(registry)
    ctx = PanelContext(services={"cameras": store}, operator="mrossi", mode="video-room")
    params = {"grid": "2x2", "fill": True, "dwell": 0}

    first = registry.create("video", ctx, params)
    qtbot.add_widget(first)
    wall = first.findChild(VideoWall)
    assert wall is not None
    wall.assign(3, "ptz1")
    wall.remember()  # what the 5 s timer and the close do
    chosen = [t.camera().id if t.camera() else None for t in wall.tiles[:4]]
    wall.release()

    again = registry.create("video", ctx, params)
    qtbot.add_widget(again)
    restored = again.findChild(VideoWall)
    assert restored is not None
    assert [t.camera().id if t.camera() else None for t in restored.tiles[:4]] == chosen
    assert chosen[3] == "ptz1", "the operator's choice, not the catalogue's first page"
    restored.release()

    other = PanelContext(services={"cameras": store}, operator="lbianchi", mode="video-room")
    fresh = registry.create("video", other, params)
    qtbot.add_widget(fresh)
    wall3 = fresh.findChild(VideoWall)
    assert wall3 is not None
    assert wall3.tiles[3].camera() is None or wall3.tiles[3].camera().id != "ptz1"  # type: ignore[union-attr]
    wall3.release()


def test_two_walls_with_the_same_grid_each_come_back_as_left(
    qtbot: Any, store: CameraStore, centrale_home: Path
) -> None:
    """Two video panels of one layout (a videowall's mosaic and alarm wall, both 2x2 here) keep
    their last cameras apart: the shell gives each its panel key, and both write one file."""
    from console.layouts import parse_layout
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry
    from widgets.shell.shell import Shell
    from widgets.shell.status import StatusModel

    registry = PanelRegistry()
    register(registry)
    layout = parse_layout(
        {
            "name": "pareti", "title": "Pareti", "mode": "videowall",
            "screens": [
                {"role": "uno", "title": "Uno", "window": "normal", "regions": {"right": 0.5},
                 "panels": [
                     {"name": "video", "id": "mosaico", "params": {"grid": "2x2"}},
                     {"name": "video", "id": "allarmi", "region": "right",
                      "params": {"grid": "2x2"}},
                 ]},
            ],
        },
        "pareti.toml", {"video"},
    )  # fmt: skip

    def build() -> tuple[Shell, VideoWall, VideoWall]:
        shell = Shell(
            layout, registry, PanelContext(services={"cameras": store}, operator="mrossi"),
            StatusModel(),
        )  # fmt: skip
        walls = [w for win in shell.windows() for w in win.findChildren(VideoWall)]
        assert len(walls) == 2
        by_panel = {dock_of(w): w for w in walls}
        return shell, by_panel["mosaico"], by_panel["allarmi"]

    def dock_of(widget: QWidget) -> str:
        """The layout key of the dock (or central frame) holding `widget`."""
        parent = widget.parentWidget()
        while parent is not None and parent.objectName() not in (
            "mosaico",
            "central-mosaico",
            "allarmi",
            "central-allarmi",
        ):
            parent = parent.parentWidget()
        assert parent is not None
        return parent.objectName().removeprefix("central-")

    def shown(wall: VideoWall) -> list[str | None]:
        return [c.id if (c := t.camera()) is not None else None for t in wall.tiles[:4]]

    shell, mosaic, alarms = build()
    for i, cam in enumerate(["c1", "c2", "c3", "c4"]):
        mosaic.assign(i, cam)
    alarms.assign(0, "ptz1")
    alarms.assign(1, "masked")
    mosaic.remember()  # type: ignore[attr-defined]
    alarms.remember()  # type: ignore[attr-defined]
    mosaic.remember()  # type: ignore[attr-defined]  # a later save of one keeps the other
    for wall in (mosaic, alarms):
        wall.release()
    shell.close()

    shell, mosaic, alarms = build()
    assert shown(mosaic) == ["c1", "c2", "c3", "c4"]
    assert shown(alarms) == ["ptz1", "masked", None, None]
    for wall in (mosaic, alarms):
        wall.release()
    shell.close()


def test_a_wall_saved_under_the_shared_key_still_comes_back(
    qtbot: Any, store: CameraStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.cameras import views
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry

    monkeypatch.setattr(views, "state_dir", lambda: tmp_path)
    ViewLibrary("mrossi").set_last("video-room:2x2", Salvo("Ultima parete", "2x2", ["c7"]))
    registry = PanelRegistry()
    register(registry)
    ctx = PanelContext(
        services={"cameras": store}, operator="mrossi", mode="video-room", panel="video"
    )
    panel = registry.create("video", ctx, {"grid": "2x2", "fill": True})
    qtbot.add_widget(panel)
    wall = panel.findChild(VideoWall)
    assert wall is not None
    cam = wall.tiles[0].camera()
    assert cam is not None
    assert cam.id == "c7", "the wall saved before walls had their own key"
    wall.remember()  # type: ignore[attr-defined]
    saved = ViewLibrary("mrossi")
    assert saved.last("video-room:video:2x2") is not None
    assert saved.last("video-room:2x2") is None, "read once: the wall's own key from now on"
    wall.release()
