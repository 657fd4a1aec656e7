"""The hotlist matcher shared by the console and the training back-end.

A gate reads tens of plates a second and a hotlist (SCNTT A1/A2/C plus municipal lists) holds up
to millions of plates, so every comparison is a dictionary or sorted-array lookup, never a scan:

- exact: the normalised plate is the key;
- OCR-equivalent: the plate folded position-aware (Italian AA000AA) or generically (others) is
  the key, so a read with any number of confusable characters lands on the same key;
- one missing or extra character: every hotlist plate contributes its deletion neighbourhood
  (the plate with one character removed), encoded as base-37 integers in sorted numpy arrays. A
  read missing a character equals one of those keys; a read with an extra character becomes a
  hotlist plate once that character is deleted. Substitutions are deliberately not matched: they
  are what OCR folding covers, and allowing both would flood operators with false hits.

Which modes apply is configured per list: a stolen-vehicle list wants every chance to match, an
expired-inspection list only wants exact and OCR-equivalent hits.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from console.anpr.plates import (
    GENERIC_B,
    ITALIAN_OQ_B,
    SEPARATORS_B,
    SHAPE_B,
    UPPER_B,
    italian_key_b,
    normalise_plate,
)

log = logging.getLogger(__name__)


class MatchMode(StrEnum):
    EXACT = "exact"
    OCR = "ocr"
    EDIT1 = "edit1"


ALL_MODES = frozenset(MatchMode)
DEFAULT_POLICIES: dict[str, frozenset[MatchMode]] = {
    "A1": ALL_MODES,  # stolen vehicles
    "A2": frozenset({MatchMode.EXACT, MatchMode.OCR}),  # no inspection / insurance
    "C": ALL_MODES,  # police-flagged
    "municipal": frozenset({MatchMode.EXACT, MatchMode.OCR}),
    "watch": ALL_MODES,  # operator watchlist
}
_MODE_RANK = {MatchMode.EXACT: 0, MatchMode.OCR: 1, MatchMode.EDIT1: 2}

# Edit-1 keys: base-37 integers of at most 12 symbols fit in int64 (37**12 < 2**63).
_WIDTH = 12
_MAX_EDIT_PLATE = _WIDTH - 1  # a read with one extra character must still fit
_BASE = 37
_WEIGHTS = np.array([_BASE ** (_WIDTH - 1 - i) for i in range(_WIDTH)], dtype=np.int64)
_LUT = np.full(256, 255, dtype=np.uint8)
_LUT[0] = 0
for _i, _ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=1):
    _LUT[ord(_ch)] = _i


class HotlistEntry(NamedTuple):
    """A tuple, not a dataclass: a million of them are built in well under a second."""

    plate: str  # normalised
    list_id: str  # A1 | A2 | C | municipal | watch | ...
    label: str = ""  # e.g. "SCNTT A1 - veicoli rubati"
    source: str = ""  # provenance: who published the list, when it was loaded
    expiry: datetime | None = None  # after this the entry no longer matches
    reason: str = ""
    added_by: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    entry: HotlistEntry
    mode: MatchMode
    read: str  # the normalised read that matched


@dataclass(slots=True)
class BuildStats:
    entries: int = 0
    italian: int = 0
    other_format: int = 0
    empty: int = 0
    edit1_indexed: int = 0
    edit1_skipped: int = 0  # too long or non-ASCII for the integer encoding
    seconds: float = 0.0
    by_list: dict[str, int] = field(default_factory=dict)


Index = dict[bytes, int | tuple[int, ...]]


def _add(index: Index, key: bytes, i: int) -> None:
    """Record a second (third...) entry under a key already taken: rare, so kept out of line."""
    old = index[key]
    if isinstance(old, tuple):
        index[key] = (*old, i)
    elif old != i:
        index[key] = (old, i)


def _symbols(strings: Sequence[bytes], width: int = _WIDTH) -> np.ndarray:
    """Rows of base-37 symbols (0 = padding, 255 = not encodable) for ASCII strings <= width."""
    if not strings:
        return np.zeros((0, width), dtype=np.uint8)
    raw = b"".join(s.ljust(width, b"\0") for s in strings)
    return _LUT[np.frombuffer(raw, dtype=np.uint8).reshape(len(strings), width)]


def _full_codes(sym: np.ndarray) -> np.ndarray:
    return (sym.astype(np.int64) * _WEIGHTS).sum(axis=1)


def _deletion_codes(sym: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of every string with one character removed, and the row each came from."""
    weighted = sym.astype(np.int64) * _WEIGHTS
    prefix = np.cumsum(weighted, axis=1)  # inclusive
    total = prefix[:, -1:]
    before = np.concatenate([np.zeros((len(sym), 1), dtype=np.int64), prefix[:, :-1]], axis=1)
    after = total - prefix
    codes = before + after * _BASE
    valid = np.arange(sym.shape[1])[None, :] < lengths[:, None]
    rows = np.broadcast_to(np.arange(len(sym), dtype=np.int64)[:, None], sym.shape)
    return codes[valid], rows[valid]


