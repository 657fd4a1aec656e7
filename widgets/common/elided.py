"""A one-line label that shortens its text with "…" instead of widening its window.

A long announcement in a status strip must never push a window wider than its screen; the full
text stays available as the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(
        self, text: str = "", parent: QWidget | None = None, stretch: bool = False
    ) -> None:
        """`stretch`: take whatever width is left (announcements); otherwise ask for the
        text's width and give way when space is short."""
        super().__init__(parent)
        self._full = ""
        horizontal = QSizePolicy.Policy.Ignored if stretch else QSizePolicy.Policy.Preferred
        self.setSizePolicy(horizontal, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text if self._elide() != text else "")

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        hint.setWidth(self.fontMetrics().horizontalAdvance(self._full) + 8)
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> str:
        shown = self.fontMetrics().elidedText(
            self._full, Qt.TextElideMode.ElideRight, max(0, self.width() - 4)
        )
        super().setText(shown)
        return shown
