"""Logging to stderr and to a rotating file in the state dir, with secrets scrubbed.

Operators never see a traceback; support staff find it in the log file, without passwords.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import re
from pathlib import Path

from console.paths import state_dir

_CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s:]+:[^/@\s]*@")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_PASSWORD_FIELD = re.compile(r"(?i)(password[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+")


def scrub(text: str) -> str:
    """Remove credentials from URLs, bearer tokens and password fields."""
    text = _CREDENTIALS_IN_URL.sub(r"\g<scheme>***@", text)
    text = _BEARER.sub(r"\1***", text)
    return _PASSWORD_FIELD.sub(r"\1***", text)


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class BriefFormatter(ScrubbingFormatter):
    """For the terminal: one line per record; the traceback stays in the log file."""

    def __init__(self, log_path: Path) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.log_path = log_path

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        if record.exc_info:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        if saved[0]:
            line += f" (dettagli in {self.log_path})"
        return line


def setup_logging(level: str = "INFO", log_dir: Path | None = None) -> Path:
    """Install the handlers once; return the log file path."""
    directory = log_dir or state_dir() / "logs"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "centrale.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_centrale", False):
            root.removeHandler(handler)
            handler.close()
    fmt = ScrubbingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(fmt)
    stderr_handler = logging.StreamHandler()
    stderr_handler.setFormatter(BriefFormatter(path))
    stderr_handler.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [file_handler, stderr_handler]
    for handler in handlers:
        setattr(handler, "_centrale", True)  # noqa: B010 - marks our handlers for re-setup
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


# Qt categories whose warnings describe the machine, not a fault an operator can act on (no
# hardware decoder, no PipeWire, a platform plugin without some window hint): they go to the
# log file, not to the terminal. What a camera did wrong reaches the tile in words anyway.
QUIET_QT_CATEGORIES = ("qt.multimedia", "qt.qpa", "qt.rhi")
_QUIET_QT_MESSAGES = ("This plugin does not support",)


def route_qt_messages() -> None:
    """Qt's own messages into our logging (category `qt.*`), scrubbed like everything else."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        category = str(getattr(context, "category", "") or "default")
        name = category if category.startswith("qt") else f"qt.{category}"
        level = levels.get(kind, logging.WARNING)
        if level == logging.WARNING and (
            name.startswith(QUIET_QT_CATEGORIES) or message.startswith(_QUIET_QT_MESSAGES)
        ):
            level = logging.INFO
        logging.getLogger(name).log(level, "%s", message)

    qInstallMessageHandler(handler)
    # Qt threads can still print while Python shuts down: give them Qt's own handler back.
    atexit.register(qInstallMessageHandler, None)
