"""One top-level window of a layout: a central panel, docked panels around it, the status strip.

The window knows how to arrange its docks as the layout says (also used by "Ripristina layout");
it does not decide which screen it is on: the Shell does.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QVBoxLayout, QWidget

from console.layouts import PanelSpec, ScreenSpec
from console.status import StatusModel
from widgets.shell.status import Clock, StatusStrip

AREA = {
    "left": Qt.DockWidgetArea.LeftDockWidgetArea,
    "right": Qt.DockWidgetArea.RightDockWidgetArea,
    "top": Qt.DockWidgetArea.TopDockWidgetArea,
    "bottom": Qt.DockWidgetArea.BottomDockWidgetArea,
}

# Saved arrangements carry this version: bump it when dock identities change meaning.
STATE_VERSION = 1
# Width share of the tab group that gathers the panels of screens that are not there.
FOLD_FRACTION = 0.4


@dataclass(frozen=True)
class BuiltPanel:
    """A panel built once for the layout's screen `screen`; it outlives the windows."""

    screen: int
    spec: PanelSpec
    key: str
    title: str
    widget: QWidget


@dataclass
class PlacedPanel:
    """A built panel and where the layout puts it in this window."""

    key: str
    spec: PanelSpec
    title: str
    widget: QWidget
    region: str  # center | left | right | top | bottom, after folding
    group: str = ""  # panels of one folded screen share a group and are tabbed together
    dock: QDockWidget | None = None


class ShellWindow(QMainWindow):
    """Signals:
        close_requested()   the operator tried to close this window (the Shell decides)
    """

    close_requested = Signal()

    def __init__(
        self,
        index: int,
        screen: ScreenSpec,
        panels: list[PlacedPanel],
        status: StatusModel,
        clock: Clock,
        menu: QMenu | None,
        kiosk: bool,
        window_title: str,
    ) -> None:
        super().__init__()
        self.index = index
        self.spec = screen
        self.panels = panels
        self.kiosk = kiosk
        self.allow_close = False
        self.setObjectName(f"shellWindow{index}")
        self.setWindowTitle(window_title)
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.GroupedDragging
        )
        self.strip = StatusStrip(status, clock, menu, show_operator=not kiosk)
        self.statusBar().addWidget(self.strip, 1)
        self.statusBar().setSizeGripEnabled(False)

        for panel in panels:
            if panel.region == "center":
                self.setCentralWidget(_titled(panel.title, panel.widget, panel.key))
                continue
            dock = QDockWidget(panel.title, self)
            dock.setObjectName(panel.key)
            dock.setWidget(panel.widget)
            if kiosk:
                dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
            panel.dock = dock

    def docks(self) -> list[QDockWidget]:
        return [p.dock for p in self.panels if p.dock is not None]

    def dock_keys(self) -> list[str]:
        return [p.key for p in self.panels if p.dock is not None]

    def restore(self, state: bytes, saved_docks: list[str], width: int, height: int) -> bool:
        """Lay the operator's saved arrangement over the shipped one, tolerantly.

        Docks the saved state does not know (a panel added to the layout since, or folded in
        from a screen that is missing today) are placed as the layout says; saved docks that no
        longer exist are ignored by Qt.
        """
        if not state or not self.restoreState(state, STATE_VERSION):
            return False
        known = set(saved_docks)
        extra = [p for p in self.panels if p.dock is not None and p.key not in known]
        if extra:
            self.arrange(width, height, only=extra)
        return True

    def arrange(self, width: int, height: int, only: list[PlacedPanel] | None = None) -> None:
        """Put docks where the layout says (first build, "Ripristina layout", and docks a saved
        arrangement does not know when `only` is given)."""
        chosen = [p for p in (self.panels if only is None else only) if p.dock is not None]
        for panel in chosen:
            assert panel.dock is not None
            if panel.dock.isFloating():
                panel.dock.setFloating(False)
            self.removeDockWidget(panel.dock)
        by_region: dict[str, list[PlacedPanel]] = {}
        for panel in chosen:
            by_region.setdefault(panel.region, []).append(panel)
        for region, members in by_region.items():
            area = AREA[region]
            along = (
                Qt.Orientation.Vertical if region in ("left", "right")
                else Qt.Orientation.Horizontal
            )
            previous: PlacedPanel | None = None
            split: list[PlacedPanel] = []
            for panel in members:
                assert panel.dock is not None
                same_group = previous is not None and panel.group and panel.group == previous.group
                if previous is not None and previous.dock is not None and (
                    panel.spec.tabbed or same_group
                ):
                    self.tabifyDockWidget(previous.dock, panel.dock)
                else:
                    self.addDockWidget(area, panel.dock, along)
                    split.append(panel)
                panel.dock.show()
                previous = panel
            self._size_region(region, split, width, height)
        fronts: set[str] = set()
        for panel in chosen:
            # The first panel of each tab group is the one in front.
            group = panel.group or panel.key
            if panel.dock is not None and not panel.spec.tabbed and group not in fronts:
                fronts.add(group)
                panel.dock.raise_()

    def _size_region(
        self, region: str, split: list[PlacedPanel], width: int, height: int
    ) -> None:
        docks = [p.dock for p in split if p.dock is not None]
        if not docks:
            return
        fraction = self.spec.regions.get(region, 0.3)  # type: ignore[call-overload]
        if any(p.group == "fold" for p in split):
            fraction = max(fraction, FOLD_FRACTION)
        across = (
            Qt.Orientation.Horizontal if region in ("left", "right") else Qt.Orientation.Vertical
        )
        extent = width if across == Qt.Orientation.Horizontal else height
        self.resizeDocks(docks[:1], [max(120, int(extent * fraction))], across)
        if len(docks) > 1:
            along_extent = height if across == Qt.Orientation.Horizontal else width
            total = sum(p.spec.size for p in split)
            sizes = [max(80, int(along_extent * p.spec.size / total)) for p in split]
            along = (
                Qt.Orientation.Vertical if across == Qt.Orientation.Horizontal
                else Qt.Orientation.Horizontal
            )
            self.resizeDocks(docks, sizes, along)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing one screen's window by accident must not leave a workstation half-blind.

        A close from the window system (the operator's close button, Alt+F4) is spontaneous:
        it is refused and becomes a request the Shell passes on. A close from the program
        (QApplication.quit(), Shell.close()) is not, and goes through, so quitting never stalls.
        """
        if self.allow_close or not event.spontaneous():
            event.accept()
        else:
            event.ignore()
            self.close_requested.emit()

def _titled(title: str, widget: QWidget, key: str) -> QWidget:
    """The central panel with a title bar like the docks', so every panel says what it is."""
    frame = QWidget()
    frame.setObjectName(f"central-{key}")
    column = QVBoxLayout(frame)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(0)
    label = QLabel(title)
    label.setObjectName("panelTitle")
    column.addWidget(label)
    column.addWidget(widget, 1)
    return frame
