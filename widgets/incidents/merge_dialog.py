"""Asks the operator, field by field, which version to keep when another operator saved first.

Only true conflicts are asked; fields merged automatically are listed so the operator sees what
came from the colleague. Nothing is chosen silently: every conflict starts on neither choice until
the operator picks, and "Applica" stays disabled until all are decided.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.i18n import tr
from console.incidents.merge import MergeResult, field_label
from widgets.common import theme


def _show(value: Any) -> str:
    if value in (None, "", [], ()):
        return tr("(vuoto)")
    if isinstance(value, tuple):  # location: lon, lat, municipio, nil, comune
        lon, lat, _municipio, nil, comune = value
        where = nil or comune or ""
        try:
            point = f"{float(lat):.5f}, {float(lon):.5f}"
        except (TypeError, ValueError):
            point = f"{lat}, {lon}"
        return point + (f" ({where})" if where else "")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)[:300]
    return str(value)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MergeDialog(QDialog):
    def __init__(self, result: MergeResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Scheda modificata da un altro operatore"))
        self.merge = result
        self.groups: dict[str, QButtonGroup] = {}
        self.setStyleSheet(
            f"QDialog {{ font-size: {theme.FONT_SIZE_PT}pt; }}"
            f"QRadioButton::indicator {{ width: 14px; height: 14px; border-radius: 8px;"
            f" border: 2px solid {theme.TEXT_MUTED}; }}"
            f"QRadioButton::indicator:checked {{ background: {theme.ACCENT};"
            f" border-color: {theme.ACCENT}; }}")
        intro = QLabel(tr("Mentre lavoravi, un altro operatore ha salvato questa scheda "
                          "(versione {v}). Scegli per ogni campo quale valore tenere.",
                          v=result.version))
        intro.setWordWrap(True)
        body = QWidget()
        grid = QGridLayout(body)
        grid.addWidget(QLabel(f"<b>{tr('Campo')}</b>"), 0, 0)
        grid.addWidget(QLabel(f"<b>{tr('La tua modifica')}</b>"), 0, 1)
        grid.addWidget(QLabel(f"<b>{tr('Versione del collega')}</b>"), 0, 2)
        for row, conflict in enumerate(result.conflicts, start=1):
            group = QButtonGroup(self)
            mine = QRadioButton(_short(_show(conflict.mine)))
            theirs = QRadioButton(_short(_show(conflict.theirs)))
            for button, choice, value in ((mine, "mine", conflict.mine),
                                          (theirs, "theirs", conflict.theirs)):
                button.setProperty("choice", choice)
                button.setToolTip(_show(value) + "\n\n" + tr("Prima delle modifiche: {v}",
                                                              v=_show(conflict.base)))
                group.addButton(button)
            group.buttonClicked.connect(self._update_ok)
            self.groups[conflict.field] = group
            grid.addWidget(QLabel(conflict.label), row, 0)
            grid.addWidget(mine, row, 1)
            grid.addWidget(theirs, row, 2)
        grid.setRowStretch(len(result.conflicts) + 1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        auto = QGroupBox(tr("Unite automaticamente"))
        al = QVBoxLayout(auto)
        theirs_fields = ", ".join(field_label(f) for f in result.from_theirs) or tr("nessuna")
        mine_fields = ", ".join(field_label(f) for f in result.from_mine) or tr("nessuna")
        al.addWidget(QLabel(tr("Dal collega: {f}", f=theirs_fields)))
        al.addWidget(QLabel(tr("Tue: {f}", f=mine_fields)))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Applica e salva"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            tr("Decidi più tardi (resta in bozza)"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(auto)
        layout.addWidget(self.buttons)
        self.resize(820, 420)
        self._update_ok()

    def choose(self, field: str, choice: str) -> None:
        for button in self.groups[field].buttons():
            if button.property("choice") == choice:
                button.setChecked(True)
        self._update_ok()

    def choices(self) -> dict[str, str]:
        out = {}
        for name, group in self.groups.items():
            checked = group.checkedButton()
            if checked is not None:
                out[name] = str(checked.property("choice"))
        return out

    def _update_ok(self, *_args: object) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(len(self.choices()) == len(self.groups))
