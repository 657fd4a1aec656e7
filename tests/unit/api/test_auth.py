from __future__ import annotations

import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import pytest

from console.api.auth import SERVICE, TokenStore, assess
from console.api.contract import TokenResponse
from tests.support import MemoryKeyring

TOKENS = TokenResponse(
    access_token="AT", refresh_token="RT", expires_in=60, username="radio", roles=["radio"]
)


class PlaintextKeyring(MemoryKeyring):
    """Same class name as keyrings.alt.file.PlaintextKeyring, which writes a readable file."""


class BrokenKeyring(MemoryKeyring):
    """A Secret Service that answers the probe but fails when used (no D-Bus, locked)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringError("no D-Bus session")

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("no D-Bus session")


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()]
)
def test_failing_backends_mean_session_only(backend: keyring.backend.KeyringBackend) -> None:
    verdict = assess(backend)
    assert not verdict.persistent
    assert (
        verdict.reason == "Nessun portachiavi di sistema: l'accesso vale solo per questa sessione"
    )


def test_plaintext_backend_is_refused() -> None:
    verdict = assess(PlaintextKeyring())
    assert not verdict.persistent
    assert "in chiaro" in verdict.reason


class Chain(MemoryKeyring):
    """Shaped like keyring's ChainerBackend: delegates to `backends`."""

    def __init__(self, backends: list[keyring.backend.KeyringBackend]) -> None:
        super().__init__()
        self.backends = backends


def test_chains_are_judged_by_their_members() -> None:
    assert not assess(Chain([keyring.backends.null.Keyring()])).persistent
    assert not assess(Chain([keyring.backends.fail.Keyring()])).persistent
    # A plaintext member may end up holding the token: refuse the whole chain.
    assert not assess(Chain([MemoryKeyring(), PlaintextKeyring()])).persistent
    assert assess(Chain([MemoryKeyring(), keyring.backends.null.Keyring()])).persistent


def test_default_backend_in_tests_is_null() -> None:
    store = TokenStore("http://127.0.0.1:8765")
    assert not store.persistent
    store.save("radio", TOKENS)
    assert store.load("radio") == TOKENS  # kept in memory for this session
    assert TokenStore("http://127.0.0.1:8765").load("radio") is None  # never on disk


def test_working_keyring_keeps_tokens_across_stores() -> None:
    ring = MemoryKeyring()
    store = TokenStore("https://centrale.example", ring)
    assert store.persistent
    assert store.reason == "Credenziali conservate nel portachiavi di sistema"
    store.save("radio", TOKENS)
    assert (SERVICE, "https://centrale.example|radio") in ring.items
    assert TokenStore("https://centrale.example", ring).load("radio") == TOKENS
    assert TokenStore("https://other.example", ring).load("radio") is None
    store.delete("radio")
    assert TokenStore("https://centrale.example", ring).load("radio") is None


def test_keyring_failing_at_run_time_falls_back_to_memory() -> None:
    store = TokenStore("https://centrale.example", BrokenKeyring())
    before = store.persistent
    store.save("radio", TOKENS)
    assert before
    assert not store.persistent
    assert "solo per questa sessione" in store.reason
    assert store.load("radio") == TOKENS


def test_corrupt_stored_token_is_ignored() -> None:
    ring = MemoryKeyring()
    ring.items[(SERVICE, "s|radio")] = "{not json"
    assert TokenStore("s", ring).load("radio") is None
