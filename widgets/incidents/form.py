"""The incident form: what happened, where, who called, who and what is involved.

The form edits a plain dict shaped like contract.IncidentWrite (plus status/history it shows but
does not edit), validates it as the operator types and puts each message next to its field. It
never decides what to do with the data: it emits `changed` (the panel autosaves a draft) and
`save_requested`; the panel owns the service. Keys the form does not show are carried through
untouched, so nothing another panel or the server set is dropped by an edit here.

Signals:
    changed()            something was typed or picked (autosave trigger)
    save_requested()     the operator pressed Salva (or Ctrl+S)
    discard_requested()  the operator wants to drop the draft
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.i18n import tr
from console.incidents import taxonomy
from console.incidents.places import Place, PlaceIndex
from console.incidents.validation import Issue, ValidationResult, validate
from widgets.common import theme
from widgets.incidents.fields import FieldNote, RowsTable, VehiclesTable, parse_coords
from widgets.incidents.minimap import MiniMap

NARROW_PX = 860
RELIABILITY = ("", "Testimone diretto", "Riferito da terzi", "Anonimo", "Chiamate ripetute",
               "Pattuglia sul posto")


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]


class IncidentForm(QWidget):
    changed = Signal()
    save_requested = Signal()
    discard_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: dict[str, Any] = {}
        self._index: PlaceIndex | None = None
        self._loading = False
        self._idle = True  # no incident or draft on the form: nothing to validate or shout about
        self._narrow = False
        self.result = ValidationResult()
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(250)
        self._validate_timer.timeout.connect(self.validate_now)
        self._build()

    # --- construction -----------------------------------------------------------------------

    def _build(self) -> None:
        self.setStyleSheet(
            f"QWidget {{ font-size: {theme.FONT_SIZE_PT}pt; color: {theme.TEXT}; }}"
            f"QGroupBox {{ border: 1px solid {theme.BORDER}; margin-top: 14px; padding: 6px; }}"
            f"QGroupBox::title {{ subcontrol-origin: margin; left: 8px; color: {theme.TEXT_MUTED};"
            f" }}"
            f"QLineEdit, QPlainTextEdit, QComboBox, QTableWidget, QListWidget {{"
            f" background: {theme.SURFACE_RAISED}; border: 1px solid {theme.BORDER}; }}")
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.status_label = QLabel()
        self.status_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")

        self.type_combo = QComboBox()
        self.type_combo.addItem(tr("— scegliere il tipo —"), "")
        for kind in taxonomy.types():
            self.type_combo.addItem(kind.label, kind.code)
        self.type_combo.currentIndexChanged.connect(self._on_type_changed)
        self.priority_combo = QComboBox()
        for p in (1, 2, 3, 4):
            self.priority_combo.addItem(tr("P{n}", n=p) + " " + (
                tr("urgentissima"), tr("urgente"), tr("ordinaria"), tr("differibile"))[p - 1], p)
        self.priority_combo.currentIndexChanged.connect(self._on_priority_changed)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText(tr("etichette separate da virgole"))
        self.type_note, self.priority_note = FieldNote(), FieldNote()

        event_box = QGroupBox(tr("Evento"))
        form = QFormLayout(event_box)
        form.addRow(tr("Tipo *"), self.type_combo)
        form.addRow("", self.type_note)
        form.addRow(tr("Priorità"), self.priority_combo)
        form.addRow("", self.priority_note)
        form.addRow(tr("Etichette"), self.tags_edit)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(tr("Cerca via, fermata, ospedale, scuola, comune…"))
        self.search_results = QListWidget()
        self.search_results.setVisible(False)
        self.search_results.setMaximumHeight(150)
        self.search_results.itemActivated.connect(self._on_place_chosen)
        self.search_results.itemClicked.connect(self._on_place_chosen)
        self.search_edit.textEdited.connect(self._on_search)
        self.coords_edit = QLineEdit()
        self.coords_edit.setPlaceholderText(tr("lat, lon — es. 45.4642, 9.1900"))
        self.coords_edit.editingFinished.connect(self._on_coords_typed)
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText(tr("via e civico, come riferito"))
        self.where_label = QLabel(tr("Comune, Municipio e NIL: dopo aver indicato la posizione"))
        self.where_label.setWordWrap(True)
        self.where_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.location_note = FieldNote()
        self.minimap = MiniMap()
        self.minimap.setMinimumHeight(200)
        self.minimap.picked.connect(self.set_location)
        place_box = QGroupBox(tr("Luogo"))
        grid = self._place_grid = QGridLayout(place_box)
        grid.addWidget(QLabel(tr("Cerca")), 0, 0)
        grid.addWidget(self.search_edit, 0, 1)
        grid.addWidget(self.search_results, 1, 1)
        grid.addWidget(QLabel(tr("Coordinate")), 2, 0)
        grid.addWidget(self.coords_edit, 2, 1)
        grid.addWidget(QLabel(tr("Indirizzo")), 3, 0)
        grid.addWidget(self.address_edit, 3, 1)
        grid.addWidget(self.where_label, 4, 1)
        grid.addWidget(self.location_note, 5, 1)
        grid.addWidget(self.minimap, 0, 2, 7, 1)
        grid.setRowStretch(6, 1)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)

        self.caller_name = QLineEdit()
        self.caller_phone = QLineEdit()
        self.caller_phone.setPlaceholderText("+39 …")
        self.reliability = QComboBox()
        self.reliability.setEditable(True)
        self.reliability.addItems([tr(r) for r in RELIABILITY])
        self.phone_note = FieldNote()
        caller_box = QGroupBox(tr("Chiamante"))
        cform = QFormLayout(caller_box)
        cform.addRow(tr("Nome"), self.caller_name)
        cform.addRow(tr("Telefono"), self.caller_phone)
        cform.addRow("", self.phone_note)
        cform.addRow(tr("Attendibilità"), self.reliability)

        self.narrative = QPlainTextEdit()
        self.narrative.setPlaceholderText(tr("Cosa è successo, come riferito dal chiamante"))
        self.narrative.setMinimumHeight(90)
        self.narrative.setMaximumHeight(160)
        self.narrative_note = FieldNote()
        narrative_box = QGroupBox(tr("Descrizione"))
        nl = QVBoxLayout(narrative_box)
        nl.addWidget(self.narrative)
        nl.addWidget(self.narrative_note)

        self.people = RowsTable(["name", "role", "note"], [tr("Nome"), tr("Ruolo"), tr("Note")],
                                tr("+ Persona"))
        self.vehicles = VehiclesTable()
        self.vehicles_note = FieldNote()
        involved_box = QGroupBox(tr("Persone e veicoli coinvolti"))
        il = QHBoxLayout(involved_box)
        vcol = QVBoxLayout()
        vcol.addWidget(self.vehicles)
        vcol.addWidget(self.vehicles_note)
        il.addWidget(self.people)
        il.addLayout(vcol)

        self.alerts_edit = QLineEdit()
        self.alerts_edit.setPlaceholderText(tr("codici degli allarmi, separati da virgole"))
        self.attachments = QListWidget()
        self.attachments.setMaximumHeight(70)
        add_attachment = QPushButton(tr("Aggiungi istantanea…"))
        add_attachment.clicked.connect(self._add_attachment)
        links_box = QGroupBox(tr("Collegamenti"))
        lform = QFormLayout(links_box)
        lform.addRow(tr("Allarmi collegati"), self.alerts_edit)
        lform.addRow(tr("Allegati"), self.attachments)
        lform.addRow("", add_attachment)

        self.history_note = FieldNote()
        self.save_button = QPushButton(tr("Salva scheda"))
        self.save_button.setStyleSheet(
            f"QPushButton {{ background: {theme.ACCENT}; color: #0b1016; font-weight: bold;"
            f" padding: 6px 18px; }} QPushButton:disabled {{ background: {theme.BORDER}; }}")
        self.save_button.clicked.connect(self.save_requested)
        self.discard_button = QPushButton(tr("Scarta bozza"))
        self.discard_button.clicked.connect(self.discard_requested)
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.activated.connect(
            lambda: self.save_requested.emit() if self.save_button.isEnabled() else None)
        self.save_hint = QLabel(tr("In rosso ciò che impedisce il salvataggio; in giallo gli "
                                   "avvisi, che non lo impediscono."))
        self.save_hint.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.save_hint.setWordWrap(True)

        body = QWidget()
        col = QVBoxLayout(body)
        top = self._top_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        top.addWidget(event_box, 1)
        top.addWidget(caller_box, 1)
        col.addLayout(top)
        col.addWidget(place_box)
        col.addWidget(narrative_box)
        col.addWidget(involved_box)
        col.addWidget(links_box)
        col.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_hint, 1)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.save_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.banner)
        outer.addWidget(self.status_label)
        outer.addWidget(self.history_note)
        outer.addWidget(scroll, 1)
        outer.addLayout(bottom)

        for edit in (self.tags_edit, self.address_edit, self.caller_name, self.caller_phone,
                     self.alerts_edit, self.coords_edit):
            edit.textEdited.connect(self._on_edit)
        self.reliability.editTextChanged.connect(self._on_edit)
        self.narrative.textChanged.connect(self._on_edit)
        self.people.edited.connect(self._on_edit)
        self.vehicles.edited.connect(self._on_edit)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Narrow (a panel sharing a small screen): boxes stack and the mini-map goes below."""
        super().resizeEvent(event)
        narrow = event.size().width() < NARROW_PX
        if narrow == self._narrow:
            return
        self._narrow = narrow
        self._top_row.setDirection(QBoxLayout.Direction.TopToBottom if narrow
                                   else QBoxLayout.Direction.LeftToRight)
        if narrow:
            self._place_grid.addWidget(self.minimap, 7, 0, 1, 2)
            self._place_grid.setColumnStretch(2, 0)
        else:
            self._place_grid.addWidget(self.minimap, 0, 2, 7, 1)
            self._place_grid.setColumnStretch(2, 2)

    # --- public -------------------------------------------------------------------------------

    def set_index(self, index: PlaceIndex | None) -> None:
        self._index = index
        self.minimap.set_index(index)
        if index is not None:
            self._resolve_where()
            self.validate_now()

    def set_banner(self, text: str, level: str = "info") -> None:
        colour = {"error": theme.ERROR, "warn": theme.WARNING, "ok": theme.OK}.get(level,
                                                                                 theme.ACCENT)
        self.banner.setText(text)
        self.banner.setStyleSheet(f"background: {theme.SURFACE_RAISED}; color: {colour};"
                                  f" border-left: 4px solid {colour}; padding: 6px;"
                                  f" font-size: {theme.FONT_SIZE_PT + 1}pt;")
        self.banner.setVisible(bool(text))

    def load(self, data: dict[str, Any]) -> None:
        """Show `data` (IncidentWrite-shaped dict); keys not on the form are kept as they are."""
        self._loading = True
        self._idle = False
        self._data = dict(data)
        form = dict(data.get("_form") or {})
        idx = self.type_combo.findData(taxonomy.canonical(str(data.get("type") or "")))
        if idx < 0:  # a type we do not know: keep it selectable rather than lose it
            self.type_combo.addItem(str(data.get("type")), data.get("type"))
            idx = self.type_combo.count() - 1
        self.type_combo.setCurrentIndex(idx)
        pidx = self.priority_combo.findData(data.get("priority", 3))
        self.priority_combo.setCurrentIndex(pidx if pidx >= 0 else 2)
        self._style_priority()
        self.tags_edit.setText(", ".join(data.get("tags") or []))
        lon, lat = data.get("lon"), data.get("lat")
        if "coords" in form:
            self.coords_edit.setText(str(form["coords"]))
        elif isinstance(lon, int | float) and isinstance(lat, int | float):
            self.coords_edit.setText(f"{lat:.6f}, {lon:.6f}")
        else:
            self.coords_edit.clear()
        self.search_edit.setText(str(form.get("search", "")))
        self.address_edit.setText(str(data.get("address") or ""))
        caller = dict(data.get("caller") or {})
        self.caller_name.setText(str(caller.get("name", "")))
        self.caller_phone.setText(str(caller.get("phone", "")))
        self.reliability.setEditText(str(caller.get("reliability", "")))
        self.narrative.setPlainText(str(data.get("narrative") or ""))
        self.people.set_rows(list(data.get("people") or []))
        self.vehicles.set_rows(list(data.get("vehicles") or []))
        self.alerts_edit.setText(", ".join(data.get("alerts") or []))
        self.attachments.clear()
        self.attachments.addItems([str(a) for a in data.get("attachments") or []])
        self._loading = False
        self.minimap.set_point(*self._lonlat())
        self._resolve_where()
        self.validate_now()

    def data(self) -> dict[str, Any]:
        out = dict(self._data)
        out["type"] = self.type_combo.currentData() or ""
        out["priority"] = int(self.priority_combo.currentData() or 3)
        out["tags"] = _split(self.tags_edit.text())
        coords_text = self.coords_edit.text().strip()
        parsed = parse_coords(coords_text) if coords_text else None
        if not coords_text:
            out["lon"] = out["lat"] = None
        elif parsed is None:
            out["lon"], out["lat"] = coords_text, coords_text  # kept verbatim: validation blocks
        else:
            out["lat"], out["lon"] = parsed
        out["address"] = self.address_edit.text()
        out["caller"] = {"name": self.caller_name.text(), "phone": self.caller_phone.text(),
                         "reliability": self.reliability.currentText()}
        out["narrative"] = self.narrative.toPlainText()
        out["people"] = self.people.rows()
        out["vehicles"] = self.vehicles.rows()
        out["alerts"] = _split(self.alerts_edit.text())
        out["attachments"] = [self.attachments.item(i).text()
                              for i in range(self.attachments.count())]
        out["_form"] = {"coords": coords_text, "search": self.search_edit.text()}
        return out

    def set_location(self, lon: float, lat: float, label: str = "") -> None:
        self.coords_edit.setText(f"{lat:.6f}, {lon:.6f}")
        if label and not self.address_edit.text().strip():
            self.address_edit.setText(label)
        self.minimap.set_point(lon, lat)
        self._resolve_where()
        self._on_edit()

    def show_idle(self) -> None:
        """No incident open: the empty form says nothing is wrong, it only cannot be saved."""
        self._idle = True
        self.validate_now()

    def validate_now(self) -> ValidationResult:
        inside = self._index.inside_metro if self._index is not None else None
        self.result = validate(self.data(), inside)
        if self._idle:
            for note in (self.type_note, self.priority_note, self.location_note, self.phone_note,
                         self.narrative_note, self.history_note, self.vehicles_note):
                note.show_issues([])
            self.save_button.setEnabled(False)
            self.save_button.setToolTip("")
            self.save_hint.setText("")
            return self.result
        notes: dict[FieldNote, list[Issue]] = {
            self.type_note: self.result.for_field("type"),
            self.priority_note: self.result.for_field("priority"),
            self.location_note: self.result.for_field("location"),
            self.phone_note: self.result.for_field("caller.phone"),
            self.narrative_note: self.result.for_field("narrative"),
            self.history_note: self.result.for_field("history"),
            self.vehicles_note: [
                Issue(i.field, tr("Veicolo {n}: {m}", n=int(i.field.split(".")[1]) + 1,
                                  m=i.message), i.blocks)
                for i in self.result.issues if i.field.startswith("vehicles.")],
        }
        for note, issues in notes.items():
            note.show_issues(issues)
        blocking = len(self.result.blocking)
        self.save_button.setEnabled(blocking == 0)
        self.save_button.setToolTip(
            tr("Correggere i campi in rosso: {n}", n=blocking) if blocking else "")
        if blocking:
            self.save_hint.setText(
                tr("Salvataggio bloccato: 1 campo in rosso da correggere. Il testo resta in bozza.")
                if blocking == 1 else
                tr("Salvataggio bloccato: {n} campi in rosso da correggere. "
                   "Il testo resta in bozza.", n=blocking))
            self.save_hint.setStyleSheet(f"color: {theme.ERROR};")
        else:
            self.save_hint.setText(tr("In rosso ciò che impedisce il salvataggio; in giallo gli "
                                      "avvisi, che non lo impediscono."))
            self.save_hint.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        return self.result

    # --- handlers -------------------------------------------------------------------------------

    def _lonlat(self) -> tuple[float | None, float | None]:
        parsed = parse_coords(self.coords_edit.text()) if self.coords_edit.text().strip() else None
        return (parsed[1], parsed[0]) if parsed else (None, None)

    def _resolve_where(self) -> None:
        lon, lat = self._lonlat()
        if lon is None or lat is None:
            self.where_label.setText(tr("Comune, Municipio e NIL: dopo aver indicato la posizione"))
            return
        if self._index is None:
            self.where_label.setText(tr("Confini in caricamento…"))
            return
        where = self._index.resolve(lon, lat)
        self._data.update(comune=where.comune, municipio=where.municipio, nil=where.nil)
        parts = [p for p in (where.comune, where.municipio, where.nil) if p]
        text = " · ".join(parts) if parts else tr("fuori dai confini noti")
        if where.comune and not where.municipio and self._index.notes:
            text += "  (" + tr("Municipio/NIL non disponibili") + ")"
        self.where_label.setText(text)

    def _on_edit(self, *_args: object) -> None:
        if self._loading:
            return
        self._validate_timer.start()
        self.changed.emit()

    def _on_type_changed(self, _index: int) -> None:
        code = self.type_combo.currentData()
        if not self._loading and code and not self._data.get("_priority_set"):
            pidx = self.priority_combo.findData(taxonomy.get(code).priority)
            self.priority_combo.blockSignals(True)
            self.priority_combo.setCurrentIndex(pidx)
            self.priority_combo.blockSignals(False)
            self._style_priority()
        self._on_edit()

    def _on_priority_changed(self, _index: int) -> None:
        if not self._loading:
            self._data["_priority_set"] = True  # the operator chose: the type no longer sets it
        self._style_priority()
        self._on_edit()

    def _style_priority(self) -> None:
        p = int(self.priority_combo.currentData() or 3)
        self.priority_combo.setStyleSheet(
            f"QComboBox {{ background: {theme.PRIORITY[p]}; color: {theme.PRIORITY_TEXT[p]};"
            f" font-weight: bold; }}")

    def _on_coords_typed(self) -> None:
        lon, lat = self._lonlat()
        self.minimap.set_point(lon, lat)
        self._resolve_where()
        self.validate_now()

    def _on_search(self, text: str) -> None:
        self.search_results.clear()
        if self._index is None:
            self.search_results.addItem(tr("Elenco dei luoghi in caricamento…"))
            self.search_results.setVisible(bool(text.strip()))
            return
        hits: list[Place] = self._index.search(text, limit=8)
        for place in hits:
            item = QListWidgetItem(f"{place.name}  —  {place.kind}")
            item.setData(Qt.ItemDataRole.UserRole, place)
            self.search_results.addItem(item)
        if text.strip() and not hits:
            self.search_results.addItem(tr("Nessun luogo trovato: indicare le coordinate o "
                                           "cliccare sulla mappa."))
        self.search_results.setVisible(bool(text.strip()))
        self._on_edit()

    def _on_place_chosen(self, item: QListWidgetItem) -> None:
        place = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(place, Place):
            return
        self.search_results.setVisible(False)
        self.address_edit.setText(place.name)
        self.set_location(place.lon, place.lat)

    def _add_attachment(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Allega istantanea"), "",
                                              tr("Immagini (*.png *.jpg *.jpeg);;Tutti (*)"))
        if path:
            self.attachments.addItem(path)
            self._on_edit()
