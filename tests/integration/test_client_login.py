"""The login dialog and the client against the real training back-end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from console.api.auth import TokenStore
from console.api.contract import TokenResponse
from console.api.journal import EventJournal
from console.api.session import Session
from console.training.launcher import TrainingProcess, free_port
from tests.support import MemoryKeyring, until
from widgets.common.login import LoginDialog, sign_in

pytestmark = [pytest.mark.integration]


async def settle(dialog: LoginDialog) -> None:
    async with asyncio.timeout(60):
        while True:
            if not dialog.busy:
                return
            await asyncio.sleep(0.01)


@pytest.mark.asyncio
async def test_login_dialog_against_the_real_server(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path, qtbot: QtBot
) -> None:
    server = make_training_server()
    session = Session(server.base_url, state_path=tmp_path / "link.sqlite", heartbeat=1.0)
    journal = EventJournal()
    session.router.subscribe("", journal.apply)
    dialog = LoginDialog(
        session.server,
        session.tokens.reason,
        persistent=session.tokens.persistent,
        login=session.start,
        username="radio",
    )
    qtbot.add_widget(dialog)
    assert dialog.keyring_label.text() == (
        "Nessun portachiavi di sistema: l'accesso vale solo per questa sessione"
    )
    try:
        dialog.password_edit.setText("non-questa")
        dialog.login_button.click()
        await settle(dialog)
        assert dialog.error_label.text() == "Nome utente o password errati."
        assert dialog.result() != QDialog.DialogCode.Accepted

        results: list[object] = []
        dialog.logged_in.connect(results.append)
        dialog.password_edit.setText("radio")
        dialog.login_button.click()
        await settle(dialog)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert isinstance(results[0], TokenResponse)
        assert results[0].roles == ["radio"]
        # The session now streams: an alert raised on the server reaches the journal.
        alert = await asyncio.wait_for(
            session.client.request("POST", "/alerts", json={"title": "Prova", "priority": 1}), 30
        )
        async with asyncio.timeout(60):
            while True:
                if any(e.data.get("id") == alert["id"] for e in journal.recent()):
                    break
                await asyncio.sleep(0.02)
    finally:
        await asyncio.wait_for(session.stop(), 30)


@pytest.mark.asyncio
async def test_unreachable_server_is_said_plainly(tmp_path: Path, qtbot: QtBot) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    session = Session(url, state_path=tmp_path / "link.sqlite")
    dialog = LoginDialog(
        session.server,
        session.tokens.reason,
        persistent=False,
        login=session.start,
        username="radio",
    )
    qtbot.add_widget(dialog)
    try:
        dialog.password_edit.setText("radio")
        dialog.login_button.click()
        await settle(dialog)
        assert dialog.error_label.text() == (
            f"Server {url} non raggiungibile. Verificare la rete o l'indirizzo del server."
        )
    finally:
        await asyncio.wait_for(session.stop(), 30)


async def _dialog_opened(limit: float = 30) -> LoginDialog:
    found: list[LoginDialog] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, LoginDialog) and w.isVisible()
        ]
        return bool(found)

    await until(visible, limit)
    return found[0]


@pytest.mark.asyncio
async def test_sign_in_asks_only_when_no_access_is_saved(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path, qtbot: QtBot
) -> None:
    """First start on a real server: the dialog asks; the next start reuses the saved access."""
    server = make_training_server()
    keyring = MemoryKeyring()
    first = Session(
        server.base_url,
        state_path=tmp_path / "first.sqlite",
        token_store=TokenStore(server.base_url, backend=keyring),
    )
    try:
        signing = asyncio.ensure_future(sign_in(first, "radio"))
        dialog = await _dialog_opened()
        assert dialog.user_edit.text() == "radio"
        dialog.password_edit.setText("radio")
        dialog.login_button.click()
        assert await asyncio.wait_for(signing, 60) == "radio"
    finally:
        await asyncio.wait_for(first.stop(), 30)

    second = Session(
        server.base_url,
        state_path=tmp_path / "second.sqlite",
        token_store=TokenStore(server.base_url, backend=keyring),
    )
    try:
        assert await asyncio.wait_for(sign_in(second, "radio"), 30) == "radio"
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog)]
        assert not [w for w in shown if w.isVisible()]
        alerts = await asyncio.wait_for(second.fetch("/alerts"), 30)
        assert isinstance(alerts, list)
    finally:
        await asyncio.wait_for(second.stop(), 30)


@pytest.mark.asyncio
async def test_sign_in_again_says_why_and_cancel_returns_none(
    make_training_server: Callable[..., TrainingProcess], tmp_path: Path, qtbot: QtBot
) -> None:
    server = make_training_server()
    session = Session(server.base_url, state_path=tmp_path / "link.sqlite")
    try:
        signing = asyncio.ensure_future(sign_in(session, "radio", reason="Accesso scaduto."))
        dialog = await _dialog_opened()
        assert dialog.error_label.text() == "Accesso scaduto."
        dialog.cancel_button.click()
        assert await asyncio.wait_for(signing, 30) is None
    finally:
        await asyncio.wait_for(session.stop(), 30)
