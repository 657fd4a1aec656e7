"""Search by name across everything the map knows: units, cameras, places, pack features.

Operators type fragments ("loreto", "PL 12", "niguarda"), often without accents or capitals, so
matching folds case and accents; whole-word prefixes rank before substrings, shorter names first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # unit, camera, place, or a pack layer id
    ref: str  # id within kind
    lon: float
    lat: float
    detail: str = ""  # layer title, agency, ...


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


class Gazetteer:
    """A name index rebuilt when sources change; search is a linear scan over folded names,
    which takes ~2 ms for 10,000 entries - cheaper than maintaining a trie per keystroke."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._entries: list[tuple[str, Entry]] = []
        self.extend(entries)

    def extend(self, entries: Iterable[Entry]) -> None:
        self._entries.extend((fold(e.name), e) for e in entries if e.name)

    def replace_kind(self, kind: str, entries: Iterable[Entry]) -> None:
        self._entries = [(f, e) for f, e in self._entries if e.kind != kind]
        self.extend(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, limit: int = 20) -> list[Entry]:
        q = fold(query)
        if not q:
            return []
        ranked: list[tuple[int, int, str, Entry]] = []
        for folded, entry in self._entries:
            pos = folded.find(q)
            if pos < 0:
                continue
            if pos == 0:
                rank = 0
            elif not folded[pos - 1].isalnum():
                rank = 1
            else:
                rank = 2
            ranked.append((rank, len(folded), folded, entry))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked[:limit]]
