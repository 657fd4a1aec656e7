"""WatchlistScreen: the operator's plates of interest — list, add (reason and expiry required),
remove — shown as a tab of the alerts panel.

The screen shows what the back-end holds (WatchlistStore): a plate just added or removed is
marked "in invio" until the server confirms it, and a refusal is shown in words. Hits of a
watched plate arrive in the queue as ordinary plate-hit alerts (list "watch").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.anpr.plates import PlateFormat, display_plate, normalise_plate, plate_format
from console.anpr.watchlist import WatchlistError, WatchlistStore, WatchRow
from console.i18n import tr
from widgets.common import theme
from widgets.common.commands import run_command

log = logging.getLogger(__name__)

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
FONT = int(Qt.ItemDataRole.FontRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
COLUMNS = ("plate", "state", "reason", "expiry", "added_by", "hits", "last")
# Expiry choices: fixed durations only, so an operator never types a date under pressure.
EXPIRY_CHOICES = (
    ("8 ore", timedelta(hours=8)),
    ("24 ore", timedelta(hours=24)),
    ("3 giorni", timedelta(days=3)),
    ("7 giorni", timedelta(days=7)),
    ("30 giorni", timedelta(days=30)),
    ("90 giorni", timedelta(days=90)),
)
HOUR = timedelta(hours=1)


def _headers() -> tuple[str, ...]:
    return (
        tr("Targa"),
        tr("Stato"),
        tr("Motivo"),
        tr("Scadenza"),
        tr("Inserita da"),
        tr("Segnalazioni"),
        tr("Ultimo passaggio"),
    )


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%d/%m %H:%M") if moment is not None else "—"


class WatchlistModel(QAbstractTableModel):
    """Rows of the store, strings cached per refresh (a few hundred rows at most)."""

    def __init__(self, store: WatchlistStore) -> None:
        super().__init__()
        self.store = store
        self._rows: list[WatchRow] = []
        self._cells: list[tuple[str, ...]] = []
        self._live: list[bool] = []
        self._headers = _headers()
        store.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        now = self.store.clock()
        self._rows = self.store.rows()
        self._live = [r.live(now) for r in self._rows]
        self._cells = [
            self._strings(r, live, now) for r, live in zip(self._rows, self._live, strict=True)
        ]
        self.endResetModel()

    @staticmethod
    def _strings(r: WatchRow, live: bool, now: datetime) -> tuple[str, ...]:
        if r.pending == "add":
            state = tr("in invio")
        elif r.pending == "remove":
            state = tr("rimozione in invio")
        else:
            state = tr("attiva") if live else tr("scaduta")
        last = f"{_when(r.last_hit_at)} {r.last_gate}".strip() if r.last_hit_at else "—"
        left = r.expiry - now
        if not live:
            expiry = _when(r.expiry)
        elif left < timedelta(hours=48):
            expiry = tr("{d} (tra {h} h)", d=_when(r.expiry), h=max(1, round(left / HOUR)))
        else:
            expiry = tr("{d} (tra {n} g)", d=_when(r.expiry), n=left.days)
        return (
            display_plate(r.plate),
            state,
            r.reason,
            expiry,
            r.added_by or "—",
            str(r.hits),
            last,
        )

    def row_at(self, row: int) -> WatchRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = index.row(), index.column()
        role = int(role)
        if role == DISPLAY:
            return self._cells[row][col]
        if role == FOREGROUND:
            r = self._rows[row]
            if r.pending:
                return QColor(theme.WARNING)
            if not self._live[row]:
                return QColor(theme.TEXT_MUTED)
            if COLUMNS[col] == "hits" and r.hits:
                return QColor(theme.PRIORITY[2])
            return None
        if role == FONT and COLUMNS[col] in ("plate", "hits"):
            font = QFont(theme.FONT_FAMILY)
            font.setBold(True)
            return font
        if role == TOOLTIP and COLUMNS[col] == "reason":
            return self._rows[row].reason
        if role == ALIGN and COLUMNS[col] == "hits":
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if (
            int(role) == DISPLAY
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return self._headers[section]
        return None


class WatchlistScreen(QWidget):
    """Signals:
    count_changed(int)  live entries, for the tab title
    """

    count_changed = Signal(int)

    def __init__(
        self,
        store: WatchlistStore,
        session: Callable[[], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._session = session
        self.model = WatchlistModel(store)

        title = QLabel(tr("Targhe sorvegliate"))
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        explain = QLabel(
            tr(
                "Ogni passaggio di queste targhe ai varchi genera un avviso in coda. "
                "Motivo e scadenza sono obbligatori; alla scadenza la targa smette "
                "di generare avvisi."
            )
        )
        explain.setWordWrap(True)
        explain.setStyleSheet(f"color: {theme.TEXT_MUTED};")

        self.plate = QLineEdit()
        self.plate.setPlaceholderText(tr("es. AB 123 CD"))
        self.plate.setMaxLength(20)
        self.plate.textChanged.connect(self._on_plate_typed)
        self.plate_hint = QLabel()
        self.plate_hint.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("perché sorvegliarla (es. segnalazione 112 n. 4521)"))
        self.reason.setMaxLength(500)
        self.expiry = QComboBox()
        self.expiry.addItem(tr("— scegliere la scadenza —"), None)
        for text, delta in EXPIRY_CHOICES:
            self.expiry.addItem(tr(text), delta)
        self.add_button = QPushButton(tr("Aggiungi alla lista"))
        self.add_button.clicked.connect(self.add)
        self.reason.returnPressed.connect(self.add)
        self.plate.returnPressed.connect(self.add)

        form = QGridLayout()
        for col, caption in enumerate((tr("Targa"), tr("Motivo"), tr("Scadenza"))):
            label = QLabel(caption)
            label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
            form.addWidget(label, 0, col)
        form.addWidget(self.plate, 1, 0)
        form.addWidget(self.reason, 1, 1)
        form.addWidget(self.expiry, 1, 2)
        form.addWidget(self.add_button, 1, 3)
        form.addWidget(self.plate_hint, 2, 0, 1, 4)
        form.setColumnStretch(0, 1)
        form.setColumnStretch(1, 3)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((115, 140, 300, 195, 100, 110)):
            self.table.setColumnWidth(col, width)
        self.empty = QLabel(tr("Nessuna targa sorvegliata."))
        self.empty.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.remove_button = QPushButton(tr("Rimuovi la targa selezionata"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setEnabled(False)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.remove_button.setEnabled(self._selected() is not None)
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.empty)
        bottom.addStretch(1)
        bottom.addWidget(self.remove_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(title)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        store.changed.connect(self._on_store_changed)
        store.refused.connect(lambda text: self.show_message(text, error=True))
        self._on_store_changed()

    # --- reading the back-end ------------------------------------------------------------------

    def bind(self) -> None:
        """Follow the session once it exists (the panel is built before the sign-in)."""
        session = self._session() if self._session is not None else None
        load = self.store.bind(session)
        if load is not None:
            self._run(load, quiet=True)

    def refresh(self) -> None:
        """Bind, or reload the snapshot when already bound (after a resync of the stream)."""
        if self.store.session is None:
            self.bind()
        else:
            self._run(self.store.load(), quiet=True)

    def showEvent(self, event: Any) -> None:
        self.bind()
        super().showEvent(event)

    def _on_store_changed(self) -> None:
        now = self.store.clock()
        rows = self.store.rows()
        self.empty.setVisible(not rows)
        self.remove_button.setEnabled(self._selected() is not None)
        self.count_changed.emit(sum(1 for r in rows if r.live(now)))

    # --- operator intent -----------------------------------------------------------------------

    def _on_plate_typed(self, text: str) -> None:
        plate = normalise_plate(text)
        if not plate:
            self.plate_hint.setText("")
            return
        fmt = plate_format(plate)
        if fmt is PlateFormat.ITALIAN:
            hint = tr("Targa italiana {p}", p=display_plate(plate))
        elif fmt in (PlateFormat.ITALIAN_MOTO, PlateFormat.ITALIAN_OLD):
            hint = tr("Targa italiana (moto o vecchio formato) {p}", p=plate)
        else:
            hint = tr("Formato non italiano: {p} verrà cercata così com'è", p=plate)
        self.plate_hint.setText(hint)

    def add(self) -> None:
        self.bind()
        delta = self.expiry.currentData()
        expiry = self.store.clock() + delta if isinstance(delta, timedelta) else None
        plate = normalise_plate(self.plate.text())
        coro = self.store.add(self.plate.text(), self.reason.text(), expiry)
        self._run(coro, done=lambda: self._added(plate))

    def _added(self, plate: str) -> None:
        self.plate.clear()
        self.reason.clear()
        self.expiry.setCurrentIndex(0)
        self.show_message(
            tr("Targa {p} inviata al server: in attesa di conferma.", p=display_plate(plate))
        )

    def remove_selected(self) -> None:
        row = self._selected()
        if row is None:
            self.show_message(tr("Selezionare la targa da rimuovere."), error=True)
            return
        self._run(
            self.store.remove(row.plate),
            done=lambda: self.show_message(
                tr("Rimozione di {p} inviata al server.", p=display_plate(row.plate))
            ),
        )

    def _selected(self) -> WatchRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row_at(rows[0].row()) if rows else None

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        colour = theme.ERROR if error else theme.OK
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def _run(
        self,
        coro: Coroutine[Any, Any, object],
        done: Callable[[], None] | None = None,
        quiet: bool = False,
    ) -> None:
        """Run a store coroutine (see run_command); errors become messages, never exceptions."""
        run_command(
            coro,
            lambda exc: self._finished(exc, done, quiet),
            lambda: self.show_message(
                tr("Comando non inviato: collegamento non pronto."), error=True
            ),
        )

    def _finished(
        self, exc: BaseException | None, done: Callable[[], None] | None, quiet: bool
    ) -> None:
        if isinstance(exc, WatchlistError):
            self.show_message(str(exc), error=True)
        elif exc is not None:
            log.error("watchlist command failed: %s", exc)
            if not quiet:
                self.show_message(tr("Comando non riuscito: riprovare."), error=True)
            else:
                self.show_message(tr("Lista di sorveglianza non caricata dal server."), error=True)
        elif done is not None:
            done()
