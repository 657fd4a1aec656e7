"""The console's single HTTP client for the back-end contract v1.

One `httpx.AsyncClient` per server (connection pooling, one TLS session), bearer tokens that are
refreshed once on a 401, idempotency keys on commands, and errors turned into `ApiError` with
Italian words. Passwords and tokens never reach the logs; URLs are logged without credentials.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import Any

import httpx

from console.api.contract import API_PREFIX, RefreshRequest, TokenResponse
from console.api.errors import ApiError, from_response, from_transport, redact_url
from console.i18n import tr

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def api_path(path: str) -> str:
    """Accept both "/units" and "/api/v1/units"."""
    if path.startswith(API_PREFIX + "/") or path == API_PREFIX:
        return path
    return API_PREFIX + (path if path.startswith("/") else "/" + path)


class ApiClient:
    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | str | ssl.SSLContext = True,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.server_label = redact_url(self.base_url)
        if isinstance(verify, str):  # a CA bundle for a back-end with its own authority
            verify = ssl.create_default_context(cafile=verify)
        self.http = httpx.AsyncClient(
            base_url=self.base_url, verify=verify, timeout=timeout, transport=transport
        )
        self.tokens: TokenResponse | None = None
        # Called with the new tokens after login/refresh, so the token store can keep them.
        self.on_tokens: Callable[[TokenResponse], None] | None = None
        # Refresh tokens are single use: concurrent 401s (stream + outbox) must refresh once.
        self._refresh_lock = asyncio.Lock()

    # --- auth ----------------------------------------------------------------------------------

    async def login(self, username: str, password: str) -> TokenResponse:
        form = {"grant_type": "password", "username": username, "password": password}
        try:
            response = await self.http.post(api_path("/auth/token"), data=form)
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
            log.warning("login as %s at %s failed: %s", username, self.server_label, reason)
            raise from_transport(exc, self.server_label) from None
        if response.status_code != 200:
            log.info("login as %s refused: HTTP %s", username, response.status_code)
            raise from_response(response, login=True)
        tokens = TokenResponse.model_validate(response.json())
        self._set_tokens(tokens)
        log.info("logged in as %s at %s", username, self.server_label)
        return tokens

    def use_tokens(self, tokens: TokenResponse) -> None:
        """Resume a session with stored tokens (verified by the first request)."""
        self.tokens = tokens

    def _set_tokens(self, tokens: TokenResponse) -> None:
        self.tokens = tokens
        if self.on_tokens is not None:
            try:
                self.on_tokens(tokens)
            except Exception:
                log.exception("token store callback failed")

    async def refresh(self, stale: str | None = None) -> TokenResponse:
        """Trade the refresh token for a new access token; ApiError(401) when that is refused.

        `stale` is the access token a 401 was answered to: when another task has refreshed in
        the meantime, its tokens are used instead of spending the refresh token twice.
        """
        async with self._refresh_lock:
            if self.tokens is None:
                raise from_response(httpx.Response(401))
            if stale is not None and self.tokens.access_token != stale:
                return self.tokens
            return await self._refresh(self.tokens)

    async def _refresh(self, current: TokenResponse) -> TokenResponse:
        body = RefreshRequest(refresh_token=current.refresh_token).model_dump()
        try:
            response = await self.http.post(api_path("/auth/refresh"), json=body)
        except httpx.HTTPError as exc:
            raise from_transport(exc, self.server_label) from None
        if response.status_code != 200:
            log.info("token refresh refused: HTTP %s", response.status_code)
            raise from_response(response)
        tokens = TokenResponse.model_validate(response.json())
        self._set_tokens(tokens)
        log.info("access token refreshed")
        return tokens

    def auth_headers(self) -> dict[str, str]:
        if self.tokens is None:
            return {}
        return {"Authorization": f"Bearer {self.tokens.access_token}"}

    # --- requests ------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send one request; the parsed JSON body (None when empty) or ApiError."""
        url = api_path(path)
        used = self.tokens.access_token if self.tokens is not None else None
        response = await self._send(method, url, json, params, idempotency_key)
        if response.status_code == 401 and self.tokens is not None:
            await self.refresh(stale=used)
            response = await self._send(method, url, json, params, idempotency_key)
        if response.status_code >= 400:
            log.info("%s %s -> HTTP %s", method, redact_url(url), response.status_code)
            raise from_response(response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            log.warning("%s %s: response is not JSON", method, redact_url(url))
            raise ApiError(
                response.status_code, tr("Risposta del server non leggibile (non è JSON).")
            ) from None

    async def _send(
        self,
        method: str,
        url: str,
        body: Any,
        params: dict[str, Any] | None,
        idempotency_key: str | None,
    ) -> httpx.Response:
        headers = self.auth_headers()
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            return await self.http.request(method, url, json=body, params=params, headers=headers)
        except httpx.HTTPError as exc:
            log.info("%s %s failed: %s", method, redact_url(url), type(exc).__name__)
            raise from_transport(exc, self.server_label) from None

    async def aclose(self) -> None:
        await self.http.aclose()
