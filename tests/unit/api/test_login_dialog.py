from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from console.api.errors import ApiError
from widgets.common.login import LoginDialog, LoginFunc

NOTE = "Nessun portachiavi di sistema: l'accesso vale solo per questa sessione"


async def settle(dialog: LoginDialog) -> None:
    async with asyncio.timeout(5):
        while True:
            if not dialog.busy:
                return
            await asyncio.sleep(0.01)


def make(qtbot: QtBot, login: LoginFunc | None = None) -> LoginDialog:
    dialog = LoginDialog(
        "http://127.0.0.1:8765", NOTE, persistent=False, login=login, username="radio"
    )
    qtbot.add_widget(dialog)
    return dialog


def test_shows_server_and_where_credentials_are_kept(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert dialog.server_label.text() == "Server: http://127.0.0.1:8765"
    assert dialog.keyring_label.text() == NOTE
    assert dialog.user_edit.text() == "radio"
    assert dialog.error_label.isHidden()


def test_empty_password_is_refused_inline(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.login_button.click()
    assert not dialog.error_label.isHidden()
    assert dialog.error_label.text() == "Inserire nome utente e password."
    assert dialog.result() != QDialog.DialogCode.Accepted


@pytest.mark.asyncio
async def test_wrong_password_stays_open_with_a_human_message(qtbot: QtBot) -> None:
    calls: list[tuple[str, str]] = []

    async def login(user: str, password: str) -> object:
        calls.append((user, password))
        raise ApiError(401, "Nome utente o password errati.")

    dialog = make(qtbot, login)
    dialog.password_edit.setText("sbagliata")
    dialog.login_button.click()
    assert dialog.busy
    assert not dialog.password_edit.isEnabled()
    await settle(dialog)
    assert calls == [("radio", "sbagliata")]
    assert dialog.error_label.text() == "Nome utente o password errati."
    assert dialog.password_edit.isEnabled()
    assert dialog.login_button.text() == "Accedi"
    assert dialog.result() != QDialog.DialogCode.Accepted


@pytest.mark.asyncio
async def test_unexpected_failure_never_shows_a_traceback(qtbot: QtBot) -> None:
    async def login(user: str, password: str) -> object:
        raise KeyError("internal detail")

    dialog = make(qtbot, login)
    dialog.password_edit.setText("radio")
    dialog.login_button.click()
    await settle(dialog)
    assert "Errore imprevisto" in dialog.error_label.text()
    assert "KeyError" not in dialog.error_label.text()


@pytest.mark.asyncio
async def test_success_accepts_and_forgets_the_password(qtbot: QtBot) -> None:
    async def login(user: str, password: str) -> object:
        return {"user": user}

    dialog = make(qtbot, login)
    results: list[object] = []
    dialog.logged_in.connect(results.append)
    dialog.password_edit.setText("radio")
    dialog.login_button.click()
    await settle(dialog)
    assert results == [{"user": "radio"}]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.password_edit.text() == ""
