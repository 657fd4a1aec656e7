"""The one error type the console's back-end client raises, with words an operator understands.

Every failure (refused login, unreachable server, bad certificate, a rejected command) becomes an
`ApiError` with an Italian `message` ready for a dialog or the status strip, the RFC 9457
`problem` when the server sent one, and `retryable` so the outbox knows whether to wait or give up.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from console.api.contract import Problem
from console.i18n import tr

NETWORK = 0  # `status` of errors where no HTTP response arrived

_SECRET_PARAMS = {"token", "access_token", "refresh_token", "password", "secret", "key", "apikey"}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        problem: Problem | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problem = problem
        # The problem document as sent, with its extension members (e.g. a 409's "current").
        self.body = body

    @property
    def retryable(self) -> bool:
        """True when the same request may succeed later unchanged (network, 5xx, 429, 408)."""
        return self.status in (NETWORK, 408, 429) or self.status >= 500

    @property
    def detail(self) -> str:
        return self.problem.detail if self.problem and self.problem.detail else self.message

    def __str__(self) -> str:
        return self.message


def redact_url(url: str | httpx.URL) -> str:
    """The URL without user:password@ and without secret-looking query values, for logs."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    query = urlencode(
        [
            (k, "***" if k.lower() in _SECRET_PARAMS else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
    )
    return urlunsplit(SplitResult(parts.scheme, host, parts.path, query, ""))


def from_transport(exc: httpx.HTTPError, server: str) -> ApiError:
    """Human words for a request that got no HTTP answer."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return ApiError(
                NETWORK,
                tr(
                    "Il certificato del server {server} non è valido: connessione rifiutata "
                    "per sicurezza. Avvisare il supporto tecnico.",
                    server=server,
                ),
            )
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        return ApiError(
            NETWORK,
            tr(
                "Il server {server} non risponde (tempo scaduto). Riprovare fra poco.",
                server=server,
            ),
        )
    return ApiError(
        NETWORK,
        tr(
            "Server {server} non raggiungibile. Verificare la rete o l'indirizzo del server.",
            server=server,
        ),
    )


def from_response(response: httpx.Response, *, login: bool = False) -> ApiError:
    """Human words for an HTTP error answer, keeping the server's problem document."""
    problem: Problem | None = None
    raw: dict[str, Any] | None = None
    try:
        body = response.json()
        if isinstance(body, dict):
            raw = dict(body)
            body.setdefault("status", response.status_code)
            body.setdefault("title", response.reason_phrase or "Error")
            problem = Problem.model_validate(body)
    except ValueError:
        problem = None
    status = response.status_code
    detail = problem.detail if problem and problem.detail else ""
    if login and status in (400, 401):
        message = tr("Nome utente o password errati.")
    elif status == 401:
        message = tr("Sessione scaduta: accedere di nuovo.")
    elif status == 403:
        message = tr("Operazione non consentita per il proprio ruolo.")
    elif status == 404:
        message = tr("Elemento non trovato sul server.")
    elif status == 409:
        message = tr("Conflitto: i dati sono stati modificati da un altro operatore. {d}", d=detail)
    elif status == 413:
        message = tr("Dati troppo grandi: il server li ha rifiutati.")
    elif status == 429:
        message = tr("Server sovraccarico: nuovo tentativo automatico fra poco.")
    elif status >= 500:
        message = tr("Errore del server ({status}). Nuovo tentativo fra poco.", status=status)
    else:
        message = tr("Richiesta rifiutata dal server: {d}", d=detail or response.reason_phrase)
    return ApiError(status, message.strip(), problem, raw)
