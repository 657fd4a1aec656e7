"""Test doubles with the same surface as the real services, for GUI tests that need no back-end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.api.contract import Event


class FakeJournal(QObject):
    """Same signal and history accessor as console.api.journal.EventJournal."""

    events_added = Signal(list)

    def __init__(self, history: list[Event] | None = None) -> None:
        super().__init__()
        self._events: list[Event] = list(history or [])

    def events(self) -> list[Event]:
        return list(self._events)

    def push(self, events: list[Event]) -> None:
        self._events.extend(events)
        self.events_added.emit(events)


_UNITS = [("PL-21", "PL"), ("PL-34", "PL"), ("AREU-118-07", "AREU"), ("VVF-MI-3", "VVF")]
_STREETS = ["Piazza del Duomo", "Corso Buenos Aires 12", "Viale Monza 140", "Via Padova 77",
            "Piazzale Loreto", "Corso di Porta Ticinese 40", "Via Novara 300"]


def sample_events(count: int, start_id: int = 1) -> list[Event]:
    """A plausible mix of Milan control-room events, deterministic."""
    base = datetime(2026, 3, 14, 8, 30, tzinfo=UTC)
    out: list[Event] = []
    for n in range(count):
        i = start_id + n
        at = (base + timedelta(seconds=7 * i)).isoformat()
        kind = i % 7
        data: dict[str, Any]
        if kind == 0:
            callsign, agency = _UNITS[i % len(_UNITS)]
            data = {"id": callsign, "callsign": callsign, "lon": 9.19, "lat": 45.46,
                    "heading": 90.0, "speed_kmh": 20.0 + i % 30, "ts": at}
            name = "unit.moved"
        elif kind == 1:
            callsign, agency = _UNITS[i % len(_UNITS)]
            data = {"id": callsign, "callsign": callsign, "agency": agency,
                    "status": ["available", "en_route", "on_scene"][i % 3],
                    "incident_id": f"INT-{1000 + i}", "status_since": at}
            name = "unit.updated"
        elif kind == 2:
            data = {"id": f"AL-{i}", "priority": 1 + i % 4, "state": "new",
                    "title": f"Varco Area C {i % 42}: targa GE{i % 900:03d}TX in lista A1",
                    "created_at": at, "updated_at": at}
            name = "alert.created"
        elif kind == 3:
            data = {"id": f"INT-{1000 + i}", "priority": 2, "type": "incidente stradale",
                    "status": "dispatched", "address": _STREETS[i % len(_STREETS)],
                    "updated_at": at}
            name = "incident.updated"
        elif kind == 4:
            data = {"id": f"M-{i}", "channel_id": "interforze", "sender": "rossi",
                    "desk": "VVF Milano", "text": "Squadra sul posto, richiesta chiusura strada",
                    "sent_at": at}
            name = "chat.message"
        elif kind == 5:
            data = {"sensor_id": "seveso-niguarda", "station": "Seveso a Niguarda",
                    "kind": "Livello Idrometrico", "value": 120.0 + i / 10, "unit": "cm",
                    "level": ["normal", "attention", "alarm"][i % 3], "ts": at}
            name = "sensor.reading"
        else:
            data = {"id": f"cam{i % 16:02d}", "name": f"Telecamera {i % 16}",
                    "address": _STREETS[i % len(_STREETS)], "updated_at": at}
            name = "camera.updated"
        out.append(Event(id=i, event=name, data=data))
    return out


class FakeOutbox(QObject):
    """The outbox signals panels connect to; nothing is ever queued."""

    command_sent = Signal(str, object)
    command_failed = Signal(str, str)

    def commands(self, _state: str | None = None) -> list[Any]:
        return []


class FakeRouter:
    def __init__(self) -> None:
        self.subscribed: list[tuple[str, Any]] = []

    def subscribe(self, prefix: str, callback: Any) -> None:
        self.subscribed.append((prefix, callback))

    @property
    def prefixes(self) -> list[str]:
        return [prefix for prefix, _callback in self.subscribed]


class FakeSession(QObject):
    """A signed-in session as panels see it: commands are recorded, snapshots are empty."""

    resync_required = Signal()

    def __init__(self, username: str = "radio") -> None:
        super().__init__()
        self.username = username
        self.outbox = FakeOutbox()
        self.router = FakeRouter()
        self.sent: list[tuple[str, str, Any, str]] = []

    def send(self, method: str, path: str, body: Any = None, key: str | None = None) -> str:
        self.sent.append((method, path, body, key or ""))
        return key or ""

    async def fetch(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return []
