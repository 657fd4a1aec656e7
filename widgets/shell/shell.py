"""The multi-monitor shell: one top-level window per layout screen, on the matching screen.

Screens are matched by order, left to right (then top to bottom). Fewer screens than the layout
wants: the extra screens' panels are gathered as tabs in the last window, and the status strip
says so. A screen unplugged at run time: Qt leaves its window where it was, i.e. off-screen, so
the shell moves it onto a screen that is still there; when a screen comes back the windows are
spread out again as the layout wants.

Signals:
    quit_requested()   the operator asked to close Centrale (window close button or menu);
                       with no listener the shell confirms and quits the application itself
    rehomed()          windows were moved because screens changed
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

from PySide6.QtCore import SIGNAL, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QWidget

from console import uistate
from console.i18n import tr
from console.layouts import Layout
from console.status import StatusModel
from widgets.common.style import apply_style
from widgets.shell import placement
from widgets.shell.context import PanelContext
from widgets.shell.registry import ErrorPanel, PanelRegistry
from widgets.shell.screens import (
    keep_floating_on_screen,
    ordered_screens,
    place_window,
    rect_of,
)
from widgets.shell.status import Clock
from widgets.shell.window import STATE_VERSION, BuiltPanel, PlacedPanel, ShellWindow

log = logging.getLogger(__name__)


class Shell(QObject):
    quit_requested = Signal()
    rehomed = Signal()

    def __init__(
        self,
        layout: Layout,
        registry: PanelRegistry,
        ctx: PanelContext,
        status_model: StatusModel,
        screens: list[QScreen] | None = None,
    ) -> None:
        super().__init__()
        self.layout = layout
        self._status = status_model
        self._ctx = dataclasses.replace(
            ctx, mode=layout.mode, kiosk=ctx.kiosk or layout.kiosk, touch=ctx.touch or layout.touch
        )
        self._clock = Clock(self)
        if self._ctx.touch:
            # A touch table is the whole application: larger text and targets everywhere.
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_style(app, touch=True)
        self._screens = ordered_screens(screens)
        if not self._screens:
            raise RuntimeError(tr("Nessuno schermo disponibile: impossibile aprire le finestre"))
        self.plan = placement.plan(len(layout.screens), len(self._screens))
        self._windows: list[ShellWindow] = []
        self._panels: list[PlacedPanel] = []
        self._built: list[BuiltPanel] = []
        self._connected = False
        if not status_model.mode:
            status_model.mode = layout.mode
        self._create_panels(registry)
        self._make_windows()
        if self.plan.folded:
            status_model.announce(
                tr("Layout per {wanted} schermi su {present}: pannelli riuniti",
                   wanted=self.plan.wanted, present=self.plan.present),
                "warn",
            )

    # --- building ---

    def _create_panels(self, registry: PanelRegistry) -> None:
        """Every panel of the layout, once: windows come and go with screens, panels stay."""
        keys = self.layout.panel_keys()
        for s, screen in enumerate(self.layout.screens):
            for p, spec in enumerate(screen.panels):
                ctx = dataclasses.replace(self._ctx, panel=keys[s][p])
                widget = registry.create(spec.name, ctx, spec.params)
                title = tr(spec.title) if spec.title else registry.title(spec.name)
                if isinstance(widget, ErrorPanel):
                    self._status.announce(
                        tr("Pannello {title} non disponibile", title=title), "warn"
                    )
                self._built.append(BuiltPanel(s, spec, keys[s][p], title, widget))

    def _make_windows(self) -> None:
        """One window per screen of the plan; panels of missing screens folded into the last."""
        per_window: list[list[PlacedPanel]] = [[] for _ in range(self.plan.windows)]
        for built in self._built:
            s = built.screen
            if s >= self.plan.windows:
                label = self.layout.screens[s].label
                placed = PlacedPanel(built.key, built.spec, f"{built.title} ({label})",
                                     built.widget, "right", group="fold")
            else:
                placed = PlacedPanel(built.key, built.spec, built.title, built.widget,
                                     built.spec.region)
            per_window[self.plan.window_of(s)].append(placed)
            self._panels.append(placed)
        for index, panels in enumerate(per_window):
            screen_spec = self.layout.screens[index]
            labels = [screen_spec.label] + [self.layout.screens[s].label for s in self.plan.folded
                                            if self.plan.window_of(s) == index]
            title = f"Centrale — {tr(self.layout.title)} — {' + '.join(labels)}"
            menu = None if self._ctx.kiosk else QMenu()
            window = ShellWindow(index, screen_spec, panels, self._status, self._clock, menu,
                                 self._ctx.kiosk, title)
            if menu is not None:
                self._fill_menu(menu, window)
            window.close_requested.connect(self.request_quit)
            self._windows.append(window)

    def _drop_windows(self) -> None:
        """Close the windows but keep the panels (taken out of their docks first)."""
        for panel in self._panels:
            panel.widget.setParent(None)
        for window in self._windows:
            window.allow_close = True
            window.close()
            window.deleteLater()
        self._windows.clear()
        self._panels.clear()

    def _fill_menu(self, menu: QMenu, window: ShellWindow) -> None:
        docks = window.docks()
        if docks:
            panels = menu.addMenu(tr("Pannelli"))
            for dock in docks:
                panels.addAction(dock.toggleViewAction())
        menu.addAction(tr("Salva disposizione"), self.save_state)
        menu.addAction(tr("Ripristina layout"), self.reset_layout)
        menu.addSeparator()
        menu.addAction(tr("Chiudi Centrale"), self.request_quit)
        menu.setParent(window, menu.windowFlags())  # the menu dies with its window

    # --- public API ---

    def request_quit(self) -> None:
        """The operator asked to close Centrale (window close button or menu).

        The composition root normally listens to quit_requested and runs its ordered shutdown.
        If nobody listens, the shell asks for confirmation and quits the application itself,
        so the close button is never dead.
        """
        if self.receivers(SIGNAL("quit_requested()")) > 0:
            self.quit_requested.emit()
            return
        if self.confirm_quit():
            QApplication.quit()

    def confirm_quit(self) -> bool:
        parent = self._windows[0] if self._windows else None
        answer = QMessageBox.question(
            parent, tr("Chiudi Centrale"),
            tr("Chiudere Centrale su tutti gli schermi di questa postazione?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def windows(self) -> list[ShellWindow]:
        return list(self._windows)

    def panels(self) -> list[QWidget]:
        return [p.widget for p in self._panels]

    def show(self) -> None:
        """Show every window on its screen, then lay over the operator's saved arrangement."""
        self._show_windows()
        if not self._connected:
            app = QGuiApplication.instance()
            if isinstance(app, QGuiApplication):
                app.screenAdded.connect(self._on_screens_changed)
                app.screenRemoved.connect(self._on_screens_changed)
                self._connected = True

    def _show_windows(self) -> None:
        saved = uistate.load(self.layout.name).windows(len(self._windows))
        for index, window in enumerate(self._windows):
            screen = self._screens[min(index, len(self._screens) - 1)]
            avail = screen.availableGeometry()
            window.arrange(avail.width(), avail.height())
            state = saved.get(index)
            if state and window.spec.window == "normal" and state.geometry:
                window.restoreGeometry(state.geometry)
            place_window(window, screen)
            if state and state.state and not window.restore(
                state.state, state.docks, avail.width(), avail.height()
            ):
                log.warning("saved arrangement of window %d of %s not applied", index,
                            self.layout.name)
        keep_floating_on_screen(self._windows, self._screens)

    def save_state(self) -> Path:
        """Save this arrangement (for this number of windows), keeping the others saved."""
        state = uistate.load(self.layout.name)
        state.set_windows(len(self._windows), {
            index: uistate.WindowState(
                geometry=bytes(window.saveGeometry().data()),
                state=bytes(window.saveState(STATE_VERSION).data()),
                docks=window.dock_keys(),
            )
            for index, window in enumerate(self._windows)
        })
        path = uistate.save(state)
        log.info("arrangement of %s saved to %s", self.layout.name, path)
        return path

    def reset_layout(self) -> None:
        """Back to the shipped arrangement, now and at the next start."""
        uistate.forget(self.layout.name)
        screens = ordered_screens()
        for index, window in enumerate(self._windows):
            screen = screens[min(index, len(screens) - 1)] if screens else None
            size = screen.availableGeometry() if screen else window.geometry()
            window.arrange(size.width(), size.height())
        self._status.announce(tr("Disposizione originale del layout ripristinata"), "info")

    def close(self) -> None:
        """Save the arrangement, stop every panel that has a shutdown(), close all windows."""
        if self._connected:
            app = QGuiApplication.instance()
            if isinstance(app, QGuiApplication):
                app.screenAdded.disconnect(self._on_screens_changed)
                app.screenRemoved.disconnect(self._on_screens_changed)
            self._connected = False
        if self._windows:
            try:
                self.save_state()
            except OSError as exc:
                log.warning("arrangement of %s not saved: %s", self.layout.name, exc)
        for panel in self._built:
            shutdown = getattr(panel.widget, "shutdown", None)
            if callable(shutdown):
                try:
                    shutdown()
                except Exception:
                    log.exception("panel %s failed to shut down", panel.key)
        self._clock.stop()
        for window in self._windows:
            window.allow_close = True
            window.close()
            window.deleteLater()
        self._windows.clear()
        self._panels.clear()
        self._built.clear()

    def screenshot(self, directory: Path) -> list[Path]:
        """One PNG per top-level window, `<layout>-<screen>.png` (screen name made file-safe)."""
        directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        used: set[str] = set()
        for index, window in enumerate(self._windows):
            screen = window.screen()
            raw = screen.name() if screen is not None and screen.name() else f"screen{index}"
            base = re.sub(r"[^A-Za-z0-9_.-]+", "_", raw).strip("._") or f"screen{index}"
            name, n = base, 1
            while name in used:
                n += 1
                name = f"{base}-{n}"
            used.add(name)
            path = directory / f"{self.layout.name}-{name}.png"
            if not window.grab().save(str(path)):
                raise OSError(f"could not write {path}")
            written.append(path)
        return written

    # --- screens coming and going ---

    def rehome(self, screens: list[QScreen] | None = None) -> list[int]:
        """Screens went away: nothing may stay off-screen or hidden behind another window.

        Called with the screen list as it is after the change (Qt's handler, or a test passing
        Qt's list minus one). With fewer screens than windows the panels are folded again onto
        the screens left; otherwise only the windows whose screen is gone move. Returns the
        target screen index of each window.
        """
        present = ordered_screens(screens)
        if not present:
            log.error("no screens left: windows stay where they are")
            return []
        if placement.plan(len(self.layout.screens), len(present)).windows != len(self._windows):
            return self._refold(present, removed=True)
        rects = [rect_of(s.geometry()) for s in present]
        targets = placement.rehome([rect_of(w.frameGeometry()) for w in self._windows], rects)
        moved = []
        for window, target in zip(self._windows, targets, strict=True):
            if placement.screen_of(rect_of(window.frameGeometry()), rects) != target:
                place_window(window, present[target])
                moved.append(window)
        self._screens = present
        keep_floating_on_screen(self._windows, present)
        for window in moved:
            self._status.announce(
                tr("Schermo scollegato: finestra «{title}» spostata su {screen}",
                   title=window.spec.label, screen=present[targets[window.index]].name()),
                "warn",
            )
        if moved:
            self.rehomed.emit()
        return targets

    def spread(self, screens: list[QScreen] | None = None) -> list[int]:
        """A screen came (back): unfold onto it if the layout wants it, window i on screen i."""
        present = ordered_screens(screens)
        if not present:
            return []
        if placement.plan(len(self.layout.screens), len(present)).windows != len(self._windows):
            return self._refold(present, removed=False)
        rects = [rect_of(s.geometry()) for s in present]
        targets = placement.spread(len(self._windows), len(present))
        moved = False
        for window, target in zip(self._windows, targets, strict=True):
            if placement.screen_of(rect_of(window.frameGeometry()), rects) != target:
                place_window(window, present[target])
                moved = True
        self._screens = present
        keep_floating_on_screen(self._windows, present)
        if moved:
            self._status.announce(tr("Schermo collegato: finestre ridistribuite"), "info")
            self.rehomed.emit()
        return targets

    def _refold(self, present: list[QScreen], removed: bool) -> list[int]:
        """Rebuild the windows for a new number of screens, moving the same panel widgets."""
        try:
            self.save_state()  # the arrangement for the old number of screens is kept
        except OSError as exc:
            log.warning("arrangement of %s not saved: %s", self.layout.name, exc)
        self._drop_windows()
        self._screens = present
        self.plan = placement.plan(len(self.layout.screens), len(present))
        self._make_windows()
        self._show_windows()
        if removed:
            self._status.announce(
                tr("Schermo scollegato: pannelli riuniti su {n} schermi", n=len(present)), "warn"
            )
        else:
            self._status.announce(
                tr("Schermo collegato: layout su {n} schermi", n=self.plan.windows), "info"
            )
        self.rehomed.emit()
        return list(range(self.plan.windows))

    def _on_screens_changed(self, _screen: QScreen) -> None:
        # Act once Qt has finished its own bookkeeping for the change (it reassigns windows of
        # a removed screen right after emitting screenRemoved).
        QTimer.singleShot(0, self, self._follow_screens)

    def _follow_screens(self) -> None:
        if not self._windows:
            return  # closed meanwhile
        present = ordered_screens()
        if len(present) < len(self._screens):
            self.rehome(present)
        else:
            self.spread(present)
