"""The incident lifecycle: new -> dispatched -> en_route -> on_scene -> closed, or cancelled.

Steps may be skipped forwards (a patrol that was already there goes straight to on scene) but
never backwards; a closed or cancelled incident is final. Each step is stamped with time and
operator locally too, so a step taken while the back-end is down is shown at once and its time is
the moment the operator acted, not the moment the outbox got through.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from console.i18n import tr

STEPS = ("new", "dispatched", "en_route", "on_scene", "closed")
FINAL = ("closed", "cancelled")


def label(status: str) -> str:
    return {
        "new": tr("Nuovo"),
        "dispatched": tr("Inviato"),
        "en_route": tr("In viaggio"),
        "on_scene": tr("Sul posto"),
        "closed": tr("Chiuso"),
        "cancelled": tr("Annullato"),
    }.get(status, status)


class LifecycleError(ValueError):
    """A step that is not allowed; the message is for the operator."""


def allowed(current: str) -> list[str]:
    if current in FINAL:
        return []
    if current not in STEPS:
        return ["cancelled"]
    return [*STEPS[STEPS.index(current) + 1:], "cancelled"]


def advance(data: dict[str, Any], target: str, user: str, at: datetime | None = None,
            note: str = "") -> dict[str, Any]:
    """A copy of `data` (an incident dict) moved to `target`, with the step stamped."""
    current = str(data.get("status") or "new")
    if target not in allowed(current):
        raise LifecycleError(tr("Non si può passare da «{a}» a «{b}».", a=label(current),
                                b=label(target)))
    if target in ("dispatched", "en_route", "on_scene") and not data.get("units"):
        raise LifecycleError(tr("Assegnare almeno un'unità prima di «{b}».", b=label(target)))
    out = dict(data)
    out["status"] = target
    stamp = (at or datetime.now(UTC)).astimezone(UTC)
    out["history"] = [*list(data.get("history") or []),
                      {"at": stamp.isoformat(), "user": user, "status": target, "note": note}]
    return out
