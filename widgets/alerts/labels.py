"""Operator-facing words and icons for alerts: one place, so every view says the same thing."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from console.alerts.record import UNKNOWN, AlertRecord
from console.anpr.plates import PlateFormat
from console.api.contract import AlertState
from console.i18n import tr
from widgets.common import theme

ANPR_LISTS = {
    "A1": "SCNTT A1 · rubati",
    "A2": "SCNTT A2 · senza revisione",
    "C": "SCNTT C · segnalati",
    "municipal": "Lista comunale",
    "watch": "Sorveglianza operatore",
}


def state_label(state: AlertState) -> str:
    return {
        AlertState.NEW: tr("Nuovo"),
        AlertState.ACKNOWLEDGED: tr("Preso in carico"),
        AlertState.ASSIGNED: tr("Assegnato"),
        AlertState.IN_PROGRESS: tr("In lavorazione"),
        AlertState.CLOSED: tr("Chiuso"),
    }.get(state, tr("Sconosciuto"))


def type_family(kind: str) -> str:
    """anpr | cap | sensor | unit | other: drives icon, filter and label."""
    head = kind.split(".", 1)[0]
    return head if head in ("anpr", "cap", "sensor", "unit") else "other"


def type_label(rec: AlertRecord) -> str:
    family = type_family(rec.type)
    if family == "anpr":
        lst = str(rec.payload.get("list", ""))
        if lst == "watch":  # the operators' own watchlist
            return tr("Targa sorvegliata")
        return tr("Targa") + (f" {lst}" if lst else "")
    if family == "cap":
        return tr("Meteo")
    if rec.type == "sensor.hydro":
        return tr("Idrometro")
    if family == "sensor":
        return tr("Sensore")
    if rec.type == "unit.emergency":
        return tr("Emergenza pattuglia")
    if family == "unit":
        return tr("Pattuglia")
    if family == "other" and rec.type.startswith("analytics."):
        return tr("Analisi video")
    if rec.type == UNKNOWN:
        return tr("Tipo sconosciuto")
    return rec.type if rec.known_type else tr("Tipo sconosciuto") + f" ({rec.type})"


def subject(rec: AlertRecord) -> str:
    if rec.plate:
        text = rec.plate_display
        if rec.plate_format is PlateFormat.UNKNOWN:
            text += " · " + tr("formato estero/sconosciuto")
        if len(rec.trail) > 1:
            text += " · " + tr("{n} varchi", n=len(rec.trail))
        if str(rec.payload.get("match") or "exact") != "exact":  # look at the image closely
            text += " · " + tr("letta {r}", r=str(rec.payload.get("read") or "?"))
    elif rec.type.startswith("anpr."):
        text = tr("targa sconosciuta")
    else:
        text = rec.title
    if rec.exercise:
        text = tr("ESERCITAZIONE") + " · " + text
    return text


def place(rec: AlertRecord) -> str:
    p = rec.payload
    if rec.trail:
        return rec.trail[-1].gate_name
    for key in ("area", "municipio", "station", "address", "gate_name"):
        if p.get(key):
            return str(p[key])
    return ""


def row_strings(rec: AlertRecord) -> tuple[str, ...]:
    """Cached strings for the static columns; age and SLA are computed at paint time."""
    owner = rec.owner or ""
    return (
        f"P{rec.priority}",
        type_label(rec),
        subject(rec),
        place(rec),
        "",
        state_label(rec.state) + (" ⚠" if rec.problems else ""),
        owner,
        "",
    )


def age(created: datetime, now: datetime) -> str:
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 60:
        return tr("{s} s", s=seconds)
    if seconds < 3600:
        return tr("{m} min", m=seconds // 60)
    if seconds < 86400:
        return tr("{h} h {m:02d}", h=seconds // 3600, m=seconds % 3600 // 60)
    return tr("{d} g", d=seconds // 86400)


def sla(rec: AlertRecord, now: datetime) -> str:
    if rec.escalated and rec.state == AlertState.NEW:
        return tr("SCADUTO → supervisore")
    if rec.snoozed_until is not None and rec.snoozed_until > now:
        return tr("rinviato {t}", t=rec.snoozed_until.astimezone().strftime("%H:%M"))
    if rec.sla_due is None or rec.state != AlertState.NEW:
        return "—"
    left = int((rec.sla_due - now).total_seconds())
    if left <= 0:
        return tr("scaduto")
    return f"{left // 60}:{left % 60:02d}"


def tooltip(rec: AlertRecord) -> str:
    lines = [rec.title]
    if rec.detail:
        lines.append(rec.detail)
    if rec.problems:
        lines.append(tr("Dati ricevuti incompleti, corretti così: {p}", p="; ".join(rec.problems)))
    lines.append(tr("Invio: apri · A: prendi in carico · M: assegna a me · N: crea evento"))
    return "\n".join(lines)


_GLYPH = {"anpr": "T", "cap": "M", "sensor": "I", "unit": "!", "other": "?"}


@cache
def _pixmap(family: str, priority: int) -> QPixmap:
    size = 16
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(theme.PRIORITY.get(priority, theme.TEXT_MUTED)))
    if family == "unit":
        painter.drawRect(QRectF(1, 1, size - 2, size - 2))
    else:
        painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.setPen(QColor(theme.PRIORITY_TEXT.get(priority, theme.TEXT)))
    font = QFont(theme.FONT_FAMILY)
    font.setPixelSize(11)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, _GLYPH[family])
    painter.end()
    return pix


def type_pixmap(kind: str, priority: int) -> QPixmap:
    """16 px, the view's decoration size: painted as is, never rescaled at paint time."""
    return _pixmap(type_family(kind), priority)


def type_icon(kind: str, priority: int) -> QIcon:
    return QIcon(_pixmap(type_family(kind), priority))


def list_label(rec: AlertRecord) -> str:
    p = rec.payload
    lst = str(p.get("list", ""))
    return str(p.get("list_label") or ANPR_LISTS.get(lst) or lst or tr("lista sconosciuta"))
