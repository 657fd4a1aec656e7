"""A chat panel filled with a realistic afternoon, for the GUI tests and the docs screenshots.

`python -m tests.gui.chat_demo docs/screenshots` renders the panel off-screen into
chat-panel.png (a flash waiting for acknowledgement, receipts, a pending message),
chat-search.png (a search within the channel), chat-supervisor.png (the back-end's escalation
notice in the supervisor channel), chat-areu-away.png (a desk away, with its last contact) and
chat-escalation.png (the flash unacknowledged
for three minutes, a message the server refused).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from console.api import contract
from console.chat.service import ChatService
from console.chat.store import ChatStore

T0 = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)

CHANNELS = [
    {"id": "sala-radio", "name": "PL Milano - Sala Radio", "kind": "agency"},
    {"id": "vvf", "name": "VVF Milano", "kind": "agency"},
    {"id": "areu", "name": "AREU 118", "kind": "agency"},
    {"id": "forze-ordine", "name": "PS - CC - PL", "kind": "agency"},
    {"id": "coc", "name": "COC Protezione Civile", "kind": "agency"},
    {"id": "tutte", "name": "Tutte le sale", "kind": "broadcast"},
    {
        "id": "evento-inc-000012",
        "name": "Evento INC-000012",
        "kind": "incident",
        "incident_id": "INC-000012",
    },
]


class Recorder:
    """Stands in for the session's outbox in widget tests: records what would be queued."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, str, Any, str]] = []

    def __call__(self, method: str, path: str, body: Any, key: str) -> str:
        self.commands.append((method, path, body, key))
        return key


def msg(
    n: int, channel: str, desk: str, sender: str, text: str, minutes: float, **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"MSG-{n:06d}",
        "channel_id": channel,
        "sender": sender,
        "desk": desk,
        "text": text,
        "sent_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        **extra,
    }


def build(clock_minutes: float = 14.5) -> tuple[ChatStore, ChatService, Recorder]:
    store = ChatStore(clock=lambda: T0 + timedelta(minutes=clock_minutes), flash_after=60)
    store.set_identity("radio", "Operatore sala radio")
    store.reset(CHANNELS)
    store.set_presence(
        [
            {"desk": "VVF Milano", "status": "online", "at": T0.isoformat()},
            {
                "desk": "AREU 118",
                "status": "away",
                "at": (T0 + timedelta(minutes=14)).isoformat(),
                "since": (T0 + timedelta(minutes=6)).isoformat(),
            },
            {"desk": "PL Milano - Sala Radio", "status": "online", "at": T0.isoformat()},
            {"desk": "COC Protezione Civile", "status": "offline", "at": T0.isoformat()},
            {"desk": "Supervisore di sala", "status": "online", "at": T0.isoformat()},
        ]
    )
    store.add_page(
        {
            "channel_id": "vvf",
            "has_more": True,
            "messages": [
                msg(
                    101,
                    "vvf",
                    "VVF Milano",
                    "vvf.sala",
                    "APS in uscita dalla sede di via Messina",
                    1,
                ),
                msg(
                    102,
                    "vvf",
                    "Operatore sala radio",
                    "radio",
                    "Ricevuto. Pattuglia Delta 12 chiude via Padova all'altezza di via Cavezzali.",
                    2,
                    lon=9.2245,
                    lat=45.4992,
                    incident_id="INC-000012",
                ),
                msg(
                    103,
                    "vvf",
                    "VVF Milano",
                    "vvf.sala",
                    "Richiesto supporto PL per chiusura strada <b>urgente</b> & deviazione bus 56",
                    4,
                ),
                msg(
                    104,
                    "vvf",
                    "Operatore sala radio",
                    "radio",
                    "Deviazione linea 56 concordata con ATM, vedi allarme collegato.",
                    6,
                    alert_id="ALR-000231",
                ),
                msg(
                    105,
                    "vvf",
                    "Operatore sala radio",
                    "radio",
                    "Deviazione linea 56 e 81 concordata con ATM.",
                    7,
                    ref="MSG-000104",
                ),
                msg(
                    106,
                    "vvf",
                    "VVF Milano",
                    "vvf.sala",
                    "Fumo denso al secondo piano, evacuazione in corso. Confermare chiusura.",
                    14,
                    flash=True,
                    lon=9.2251,
                    lat=45.4996,
                ),
            ],
            "receipts": [
                {
                    "message_id": "MSG-000102",
                    "desk": "VVF Milano",
                    "kind": "read",
                    "at": T0.isoformat(),
                },
                {
                    "message_id": "MSG-000105",
                    "desk": "VVF Milano",
                    "kind": "delivered",
                    "at": T0.isoformat(),
                },
                {
                    "message_id": "MSG-000105",
                    "desk": "Supervisore di sala",
                    "kind": "read",
                    "at": T0.isoformat(),
                },
            ],
        }
    )
    store.add_page(
        {
            "channel_id": "areu",
            "has_more": False,
            "messages": [
                msg(
                    90, "areu", "AREU 118", "areu.118", "MSB sul posto, paziente in valutazione", 0
                ),
                msg(
                    107,
                    "areu",
                    "AREU 118",
                    "areu.118",
                    "@radio serve accesso per MSB da via Cavezzali",
                    13,
                ),
            ],
        }
    )
    store.add_page(
        {
            "channel_id": "tutte",
            "has_more": False,
            "messages": [
                msg(
                    80,
                    "tutte",
                    "COC Protezione Civile",
                    "pc.coc",
                    "Bollettino: allerta gialla temporali dalle 16",
                    -30,
                ),
            ],
        }
    )
    recorder = Recorder()
    service = ChatService(store, recorder)
    return store, service, recorder


