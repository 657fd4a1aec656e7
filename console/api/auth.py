"""Where the console keeps access tokens: the OS keyring, or this session's memory only.

A token in a plain file is a credential anyone with the disk can reuse, so when the only keyring
available is a failing, null or plaintext one (typical with no D-Bus session, or when
keyrings.alt sneaks in as the default), tokens stay in memory and the operator is told that the
login lasts for this session only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import keyring
import keyring.backend
import keyring.errors
from pydantic import ValidationError

from console.api.contract import TokenResponse
from console.i18n import tr

log = logging.getLogger(__name__)

SERVICE = "centrale"

# Module prefixes and class names of backends that do not keep a secret safely.
_FAILING_MODULES = ("keyring.backends.fail", "keyring.backends.null")
_PLAINTEXT_MODULES = ("keyrings.alt.file", "keyrings.alt.pyfs", "keyrings.alt.multi")
_PLAINTEXT_NAMES = ("PlaintextKeyring", "EncryptedKeyring", "UncryptedFileKeyring")


@dataclass(frozen=True)
class KeyringVerdict:
    persistent: bool
    reason: str
    backend: str


def _leaves(backend: keyring.backend.KeyringBackend) -> list[keyring.backend.KeyringBackend]:
    inner = getattr(backend, "backends", None)
    if isinstance(inner, list | tuple):
        return [leaf for b in inner for leaf in _leaves(b)]
    return [backend]


def _describe(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def assess(backend: keyring.backend.KeyringBackend | None = None) -> KeyringVerdict:
    """Say whether `backend` (default: keyring's choice) may keep tokens across restarts."""
    try:
        chosen = backend if backend is not None else keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration must not stop the console
        log.warning("keyring unavailable: %s", type(exc).__name__)
        return KeyringVerdict(False, _no_keyring_reason(), "none")
    name = _describe(chosen)
    leaves = _leaves(chosen)
    usable = [leaf for leaf in leaves if not _describe(leaf).startswith(_FAILING_MODULES)]
    if not usable:
        return KeyringVerdict(False, _no_keyring_reason(), name)
    if any(
        type(leaf).__module__.startswith(_PLAINTEXT_MODULES)
        or type(leaf).__name__ in _PLAINTEXT_NAMES
        for leaf in usable
    ):
        reason = tr(
            "Il portachiavi disponibile salva le password in chiaro: "
            "l'accesso vale solo per questa sessione"
        )
        return KeyringVerdict(False, reason, name)
    return KeyringVerdict(True, tr("Credenziali conservate nel portachiavi di sistema"), name)


def _no_keyring_reason() -> str:
    return tr("Nessun portachiavi di sistema: l'accesso vale solo per questa sessione")


class TokenStore:
    """Tokens per (server, user): keyring entry "<server>|<user>" under service "centrale"."""

    def __init__(self, server: str, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self.server = server
        self._verdict = assess(backend)
        self._backend = backend
        self._memory: dict[str, TokenResponse] = {}

    @property
    def persistent(self) -> bool:
        return self._verdict.persistent

    @property
    def reason(self) -> str:
        """One line for the login dialog: where the credentials are kept."""
        return self._verdict.reason

    @property
    def backend_name(self) -> str:
        return self._verdict.backend

    def _key(self, username: str) -> str:
        return f"{self.server}|{username}"

    def _keyring(self) -> keyring.backend.KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def _give_up_keyring(self, exc: Exception) -> None:
        """A keyring that fails at run time (locked, D-Bus gone): fall back to memory, say so."""
        log.warning("keyring failed (%s): tokens kept for this session only", type(exc).__name__)
        self._verdict = KeyringVerdict(False, _no_keyring_reason(), self._verdict.backend)

    def save(self, username: str, tokens: TokenResponse) -> None:
        self._memory[username] = tokens
        if not self.persistent:
            return
        try:
            self._keyring().set_password(SERVICE, self._key(username), tokens.model_dump_json())
        except Exception as exc:
            self._give_up_keyring(exc)

    def load(self, username: str) -> TokenResponse | None:
        if username in self._memory:
            return self._memory[username]
        if not self.persistent:
            return None
        try:
            raw = self._keyring().get_password(SERVICE, self._key(username))
        except Exception as exc:
            self._give_up_keyring(exc)
            return None
        if not raw:
            return None
        try:
            tokens = TokenResponse.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            log.warning("stored token for %s unreadable: ignored", username)
            return None
        self._memory[username] = tokens
        return tokens

    def delete(self, username: str) -> None:
        self._memory.pop(username, None)
        if not self.persistent:
            return
        try:
            self._keyring().delete_password(SERVICE, self._key(username))
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception as exc:
            self._give_up_keyring(exc)
