"""The login dialog: which server, who is logging in, and where the credentials will be kept.

Errors appear inline, in words an operator can act on (wrong password, server unreachable), and
the dialog states whether the access is remembered in the system keyring or lasts for this
session only, so nobody is surprised at the next shift change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.api.errors import ApiError
from console.i18n import tr
from widgets.common import theme

if TYPE_CHECKING:
    from console.api.session import Session

log = logging.getLogger(__name__)

LoginFunc = Callable[[str, str], Awaitable[object]]


class LoginDialog(QDialog):
    """Asks for user name and password and runs `login(user, password)` on the asyncio loop.

    Without a `login` coroutine the dialog only collects the credentials (`credentials_entered`)
    and closes; with one it stays open until the login succeeds, showing failures inline.

    Signals:
        credentials_entered(str user, str password): the operator pressed "Accedi".
        logged_in(object result): `login` returned `result` (e.g. the TokenResponse).
    """

    credentials_entered = Signal(str, str)
    logged_in = Signal(object)

    def __init__(
        self,
        server: str,
        keyring_note: str,
        *,
        persistent: bool,
        login: LoginFunc | None = None,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._login = login
        self._task: asyncio.Task[None] | None = None
        self.setObjectName("LoginDialog")
        self.setWindowTitle(tr("Accesso a Centrale"))
        self.setMinimumWidth(520)

        title = QLabel(tr("Accesso alla centrale operativa"))
        title.setStyleSheet(f"font-size: {theme.FONT_SIZE_PT + 3}pt; font-weight: bold;")
        self.server_label = QLabel(tr("Server: {server}", server=server))
        self.server_label.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.server_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.user_edit = QLineEdit(username)
        self.user_edit.setPlaceholderText(tr("es. radio"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(tr("Utente"), self.user_edit)
        form.addRow(tr("Password"), self.password_edit)

        self.error_label = QLabel()
        self.error_label.setObjectName("LoginError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(
            f"color: {theme.TEXT}; background: {theme.SURFACE_RAISED};"
            f"border-left: 4px solid {theme.ERROR}; padding: 6px;"
        )
        self.error_label.hide()

        self.keyring_label = QLabel(keyring_note)
        self.keyring_label.setWordWrap(True)
        colour = theme.OK if persistent else theme.WARNING
        self.keyring_label.setStyleSheet(f"color: {colour};")

        self.buttons = QDialogButtonBox()
        self.login_button = self.buttons.addButton(
            tr("Accedi"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.login_button.setDefault(True)
        self.login_button.setStyleSheet(
            f"QPushButton {{ background: {theme.ACCENT}; color: #ffffff; font-weight: bold;"
            f" padding: 4px 18px; }} QPushButton:disabled {{ background: {theme.BORDER}; }}"
        )
        self.cancel_button = self.buttons.addButton(
            tr("Annulla"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.buttons.accepted.connect(self._on_submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(self.server_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.keyring_label)
        layout.addWidget(self.buttons)
        (self.password_edit if username else self.user_edit).setFocus()

    # --- state ---------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.user_edit, self.password_edit, self.login_button):
            widget.setEnabled(not busy)
        self.login_button.setText(tr("Accesso in corso…") if busy else tr("Accedi"))

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    # --- actions -------------------------------------------------------------------------------

    def _on_submit(self) -> None:
        if self.busy:
            return
        user = self.user_edit.text().strip()
        password = self.password_edit.text()
        if not user or not password:
            self.show_error(tr("Inserire nome utente e password."))
            (self.user_edit if not user else self.password_edit).setFocus()
            return
        self.clear_error()
        self.credentials_entered.emit(user, password)
        if self._login is None:
            self.accept()
            return
        self.set_busy(True)
        self._task = asyncio.ensure_future(self._attempt(self._login, user, password))

    async def _attempt(self, login: LoginFunc, user: str, password: str) -> None:
        try:
            result = await login(user, password)
        except ApiError as exc:
            self.set_busy(False)
            self.show_error(exc.message)
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        except asyncio.CancelledError:
            self.set_busy(False)
            raise
        except Exception:
            log.exception("login failed unexpectedly")
            self.set_busy(False)
            self.show_error(
                tr(
                    "Errore imprevisto durante l'accesso. Riprovare; se si ripete, avvisare il "
                    "supporto tecnico."
                )
            )
            return
        self.set_busy(False)
        self.password_edit.clear()
        self.logged_in.emit(result)
        self.accept()

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().reject()


async def sign_in(
    session: Session,
    username: str,
    *,
    reason: str = "",
    parent: QWidget | None = None,
) -> str | None:
    """Sign `session` in as `username`: the stored access first, the login dialog when needed.

    With no `reason` a saved access (keyring) is tried first, so a console restarted in the
    middle of a shift connects without asking. When there is none, or when `reason` says why the
    server refused us (expired or revoked access), the dialog asks; the operator may sign in as
    another user. Returns the signed-in user name, or None when the operator cancelled.
    """
    if not reason:
        try:
            await session.start(username, None)
            return username
        except ApiError as exc:
            if exc.status != 401:
                raise
    dialog = LoginDialog(
        session.server,
        session.tokens.reason,
        persistent=session.tokens.persistent,
        login=session.start,
        username=username,
        parent=parent,
    )
    if reason:
        dialog.show_error(reason)
    entered: list[str] = []
    dialog.credentials_entered.connect(lambda user, _password: entered.append(user))
    closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_finished(code: int) -> None:
        if not closed.done():
            closed.set_result(code)

    dialog.finished.connect(on_finished)
    dialog.open()
    try:
        code = await closed
    finally:
        dialog.deleteLater()
    if code != QDialog.DialogCode.Accepted.value or not entered:
        return None
    return entered[-1]
