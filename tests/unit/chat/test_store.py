"""ChatStore without a screen: ordering, pending copies, cumulative receipts, unread and mentions,
flash escalation with a fake clock, presence, search, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.api import contract
from console.api.outbox import Command
from console.chat.model import FAILED, PENDING, SENT, desk_handle, fold, mentions
from console.chat.service import ChatService
from console.chat.store import ChatStore

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
CHANNELS = [
    {"id": "vvf", "name": "VVF Milano", "kind": "agency"},
    {"id": "tutte", "name": "Tutte le sale", "kind": "broadcast"},
    {"id": "evento-inc-1", "name": "Evento INC-1", "kind": "incident", "incident_id": "INC-1"},
]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def message(
    n: int,
    text: str = "x",
    channel: str = "vvf",
    desk: str = "VVF Milano",
    sender: str = "vvf.sala",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": f"MSG-{n:06d}",
        "channel_id": channel,
        "sender": sender,
        "desk": desk,
        "text": text,
        "sent_at": (T0 + timedelta(seconds=n)).isoformat(),
        **extra,
    }


def event(n: int, kind: str, data: dict[str, Any]) -> contract.Event:
    return contract.Event(id=n, event=kind, data=data)


@pytest.fixture
def store() -> ChatStore:
    s = ChatStore(clock=Clock(), flash_after=60)
    s.set_identity("radio", "Operatore sala radio")
    s.reset(CHANNELS)
    return s


class Queue:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, Any, str]] = []

    def __call__(self, method: str, path: str, body: Any, key: str) -> str:
        self.items.append((method, path, body, key))
        return key


def test_channels_are_ordered_broadcast_agency_incident(store: ChatStore) -> None:
    assert [c.id for c in store.channels()] == ["tutte", "vvf", "evento-inc-1"]
    assert store.incident_channel("INC-1") is not None


def test_messages_keep_server_order_whatever_the_arrival(store: ChatStore) -> None:
    store.apply([event(3, "chat.message", message(5)), event(4, "chat.message", message(2))])
    store.add_page(
        {"channel_id": "vvf", "has_more": False, "messages": [message(1), message(2), message(3)]}
    )
    assert [e.id for e in store.entries("vvf")] == [f"MSG-00000{i}" for i in (1, 2, 3, 5)]
    store.apply([event(3, "chat.message", message(9))])  # a replayed event id: ignored
    assert len(store.entries("vvf")) == 4


def test_pending_copy_is_replaced_by_the_server_copy(store: ChatStore) -> None:
    queue = Queue()
    service = ChatService(store, queue)
    assert service.send("vvf", "in arrivo").ok
    key = queue.items[0][3]
    assert [(e.state, e.key) for e in store.entries("vvf")] == [(PENDING, key)]
    store.apply(
        [
            event(
                1,
                "chat.message",
                message(
                    7, "in arrivo", sender="radio", desk="Operatore sala radio", client_key=key
                ),
            )
        ]
    )
    assert [(e.id, e.state) for e in store.entries("vvf")] == [("MSG-000007", SENT)]
    service.on_command_sent(key, message(7, "in arrivo", sender="radio", client_key=key))
    assert len(store.entries("vvf")) == 1  # the command's answer after the event: no twin


def test_refused_message_keeps_its_text_and_can_be_retried(store: ChatStore) -> None:
    queue = Queue()
    service = ChatService(store, queue)
    notices: list[str] = []
    service.notice.connect(lambda text, _level: notices.append(text))
    service.send("vvf", "testo importante")
    key = queue.items[0][3]
    service.on_command_failed(key, "Non esiste il canale vvf.")
    entry = store.get(key)
    assert entry is not None
    assert (entry.state, entry.message.text) == (FAILED, "testo importante")
    assert "Non esiste il canale" in notices[-1]
    assert service.retry(key).ok
    assert [e.state for e in store.entries("vvf")] == [PENDING]
    assert queue.items[-1][2]["text"] == "testo importante"


def test_bad_input_is_refused_before_the_outbox(store: ChatStore) -> None:
    queue = Queue()
    service = ChatService(store, queue)
    assert not service.send("vvf", "   ").ok
    assert "troppo lungo" in service.send("vvf", "x" * 4001).notice
    assert "non esiste" in service.send("marte", "ciao").notice
    assert queue.items == []
    assert not ChatService(store, None).send("vvf", "ciao").ok  # no link: said, not lost


def test_receipts_are_cumulative_per_desk(store: ChatStore) -> None:
    mine = {"sender": "radio", "desk": "Operatore sala radio"}
    store.add_page(
        {
            "channel_id": "vvf",
            "has_more": False,
            "messages": [message(1, **mine), message(2, **mine), message(3, **mine)],
        }
    )
    store.apply(
        [
            event(
                10,
                "chat.receipt",
                {
                    "message_id": "MSG-000003",
                    "desk": "VVF Milano",
                    "kind": "delivered",
                    "at": T0.isoformat(),
                },
            ),
            event(
                11,
                "chat.receipt",
                {
                    "message_id": "MSG-000002",
                    "desk": "AREU 118",
                    "kind": "read",
                    "at": T0.isoformat(),
                },
            ),
        ]
    )
    ticks = store.ticks("vvf")
    assert ticks["MSG-000001"] == {"VVF Milano": "delivered", "AREU 118": "read"}
    assert ticks["MSG-000003"] == {"VVF Milano": "delivered"}


def test_receipt_for_a_message_paged_in_later_applies(store: ChatStore) -> None:
    store.apply(
        [
            event(
                10,
                "chat.receipt",
                {
                    "message_id": "MSG-000001",
                    "desk": "VVF Milano",
                    "kind": "read",
                    "at": T0.isoformat(),
                },
            )
        ]
    )
    store.add_page(
        {
            "channel_id": "vvf",
            "has_more": False,
            "messages": [message(1, sender="radio", desk="Operatore sala radio")],
        }
    )
    assert store.ticks("vvf")["MSG-000001"] == {"VVF Milano": "read"}


def test_unread_and_mentions(store: ChatStore) -> None:
    store.set_active("tutte")
    store.apply(
        [
            event(1, "chat.message", message(1, "@radio serve accesso")),
            event(2, "chat.message", message(2, "APS in uscita")),
            event(3, "chat.message", message(3, "io", sender="radio")),
        ]
    )
    state = store.state_of("vvf")
    assert state is not None
    assert (state.unread, state.mentions) == (2, 1)
    assert store.total_unread() == (2, 1)
    store.set_active("vvf")
    assert (state.unread, state.mentions) == (0, 0)
    store.set_active("tutte")
    store.apply([event(4, "chat.message", message(4, "@Operatore.sala.radio e @TUTTI"))])
    assert state.mentions == 1


def test_history_unread_counts_from_my_last_read(store: ChatStore) -> None:
    store.add_page(
        {
            "channel_id": "vvf",
            "has_more": False,
            "messages": [message(1), message(2), message(3, "@radio")],
            "receipts": [
                {
                    "message_id": "MSG-000001",
                    "desk": "Operatore sala radio",
                    "kind": "read",
                    "at": T0.isoformat(),
                }
            ],
        }
    )
    state = store.state_of("vvf")
    assert state is not None
    assert (state.unread, state.mentions) == (2, 1)


def test_flash_escalates_with_the_clock_and_stops_on_ack(store: ChatStore) -> None:
    clock = store.clock
    assert isinstance(clock, Clock)
    raised: list[tuple[str, int]] = []
    store.flash_escalated.connect(lambda m, lvl: raised.append((m, lvl)))
    store.apply([event(1, "chat.message", message(0, "Esondazione", flash=True))])
    assert [a.level for a in store.alarms()] == [0]
    assert store.check_flash() == []
    clock.now = T0 + timedelta(seconds=61)
    store.check_flash()
    store.check_flash()  # the same level is said once
    clock.now = T0 + timedelta(seconds=125)
    store.check_flash()
    clock.now = T0 + timedelta(hours=1)
    store.check_flash()
    assert raised == [("MSG-000000", 1), ("MSG-000000", 2), ("MSG-000000", 3)]
    store.note_local_ack("MSG-000000")
    assert store.alarms() == []


def test_own_flash_waits_for_another_desk(store: ChatStore) -> None:
    store.apply(
        [
            event(
                1,
                "chat.message",
                message(0, "Allerta", flash=True, sender="radio", desk="Operatore sala radio"),
            )
        ]
    )
    assert [a.own for a in store.alarms()] == [True]
    store.apply(
        [
            event(
                2,
                "chat.receipt",
                {
                    "message_id": "MSG-000000",
                    "desk": "Operatore sala radio",
                    "kind": "ack",
                    "at": T0.isoformat(),
                },
            )
        ]
    )
    assert len(store.alarms()) == 1  # our own ack does not count
    store.apply(
        [
            event(
                3,
                "chat.receipt",
                {
                    "message_id": "MSG-000000",
                    "desk": "VVF Milano",
                    "kind": "ack",
                    "at": T0.isoformat(),
                },
            )
        ]
    )
    assert store.alarms() == []


def test_old_flashes_are_history_not_alarms(store: ChatStore) -> None:
    store.clock = lambda: T0 + timedelta(hours=13)
    store.add_page(
        {"channel_id": "vvf", "has_more": False, "messages": [message(0, "ieri", flash=True)]}
    )
    assert store.alarms() == []


def test_presence_and_channel_dot(store: ChatStore) -> None:
    store.set_presence([{"desk": "VVF Milano", "status": "away", "at": T0.isoformat()}])
    vvf = store.channel("vvf")
    assert vvf is not None
    assert store.channel_presence(vvf) == "away"
    store.apply(
        [
            event(
                1,
                "chat.presence",
                {"desk": "VVF Milano", "status": "online", "at": T0.isoformat(), "user": "x"},
            )
        ]
    )
    assert store.channel_presence(vvf) == "online"
    assert store.channel_presence(store.channel("tutte")) is None  # type: ignore[arg-type]


def test_search_folds_case_and_accents(store: ChatStore) -> None:
    store.add_page(
        {
            "channel_id": "vvf",
            "has_more": False,
            "messages": [
                message(1, "Perché la deviazione?"),
                message(2, "Chiusura", incident_id="INC-77"),
            ],
        }
    )
    assert [e.id for e in store.search("vvf", "PERCHE deviaz")] == ["MSG-000001"]
    assert [e.id for e in store.search("vvf", "inc-77")] == ["MSG-000002"]
    assert fold("Perché") == "perche"
    assert mentions("ciao @VVF e @radio.") == {"vvf", "radio."}
    assert desk_handle("PL Milano - Sala Radio") == "pl.milano.sala.radio"


def test_unknown_channel_and_bad_payloads_lose_nothing(store: ChatStore) -> None:
    store.apply(
        [
            event(1, "chat.message", message(1, channel="nuovo")),
            event(2, "chat.message", {"id": 3}),
            event(
                3,
                "chat.channel",
                {
                    "id": "evento-inc-2",
                    "name": "Evento INC-2",
                    "kind": "incident",
                    "incident_id": "INC-2",
                },
            ),
        ]
    )
    assert [e.id for e in store.entries("nuovo")] == ["MSG-000001"]  # placeholder channel
    assert store.rejected == 1
    assert store.incident_channel("INC-2") is not None


def test_queued_messages_show_again_after_a_restart(store: ChatStore) -> None:
    commands = [
        Command("k1", "POST", "/chat/channels/vvf/messages", {"text": "uno"}, 0, 1, "", "pending"),
        Command(
            "k2", "POST", "/chat/messages/MSG-1/receipts", {"kind": "read"}, 0, 1, "", "pending"
        ),
        Command(
            "k3", "POST", "/api/v1/chat/channels/vvf/messages", {"text": "due"}, 0, 1, "", "pending"
        ),
    ]
    service = ChatService(store, Queue())
    assert service.restore_pending(commands) == 2
    assert [(e.message.text, e.state) for e in store.entries("vvf")] == [
        ("uno", PENDING),
        ("due", PENDING),
    ]


def test_receipts_are_sent_once_and_cumulatively(store: ChatStore) -> None:
    queue = Queue()
    service = ChatService(store, queue)
    store.apply([event(1, "chat.message", message(1)), event(2, "chat.message", message(2))])
    assert [(p, b) for _m, p, b, _k in queue.items] == [
        ("/chat/messages/MSG-000002/receipts", {"kind": "delivered"})
    ]
    assert service.mark_read("vvf")
    assert not service.mark_read("vvf")
    service.visible_channel = "vvf"
    store.apply([event(3, "chat.message", message(3))])
    assert queue.items[-1][1:3] == ("/chat/messages/MSG-000003/receipts", {"kind": "read"})
    assert not service.ack("MSG-000003")  # not a flash: nothing to acknowledge


def test_incident_channel_is_found_or_asked_for(store: ChatStore) -> None:
    queue = Queue()
    service = ChatService(store, queue)
    opened: list[str] = []
    service.channel_opened.connect(opened.append)
    assert service.open_incident_channel("INC-1") == "evento-inc-1"  # held: at once
    key = service.open_incident_channel("INC-9")
    assert queue.items == [
        ("POST", "/chat/channels", {"kind": "incident", "incident_id": "INC-9"}, key)
    ]
    service.on_command_sent(
        str(key),
        {"id": "evento-inc-9", "name": "Evento INC-9", "kind": "incident", "incident_id": "INC-9"},
    )
    assert opened == ["evento-inc-1", "evento-inc-9"]
    assert store.incident_channel("INC-9") is not None
    assert [c.id for c in store.channels()][:2] == ["tutte", "vvf"]  # the rest is still there


def test_a_heartbeat_repaints_nothing_a_change_does(store: ChatStore) -> None:
    changes: list[int] = []
    store.channels_changed.connect(lambda: changes.append(1))
    since = T0.isoformat()
    store.set_presence([{"desk": "VVF Milano", "status": "online", "at": since, "since": since}])
    assert len(changes) == 1
    later = (T0 + timedelta(seconds=20)).isoformat()
    beat = {"desk": "VVF Milano", "status": "online", "at": later, "since": since}
    store.set_presence([beat], replace=False)
    assert len(changes) == 1  # only `at` moved
    held = store.presence_of("VVF Milano")
    assert held is not None
    assert held.at == T0 + timedelta(seconds=20)  # kept all the same
    away = {**beat, "status": "away", "since": later}
    store.set_presence([away], replace=False)
    assert len(changes) == 2


def test_back_end_escalation_is_held_until_resolved(store: ChatStore) -> None:
    seen: list[contract.FlashEscalation] = []
    store.server_escalated.connect(seen.append)
    body = {
        "message_id": "MSG-000001",
        "channel_id": "tutte",
        "desk": "VVF Milano",
        "text": "Crollo",
        "level": 1,
        "sent_at": T0.isoformat(),
        "at": (T0 + timedelta(minutes=2)).isoformat(),
        "pending": ["Operatore sala radio"],
    }
    store.apply([event(1, "chat.flash_escalated", body)])
    store.apply([event(1, "chat.flash_escalated", body)])  # the same event again: nothing new
    assert [(e.message_id, e.level) for e in store.escalations()] == [("MSG-000001", 1)]
    assert len(seen) == 1
    store.apply([event(2, "chat.flash_escalated", {**body, "level": 2})])
    assert [e.level for e in store.escalations()] == [2]
    done = {**body, "level": 2, "resolved": True, "acked_by": ["AREU 118"], "pending": []}
    store.apply([event(3, "chat.flash_escalated", done)])
    assert store.escalations() == []
    assert [e.resolved for e in seen] == [False, False, True]
    store.apply([event(4, "chat.flash_escalated", {"message_id": "MSG-1"})])  # malformed
    assert store.rejected == 1
