"""The strip at the bottom of every window: is the back-end there, who is working, in which mode,
is this an exercise, the latest announcement, and the time.

All strips read one StatusModel and one Clock, so every screen of a workstation says the same.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from console.i18n import tr
from console.status import StatusModel
from widgets.common import theme
from widgets.common.elided import ElidedLabel
from widgets.common.timers import make_timer

LEVEL_COLOUR = {
    "ok": theme.OK,
    "info": theme.TEXT,
    "warn": theme.WARNING,
    "error": theme.ERROR,
}

MODE_TITLE = {
    "radio-room": "Sala radio",
    "video-room": "Videosorveglianza",
    "tactical-table": "Tavolo tattico",
    "videowall": "Videowall",
    "crisis-room": "Sala crisi",
}


class Clock(QObject):
    """One second tick shared by every strip.

    Signals:
        tick(text: str)   local time as HH:MM:SS
    """

    tick = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = make_timer(self, 1000, self._emit)

    def now_text(self) -> str:
        return datetime.now().strftime("%H:%M:%S")

    def _emit(self) -> None:
        self.tick.emit(self.now_text())

    def stop(self) -> None:
        self._timer.stop()


class StatusStrip(QWidget):
    def __init__(
        self,
        model: StatusModel,
        clock: Clock,
        menu: QMenu | None = None,
        show_operator: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self._model = model
        self._show_operator = show_operator
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        row.setSpacing(16)

        self.dot = QLabel("●")
        self.connection = ElidedLabel()
        self.connection.setMaximumWidth(640)
        self.operator = ElidedLabel()
        self.operator.setMaximumWidth(320)
        self.mode = QLabel()
        self.training = QLabel(tr("ADDESTRAMENTO"))
        self.training.setObjectName("trainingBadge")
        self.training.setToolTip(tr("Dati di esercitazione: non sono eventi reali."))
        self.notice = ElidedLabel(stretch=True)
        self.clock = QLabel(clock.now_text())
        self.clock.setObjectName("clock")

        connection = QHBoxLayout()
        connection.setSpacing(6)
        connection.addWidget(self.dot)
        connection.addWidget(self.connection)
        row.addLayout(connection)
        row.addWidget(self.operator)
        row.addWidget(self.mode)
        row.addWidget(self.training)
        row.addWidget(self.notice, 1)
        if menu is not None:
            self.menu_button = QToolButton()
            self.menu_button.setText(tr("Disposizione"))
            self.menu_button.setMenu(menu)
            self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            row.addWidget(self.menu_button)
        row.addWidget(self.clock)

        model.changed.connect(self._on_status_changed)
        clock.tick.connect(self.clock.setText)
        self._on_status_changed()

    def _on_status_changed(self) -> None:
        model = self._model
        colour = LEVEL_COLOUR.get(model.connection_level, theme.TEXT)
        self.dot.setStyleSheet(f"color: {colour}; font-size: {theme.FONT_SIZE_PT + 3}pt;")
        self.connection.setText(model.connection_text or tr("Back-end: stato sconosciuto"))
        self.operator.setVisible(self._show_operator and bool(model.operator))
        self.operator.setText(tr("Operatore: {name}", name=model.operator))
        self.mode.setText(tr(MODE_TITLE.get(model.mode, model.mode)))
        self.mode.setVisible(bool(model.mode))
        self.training.setVisible(model.training)
        notice = model.latest_notice
        if notice is None:
            self.notice.clear()
            self.notice.setToolTip("")
        else:
            self.notice.setText(f"{notice.at:%H:%M}  {notice.text}")
            self.notice.setToolTip(
                "\n".join(f"{n.at:%H:%M:%S}  {n.text}" for n in model.notices[-10:])
            )
            self.notice.setStyleSheet(f"color: {LEVEL_COLOUR.get(notice.level, theme.TEXT)};")
