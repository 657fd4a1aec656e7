"""The plate-hit section of an alert card: what an operator checks before acting on a hotlist hit.

The plate is large, the list says where it comes from and until when it is valid, the images sit
next to each other for a visual comparison, and the verification (confirmed / misread with a
reason) is recorded before any confirmed action unlocks. The training back-end sends no images:
the frames say so honestly instead of showing a placeholder picture.

Signals:
    verify_requested(str, str)  (confirmed | misread, reason)
    trail_requested()           show the recent transits on the map
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.alerts.record import AlertRecord
from console.anpr.plates import PlateFormat
from console.i18n import tr
from widgets.alerts import labels
from widgets.common import theme


class ImageFrame(QWidget):
    """A plate or context image; with no image it states that plainly."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.setMinimumSize(160, 110)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.fillRect(rect, QColor(theme.SURFACE))
        pen = QPen(QColor(theme.BORDER))
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRect(rect)
        painter.drawLine(rect.topLeft(), rect.bottomRight())
        painter.drawLine(rect.topRight(), rect.bottomLeft())
        painter.setPen(QColor(theme.TEXT_MUTED))
        font = QFont(theme.FONT_FAMILY)
        font.setPointSize(theme.FONT_SIZE_PT)
        painter.setFont(font)
        box = rect.adjusted(8, 8, -8, -8)
        painter.fillRect(box.adjusted(20, 30, -20, -30), QColor(theme.SURFACE))
        painter.drawText(
            box,
            Qt.AlignmentFlag.AlignCenter,
            f"{self.caption}\n" + tr("immagine non disponibile"),
        )
        painter.end()


