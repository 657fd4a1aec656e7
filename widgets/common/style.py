"""One application style sheet made from theme.py, so every panel gets the same calm dark look.

The .qss in resources/styles holds `@NAME@` tokens for theme values; the colours themselves live
only in theme.py.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from console.paths import RESOURCES
from widgets.common import theme

log = logging.getLogger(__name__)

STYLE_PATH = RESOURCES / "styles" / "centrale.qss"
_TOKEN = re.compile(r"@([A-Z_]+)@")


def theme_tokens(touch: bool = False) -> dict[str, str]:
    base = theme.FONT_SIZE_PT + (3 if touch else 0)
    tokens = {
        name: value
        for name, value in vars(theme).items()
        if name.isupper() and isinstance(value, str) and value.startswith("#")
    }
    tokens.update(
        FONT_FAMILY=theme.FONT_FAMILY,
        FONT_PT=str(base),
        FONT_SMALL_PT=str(base),  # never below the legible minimum
        FONT_LARGE_PT=str(base + 2),
        P1=theme.PRIORITY[1],
        P1_TEXT=theme.PRIORITY_TEXT[1],
        PAD=str(8 if touch else 4),
        ROW=str(44 if touch else 26),
    )
    return tokens


def style_sheet(path: Path = STYLE_PATH, touch: bool = False) -> str:
    """The style sheet with theme values filled in; unknown tokens are logged and left empty."""
    tokens = theme_tokens(touch)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in tokens:
            log.warning("style sheet token @%s@ has no theme value", name)
            return ""
        return tokens[name]

    return _TOKEN.sub(fill, path.read_text(encoding="utf-8"))


def apply_style(app: QApplication, touch: bool = False) -> None:
    """Font and style sheet for the whole application. A missing sheet keeps Qt's default look."""
    font = QFont(theme.FONT_FAMILY)
    font.setPointSize(theme.FONT_SIZE_PT + (3 if touch else 0))
    app.setFont(font)
    try:
        app.setStyleSheet(style_sheet(touch=touch))
    except OSError as exc:
        log.warning("style sheet %s not loaded: %s", STYLE_PATH, exc)
