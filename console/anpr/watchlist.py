"""Operator watchlist: plates of interest added by hand, each with a reason and an expiry.

The law wants every plate of interest justified and time-limited, so both are mandatory, the
expiry is at most MAX_DAYS ahead, and an expired entry silently stops matching (it stays listed,
marked expired, until removed).

Two halves share one set of rules (`validate`):
- `Watchlist` is the matcher. The back-end runs every gate transit through it (the training
  back-end does, see console.training.anpr); it is the same Hotlist code as the national lists.
- `WatchlistStore` is the console's view of the back-end's watchlist: a snapshot plus
  `watchlist.*` events, and add/remove sent as idempotent commands. The console never matches
  transits itself: it never sees transits, only the hits the back-end raises.
"""

from __future__ import annotations

import inspect
import logging
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from PySide6.QtCore import QObject, Signal

from console.anpr.hotlist import ALL_MODES, Hit, Hotlist, HotlistEntry, MatchMode
from console.anpr.plates import SEPARATORS, normalise_plate
from console.api.contract import Event, WatchEntry
from console.i18n import tr

log = logging.getLogger(__name__)

WATCH_LIST = "watch"
MAX_DAYS = 365
MIN_PLATE, MAX_PLATE = 2, 12


class WatchlistError(ValueError):
    """Raised with an operator-readable Italian message."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def validate(plate: str, reason: str, expiry: datetime | None, now: datetime) -> tuple[str, str]:
    """(normalised plate, trimmed reason), or WatchlistError saying what to fix."""
    norm = normalise_plate(plate)
    if not norm:
        raise WatchlistError(tr("Targa vuota: scrivere la targa da sorvegliare."))
    typed = unicodedata.normalize("NFKC", plate)
    stray = any(not (ch.isalnum() or ch in SEPARATORS) for ch in typed)
    if stray or not (norm.isascii() and norm.isalnum()):
        raise WatchlistError(
            tr("Targa «{p}» non valida: usare solo lettere e cifre (es. AB 123 CD).", p=plate)
        )
    if not MIN_PLATE <= len(norm) <= MAX_PLATE:
        raise WatchlistError(
            tr("Targa «{p}» non valida: da {a} a {b} caratteri.", p=plate, a=MIN_PLATE, b=MAX_PLATE)
        )
    if len(reason.strip()) < 3:
        raise WatchlistError(tr("Motivo obbligatorio: indicare perché la targa è sorvegliata."))
    if expiry is None:
        raise WatchlistError(tr("Scadenza obbligatoria: indicare fino a quando sorvegliarla."))
    if expiry.tzinfo is None:
        raise WatchlistError(tr("Scadenza senza fuso orario: reinserirla."))
    if expiry <= now:
        raise WatchlistError(tr("La scadenza è già passata: sceglierne una futura."))
    if expiry > now + timedelta(days=MAX_DAYS):
        raise WatchlistError(
            tr(
                "Scadenza oltre {n} giorni: la sorveglianza deve essere limitata nel tempo.",
                n=MAX_DAYS,
            )
        )
    return norm, reason.strip()


def entry_of(plate: str, reason: str, expiry: datetime | None, added_by: str) -> HotlistEntry:
    return HotlistEntry(
        plate=plate,
        list_id=WATCH_LIST,
        label=tr("Lista di sorveglianza operatore"),
        source=added_by,
        expiry=expiry,
        reason=reason,
        added_by=added_by,
    )


class Watchlist:
    """Small and rebuilt on every change: a few hundred entries build in microseconds."""

    def __init__(
        self,
        clock: Callable[[], datetime] = utc_now,
        modes: frozenset[MatchMode] = ALL_MODES,
    ) -> None:
        self._clock = clock
        self._modes = modes
        self._entries: dict[str, HotlistEntry] = {}
        self._index = Hotlist([], {WATCH_LIST: modes})

    def add(self, plate: str, reason: str, expiry: datetime | None, added_by: str) -> HotlistEntry:
        norm, why = validate(plate, reason, expiry, self._clock())
        entry = entry_of(norm, why, expiry, added_by)
        self._entries[norm] = entry
        self._rebuild()
        return entry

    def load(self, entries: Iterable[HotlistEntry]) -> None:
        """Entries already accepted once (e.g. read back from storage): no validation, so an
        entry that expired meanwhile is kept listed (and does not match)."""
        for entry in entries:
            self._entries[entry.plate] = entry
        self._rebuild()

    def remove(self, plate: str) -> bool:
        found = self._entries.pop(normalise_plate(plate), None) is not None
        if found:
            self._rebuild()
        return found

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[tuple[HotlistEntry, bool]]:
        """Every entry with whether it is still live (not expired)."""
        now = self._clock()
        return [(e, e.expiry is None or e.expiry > now) for e in self._entries.values()]

    def match(self, read: str) -> list[Hit]:
        if not self._entries:
            return []
        return self._index.match(read, self._clock())

    def match_many(self, reads: list[str]) -> list[tuple[int, Hit]]:
        """(index of the read, hit) pairs for a batch of gate reads: array work, not a loop."""
        if not self._entries or not reads:
            return []
        return self._index.match_many(reads, self._clock())

    def _rebuild(self) -> None:
        self._index = Hotlist(list(self._entries.values()), {WATCH_LIST: self._modes})


# --- the console's view of the back-end's watchlist ----------------------------------------------

# Session.send (sync, enqueues in the outbox) or any async sender, as for AlertActions.
Send = Callable[[str, str, Any, str], Awaitable[object] | object]
PATH = "/api/v1/watchlist"


@dataclass(frozen=True, slots=True)
class WatchRow:
    plate: str
    reason: str
    expiry: datetime
    added_by: str
    added_at: datetime | None = None
    hits: int = 0
    last_hit_at: datetime | None = None
    last_gate: str = ""
    pending: str = ""  # "" | "add" (sent, not yet confirmed) | "remove"

    def live(self, now: datetime) -> bool:
        return self.expiry > now


class WatchlistStore(QObject):
    """The back-end's watchlist as this console knows it.

    Rows the operator added or removed are marked pending until the back-end's event confirms
    them, so the screen never claims something the server has not done.

    Signals:
        changed()      rows were added, removed or updated (hits, pending state)
        refused(str)   the back-end refused an add or remove: what it said, in words
    """

    SNAPSHOT_PATH = PATH
    EVENT_PREFIXES = ("watchlist.",)

    changed = Signal()
    refused = Signal(str)

    def __init__(
        self,
        send: Send | None = None,
        user: str = "",
        clock: Callable[[], datetime] = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.send = send
        self.user = user
        self.clock = clock
        self.loaded = False
        self.session: Any = None
        self._rows: dict[str, WatchRow] = {}
        self._sent: dict[str, tuple[str, WatchRow | None]] = {}  # key -> (plate, row before)

    def bind(self, session: Any) -> Coroutine[Any, Any, None] | None:
        """Follow a console Session (events, refusals, resync); returns the snapshot load to
        await, or None when already bound to it. Panels are built before the sign-in, so the
        panel binds when the session appears."""
        if session is None or session is self.session:
            return None
        self.session = session
        self.send = session.send
        session.router.subscribe(self.EVENT_PREFIXES[0], self.apply)
        session.outbox.command_failed.connect(self._on_command_failed)
        return self.load()

    async def load(self) -> None:
        if self.session is not None:
            self.reset(await self.session.fetch(self.SNAPSHOT_PATH))

    def _on_command_failed(self, key: str, detail: str) -> None:
        sent = self._sent.pop(key, None)
        if sent is None:
            return
        plate, before = sent
        if before is None:
            self._rows.pop(plate, None)
        else:
            self._rows[plate] = before
        self.refused.emit(tr("Targa {p}: il server ha rifiutato ({d}).", p=plate, d=detail))
        self.changed.emit()

    # --- reading -------------------------------------------------------------------------------

    def rows(self) -> list[WatchRow]:
        """Live entries first (soonest expiry first), then expired ones."""
        now = self.clock()
        return sorted(self._rows.values(), key=lambda r: (not r.live(now), r.expiry, r.plate))

    def get(self, plate: str) -> WatchRow | None:
        return self._rows.get(normalise_plate(plate))

    # --- feeding -------------------------------------------------------------------------------

    def reset(self, items: list[dict[str, Any]]) -> None:
        pending = {p: r for p, r in self._rows.items() if r.pending == "add"}
        self._rows = {}
        for raw in items:
            row = self._row(raw)
            if row is not None:
                self._rows[row.plate] = row
        for plate, row in pending.items():  # still in the outbox: keep showing it as pending
            self._rows.setdefault(plate, row)
        self.loaded = True
        self.changed.emit()

    def apply(self, events: list[Event]) -> None:
        touched = False
        for event in events:
            if event.event == "watchlist.updated":
                row = self._row(event.data)
                old = self._rows.get(row.plate) if row is not None else None
                if row is not None and not (
                    old is not None
                    and not old.pending
                    and old.added_at == row.added_at
                    and old.hits > row.hits  # an event older than the snapshot
                ):
                    self._rows[row.plate] = row
                    self._settled(row.plate)
                    touched = True
            elif event.event == "watchlist.removed":
                plate = normalise_plate(event.data.get("plate"))
                self._settled(plate)
                touched = self._rows.pop(plate, None) is not None or touched
            else:
                log.warning("watchlist event %s of unknown kind %r", event.id, event.event)
        if touched:
            self.changed.emit()

    def _settled(self, plate: str) -> None:
        """The back-end confirmed a change of `plate`: its commands need no undo any more."""
        for key in [k for k, (p, _) in self._sent.items() if p == plate]:
            del self._sent[key]

    @staticmethod
    def _row(raw: dict[str, Any]) -> WatchRow | None:
        try:
            e = WatchEntry.model_validate(raw)
        except ValueError as exc:
            log.warning("watchlist entry ignored: %s", exc)
            return None
        return WatchRow(
            plate=normalise_plate(e.plate),
            reason=e.reason,
            expiry=e.expiry,
            added_by=e.added_by,
            added_at=e.added_at,
            hits=e.hits,
            last_hit_at=e.last_hit_at,
            last_gate=e.last_gate,
        )

    # --- operator intent -----------------------------------------------------------------------

    async def add(self, plate: str, reason: str, expiry: datetime | None) -> WatchRow:
        """Validate, send `PUT /watchlist/{plate}`, show the row as pending until confirmed."""
        norm, why = validate(plate, reason, expiry, self.clock())
        assert expiry is not None  # validate() refused None
        if self.send is None:
            raise WatchlistError(tr("Nessun collegamento al server: targa non aggiunta."))
        old = self._rows.get(norm)
        row = WatchRow(
            norm,
            why,
            expiry,
            self.user,
            self.clock(),
            hits=old.hits if old else 0,
            last_hit_at=old.last_hit_at if old else None,
            last_gate=old.last_gate if old else "",
            pending="add",
        )
        body = {"reason": why, "expiry": expiry.isoformat()}
        key = await self._send("PUT", f"{PATH}/{quote(norm)}", body)
        self._sent[key] = (norm, old)
        self._rows[norm] = row
        self.changed.emit()
        return row

    async def remove(self, plate: str) -> None:
        norm = normalise_plate(plate)
        row = self._rows.get(norm)
        if row is None:
            raise WatchlistError(tr("La targa {p} non è nella lista di sorveglianza.", p=plate))
        if self.send is None:
            raise WatchlistError(tr("Nessun collegamento al server: targa non rimossa."))
        key = await self._send("DELETE", f"{PATH}/{quote(norm)}", None)
        self._sent[key] = (norm, row)
        self._rows[norm] = replace(row, pending="remove")
        self.changed.emit()

    async def _send(self, method: str, path: str, body: Any) -> str:
        assert self.send is not None
        key = uuid.uuid4().hex
        sent = self.send(method, path, body, key)
        if inspect.isawaitable(sent):
            await sent
        return key
