"""Builds the chat store and service once per workstation and links them to the session.

The composition root creates the Session after the panels, so the link is made lazily (as for
incidents): sends look the session up at call time, and a short timer subscribes to `chat.`
events, attaches the outbox's verdicts, says we are online and loads channels, presence and the
newest page of every channel as soon as the session exists. Presence (online / away after five
minutes without input / offline at a clean stop, with a 20 s heartbeat) is `PresenceTracker`'s;
the "offline" goes out from the composition root's stop hooks (`services["stop_hooks"]`), before
the session closes. A resync reloads everything; flashes escalated here or by the back-end are
also announced in the status strip.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QObject

from console.api import contract
from console.chat.service import ChatService
from console.chat.store import ChatStore
from console.i18n import tr
from widgets.chat.presence import PresenceTracker
from widgets.common.session_link import SessionLink, retry
from widgets.common.timers import make_timer

log = logging.getLogger(__name__)

FLASH_CHECK_MS = 1_000
SIGN_OFF_S = 2.0  # a clean close waits at most this long to say "offline"


class ChatLink(SessionLink):
    """Connects the chat service to the session once the composition root has created it."""

    def __init__(
        self,
        services: dict[str, object],
        store: ChatStore,
        service: ChatService,
        operator: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(services, 500, parent)
        self.store = store
        self.service = service
        self.operator = operator
        self.tracker = PresenceTracker(self._on_presence, parent=self)
        self._signed_off = False
        self._flash = make_timer(self, FLASH_CHECK_MS, store.check_flash)
        store.flash_escalated.connect(self._announce_escalation)
        store.server_escalated.connect(self._announce_server_escalation)

    async def post(self, path: str, body: Any) -> Any:
        return await self.current().client.request("POST", path, json=body)

    def linked(self, session: Any) -> None:
        if not self.store.username:
            self.store.set_identity(getattr(session, "username", "") or self.operator, "")
        outbox = getattr(session, "outbox", None)
        if outbox is not None:
            self.service.attach_outbox(outbox)
        router = getattr(session, "router", None)
        if router is not None:
            for prefix in self.store.EVENT_PREFIXES:
                router.subscribe(prefix, self.store.apply)
        resync = getattr(session, "resync_required", None)
        if resync is not None:
            resync.connect(self.reload)
        self.reload()
        self.tracker.start()

    def reload(self) -> None:
        self.spawn(retry("chat", self._load))

    def _on_presence(self, status: str) -> None:
        if self.session is not None and not self._signed_off:
            self.spawn(self.service.announce(status))

    async def sign_off(self) -> None:
        """The console is closing cleanly: say "offline" now rather than go silent."""
        if self.session is None or self._signed_off:
            return
        self._signed_off = True
        self.tracker.stop()
        try:
            await asyncio.wait_for(self.service.announce("offline"), SIGN_OFF_S)
        except TimeoutError:
            log.info("offline not announced within %s s: the back-end will time us out", SIGN_OFF_S)

    async def _load(self) -> None:
        username = str(getattr(self.session, "username", "") or "")
        if username:
            self.store.username = username
        await self.service.announce(self.tracker.status or "online")
        await self.service.refresh()

    def _announce_escalation(self, message_id: str, level: int) -> None:
        status = self.services.get("status")
        entry = self.store.get(message_id)
        if status is None or entry is None:
            return
        m = entry.message
        if self.store.is_mine(m):
            text = tr("FLASH inviato senza conferma da nessuna sala: «{t}»", t=m.text[:60])
        else:
            text = tr("FLASH da {d} non confermato: «{t}»", d=m.desk, t=m.text[:60])
        status.announce(text, "error" if level >= 2 else "warn")  # type: ignore[attr-defined]

    def _announce_server_escalation(self, escalation: contract.FlashEscalation) -> None:
        status = self.services.get("status")
        if status is None:
            return
        if escalation.resolved:
            text = tr(
                "FLASH {id} confermato da {who}: il supervisore è stato avvisato che è chiuso.",
                id=escalation.message_id,
                who=", ".join(escalation.acked_by),
            )
            status.announce(text, "info")  # type: ignore[attr-defined]
            return
        who = ", ".join(escalation.pending) or tr("nessuna sala collegata")
        text = tr(
            "Supervisore avvisato (livello {n}): FLASH di {d} senza conferma da {who}.",
            n=escalation.level,
            d=escalation.desk,
            who=who,
        )
        status.announce(text, "error")  # type: ignore[attr-defined]


def chat_for(ctx: Any) -> tuple[ChatStore, ChatService]:
    """The workstation's one chat store and service (built on first use)."""
    services: dict[str, object] = ctx.services
    store, service = services.get("chat"), services.get("chat_service")
    if isinstance(store, ChatStore) and isinstance(service, ChatService):
        return store, service
    store = ChatStore()
    service = ChatService(store)
    link = ChatLink(services, store, service, ctx.operator or "", parent=service)
    service.enqueue = link.enqueue
    service.fetch = link.fetch
    service.post = link.post
    services["chat"] = store
    services["chat_service"] = service
    services["chat_link"] = link
    hooks = services.setdefault("stop_hooks", [])
    if isinstance(hooks, list):
        hooks.append(link.sign_off)
    return store, service
