"""The ANPR gates of the training world: plate transits run through the console's own matcher.

Every transit the scenario generates (or a client posts) is a plate as a gate read it, OCR
mistakes included. It goes through console.anpr — the national lists (SCNTT A1, A2, C and the
municipal lists, synthetic and seeded) as one Hotlist, the operators' watchlist as a Watchlist —
and only a real match becomes an `anpr.hotlist` alert. Transits themselves never leave the
server (no event, no plate): consoles learn about hits, never about the traffic.

The matcher state belongs to one server: `for_ctx(ctx)` keeps one Gatekeeper per database.
"""

from __future__ import annotations

import random
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from console.anpr.hotlist import Hit, Hotlist, HotlistEntry, MatchMode
from console.anpr.plates import italian_key
from console.anpr.watchlist import WATCH_LIST, Watchlist, entry_of, validate
from console.api import contract as c
from console.training import alerts
from console.training.context import ServerContext
from console.training.db import Database, Tx
from console.training.geodata import Place, distance_m
from console.training.state import dump, now

PLATE_LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"
# (list, label, priority, plates on the synthetic list)
NATIONAL = [
    ("A1", "Veicolo rubato", 2, 1200),
    ("A1", "Veicolo rubato - usato in rapina", 1, 60),
    ("C", "Veicolo segnalato dalle forze di polizia", 2, 400),
    ("A2", "Revisione non effettuata", 3, 2000),
    ("A2", "Assicurazione RC scaduta", 3, 2000),
    ("municipal", "Sanzioni non pagate - Comune di Milano", 4, 1500),
    ("municipal", "Permesso Area C revocato", 4, 800),
]
LIST_SOURCE = {"A1": "SCNTT", "A2": "SCNTT", "C": "SCNTT", "municipal": "Comune di Milano - PL"}
WATCH_PRIORITY = 2
WATCH_LABEL = "Lista di sorveglianza operatore"
WATCH_KIND = "watch"  # objects table: one row per watchlist plate

# Look-alikes a gate camera produces, by position class of AA000AA (L letter, D digit).
MISREAD_AT_LETTER = {"B": "8", "D": "0", "G": "6", "S": "5", "Z": "2"}
MISREAD_AT_DIGIT = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}


@dataclass(slots=True)
class Transit:
    read: str  # what the gate read (may be wrong)
    gate: Place
    direction: str
    confidence: float


def random_plate(rng: random.Random) -> str:
    return (
        rng.choice(PLATE_LETTERS)
        + rng.choice(PLATE_LETTERS)
        + f"{rng.randint(0, 999):03d}"
        + rng.choice(PLATE_LETTERS)
        + rng.choice(PLATE_LETTERS)
    )


def misread(plate: str, rng: random.Random) -> str:
    """The plate as a gate might misread it: one look-alike character, or (rarely) one lost."""
    if len(plate) == 7 and rng.random() < 0.85:
        spots = [
            (i, MISREAD_AT_DIGIT[ch] if 2 <= i <= 4 else MISREAD_AT_LETTER[ch])
            for i, ch in enumerate(plate)
            if ch in (MISREAD_AT_DIGIT if 2 <= i <= 4 else MISREAD_AT_LETTER)
        ]
        if spots:
            i, ch = rng.choice(spots)
            return plate[:i] + ch + plate[i + 1 :]
    i = rng.randrange(len(plate))
    return plate[:i] + plate[i + 1 :]


