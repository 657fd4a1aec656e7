"""Italian plate validation for the people-and-vehicles part of an incident.

Unlike the ANPR matcher (console.anpr.plates), which must never reject a read, this module tells
the operator whether what they typed is a plausible plate: the current format AA000AA (since
1994; the letters I, O, Q and U are never issued), motorcycles AA00000, older provincial plates
(MI 123456, MI A12345, ROMA 12345). A partial or foreign plate is a warning, since witnesses often
see only part of a plate and foreign vehicles are common; only characters no plate can contain
block saving, because they are certainly a typing slip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from console.i18n import tr

_SEPARATORS = re.compile(r"[\s\-._·/]+")
_ITALIAN = re.compile(r"[A-Z]{2}[0-9]{3}[A-Z]{2}")
_MOTO = re.compile(r"[A-Z]{2}[0-9]{5}")
_OLD = re.compile(
    r"(?:[A-Z]{2}|ROMA)(?:[0-9]{5,6}|[A-Z][0-9]{5}|[0-9]{5}[A-Z]|[0-9]{2}[A-Z][0-9]{3})"
)
_NEVER_ISSUED = set("IOQU")
_ALNUM = re.compile(r"[A-Z0-9]+")


class PlateKind(StrEnum):
    ITALIAN = "it"
    ITALIAN_MOTO = "it_moto"
    ITALIAN_OLD = "it_old"
    PARTIAL = "partial"
    FOREIGN = "foreign"
    EMPTY = "empty"
    INVALID = "invalid"


@dataclass(frozen=True)
class PlateCheck:
    kind: PlateKind
    normalised: str
    message: str = ""  # Italian, empty when the plate is fine

    @property
    def ok(self) -> bool:
        return self.kind in (PlateKind.ITALIAN, PlateKind.ITALIAN_MOTO, PlateKind.ITALIAN_OLD,
                             PlateKind.EMPTY)

    @property
    def blocks(self) -> bool:
        return self.kind is PlateKind.INVALID


def normalise(text: str) -> str:
    return _SEPARATORS.sub("", text.strip().upper())


def check(text: str) -> PlateCheck:
    plate = normalise(text)
    if not plate:
        return PlateCheck(PlateKind.EMPTY, "")
    if not _ALNUM.fullmatch(plate):
        bad = "".join(sorted({c for c in plate if not ("A" <= c <= "Z" or "0" <= c <= "9")}))
        return PlateCheck(PlateKind.INVALID, plate,
                          tr("Caratteri non ammessi in una targa: {bad}", bad=bad))
    if len(plate) > 10:
        return PlateCheck(PlateKind.INVALID, plate,
                          tr("Targa troppo lunga ({n} caratteri): massimo 10.", n=len(plate)))
    if _ITALIAN.fullmatch(plate):
        letters = {c for c in plate[:2] + plate[5:]}
        if letters & _NEVER_ISSUED:
            wrong = ", ".join(sorted(letters & _NEVER_ISSUED))
            return PlateCheck(PlateKind.FOREIGN, plate,
                              tr("Formato AA000AA ma con lettere mai usate in Italia ({wrong}): "
                                 "verificare la lettura o indicare se è estera.", wrong=wrong))
        return PlateCheck(PlateKind.ITALIAN, plate)
    if _MOTO.fullmatch(plate):
        return PlateCheck(PlateKind.ITALIAN_MOTO, plate)
    if _OLD.fullmatch(plate):
        return PlateCheck(PlateKind.ITALIAN_OLD, plate)
    if len(plate) < 5:
        return PlateCheck(PlateKind.PARTIAL, plate,
                          tr("Targa parziale: salvata così, indicarlo nella descrizione."))
    return PlateCheck(PlateKind.FOREIGN, plate,
                      tr("Formato non italiano: targa estera o errore di battitura?"))
