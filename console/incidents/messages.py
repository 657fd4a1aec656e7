"""Chat messages about incidents, gathered from `chat.message` events for the timeline.

There is no chat store yet; until there is, this small collector keeps the messages that name an
incident (ChatMessage.incident_id) as they arrive on the event stream. Messages sent before the
console started are not fetched: the timeline says what it has.

Signals:
    messages_changed(list)  incident ids that got a message
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from console.api import contract

log = logging.getLogger(__name__)

PER_INCIDENT_LIMIT = 500


class IncidentMessages(QObject):
    EVENT_PREFIXES = ("chat.message",)

    messages_changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._by_incident: dict[str, dict[str, contract.ChatMessage]] = {}

    def apply(self, events: list[contract.Event]) -> None:
        changed: set[str] = set()
        for event in events:
            if event.event != "chat.message" or not event.data.get("incident_id"):
                continue
            try:
                msg = contract.ChatMessage.model_validate(event.data)
            except ValidationError as exc:
                log.warning("chat message ignored: %s", exc.errors()[:1])
                continue
            held = self._by_incident.setdefault(str(msg.incident_id), {})
            if msg.id not in held:
                held[msg.id] = msg
                if len(held) > PER_INCIDENT_LIMIT:
                    held.pop(next(iter(held)))
                changed.add(str(msg.incident_id))
        if changed:
            self.messages_changed.emit(sorted(changed))

    def for_incident(self, incident_id: str) -> list[contract.ChatMessage]:
        return sorted(self._by_incident.get(incident_id, {}).values(), key=lambda m: m.sent_at)
