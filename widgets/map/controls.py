"""The map's tool bar: search by name, and the tool modes (move, measure, circle, polygon).

The name index is rebuilt lazily, on the first search after the content changed, so 5,000
units moving every second never rebuild it.

Signals:
    search_chosen(str, str, float, float)   kind, id, lon, lat of the chosen result
    mode_requested(str)                      pan | measure | circle | polygon
    clear_requested()
    finish_requested()                       close the polygon being drawn
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from console.geo.search import Entry, Gazetteer
from console.i18n import tr

ROLE = int(Qt.ItemDataRole.UserRole)


class MapControls(QWidget):
    search_chosen = Signal(str, str, float, float)
    mode_requested = Signal(str)
    clear_requested = Signal()
    finish_requested = Signal()

    def __init__(self, touch: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.searcher: Callable[[], list[Entry]] = list
        self._gazetteer: Gazetteer | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Cerca unità, telecamere, luoghi, vie…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.search.textChanged.connect(self._on_text)
        self.search.returnPressed.connect(lambda: self.choose(0))
        self.search.installEventFilter(self)
        layout.addWidget(self.search, 2)
        self.buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        for mode, label, tip in (
            ("pan", tr("Sposta"), tr("Trascina per spostare la mappa, clic per selezionare")),
            ("measure", tr("Misura"), tr("Clic sui punti del percorso da misurare")),
            ("circle", tr("Cerchio"), tr("Clic sul centro, poi sul bordo: elenca cosa c'è dentro")),
            (
                "polygon",
                tr("Poligono"),
                tr(
                    "Clic sui vertici; Invio o clic sul primo punto per "
                    "chiudere: elenca cosa c'è dentro"
                ),
            ),
        ):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, m=mode: self.mode_requested.emit(m))
            group.addButton(button)
            layout.addWidget(button)
            self.buttons[mode] = button
        self.buttons["pan"].setChecked(True)
        self.finish = QPushButton(tr("Chiudi poligono"))
        self.finish.clicked.connect(self.finish_requested.emit)
        self.finish.hide()
        layout.addWidget(self.finish)
        clear = QPushButton(tr("Pulisci"))
        clear.setToolTip(tr("Cancella misure e forme disegnate"))
        clear.clicked.connect(self.clear_requested.emit)
        layout.addWidget(clear)
        layout.addStretch(1)
        if touch:
            for b in [*self.buttons.values(), self.finish, clear]:
                b.setMinimumHeight(48)
            self.search.setMinimumHeight(48)
        self.popup = QListWidget(self.window())
        self.popup.setWindowFlags(Qt.WindowType.ToolTip)
        self.popup.itemClicked.connect(lambda item: self._choose_item(item))
        self.popup.hide()
        self.results: list[Entry] = []

    def show_mode(self, mode: str) -> None:
        button = self.buttons.get(mode)
        if button is not None:
            button.setChecked(True)
        self.finish.setVisible(mode == "polygon")

    def invalidate_search(self) -> None:
        self._gazetteer = None

    def lookup(self, text: str, limit: int = 12) -> list[Entry]:
        if self._gazetteer is None:
            self._gazetteer = Gazetteer(self.searcher())
        return self._gazetteer.search(text, limit)

    def _on_text(self, text: str) -> None:
        self.results = self.lookup(text) if len(text.strip()) >= 2 else []
        self.popup.clear()
        for entry in self.results:
            item = QListWidgetItem(f"{entry.name}  —  {entry.detail}")
            self.popup.addItem(item)
        if not self.results:
            if len(text.strip()) >= 2:
                self.popup.addItem(QListWidgetItem(tr("Nessun risultato per «{t}»", t=text)))
            else:
                self.popup.hide()
                return
        pos = self.search.mapToGlobal(self.search.rect().bottomLeft())
        self.popup.move(pos)
        self.popup.resize(max(self.search.width(), 420), min(12, self.popup.count()) * 26 + 8)
        self.popup.show()

    def choose(self, index: int) -> bool:
        if not 0 <= index < len(self.results):
            return False
        entry = self.results[index]
        self.popup.hide()
        self.search_chosen.emit(entry.kind, entry.ref, entry.lon, entry.lat)
        return True

    def _choose_item(self, item: QListWidgetItem) -> None:
        self.choose(self.popup.row(item))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            if event.key() == Qt.Key.Key_Escape:
                self.popup.hide()
                return True
            if event.key() == Qt.Key.Key_Down and self.popup.isVisible():
                self.popup.setFocus()
                self.popup.setCurrentRow(0)
                return True
        elif obj is self.search and event.type() == QEvent.Type.FocusOut:
            pass
        return super().eventFilter(obj, event)
