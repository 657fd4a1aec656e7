"""The printable incident report (PDF), for the file and for agencies without a data link.

QTextDocument lays out a simple HTML page and QPdfWriter prints it to A4; it lives in widgets/
because console/ may not import QtGui. Text fields are HTML-escaped: a narrative may contain
anything a caller said.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

from console.api import contract
from console.i18n import tr
from console.incidents import lifecycle, taxonomy
from console.incidents.timeline import Entry


def _e(value: object) -> str:
    return html.escape(str(value or "")).replace("\n", "<br>")


def report_html(incident: contract.Incident, entries: list[Entry],
                units: dict[str, contract.Unit], operator: str) -> str:
    kind = taxonomy.get(incident.type)
    rows = [
        (tr("Tipo"), kind.label), (tr("Priorità"), f"P{incident.priority}"),
        (tr("Stato"), lifecycle.label(incident.status.value)),
        (tr("Luogo"), ", ".join(x for x in (incident.address, incident.nil, incident.municipio,
                                             incident.comune) if x)),
        (tr("Coordinate"), f"{incident.lat:.6f}, {incident.lon:.6f}"
         if incident.lat is not None and incident.lon is not None else "—"),
        (tr("Chiamante"), " · ".join(x for x in (incident.caller.name, incident.caller.phone,
                                                  incident.caller.reliability) if x) or "—"),
        (tr("Aperto"), incident.created_at.astimezone().strftime("%d/%m/%Y %H:%M:%S")
         + f" ({incident.created_by})"),
        (tr("Unità"), ", ".join(units[u].callsign if u in units else u for u in incident.units)
         or "—"),
        (tr("Allarmi collegati"), ", ".join(incident.alerts) or "—"),
        (tr("Etichette"), ", ".join(incident.tags) or "—"),
    ]
    table = "".join(f"<tr><th align='left'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    people = "".join(f"<li>{_e(' — '.join(x for x in (p.name, p.role, p.note) if x))}</li>"
                     for p in incident.people) or f"<li>{_e(tr('nessuna'))}</li>"
    vehicles = "".join(f"<li>{_e(v.plate)} — {_e(v.description)}</li>"
                       for v in incident.vehicles) or f"<li>{_e(tr('nessuno'))}</li>"
    steps = "".join(
        f"<tr><td>{e.at.astimezone().strftime('%d/%m %H:%M:%S')}</td><td>{_e(e.text)}</td>"
        f"<td>{_e(e.user)}</td></tr>" for e in entries)
    printed = datetime.now(UTC).astimezone().strftime("%d/%m/%Y %H:%M")
    return (
        f"<h2>{_e(tr('Rapporto evento'))} {_e(incident.id)} (v{incident.version})</h2>"
        f"<p>{_e(tr('Polizia Locale di Milano — Centrale Operativa'))}</p>"
        f"<table cellpadding='3'>{table}</table>"
        f"<h3>{_e(tr('Descrizione'))}</h3><p>{_e(incident.narrative) or '—'}</p>"
        f"<h3>{_e(tr('Persone'))}</h3><ul>{people}</ul>"
        f"<h3>{_e(tr('Veicoli'))}</h3><ul>{vehicles}</ul>"
        f"<h3>{_e(tr('Cronologia'))}</h3><table cellpadding='3'>{steps}</table>"
        f"<p><small>{_e(tr('Stampato il {t} da {op}', t=printed, op=operator))}</small></p>")


def write_pdf(path: Path, incident: contract.Incident, entries: list[Entry],
              units: dict[str, contract.Unit], operator: str) -> None:
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(150)
    writer.setTitle(f"{tr('Rapporto evento')} {incident.id}")
    doc = QTextDocument()
    doc.setDefaultStyleSheet("body { font-family: 'DejaVu Sans'; font-size: 10pt; }"
                             "th { color: #333; }")
    doc.setHtml(report_html(incident, entries, units, operator))
    doc.setPageSize(writer.pageLayout().paintRectPixels(writer.resolution()).size().toSizeF())
    doc.print_(writer)
