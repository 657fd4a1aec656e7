"""The incident's timeline as a read-only list: time, who, what, coloured by source."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from console.i18n import tr
from console.incidents.timeline import Entry
from widgets.common import theme

_COLOURS = {"status": theme.TEXT, "local": theme.WARNING, "alert": theme.PRIORITY[2],
            "message": theme.ACCENT}


class TimelineView(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"font-size: {theme.FONT_SIZE_PT}pt;")

    def set_entries(self, entries: list[Entry]) -> None:
        self.clear()
        if not entries:
            self.addItem(tr("Nessun passaggio registrato."))
            return
        for e in entries:
            when = e.at.astimezone().strftime("%d/%m %H:%M:%S")
            who = f" — {e.user}" if e.user else ""
            item = QListWidgetItem(f"{when}  {e.text}{who}")
            item.setForeground(QColor(_COLOURS.get(e.kind, theme.TEXT)))
            self.addItem(item)
        self.scrollToBottom()
