"""The "chat" panel for the layouts: inter-agency channels, flash messages with acknowledgement,
receipts, presence, search and quick replies.

One ChatStore/ChatService per workstation (see wiring.chat_for), linked to the session when the
composition root creates it. Without a session the panel still opens and says it cannot send.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from console.i18n import tr

__all__ = ["make_chat_panel", "register"]


def make_chat_panel(ctx: Any, params: dict[str, Any]) -> QWidget:
    from widgets.chat.panel import ChatPanel
    from widgets.chat.wiring import chat_for

    store, service = chat_for(ctx)
    services = ctx.services
    # Looked up by name when needed: the incident store may be registered after this panel.
    panel = ChatPanel(store, service, services.get("intents"), services.get)
    channel = params.get("channel")
    if isinstance(channel, str) and channel:
        panel.open_channel(channel)
    return panel


def register(registry: Any) -> None:
    registry.register(
        "chat",
        make_chat_panel,
        title=tr("Chat tra sale"),
        description=tr(
            "Messaggi tra sale e agenzie: canali, flash con conferma, "
            "ricevute, presenza, ricerca, risposte rapide"
        ),
    )
