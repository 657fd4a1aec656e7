"""The operator's own arrangement of a layout (docks moved, tabbed, floated, resized), kept apart
from the shipped layout files so an update never overwrites it and "Ripristina layout" can always
go back to the shipped arrangement.

Stored as state_dir()/uistate/<layout>.json; Qt's opaque saveState()/saveGeometry() blobs are
kept as base64 strings, keyed by the number of windows shown and the screen index. A damaged or
foreign file is ignored (logged), never fatal: losing an arrangement is an inconvenience,
refusing to start is an incident.
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

FORMAT = 2
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class WindowState:
    geometry: bytes = b""
    state: bytes = b""
    # Dock identities the state was saved with: docks not listed are placed as the layout says.
    docks: list[str] = field(default_factory=list)


@dataclass
class UiState:
    """Saved arrangements of one layout, per number of windows it was shown with.

    Three screens and the same layout folded onto one are different arrangements: keeping them
    apart means a day on a single screen does not undo the operator's three-screen set-up.
    """

    layout: str
    # windows shown -> screen index -> state
    arrangements: dict[int, dict[int, WindowState]] = field(default_factory=dict)

    def windows(self, count: int) -> dict[int, WindowState]:
        return self.arrangements.get(count, {})

    def set_windows(self, count: int, windows: dict[int, WindowState]) -> None:
        self.arrangements[count] = dict(windows)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "layout": self.layout,
                "arrangements": {
                    str(count): {
                        str(i): {
                            "geometry": base64.b64encode(w.geometry).decode("ascii"),
                            "state": base64.b64encode(w.state).decode("ascii"),
                            "docks": list(w.docks),
                        }
                        for i, w in sorted(windows.items())
                    }
                    for count, windows in sorted(self.arrangements.items())
                },
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, layout: str) -> UiState:
        """Parse; raises ValueError with the reason when the text is not a state of `layout`.

        Single damaged entries are skipped (logged) so one bad window costs only itself.
        """
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("unknown format")
        if data.get("layout") != layout:
            raise ValueError(f"saved for layout {data.get('layout')!r}")
        raw_arrangements = data.get("arrangements", {})
        if not isinstance(raw_arrangements, dict):
            raise ValueError("arrangements is not a table")
        state = cls(layout)
        for count_key, raw_windows in raw_arrangements.items():
            if not isinstance(raw_windows, dict) or not str(count_key).isdigit():
                log.warning("ui state of %s: arrangement %r ignored", layout, count_key)
                continue
            windows: dict[int, WindowState] = {}
            for key, raw in raw_windows.items():
                try:
                    windows[int(key)] = _window(raw)
                except (ValueError, TypeError, AttributeError, binascii.Error) as exc:
                    log.warning("ui state of %s: window %r ignored: %s", layout, key, exc)
            state.arrangements[int(count_key)] = windows
        return state


def _window(raw: object) -> WindowState:
    if not isinstance(raw, dict):
        raise TypeError("window entry is not a table")
    docks = raw.get("docks", [])
    if not isinstance(docks, list) or not all(isinstance(d, str) for d in docks):
        raise ValueError("docks is not a list of names")
    return WindowState(
        geometry=base64.b64decode(raw.get("geometry", ""), validate=True),
        state=base64.b64decode(raw.get("state", ""), validate=True),
        docks=docks,
    )


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