class Hotlist:
    """Immutable once built; rebuild (cheap) when a list is reloaded."""

    def __init__(
        self,
        entries: Sequence[HotlistEntry],
        policies: Mapping[str, frozenset[MatchMode]] | None = None,
    ) -> None:
        started = time.perf_counter()
        self.policies = dict(DEFAULT_POLICIES if policies is None else policies)
        self.entries = list(entries)
        self.stats = BuildStats(entries=len(self.entries))
        self._exact: Index = {}
        self._it_ocr: Index = {}
        self._gen_ocr: Index = {}
        edit_plates: list[bytes] = []
        edit_owner: list[int] = []
        exact, it_ocr, gen_ocr = self._exact, self._it_ocr, self._gen_ocr
        # A million small objects make the cyclic collector rescan everything again and again
        # (it doubled the build time); nothing built here can form a cycle.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._index(exact, it_ocr, gen_ocr, edit_plates, edit_owner)
        finally:
            if gc_was_enabled:
                gc.enable()
        self.stats.other_format = len(self.entries) - self.stats.empty - self.stats.italian
        self._build_edit1(edit_plates, edit_owner)
        self.stats.edit1_indexed = len(edit_plates)
        self.stats.seconds = time.perf_counter() - started

    def _index(
        self,
        exact: Index,
        it_ocr: Index,
        gen_ocr: Index,
        edit_plates: list[bytes],
        edit_owner: list[int],
    ) -> None:
        by_list = self.stats.by_list
        policies_get = self.policies.get
        italian_count = 0
        mode_sets: dict[str, tuple[bool, bool, bool]] = {}
        shape, oq, generic = SHAPE_B, ITALIAN_OQ_B, GENERIC_B
        italian_shape = b"LLDDDLL"
        edit_add, owner_add = edit_plates.append, edit_owner.append
        for i, entry in enumerate(self.entries):
            list_id = entry[1]
            flags = mode_sets.get(list_id)
            if flags is None:
                modes = policies_get(list_id, ALL_MODES)
                flags = (MatchMode.EXACT in modes, MatchMode.OCR in modes, MatchMode.EDIT1 in modes)
                mode_sets[list_id] = flags
                by_list[list_id] = 0
            by_list[list_id] += 1
            plate = entry[0].encode("utf-8")
            if not plate:
                self.stats.empty += 1
                continue
            if flags[0] and exact.setdefault(plate, i) != i:
                _add(exact, plate, i)
            italian = plate.translate(shape) == italian_shape
            if italian:
                italian_count += 1
            if flags[1]:
                if italian:
                    key = plate.translate(oq)  # == italian_key_b(plate) for this shape
                    if it_ocr.setdefault(key, i) != i:
                        _add(it_ocr, key, i)
                else:
                    key = plate.translate(generic)
                    if gen_ocr.setdefault(key, i) != i:
                        _add(gen_ocr, key, i)
            if flags[2]:
                if 2 <= len(plate) <= _MAX_EDIT_PLATE and plate.isalnum():
                    edit_add(plate.translate(generic))
                    owner_add(i)
                else:
                    self.stats.edit1_skipped += 1
        self.stats.italian = italian_count

    def _build_edit1(self, plates: list[bytes], owner: list[int]) -> None:
        owners = np.asarray(owner, dtype=np.int32)
        sym = _symbols(plates)
        lengths = np.fromiter((len(p) for p in plates), dtype=np.int64, count=len(plates))
        full = _full_codes(sym)
        order = np.argsort(full, kind="quicksort")
        self._full_keys = full[order]
        self._full_owner = owners[order]
        codes, rows = _deletion_codes(sym, lengths)
        order = np.argsort(codes, kind="quicksort")
        self._del_keys = codes[order]
        self._del_owner = owners[rows[order]]

    def __len__(self) -> int:
        return len(self.entries)

    # --- matching ----------------------------------------------------------------------------

    def match(self, raw: object, now: datetime | None = None) -> list[Hit]:
        """All live entries the read matches, best mode per entry, exact first."""
        read = normalise_plate(raw)
        if not read:
            return []
        key = read.encode("utf-8")
        found: dict[int, MatchMode] = {}
        self._collect(found, self._exact.get(key), MatchMode.EXACT)
        if len(key) == 7 and self._it_ocr:
            self._collect(found, self._it_ocr.get(italian_key_b(key)), MatchMode.OCR)
        folded = key.translate(GENERIC_B)
        if self._gen_ocr:
            self._collect(found, self._gen_ocr.get(folded), MatchMode.OCR)
        if len(self._full_keys) and read.isascii() and read.isalnum():
            for owners in self._edit1_lookup([folded]).values():
                for i in owners:
                    found.setdefault(i, MatchMode.EDIT1)
        return self._hits(found, read, now)

    def match_many(
        self, reads: Sequence[str], now: datetime | None = None, *, edit1: bool = True
    ) -> list[tuple[int, Hit]]:
        """Batch matching for gate feeds and benchmarks: (index of the read, hit) pairs.

        The loop stays on ASCII bytes (what gates send); anything else goes through match().
        """
        exact_get, it_get, gen_get = self._exact.get, self._it_ocr.get, self._gen_ocr.get
        use_it, use_gen = bool(self._it_ocr), bool(self._gen_ocr)
        upper, seps, generic, it_key = UPPER_B, SEPARATORS_B, GENERIC_B, italian_key_b
        collect = self._collect
        direct: list[tuple[int, Hit]] = []
        found: dict[int, dict[int, MatchMode]] = {}
        folded: list[bytes] = []
        folded_at: list[int] = []
        edit1 = edit1 and len(self._full_keys) > 0
        for n, raw in enumerate(reads):
            try:
                read = raw.encode("ascii").translate(upper, seps)
            except (UnicodeEncodeError, AttributeError):
                direct.extend((n, hit) for hit in self.match(raw, now))
                continue
            hit_e = exact_get(read)
            hit_i = it_get(it_key(read)) if use_it and len(read) == 7 else None
            gkey = read.translate(generic)
            hit_g = gen_get(gkey) if use_gen else None
            if hit_e is not None or hit_i is not None or hit_g is not None:
                slot = found.setdefault(n, {})
                collect(slot, hit_e, MatchMode.EXACT)
                collect(slot, hit_i, MatchMode.OCR)
                collect(slot, hit_g, MatchMode.OCR)
            if edit1:
                folded.append(gkey)
                folded_at.append(n)
        if folded:
            for k, owners in self._edit1_lookup(folded).items():
                slot = found.setdefault(folded_at[k], {})
                for i in owners:
                    slot.setdefault(i, MatchMode.EDIT1)
        out = direct
        for n, slot in found.items():
            out.extend((n, hit) for hit in self._hits(slot, normalise_plate(reads[n]), now))
        return out

    def _edit1_lookup(self, folded: Sequence[bytes]) -> dict[int, set[int]]:
        """Row index -> entry indices at one insertion or deletion from that folded read."""
        keep = [k for k, s in enumerate(folded) if 2 <= len(s) <= _WIDTH]
        if len(keep) != len(folded):
            folded = [folded[k] for k in keep]
        sym = _symbols(folded)
        ok = ~(sym == 255).any(axis=1)
        lengths = np.fromiter((len(s) for s in folded), dtype=np.int64, count=len(folded))
        result: dict[int, set[int]] = {}
        # Missing character: the read itself is a hotlist plate minus one character.
        full = _full_codes(sym)
        short = np.nonzero(ok & (lengths <= _MAX_EDIT_PLATE - 1))[0]
        self._lookup(self._del_keys, self._del_owner, full[short], short, keep, result)
        # Extra character: deleting one character of the read gives a hotlist plate.
        codes, rows = _deletion_codes(sym, lengths)
        valid = ok[rows] & (lengths[rows] >= 3)
        self._lookup(self._full_keys, self._full_owner, codes[valid], rows[valid], keep, result)
        return result

    @staticmethod
    def _lookup(
        keys: np.ndarray,
        owner: np.ndarray,
        queries: np.ndarray,
        rows: np.ndarray,
        keep: list[int],
        result: dict[int, set[int]],
    ) -> None:
        if not len(keys) or not len(queries):
            return
        left = np.searchsorted(keys, queries, side="left")
        right = np.searchsorted(keys, queries, side="right")
        for j in np.nonzero(right > left)[0]:
            slot = result.setdefault(keep[int(rows[j])], set())
            slot.update(int(i) for i in owner[left[j] : right[j]])

    @staticmethod
    def _collect(
        found: dict[int, MatchMode], value: int | tuple[int, ...] | None, mode: MatchMode
    ) -> None:
        if value is None:
            return
        for i in value if isinstance(value, tuple) else (value,):
            old = found.get(i)
            if old is None or _MODE_RANK[mode] < _MODE_RANK[old]:
                found[i] = mode

    def _hits(self, found: dict[int, MatchMode], read: str, now: datetime | None) -> list[Hit]:
        if not found:
            return []
        moment = now or datetime.now(UTC)
        hits = []
        for i, mode in found.items():
            entry = self.entries[i]
            if entry.expiry is not None and entry.expiry <= moment:
                continue  # expired entries stop matching
            hits.append(Hit(entry, mode, read))
        hits.sort(key=lambda h: (_MODE_RANK[h.mode], h.entry.list_id, h.entry.plate))
        return hits


def build(
    rows: Iterable[tuple[str, str]],
    labels: Mapping[str, str] | None = None,
    policies: Mapping[str, frozenset[MatchMode]] | None = None,
) -> Hotlist:
    """Hotlist from (plate, list id) pairs as list files provide them."""
    names = labels or {}
    return Hotlist(
        [HotlistEntry(normalise_plate(p), lst, names.get(lst, lst)) for p, lst in rows], policies
    )

