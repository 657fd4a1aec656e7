"""Exercise injects: a TOML timeline of timed events that scripts a drill.

    title = "Esondazione del Seveso a Niguarda"
    [[inject]]
    at = 30                    # seconds after the drill starts (divided by --rate-scale)
    type = "sensor.reading"    # see HANDLERS
    sensor_id = "3118"
    value = 165.0

Types: alert.created, chat.message, incident.created, sensor.reading, cap (inline `xml` or a
`file` next to the timeline), unit.updated (id, status, emergency). Since `type` names the
inject, an incident's or alert's own type is written `kind`. The file is validated
completely before the server starts (a bad file is one clear error naming the inject and the
reason). Progress is stored in the database, so a restarted server resumes the drill instead of
replaying it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from console.api import contract as c
from console.training import alerts, cap, sensors, world
from console.training.context import ServerContext
from console.training.db import Tx
from console.training.geodata import Place
from console.training.routes_chat import post_message
from console.training.routes_incidents import create as create_incident
from console.training.state import dump, now

log = logging.getLogger(__name__)


class InjectError(ValueError):
    """A timeline file that cannot be used; the message names file, inject and reason."""


@dataclass
class Inject:
    at: float
    type: str
    fields: dict[str, Any]


@dataclass
class Timeline:
    path: Path
    title: str
    injects: list[Inject]
    digest: str


def _rename_kind(f: dict[str, Any]) -> dict[str, Any]:
    """`type` names the inject, so a domain type (incident or alert type) is written `kind`."""
    out = {k: v for k, v in f.items() if k != "kind"}
    if "kind" in f:
        out["type"] = f["kind"]
    return out


def _alert(ctx: ServerContext, tx: Tx, f: dict[str, Any]) -> None:
    fields = {"exercise": True, "source": "inject", "type": "inject", "priority": 3,
              **_rename_kind(f)}
    alerts.new_alert(ctx, tx, user="esercitazione", **fields)


def _chat(ctx: ServerContext, tx: Tx, f: dict[str, Any]) -> None:
    body = c.ChatMessageWrite.model_validate({k: v for k, v in f.items()
                                             if k not in ("channel", "sender", "desk")})
    post_message(ctx, tx, str(f["channel"]), body, str(f.get("sender", "esercitazione")),
                 str(f.get("desk", "Direzione esercitazione")))


def _incident(ctx: ServerContext, tx: Tx, f: dict[str, Any]) -> None:
    create_incident(ctx, tx, c.IncidentWrite.model_validate(_rename_kind(f)), "esercitazione")


def _sensor(ctx: ServerContext, tx: Tx, f: dict[str, Any]) -> None:
    sensor_id = str(f["sensor_id"])
    place = next((p for p in world.geo(ctx).hydrometers if p.id == sensor_id), None)
    if place is None:
        raise InjectError(f"unknown sensor_id {sensor_id!r}")
    sensors.record(ctx, tx, Place(place.id, place.name, place.lon, place.lat, place.props),
                   float(f["value"]), user="esercitazione")


def _cap(ctx: ServerContext, tx: Tx, f: dict[str, Any]) -> None:
    from console.training.routes_ingest import ingest_cap

    ingest_cap(ctx, tx, cap.parse(str(f["xml"]).encode("utf-8")), "esercitazione")


def _unit(ctx: ServerContext, tx: Tx, f: dict[str, Any]) -> None:
    unit = ctx.state.get("unit", str(f["id"]), c.Unit)
    if unit is None:
        raise InjectError(f"unknown unit id {f['id']!r}")
    update: dict[str, Any] = {}
    if "status" in f:
        update.update(status=c.UnitStatus(f["status"]), status_since=now())
    if "emergency" in f:
        update["emergency"] = bool(f["emergency"])
    updated = unit.model_copy(update=update)
    ctx.state.save(tx, "unit", updated)
    tx.emit(c.EventType.UNIT_UPDATED, dump(updated))


HANDLERS: dict[str, Callable[[ServerContext, Tx, dict[str, Any]], None]] = {
    "alert.created": _alert, "chat.message": _chat, "incident.created": _incident,
    "sensor.reading": _sensor, "cap": _cap, "unit.updated": _unit,
}
REQUIRED = {"alert.created": ("title",), "chat.message": ("channel", "text"),
            "incident.created": ("kind",), "sensor.reading": ("sensor_id", "value"),
            "cap": (), "unit.updated": ("id",)}


def load(path: Path) -> Timeline:
    try:
        raw = path.read_bytes()
        doc = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as exc:
        raise InjectError(f"{path}: cannot read the timeline: {exc}") from None
    items = doc.get("inject", [])
    if not isinstance(items, list) or not items:
        raise InjectError(f"{path}: no [[inject]] entries")
    out: list[Inject] = []
    for n, item in enumerate(items, 1):
        where = f"{path}: inject {n}"
        if not isinstance(item, dict):
            raise InjectError(f"{where}: not a table")
        at, typ = item.get("at"), item.get("type")
        if not isinstance(at, int | float) or at < 0:
            raise InjectError(f"{where}: 'at' must be a number of seconds >= 0")
        if typ not in HANDLERS:
            raise InjectError(f"{where}: type {typ!r} is not one of {', '.join(HANDLERS)}")
        fields = {k: v for k, v in item.items() if k not in ("at", "type")}
        if typ == "cap" and "file" in fields:
            try:
                fields["xml"] = (path.parent / str(fields.pop("file"))).read_text("utf-8")
            except OSError as exc:
                raise InjectError(f"{where}: CAP file: {exc}") from None
        missing = [k for k in REQUIRED[typ] + (("xml",) if typ == "cap" else ())
                   if k not in fields]
        if missing:
            raise InjectError(f"{where}: missing {', '.join(missing)}")
        if typ == "cap":
            try:
                cap.parse(str(fields["xml"]).encode("utf-8"))
            except cap.CapError as exc:
                raise InjectError(f"{where}: CAP: {exc.detail}") from None
        try:
            if typ == "incident.created":
                c.IncidentWrite.model_validate(_rename_kind(fields))
            elif typ == "chat.message":
                c.ChatMessageWrite.model_validate({"text": fields["text"]})
        except ValidationError as exc:
            raise InjectError(f"{where}: {exc.errors()[0]['msg']}") from None
        out.append(Inject(float(at), str(typ), fields))
    out.sort(key=lambda i: i.at)
    return Timeline(path, str(doc.get("title", path.stem)), out,
                    hashlib.sha256(raw).hexdigest()[:16])


async def run(ctx: ServerContext) -> None:
    """Lifespan job: fire each inject at its time; resume after a restart."""
    assert ctx.config.injects is not None
    timeline = load(ctx.config.injects)
    key = f"injects:{timeline.digest}"
    state = (ctx.db.meta(key) or "").split(":")
    started = float(state[0]) if len(state) == 2 else time.time()
    done = int(state[1]) if len(state) == 2 else 0
    scale = ctx.config.rate_scale
    log.info("drill %r: %d injects, %d already done", timeline.title, len(timeline.injects), done)
    for index, inject in enumerate(timeline.injects):
        if index < done:
            continue
        delay = started + inject.at / scale - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            with ctx.db.tx() as tx:
                HANDLERS[inject.type](ctx, tx, inject.fields)
                tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           (key, f"{started}:{index + 1}"))
        except Exception as exc:  # one bad inject must not end the drill
            log.error("inject %d (%s) failed: %s", index + 1, inject.type, exc)
            with ctx.db.tx() as tx:
                tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           (key, f"{started}:{index + 1}"))
