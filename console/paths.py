"""Where Centrale keeps its files: XDG config/state/cache dirs, or one root for tests and drills.

`CENTRALE_HOME` puts everything under one folder, so a test, a drill or a second console on the
same machine never touches the operator's own files.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "centrale"
REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = REPO_ROOT / "resources"
LAYOUTS = REPO_ROOT / "layouts"


def _root() -> Path | None:
    home = os.environ.get("CENTRALE_HOME")
    return Path(home) if home else None


def _dir(kind: str) -> Path:
    root = _root()
    if root is not None:
        path = root / kind
    elif kind == "config":
        path = Path(platformdirs.user_config_dir(APP))
    elif kind == "state":
        path = Path(platformdirs.user_state_dir(APP))
    elif kind == "cache":
        path = Path(platformdirs.user_cache_dir(APP))
    else:
        path = Path(platformdirs.user_data_dir(APP))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """User settings (settings.toml)."""
    return _dir("config")


def state_dir() -> Path:
    """Persisted UI state, logs, outbox, last event id, drafts."""
    return _dir("state")


def cache_dir() -> Path:
    """Disposable: map tiles, decoded data."""
    return _dir("cache")


def data_dir() -> Path:
    """Generated data that is costly to remake: training camera clips, training database."""
    return _dir("data")
