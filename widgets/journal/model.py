"""The rows of the event log: display strings made once per event, inserted in batches, capped.

A back-end can send hundreds of events a second; the model does the formatting when an event
arrives (not on every repaint), compares roles as ints (DESIGN §8), and trims the oldest rows in
one removal so a 12-hour shift cannot grow memory without bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from console.api.contract import Event
from console.i18n import tr
from widgets.common import theme
from widgets.journal.describe import event_time, summary, type_label

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
HORIZONTAL = Qt.Orientation.Horizontal

COL_TIME, COL_TYPE, COL_SUMMARY = range(3)
HEADERS = ("Ora", "Tipo", "Dettagli")
_ALIGN_TIME = int(Qt.AlignmentFlag.AlignCenter)

_PRIORITY_COLOURS = {p: QColor(c) for p, c in theme.PRIORITY.items() if p <= 2}
_EXERCISE = QColor(theme.EXERCISE)
_SENSOR_COLOURS = {"alarm": _PRIORITY_COLOURS[1], "attention": _PRIORITY_COLOURS[2]}


@dataclass(frozen=True, slots=True)
class Row:
    event_id: int
    event_type: str
    time: str
    type_text: str
    summary: str
    colour: QColor | None


def make_row(event: Event, kiosk: bool = False, received: datetime | None = None) -> Row:
    data = event.data if isinstance(event.data, dict) else {}
    when = event_time(data) or received or datetime.now()
    colour: QColor | None = None
    priority = data.get("priority")
    if data.get("exercise"):
        colour = _EXERCISE
    elif isinstance(priority, int) and event.event.startswith(("alert.", "incident.")):
        colour = _PRIORITY_COLOURS.get(priority)
    elif event.event == "sensor.reading":
        colour = _SENSOR_COLOURS.get(str(data.get("level", "")))
    return Row(
        event.id, event.event, when.strftime("%H:%M:%S"), type_label(event.event),
        summary(event.event, data, kiosk), colour,
    )


class EventTableModel(QAbstractTableModel):
    def __init__(self, max_rows: int = 5000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.max_rows = max(1, max_rows)
        self._rows: list[Row] = []
        self._headers = [tr(h) for h in HEADERS]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> object:
        role = int(role)
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == DISPLAY:
            if column == COL_TIME:
                return row.time
            return row.type_text if column == COL_TYPE else row.summary
        if role == FOREGROUND:
            return row.colour if column != COL_TIME else None
        if role == TOOLTIP:
            return f"#{row.event_id} {row.event_type}\n{row.summary}"
        if role == ALIGN and column == COL_TIME:
            return _ALIGN_TIME
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> object:
        if int(role) == DISPLAY and orientation == HORIZONTAL and 0 <= section < 3:
            return self._headers[section]
        return None

    def rows(self) -> list[Row]:
        return list(self._rows)

    def append_rows(self, rows: list[Row]) -> None:
        """Add at the bottom in one insertion, then trim the oldest in one removal."""
        if not rows:
            return
        rows = rows[-self.max_rows:]
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()
        excess = len(self._rows) - self.max_rows
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            del self._rows[:excess]
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self.endResetModel()
