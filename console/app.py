"""Composition root: the only place where Centrale's parts are built and wired together.

Start-up order: command line -> settings -> logging -> language -> Qt application and asyncio
loop -> panels and layout -> stores -> shell on screen -> back-end (embedded training process or
--server) -> session and event stream -> snapshots. Shutdown runs the same list backwards and
awaits each step, so nothing (threads, servers, players) is left running.

This module may import QtWidgets/QtGui and widgets/ (a declared import-linter exception);
everything else in console/ stays Qt-GUI-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from console.cli import Options, parse_args
from console.i18n import set_language, tr
from console.logsetup import route_qt_messages, setup_logging
from console.settings import Settings, SettingsError

log = logging.getLogger("console.app")

# The training user each operating mode signs in as when the embedded back-end is used.
TRAINING_USER_FOR_MODE = {
    "radio-room": "radio",
    "video-room": "video",
    "tactical-table": "supervisor",
    "videowall": "kiosk",
    "crisis-room": "coc",
}


class StartupError(Exception):
    """A problem the person starting Centrale can fix; the message says how."""


def fail(message: str) -> int:
    sys.stderr.write(f"centrale: {message}\n")
    return 2


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    try:
        settings = Settings.load()
    except SettingsError as exc:
        return fail(str(exc))
    log_file = setup_logging(opts.log_level or settings.get("log.level"))
    route_qt_messages()
    try:
        set_language(opts.language or settings.get("ui.language"))
    except ValueError as exc:
        return fail(str(exc))
    log.info("centrale starting: %s", " ".join(sys.argv[1:]) or "(no arguments)")
    try:
        if opts.serve_training:
            return serve_training(opts, settings)
        _choose_platform(opts)
        return run_console(opts, settings, log_file)
    except StartupError as exc:
        log.info("start-up refused: %s", exc)  # the terminal gets the message once, from fail()
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130


def serve_training(opts: Options, settings: Settings) -> int:
    from console.training.server import TrainingConfig, serve

    config = TrainingConfig(
        host=opts.host,
        port=opts.port,
        layers=tuple(opts.layers or [Path(p) for p in settings.get("map.layer_packs")]),
        seed=opts.seed if opts.seed is not None else settings.get("training.seed"),
        rate_scale=opts.rate_scale or settings.get("training.rate_scale"),
        video=not opts.no_video and settings.get("training.video"),
        injects=opts.injects,
    )
    sys.stderr.write(f"centrale: back-end di addestramento su http://{opts.host}:{opts.port}\n")
    serve(config)
    return 0


def _choose_platform(opts: Options) -> None:
    """Refuse to start without a screen, unless only a check was asked for (then go offscreen)."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if opts.self_test or opts.screenshot is not None:
        sys.stderr.write("centrale: nessuno schermo: uso la piattaforma 'offscreen'\n")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    raise StartupError(
        "nessuno schermo disponibile (DISPLAY e WAYLAND_DISPLAY non impostati): avvia Centrale "
        "in una sessione grafica, oppure usa --self-test o --screenshot DIR --quit-after N"
    )


def run_console(opts: Options, settings: Settings, log_file: Path) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    from widgets.common.style import apply_style

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Centrale")
    app.setOrganizationName("Centrale")
    app.setQuitOnLastWindowClosed(False)  # the root decides when to stop, after cleaning up
    apply_style(app)
    registry = build_registry()
    if opts.self_test:
        sys.stdout.write(json.dumps(self_test_report(app, registry, settings, log_file)) + "\n")
        sys.stdout.flush()
        return 0

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    root = Console(app, opts, settings, registry)
    try:
        with loop:
            return loop.run_until_complete(root.run())
    finally:
        asyncio.set_event_loop(None)


def build_registry() -> Any:
    """Every panel Centrale has, by name. A layout may only name these."""
    import widgets.alerts
    import widgets.chat
    import widgets.incidents
    import widgets.journal
    import widgets.map
    import widgets.video
    from widgets.shell.registry import PanelRegistry

    registry = PanelRegistry()
    for package in (
        widgets.journal,
        widgets.map,
        widgets.video,
        widgets.alerts,
        widgets.incidents,
        widgets.chat,
    ):
        package.register(registry)
    return registry


