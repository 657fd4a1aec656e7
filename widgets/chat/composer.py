"""Where the operator writes: Enter sends, Shift+Enter starts a new line; quick replies and
templates from a menu; a flash toggle; a character counter that turns red past the limit.

The composer never clears itself: the panel clears it once the service has accepted the message,
so a refused message (too long, unknown channel, no link) stays here with the reason beside it.

Signals:
    submitted(str text, bool flash)
    cancel_correction()
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.chat.model import MAX_TEXT
from console.chat.templates import QUICK_REPLIES, TEMPLATES, Template
from console.i18n import tr
from widgets.common import theme


def _note_row(
    colour: str, undo_text: str, undo: Callable[[], object] | SignalInstance
) -> tuple[QWidget, QLabel]:
    """A hidden line above the text: what the next message carries, and how to drop it."""
    row_widget = QWidget()
    row = QHBoxLayout(row_widget)
    row.setContentsMargins(0, 0, 0, 0)
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(f"color: {colour};")
    row.addWidget(label, 1)
    button = QPushButton(undo_text)
    button.clicked.connect(undo)
    row.addWidget(button)
    row_widget.hide()
    return row_widget, label


class ComposerEdit(QPlainTextEdit):
    """Plain text only: pasted rich text arrives as its characters, never as markup."""

    submit = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.submit.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    submitted = Signal(str, bool)
    cancel_correction = Signal()
    clear_attachment = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatComposer")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 0)
        box.setSpacing(4)

        self.correction, self.correction_label = _note_row(
            theme.WARNING, tr("Annulla correzione"), self.cancel_correction
        )
        box.addWidget(self.correction)
        self.attached, self.attached_label = _note_row(
            theme.ACCENT, tr("Togli allegato"), self.clear_attachment
        )
        box.addWidget(self.attached)

        self.edit = ComposerEdit()
        self.edit.setObjectName("chatEdit")
        self.edit.setPlaceholderText(
            tr("Scrivere il messaggio (Invio invia, Maiusc+Invio va a capo)")
        )
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(76)
        self.edit.submit.connect(self._submit)
        self.edit.textChanged.connect(self._update_counter)
        box.addWidget(self.edit)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.templates = QToolButton()
        self.templates.setText(tr("Risposte rapide ▾"))
        self.templates.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.templates)
        for tpl in QUICK_REPLIES:
            self.menu.addAction(tpl.label, partial(self.use_template, tpl))
        self.menu.addSeparator()
        for tpl in TEMPLATES:
            self.menu.addAction(tr("Modello: {l}", l=tpl.label), partial(self.use_template, tpl))
        self.templates.setMenu(self.menu)
        bar.addWidget(self.templates)
        self.flash = QPushButton(tr("FLASH"))
        self.flash.setCheckable(True)
        self.flash.setToolTip(
            tr(
                "Messaggio flash: chi lo riceve deve confermare la ricezione; "
                "senza conferma l'avviso sale di livello."
            )
        )
        self.flash.toggled.connect(self._on_flash)
        bar.addWidget(self.flash)
        self.attach = QToolButton()
        self.attach.setText(tr("Allega ▾"))
        self.attach.setToolTip(tr("Allega l'evento o l'allarme selezionato, con la sua posizione"))
        self.attach.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.attach_menu = QMenu(self.attach)
        self.attach.setMenu(self.attach_menu)
        bar.addWidget(self.attach)
        self.notice = QLabel()
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.setObjectName("chatNotice")
        bar.addWidget(self.notice, 1)
        self.counter = QLabel()
        self.counter.setObjectName("chatCounter")
        bar.addWidget(self.counter)
        self.send = QPushButton(tr("Invia"))
        self.send.setDefault(True)
        self.send.clicked.connect(self._submit)
        bar.addWidget(self.send)
        box.addLayout(bar)
        self._update_counter()
        self._on_flash(False)

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)
        self.edit.moveCursor(QTextCursor.MoveOperation.End)
        self.edit.setFocus()

    def set_attachment(self, text: str | None) -> None:
        self.attached.setVisible(bool(text))
        self.attached_label.setText(text or "")

    def clear(self) -> None:
        self.edit.clear()
        self.flash.setChecked(False)
        self.show_notice("")

    def show_notice(self, text: str, level: str = "warn") -> None:
        colour = {"error": theme.ERROR, "warn": theme.WARNING}.get(level, theme.TEXT_MUTED)
        self.notice.setStyleSheet(f"color: {colour};")
        self.notice.setText(text)

    def set_correction(self, text: str | None) -> None:
        self.correction.setVisible(bool(text))
        self.correction_label.setText(text or "")

    def use_template(self, tpl: Template) -> None:
        """Quick replies and templates land in the composer; the operator checks and sends."""
        self.edit.setPlainText(tpl.text)
        if tpl.flash:
            self.flash.setChecked(True)
        field = re.search(r"\{[^}]*\}", tpl.text)
        cursor = self.edit.textCursor()
        if field is not None:  # select the first field to overwrite it
            cursor.setPosition(field.start())
            cursor.setPosition(field.end(), QTextCursor.MoveMode.KeepAnchor)
        else:
            cursor.movePosition(QTextCursor.MoveOperation.End)
        self.edit.setTextCursor(cursor)
        self.edit.setFocus()

    def _submit(self) -> None:
        self.submitted.emit(self.text(), self.flash.isChecked())

    def _update_counter(self) -> None:
        n = len(self.text())
        over = n > MAX_TEXT
        self.counter.setText(f"{n}/{MAX_TEXT}")
        self.counter.setStyleSheet(
            f"color: {theme.ERROR if over else theme.TEXT_MUTED};"
            + (" font-weight: bold;" if over else "")
        )

    def _on_flash(self, on: bool) -> None:
        self.flash.setStyleSheet(
            f"background: {theme.PRIORITY[1]}; color: #ffffff; font-weight: bold;" if on else ""
        )
