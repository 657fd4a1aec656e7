"""AlertCard: one alert in full, its audit trail, and what the operator can do about it.

The card only asks: it emits `action_requested(action, alert_id, args)` and the panel turns that
into an AlertActions call or an intent. Confirmed actions on a plate hit (dispatch, hand-over to
Polizia di Stato or Carabinieri) stay disabled until the visual verification says "confermata".

Signals:
    action_requested(str, str, dict)  action: ack, assign, snooze, close, verify, map, trail,
                                      cameras, incident, handover
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.alerts.record import AlertRecord
from console.api.contract import AlertState
from console.i18n import tr
from widgets.alerts import labels
from widgets.alerts.plate import PlateHitSection
from widgets.common import theme

OUTCOMES = (
    ("intervento", "Intervento eseguito"),
    ("falso_allarme", "Falso allarme"),
    ("lettura_errata", "Lettura errata"),
    ("passato", "Passato ad altra forza"),
    ("nessuna_azione", "Nessuna azione necessaria"),
)
SNOOZE_MINUTES = (5, 15, 30, 60)


class AlertCard(QWidget):
    action_requested = Signal(str, str, dict)

    def __init__(
        self,
        masked: bool = False,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.masked = masked
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.record: AlertRecord | None = None
        self._build()
        self.show_record(None)

    def _button(self, text: str, action: str, tip: str = "") -> QPushButton:
        button = QPushButton(text)
        if tip:
            button.setToolTip(tip)
        button.clicked.connect(lambda: self._emit(action))
        return button

    def _build(self) -> None:
        self.setStyleSheet(
            f"QWidget {{ background: {theme.BACKGROUND}; color: {theme.TEXT};"
            f" font-family: '{theme.FONT_FAMILY}'; font-size: {theme.FONT_SIZE_PT}pt; }}"
            f"QPushButton {{ background: {theme.SURFACE_RAISED}; border: 1px solid {theme.BORDER};"
            f" padding: 5px 10px; border-radius: 3px; }}"
            f"QPushButton:disabled {{ color: {theme.TEXT_MUTED}; }}"
            f"QLineEdit, QComboBox, QPlainTextEdit {{ background: {theme.SURFACE};"
            f" border: 1px solid {theme.BORDER}; padding: 3px; }}"
        )
        self.chip = QLabel()
        self.kind = QLabel()
        self.kind.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.exercise = QLabel(tr("ESERCITAZIONE — non è un evento reale"))
        self.exercise.setStyleSheet(
            f"background: {theme.EXERCISE}; color: #111111; font-weight: bold; padding: 4px;"
        )
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {theme.WARNING};")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.plate = PlateHitSection()
        self.plate.verify_requested.connect(
            lambda result, reason: self._emit("verify", result=result, reason=reason)
        )
        self.plate.trail_requested.connect(lambda: self._emit("trail"))

        self.ack = self._button(tr("Prendi in carico (A)"), "ack")
        self.assign = self._button(tr("Assegna a me (M)"), "assign")
        self.map = self._button(tr("Mostra su mappa"), "map")
        self.cameras = self._button(
            tr("Apri telecamere"), "cameras", tr("Telecamere collegate o più vicine nei riquadri")
        )
        self.incident = self._button(
            tr("Crea evento (N)"), "incident", tr("Nuovo evento precompilato: invio pattuglia")
        )
        self.to_ps = self._button(tr("Passa a Polizia di Stato"), "handover_ps")
        self.to_cc = self._button(tr("Passa a Carabinieri"), "handover_cc")
        grid = QGridLayout()
        for n, button in enumerate(
            (self.ack, self.assign, self.map, self.cameras, self.incident, self.to_ps, self.to_cc)
        ):
            grid.addWidget(button, n // 3, n % 3)

        self.snooze_minutes = QComboBox()
        for minutes in SNOOZE_MINUTES:
            self.snooze_minutes.addItem(tr("{m} min", m=minutes), minutes)
        self.snooze_reason = QLineEdit()
        self.snooze_reason.setPlaceholderText(tr("Motivo del rinvio (obbligatorio)"))
        self.snooze = self._button(tr("Rinvia (S)"), "snooze")
        snooze_row = QHBoxLayout()
        snooze_row.addWidget(self.snooze_minutes)
        snooze_row.addWidget(self.snooze_reason, 1)
        snooze_row.addWidget(self.snooze)

        self.outcome = QComboBox()
        for key, text in OUTCOMES:
            self.outcome.addItem(tr(text), key)
        self.close_reason = QLineEdit()
        self.close_reason.setPlaceholderText(tr("Esito in breve (obbligatorio)"))
        self.close_button = self._button(tr("Chiudi"), "close")
        close_row = QHBoxLayout()
        close_row.addWidget(self.outcome)
        close_row.addWidget(self.close_reason, 1)
        close_row.addWidget(self.close_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.history.setMinimumHeight(110)

        body = QWidget()
        layout = QVBoxLayout(body)
        head = QHBoxLayout()
        head.addWidget(self.chip)
        head.addWidget(self.kind, 1)
        layout.addLayout(head)
        layout.addWidget(self.exercise)
        layout.addWidget(self.title)
        layout.addWidget(self.problems)
        layout.addWidget(self.detail)
        layout.addWidget(self.facts)
        layout.addWidget(self.plate)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        layout.addLayout(grid)
        layout.addLayout(snooze_row)
        layout.addLayout(close_row)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(tr("Storico (chi, quando, perché)")))
        layout.addWidget(self.history)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(560)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _emit(self, action: str, **args: Any) -> None:
        if self.record is None:
            return
        if action == "snooze":
            minutes = self.snooze_minutes.currentData()
            args = {"minutes": minutes, "reason": self.snooze_reason.text()}
        elif action == "close":
            args = {"outcome": self.outcome.currentData(), "reason": self.close_reason.text()}
        self.action_requested.emit(action, self.record.id, args)

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {theme.ERROR if error else theme.OK};")

    def show_record(self, rec: AlertRecord | None) -> None:
        self.record = rec
        widgets: tuple[QPushButton, ...] = (
            self.ack, self.assign, self.map, self.cameras, self.incident, self.to_ps,
            self.to_cc, self.snooze, self.close_button,
        )
        if rec is None:
            self.chip.setText("")
            self.kind.setText("")
            self.title.setText(tr("Nessun avviso aperto: selezionarne uno nella coda (Invio)."))
            for hidden in (self.exercise, self.problems, self.plate):
                hidden.hide()
            for w in widgets:
                w.setEnabled(False)
            self.detail.setText("")
            self.facts.setText("")
            self.history.setPlainText("")
            return
        prio = rec.priority
        self.chip.setText(f" P{prio} ")
        self.chip.setStyleSheet(
            f"background: {theme.PRIORITY[prio]}; color: {theme.PRIORITY_TEXT[prio]};"
            " font-weight: bold; font-size: 14pt; padding: 2px 8px; border-radius: 3px;"
        )
        self.kind.setText(f"{labels.type_label(rec)} · {rec.source} · {rec.id}")
        self.title.setText(rec.title)
        self.exercise.setVisible(rec.exercise)
        self.problems.setVisible(bool(rec.problems))
        self.problems.setText(
            tr("⚠ Dati ricevuti incompleti, mostrati così: {p}", p="; ".join(rec.problems))
        )
        self.detail.setText(rec.detail)
        self.facts.setText(self._facts(rec))
        is_plate = rec.type.startswith("anpr.")
        self.plate.setVisible(is_plate)
        if is_plate:
            self.plate.show_record(rec, masked=self.masked)
        open_ = rec.state != AlertState.CLOSED
        for w in widgets:
            w.setEnabled(open_)
        self.ack.setEnabled(open_ and rec.state == AlertState.NEW)
        self.map.setEnabled(rec.lonlat() is not None)
        self.snooze.setEnabled(open_ and prio > 1)
        self.snooze.setToolTip("" if prio > 1 else tr("Un avviso P1 non si può posticipare."))
        confirmed = not is_plate or rec.verification == "confirmed"
        tip = "" if confirmed else tr("Prima registrare la verifica visiva: targa confermata.")
        for w in (self.incident, self.to_ps, self.to_cc):
            w.setEnabled(open_ and confirmed)
            w.setToolTip(tip)
        self.history.setPlainText(self._history(rec))

    def _facts(self, rec: AlertRecord) -> str:
        now = self.clock()
        parts = [
            tr("Stato: {s}", s=labels.state_label(rec.state)),
            tr("Operatore: {o}", o=rec.owner or "—"),
            tr("Creato: {t}", t=rec.created_at.astimezone().strftime("%d/%m %H:%M:%S")),
            tr("SLA: {s}", s=labels.sla(rec, now)),
        ]
        if rec.incident_id:
            parts.append(tr("Evento: {i}", i=rec.incident_id))
        if rec.cameras:
            parts.append(tr("Telecamere: {c}", c=", ".join(rec.cameras)))
        return " · ".join(parts)

    @staticmethod
    def _history(rec: AlertRecord) -> str:
        lines = []
        for a in rec.history:
            when = a.at.astimezone().strftime("%d/%m %H:%M:%S")
            reason = f" — {a.reason}" if a.reason else ""
            lines.append(f"{when}  {a.user}  {a.action}{reason}  [{labels.state_label(a.state)}]")
        return "\n".join(lines) or tr("Nessuna azione registrata.")
