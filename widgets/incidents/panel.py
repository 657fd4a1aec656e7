"""The "incidents" panel: the list, the form, the lifecycle buttons, the timeline, the exports.

It shows the desk's current draft and forwards what the operator does to the desk; conflicts
from the service open the merge dialog. Alerts become incidents through
intents.create_incident(prefill); choosing an incident tells the other panels through
intents.select("incident", id).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.api import contract
from console.i18n import tr
from console.incidents import exports, lifecycle, timeline
from console.incidents.desk import IncidentDesk
from console.incidents.drafts import Draft
from console.incidents.merge import MergeResult
from console.incidents.places import PlaceIndex
from widgets.common import theme
from widgets.incidents.form import IncidentForm
from widgets.incidents.incident_list import IncidentList
from widgets.incidents.merge_dialog import MergeDialog
from widgets.incidents.report import write_pdf
from widgets.incidents.timeline_view import TimelineView

log = logging.getLogger(__name__)

STEP_BUTTONS = (("dispatched", "Inviato"), ("en_route", "In viaggio"),
                ("on_scene", "Sul posto"), ("closed", "Chiudi"), ("cancelled", "Annulla"))


class IncidentsPanel(QWidget):
    def __init__(self, desk: IncidentDesk, intents: Any = None, alerts: Any = None,
                 units: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.intents = intents
        self.alerts = alerts
        self.units = units
        self.merge_dialog: MergeDialog | None = None
        self.setStyleSheet(f"IncidentsPanel {{ font-size: {theme.FONT_SIZE_PT}pt; }}"
                           f"QPushButton:disabled {{ color: {theme.BORDER}; }}")

        self.list = IncidentList()
        self.form = IncidentForm()
        self.status_label = QLabel()
        self.status_label.setStyleSheet(f"font-size: {theme.FONT_SIZE_PT + 2}pt;"
                                        " font-weight: bold;")
        self.step_buttons: dict[str, QPushButton] = {}
        steps = QGridLayout()
        for n, (status, text) in enumerate(STEP_BUTTONS):
            button = QPushButton(tr(text))
            button.clicked.connect(lambda _c=False, s=status: self._step(s))
            self.step_buttons[status] = button
            steps.addWidget(button, n // 3, n % 3)
        self.units_label = QLabel()
        self.units_label.setWordWrap(True)
        self.reported_time = QCheckBox(tr("Ora riferita via radio:"))
        self.time_edit = QDateTimeEdit(QDateTime.currentDateTime())
        self.time_edit.setDisplayFormat("dd/MM HH:mm")
        self.time_edit.setEnabled(False)
        self.reported_time.toggled.connect(self.time_edit.setEnabled)
        when = QHBoxLayout()
        when.addWidget(self.reported_time)
        when.addWidget(self.time_edit)
        life_box = QGroupBox(tr("Stato e passaggi"))
        ll = QVBoxLayout(life_box)
        ll.addWidget(self.status_label)
        ll.addWidget(self.units_label)
        ll.addLayout(steps)
        ll.addLayout(when)
        self.timeline = TimelineView()
        self.export_emsi = QPushButton(tr("EMSI…"))
        self.export_cap = QPushButton(tr("CAP…"))
        self.export_pdf = QPushButton(tr("Rapporto PDF…"))
        self.export_emsi.clicked.connect(lambda: self._export_dialog("emsi"))
        self.export_cap.clicked.connect(lambda: self._export_dialog("cap"))
        self.export_pdf.clicked.connect(lambda: self._export_dialog("pdf"))
        self.export_note = QLabel()
        self.export_note.setWordWrap(True)
        self.export_note.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        export_box = QGroupBox(tr("Condividi con altri enti"))
        el = QVBoxLayout(export_box)
        eb = QHBoxLayout()
        for b in (self.export_emsi, self.export_cap, self.export_pdf):
            eb.addWidget(b)
        el.addLayout(eb)
        el.addWidget(self.export_note)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(life_box)
        rl.addWidget(QLabel(tr("Cronologia")))
        rl.addWidget(self.timeline, 1)
        rl.addWidget(export_box)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.form)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([430, 900, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)

        self.form.changed.connect(lambda: self.desk.update_from_form(self.form.data()))
        self.form.save_requested.connect(self._save)
        self.form.discard_requested.connect(self._discard)
        self.list.chosen.connect(self._on_chosen)
        self.list.new_requested.connect(lambda: self.desk.new())
        desk.current_changed.connect(self._on_current_changed)
        desk.draft_updated.connect(self._on_draft_updated)
        desk.message.connect(self._on_message)
        desk.store.incidents_changed.connect(self._on_incidents_changed)
        desk.messages.messages_changed.connect(self._on_incidents_changed)
        desk.service.conflict.connect(self._on_conflict)
        desk.service.merged.connect(self._on_merged)
        desk.autosaver.saved.connect(lambda _id: self._refresh_list())
        if intents is not None:
            intents.create_incident.connect(self._on_create_incident)
            intents.select.connect(self._on_select)
        self._units_timer = QTimer(self)
        self._units_timer.setInterval(3000)  # units near the incident on the mini-map
        self._units_timer.timeout.connect(self._refresh_minimap_units)
        self._units_timer.start()
        recovered = desk.recover()
        if desk.current is None:
            self._on_current_changed(None)
        self._refresh_list()
        if recovered:
            self.form.set_banner(tr("Bozza ripristinata: {n} schede non inviate recuperate "
                                    "dopo la chiusura imprevista. Controllare e salvare.",
                                    n=len(recovered)), "warn")

    # --- wiring ------------------------------------------------------------------------------

    def set_place_index(self, index: PlaceIndex | None) -> None:
        self.form.set_index(index)

    def _refresh_list(self) -> None:
        note = "" if self.desk.service.enqueue is not None else tr(
            "Centrale non collegata: le schede restano in bozza.")
        self.list.set_items(self.desk.store.incidents(open_only=self.list.open_only.isChecked()),
                            self.desk.drafts.all(), note)

    def _on_incidents_changed(self, ids: list[str]) -> None:
        self._refresh_list()
        draft = self.desk.current
        if draft is not None and draft.incident_id in ids:
            self._refresh_side(draft)

    def _on_current_changed(self, draft: Draft | None) -> None:
        if draft is None:
            self.form.setEnabled(False)
            self.form.show_idle()
            self.form.set_banner(tr("Nessun evento aperto: «+ Nuovo evento» o sceglierne uno "
                                    "dall'elenco."), "info")
        else:
            self.form.setEnabled(True)
            self.form.load(draft.data)
            self.form.set_banner(draft.message, "warn" if draft.state != "editing" else "info")
        self._refresh_side(draft)
        self._refresh_list()

    def _on_draft_updated(self, draft_id: str) -> None:
        draft = self.desk.current
        if draft is not None and draft.draft_id == draft_id:
            self.form.load(draft.data)
            self._refresh_side(draft)

    def _refresh_side(self, draft: Draft | None) -> None:
        status = str(draft.data.get("status") or "new") if draft else ""
        self.status_label.setText(lifecycle.label(status) if draft else tr("Nessun evento aperto"))
        allowed = lifecycle.allowed(status) if draft else []
        for s, button in self.step_buttons.items():
            button.setEnabled(s in allowed)
        assigned = list(draft.data.get("units") or []) if draft else []
        names = {u.id: u.callsign for u in self.units.units()} if (
            assigned and self.units is not None and hasattr(self.units, "units")) else {}
        self.units_label.setText(
            tr("Unità assegnate: {u}", u=", ".join(names.get(u, u) for u in assigned))
            if assigned else tr("Nessuna unità assegnata (quadro unità: «Assegna»)."))
        self._refresh_minimap_units()
        if draft is None:
            self.timeline.set_entries([])
            return
        server = self.desk.store.get(draft.incident_id) if draft.incident_id else None
        history = [h.model_dump() for h in server.history] if server else []
        alerts = []
        if self.alerts is not None and hasattr(self.alerts, "get"):
            alerts = [a for a in (self.alerts.get(i) for i in draft.data.get("alerts") or [])
                      if a is not None]
        messages = self.desk.messages.for_incident(draft.incident_id) if draft.incident_id else []
        self.timeline.set_entries(timeline.build(history, alerts, messages,
                                                 draft.data.get("history") or []))
        saved = server is not None
        for b in (self.export_emsi, self.export_cap, self.export_pdf):
            b.setEnabled(saved)
        self.export_note.setText(
            tr("Si esporta la versione salvata in centrale (v{v}).", v=server.version)
            if server else tr("Salvare la scheda in centrale prima di esportarla."))

    def _refresh_minimap_units(self) -> None:
        if self.units is None or not hasattr(self.units, "units"):
            return
        self.form.minimap.set_units([(u.lon, u.lat, u.callsign, u.status.value)
                                     for u in self.units.units()])

    def _on_message(self, text: str, level: str) -> None:
        self.form.set_banner(text, level)
        self._refresh_list()

    # --- actions ------------------------------------------------------------------------------

    def _save(self) -> None:
        self.desk.update_from_form(self.form.data())
        self.desk.save()

    def _discard(self) -> None:
        draft = self.desk.current
        if draft is None:
            return
        text = (tr("Scartare le modifiche non salvate e tornare alla versione della centrale?")
                if draft.incident_id else
                tr("Scartare questa scheda? Non è mai stata inviata alla centrale."))
        answer = QMessageBox.question(self, tr("Scarta bozza"), text)
        if answer == QMessageBox.StandardButton.Yes:
            self.desk.discard()

    def _step(self, status: str) -> None:
        self.desk.update_from_form(self.form.data())
        at = None
        if self.reported_time.isChecked():
            at = datetime.fromtimestamp(self.time_edit.dateTime().toSecsSinceEpoch(), UTC)
        self.desk.step(status, at)
        self.reported_time.setChecked(False)

    def _on_chosen(self, key: str) -> None:
        if self.desk.current is not None:
            self.desk.update_from_form(self.form.data())
        if key.startswith("draft:"):
            self.desk.open_draft(key.removeprefix("draft:"))
            return
        if self.desk.open(key) is not None and self.intents is not None:
            self.intents.select.emit("incident", key)
        draft = self.desk.current
        if draft is not None and self.intents is not None:
            lon, lat = draft.data.get("lon"), draft.data.get("lat")
            if isinstance(lon, int | float) and isinstance(lat, int | float):
                self.intents.show_on_map.emit(float(lon), float(lat), 0.0)

    def _on_select(self, kind: str, object_id: str) -> None:
        current = self.desk.current
        if kind == "incident" and (current is None or current.incident_id != object_id):
            self.desk.open(object_id)

    def _on_create_incident(self, prefill: dict[str, Any]) -> None:
        self.desk.new(dict(prefill))
        self.form.set_banner(tr("Nuovo evento da allarme: completare tipo e luogo."), "info")

    def _on_conflict(self, draft_id: str, result: MergeResult) -> None:
        draft = self.desk.current
        if draft is None or draft.draft_id != draft_id:
            return
        self.merge_dialog = MergeDialog(result, self)
        self.merge_dialog.accepted.connect(
            lambda: self.desk.service.apply_merge(draft, result, self._choices()))
        self.merge_dialog.open()

    def _choices(self) -> dict[str, str]:
        return self.merge_dialog.choices() if self.merge_dialog is not None else {}

    def _on_merged(self, draft_id: str, fields: list[str]) -> None:
        if self.desk.current is not None and self.desk.current.draft_id == draft_id:
            self.form.load(self.desk.current.data)
            self.form.set_banner(tr("Un collega aveva salvato prima: le sue modifiche ({n} campi) "
                                    "sono state unite alle tue, senza sovrapposizioni.",
                                    n=len(fields)), "ok")

    # --- exports ------------------------------------------------------------------------------

    def export(self, kind: str, path: Path) -> bool:
        """Write the saved version of the current incident as EMSI, CAP or PDF to `path`."""
        draft = self.desk.current
        incident = self.desk.store.get(draft.incident_id) if draft and draft.incident_id else None
        if incident is None:
            self.form.set_banner(tr("Salvare la scheda in centrale prima di esportarla."), "warn")
            return False
        units: dict[str, contract.Unit] = {}
        if self.units is not None and hasattr(self.units, "units"):
            units = {u.id: u for u in self.units.units()}
        try:
            if kind == "emsi":
                path.write_text(exports.to_emsi(incident, units.values(), self.desk.operator),
                                encoding="utf-8")
            elif kind == "cap":
                path.write_text(exports.to_cap(incident, self.desk.operator), encoding="utf-8")
            else:
                entries = timeline.build([h.model_dump() for h in incident.history])
                write_pdf(path, incident, entries, units, self.desk.operator)
        except OSError as exc:
            self.form.set_banner(tr("File non scritto ({why}): scegliere un'altra cartella.",
                                    why=exc.strerror or exc), "error")
            return False
        self.form.set_banner(tr("Esportato: {p}", p=str(path)), "ok")
        return True

    def _export_dialog(self, kind: str) -> None:
        draft = self.desk.current
        name = f"evento-{draft.incident_id if draft else 'nuovo'}-{datetime.now():%Y%m%d-%H%M}"
        suffix = {"emsi": ".emsi.xml", "cap": ".cap.xml", "pdf": ".pdf"}[kind]
        path, _ = QFileDialog.getSaveFileName(self, tr("Esporta evento"), name + suffix)
        if path:
            self.export(kind, Path(path))
