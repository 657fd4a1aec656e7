"""The append-only, tamper-evident audit log (D.Lgs. 51/2018 art. 21): who, when, what, why.

Each entry's hash is sha256(previous hash + canonical JSON of the entry), so changing, removing
or reordering any stored entry breaks the chain from that entry on, and /audit/verify says where.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from console.api import contract as c
from console.i18n import tr
from console.training import commands
from console.training.auth import Supervisor, User, require
from console.training.context import Ctx
from console.training.db import Tx
from console.training.problems import ProblemError
from console.training.state import now

router = APIRouter(tags=["audit"])

GENESIS = "0" * 64
PROBLEMS: dict[int | str, dict[str, Any]] = {s: {"model": c.Problem} for s in (401, 403, 422)}
Writer = Annotated[User, Depends(require())]


def canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode("utf-8")).hexdigest()


def _entry(row: Any) -> c.AuditEntry:
    body = json.loads(row[1])
    return c.AuditEntry(id=int(row[0]), prev_hash=str(row[2]), hash=str(row[3]), **body)


@router.post("/audit", response_model=c.AuditEntry, status_code=201, responses=PROBLEMS)
async def append(body: c.AuditWrite, request: Request, user: Writer, ctx: Ctx) -> JSONResponse:
    if len(body.reason.strip()) < 3:
        raise ProblemError(422, tr("Serve una motivazione (almeno 3 caratteri)."))

    def handler(tx: Tx) -> tuple[int, Any]:
        row = tx.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev = str(row[0]) if row else GENESIS
        entry = {"at": now().isoformat(), "user": user.username, "action": body.action,
                 "object": body.object, "reason": body.reason.strip(), "case_ref": body.case_ref}
        digest = chain_hash(prev, entry)
        cur = tx.execute("INSERT INTO audit (body, prev_hash, hash) VALUES (?, ?, ?)",
                         (canonical(entry), prev, digest))
        out = c.AuditEntry(id=int(cur.lastrowid or 0), prev_hash=prev, hash=digest, **entry)
        # The event says that something was audited, not why: reasons stay in the log.
        tx.emit(c.EventType.AUDIT_APPENDED, {"id": out.id, "at": entry["at"],
                                             "user": out.user, "action": out.action})
        return 201, out.model_dump(mode="json")

    return commands.run(ctx, request, user, handler)


@router.get("/audit", response_model=list[c.AuditEntry], responses=PROBLEMS)
async def entries(
    _user: Supervisor,
    ctx: Ctx,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[c.AuditEntry]:
    rows = ctx.db.conn.execute(
        "SELECT id, body, prev_hash, hash FROM audit WHERE id > ? ORDER BY id LIMIT ?",
        (after, limit),
    ).fetchall()
    return [_entry(r) for r in rows]


@router.get("/audit/verify", response_model=c.AuditVerify, responses=PROBLEMS)
async def verify(_user: Supervisor, ctx: Ctx) -> c.AuditVerify:
    prev = GENESIS
    count = 0
    for row in ctx.db.conn.execute("SELECT id, body, prev_hash, hash FROM audit ORDER BY id"):
        count += 1
        try:
            entry = json.loads(row[1])
        except ValueError:
            entry = None
        if entry is None or row[2] != prev or chain_hash(prev, entry) != row[3]:
            return c.AuditVerify(ok=False, entries=count, first_bad_id=int(row[0]),
                                 detail=f"Entry {row[0]} does not match the chain.")
        prev = str(row[3])
    return c.AuditVerify(ok=True, entries=count, detail="The audit chain is intact.")


