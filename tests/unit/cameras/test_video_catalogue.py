"""Every Italian string of the video packages has an English entry with the same fields."""

from __future__ import annotations

import ast
import json
import string

from console.paths import REPO_ROOT, RESOURCES


def _tr_strings() -> set[str]:
    found: set[str] = set()
    files = [*(REPO_ROOT / "console" / "cameras").glob("*.py")]
    files += (REPO_ROOT / "widgets" / "video").glob("*.py")
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_catalogue_covers_video_strings() -> None:
    catalogue = json.loads((RESOURCES / "i18n" / "en" / "video.json").read_text(encoding="utf-8"))
    strings = _tr_strings()
    assert len(strings) > 50
    missing = sorted(strings - catalogue.keys())
    assert not missing, missing
    for key in strings:
        assert _fields(key) == _fields(catalogue[key]), key