class PlateHitSection(QWidget):
    verify_requested = Signal(str, str)
    trail_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plate = QLabel()
        self.plate.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plate.setStyleSheet(
            "background: #f4f4f0; color: #111111; border: 3px solid #1d3f8f; border-radius: 6px;"
            f" font-family: '{theme.FONT_FAMILY}'; font-size: 30pt; font-weight: bold;"
            " padding: 4px 18px; letter-spacing: 3px;"
        )
        self.format_note = QLabel()
        self.format_note.setStyleSheet(f"color: {theme.WARNING};")
        self.list_label = QLabel()
        self.list_label.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.list_label.setWordWrap(True)
        self.facts = QGridLayout()
        self._fact_labels: dict[str, QLabel] = {}
        self._fact_names: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate(
            (
                ("source", tr("Fonte lista")),
                ("expiry", tr("Validità")),
                ("gate", tr("Varco")),
                ("direction", tr("Direzione")),
                ("time", tr("Transito")),
                ("confidence", tr("Affidabilità lettura")),
                ("match", tr("Corrispondenza")),
                ("reason", tr("Motivo sorveglianza")),
            )
        ):
            name = QLabel(caption)
            name.setStyleSheet(f"color: {theme.TEXT_MUTED};")
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts.addWidget(name, row, 0)
            self.facts.addWidget(value, row, 1)
            self._fact_labels[key] = value
            self._fact_names[key] = name
        images = QHBoxLayout()
        images.addWidget(ImageFrame(tr("Immagine targa")))
        images.addWidget(ImageFrame(tr("Immagine contesto")))
        self.trail = QLabel()
        self.trail.setWordWrap(True)
        self.trail.setTextFormat(Qt.TextFormat.PlainText)
        self.next_gates = QLabel()
        self.next_gates.setWordWrap(True)
        self.trail_button = QPushButton(tr("Transiti recenti sulla mappa"))
        self.trail_button.clicked.connect(self.trail_requested)

        self.verify_state = QLabel()
        self.verify_state.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("Motivo (obbligatorio se lettura errata)"))
        self.confirm = QPushButton(tr("Targa confermata"))
        self.confirm.setToolTip(tr("La targa nell'immagine coincide con quella in lista"))
        self.misread = QPushButton(tr("Lettura errata"))
        self.misread.setToolTip(tr("La lettura non corrisponde al veicolo: indicare il motivo"))
        self.confirm.clicked.connect(lambda: self._verify("confirmed"))
        self.misread.clicked.connect(lambda: self._verify("misread"))
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.reason, 1)
        verify_row.addWidget(self.confirm)
        verify_row.addWidget(self.misread)

        heading = QLabel(tr("Verifica visiva"))
        heading.setStyleSheet("font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.plate)
        top.addWidget(self.format_note, 1)
        layout.addLayout(top)
        layout.addWidget(self.list_label)
        layout.addLayout(self.facts)
        layout.addLayout(images)
        layout.addWidget(self.trail)
        layout.addWidget(self.next_gates)
        layout.addWidget(self.trail_button)
        layout.addWidget(heading)
        layout.addWidget(self.verify_state)
        layout.addLayout(verify_row)

    def _verify(self, result: str) -> None:
        self.verify_requested.emit(result, self.reason.text())

    def show_record(self, rec: AlertRecord, masked: bool = False) -> None:
        p = rec.payload
        plate = rec.plate_display or tr("targa sconosciuta")
        if masked and rec.plate:
            plate = rec.plate[:2] + " ••• ••"  # kiosk: visitors may see the screen
        self.plate.setText(plate)
        note = ""
        if rec.plate_format is PlateFormat.UNKNOWN:
            note = tr("Formato estero o sconosciuto: confrontare con attenzione")
        elif rec.plate_format is PlateFormat.ITALIAN_OLD:
            note = tr("Targa italiana di vecchio formato")
        self.format_note.setText(note)
        self.list_label.setText(labels.list_label(rec))
        expiry = str(p.get("list_expiry") or "")
        last = rec.trail[-1] if rec.trail else None  # the latest transit, for every field
        facts = {
            "source": str(p.get("list_source") or tr("non indicata")),
            "expiry": tr("fino al {d}", d=_day(expiry)) if expiry else tr("non indicata"),
            "gate": last.gate_name if last else str(p.get("gate_name") or tr("sconosciuto")),
            "direction": (last.direction if last else str(p.get("direction") or ""))
            or tr("non indicata"),
            "time": rec.trail[-1].at.astimezone().strftime("%d/%m %H:%M:%S") if rec.trail else "",
            "confidence": _percent(p.get("confidence")),
            "match": _match(p, masked),
            "reason": str(p.get("reason") or ""),
        }
        for key, value in facts.items():
            self._fact_labels[key].setText(value)
        approximate = str(p.get("match_mode") or p.get("match") or "exact") != "exact"
        self._fact_labels["match"].setStyleSheet(
            f"color: {theme.WARNING}; font-weight: bold;" if approximate else ""
        )
        watch = bool(facts["reason"])
        self._fact_labels["reason"].setVisible(watch)
        self._fact_names["reason"].setVisible(watch)
        lines = [tr("Transiti recenti ({n}):", n=len(rec.trail))]
        for s in rec.trail[-8:]:
            when = s.at.astimezone().strftime("%H:%M:%S")
            lines.append(f"  {when}  {s.gate_name}  {s.direction}".rstrip())
        self.trail.setText("\n".join(lines))
        self.next_gates.setText(
            tr("Prossimi varchi probabili: {g}", g=", ".join(rec.next_gates))
            if rec.next_gates
            else tr("Prossimi varchi probabili: non stimabili (posizione varchi non nota)")
        )
        self.trail_button.setEnabled(any(s.lon is not None for s in rec.trail))
        if rec.verification == "confirmed":
            text = tr("Confermata: {r}", r=rec.verification_reason or "—")
            colour = theme.OK
        elif rec.verification == "misread":
            text = tr("Lettura errata: {r}", r=rec.verification_reason or "—")
            colour = theme.WARNING
        else:
            text = tr("Da fare: confrontare targa e immagine prima di qualsiasi azione confermata.")
            colour = theme.PRIORITY[2]
        self.verify_state.setText(text)
        self.verify_state.setStyleSheet(f"color: {colour}; font-weight: bold;")


def _match(payload: dict[str, object], masked: bool) -> str:
    """How the read matched the list: an approximate match needs a closer look at the image."""
    mode = str(payload.get("match_mode") or payload.get("match") or "exact")
    read = str(payload.get("read") or "") or "?"
    if masked:
        read = read[:2] + "•••"
    if mode == "exact":
        return tr("esatta")
    if mode == "ocr":
        return tr("simile (caratteri che l'OCR confonde): letta «{r}»", r=read)
    if mode == "edit1":
        return tr("un carattere mancante o in più: letta «{r}»", r=read)
    return mode


def _percent(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return tr("non indicata")
    return f"{number * 100:.0f} %" if number <= 1 else f"{number:.0f} %"


def _day(value: str) -> str:
    return value[:10] if len(value) >= 10 else value
