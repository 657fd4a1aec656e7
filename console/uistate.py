"""The operator's own arrangement of a layout (docks moved, tabbed, floated, resized), kept apart
from the shipped layout files so an update never overwrites it and "Ripristina layout" can always
go back to the shipped arrangement.

Stored as state_dir()/uistate/<layout>.json; Qt's opaque saveState()/saveGeometry() blobs are
kept as base64 strings, keyed by screen index. A damaged or foreign file is ignored (logged), never
fatal: losing an arrangement is an inconvenience, refusing to start is an incident.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from console.paths import state_dir

log = logging.getLogger(__name__)

FORMAT = 1
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class WindowState:
    geometry: bytes = b""
    state: bytes = b""
    # Dock identities the state was saved with: docks not listed are placed as the layout says.
    docks: list[str] = field(default_factory=list)


@dataclass
class UiState:
    layout: str
    windows: dict[int, WindowState] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "layout": self.layout,
                "windows": {
                    str(i): {
                        "geometry": base64.b64encode(w.geometry).decode("ascii"),
                        "state": base64.b64encode(w.state).decode("ascii"),
                        "docks": list(w.docks),
                    }
                    for i, w in sorted(self.windows.items())
                },
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, layout: str) -> UiState:
        """Parse; raises ValueError with the reason when the text is not a state of `layout`."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("unknown format")
        if data.get("layout") != layout:
            raise ValueError(f"saved for layout {data.get('layout')!r}")
        windows: dict[int, WindowState] = {}
        raw_windows = data.get("windows", {})
        if not isinstance(raw_windows, dict):
            raise ValueError("windows is not a table")
        for key, raw in raw_windows.items():
            try:
                index = int(key)
                docks = raw.get("docks", [])
                if not isinstance(docks, list) or not all(isinstance(d, str) for d in docks):
                    raise ValueError("docks is not a list of names")
                windows[index] = WindowState(
                    geometry=base64.b64decode(raw.get("geometry", ""), validate=True),
                    state=base64.b64decode(raw.get("state", ""), validate=True),
                    docks=docks,
                )
            except (ValueError, TypeError, AttributeError, binascii.Error) as exc:
                log.warning("ui state of %s: window %r ignored: %s", layout, key, exc)
        return cls(layout, windows)


def uistate_dir() -> Path:
    path = state_dir() / "uistate"
    path.mkdir(parents=True, exist_ok=True)
    return path


def uistate_path(layout: str) -> Path:
    return uistate_dir() / f"{_SAFE.sub('_', layout)}.json"


def load(layout: str) -> UiState:
    """The saved arrangement of `layout`, or an empty one when none is usable."""
    path = uistate_path(layout)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UiState(layout)
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("ui state %s unreadable, using the shipped layout: %s", path, exc)
        return UiState(layout)
    try:
        return UiState.from_json(text, layout)
    except (ValueError, TypeError) as exc:
        log.warning("ui state %s ignored, using the shipped layout: %s", path, exc)
        return UiState(layout)


def save(state: UiState) -> Path:
    """Write atomically (temp file + rename) so a crash mid-write never leaves half a file."""
    path = uistate_path(state.layout)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(state.to_json(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def forget(layout: str) -> None:
    """Drop the saved arrangement: the next start uses the shipped layout."""
    uistate_path(layout).unlink(missing_ok=True)
