"""The list of incidents, most urgent and newest first, with drafts the server has not seen yet.

Signals (IncidentList):
    chosen(str)  incident id, or "draft:<draft id>" for a local draft
    new_requested()
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.api import contract
from console.i18n import tr
from console.incidents import lifecycle, taxonomy
from console.incidents.drafts import Draft
from widgets.common import theme

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_USER = int(Qt.ItemDataRole.UserRole)
Index = QModelIndex | QPersistentModelIndex


def _age(at: datetime, now: datetime) -> str:
    minutes = int((now - at).total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


class IncidentListModel(QAbstractTableModel):
    HEADERS = ("P", "Tipo", "Luogo", "Stato", "Da")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[str, int, list[str]]] = []  # key, priority, cached texts

    def set_items(self, incidents: list[contract.Incident], drafts: list[Draft]) -> None:
        now = datetime.now(UTC)
        rows: list[tuple[str, int, list[str]]] = []
        for d in drafts:
            if d.incident_id:
                continue
            prio = int(d.data.get("priority") or 3)
            kind = taxonomy.get(str(d.data.get("type") or "")).label if d.data.get("type") else "—"
            rows.append((f"draft:{d.draft_id}", prio, [
                f"P{prio}", kind, str(d.data.get("address") or d.data.get("comune") or ""),
                tr("Bozza (in attesa)") if d.state == "pending" else tr("Bozza"), ""]))
        for i in incidents:
            rows.append((i.id, i.priority, [
                f"P{i.priority}", taxonomy.get(i.type).label,
                i.address or i.nil or i.comune, lifecycle.label(i.status.value),
                _age(i.created_at, now)]))
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def key(self, row: int) -> str:
        return self._rows[row][0]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if int(role) == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return tr(self.HEADERS[section])
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        key, prio, texts = self._rows[index.row()]
        role = int(role)
        if role == _DISPLAY:
            return texts[index.column()]
        if role == _BACKGROUND and index.column() == 0:
            return QColor(theme.PRIORITY.get(prio, theme.SURFACE))
        if role == _FOREGROUND:
            if index.column() == 0:
                return QColor(theme.PRIORITY_TEXT.get(prio, theme.TEXT))
            if key.startswith("draft:"):
                return QColor(theme.WARNING)
        if role == _USER:
            return key
        return None


class IncidentList(QWidget):
    chosen = Signal(str)
    new_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = IncidentListModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 36), (1, 150), (3, 80), (4, 56)):
            self.view.setColumnWidth(col, width)
        self.view.clicked.connect(lambda idx: self.chosen.emit(self.model.key(idx.row())))
        self.open_only = QCheckBox(tr("Solo aperti"))
        self.open_only.setChecked(True)
        new_button = QPushButton(tr("+ Nuovo evento"))
        new_button.clicked.connect(self.new_requested)
        self.empty = QLabel()
        self.empty.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.empty.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(new_button)
        top.addStretch(1)
        top.addWidget(self.open_only)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)

    def set_items(self, incidents: list[contract.Incident], drafts: list[Draft],
                  note: str = "") -> None:
        self.model.set_items(incidents, drafts)
        self.empty.setText(note or (tr("Nessun evento aperto.") if not self.model.rowCount()
                                    else ""))
        self.empty.setVisible(bool(self.empty.text()))
