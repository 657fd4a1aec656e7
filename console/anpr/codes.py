"""Plates as int64 codes, so a million of them are sorted, searched and compared by numpy.

A normalised plate of at most 12 characters from [0-9A-Z] is a base-37 number (symbol 0 is the
padding, so "AB" and "AB0" differ): 37**12 < 2**63. Python-level work per read is one bytes
join; folding, encoding and searching run as whole-array operations. Strings that do not fit
(longer, or with other characters) are flagged so callers take the dictionary path instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from console.anpr.plates import DIGIT_B, GENERIC_B, LETTER_B

WIDTH = 12
BASE = 37
NOT_ENCODABLE = 255
WEIGHTS = np.array([BASE ** (WIDTH - 1 - i) for i in range(WIDTH)], dtype=np.int64)

SYMBOL = np.full(256, NOT_ENCODABLE, dtype=np.uint8)
SYMBOL[0] = 0
for _i, _ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=1):
    SYMBOL[ord(_ch)] = _i

# Byte-level folding tables (see console.anpr.plates) as numpy lookup tables; 0 stays 0.
LETTER_LUT = np.frombuffer(LETTER_B, dtype=np.uint8).copy()
DIGIT_LUT = np.frombuffer(DIGIT_B, dtype=np.uint8).copy()
GENERIC_LUT = np.frombuffer(GENERIC_B, dtype=np.uint8).copy()
LETTER_COLS = np.array([0, 1, 5, 6])
DIGIT_COLS = np.array([2, 3, 4])


def byte_matrix(strings: Sequence[bytes]) -> np.ndarray:
    """n x WIDTH uint8, zero-padded; callers pass strings of at most WIDTH bytes."""
    if not strings:
        return np.zeros((0, WIDTH), dtype=np.uint8)
    raw = b"".join(s.ljust(WIDTH, b"\0") for s in strings)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(strings), WIDTH)


def padded_matrix(strings: Sequence[bytes]) -> np.ndarray:
    """byte_matrix() by numpy's fixed-width conversion (pads with NUL in C): strings <= WIDTH."""
    if not strings:
        return np.zeros((0, WIDTH), dtype=np.uint8)
    return np.array(strings, dtype=f"S{WIDTH}").view(np.uint8).reshape(len(strings), WIDTH)


def ocr_fold(matrix: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Position-aware folding for 7-character rows (AA000AA), generic folding for the rest."""
    out = GENERIC_LUT[matrix]
    seven = np.nonzero(lengths == 7)[0]
    if len(seven):
        rows = matrix[seven]
        folded = np.empty_like(rows)
        folded[:, LETTER_COLS] = LETTER_LUT[rows[:, LETTER_COLS]]
        folded[:, DIGIT_COLS] = DIGIT_LUT[rows[:, DIGIT_COLS]]
        folded[:, 7:] = rows[:, 7:]
        out[seven] = folded
    return out


def symbols(matrix: np.ndarray) -> np.ndarray:
    return SYMBOL[matrix]


def encodable(sym: np.ndarray) -> np.ndarray:
    return ~(sym == NOT_ENCODABLE).any(axis=1)


def full_codes(sym: np.ndarray) -> np.ndarray:
    return (sym.astype(np.int64) * WEIGHTS).sum(axis=1)


def deletion_codes(sym: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of every string with one character removed, and the row each came from."""
    weighted = sym.astype(np.int64) * WEIGHTS
    prefix = np.cumsum(weighted, axis=1)  # inclusive
    before = np.concatenate([np.zeros((len(sym), 1), dtype=np.int64), prefix[:, :-1]], axis=1)
    after = prefix[:, -1:] - prefix
    codes = before + after * BASE
    valid = np.arange(sym.shape[1])[None, :] < lengths[:, None]
    rows = np.broadcast_to(np.arange(len(sym), dtype=np.int64)[:, None], sym.shape)
    return codes[valid], rows[valid]


class SortedCodes:
    """Sorted int64 keys with the entry index each came from; duplicates allowed."""

    def __init__(self, codes: np.ndarray, owners: np.ndarray) -> None:
        order = np.argsort(codes, kind="quicksort")
        self.keys = codes[order]
        self.owners = owners[order].astype(np.int32)

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, queries: np.ndarray, rows: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(row, owners) for every query found; rows[i] is the caller's row of queries[i]."""
        if not len(self.keys) or not len(queries):
            return []
        # Sorted queries walk the key array in order: far fewer cache misses on a million keys.
        order = np.argsort(queries, kind="quicksort")
        ordered = queries[order]
        left = np.searchsorted(self.keys, ordered, side="left")
        right = np.searchsorted(self.keys, ordered, side="right")
        found = np.nonzero(right > left)[0]
        owners, rows_sorted = self.owners, rows[order]
        return [
            (int(r), owners[a:b])
            for r, a, b in zip(
                rows_sorted[found].tolist(),
                left[found].tolist(),
                right[found].tolist(),
                strict=True,
            )
        ]

    def pairs(self, queries: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (row, owner) match as two aligned arrays: no Python object per match."""
        if not len(self.keys) or not len(queries):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        order = np.argsort(queries, kind="quicksort")  # cache-friendly walk, as in lookup()
        queries, rows = queries[order], rows[order]
        left = np.searchsorted(self.keys, queries, side="left")
        right = np.searchsorted(self.keys, queries, side="right")
        counts = right - left
        found = np.nonzero(counts)[0]
        counts, left = counts[found], left[found]
        if not len(found) or counts.max() == 1:
            return rows[found].astype(np.int64), self.owners[left].astype(np.int64)
        # Several owners under one key (rare): expand each [left, right) range.
        starts = np.repeat(left - np.cumsum(counts) + counts, counts)
        positions = starts + np.arange(int(counts.sum()))
        return np.repeat(rows[found], counts).astype(np.int64), self.owners[positions].astype(
            np.int64
        )
