"""Local drafts of incident edits, so a crash or a power cut loses nothing an operator typed.

One JSON file per draft in state_dir()/drafts, written atomically (temporary file, fsync,
rename): a cut in the middle of a write leaves the previous draft whole. A draft lives until the
back-end has confirmed the save it carries; while the back-end is down or rejects the save, the
draft (with its Idempotency-Key, so a retry never duplicates) is what survives a restart.

Signals (Autosaver):
    saved(str)  draft id written to disk
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.paths import state_dir

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3000


@dataclass
class Draft:
    draft_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    incident_id: str | None = None  # None: a new incident not yet on the server
    data: dict[str, Any] = field(default_factory=dict)  # the form, as IncidentWrite-shaped dict
    base: dict[str, Any] | None = None  # the incident as the server sent it when editing began
    operator: str = ""
    idempotency_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = "editing"  # editing | pending (waiting for the back-end) | rejected
    message: str = ""  # last thing the back-end said, for the operator
    sent: dict[str, Any] | None = None  # body queued under idempotency_key, until answered
    saved_at: str = ""


def drafts_dir() -> Path:
    path = state_dir() / "drafts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DraftStore:
    """Drafts on disk. Plain object: it is called from the GUI thread only."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or drafts_dir()
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, draft_id: str) -> Path:
        safe = "".join(c for c in draft_id if c.isalnum() or c in "-_")
        return self.folder / f"{safe}.json"

    def save(self, draft: Draft) -> None:
        draft.saved_at = datetime.now(UTC).isoformat()
        atomic_write(self._path(draft.draft_id),
                     json.dumps(asdict(draft), ensure_ascii=False, default=str, indent=1))

    def load(self, draft_id: str) -> Draft | None:
        return self._read(self._path(draft_id))

    def all(self) -> list[Draft]:
        """Every readable draft, oldest first; an unreadable file is kept aside, not deleted."""
        out = [d for p in sorted(self.folder.glob("*.json")) if (d := self._read(p)) is not None]
        return sorted(out, key=lambda d: d.saved_at)

    def for_incident(self, incident_id: str) -> Draft | None:
        return next((d for d in self.all() if d.incident_id == incident_id), None)

    def discard(self, draft_id: str) -> None:
        self._path(draft_id).unlink(missing_ok=True)

    def _read(self, path: Path) -> Draft | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            known = {k: raw[k] for k in Draft.__dataclass_fields__ if k in raw}
            return Draft(**known)
        except (OSError, ValueError, TypeError) as exc:
            log.warning("draft %s unreadable (%s): kept as %s.bad", path, exc, path.name)
            with contextlib.suppress(OSError):
                path.rename(path.with_suffix(".bad"))
            return None


class Autosaver(QObject):
    """Writes the current draft every few seconds when something changed (and on demand)."""

    saved = Signal(str)

    def __init__(self, store: DraftStore, snapshot: Callable[[], Draft | None],
                 interval_ms: int = AUTOSAVE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._snapshot = snapshot
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def mark_dirty(self) -> None:
        self._dirty = True

    def flush(self) -> None:
        if not self._dirty:
            return
        draft = self._snapshot()
        self._dirty = False
        if draft is None:
            return
        try:
            self._store.save(draft)
        except OSError as exc:
            self._dirty = True  # try again next tick
            log.error("draft %s not written: %s", draft.draft_id, exc)
            return
        self.saved.emit(draft.draft_id)

    def stop(self) -> None:
        self.flush()
        self._timer.stop()
