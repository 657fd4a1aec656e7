"""Idempotent command execution: the `Idempotency-Key` header makes a retry harmless.

The first response to a key is stored in the same transaction as the change it made; a retry
with the same key gets that stored response back (header `Idempotent-Replayed: true`) and changes
nothing, emits nothing. Keys are scoped per user.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from console.i18n import tr
from console.training.auth import User
from console.training.context import ServerContext
from console.training.db import Tx, dumps
from console.training.problems import ProblemError

MAX_KEY = 200

Handler = Callable[[Tx], tuple[int, Any]]


def run(ctx: ServerContext, request: Request, user: User, handler: Handler) -> JSONResponse:
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        key = key.strip()
        if not key or len(key) > MAX_KEY:
            raise ProblemError(
                400, tr("Idempotency-Key deve avere da 1 a {n} caratteri.", n=MAX_KEY)
            )
        row = ctx.db.conn.execute(
            "SELECT method, path, status, body FROM idempotency WHERE username = ? AND key = ?",
            (user.username, key),
        ).fetchone()
        if row is not None:
            if (row[0], row[1]) != (request.method, request.url.path):
                raise ProblemError(
                    422, tr("Idempotency-Key {k} già usata per {m} {p}.", k=key, m=row[0], p=row[1])
                )
            return JSONResponse(
                json.loads(row[3]),
                status_code=int(row[2]),
                headers={"Idempotent-Replayed": "true"},
            )
    with ctx.db.tx() as tx:
        status, body = handler(tx)
        if key is not None:
            tx.execute(
                "INSERT INTO idempotency (username, key, method, path, status, body, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    user.username,
                    key,
                    request.method,
                    request.url.path,
                    status,
                    dumps(body),
                    time.time(),
                ),
            )
    return JSONResponse(body, status_code=status)
