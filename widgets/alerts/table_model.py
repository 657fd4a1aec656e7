"""AlertTableModel: the queue as rows sorted by priority then age, cheap at any size.

- Roles are compared as ints and display strings are cached per alert (DESIGN §8): data() on a
  visible cell is a list index and a dict lookup.
- Inserts are coalesced to at most 30 Hz (leading edge: the first alert after a quiet spell is
  not delayed); each flush sorts the batch and inserts every contiguous
  run with one beginInsertRows (new alerts are the newest of their priority, so a burst costs at
  most one insert per priority). An unacknowledged P1 bypasses the wait and is inserted at once.
- Filtering happens here, not in a proxy: a proxy's Python filterAcceptsRow over a million rows
  would freeze the GUI.
- Painting: the queue's delegate asks `look(row)` once per cell for a ready-made tuple (text,
  font, palette, brush, icon, alignment) instead of letting Qt ask data() role by role. Looks are
  cached per alert; age, SLA, the P1 flash and a snooze's muted colour are redone once per tick
  (`tick()`, twice a second), against the time of that tick. data() stays live and is the
  reference the looks are tested against.

Signals:
    p1_inserted(str)  an unacknowledged P1 row was just inserted (the queue flashes and sounds)
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPalette, QPixmap

from console.alerts.record import AlertRecord
from console.alerts.store import AlertStore
from console.api.contract import AlertState
from console.i18n import tr
from widgets.alerts import labels
from widgets.common import theme

# Qt.ItemDataRole as plain ints: an enum comparison costs ~9 µs in data().
DISPLAY, DECORATION, TOOLTIP, FONT, ALIGN, BACKGROUND, FOREGROUND = 0, 1, 3, 6, 7, 8, 9
ALERT_ID_ROLE = 0x0100  # Qt.UserRole
PRIORITY_ROLE = 0x0101
RECORD_ROLE = 0x0102

COLUMNS = ("prio", "type", "subject", "place", "age", "state", "owner", "sla")
COL_PRIO, COL_TYPE, COL_SUBJECT, COL_PLACE, COL_AGE, COL_STATE, COL_OWNER, COL_SLA = range(8)
FLUSH_MS = 33  # <= 30 Hz
OFFSCREEN_FLUSH_MS = 250  # inserts below the visible rows

Index = QModelIndex | QPersistentModelIndex
Key = tuple[int, float, int]
Filter = Callable[[AlertRecord], bool]
# What a delegate needs to style one cell: text, (font, its metrics), a palette whose Text brush
# is the cell's foreground, background brush, icon, alignment (None: the view's default), then
# for painting without the style: the text colour (never None) and the icon's pixmap.
CellLook = tuple[
    str,
    tuple[QFont, QFontMetrics] | None,
    QPalette | None,
    QBrush | None,
    QIcon | None,
    Qt.AlignmentFlag | None,
    QColor,
    QPixmap | None,
]


def _key(rec: AlertRecord) -> Key:
    return (rec.priority, rec.created_at.timestamp(), rec.seq)


class AlertTableModel(QAbstractTableModel):
    p1_inserted = Signal(str)

    def __init__(
        self,
        store: AlertStore,
        clock: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.clock = clock or store.clock
        self._rows: list[str] = []
        self._keys: list[Key] = []
        self._key_of: dict[str, Key] = {}
        self._cache: dict[str, tuple[str, ...]] = {}
        self._cells: dict[str, list[dict[int, Any]]] = {}
        self._pending: dict[str, None] = {}
        self._accept: Filter = lambda rec: rec.state != AlertState.CLOSED
        self._flash_on = False
        # Looks for the delegate: static per alert, and per tick (age, SLA, flash, snooze).
        self._static_looks: dict[str, list[CellLook]] = {}
        self._looks: dict[str, list[CellLook]] = {}
        self._now = self.clock()
        self._palette = QPalette()
        self._palettes: dict[int, QPalette] = {}
        # Last row index on screen; the view keeps it current (default: every row counts).
        self.visible_until = 1 << 62
        self.inserts = 0  # beginInsertRows calls, for tests and benchmarks
        self._headers = [
            tr("P"),
            tr("Tipo"),
            tr("Oggetto"),
            tr("Luogo"),
            tr("Età"),
            tr("Stato"),
            tr("Operatore"),
            tr("SLA"),
        ]
        self._bold = QFont(theme.FONT_FAMILY, theme.FONT_SIZE_PT)
        self._bold.setBold(True)
        self._prio_bg = {p: QColor(c) for p, c in theme.PRIORITY.items()}
        self._prio_fg = {p: QColor(c) for p, c in theme.PRIORITY_TEXT.items()}
        self._flash_bg = QColor(theme.PRIORITY[1])
        self._flash_bg.setAlpha(90)
        self._muted = QColor(theme.TEXT_MUTED)
        self._error = QColor(theme.ERROR)
        self._exercise = QColor(theme.EXERCISE)
        self._center = int(Qt.AlignmentFlag.AlignCenter)
        self._center_flag = Qt.AlignmentFlag.AlignCenter
        self._flash_brush = QBrush(self._flash_bg)
        self._bold_pair = (self._bold, QFontMetrics(self._bold))
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        store.alerts_added.connect(self._on_alerts_added)
        store.alerts_changed.connect(self._on_alerts_changed)
        store.alerts_removed.connect(self._on_alerts_removed)
        store.alerts_reset.connect(self.rebuild)
        store.p1_arrived.connect(self._on_p1_arrived)
        self.rebuild()

    # --- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role == DISPLAY and orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None

    # flags() is not overridden: QAbstractTableModel's C++ answer (enabled, selectable, no
    # children) is the one wanted, and views ask it for every painted cell.

    def multiData(self, index: Index, span: Any) -> None:  # span: QModelRoleDataSpan
        """Every role of one cell in one Python call (views ask seven roles per cell).

        Qt 6 views fill their style options through multiData; answering it here instead of
        letting Qt call data() role by role cut the queue's repaint time by more than half.
        """
        row = index.row()
        if row >= len(self._rows) or row < 0:
            return
        alert_id = self._rows[row]
        col = index.column()
        prio = self._key_of[alert_id][0]
        items = (span,) if isinstance(span, QModelRoleData) else span
        # Every role gets a value, None included: the view reuses the span from cell to cell,
        # so a role left untouched would show the previous cell's value.
        rec = self.store.get(alert_id)
        if rec is not None and rec.snoozed_until is None:
            # Fast path: everything but age, SLA text and a P1's flash is cached per cell.
            cells = self._cells.get(alert_id)
            if cells is None:
                cells = self._make_cells(alert_id, prio)
            get = cells[col].get
            flash = prio == 1 and col != COL_PRIO and self.flash_on and rec.state is AlertState.NEW
            if col in (COL_AGE, COL_SLA) or flash:
                for item in items:
                    role = item.role()
                    if role == DISPLAY and col in (COL_AGE, COL_SLA):
                        item.setData(self._display(alert_id, col))
                    elif role == BACKGROUND and flash:
                        item.setData(self._flash_bg)
                    else:
                        item.setData(get(role))
            else:
                for item in items:
                    item.setData(get(item.role()))
            return
        for item in items:
            role = item.role()
            value: Any = None
            if role == DISPLAY:
                value = self._display(alert_id, col)
            elif role == FONT:
                if prio == 1 or col == COL_PRIO:
                    value = self._bold
            elif role == BACKGROUND:
                value = self._background(alert_id, col, prio)
            elif role == FOREGROUND:
                value = self._foreground(alert_id, col, prio)
            elif role == DECORATION:
                if col == COL_TYPE:
                    rec = self.store.get(alert_id)
                    if rec is not None:
                        value = labels.type_pixmap(rec.type, rec.priority)
            elif role == ALIGN:
                if col in (COL_PRIO, COL_AGE, COL_SLA):
                    value = self._center
            elif role >= ALERT_ID_ROLE or role == TOOLTIP:
                value = self.data(index, role)
            item.setData(value)  # CheckState and other roles: None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        row, col = index.row(), index.column()
        if not index.isValid() or row >= len(self._rows):
            return None
        alert_id = self._rows[row]
        if role == DISPLAY:
            return self._display(alert_id, col)
        if role == ALERT_ID_ROLE:
            return alert_id
        prio = self._key_of[alert_id][0]
        if role == PRIORITY_ROLE:
            return prio
        if role == RECORD_ROLE:
            return self.store.get(alert_id)
        if role == BACKGROUND:
            return self._background(alert_id, col, prio)
        if role == FOREGROUND:
            return self._foreground(alert_id, col, prio)
        if role == FONT:
            return self._bold if prio == 1 or col == COL_PRIO else None
        if role == DECORATION and col == COL_TYPE:
            rec = self.store.get(alert_id)
            return labels.type_pixmap(rec.type, rec.priority) if rec else None
        if role == ALIGN and col in (COL_PRIO, COL_AGE, COL_SLA):
            return self._center
        if role == TOOLTIP:
            rec = self.store.get(alert_id)
            return labels.tooltip(rec) if rec else None
        return None

    def _display(self, alert_id: str, col: int) -> str:
        if col in (COL_AGE, COL_SLA):
            return self._display_at(alert_id, col, self.clock())
        cache = self._cache.get(alert_id)
        if cache is None:
            cache = self._make_cache(alert_id)
        return cache[col]

    def _display_at(self, alert_id: str, col: int, now: datetime) -> str:
        if col == COL_AGE:
            rec = self.store.get(alert_id)
            return labels.age(rec.created_at, now) if rec else ""
        if col == COL_SLA:
            rec = self.store.get(alert_id)
            return labels.sla(rec, now) if rec else ""
        cache = self._cache.get(alert_id)
        if cache is None:
            cache = self._make_cache(alert_id)
        return cache[col]

    def _background(self, alert_id: str, col: int, prio: int) -> QColor | None:
        if col == COL_PRIO:
            return self._prio_bg[prio]
        if prio == 1 and self.flash_on and self._unacked(alert_id):
            return self._flash_bg
        return None

    def _decoration(self, alert_id: str) -> Any:
        rec = self.store.get(alert_id)
        return labels.type_pixmap(rec.type, rec.priority) if rec else None

    def _foreground(
        self, alert_id: str, col: int, prio: int, now: datetime | None = None
    ) -> QColor | None:
        if col == COL_PRIO:
            return self._prio_fg[prio]
        rec = self.store.get(alert_id)
        if rec is None:
            return None
        if col == COL_SLA and rec.escalated:
            return self._error
        if col == COL_TYPE and rec.exercise:
            return self._exercise
        if rec.snoozed_until is not None and rec.snoozed_until > (now or self.clock()):
            return self._muted
        return None

    # --- looks for the delegate --------------------------------------------------------------

    @property
    def flash_on(self) -> bool:
        """Whether unacknowledged P1 rows are in the lit half of their 1 Hz flash."""
        return self._flash_on

    @flash_on.setter
    def flash_on(self, value: bool) -> None:
        if value != self._flash_on:
            self._flash_on = value
            self._looks.clear()

    def set_palette(self, palette: QPalette) -> None:
        """The view's palette: a cell's foreground colour is painted as its Text brush."""
        self._palette = QPalette(palette)
        self._palettes.clear()
        self._static_looks.clear()
        self._looks.clear()

    def look(self, row: int) -> list[CellLook] | None:
        """Per column, how a row is painted now (None outside the rows).

        The delegate calls this for every painted cell: after the first cell of a row it is two
        dictionary lookups.
        """
        if row < 0 or row >= len(self._rows):
            return None
        alert_id = self._rows[row]
        look = self._looks.get(alert_id)
        return look if look is not None else self._make_look(alert_id)

    def _make_look(self, alert_id: str) -> list[CellLook]:
        rec = self.store.get(alert_id)
        prio = self._key_of[alert_id][0]
        if rec is not None and rec.snoozed_until is not None:
            # Muted while snoozed: the colour depends on the time, rebuild it every tick.
            look = [self._cell_look(self._role_values(alert_id, col, prio)) for col in range(8)]
        else:
            static = self._static_looks.get(alert_id)
            if static is None:
                cells = self._cells.get(alert_id) or self._make_cells(alert_id, prio)
                static = [self._cell_look(cell) for cell in cells]
                self._static_looks[alert_id] = static
            look = list(static)
            if rec is not None:
                now = self._now
                age, sla = look[COL_AGE], look[COL_SLA]
                look[COL_AGE] = (labels.age(rec.created_at, now), *age[1:])
                look[COL_SLA] = (labels.sla(rec, now), *sla[1:])
                if prio == 1 and self._flash_on and rec.state is AlertState.NEW:
                    flash = self._flash_brush
                    for col in range(1, len(look)):
                        cell = look[col]
                        look[col] = (*cell[:3], flash, *cell[4:])
        self._looks[alert_id] = look
        return look

    def _role_values(self, alert_id: str, col: int, prio: int) -> dict[int, Any]:
        """Every painted role of one cell, computed now (the slow path, as data() answers)."""
        return {
            DISPLAY: self._display_at(alert_id, col, self._now),
            FONT: self._bold if prio == 1 or col == COL_PRIO else None,
            BACKGROUND: self._background(alert_id, col, prio),
            FOREGROUND: self._foreground(alert_id, col, prio, self._now),
            ALIGN: self._center if col in (COL_PRIO, COL_AGE, COL_SLA) else None,
            DECORATION: self._decoration(alert_id) if col == COL_TYPE else None,
        }

    def _cell_look(self, cell: dict[int, Any]) -> CellLook:
        font = cell.get(FONT)
        fg = cell.get(FOREGROUND)
        bg = cell.get(BACKGROUND)
        pixmap = cell.get(DECORATION)
        return (
            cell.get(DISPLAY) or "",
            (self._bold_pair if font is self._bold else (font, QFontMetrics(font)))
            if font is not None
            else None,
            self._palette_for(fg) if fg is not None else None,
            (self._flash_brush if bg is self._flash_bg else QBrush(bg)) if bg is not None else None,
            QIcon(pixmap) if pixmap is not None else None,
            self._center_flag if cell.get(ALIGN) is not None else None,
            fg if fg is not None else self._palette.color(QPalette.ColorRole.Text),
            pixmap,
        )

    def _palette_for(self, colour: QColor) -> QPalette:
        key = colour.rgba()
        palette = self._palettes.get(key)
        if palette is None:
            palette = QPalette(self._palette)
            palette.setBrush(QPalette.ColorRole.Text, QBrush(colour))
            self._palettes[key] = palette
        return palette

    # --- rows --------------------------------------------------------------------------------

    def alert_id(self, row: int) -> str | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, alert_id: str) -> int:
        key = self._key_of.get(alert_id)
        if key is None:
            return -1
        pos = bisect.bisect_left(self._keys, key)
        return pos if pos < len(self._rows) and self._rows[pos] == alert_id else -1

    def set_filter(self, accept: Filter) -> None:
        self._accept = accept
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute every row (filter change, snapshot): one model reset."""
        self.beginResetModel()
        self._pending.clear()
        accept = self._accept
        items = [(_key(r), r.id) for r in self.store.rows() if accept(r)]
        items.sort()
        self._keys = [k for k, _ in items]
        self._rows = [i for _, i in items]
        self._key_of = dict(zip(self._rows, self._keys, strict=True))
        self._cache.clear()
        self._cells.clear()
        self._static_looks.clear()
        self._looks.clear()
        self.endResetModel()

    def _make_cells(self, alert_id: str, prio: int) -> list[dict[int, Any]]:
        """Per column, the role values that change only when the alert does."""
        rec = self.store.get(alert_id)
        cells: list[dict[int, Any]] = []
        for col in range(len(COLUMNS)):
            cell: dict[int, Any] = {
                DISPLAY: self._display(alert_id, col),
                # A P1's flash is not cached: multiData adds it while the row flashes.
                BACKGROUND: self._prio_bg[prio] if col == COL_PRIO else None,
                FOREGROUND: self._foreground(alert_id, col, prio),
            }
            if col == COL_PRIO or prio == 1:
                cell[FONT] = self._bold
            if col in (COL_PRIO, COL_AGE, COL_SLA):
                cell[ALIGN] = self._center
            if col == COL_TYPE and rec is not None:
                cell[DECORATION] = labels.type_pixmap(rec.type, rec.priority)
            cells.append(cell)
        self._cells[alert_id] = cells
        return cells

    def _make_cache(self, alert_id: str) -> tuple[str, ...]:
        rec = self.store.get(alert_id)
        cache = labels.row_strings(rec) if rec else ("",) * len(COLUMNS)
        self._cache[alert_id] = cache
        return cache

    def _unacked(self, alert_id: str) -> bool:
        rec = self.store.get(alert_id)
        return rec is not None and rec.state == AlertState.NEW

    def unacked_p1(self) -> list[int]:
        """Rows of unacknowledged P1 alerts (they sit at the top: the scan stops early)."""
        out = []
        for row, key in enumerate(self._keys):
            if key[0] != 1:
                break
            if self._unacked(self._rows[row]):
                out.append(row)
        return out

    # --- store events ------------------------------------------------------------------------

    def _on_alerts_added(self, ids: list[str]) -> None:
        on_screen = False
        get, keys, limit = self.store.get, self._keys, self.visible_until
        for alert_id in ids:
            if alert_id not in self._key_of:
                self._pending[alert_id] = None
                if not on_screen:
                    rec = get(alert_id)
                    on_screen = rec is not None and bisect.bisect_right(keys, _key(rec)) <= limit
        if not self._pending:
            return
        # Leading edge: a new row that lands on screen is shown on the next loop iteration when
        # the queue was quiet, and flushes stay at least FLUSH_MS apart (<= 30 Hz). Rows that
        # land below the visible part change no pixel but the scroll bar: they wait longer.
        since = (time.monotonic() - self._last_flush) * 1000
        delay = max(0, int((FLUSH_MS if on_screen else OFFSCREEN_FLUSH_MS) - since))
        if not self._timer.isActive() or self._timer.remainingTime() > delay:
            self._timer.start(delay)

    def _on_p1_arrived(self, alert_id: str) -> None:
        """The P1 lane: no waiting for the next flush."""
        rec = self.store.get(alert_id)
        if rec is None or alert_id in self._key_of or not self._accept(rec):
            return
        self._pending.pop(alert_id, None)
        self._insert_sorted([(_key(rec), alert_id)])
        self.p1_inserted.emit(alert_id)

    def flush(self) -> None:
        """Insert everything pending, one beginInsertRows per contiguous run."""
        self._timer.stop()
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        items = []
        accept, get = self._accept, self.store.get
        for alert_id in pending:
            rec = get(alert_id)
            if rec is not None and alert_id not in self._key_of and accept(rec):
                items.append((_key(rec), alert_id))
        if items:
            items.sort()
            self._insert_sorted(items)

    def _insert_sorted(self, items: list[tuple[Key, str]]) -> None:
        keys = self._keys
        start = 0
        while start < len(items):
            pos = bisect.bisect_right(keys, items[start][0])
            end = start + 1
            # Extend the run while the next item lands at the same position.
            limit = keys[pos] if pos < len(keys) else None
            while end < len(items) and (limit is None or items[end][0] < limit):
                end += 1
            run = items[start:end]
            self.beginInsertRows(QModelIndex(), pos, pos + len(run) - 1)
            keys[pos:pos] = [k for k, _ in run]
            self._rows[pos:pos] = [i for _, i in run]
            for k, i in run:
                self._key_of[i] = k
            self.endInsertRows()
            self.inserts += 1
            start = end

    def _remove(self, alert_id: str) -> None:
        row = self.row_of(alert_id)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        del self._keys[row]
        del self._key_of[alert_id]
        self._forget(alert_id)
        self.endRemoveRows()

    def _on_alerts_changed(self, ids: list[str]) -> None:
        last = len(COLUMNS) - 1
        for alert_id in ids:
            rec = self.store.get(alert_id)
            present = alert_id in self._key_of
            if rec is None or not self._accept(rec):
                if present:
                    self._remove(alert_id)
                self._pending.pop(alert_id, None)
                continue
            if not present:
                if alert_id not in self._pending:
                    self._on_alerts_added([alert_id])
                continue
            self._forget(alert_id)
            if _key(rec) != self._key_of[alert_id]:  # priority changed: move the row
                self._remove(alert_id)
                self._insert_sorted([(_key(rec), alert_id)])
            else:
                row = self.row_of(alert_id)
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def _forget(self, alert_id: str) -> None:
        """Drop what is cached about an alert (it changed or left)."""
        self._cache.pop(alert_id, None)
        self._cells.pop(alert_id, None)
        self._static_looks.pop(alert_id, None)
        self._looks.pop(alert_id, None)

    def _on_alerts_removed(self, ids: list[str]) -> None:
        for alert_id in ids:
            self._pending.pop(alert_id, None)
            self._remove(alert_id)

    def tick(self, first: int, last: int) -> None:
        """Age, SLA and flash change with time: refresh only the rows on screen."""
        self._now = self.clock()
        self._looks.clear()  # rebuilt for the rows painted next, from the static looks
        if not self._rows:
            return
        first, last = max(0, first), min(len(self._rows) - 1, last)
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