class Gatekeeper:
    """The server's matcher: national lists, the watchlist and what each hit becomes."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.rng = random.Random(f"anpr-{ctx.config.seed}")
        self.priority: dict[str, int] = {}
        entries: list[HotlistEntry] = []
        today = now()
        seen: set[str] = set()
        for lst, label, priority, count in NATIONAL:
            self.priority[label] = priority
            for _ in range(count):
                plate = random_plate(self.rng)
                if italian_key(plate) in seen:  # keep the synthetic lists unambiguous
                    continue
                seen.add(italian_key(plate))
                expiry = today + timedelta(days=self.rng.randint(10, 365))
                entries.append(HotlistEntry(plate, lst, label, LIST_SOURCE[lst], expiry))
        self.national = Hotlist(entries)
        self.watch = Watchlist(clock=now)
        self.watched: dict[str, c.WatchEntry] = {}
        for body in ctx.db.objects(WATCH_KIND):
            try:
                entry = c.WatchEntry.model_validate(body)
            except ValidationError:
                continue
            self.watched[entry.plate] = entry
        self.watch.load(self._entry(e) for e in self.watched.values())
        self.new_watches: list[str] = []  # added since the scenario last looked
        self.counters: Counter[str] = Counter()

    @staticmethod
    def _entry(e: c.WatchEntry) -> HotlistEntry:
        return entry_of(e.plate, e.reason, e.expiry, e.added_by)

    def listed(self, rng: random.Random) -> HotlistEntry:
        """A vehicle of the national lists that is in town right now."""
        return rng.choice(self.national.entries)

    # --- the watchlist ---------------------------------------------------------------------------

    def put_watch(
        self, tx: Tx, plate: str, reason: str, expiry: datetime, user: str
    ) -> tuple[bool, c.WatchEntry]:
        """Add or replace a watchlist plate (WatchlistError when invalid); (created, entry)."""
        norm, why = validate(plate, reason, expiry, now())
        old = self.watched.get(norm)
        entry = c.WatchEntry(
            plate=norm,
            reason=why,
            expiry=expiry,
            added_by=user,
            added_at=now(),
            hits=old.hits if old else 0,
            last_hit_at=old.last_hit_at if old else None,
            last_gate=old.last_gate if old else "",
        )
        self._save_watch(tx, entry)
        if old is None:
            tx.after_commit.append(lambda: self.new_watches.append(norm))
        return old is None, entry

    def remove_watch(self, tx: Tx, plate: str, user: str) -> c.WatchEntry | None:
        found = self.watched.get(plate)
        if found is None:
            return None
        tx.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (WATCH_KIND, plate))
        tx.emit(
            c.EventType.WATCHLIST_REMOVED,
            {"plate": plate, "removed_by": user, "at": now().isoformat()},
        )

        def done() -> None:
            self.watched.pop(plate, None)
            self.watch.remove(plate)

        tx.after_commit.append(done)
        return found

    def _save_watch(self, tx: Tx, entry: c.WatchEntry) -> None:
        tx.put(WATCH_KIND, entry.plate, dump(entry))
        tx.emit(c.EventType.WATCHLIST_UPDATED, dump(entry))

        def done() -> None:
            self.watched[entry.plate] = entry
            self.watch.load([self._entry(entry)])

        tx.after_commit.append(done)

    def live_watches(self) -> list[str]:
        moment = now()
        return [p for p, e in self.watched.items() if e.expiry > moment]

    # --- transits ------------------------------------------------------------------------------

    def process(self, tx: Tx, transits: list[Transit]) -> list[c.Alert]:
        """Run a batch of transits through every list; each hit becomes an alert."""
        if not transits:
            return []
        self.counters["transits"] += len(transits)
        moment = now()
        reads = [t.read for t in transits]
        found: dict[int, list[Hit]] = {}
        for n, hit in self.national.match_many(reads, moment) + self.watch.match_many(reads):
            found.setdefault(n, []).append(hit)
        out = []
        counted: dict[str, c.WatchEntry] = {}  # watchlist hit counts, saved once per batch
        for n, hits in sorted(found.items()):
            for hit in hits:
                self.counters[f"hits_{hit.mode.value}"] += 1
                out.append(self._alert(tx, transits[n], hit, moment, counted))
        for entry in counted.values():
            self._save_watch(tx, entry)
        return out

    def _alert(
        self, tx: Tx, t: Transit, hit: Hit, at: datetime, counted: dict[str, c.WatchEntry]
    ) -> c.Alert:
        entry, gate = hit.entry, t.gate
        watch = entry.list_id == WATCH_LIST
        cams = sorted(
            self.ctx.state.all("camera", c.Camera),
            key=lambda cam: distance_m((cam.lon, cam.lat), (gate.lon, gate.lat)),
        )
        near = [
            cam.id for cam in cams[:2] if distance_m((cam.lon, cam.lat), (gate.lon, gate.lat)) < 800
        ]
        label = WATCH_LABEL if watch else entry.label
        payload: dict[str, Any] = {
            "plate": entry.plate,
            "list": entry.list_id,
            "list_label": label,
            "list_source": f"operatore {entry.added_by}" if watch else entry.source,
            "list_expiry": entry.expiry.date().isoformat() if entry.expiry else "",
            "gate_id": gate.id,
            "gate_name": gate.name,
            "direction": t.direction,
            "transit_at": at.isoformat(),
            "confidence": t.confidence,
            # What the gate actually read and how it matched: an OCR or edit-1 hit needs a
            # closer look at the image than an exact one.
            "read": hit.read,
            "match": hit.mode.value,
        }
        if watch:
            payload["reason"] = entry.reason
        how = "" if hit.mode is MatchMode.EXACT else f" (letta {hit.read})"
        alert = alerts.new_alert(
            self.ctx,
            tx,
            user="scenario",
            source="anpr",
            type="anpr.hotlist",
            priority=WATCH_PRIORITY if watch else self.priority.get(entry.label, 3),
            title=f"Targa {entry.plate}{how} - lista {entry.list_id}: {label}",
            detail=f"Transito al varco {gate.name}.",
            geometry={"type": "Point", "coordinates": [gate.lon, gate.lat]},
            cameras=near,
            payload=payload,
        )
        old = counted.get(entry.plate) or self.watched.get(entry.plate) if watch else None
        if old is not None:
            counted[entry.plate] = old.model_copy(
                update={"hits": old.hits + 1, "last_hit_at": at, "last_gate": gate.name}
            )
        return alert


_KEEPERS: weakref.WeakKeyDictionary[Database, Gatekeeper] = weakref.WeakKeyDictionary()


def for_ctx(ctx: ServerContext) -> Gatekeeper:
    """The one Gatekeeper of this server (routes and scenario share it)."""
    keeper = _KEEPERS.get(ctx.db)
    if keeper is None:
        keeper = _KEEPERS[ctx.db] = Gatekeeper(ctx)
    return keeper
