"""Camera URLs as they may be shown or logged: never with the password."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit


def redact(url: str) -> str:
    """`rtsp://user:secret@host/x` -> `rtsp://user:***@host/x`; other URLs unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<URL non valido>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*:)[^@\s/]*@")


def scrub(text: str) -> str:
    """Hide any `scheme://user:password@` inside free text (player error messages, logs)."""
    return _CREDENTIALS.sub(r"\1***@", text)
