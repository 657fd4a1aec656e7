"""Panels by name, so a layout file can place a panel its package registered without the shell
knowing that package.

A panel factory that fails (bad params, a bug, a missing resource) must cost one panel, not the
workstation: `create()` turns the exception into an error panel that says what happened, and logs
the traceback for the technicians.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.i18n import tr
from widgets.common import theme
from widgets.shell.context import PanelContext

log = logging.getLogger(__name__)

PanelFactory = Callable[[PanelContext, dict[str, Any]], QWidget]


@dataclass(frozen=True)
class PanelInfo:
    name: str
    factory: PanelFactory
    title: str
    description: str = ""


class PanelRegistry:
    def __init__(self) -> None:
        self._panels: dict[str, PanelInfo] = {}

    def register(
        self, name: str, factory: PanelFactory, title: str, description: str = ""
    ) -> None:
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"panel name {name!r}: use letters, digits, '-' or '_'")
        if name in self._panels:
            raise ValueError(f"panel {name!r} is already registered")
        self._panels[name] = PanelInfo(name, factory, title, description)

    def names(self) -> list[str]:
        return sorted(self._panels)

    def info(self, name: str) -> PanelInfo | None:
        return self._panels.get(name)

    def title(self, name: str) -> str:
        info = self._panels.get(name)
        return info.title if info else name

    def __contains__(self, name: object) -> bool:
        return name in self._panels

    def create(
        self, name: str, ctx: PanelContext, params: Mapping[str, Any] | None = None
    ) -> QWidget:
        """The panel, or an ErrorPanel saying why it could not be built; never raises."""
        info = self._panels.get(name)
        if info is None:
            return ErrorPanel(
                tr("Pannello \"{name}\" non disponibile in questa installazione.", name=name)
            )
        try:
            widget: object = info.factory(ctx, dict(params or {}))
        except Exception as exc:
            log.exception("panel %r could not be built with params %r", name, params)
            return ErrorPanel(
                tr("Il pannello \"{title}\" non si è avviato: {reason}", title=info.title,
                   reason=_short(exc)),
                tr("Gli altri pannelli funzionano. Il dettaglio è nel registro tecnico."),
            )
        if not isinstance(widget, QWidget):
            log.error("panel %r factory returned %r, not a QWidget", name, type(widget))
            return ErrorPanel(
                tr("Il pannello \"{title}\" non si è avviato: errore interno.", title=info.title)
            )
        return widget


class ErrorPanel(QWidget):
    """Stands in for a panel that could not be built, in plain words and calm colours."""

    def __init__(self, message: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.message = message
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for text, colour, bold in ((message, theme.WARNING, True), (hint, theme.TEXT_MUTED, False)):
            if not text:
                continue
            label = QLabel(text)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet(
                f"color: {colour}; font-size: {theme.FONT_SIZE_PT + (2 if bold else 0)}pt;"
                + (" font-weight: bold;" if bold else "")
            )
            layout.addWidget(label)
        layout.addStretch(1)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
