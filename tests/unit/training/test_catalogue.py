"""Every Italian message the training back-end can send has an English translation."""

from __future__ import annotations

import ast
import json

from console.paths import REPO_ROOT, RESOURCES

OWN = sorted(p for p in (REPO_ROOT / "console" / "training").glob("*.py")
             if p.name != "streams.py" and not p.name.startswith("clips"))


def _keys() -> set[str]:
    keys: set[str] = set()
    for path in OWN:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "tr" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                keys.add(node.args[0].value)
    return keys


def test_english_catalogue_is_complete_and_has_no_leftovers() -> None:
    catalogue = json.loads((RESOURCES / "i18n" / "en" / "training.json").read_text("utf-8"))
    keys = _keys()
    assert len(keys) > 50
    assert sorted(keys - set(catalogue)) == []
    assert sorted(set(catalogue) - keys) == []
    for it, en in catalogue.items():  # same placeholders on both sides
        assert sorted(_fields(it)) == sorted(_fields(en)), it


def _fields(text: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(text) if f]
