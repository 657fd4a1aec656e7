"""Every Italian UI string of the incident packages has an English entry with the same fields."""

from __future__ import annotations

import ast
import json
import re

from console.paths import REPO_ROOT, RESOURCES


def _tr_strings() -> set[str]:
    found: set[str] = set()
    for folder in ("console/incidents", "widgets/incidents"):
        for path in (REPO_ROOT / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr"
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found.add(node.args[0].value)
    taxonomy = json.loads((RESOURCES / "incidents" / "taxonomy.json").read_text("utf-8"))
    found.update(t["label"] for t in taxonomy["types"])
    return found


def test_english_catalogue_covers_incident_strings() -> None:
    catalogue = json.loads((RESOURCES / "i18n" / "en" / "incidents.json").read_text("utf-8"))
    missing = sorted(_tr_strings() - set(catalogue))
    assert missing == []
    for source, text in catalogue.items():
        assert text.strip()
        assert set(re.findall(r"\{\w+\}", source)) == set(re.findall(r"\{\w+\}", text)), source
