"""The hotlist matcher shared by the console and the training back-end.

A gate reads tens of plates a second and a hotlist (SCNTT A1/A2/C plus municipal lists) holds up
to millions of plates, so every comparison is a dictionary or sorted-array lookup, never a scan:

- exact: the normalised plate is the key;
- OCR-equivalent: the plate folded is the key, so a read with any number of confusable
  characters lands on the same key. 7-character plates and reads use the position-aware folding
  of the Italian AA000AA layout (a foreign plate of 7 characters is indexed the same way, so a
  7-character read needs one lookup); other lengths use the generic folding;
- one missing or extra character: every hotlist plate contributes its deletion neighbourhood
  (the plate with one character removed). A read missing a character equals one of those keys;
  a read with an extra character becomes a hotlist plate once that character is deleted.
  Substitutions are deliberately not matched: OCR folding covers look-alikes, and allowing any
  substitution would flood operators with false hits.

Single reads (`match`) use dictionaries; batches (`match_many`) encode plates as int64 codes and
search sorted numpy arrays (console.anpr.codes), which is what reaches the throughput goals.
Which modes apply is configured per list: a stolen-vehicle list wants every chance to match, an
expired-inspection list only wants exact and OCR-equivalent hits.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from console.anpr import codes as cd
from console.anpr.plates import (
    GENERIC_B,
    ITALIAN_OQ_B,
    SEPARATORS_B,
    SHAPE_B,
    UPPER_B,
    italian_key_b,
    normalise_plate,
)


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
BIG = 100_000  # entries from which a build ends with a full garbage collection
_MAX_EDIT_PLATE = cd.WIDTH - 1  # a read with one extra character must still fit the encoding


class HotlistEntry(NamedTuple):
    """A tuple, not a dataclass: a million of them are built in well under a second."""

    plate: str  # normalised
    list_id: str  # A1 | A2 | C | municipal | watch | ...
    label: str = ""  # e.g. "SCNTT A1 - veicoli rubati"
    source: str = ""  # provenance: who published the list, when it was loaded
    expiry: datetime | None = None  # after this the entry no longer matches
    reason: str = ""
    added_by: str = ""


class Hit(NamedTuple):
    """A tuple too: a batch with many hits creates them by the thousand."""

    entry: HotlistEntry
    mode: MatchMode
    read: str  # the normalised read that matched


@dataclass(slots=True)
class BuildStats:
    entries: int = 0
    italian: int = 0
    empty: int = 0
    not_encodable: int = 0  # long or exotic plates: matched through dictionaries only
    edit1_indexed: int = 0
    edit1_skipped: int = 0  # too long or non-alphanumeric for the deletion neighbourhood
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    by_list: dict[str, int] = field(default_factory=dict)


Index = dict[bytes, int | tuple[int, ...]]
Slot = Callable[[int], dict[int, MatchMode]]


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic collector while building millions of acyclic objects.

    Every few thousand allocations it rescans all tracked objects; building a hotlist of a
    million entries spent about half its time there.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _add(index: Index, key: bytes, i: int) -> None:
    """Record a second (third...) entry under a key already taken: rare, so kept out of line."""
    old = index[key]
    if isinstance(old, tuple):
        index[key] = (*old, i)
    elif old != i:
        index[key] = (old, i)


def ocr_key(plate: bytes) -> bytes:
    return italian_key_b(plate) if len(plate) == 7 else plate.translate(GENERIC_B)


def _sorted_codes(keys: list[bytes], owners: list[int]) -> cd.SortedCodes:
    matrix = cd.byte_matrix(keys)
    return cd.SortedCodes(cd.full_codes(cd.symbols(matrix)), np.asarray(owners, dtype=np.int32))


class Hotlist:
    """Immutable once built; rebuild (a few seconds for a million plates) when a list reloads."""

    def __init__(
        self,
        entries: Sequence[HotlistEntry],
        policies: Mapping[str, frozenset[MatchMode]] | None = None,
    ) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        self.policies = dict(DEFAULT_POLICIES if policies is None else policies)
        self.entries = list(entries)
        self.stats = BuildStats(entries=len(self.entries))
        self._exact: Index = {}
        self._ocr: Index = {}
        self._slow = False  # some indexed key does not fit the int encoding
        self._no_exact = {k for k, modes in self.policies.items() if MatchMode.EXACT not in modes}
        with no_gc():
            lists = self._index()
        self._ocr_codes = _sorted_codes(*lists["ocr"])
        self._per_entry(*lists["plain"])
        self._exact_only = _sorted_codes(*lists["exact_only"])
        self._build_edit1(*lists["edit"])
        if len(self.entries) >= BIG:
            # The entries were made with the collector paused, so they all sit in the youngest
            # generation and the first collection afterwards walks every one of them: measured,
            # that pass landed in the first batch of reads and cut it from ~1M to ~270k reads/s.
            # Collect now, as part of the build; it also untracks the entry tuples for good.
            gc.collect()
        self.stats.seconds = time.perf_counter() - started
        self.stats.cpu_seconds = time.process_time() - cpu

    def _index(self) -> dict[str, tuple[list[bytes], list[int]]]:
        exact, ocr, stats = self._exact, self._ocr, self.stats
        out: dict[str, tuple[list[bytes], list[int]]] = {
            "ocr": ([], []),
            "exact_only": ([], []),
            "edit": ([], []),
            "plain": ([], []),
        }
        ocr_keys, ocr_owner = out["ocr"]
        only_keys, only_owner = out["exact_only"]
        edit_keys, edit_owner = out["edit"]
        plain_keys, plain_owner = out["plain"]
        mode_sets: dict[str, tuple[bool, bool, bool]] = {}
        shape, oq, generic, width = SHAPE_B, ITALIAN_OQ_B, GENERIC_B, cd.WIDTH
        for i, entry in enumerate(self.entries):
            list_id = entry[1]
            flags = mode_sets.get(list_id)
            if flags is None:
                modes = self.policies.get(list_id, ALL_MODES)
                flags = (MatchMode.EXACT in modes, MatchMode.OCR in modes, MatchMode.EDIT1 in modes)
                mode_sets[list_id] = flags
                stats.by_list[list_id] = 0
            stats.by_list[list_id] += 1
            plate = entry[0].encode("utf-8")
            if not plate:
                stats.empty += 1
                continue
            fits = len(plate) <= width and plate.isalnum() and plate.isascii()
            if not fits:
                stats.not_encodable += 1
                self._slow = True
            if flags[0] and exact.setdefault(plate, i) != i:
                _add(exact, plate, i)
            if flags[1]:
                if len(plate) == 7:
                    if plate.translate(shape) == b"LLDDDLL":
                        stats.italian += 1
                        key = plate.translate(oq)  # == italian_key_b(plate) for this shape
                    else:
                        key = italian_key_b(plate)
                else:
                    key = plate.translate(generic)
                if ocr.setdefault(key, i) != i:
                    _add(ocr, key, i)
                if fits:
                    ocr_keys.append(key)
                    ocr_owner.append(i)
                    plain_keys.append(plate)
                    if flags[0]:  # exact allowed: the batch path compares plain codes
                        plain_owner.append(i)
                    else:
                        plain_owner.append(-1 - i)
            elif flags[0] and fits:
                only_keys.append(plate)
                only_owner.append(i)
            if flags[2]:
                if 2 <= len(plate) <= _MAX_EDIT_PLATE and fits:
                    edit_keys.append(plate.translate(generic))
                    edit_owner.append(i)
                else:
                    stats.edit1_skipped += 1
        return out

    def _per_entry(self, plates: list[bytes], owner: list[int]) -> None:
        """Per-entry arrays for the batch path: the plain (unfolded) code of every entry in the
        OCR index, so an exact hit is one integer comparison; -1 where exact is not allowed
        for the entry's list; and expiry times (inf for none)."""
        n = len(self.entries)
        self._plain = np.full(n, -1, dtype=np.int64)
        if plates:
            codes = cd.full_codes(cd.symbols(cd.byte_matrix(plates)))
            at = np.asarray(owner, dtype=np.int64)
            allowed = at >= 0
            self._plain[at[allowed]] = codes[allowed]
        self._expires: np.ndarray | None = None
        dated = [(i, e[4].timestamp()) for i, e in enumerate(self.entries) if e[4] is not None]
        if dated:
            self._expires = np.full(n, np.inf)
            idx, ts = zip(*dated, strict=True)
            self._expires[np.asarray(idx)] = np.asarray(ts)

    def _build_edit1(self, plates: list[bytes], owner: list[int]) -> None:
        owners = np.asarray(owner, dtype=np.int32)
        sym = cd.symbols(cd.byte_matrix(plates))
        lengths = np.fromiter(map(len, plates), dtype=np.int64, count=len(plates))
        self._full = cd.SortedCodes(cd.full_codes(sym), owners)
        dels, rows = cd.deletion_codes(sym, lengths)
        self._del = cd.SortedCodes(dels, owners[rows])
        self.stats.edit1_indexed = len(plates)

    def __len__(self) -> int:
        return len(self.entries)

    # --- matching ----------------------------------------------------------------------------

    def match(self, raw: object, now: datetime | None = None) -> list[Hit]:
        """All live entries one read matches, best mode per entry, exact first."""
        read = normalise_plate(raw)
        if not read:
            return []
        key = read.encode("utf-8")
        found: dict[int, MatchMode] = {}
        self._collect(found, self._exact.get(key), MatchMode.EXACT)
        self._collect(found, self._ocr.get(ocr_key(key)), MatchMode.OCR)
        if len(self._full) and read.isascii() and read.isalnum() and len(key) <= cd.WIDTH:
            matrix = cd.byte_matrix([key])
            self._edit1(matrix, np.array([len(key)]), lambda _row: found)
        return self._hits(found, read, now)

    def match_many(
        self, reads: Sequence[str], now: datetime | None = None, *, edit1: bool = True
    ) -> list[tuple[int, Hit]]:
        """Batch matching for gate feeds and benchmarks: (index of the read, hit) pairs.

        Python touches each read once (ASCII normalisation); the rest is array work. Reads that
        do not fit the encoding (non-ASCII, longer than 12) go through match().
        """
        now = now or datetime.now(UTC)
        direct: list[tuple[int, Hit]] = []
        fast, fast_at, lengths = self._normalise_batch(reads, now, direct)
        found: dict[int, dict[int, MatchMode]] = {}

        def slot(row: int) -> dict[int, MatchMode]:
            return found.setdefault(row, {})

        matrix = cd.padded_matrix(fast)
        folded = cd.symbols(cd.ocr_fold(matrix, lengths))
        ok = cd.encodable(folded)
        good = np.nonzero(ok)[0]
        rows, owners, exact = self._ocr_pairs(matrix, folded, good, now)
        more = bool(len(self._exact_only)) or self._slow or (edit1 and bool(len(self._full)))
        if not more and not (~ok).any():
            # Only the OCR index can answer: emit hits straight from the arrays.
            return direct + self._emit(rows, owners, exact, fast, fast_at)
        exact_mode, ocr_mode = MatchMode.EXACT, MatchMode.OCR
        for row, i, is_exact in zip(rows.tolist(), owners.tolist(), exact.tolist(), strict=True):
            found.setdefault(row, {})[i] = exact_mode if is_exact else ocr_mode
        if len(self._exact_only):
            plain = cd.symbols(matrix[good])
            for row, owners in self._exact_only.lookup(cd.full_codes(plain), good):
                self._collect(slot(row), tuple(owners.tolist()), MatchMode.EXACT)
        if self._slow:  # a few exotic hotlist keys live only in the dictionaries
            for row in good.tolist():
                key = fast[row]
                self._collect(slot(row), self._exact.get(key), MatchMode.EXACT)
                self._collect(slot(row), self._ocr.get(ocr_key(key)), MatchMode.OCR)
        if edit1 and len(self._full):
            self._edit1(matrix, lengths, slot)
        for row in np.nonzero(~ok)[0].tolist():  # exotic characters: the dictionary path
            direct.extend((fast_at[row], hit) for hit in self.match(fast[row].decode(), now))
        out = direct
        append = out.append
        for row, hits in found.items():
            if hits:
                n = fast_at[row]
                for hit in self._hits(hits, fast[row].decode(), now):
                    append((n, hit))
        return out

    def _ocr_pairs(
        self, matrix: np.ndarray, folded: np.ndarray, good: np.ndarray, now: datetime
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(read row, entry, exact?) for every live entry whose OCR key a read has.

        Exact means the read's plain code equals the entry's (and its list allows exact);
        expired entries are dropped here, by array comparison.
        """
        rows, owners = self._ocr_codes.pairs(cd.full_codes(folded[good]), good)
        if self._expires is not None and len(rows):
            live = self._expires[owners] > now.timestamp()
            rows, owners = rows[live], owners[live]
        if not len(rows):
            return rows, owners, np.zeros(0, dtype=bool)
        exact = self._plain[owners] == cd.full_codes(cd.symbols(matrix[rows]))
        return rows, owners, exact

    def _emit(
        self,
        rows: np.ndarray,
        owners: np.ndarray,
        exact: np.ndarray,
        fast: list[bytes],
        fast_at: list[int],
    ) -> list[tuple[int, Hit]]:
        """Hits in read order, exact before OCR within a read (then list and plate)."""
        if not len(rows):
            return []
        order = np.lexsort((~exact, rows))
        rows, owners, exact = rows[order], owners[order], exact[order]
        entries = self.entries
        exact_mode, ocr_mode = MatchMode.EXACT, MatchMode.OCR
        out = [
            (fast_at[r], Hit(entries[i], exact_mode if x else ocr_mode, fast[r].decode()))
            for r, i, x in zip(rows.tolist(), owners.tolist(), exact.tolist(), strict=True)
        ]
        shared = np.nonzero(rows[1:] == rows[:-1])[0]
        if len(shared):  # a read with several hits: order them as match() does
            start = 0
            groups: list[list[tuple[int, Hit]]] = []
            cut = set((shared + 1).tolist())
            for n in range(1, len(out) + 1):
                if n == len(out) or n not in cut:
                    groups.append(out[start:n])
                    start = n
            out = [
                pair
                for g in groups
                for pair in (sorted(g, key=lambda p: _hit_order(p[1])) if len(g) > 1 else g)
            ]
        return out

    def _normalise_batch(
        self, reads: Sequence[str], now: datetime, direct: list[tuple[int, Hit]]
    ) -> tuple[list[bytes], list[int], np.ndarray]:
        """Normalised ASCII reads that fit the encoding, and where each came from.

        The whole batch is joined, normalised and split by three C calls; a batch with any
        non-ASCII read falls back to one read at a time. Reads that do not fit go to match().
        """
        width = cd.WIDTH
        try:
            blob = "\0".join(reads).encode("ascii").translate(UPPER_B, SEPARATORS_B)
            parts = blob.split(b"\0")
            if len(parts) != len(reads):
                raise ValueError("a read contains NUL")
        except (UnicodeEncodeError, TypeError, ValueError):
            parts = []
            for raw in reads:
                try:
                    parts.append(raw.encode("ascii").translate(UPPER_B, SEPARATORS_B))
                except (UnicodeEncodeError, AttributeError):
                    parts.append(b"\xff")  # not encodable: match() below
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        if len(parts) and lengths.min() > 0 and lengths.max() <= width and b"\xff" not in parts:
            return parts, list(range(len(parts))), lengths
        fast: list[bytes] = []
        fast_at: list[int] = []
        for n, read in enumerate(parts):
            if 0 < len(read) <= width and read != b"\xff":
                fast.append(read)
                fast_at.append(n)
            elif read:
                direct.extend((n, hit) for hit in self.match(reads[n], now))
        return fast, fast_at, np.fromiter(map(len, fast), dtype=np.int64, count=len(fast))

    def _edit1(self, matrix: np.ndarray, lengths: np.ndarray, slot: Slot) -> None:
        """Add entries one missing or extra character away (generic folding on both sides)."""
        sym = cd.symbols(cd.GENERIC_LUT[matrix])
        ok = cd.encodable(sym)
        # Missing character: the read is a hotlist plate minus one character.
        short = np.nonzero(ok & (lengths <= _MAX_EDIT_PLATE - 1))[0]
        hits = self._del.lookup(cd.full_codes(sym[short]), short)
        # Extra character: deleting one character of the read gives a hotlist plate.
        longer = np.nonzero(ok & (lengths >= 3))[0]
        codes, rows = cd.deletion_codes(sym[longer], lengths[longer])
        hits += self._full.lookup(codes, longer[rows])
        for row, owners in hits:
            target = slot(row)
            for i in owners.tolist():
                if i not in target:
                    target[i] = MatchMode.EDIT1

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
        entries = self.entries
        for i, mode in found.items():
            entry = entries[i]
            if entry[4] is not None and entry[4] <= moment:
                continue  # expired entries stop matching
            hits.append(Hit(entry, mode, read))
        if len(hits) > 1:
            hits.sort(key=lambda h: (_MODE_RANK[h.mode], h.entry.list_id, h.entry.plate))
        return hits


def _hit_order(hit: Hit) -> tuple[int, str, str]:
    return (_MODE_RANK[hit.mode], hit.entry.list_id, hit.entry.plate)


def build(
    rows: Iterable[tuple[str, str]],
    labels: Mapping[str, str] | None = None,
    policies: Mapping[str, frozenset[MatchMode]] | None = None,
) -> Hotlist:
    """Hotlist from (plate, list id) pairs as list files provide them."""
    names = labels or {}
    with no_gc():
        entries = [HotlistEntry(normalise_plate(p), lst, names.get(lst, lst)) for p, lst in rows]
    return Hotlist(entries, policies)
