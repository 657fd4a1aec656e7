"""AlertStore: every alert the console knows, kept consistent with the back-end's event stream.

Qt-free apart from QtCore signals. It owns what the back-end cannot know about one console: how
hits of one plate at several gates group into one queue row, when an unacknowledged alert has
waited past its SLA, and which damaged items it had to repair. It is bounded (a ring of
`capacity` records, closed ones evicted first), so a day with a million alerts does not hurt.

Signals:
    alerts_added(list[str])    new queue rows (group primaries), one emission per apply()
    alerts_changed(list[str])  rows whose content changed (incl. a new sighting in a group)
    alerts_removed(list[str])  rows evicted by the ring buffer
    alerts_reset()             the whole state was replaced (start, SSE resync)
    p1_arrived(str)            an unacknowledged P1, emitted at once, before alerts_added
    sla_expired(list[str])     alerts that waited past their SLA: escalate to the supervisor
"""

from __future__ import annotations

import heapq
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.alerts.record import Action, AlertRecord, normalise, parse_time, sighting
from console.anpr.gates import Gate, likely_next
from console.api.contract import AlertState, Event

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Seconds an alert may stay unacknowledged before it goes to the supervisor.
DEFAULT_SLA = {1: 60, 2: 300, 3: 900, 4: 3600}
SYSTEM_USER = "sistema"


def utc_now() -> datetime:
    return datetime.now(UTC)


