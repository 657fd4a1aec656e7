"""Registro eventi: what the back-end has been saying, live, in the operator's words.

Fed by the EventJournal (signal `events_added(list[Event])`). Incoming batches are coalesced to
at most four model insertions a second. "Segui" keeps the newest row in view; switching it off
freezes the grid (new events wait, counted) so an operator can read without rows moving.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.api.contract import Event
from console.i18n import tr
from widgets.common import theme
from widgets.common.timers import make_timer
from widgets.journal.model import COL_SUMMARY, COL_TIME, COL_TYPE, EventTableModel, Row, make_row

log = logging.getLogger(__name__)

# A log read by people needs no more than a few updates a second; each repaint of a full-screen
# table costs tens of milliseconds of software rendering on a 2-core workstation.
FLUSH_MS = 250
POSITIONS = "unit.moved"
NO_EVENTS_YET = "Nessun evento ricevuto finora: il registro si aggiorna da solo."


class EventLogPanel(QWidget):
    def __init__(
        self,
        journal: object | None,
        types: Sequence[str] = (),
        include_positions: bool = False,
        kiosk: bool = False,
        max_rows: int = 5000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("eventLog")
        self._journal = journal
        self._types = tuple(types)
        self._kiosk = kiosk
        self._pending: list[Row] = []
        self._waiting: list[Row] = []  # arrived while paused
        self.model = EventTableModel(max_rows, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText(tr("Filtra: tipo, unità, testo…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter_changed)
        self.positions = QCheckBox(tr("Posizioni unità"))
        self.positions.setToolTip(tr("Mostra anche gli spostamenti delle unità (molto frequenti)."))
        self.positions.setChecked(include_positions)
        self.positions.setVisible(self._wants(POSITIONS, ignore_positions=True))
        self.follow = QPushButton(tr("Segui"))
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setToolTip(tr("Attivo: mostra sempre gli ultimi eventi. Spento: la lista "
                                  "resta ferma e i nuovi eventi attendono."))
        self.follow.toggled.connect(self._on_follow_toggled)
        self.count = QLabel()
        self.count.setStyleSheet(f"color: {theme.TEXT_MUTED};")

        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.positions)
        bar.addWidget(self.count)
        bar.addWidget(self.follow)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_TIME, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(COL_TYPE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(COL_TIME, 96)
        self.table.setColumnWidth(COL_TYPE, 210)

        # Said in the grid itself, so an empty log never looks like a broken one.
        self.empty = QLabel(self.table.viewport())
        self.empty.setStyleSheet(f"color: {theme.TEXT_MUTED}; background: transparent;")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        grid = QWidget()
        grid_layout = QVBoxLayout(grid)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addLayout(bar)
        grid_layout.addWidget(self.table, 1)

        self.offline = QLabel(
            tr("Nessuna connessione al back-end")
            + "\n\n"
            + tr("Il registro si riempirà appena la console sarà collegata.")
        )
        self.offline.setObjectName("offline")
        self.offline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.offline.setWordWrap(True)
        self.offline.setStyleSheet(
            f"color: {theme.TEXT_MUTED}; font-size: {theme.FONT_SIZE_PT + 2}pt;"
        )

        self._stack = QStackedLayout(self)
        self._stack.addWidget(grid)
        self._stack.addWidget(self.offline)
        self._flush_timer = make_timer(self, FLUSH_MS, self._flush, single_shot=True, start=False)
        self.positions.toggled.connect(self._on_positions_toggled)

        self._signal = getattr(journal, "events_added", None)
        if self._signal is None:
            self._stack.setCurrentWidget(self.offline)
            self._journal = None
        else:
            self._stack.setCurrentIndex(0)
            self._signal.connect(self._on_events_added)
            self._take(self._history(), received=None)
            self._flush()
        self._update_count()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.empty.setGeometry(self.table.viewport().rect())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.empty.setGeometry(self.table.viewport().rect())
        if self.follow.isChecked():
            self.table.scrollToBottom()

    @property
    def connected(self) -> bool:
        return self._journal is not None

    def shutdown(self) -> None:
        """Stop listening: the shell calls this before the window goes."""
        self._flush_timer.stop()
        if self._signal is not None:
            try:
                self._signal.disconnect(self._on_events_added)
            except (RuntimeError, TypeError):
                log.debug("journal already disconnected")
            self._signal = None
        self._journal = None

    # --- incoming ---

    def _history(self) -> list[Event]:
        for name in ("events", "recent"):
            getter = getattr(self._journal, name, None)
            if callable(getter):
                try:
                    return list(getter())
                except Exception:
                    log.exception("journal history unavailable")
                    return []
        return []

    def _wants(self, event_type: str, ignore_positions: bool = False) -> bool:
        if event_type == POSITIONS and not ignore_positions and not self.positions.isChecked():
            return False
        return not self._types or event_type.startswith(self._types)

    def _on_events_added(self, events: list[Any]) -> None:
        self._take(events, received=datetime.now())
        if self._pending and not self._flush_timer.isActive():
            self._flush_timer.start()

    def _take(self, events: Sequence[Any], received: datetime | None) -> None:
        for event in events:
            if not isinstance(event, Event) or not self._wants(event.event):
                continue
            try:
                self._pending.append(make_row(event, self._kiosk, received))
            except Exception:
                log.exception("event %r could not be shown", getattr(event, "id", "?"))

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        if not self.follow.isChecked():
            self._waiting.extend(rows)
            del self._waiting[: -self.model.max_rows]
        else:
            self.model.append_rows(rows)
            self.table.scrollToBottom()
        self._update_count()

    # --- operator ---

    def _on_follow_toggled(self, following: bool) -> None:
        if following and self._waiting:
            waiting, self._waiting = self._waiting, []
            self.model.append_rows(waiting)
        if following:
            self.table.scrollToBottom()
        self._update_count()

    def _on_filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _on_positions_toggled(self, _checked: bool) -> None:
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if total == 0:
            self.empty.setText(tr(NO_EVENTS_YET))
        elif shown == 0:
            self.empty.setText(tr("Nessun evento corrisponde al filtro."))
        self.empty.setVisible(shown == 0)
        text = tr("{n} eventi", n=total) if shown == total else tr(
            "{shown} di {n} eventi", shown=shown, n=total
        )
        if self._waiting:
            text += "  " + tr("· {n} nuovi in attesa", n=len(self._waiting))
            self.follow.setText(tr("In pausa"))
        else:
            self.follow.setText(tr("Segui") if self.follow.isChecked() else tr("In pausa"))
        self.count.setText(text)
