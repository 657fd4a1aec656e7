"""Every Italian UI string has an English entry, with the same {fields}, in its area's catalogue.

One table of areas (source files -> catalogue) instead of one copy of this check per area. The
strings are the literal first arguments of `tr(...)` calls, plus data-driven labels an area shows.
"""

from __future__ import annotations

import ast
import json
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.paths import REPO_ROOT, RESOURCES


def tr_strings(paths: Iterable[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def fields(text: str) -> list[str]:
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)


def _chat_sections() -> set[str]:
    from widgets.chat.channel_list import SECTIONS

    return set(SECTIONS.values())


def _incident_types() -> set[str]:
    taxonomy = json.loads((RESOURCES / "incidents" / "taxonomy.json").read_text("utf-8"))
    return {t["label"] for t in taxonomy["types"]}


def _layout_titles() -> set[str]:
    """What the shipped layouts name on screen: the mode, each screen, each panel."""
    import tomllib

    titles: set[str] = set()
    for path in sorted((REPO_ROOT / "layouts").glob("*.toml")):
        doc = tomllib.loads(path.read_text("utf-8"))
        titles.add(doc["title"])
        for screen in doc.get("screens", []):
            titles.update(t for t in [screen.get("title")] if t)
            titles.update(p["title"] for p in screen.get("panels", []) if p.get("title"))
    return titles


@dataclass(frozen=True)
class Area:
    catalogue: str
    sources: tuple[str, ...]  # globs below the repository root
    skip: tuple[str, ...] = ()  # file names left out (not UI: e.g. stream plumbing)
    extra: Callable[[], set[str]] | None = None
    at_least: int = 1
    no_leftovers: bool = False  # the catalogue holds nothing the sources no longer say

    def paths(self) -> list[Path]:
        found = {p for pattern in self.sources for p in REPO_ROOT.glob(pattern)}
        return sorted(p for p in found if p.name not in self.skip)

    def strings(self) -> set[str]:
        found = tr_strings(self.paths())
        return found | (self.extra() if self.extra is not None else set())


AREAS = {
    "chat": Area(
        "chat", ("console/chat/*.py", "widgets/chat/*.py"), extra=_chat_sections, at_least=30
    ),
    "video": Area("video", ("console/cameras/*.py", "widgets/video/*.py"), at_least=50),
    "incidents": Area(
        "incidents",
        ("console/incidents/*.py", "widgets/incidents/*.py"),
        extra=_incident_types,
        at_least=50,
    ),
    "alerts": Area(
        "alerts", ("console/alerts/*.py", "console/anpr/*.py", "widgets/alerts/*.py"), at_least=100
    ),
    "map": Area("map", ("console/geo/*.py", "console/units/*.py", "widgets/map/*.py"), at_least=50),
    "api": Area("api", ("console/api/*.py", "widgets/common/login.py"), at_least=20),
    "shell": Area(
        "shell",
        ("console/*.py", "widgets/shell/*.py", "widgets/common/*.py", "widgets/journal/*.py"),
        skip=("login.py",),
        extra=_layout_titles,
        at_least=50,
    ),
    "training": Area(
        "training",
        ("console/training/*.py",),
        skip=("streams.py", "clips.py"),
        at_least=50,
        no_leftovers=True,
    ),
}


@pytest.mark.parametrize("name", sorted(AREAS))
def test_every_string_has_english_with_the_same_fields(name: str) -> None:
    area = AREAS[name]
    path = RESOURCES / "i18n" / "en" / f"{area.catalogue}.json"
    catalogue: dict[str, str] = json.loads(path.read_text("utf-8"))
    strings = area.strings()
    assert len(strings) >= area.at_least, "the sources were not found"
    assert sorted(strings - set(catalogue)) == [], f"missing in {path.name}"
    if area.no_leftovers:
        assert sorted(set(catalogue) - strings) == [], f"left over in {path.name}"
    for source, english in catalogue.items():
        assert english.strip(), source
        assert fields(source) == fields(english), source
