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

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QKeyEvent,
    QPainter,
    QPalette,
    QPixmap,
    QResizeEvent,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
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


_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_HAS_ICON = _HAS_DISPLAY | QStyleOptionViewItem.ViewItemFeature.HasDecoration
_State = QStyle.StateFlag
# Cells in these states (or not enabled) are painted by the style: the selected row, the focus.
_STYLE_STATES = (_State.State_Selected | _State.State_HasFocus | _State.State_Editing).value
_ENABLED = _State.State_Enabled.value
_RESTYLE = (QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.PaletteChange)
_TEXT_CACHE = 20_000  # elided texts kept ready to draw (a screen shows ~250)


class QueueDelegate(QStyledItemDelegate):
    """Paints a cell from the model's cached look in one Python call.

    Qt's own path asks the model seven roles per cell through Python and lays the text out anew
    on every paint; that was most of the queue's repaint time. Here a cell's look is one tuple
    (AlertTableModel.look) and its text a QStaticText elided once per column width, drawn at the
    position the style would draw it (the geometry is asked of the style once per cell size).
    Selected, focused or disabled cells go through the style as usual, styled by
    initStyleOption from the same look; tests compare both paths pixel by pixel.
    Features are set outright: the queue has no word wrap and no alternating rows, the only
    features a table view adds itself.
    """

    def __init__(self, model: AlertTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._look = model.look
        self.fast = True  # False: every cell through the style (tests, comparisons)
        # (width, height, has icon, centred) -> icon x, icon y, text rectangle
        self._geometry: dict[tuple[int, int, bool, bool], tuple[int, int, QRect]] = {}
        # (text, bold, width, height, has icon, centred) -> static text, x, y, font
        self._texts: dict[
            tuple[str, bool, int, int, bool, bool], tuple[QStaticText, float, float, QFont]
        ] = {}

    def forget(self) -> None:
        """Drop the geometry and prepared texts (the style, font or palette changed)."""
        self._geometry.clear()
        self._texts.clear()

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        look = self._look(index.row())
        if look is None:
            super().initStyleOption(option, index)
            return
        text, font, palette, background, icon, align, _fg, _pixmap = look[index.column()]
        if isinstance(index, QModelIndex):  # always, from a view
            option.index = index
        option.text = text
        if font is not None:
            option.font, option.fontMetrics = font
        if palette is not None:
            option.palette = palette
        if background is not None:
            option.backgroundBrush = background
        if icon is None:
            option.features = _HAS_DISPLAY
        else:
            option.features = _HAS_ICON
            option.icon = icon
        if align is not None:
            option.displayAlignment = align

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        look = self._look(index.row())
        state = option.state.value
        if look is None or not self.fast or state & _STYLE_STATES or not state & _ENABLED:
            super().paint(painter, option, index)
            return
        text, font, _palette, background, _icon, align, fg, pixmap = look[index.column()]
        rect = option.rect
        x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
        if background is not None:
            painter.fillRect(rect, background)
        has_icon = pixmap is not None
        centred = align is not None
        if pixmap is not None:
            icon_x, icon_y, _text_rect = self._layout(option, w, h, True, centred)
            painter.drawPixmap(x + icon_x, y + icon_y, pixmap)
        if not text:
            return
        key = (text, font is not None, w, h, has_icon, centred)  # the model has one bold font
        drawn = self._texts.get(key)
        if drawn is None:
            drawn = self._prepare(key, option, font[0] if font is not None else option.font)
        static, dx, dy, cell_font = drawn
        painter.setFont(cell_font)
        painter.setPen(fg)
        painter.drawStaticText(QPointF(x + dx, y + dy), static)

    def _layout(
        self, option: QStyleOptionViewItem, w: int, h: int, has_icon: bool, centred: bool
    ) -> tuple[int, int, QRect]:
        """Where the style puts the icon and the text in a cell of this size (asked once)."""
        key = (w, h, has_icon, centred)
        found = self._geometry.get(key)
        if found is not None:
            return found
        opt = QStyleOptionViewItem(option)
        opt.rect = QRect(0, 0, w, h)
        opt.features = _HAS_ICON if has_icon else _HAS_DISPLAY
        if has_icon:
            opt.icon = QIcon(QPixmap(opt.decorationSize))
        if centred:
            opt.displayAlignment = Qt.AlignmentFlag.AlignCenter
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        icon_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, opt, widget)
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        size = opt.decorationSize
        found = (
            icon_rect.x() + (icon_rect.width() - size.width()) // 2,
            icon_rect.y() + (icon_rect.height() - size.height()) // 2,
            text_rect.adjusted(margin, 0, -margin, 0),
        )
        self._geometry[key] = found
        return found

    def _prepare(
        self,
        key: tuple[str, bool, int, int, bool, bool],
        option: QStyleOptionViewItem,
        font: QFont,
    ) -> tuple[QStaticText, float, float, QFont]:
        """The text elided to its cell as the style would, ready to draw."""
        text, _bold, w, h, has_icon, centred = key
        _ix, _iy, rect = self._layout(option, w, h, has_icon, centred)
        metrics = QFontMetricsF(font)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        static = QStaticText(shown)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(QTransform(), font)
        width = metrics.horizontalAdvance(shown)
        dx = rect.x() + ((rect.width() - width) / 2 if centred else 0.0)
        dy = rect.y() + (rect.height() - metrics.height()) / 2
        if len(self._texts) >= _TEXT_CACHE:
            self._texts.clear()
        drawn = (static, dx, dy, QFont(font))
        self._texts[key] = drawn
        return drawn


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
            ("", tr("Tutti i tipi")),
            ("anpr", tr("Targhe")),
            ("cap", tr("Meteo")),
            ("sensor", tr("Sensori")),
            ("unit", tr("Pattuglie")),
            ("other", tr("Altro")),
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
            ("open", tr("Aperti")),
            ("new", tr("Da prendere in carico")),
            ("escalated", tr("Scaduti (supervisore)")),
            ("closed", tr("Chiusi")),
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
        self.delegate = QueueDelegate(self.model, self.table)
        self.table.setItemDelegate(self.delegate)
        self.model.set_palette(self.palette())  # the table inherits it once laid out
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(False)  # QueueDelegate relies on both
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setToolTip(tr(HELP))
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(30)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never ResizeToContents
        for col, width in enumerate((44, 170, 300, 140, 64, 130, 100, 210)):
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

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        kind = event.type()
        if kind in _RESTYLE and hasattr(self, "delegate"):
            # A style sheet, font or palette set later (the application's) changes the cells.
            self.model.set_palette(self.palette())
            self.delegate.forget()

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