def main(out_dir: str) -> int:
    from PySide6.QtWidgets import QApplication

    from widgets.chat.panel import ChatPanel
    from widgets.common.style import apply_style

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_style(app)
    store, service, _recorder = build()
    panel = ChatPanel(store, service)
    panel.resize(1280, 800)
    panel.show()
    panel.open_channel("vvf")
    service.send("vvf", "Confermo chiusura, Delta 12 e Delta 14 sul posto.")
    panel.composer.set_text("Richiesta MSB in via Padova 1: 2 persone coinvolte, ")
    panel.attach({"incident_id": "INC-000012", "lon": 9.2245, "lat": 45.4992})
    app.processEvents()
    panel.view.scroll_to_end()
    app.processEvents()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(out / "chat-panel.png"))
    panel.composer.clear()
    panel.attach({})
    panel.search.setText("deviazione 56")
    app.processEvents()
    panel.grab().save(str(out / "chat-search.png"))
    # The supervisor's workstation: the back-end escalated a flash nobody acknowledged.
    panel.search.clear()
    store.set_identity("supervisor", "Supervisore di sala")
    store.apply(
        [
            contract.Event(
                id=9001,
                event="chat.channel",
                data={"id": "sala-supervisore", "name": "Sala supervisore", "kind": "agency"},
            ),
            contract.Event(
                id=9002,
                event="chat.message",
                data=msg(
                    190,
                    "sala-supervisore",
                    "Centrale (automatico)",
                    "centrale",
                    "ESCALATION livello 1: FLASH MSG-000104 di VVF Milano nel canale vvf senza "
                    "conferma da 2 min. Non hanno confermato: Operatore sala radio, AREU 118. "
                    "Testo: «Crollo parziale in via Padova 80: servono 118 e Polizia Locale»",
                    14.2,
                ),
            ),
        ]
    )
    panel.open_channel("areu")
    app.processEvents()
    panel.grab().save(str(out / "chat-areu-away.png"))
    panel.open_channel("sala-supervisore")
    app.processEvents()
    panel.grab().save(str(out / "chat-supervisor.png"))
    store.set_identity("radio", "Operatore sala radio")
    panel.open_channel("vvf")
    # Three minutes on, nobody has acknowledged the flash, and one message was refused.
    panel.search.clear()
    store.clock = lambda: T0 + timedelta(minutes=17.2)
    store.check_flash()
    result = service.send("vvf", "Chiusa anche via Cavezzali <direzione centro>")
    assert result.key is not None
    service.on_command_failed(
        result.key, "Il canale vvf è in sola lettura durante il passaggio di consegne."
    )
    panel.composer.show_notice("")
    panel._update_banner()
    app.processEvents()
    panel.view.scroll_to_end()
    app.processEvents()
    panel.grab().save(str(out / "chat-escalation.png"))
    panel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
