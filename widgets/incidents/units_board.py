"""The units board: every unit's status, time in status, agency and position, with filters,
assign/unassign on the current incident and the dispatch suggestion for it.

The board reads the UnitsStore (positions move every second, so the table refreshes on a 2 s
timer, not per move) and acts through the IncidentDesk, never through another panel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.api import contract
from console.i18n import tr
from console.incidents import dispatch, taxonomy
from console.incidents.desk import IncidentDesk
from console.incidents.places import PlaceIndex
from widgets.common import theme

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
Index = QModelIndex | QPersistentModelIndex

STATUS_LABELS = {
    "available": "Disponibile", "dispatched": "Inviata", "en_route": "In viaggio",
    "on_scene": "Sul posto", "busy": "Impegnata", "out_of_service": "Fuori servizio",
}
KIND_LABELS = {"car": "auto", "motorbike": "moto", "van": "furgone", "foot": "appiedata",
               "bike": "bici", "ambulance": "ambulanza", "fire_engine": "autopompa"}


def since(at: datetime, now: datetime) -> str:
    return _since_s((now - at).total_seconds())


def _since_s(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d}"


class UnitsModel(QAbstractTableModel):
    HEADERS = ("Nominativo", "Ente", "Mezzo", "Stato", "Da", "Posizione", "Evento")

    def __init__(self) -> None:
        super().__init__()
        self._units: list[contract.Unit] = []
        self._texts: list[list[str]] = []
        self.index_for_places: PlaceIndex | None = None
        # Per Unit object (replaced by the store when its details change): the texts that only
        # change with the details, and the status start as a timestamp.
        self._static: dict[str, tuple[contract.Unit, list[str], float]] = {}

    def set_units(self, units: list[contract.Unit], assigned: dict[str, str] | None = None,
                  positions: dict[str, tuple[float, float]] | None = None) -> None:
        """`assigned`: unit id -> open incident listing it (the server may not set incident_id);
        `positions`: live unit id -> (lon, lat), newer than the units' own."""
        assigned = assigned or {}
        positions = positions or {}
        now = datetime.now(UTC)
        where_ll = [positions.get(u.id, (u.lon, u.lat)) for u in units]
        wheres: list[str] = [f"{lat:.4f}, {lon:.4f}" for lon, lat in where_ll]
        if self.index_for_places is not None and units:
            resolved = self.index_for_places.resolve_many([p[0] for p in where_ll],
                                                          [p[1] for p in where_ll])
            wheres = [" · ".join(x for x in (w.nil or w.comune, w.municipio) if x) or fallback
                      for w, fallback in zip(resolved, wheres, strict=True)]
        static: dict[str, tuple[contract.Unit, list[str], float]] = {}
        for u in units:
            held = self._static.get(u.id)
            static[u.id] = held if held is not None and held[0] is u else (
                u, [u.callsign, u.agency.value, tr(KIND_LABELS.get(u.kind, u.kind)),
                    tr(STATUS_LABELS.get(u.status.value, u.status.value))],
                u.status_since.timestamp())
        self._static = static
        now_ts = now.timestamp()
        texts = [[*static[u.id][1], _since_s(now_ts - static[u.id][2]), where,
                  u.incident_id or assigned.get(u.id, "")]
                 for u, where in zip(units, wheres, strict=True)]
        if [u.id for u in units] == [u.id for u in self._units] and units:
            # Same rows (the usual 2 s refresh): update in place, keep scroll and selection.
            self._units, self._texts = units, texts
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(units) - 1, len(self.HEADERS) - 1))
            return
        self.beginResetModel()
        self._units, self._texts = units, texts
        self.endResetModel()

    def unit(self, row: int) -> contract.Unit:
        return self._units[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._units)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if int(role) == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return tr(self.HEADERS[section])
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        role = int(role)
        if role == _DISPLAY:
            return self._texts[index.row()][index.column()]
        unit = self._units[index.row()]
        if role == _BACKGROUND and index.column() == 3:
            return QColor(theme.UNIT_STATUS.get(unit.status.value, theme.SURFACE))
        if role == _FOREGROUND:
            if index.column() == 3:
                return QColor("#111111")
            if index.column() == 1:
                return QColor(theme.AGENCY.get(unit.agency.value, theme.TEXT))
        return None


