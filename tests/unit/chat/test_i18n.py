"""Every Italian UI string of the chat packages has an English entry with the same fields."""

from __future__ import annotations

import ast
import json
import re

from console.paths import REPO_ROOT, RESOURCES
from widgets.chat.channel_list import SECTIONS


def _tr_strings() -> set[str]:
    found: set[str] = set(SECTIONS.values())
    paths = [
        *(REPO_ROOT / "console/chat").glob("*.py"),
        *(REPO_ROOT / "widgets/chat").glob("*.py"),
        REPO_ROOT / "console/training/routes_chat.py",
    ]
    for path in paths:
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


def test_english_catalogue_covers_chat_strings() -> None:
    catalogue = json.loads((RESOURCES / "i18n" / "en" / "chat.json").read_text("utf-8"))
    assert sorted(_tr_strings() - set(catalogue)) == []
    for source, text in catalogue.items():
        assert text.strip()
        assert set(re.findall(r"\{\w+\}", source)) == set(re.findall(r"\{\w+\}", text)), source