def self_test_report(app: Any, registry: Any, settings: Settings, log_file: Path) -> dict[str, Any]:
    import platform

    import PySide6
    from PySide6 import QtCore

    from console import __version__
    from console.api.auth import assess
    from console.layouts import list_layouts
    from widgets.video import describe_video_backend

    screens = [
        {
            "name": s.name(),
            "x": s.geometry().x(),
            "y": s.geometry().y(),
            "width": s.geometry().width(),
            "height": s.geometry().height(),
            "dpr": s.devicePixelRatio(),
        }
        for s in app.screens()
    ]
    return {
        "centrale": __version__,
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "qt": QtCore.qVersion(),
        "platform": app.platformName(),
        "screens": screens,
        "panels": sorted(registry.names()),
        "layouts": list_layouts(),
        "video": describe_video_backend(settings.get("video.backend")),
        "keyring": _keyring_report(assess()),
        "language": settings.get("ui.language"),
        "settings_file": str(settings.path),
        "log_file": str(log_file),
        "ok": True,
    }


def _keyring_report(verdict: Any) -> dict[str, Any]:
    return {"backend": verdict.backend, "persistent": verdict.persistent, "note": verdict.reason}


class Console:
    """Owns the running parts and their order. One instance per process."""

    def __init__(self, app: Any, opts: Options, settings: Settings, registry: Any) -> None:
        self.app = app
        self.opts = opts
        self.settings = settings
        self.registry = registry
        self.training: Any = None
        self.session: Any = None
        self.shell: Any = None
        self.stores: list[Any] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._quit: asyncio.Future[int] | None = None
        self._signing_in = False

    # --- life cycle -----------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._quit = loop.create_future()
        try:
            self.start_gui()
            self._spawn(self.connect(), "connect")
            if self.opts.quit_after is not None:
                loop.call_later(self.opts.quit_after, self._on_quit_after)
            return await self._quit
        finally:
            await self.stop()

    def quit(self, code: int = 0) -> None:
        if self._quit is not None and not self._quit.done():
            self._quit.set_result(code)

    def start_gui(self) -> None:
        from console.alerts.store import AlertStore
        from console.api.journal import EventJournal
        from console.cameras.store import CameraStore
        from console.intents import Intents
        from console.layouts import LayoutError, load_layout
        from console.status import StatusModel
        from console.units.store import UnitsStore
        from widgets.shell.context import PanelContext
        from widgets.shell.shell import Shell

        name = self.opts.layout or self.settings.get("ui.layout")
        try:
            self.layout = load_layout(name, set(self.registry.names()))
        except LayoutError as exc:
            raise StartupError(str(exc)) from exc
        self.operator = self.opts.user or TRAINING_USER_FOR_MODE.get(self.layout.mode, "radio")
        self.journal = EventJournal()
        self.units = UnitsStore()
        self.alerts = AlertStore()
        self.cameras = CameraStore()
        self.stores = [self.journal, self.units, self.alerts, self.cameras]
        self.intents = Intents()
        self.status = StatusModel()
        self.status.operator = self.operator
        self.status.mode = tr(self.layout.title)
        self.status.training = self.opts.server is None and not self.settings.get("server.url")
        self.status.set_connection(tr("Avvio…"), "warn")
        packs = self.opts.layers or [Path(p) for p in self.settings.get("map.layer_packs")]
        self.packs: list[Path] = packs
        ctx = PanelContext(
            services={
                "intents": self.intents,
                "session": None,
                "journal": self.journal,
                "units": self.units,
                "alerts": self.alerts,
                "cameras": self.cameras,
                "layer_packs": packs,
                "settings": self.settings,
                "status": self.status,
            },
            operator=self.operator,
            mode=self.layout.mode,
            kiosk=self.layout.kiosk,
        )
        self.ctx = ctx
        self.shell = Shell(self.layout, self.registry, ctx, self.status)
        self.shell.show()
        self.app.lastWindowClosed.connect(lambda: self.quit(0))

    async def connect(self) -> None:
        """Start (or reach) the back-end, sign in, follow events, load the current state."""
        from console.api.session import Session

        url = self.opts.server or self.settings.get("server.url")
        password: str | None = None
        if not url:
            self.status.set_connection(tr("Avvio del back-end di addestramento…"), "warn")
            url = await self._start_training()
            password = self.operator  # training users: password = name (documented)
        verify = self.settings.get("server.verify_tls") and not self.opts.insecure
        self.session = Session(url, verify=verify)
        self.session.state_changed.connect(self._on_connection_state)
        self.session.resync_required.connect(lambda: self._spawn(self.load_snapshots(), "resync"))
        for store in self.stores:
            for prefix in store.EVENT_PREFIXES:
                self.session.router.subscribe(prefix, store.apply)
        try:
            if password is not None:
                await self.session.start(self.operator, password)
            elif not await self._sign_in():
                return
        except Exception as exc:
            log.exception("sign-in failed")
            self.status.set_connection(tr("Accesso non riuscito: {why}", why=exc), "error")
            return
        # Panels link to the session when they find it: only once it can make requests, so
        # nothing is refused (and retried) while the operator is still at the login dialog.
        self.ctx.services["session"] = self.session
        self.session.auth_failed.connect(
            lambda why: self._spawn(self._sign_in(why), "sign-in again")
        )
        await self.load_snapshots()

    async def _sign_in(self, reason: str = "") -> bool:
        """A real server: the saved access, or the login dialog (again when access expires)."""
        from widgets.common.login import sign_in

        if self._signing_in:
            return False
        self._signing_in = True
        self.status.set_connection(tr("In attesa dell'accesso dell'operatore…"), "warn")
        try:
            user = await sign_in(self.session, self.operator, reason=reason)
        finally:
            self._signing_in = False
        if user is None:
            self.status.set_connection(
                tr("Non connesso: accesso annullato. Riavviare la console per accedere."), "error"
            )
            return False
        self.operator = self.status.operator = self.ctx.operator = user
        return True

    async def load_snapshots(self) -> None:
        """Reset the stores from the server, consistently with the event stream."""
        try:
            failed = await self.session.load_snapshots(self.stores)
        except Exception:
            log.exception("snapshots not loaded")
            failed = [str(getattr(s, "SNAPSHOT_PATH", "")) for s in self.stores]
        for path in failed:
            self.status.announce(tr("Dati non caricati: {path}", path=path), "warn")
        gc.freeze()  # long-lived snapshot objects leave the young generations: shorter GC stalls

    async def _start_training(self) -> str:
        from console.paths import data_dir
        from console.training.launcher import TrainingProcess

        seed = self.opts.seed if self.opts.seed is not None else self.settings.get("training.seed")
        self.training = TrainingProcess(
            port=0,
            db=data_dir() / "training.sqlite3",
            layers=list(self.packs),
            rate_scale=self.opts.rate_scale or self.settings.get("training.rate_scale"),
            video=not self.opts.no_video and self.settings.get("training.video"),
            extra_args=["--seed", str(seed)],
        )
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.training.start)
        except Exception as exc:
            raise StartupError(
                tr("il back-end di addestramento non parte: {why}", why=exc)
            ) from exc
        return str(self.training.base_url)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.shell is not None:
            try:
                self.shell.save_state()
            except Exception:
                log.exception("UI state not saved")
            self.shell.close()
            self.shell = None
        if self.session is not None:
            await self._stop_hooks()
            await self.session.stop()
            self.session = None
        if self.training is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.training.stop)
            self.training = None
        log.info("centrale stopped")

    async def _stop_hooks(self) -> None:
        """Last words while the session still works (chat presence "offline"): coroutines that
        panels list in services["stop_hooks"]; each is bounded so a dead link cannot hold the exit.
        """
        ctx = getattr(self, "ctx", None)
        for hook in list(ctx.services.get("stop_hooks", ()) if ctx is not None else ()):
            try:
                await asyncio.wait_for(hook(), 3.0)
            except Exception as exc:
                log.info("stop hook %r failed: %s", hook, exc)

    # --- helpers --------------------------------------------------------------------------

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                exc = t.exception()
                log.error("%s failed: %s", name, exc, exc_info=exc)
                if isinstance(exc, StartupError):
                    self.status.set_connection(str(exc), "error")

        task.add_done_callback(done)

    def _on_connection_state(self, state: Any) -> None:
        self.status.set_connection(state.describe(), state.level)

    def _on_quit_after(self) -> None:
        if self.opts.screenshot is not None and self.shell is not None:
            try:
                for path in self.shell.screenshot(self.opts.screenshot):
                    log.info("screenshot written: %s", path)
            except OSError as exc:
                sys.stderr.write(f"centrale: screenshot non salvati: {exc}\n")
                self.quit(1)
                return
        self.quit(0)
