"""Italian-first UI text with English available.

Source strings in the code are Italian; `tr()` returns them unchanged for Italian and looks them
up in `resources/i18n/<lang>/*.json` (one catalogue file per package, key = Italian source text)
for other languages. A missing translation falls back to Italian, never to an empty label.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from console.paths import RESOURCES

log = logging.getLogger(__name__)

LANGUAGES = ("it", "en")
_language = "it"
_catalogue: dict[str, str] = {}


def load_catalogue(lang: str, root: Path = RESOURCES / "i18n") -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((root / lang).glob("*.json")):
        try:
            merged.update(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            log.warning("translation catalogue %s ignored: %s", path, exc)
    return merged


def set_language(lang: str) -> None:
    global _language, _catalogue
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _language = lang
    _catalogue = {} if lang == "it" else load_catalogue(lang)


def language() -> str:
    return _language


def tr(text: str, /, **fields: object) -> str:
    """Translate `text` (Italian source) and fill `{name}` fields."""
    out = _catalogue.get(text, text) if _catalogue else text
    return out.format(**fields) if fields else out
