from __future__ import annotations

from datetime import datetime, timedelta

from console.api.connection import ConnectionState, Level, LinkState


def test_connected() -> None:
    state = ConnectionState(LinkState.CONNECTED)
    assert state.describe() == "Connesso"
    assert state.level == Level.OK


def test_reconnecting_counts_down_whole_seconds() -> None:
    now = datetime(2026, 3, 2, 14, 2, 0).astimezone()
    state = ConnectionState(LinkState.RECONNECTING, retry_at=now + timedelta(seconds=3.2))
    assert state.describe(now) == "Riconnessione fra 4 s"
    assert state.level == Level.WARN
    assert state.describe(now + timedelta(seconds=5)) == "Riconnessione in corso…"


def test_offline_since_with_pending_commands() -> None:
    since = datetime(2026, 3, 2, 14, 2, 31).astimezone()
    state = ConnectionState(LinkState.OFFLINE, offline_since=since, pending_commands=3)
    assert state.describe() == "Non in linea dalle 14:02 — 3 comandi in attesa"
    assert state.level == Level.ERROR


def test_singular_pending_command() -> None:
    state = ConnectionState(LinkState.CONNECTED, pending_commands=1)
    assert state.describe() == "Connesso — 1 comando in attesa"


def test_english_catalogue(monkeypatch: object) -> None:
    from console import i18n

    i18n.set_language("en")
    try:
        since = datetime(2026, 3, 2, 9, 5).astimezone()
        text = ConnectionState(
            LinkState.OFFLINE, offline_since=since, pending_commands=2
        ).describe()
        assert text == "Offline since 09:05 — 2 commands waiting"
    finally:
        i18n.set_language("it")