class AlertStore(QObject):
    SNAPSHOT_PATH = "/api/v1/alerts"
    EVENT_PREFIXES = ("alert.",)

    alerts_added = Signal(list)
    alerts_changed = Signal(list)
    alerts_removed = Signal(list)
    alerts_reset = Signal()
    p1_arrived = Signal(str)
    sla_expired = Signal(list)

    def __init__(
        self,
        clock: Clock = utc_now,
        sla_seconds: Mapping[int, int] | None = None,
        gates: Mapping[str, Gate] | None = None,
        capacity: int = 200_000,
        group_window: timedelta = timedelta(hours=2),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.sla_seconds = dict(DEFAULT_SLA if sla_seconds is None else sla_seconds)
        self.gates: dict[str, Gate] = dict(gates or {})
        self.capacity = capacity
        self.group_window = group_window
        self.counters: Counter[str] = Counter()
        self._clear()

    def _clear(self) -> None:
        self._records: dict[str, AlertRecord] = {}
        self._arrival: deque[str] = deque()
        self._groups: dict[tuple[str, str], str] = {}
        self._sla_heap: list[tuple[float, int, str]] = []
        self._seen_events: set[int] = set()
        self._seen_order: deque[int] = deque()
        self._seq = 0

    # --- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._records)

    def get(self, alert_id: str) -> AlertRecord | None:
        return self._records.get(alert_id)

    def rows(self) -> Iterator[AlertRecord]:
        """Queue rows: every record that is not folded into another alert's trail."""
        return (r for r in self._records.values() if r.group_of is None)

    def group(self, alert_id: str) -> list[AlertRecord]:
        """The primary and every hit folded into it (for actions on the whole group)."""
        primary = self._records.get(alert_id)
        if primary is None:
            return []
        members = [self._records[m] for m in primary.members if m in self._records]
        return [primary, *members]

    # --- feeding -----------------------------------------------------------------------------

    def reset(self, items: list[dict[str, Any]]) -> None:
        """Replace everything with a snapshot (start-up, SSE resync)."""
        self._clear()
        received = self.clock()
        for raw in items:
            self._ingest(raw, received, created=True)
        self._enforce_capacity()
        self.alerts_reset.emit()

    def apply(self, events: list[Event]) -> None:
        """Apply a batch of alert.* events; idempotent by event id and by alert version."""
        added: list[str] = []
        changed: list[str] = []
        received = self.clock()
        for event in events:
            try:
                if event.id in self._seen_events:
                    self.counters["duplicate_events"] += 1
                    continue
                self._remember(event.id)
                if event.event not in ("alert.created", "alert.updated"):
                    self.counters["unknown_events"] += 1
                    log.warning("alert event %s of unknown kind %r", event.id, event.event)
                    continue
                outcome = self._ingest(event.data, received, event.event == "alert.created")
            except Exception:  # a bad item must never stop the stream
                self.counters["failed"] += 1
                log.exception("alert event %s could not be applied", getattr(event, "id", "?"))
                continue
            if outcome is None:
                continue
            row_id, is_new, p1 = outcome
            if p1:
                self.p1_arrived.emit(row_id)
            (added if is_new else changed).append(row_id)
        removed = self._enforce_capacity()
        if removed:
            gone = set(removed)
            added = [a for a in added if a not in gone]
            changed = [c for c in changed if c not in gone]
            self.alerts_removed.emit(removed)
        if added:
            self.alerts_added.emit(added)
        if changed:
            self.alerts_changed.emit(list(dict.fromkeys(c for c in changed if c not in added)))

    def _remember(self, event_id: int) -> None:
        self._seen_events.add(event_id)
        self._seen_order.append(event_id)
        if len(self._seen_order) > 200_000:
            self._seen_events.discard(self._seen_order.popleft())

    def _ingest(
        self, raw: object, received: datetime, created: bool
    ) -> tuple[str, bool, bool] | None:
        """Store one alert; returns (queue row id, row is new, is an unacknowledged P1)."""
        self._seq += 1
        rec = normalise(raw, received, fallback_id=f"sconosciuto-{self._seq}")
        if rec.problems:
            self.counters["repaired"] += 1
            log.info("alert %s repaired: %s", rec.id, "; ".join(rec.problems))
        old = self._records.get(rec.id)
        if old is not None:
            if created:
                self.counters["duplicate_ids"] += 1
            if rec.version < old.version or (rec.version == old.version and created):
                self.counters["stale"] += 1
                return None
            return self._update(old, rec)
        rec.seq = self._seq
        self._derive(rec)
        self._records[rec.id] = rec
        self._arrival.append(rec.id)
        primary = self._group(rec)
        if primary is not None:
            return primary.id, False, False
        self._schedule_sla(rec)
        return rec.id, True, self._urgent(rec)

    def _update(self, old: AlertRecord, rec: AlertRecord) -> tuple[str, bool, bool]:
        was_urgent = self._urgent(old)
        rec.seq, rec.group_of, rec.members = old.seq, old.group_of, old.members
        rec.trail, rec.next_gates = old.trail, old.next_gates
        rec.escalated = old.escalated
        if old.snoozed_until and rec.snoozed_until is None:
            rec.snoozed_until, rec.snooze_reason = old.snoozed_until, old.snooze_reason
        if old.verification and rec.verification is None:
            rec.verification, rec.verification_reason = old.verification, old.verification_reason
        self._derive(rec)
        self._records[rec.id] = rec
        if rec.group_of is not None:
            return rec.group_of, False, False
        self._schedule_sla(rec)
        return rec.id, False, self._urgent(rec) and not was_urgent

    @staticmethod
    def _urgent(rec: AlertRecord) -> bool:
        return rec.priority == 1 and rec.state == AlertState.NEW

    def _derive(self, rec: AlertRecord) -> None:
        """Fields the back-end keeps in payload and history, read once per version."""
        p = rec.payload
        if p.get("snoozed_until"):
            rec.snoozed_until = parse_time(p["snoozed_until"], rec.created_at, "rinvio", [])
        if p.get("verification") in ("confirmed", "misread"):
            rec.verification = str(p["verification"])
        for action in rec.history:
            if action.action == "escalate":
                rec.escalated = True
            elif action.action == "verify":
                rec.verification_reason = action.reason
            elif action.action == "snooze":
                rec.snooze_reason = action.reason

    # --- grouping of plate hits --------------------------------------------------------------

    def _group(self, rec: AlertRecord) -> AlertRecord | None:
        """Fold a hotlist hit into the open alert of the same plate and list; else start one."""
        if not rec.type.startswith("anpr.") or not rec.plate:
            return None
        key = (rec.plate, str(rec.payload.get("list", "")))
        seen = sighting(rec)
        primary = self._records.get(self._groups.get(key, ""))
        if (
            primary is not None
            and primary.state != AlertState.CLOSED
            and primary.trail
            and abs(seen.at - primary.trail[-1].at) <= self.group_window
        ):
            rec.group_of = primary.id
            primary.members.append(rec.id)
            primary.trail.append(seen)
            primary.trail.sort(key=lambda s: s.at)
            self._predict(primary)
            return primary
        self._groups[key] = rec.id
        rec.trail = [seen]
        self._predict(rec)
        return None

    def _predict(self, rec: AlertRecord) -> None:
        clean = [(s.lon, s.lat) for s in rec.trail if s.lon is not None and s.lat is not None]
        visited = [s.gate_id for s in rec.trail]
        rec.next_gates = [g.name for g in likely_next(clean, visited, self.gates)]

    def set_gates(self, gates: Mapping[str, Gate]) -> None:
        self.gates = dict(gates)
        changed = [r.id for r in self.rows() if r.trail]
        for alert_id in changed:
            self._predict(self._records[alert_id])
        if changed:
            self.alerts_changed.emit(changed)

    # --- SLA, snooze, verification -----------------------------------------------------------

    def _schedule_sla(self, rec: AlertRecord) -> None:
        if rec.state != AlertState.NEW or rec.escalated:
            rec.sla_due = None
            return
        start = rec.created_at
        if rec.snoozed_until is not None and rec.snoozed_until > start:
            start = rec.snoozed_until
        due = start + timedelta(seconds=self.sla_seconds.get(rec.priority, 900))
        if due != rec.sla_due:
            rec.sla_due = due
            heapq.heappush(self._sla_heap, (due.timestamp(), rec.seq, rec.id))

    def check_sla(self, now: datetime | None = None) -> list[str]:
        """Escalate every alert whose SLA has run out; called about once a second."""
        moment = now or self.clock()
        limit = moment.timestamp()
        expired: list[str] = []
        heap = self._sla_heap
        while heap and heap[0][0] <= limit:
            due, _seq, alert_id = heapq.heappop(heap)
            rec = self._records.get(alert_id)
            if (
                rec is None
                or rec.escalated
                or rec.state != AlertState.NEW
                or rec.sla_due is None
                or rec.sla_due.timestamp() != due
            ):
                continue
            rec.escalated = True
            rec.history.append(
                Action(moment, SYSTEM_USER, "escalate", "SLA scaduto", rec.state, rec.owner)
            )
            expired.append(alert_id)
        if expired:
            self.sla_expired.emit(expired)
            self.alerts_changed.emit(expired)
        return expired

    def snooze(self, alert_id: str, until: datetime, reason: str, user: str) -> None:
        """Hide until `until` and postpone the SLA; the back-end gets the same command."""
        rec = self._records.get(alert_id)
        if rec is None:
            return
        if rec.priority == 1:
            raise ValueError("Un avviso P1 non si può posticipare.")
        if len(reason.strip()) < 3:
            raise ValueError("Indicare il motivo del rinvio.")
        rec.snoozed_until, rec.snooze_reason = until, reason.strip()
        rec.history.append(Action(self.clock(), user, "snooze", reason.strip(), rec.state))
        self._schedule_sla(rec)
        self.alerts_changed.emit([alert_id])

    def verify(self, alert_id: str, result: str, reason: str, user: str) -> None:
        """Record the operator's visual check at once; the back-end confirms with a new version."""
        if result not in ("confirmed", "misread"):
            raise ValueError(f"unknown verification {result!r}")
        rec = self._records.get(alert_id)
        if rec is None:
            return
        rec.verification, rec.verification_reason = result, reason.strip()
        rec.history.append(Action(self.clock(), user, "verify", reason.strip(), rec.state))
        self.alerts_changed.emit([alert_id])

    # --- ring buffer -------------------------------------------------------------------------

    def _enforce_capacity(self) -> list[str]:
        """Evict closed alerts first, then the oldest non-P1; never an open P1."""
        removed: list[str] = []
        arrival, records = self._arrival, self._records
        while len(records) > self.capacity and arrival:
            victim = None
            for _ in range(min(len(arrival), 1000)):
                candidate = arrival[0]
                rec = records.get(candidate)
                if rec is None:
                    arrival.popleft()
                    continue
                if rec.state == AlertState.CLOSED or rec.priority > 1:
                    victim = arrival.popleft()
                    break
                arrival.rotate(-1)  # an open P1 stays; look further
            if victim is None:
                break
            rec = records.pop(victim)
            self.counters["evicted"] += 1
            if rec.group_of is None:
                removed.append(victim)
                for member in rec.members:
                    records.pop(member, None)
            else:
                primary = records.get(rec.group_of)
                if primary is not None and victim in primary.members:
                    primary.members.remove(victim)
        return removed

    def ingest_many(self, items: Iterable[dict[str, Any]], first_event_id: int) -> None:
        """Convenience for feeders and tests: wrap plain alert dicts as alert.created events."""
        kind = "alert.created"
        self.apply([Event(id=first_event_id + n, event=kind, data=d) for n, d in enumerate(items)])
