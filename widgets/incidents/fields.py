"""Small building blocks of the incident form: the note under a field, the people and vehicle
tables, and coordinate parsing. Kept apart so form.py stays readable."""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.i18n import tr
from console.incidents import plates
from console.incidents.validation import Issue
from widgets.common import theme

_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_COORDS = re.compile(rf"\s*({_NUMBER})\s*[,; ]\s*({_NUMBER})\s*")


def parse_coords(text: str) -> tuple[float, float] | None:
    """'45.4642, 9.1900' or '45,4642 9,1900' -> (lat, lon); None when it is not two numbers."""
    text = text.strip()
    match = _COORDS.fullmatch(text)
    if match is None and text.count(",") == 3:  # "45,4642, 9,1900": decimal commas
        left, _, right = text.partition(", ")
        match = _COORDS.fullmatch(f"{left.replace(',', '.')} {right.replace(',', '.')}")
    if match is None:
        return None
    try:
        return float(match.group(1).replace(",", ".")), float(match.group(2).replace(",", "."))
    except ValueError:
        return None


class FieldNote(QLabel):
    """The message under a field: red when it blocks saving, amber when it only warns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)
        self.issues: list[Issue] = []

    def show_issues(self, issues: list[Issue]) -> None:
        self.issues = issues
        if not issues:
            self.clear()
            self.setVisible(False)
            return
        lines = []
        for issue in issues:
            colour = theme.ERROR if issue.blocks else theme.WARNING
            mark = "✖" if issue.blocks else "⚠"
            lines.append(f"<span style='color:{colour}'>{mark} {html.escape(issue.message)}"
                         "</span>")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText("<br>".join(lines))
        self.setStyleSheet(f"font-size: {theme.FONT_SIZE_PT}pt;")
        self.setVisible(True)


class RowsTable(QWidget):
    """An editable table with add/remove buttons; rows are dicts with the given keys.

    Signals:
        edited()  a cell, a row added or removed
    """

    edited = Signal()

    def __init__(self, keys: list[str], headers: list[str], add_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keys = keys
        self.table = QTableWidget(0, len(keys))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(96)
        self.table.setMaximumHeight(150)
        self.table.itemChanged.connect(lambda _item: self.edited.emit())
        self.add_button = QPushButton(add_text)
        self.remove_button = QPushButton(tr("Rimuovi riga"))
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self._remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def add_row(self, values: dict[str, Any] | None = None) -> None:
        values = values if isinstance(values, dict) else {}
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, key in enumerate(self.keys):
            self.table.setItem(row, col, QTableWidgetItem(str(values.get(key, "") or "")))
        self.table.blockSignals(False)
        self.edited.emit()

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.table.rowCount():
            rows = [self.table.rowCount() - 1]
        for row in rows:
            self.table.removeRow(row)
        self.edited.emit()

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        self.table.blockSignals(False)
        for row in rows:
            self.add_row(row)

    def rows(self) -> list[dict[str, str]]:
        out = []
        for row in range(self.table.rowCount()):
            values = {}
            for col, key in enumerate(self.keys):
                item = self.table.item(row, col)
                values[key] = item.text() if item is not None else ""
            if any(v.strip() for v in values.values()):
                out.append(values)
        return out


class VehiclesTable(RowsTable):
    """Vehicles, with each plate coloured by its check as the operator types."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(["plate", "description"], [tr("Targa"), tr("Descrizione")],
                         tr("+ Veicolo"), parent)
        self.edited.connect(self._colour_plates)

    def _colour_plates(self) -> None:
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is None:
                continue
            checked = plates.check(item.text())
            colour = (theme.ERROR if checked.blocks else
                      theme.WARNING if not checked.ok else theme.TEXT)
            item.setForeground(QColor(colour))
            item.setToolTip(checked.message or tr("Targa valida ({kind})", kind=checked.kind))
            item.setData(Qt.ItemDataRole.UserRole, checked.kind.value)
        self.table.blockSignals(False)
