"""The live state of the training world, in memory for fast reads and written through to SQLite.

Handlers copy a model, change the copy and `save` it inside a transaction; memory is updated only
after the commit, so a failed command leaves both memory and disk as they were.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from console.api import contract as c
from console.training.db import Database, Tx

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

KINDS: dict[str, type[BaseModel]] = {
    "alert": c.Alert,
    "incident": c.Incident,
    "unit": c.Unit,
    "camera": c.Camera,
    "channel": c.Channel,
    "marker": c.Marker,
    "sensor": c.SensorReading,
}


def now() -> datetime:
    return datetime.now(UTC)


def key_of(model: BaseModel) -> str:
    if isinstance(model, c.SensorReading):
        return model.sensor_id
    return str(getattr(model, "id"))  # noqa: B009 - every other kind has an `id`


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


class State:
    """Dicts of models by kind, loaded from the database at start."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.items: dict[str, dict[str, BaseModel]] = {kind: {} for kind in KINDS}
        for kind, model_type in KINDS.items():
            for body in db.objects(kind):
                try:
                    model = model_type.model_validate(body)
                except ValidationError as exc:
                    log.warning("stored %s ignored: %s", kind, exc)
                    continue
                self.items[kind][key_of(model)] = model

    def all(self, kind: str, model_type: type[M]) -> list[M]:
        return [m for m in self.items[kind].values() if isinstance(m, model_type)]

    def get(self, kind: str, obj_id: str, model_type: type[M]) -> M | None:
        model = self.items[kind].get(obj_id)
        return model if isinstance(model, model_type) else None

    def save(self, tx: Tx, kind: str, model: BaseModel) -> None:
        obj_id = key_of(model)
        tx.put(kind, obj_id, dump(model))
        store = self.items[kind]
        tx.after_commit.append(lambda: store.__setitem__(obj_id, model))

    def next_id(self, tx: Tx, prefix: str) -> str:
        """Readable, never-reused ids (`INC-000042`), counted in the database."""
        row = tx.execute("SELECT value FROM meta WHERE key = ?", (f"seq:{prefix}",)).fetchone()
        n = int(row[0]) + 1 if row else 1
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (f"seq:{prefix}", str(n)),
        )
        return f"{prefix}-{n:06d}"
