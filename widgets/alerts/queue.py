"""AlertQueue: the keyboard-first queue of alerts with filters, SLA countdown and the P1 alarm.

Keys (shown in the help line and tooltips): J/K or arrows next/previous, A acknowledge,
M assign to me, Enter open, N create incident, S snooze. An unacknowledged P1 flashes and sounds
(muted on kiosk screens). The view asks the AlertActions service to act; it never changes alert
state itself, the back-end's alert.updated does.

Signals:
    open_requested(str)      Enter / double-click on a row
    action_requested(str, str)  (action, alert id): ack, assign, incident, snooze
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.alerts.record import AlertRecord
from console.alerts.store import AlertStore
from console.alerts.zones import Zones
from console.api.contract import AlertState
from console.i18n import tr
from widgets.alerts import labels
from widgets.alerts.alarm import Alarm
from widgets.alerts.table_model import COL_SUBJECT, RECORD_ROLE, AlertTableModel
from widgets.common import theme

HELP = (
    "J/K ↑/↓ scorri · A prendi in carico · M assegna a me · Invio apri · N crea evento · S rinvia"
)
_LETTERS = ("j", "k", "a", "m", "n", "s")
ZONE_PREFIX = "zona:"


def _palette() -> QPalette:
    pal = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, theme.BACKGROUND),
        (QPalette.ColorRole.WindowText, theme.TEXT),
        (QPalette.ColorRole.Base, theme.SURFACE),
        (QPalette.ColorRole.AlternateBase, theme.SURFACE_RAISED),
        (QPalette.ColorRole.Text, theme.TEXT),
        (QPalette.ColorRole.Button, theme.SURFACE_RAISED),
        (QPalette.ColorRole.ButtonText, theme.TEXT),
        (QPalette.ColorRole.Highlight, theme.ACCENT),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, theme.SURFACE_RAISED),
        (QPalette.ColorRole.ToolTipText, theme.TEXT),
        (QPalette.ColorRole.Mid, theme.BORDER),
    ):
        pal.setColor(role, QColor(colour))
    return pal


def _colour(label: QLabel, colour: str) -> None:
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    label.setPalette(pal)


class QueueTable(QTableView):
    """The table; letter keys are handled by the queue, arrows by Qt."""

    key_pressed = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.key_pressed.emit("open")
            return
        text = event.text().lower()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if text in _LETTERS and plain:
            self.key_pressed.emit(text)
            return
        super().keyPressEvent(event)


class AlertQueue(QWidget):
    open_requested = Signal(str)
    action_requested = Signal(str, str)

    def __init__(
        self,
        store: AlertStore,
        operator: str = "",
        kiosk: bool = False,
        alarm: Alarm | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
        zones: Zones | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.operator = operator
        self.zones = zones
        # Which zones each alert touches, by alert id and version (geometry tests are not free).
        self._zone_cache: dict[str, tuple[int, frozenset[str]]] = {}
        self.clock = clock or store.clock
        self.model = AlertTableModel(store, self.clock, self)
        self.alarm = alarm or Alarm(muted=kiosk)
        if kiosk:
            self.alarm.muted = True
        self._build()
        self.model.p1_inserted.connect(self._on_p1_inserted)
        self.model.rowsInserted.connect(self._update_status)
        self.model.rowsRemoved.connect(self._update_status)
        self.model.modelReset.connect(self._update_status)
        store.alerts_changed.connect(self._on_alerts_changed)
        store.alerts_removed.connect(self._forget_zones)
        store.alerts_reset.connect(self._zone_cache.clear)
        self._tick = QTimer(self)
        self._tick.setInterval(500)  # flash at 1 Hz, age/SLA refresh each half second
        self._tick.timeout.connect(self.tick)
        self._tick.start()
        self._update_status()

    # --- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        # Colours come from a palette, not a style sheet: a style sheet on the table or any of
        # its ancestors routes every cell through QStyleSheetStyle, which doubled paint time.
        self.setFont(QFont(theme.FONT_FAMILY, theme.FONT_SIZE_PT))
        self.setPalette(_palette())
        self.setAutoFillBackground(True)
        bar_box = QWidget()
        bar_box.setStyleSheet(
            f"QComboBox, QCheckBox {{ background: {theme.SURFACE_RAISED}; color: {theme.TEXT};"
            f" padding: 3px 6px; }}"
        )
        self.type_filter = QComboBox()
        for key, text in (
            ("", tr("Tutti i tipi")), ("anpr", tr("Targhe")), ("cap", tr("Meteo")),
            ("sensor", tr("Sensori")), ("unit", tr("Pattuglie")), ("other", tr("Altro")),
        ):
            self.type_filter.addItem(text, key)
        self.area_filter = QComboBox()
        self.area_filter.addItem(tr("Tutte le zone"), "")
        if self.zones is not None:
            # Zones by geometry first (an alert is in Municipio 3 if its point or area is);
            # place names the alerts carry follow, as before.
            self.area_filter.setToolTip(tr("Municipio: avvisi con posizione o area al suo interno"))
            for name in self.zones.names():
                self.area_filter.addItem(name, ZONE_PREFIX + name)
            self.area_filter.insertSeparator(self.area_filter.count())
        self.state_filter = QComboBox()
        for key, text in (
            ("open", tr("Aperti")), ("new", tr("Da prendere in carico")),
            ("escalated", tr("Scaduti (supervisore)")), ("closed", tr("Chiusi")),
            ("all", tr("Tutti")),
        ):
            self.state_filter.addItem(text, key)
        self.mine = QCheckBox(tr("Mie"))
        self.mine.setToolTip(tr("Solo gli avvisi assegnati a me"))
        for combo in (self.type_filter, self.area_filter, self.state_filter):
            combo.currentIndexChanged.connect(self._apply_filter)
        self.mine.toggled.connect(self._apply_filter)
        bar = QHBoxLayout(bar_box)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.type_filter)
        bar.addWidget(self.area_filter)
        bar.addWidget(self.state_filter)
        bar.addWidget(self.mine)
        bar.addStretch(1)
        self.status = QLabel()
        self._status_alarm: bool | None = None
        bar.addWidget(self.status)

        self.table = QueueTable()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(False)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setToolTip(tr(HELP))
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(30)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never ResizeToContents
        for col, width in enumerate((44, 170, 300, 140, 64, 130, 100, 190)):
            hh.resizeSection(col, width)
        hh.setSectionResizeMode(COL_SUBJECT, QHeaderView.ResizeMode.Stretch)
        self.table.key_pressed.connect(self._on_key)
        self.table.verticalScrollBar().valueChanged.connect(self._update_visible)
        self.table.doubleClicked.connect(self._on_double_click)

        self.help = QLabel(tr(HELP))
        _colour(self.help, theme.TEXT_MUTED)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(bar_box)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.help)

    # --- filters -----------------------------------------------------------------------------

    def filter_function(self) -> Callable[[AlertRecord], bool]:
        family = self.type_filter.currentData() or ""
        area = self.area_filter.currentData() or ""
        zone = area[len(ZONE_PREFIX) :] if area.startswith(ZONE_PREFIX) else ""
        state = self.state_filter.currentData() or "open"
        mine = self.mine.isChecked()
        me = self.operator
        closed = AlertState.CLOSED

        def accept(rec: AlertRecord) -> bool:
            if state == "open" and rec.state == closed:
                return False
            if state == "new" and rec.state != AlertState.NEW:
                return False
            if state == "escalated" and not (rec.escalated and rec.state != closed):
                return False
            if state == "closed" and rec.state != closed:
                return False
            if family and labels.type_family(rec.type) != family:
                return False
            if zone and zone not in self.zones_of(rec):
                return False
            if area and not zone and labels.place(rec) != area:
                return False
            return not (mine and rec.owner != me)

        return accept

    def zones_of(self, rec: AlertRecord) -> frozenset[str]:
        if self.zones is None:
            return frozenset()
        cached = self._zone_cache.get(rec.id)
        if cached is not None and cached[0] == rec.version:
            return cached[1]
        found = self.zones.zones_of(rec.geometry)
        self._zone_cache[rec.id] = (rec.version, found)
        return found

    def _forget_zones(self, ids: list[str]) -> None:
        for alert_id in ids:
            self._zone_cache.pop(alert_id, None)

    def _apply_filter(self) -> None:
        current = self.current_id()
        self.model.set_filter(self.filter_function())
        if current:
            self.select(current)

    def _on_alerts_changed(self, ids: list[str]) -> None:
        # Zones appear as alerts arrive; the list only grows during a shift.
        known = {self.area_filter.itemData(i) for i in range(self.area_filter.count())}
        for alert_id in ids[:200]:
            rec = self.store.get(alert_id)
            area = labels.place(rec) if rec else ""
            if area and area not in known:
                self.area_filter.addItem(area, area)
                known.add(area)
        self._update_status()

    # --- selection and keys ------------------------------------------------------------------

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.alert_id(index.row()) if index.isValid() else None

    def select(self, alert_id: str) -> bool:
        row = self.model.row_of(alert_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))
        return True

    def step(self, step: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        index = self.table.currentIndex()
        selected = self.table.selectionModel().hasSelection()
        row = index.row() + step if index.isValid() and selected else 0
        row = max(0, min(rows - 1, row))
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))

    def _on_key(self, key: str) -> None:
        if key == "j":
            self.step(1)
            return
        if key == "k":
            self.step(-1)
            return
        alert_id = self.current_id()
        if alert_id is None:
            self.status.setText(tr("Nessun avviso selezionato: usare J/K per sceglierne uno."))
            return
        if key == "open":
            self.open_requested.emit(alert_id)
        else:
            action = {"a": "ack", "m": "assign", "n": "incident", "s": "snooze"}[key]
            self.action_requested.emit(action, alert_id)

    def _on_double_click(self, index: QModelIndex) -> None:
        alert_id = self.model.alert_id(index.row())
        if alert_id:
            self.open_requested.emit(alert_id)

    # --- time, flash, alarm ------------------------------------------------------------------

    def tick(self) -> None:
        """Flash unacknowledged P1 rows, refresh age and SLA on the visible rows, check SLAs."""
        self.store.check_sla(self.clock())
        p1 = self.model.unacked_p1()
        self.model.flash_on = bool(p1) and not self.model.flash_on
        self._update_visible()
        first = self.table.rowAt(0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        if first >= 0:
            self.model.tick(first, last if last >= 0 else self.model.rowCount() - 1)

    def _update_visible(self) -> None:
        """Tell the model which rows are on screen: inserts below them are not urgent."""
        last = self.table.rowAt(self.table.viewport().height() - 1)
        self.model.visible_until = last if last >= 0 else self.model.rowCount() + 64

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_visible()

    def _on_p1_inserted(self, alert_id: str) -> None:
        self.alarm.play()
        self._update_status()

    def _update_status(self) -> None:
        p1 = len(self.model.unacked_p1())
        parts = [tr("{n} avvisi", n=self.model.rowCount())]
        if p1:
            parts.append(tr("{n} P1 da prendere in carico", n=p1))
        repaired = self.store.counters["repaired"]
        if repaired:
            parts.append(tr("{n} ricevuti incompleti (segnati ⚠)", n=repaired))
        evicted = self.store.counters["evicted"]
        if evicted:
            parts.append(tr("{n} più vecchi fuori memoria: consultare l'archivio", n=evicted))
        self.status.setText(" · ".join(parts))
        if bool(p1) != self._status_alarm:
            self._status_alarm = bool(p1)
            # Inside the filter bar (which has a style sheet) only a style sheet sets the colour;
            # it changes only when the P1 state flips, so the cost stays out of the hot path.
            colour = theme.PRIORITY[1] if p1 else theme.TEXT_MUTED
            weight = "bold" if p1 else "normal"
            self.status.setStyleSheet(f"color: {colour}; font-weight: {weight};")

    def record(self, row: int) -> AlertRecord | None:
        value = self.model.data(self.model.index(row, 0), RECORD_ROLE)
        return value if isinstance(value, AlertRecord) else None
