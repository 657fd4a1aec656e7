"""Operator watchlist: plates of interest added by hand, each with a reason and an expiry.

The law wants every plate of interest justified and time-limited, so both are mandatory and an
expired entry silently stops matching (it stays listed, marked expired, until removed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from console.anpr.hotlist import ALL_MODES, Hit, Hotlist, HotlistEntry, MatchMode
from console.anpr.plates import normalise_plate
from console.i18n import tr

WATCH_LIST = "watch"


class WatchlistError(ValueError):
    """Raised with an operator-readable Italian message."""


class Watchlist:
    """Small and rebuilt on every change: a few hundred entries build in microseconds."""

    def __init__(
        self,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        modes: frozenset[MatchMode] = ALL_MODES,
    ) -> None:
        self._clock = clock
        self._modes = modes
        self._entries: dict[str, HotlistEntry] = {}
        self._index = Hotlist([], {WATCH_LIST: modes})

    def add(self, plate: str, reason: str, expiry: datetime | None, added_by: str) -> HotlistEntry:
        norm = normalise_plate(plate)
        if not norm:
            raise WatchlistError(tr("Targa vuota: scrivere la targa da sorvegliare."))
        if len(reason.strip()) < 3:
            raise WatchlistError(tr("Motivo obbligatorio: indicare perché la targa è sorvegliata."))
        if expiry is None:
            raise WatchlistError(tr("Scadenza obbligatoria: indicare fino a quando sorvegliarla."))
        if expiry.tzinfo is None:
            raise WatchlistError(tr("Scadenza senza fuso orario: reinserirla."))
        if expiry <= self._clock():
            raise WatchlistError(tr("La scadenza è già passata: sceglierne una futura."))
        entry = HotlistEntry(
            plate=norm,
            list_id=WATCH_LIST,
            label=tr("Lista di sorveglianza operatore"),
            source=added_by,
            expiry=expiry,
            reason=reason.strip(),
            added_by=added_by,
        )
        self._entries[norm] = entry
        self._rebuild()
        return entry

    def remove(self, plate: str) -> bool:
        found = self._entries.pop(normalise_plate(plate), None) is not None
        if found:
            self._rebuild()
        return found

    def entries(self) -> list[tuple[HotlistEntry, bool]]:
        """Every entry with whether it is still live (not expired)."""
        now = self._clock()
        return [(e, e.expiry is None or e.expiry > now) for e in self._entries.values()]

    def match(self, read: str) -> list[Hit]:
        return self._index.match(read, self._clock())

    def _rebuild(self) -> None:
        self._index = Hotlist(list(self._entries.values()), {WATCH_LIST: self._modes})
