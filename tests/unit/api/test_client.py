from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from console.api.client import ApiClient, api_path
from console.api.contract import TokenResponse
from console.api.errors import NETWORK, ApiError, redact_url

TOKENS = {
    "access_token": "AT-1",
    "refresh_token": "RT-1",
    "expires_in": 900,
    "username": "radio",
    "roles": ["radio"],
}


def problem(status: int, detail: str) -> httpx.Response:
    body = {"type": "about:blank", "title": "x", "status": status, "detail": detail}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


class FakeServer:
    """Answers like the contract: token endpoint, refresh, one protected resource."""

    def __init__(self) -> None:
        self.valid_access = "AT-1"
        self.requests: list[httpx.Request] = []
        self.refreshes = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/api/v1/auth/token":
            form = dict(x.split("=") for x in request.content.decode().split("&"))
            if form.get("password") != "radio":
                return problem(401, "Invalid credentials")
            return httpx.Response(200, json=TOKENS)
        if path == "/api/v1/auth/refresh":
            self.refreshes += 1
            if json.loads(request.content)["refresh_token"] != "RT-1":
                return problem(401, "bad refresh token")
            self.valid_access = "AT-2"
            return httpx.Response(200, json=TOKENS | {"access_token": "AT-2"})
        if request.headers.get("authorization") != f"Bearer {self.valid_access}":
            return problem(401, "token expired")
        if path == "/api/v1/units":
            return httpx.Response(200, json=[{"id": "u1"}])
        if path == "/api/v1/alerts/a1/commands":
            return problem(422, "reason is required")
        if path == "/api/v1/boom":
            return problem(503, "busy")
        return problem(404, "no such thing")


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest_asyncio.fixture
async def client(server: FakeServer) -> AsyncIterator[ApiClient]:
    api = ApiClient("http://127.0.0.1:9", transport=httpx.MockTransport(server))
    yield api
    await api.aclose()


def test_api_path_accepts_both_forms() -> None:
    assert api_path("/units") == "/api/v1/units"
    assert api_path("units") == "/api/v1/units"
    assert api_path("/api/v1/units") == "/api/v1/units"


@pytest.mark.asyncio
async def test_login_and_request(client: ApiClient, server: FakeServer) -> None:
    saved: list[TokenResponse] = []
    client.on_tokens = saved.append
    tokens = await client.login("radio", "radio")
    assert tokens.roles == ["radio"]
    assert saved == [tokens]
    assert await client.request("GET", "/units") == [{"id": "u1"}]
    assert server.requests[-1].headers["authorization"] == "Bearer AT-1"


@pytest.mark.asyncio
async def test_wrong_password_is_human(client: ApiClient) -> None:
    with pytest.raises(ApiError) as info:
        await client.login("radio", "sbagliata")
    assert info.value.message == "Nome utente o password errati."
    assert info.value.status == 401
    assert not info.value.retryable


@pytest.mark.asyncio
async def test_expired_token_is_refreshed_once(client: ApiClient, server: FakeServer) -> None:
    await client.login("radio", "radio")
    server.valid_access = "AT-NEW-SERVER-SIDE"  # the server has expired AT-1
    assert await client.request("GET", "/units") == [{"id": "u1"}]
    assert server.refreshes == 1
    assert client.tokens is not None
    assert client.tokens.access_token == "AT-2"


@pytest.mark.asyncio
async def test_refused_refresh_raises_session_expired(
    client: ApiClient, server: FakeServer
) -> None:
    await client.login("radio", "radio")
    assert client.tokens is not None
    client.tokens = client.tokens.model_copy(update={"refresh_token": "stale", "access_token": "x"})
    with pytest.raises(ApiError) as info:
        await client.request("GET", "/units")
    assert info.value.status == 401
    assert info.value.message == "Sessione scaduta: accedere di nuovo."
    assert server.refreshes == 1  # once, not a loop


@pytest.mark.asyncio
async def test_problem_detail_and_idempotency_key(client: ApiClient, server: FakeServer) -> None:
    await client.login("radio", "radio")
    with pytest.raises(ApiError) as info:
        await client.request(
            "POST", "/alerts/a1/commands", json={"action": "ack"}, idempotency_key="k-123"
        )
    assert server.requests[-1].headers["idempotency-key"] == "k-123"
    assert info.value.problem is not None
    assert info.value.problem.detail == "reason is required"
    assert info.value.message == "Richiesta rifiutata dal server: reason is required"
    assert not info.value.retryable
    with pytest.raises(ApiError) as busy:
        await client.request("GET", "/boom")
    assert busy.value.retryable


@pytest.mark.asyncio
async def test_unreachable_server_is_human() -> None:
    api = ApiClient("http://127.0.0.1:1", timeout=2.0)  # nothing listens on port 1
    try:
        with pytest.raises(ApiError) as info:
            await api.login("radio", "radio")
    finally:
        await api.aclose()
    assert info.value.status == NETWORK
    assert info.value.retryable
    assert "non raggiungibile" in info.value.message


def test_tls_verification_is_on_by_default() -> None:
    api = ApiClient("https://example.invalid")
    try:
        transport = api.http._transport
        ssl_context = transport._pool._ssl_context  # type: ignore[attr-defined]
        import ssl

        assert ssl_context.verify_mode == ssl.CERT_REQUIRED
        assert ssl_context.check_hostname
    finally:
        import asyncio

        asyncio.run(api.aclose())


def test_redact_url_strips_credentials() -> None:
    url = "https://ops:s3cret@centrale.example:8443/api/v1/events?access_token=abc&x=1"
    clean = redact_url(url)
    assert "s3cret" not in clean
    assert "ops" not in clean
    assert "abc" not in clean
    assert clean == "https://centrale.example:8443/api/v1/events?access_token=%2A%2A%2A&x=1"


@pytest.mark.asyncio
async def test_no_secret_reaches_the_logs(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ApiError):
        await client.login("radio", "wrong-pass-xyz")
    await client.login("radio", "radio")
    await client.request("GET", "/units")
    text = caplog.text
    assert "wrong-pass-xyz" not in text
    assert "AT-1" not in text
    assert "RT-1" not in text


@pytest.mark.asyncio
async def test_concurrent_401s_spend_the_single_use_refresh_token_once() -> None:
    state = {"access": "AT-1", "refresh": "RT-1"}
    refreshes: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)  # keep both requests in flight together
        if request.url.path == "/api/v1/auth/refresh":
            if json.loads(request.content)["refresh_token"] != state["refresh"]:
                return problem(401, "refresh token already used")
            refreshes.append(state["refresh"])
            state["access"], state["refresh"] = "AT-2", "RT-2"
            return httpx.Response(
                200, json=TOKENS | {"access_token": "AT-2", "refresh_token": "RT-2"}
            )
        if request.headers.get("authorization") != f"Bearer {state['access']}":
            return problem(401, "expired")
        return httpx.Response(200, json={"ok": True})

    api = ApiClient("http://127.0.0.1:9", transport=httpx.MockTransport(handler))
    api.use_tokens(TokenResponse.model_validate(TOKENS))
    state["access"] = "AT-expired-on-server"
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(api.request("GET", "/x") for _ in range(3))), 5
        )
    finally:
        await api.aclose()
    assert results == [{"ok": True}] * 3
    assert refreshes == ["RT-1"]