class UnitsBoard(QWidget):
    def __init__(self, units_store: Any, desk: IncidentDesk | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.units_store = units_store
        self.desk = desk
        self.setStyleSheet(f"font-size: {theme.FONT_SIZE_PT}pt;")
        self.model = UnitsModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 130), (1, 60), (2, 90), (3, 120), (4, 80), (6, 90)):
            self.view.setColumnWidth(col, width)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("Filtra per nominativo, zona, competenza…"))
        self.status_filter = QComboBox()
        self.status_filter.addItem(tr("Tutti gli stati"), "")
        for code, text in STATUS_LABELS.items():
            self.status_filter.addItem(tr(text), code)
        self.agency_filter = QComboBox()
        self.agency_filter.addItem(tr("Tutti gli enti"), "")
        for agency in contract.Agency:
            self.agency_filter.addItem(agency.value, agency.value)
        for w in (self.filter_edit,):
            w.textChanged.connect(self.refresh)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.agency_filter.currentIndexChanged.connect(self.refresh)

        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        self.assign_button = QPushButton(tr("Assegna all'evento"))
        self.unassign_button = QPushButton(tr("Togli dall'evento"))
        self.assign_button.clicked.connect(self._assign_selected)
        self.unassign_button.clicked.connect(self._unassign_selected)
        self.empty = QLabel()
        self.empty.setStyleSheet(f"color: {theme.WARNING};")
        self.empty.setWordWrap(True)

        self.suggest_title = QLabel()
        self.suggest_title.setWordWrap(True)
        self.suggestions = QListWidget()
        self.suggestions.setWordWrap(True)
        self.suggestions.itemDoubleClicked.connect(self._assign_suggestion)
        suggest_button = QPushButton(tr("Assegna la suggerita"))
        suggest_button.clicked.connect(
            lambda: self._assign_suggestion(self.suggestions.currentItem()))
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.suggest_title)
        sl.addWidget(self.suggestions, 1)
        sl.addWidget(suggest_button)

        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 2)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.agency_filter, 1)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.assign_button)
        actions.addWidget(self.unassign_button)
        table_side = QWidget()
        tl = QVBoxLayout(table_side)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addLayout(filters)
        tl.addWidget(self.view, 1)
        tl.addWidget(self.empty)
        tl.addWidget(self.target_label)
        tl.addLayout(actions)
        # Suggestions sit beside the table when there is room, below it in a narrow dock; with
        # no incident open there is nothing to suggest and the table takes the whole panel.
        self.side = side
        self.splitter = QSplitter()
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(table_side)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self._timer = QTimer(self)
        self._timer.setInterval(2000)  # time in status and positions: no need to track each move
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._details: list[contract.Unit] | None = None  # rebuilt only when details change
        if units_store is not None and hasattr(units_store, "units_changed"):
            units_store.units_changed.connect(self._on_units_changed)
        if desk is not None:
            desk.store.incidents_changed.connect(lambda _ids: self.refresh())
            desk.current_changed.connect(lambda _d: self.refresh())
            desk.draft_updated.connect(lambda _d: self.refresh())
        self.refresh()

    NARROW_PX = 820

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        narrow = self.width() < self.NARROW_PX
        want = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
        if self.splitter.orientation() != want:
            self.splitter.setOrientation(want)

    def set_place_index(self, index: PlaceIndex | None) -> None:
        self.model.index_for_places = index
        self.refresh()

    def _on_units_changed(self, _ids: list[str]) -> None:
        self._details = None
        self.refresh()

    def all_units(self) -> list[contract.Unit]:
        """Unit details; rebuilt from the store only after units_changed (it costs ~0.1 ms per
        unit), while positions come from the live arrays at every refresh."""
        if self.units_store is None:
            return []
        if self._details is None or not hasattr(self.units_store, "units_changed"):
            self._details = list(self.units_store.units())
        return self._details

    def live_positions(self) -> dict[str, tuple[float, float]]:
        arrays = getattr(self.units_store, "arrays", None)
        ids = getattr(self.units_store, "ids", None)
        if not callable(arrays) or not callable(ids):
            return {}
        live = arrays()
        return dict(zip(ids(), zip(live["lon"].tolist(), live["lat"].tolist(), strict=True),
                        strict=True))

    def _visible(self, units: list[contract.Unit]) -> list[contract.Unit]:
        words = self.filter_edit.text().casefold().split()
        status, agency = self.status_filter.currentData(), self.agency_filter.currentData()
        out = []
        for u in units:
            if (status and u.status.value != status) or (agency and u.agency.value != agency):
                continue
            hay = " ".join([u.callsign, u.id, u.kind, *u.skills, u.incident_id or ""]).casefold()
            if all(w in hay for w in words):
                out.append(u)
        return sorted(out, key=lambda u: (u.agency.value, u.callsign))

    def refresh(self) -> None:
        units = self.all_units()
        positions = self.live_positions()
        selected = self._selected_id()
        assigned = self._assigned()
        self.model.set_units(self._visible(units), assigned, positions)
        if selected:
            for row in range(self.model.rowCount()):
                if self.model.unit(row).id == selected:
                    self.view.selectRow(row)
        if self.units_store is None:
            self.empty.setText(tr("Elenco unità non disponibile: nessun collegamento con la "
                                  "localizzazione dei mezzi."))
        elif not units:
            self.empty.setText(tr("Nessuna unità ricevuta dalla centrale."))
        else:
            self.empty.setText("")
        self.empty.setVisible(bool(self.empty.text()))
        self._refresh_target([u for u in units if u.id not in assigned], positions)

    def _assigned(self) -> dict[str, str]:
        if self.desk is None:
            return {}
        out: dict[str, str] = {}
        for incident in self.desk.store.incidents(open_only=True):
            for unit_id in incident.units:
                out.setdefault(unit_id, incident.id)
        return out

    def _refresh_target(self, units: list[contract.Unit],
                        positions: dict[str, tuple[float, float]]) -> None:
        draft = self.desk.current if self.desk is not None else None
        self.suggestions.clear()
        has_target = draft is not None
        self.side.setVisible(has_target)
        self.assign_button.setEnabled(has_target)
        self.unassign_button.setEnabled(has_target)
        if draft is None:
            self.target_label.setText(tr("Nessun evento aperto: aprirne uno per assegnare unità."))
            self.suggest_title.setText(tr("Unità suggerite"))
            return
        data = draft.data
        kind = taxonomy.get(str(data.get("type") or "other"))
        assigned = ", ".join(data.get("units") or []) or tr("nessuna")
        self.target_label.setText(tr("Evento: {t} — {a}. Assegnate: {u}", t=kind.label,
                                     a=data.get("address") or data.get("comune") or "?",
                                     u=assigned))
        self.suggest_title.setText(tr("Unità suggerite (stima in linea d'aria, non percorso "
                                      "stradale)"))
        lon, lat = data.get("lon"), data.get("lat")
        if not isinstance(lon, int | float) or not isinstance(lat, int | float):
            self.suggestions.addItem(tr("Indicare la posizione dell'evento per i suggerimenti."))
            return
        recs = dispatch.recommend(units, float(lon), float(lat), kind, positions=positions)
        if not recs:
            self.suggestions.addItem(tr("Nessuna unità disponibile."))
        for n, rec in enumerate(recs, start=1):
            unit = rec.unit
            text = tr("{n}. {c} ({a}, {k})\n     {d} · ~{m} min · {why}", n=n, c=unit.callsign,
                      a=unit.agency.value, k=tr(KIND_LABELS.get(unit.kind, unit.kind)),
                      d=f"{rec.distance_m / 1000:.1f} km" if rec.distance_m >= 1000
                      else f"{rec.distance_m:.0f} m",
                      m=max(1, round(rec.eta_s / 60)), why=rec.reasons)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, unit.id)
            item.setForeground(QColor(theme.TEXT if rec.kind_ok and rec.skills_ok
                                      else theme.TEXT_MUTED))
            self.suggestions.addItem(item)
        self.suggestions.setCurrentRow(0)

    def suggested_ids(self) -> list[str]:
        out = []
        for i in range(self.suggestions.count()):
            uid = self.suggestions.item(i).data(Qt.ItemDataRole.UserRole)
            if uid:
                out.append(str(uid))
        return out

    def _selected_id(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.unit(rows[0].row()).id if rows else None

    def _assign_selected(self) -> None:
        uid = self._selected_id()
        if uid and self.desk is not None:
            self.desk.assign(uid)

    def _unassign_selected(self) -> None:
        uid = self._selected_id()
        if uid and self.desk is not None:
            self.desk.unassign(uid)

    def _assign_suggestion(self, item: QListWidgetItem | None) -> None:
        uid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if uid and self.desk is not None:
            self.desk.assign(str(uid))
