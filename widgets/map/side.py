"""The map's side panels: layers (toggle, order, legend, data notices) and details/results.

Signals (LayerPanel):
    visibility_changed(str, bool)   layer id, visible
    order_changed(list)             layer ids bottom to top, after a move
Signals (DetailsPanel):
    action(str, str, str)           action (centre, follow, unfollow, camera), kind, id
    result_chosen(str, str)         kind, id of a row in the results list
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.geo.pack import Notice
from console.i18n import tr
from widgets.common import theme
from widgets.map.live import Details
from widgets.map.symbols import SpriteKey, css_colour, shape_path

ROLE_ID = int(Qt.ItemDataRole.UserRole)


def legend_icon(key: SpriteKey | None, stroke: str = "", fill: str = "", size: int = 22) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if key is not None:
        p.translate(size / 2, size / 2)
        p.setPen(QColor(theme.BACKGROUND))
        p.setBrush(css_colour(key.colour))
        p.drawPath(shape_path(key.shape, size * 0.7))
    else:
        if fill:
            p.fillRect(3, 3, size - 6, size - 6, css_colour(fill))
        pen_colour = css_colour(stroke or theme.TEXT_MUTED)
        p.setPen(pen_colour)
        p.drawLine(3, size - 6, size - 3, 6)
        if fill:
            p.drawRect(3, 3, size - 6, size - 6)
    p.end()
    return QIcon(pix)


class LayerPanel(QWidget):
    visibility_changed = Signal(str, bool)
    order_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(22, 22))
        self.tree.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.up = QPushButton(tr("Su"))
        self.down = QPushButton(tr("Giù"))
        self.up.setToolTip(tr("Disegna il livello selezionato sopra gli altri"))
        self.down.setToolTip(tr("Disegna il livello selezionato sotto gli altri"))
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        buttons.addWidget(self.up)
        buttons.addWidget(self.down)
        layout.addLayout(buttons)
        self.notices = QListWidget()
        self.notices.setWordWrap(True)
        self.notices.setMaximumHeight(160)
        self.notices_title = QLabel(tr("Avvisi sui dati"))
        layout.addWidget(self.notices_title)
        layout.addWidget(self.notices)
        self._groups: dict[str, QTreeWidgetItem] = {}
        self._updating = False

    def add_layer(
        self, group: str, layer_id: str, title: str, visible: bool, icon: QIcon, tooltip: str = ""
    ) -> None:
        self._updating = True
        parent = self._groups.get(group)
        if parent is None:
            parent = QTreeWidgetItem([group])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(parent)
            parent.setExpanded(True)
            self._groups[group] = parent
        # Newest on top, like the drawing order (top of the list is drawn last, above).
        item = QTreeWidgetItem([title])
        item.setData(0, ROLE_ID, layer_id)
        item.setIcon(0, icon)
        item.setToolTip(0, tooltip or title)
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsSelectable
        )
        item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        parent.insertChild(0, item)
        self._updating = False

    def item(self, layer_id: str) -> QTreeWidgetItem | None:
        for group in self._groups.values():
            for i in range(group.childCount()):
                child = group.child(i)
                if child is not None and child.data(0, ROLE_ID) == layer_id:
                    return child
        return None

    def set_checked(self, layer_id: str, visible: bool) -> None:
        item = self.item(layer_id)
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def order(self, group: str) -> list[str]:
        """Layer ids of a group, bottom (drawn first) to top."""
        parent = self._groups.get(group)
        if parent is None:
            return []
        children = [parent.child(i) for i in range(parent.childCount())]
        ids = [str(c.data(0, ROLE_ID)) for c in children if c is not None]
        return ids[::-1]

    def set_notices(self, notices: list[Notice]) -> None:
        self.notices.clear()
        colours = {"error": theme.ERROR, "warning": theme.WARNING, "info": theme.TEXT_MUTED}
        for n in notices:
            item = QListWidgetItem(f"{n.source}: {n.message}")
            item.setForeground(QColor(colours.get(n.level, theme.TEXT)))
            self.notices.addItem(item)
        self.notices_title.setText(
            tr("Avvisi sui dati ({n})", n=len(notices))
            if notices
            else tr("Avvisi sui dati: nessuno")
        )

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        layer_id = item.data(0, ROLE_ID)
        if self._updating or layer_id is None:
            return
        self.visibility_changed.emit(str(layer_id), item.checkState(0) == Qt.CheckState.Checked)

    def _move(self, step: int) -> None:
        item = self.tree.currentItem()
        parent = item.parent() if item is not None else None
        if item is None or parent is None:
            return
        row = parent.indexOfChild(item)
        new = row + step
        if not 0 <= new < parent.childCount():
            return
        self._updating = True
        parent.takeChild(row)
        parent.insertChild(new, item)
        self.tree.setCurrentItem(item)
        self._updating = False
        self.order_changed.emit(self.order(parent.text(0)))


class DetailsPanel(QWidget):
    action = Signal(str, str, str)
    result_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel(tr("Nessuna selezione"))
        self.title.setWordWrap(True)
        self.title.setStyleSheet(f"font-size: {theme.FONT_SIZE_PT + 3}pt; font-weight: bold;")
        layout.addWidget(self.title)
        self.hint = QLabel(tr("Fai clic su un simbolo della mappa per vederne i dettagli."))
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        layout.addWidget(self.hint)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        row = QHBoxLayout()
        self.centre = QPushButton(tr("Centra"))
        self.follow = QPushButton(tr("Segui"))
        self.follow.setCheckable(True)
        self.camera = QPushButton(tr("Apri video"))
        for b in (self.centre, self.follow, self.camera):
            row.addWidget(b)
            b.hide()
        layout.addLayout(row)
        self.centre.clicked.connect(lambda: self._emit("centre"))
        self.follow.clicked.connect(lambda checked: self._emit("follow" if checked else "unfollow"))
        self.camera.clicked.connect(lambda: self._emit("camera"))
        self.results_title = QLabel("")
        self.results_title.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.results_title)
        self.results = QListWidget()
        self.results.itemActivated.connect(self._on_result)
        self.results.itemClicked.connect(self._on_result)
        layout.addWidget(self.results, 1)
        layout.addStretch(1)  # keeps details at the top while the results list is hidden
        self.results.hide()
        self.kind = ""
        self.obj_id = ""

    def _emit(self, action: str) -> None:
        if self.kind:
            self.action.emit(action, self.kind, self.obj_id)

    def show_details(self, details: Details | None, following: bool = False) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        if details is None:
            self.kind = self.obj_id = ""
            self.title.setText(tr("Nessuna selezione"))
            self.hint.show()
            for b in (self.centre, self.follow, self.camera):
                b.hide()
            return
        self.kind, self.obj_id = details.kind, details.id
        self.title.setText(details.title)
        self.hint.hide()
        for label, value in details.rows:
            text = QLabel(value)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(QLabel(label), text)
        self.form.addRow(QLabel(tr("Posizione")), QLabel(f"{details.lat:.5f}, {details.lon:.5f}"))
        self.centre.show()
        self.follow.setVisible(details.kind == "unit")
        self.follow.setChecked(following)
        self.camera.setVisible(details.kind == "camera")

    def show_results(self, title: str, rows: list[tuple[str, str, str]]) -> None:
        """rows: (kind, id, text)."""
        self.results_title.setText(title)
        self.results.clear()
        for kind, obj_id, text in rows:
            item = QListWidgetItem(text)
            item.setData(ROLE_ID, (kind, obj_id))
            self.results.addItem(item)
        if not rows:
            self.results.addItem(QListWidgetItem(tr("Nessun elemento.")))
        self.results.show()

    def result_rows(self) -> list[str]:
        return [self.results.item(i).text() for i in range(self.results.count())]

    def _on_result(self, item: QListWidgetItem) -> None:
        data = item.data(ROLE_ID)
        if isinstance(data, tuple):
            self.result_chosen.emit(str(data[0]), str(data[1]))
