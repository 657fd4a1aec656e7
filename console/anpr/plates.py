"""Plate text as the readers send it, made comparable.

Gates and operators write plates in every shape ("ab 123 cd", "AB-123-CD", "MI 123456", foreign
plates). Everything is reduced to one normalised form; nothing is discarded because its format is
unknown, since a foreign or old plate can still be on a list.

OCR folding is position-aware for the current Italian format AA000AA. At a digit position any
letter is certainly a misread, so letters fold aggressively onto the digit they resemble; at a
letter position any digit is a misread and folds onto its letter, but real letters stay distinct
(L and T are issued letters, so they only fold at digit positions). O, Q, I and U are never issued
on Italian plates, so O and Q fold onto D. Reads that cannot be Italian (other lengths, foreign
formats) use a symmetric generic folding of the classic confusion classes.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class PlateFormat(StrEnum):
    ITALIAN = "it"  # AA000AA, since 1994
    ITALIAN_MOTO = "it_moto"  # AA00000, motorcycles since 1999
    ITALIAN_OLD = "it_old"  # MI 123456, MI A12345, ROMA 12345 ...
    UNKNOWN = "unknown"  # foreign or unrecognised: kept, matched by the generic rules
    EMPTY = "empty"  # nothing readable at all


# Characters readers and operators put between plate groups.
_SEPARATORS = " \t\r\n-._·/|,:;'\"`\u00a0"
SEPARATORS = _SEPARATORS
_STRIP = str.maketrans("", "", _SEPARATORS)

_ITALIAN = re.compile(r"[A-Z]{2}[0-9]{3}[A-Z]{2}")
_ITALIAN_MOTO = re.compile(r"[A-Z]{2}[0-9]{5}")
_ITALIAN_OLD = re.compile(r"(?:[A-Z]{2}|ROMA)[0-9A-Z][0-9]{5}")

# Position classes for AA000AA: L = letter position, D = digit position.
ITALIAN_LAYOUT = "LLDDDLL"

# At digit positions: letters that look like a digit become that digit.
_DIGIT_FOLD = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "T": "1",
    "J": "1",
    "Z": "2",
    "S": "5",
    "B": "8",
    "G": "6",
}
# At letter positions: digits (and never-issued O, Q) become the letter they resemble.
_LETTER_FOLD = {"0": "D", "O": "D", "Q": "D", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"}
# Anywhere else: the symmetric classic classes, folded onto one representative each.
_GENERIC_FOLD = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "I": "1",
    "Z": "2",
    "S": "5",
    "B": "8",
    "G": "6",
}

DIGIT_TABLE = str.maketrans(_DIGIT_FOLD)
LETTER_TABLE = str.maketrans(_LETTER_FOLD)
GENERIC_TABLE = str.maketrans(_GENERIC_FOLD)

# The same tables for bytes: bytes.translate is a C loop over a 256-byte table, ten times faster
# than str.translate, and the hot path of the matcher runs on ASCII bytes.
_UPPER = bytes(range(256)).upper()
SEPARATORS_B = _SEPARATORS.encode("latin-1")


def _bytes_table(fold: dict[str, str]) -> bytes:
    table = bytearray(_UPPER)
    for src, dst in fold.items():
        table[ord(src)] = ord(dst)
    return bytes(table)


UPPER_B = _UPPER
# Shape of a plate: letters -> "L", digits -> "D", so AA000AA is b"LLDDDLL" after one translate.
SHAPE_B = bytes(
    ord("L") if chr(c).isalpha() and c < 128 else ord("D") if chr(c).isdigit() and c < 128 else c
    for c in range(256)
)
# On a plate already shaped AA000AA the position-aware key only folds the never-issued O and Q.
ITALIAN_OQ_B = _bytes_table({"O": "D", "Q": "D"})
DIGIT_B = _bytes_table(_DIGIT_FOLD)
LETTER_B = _bytes_table(_LETTER_FOLD)
GENERIC_B = _bytes_table(_GENERIC_FOLD)


def normalise_plate(raw: object) -> str:
    """Upper case, no separators, accents and full-width forms reduced (NFKC)."""
    if raw is None:
        return ""
    text = raw if isinstance(raw, str) else str(raw)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if ch.isalnum() or ch in _SEPARATORS)
    return text.upper().translate(_STRIP)


def plate_format(plate: str) -> PlateFormat:
    """Classify a normalised plate; anything unrecognised is UNKNOWN, never rejected."""
    if not plate:
        return PlateFormat.EMPTY
    if _ITALIAN.fullmatch(plate):
        return PlateFormat.ITALIAN
    if _ITALIAN_MOTO.fullmatch(plate):
        return PlateFormat.ITALIAN_MOTO
    if _ITALIAN_OLD.fullmatch(plate):
        return PlateFormat.ITALIAN_OLD
    return PlateFormat.UNKNOWN


def italian_key(plate: str) -> str:
    """Position-aware OCR key of a 7-character read, as if it were AA000AA.

    Only meaningful when compared against keys of real Italian plates: any 7-character read is
    folded this way, and a read that was not Italian simply finds no such key.
    """
    return (
        plate[:2].translate(LETTER_TABLE)
        + plate[2:5].translate(DIGIT_TABLE)
        + plate[5:].translate(LETTER_TABLE)
    )


def italian_key_b(plate: bytes) -> bytes:
    """italian_key() on normalised ASCII bytes."""
    lt = LETTER_B
    return plate[:2].translate(lt) + plate[2:5].translate(DIGIT_B) + plate[5:].translate(lt)


def generic_key(plate: str) -> str:
    """Symmetric OCR key for plates of unknown layout."""
    return plate.translate(GENERIC_TABLE)


def display_plate(plate: str) -> str:
    """Operator-facing spacing: 'AB 123 CD' for Italian plates, the plate itself otherwise."""
    if len(plate) == 7 and _ITALIAN.fullmatch(plate):
        return f"{plate[:2]} {plate[2:5]} {plate[5:]}"
    return plate
