"""User settings: one declarative schema, one file, one `changed(key)` signal.

Settings are what an operator or an administrator chooses (server, language, video backend...).
What the operator rearranges on screen (docks, splitters, window geometry) is UI *state* and is
kept apart, in console.uistate. The file is `settings.toml` in the config dir; a key missing
from it takes the schema default, and a bad value is an error naming the file, the key and why.

Signals:
    changed(key: str)   a setting took a new value
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from PySide6.QtCore import QObject, Signal

from console.paths import config_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setting:
    key: str  # "section.name"
    type: type
    default: Any
    description: str
    choices: tuple[Any, ...] = ()

    def validate(self, value: Any) -> Any:
        """Return `value` coerced to the setting's type, or raise ValueError saying why."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.type is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError("atteso un elenco di testi")
        elif not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise ValueError(f"atteso {_TYPE_NAMES.get(self.type, self.type.__name__)}")
        if self.choices and value not in self.choices:
            raise ValueError("valori ammessi: " + ", ".join(map(str, self.choices)))
        return value


_TYPE_NAMES = {str: "un testo", bool: "true o false", int: "un numero intero", float: "un numero"}

SCHEMA: tuple[Setting, ...] = (
    Setting("server.url", str, "", "Back-end URL; empty starts the embedded training back-end."),
    Setting("server.verify_tls", bool, True, "Verify the back-end's TLS certificate."),
    Setting("server.username", str, "", "Operator name offered at login."),
    Setting("ui.language", str, "it", "Interface language.", ("it", "en")),
    Setting("ui.layout", str, "radio-room", "Layout opened when none is given."),
    Setting("ui.clock_seconds", bool, True, "Show seconds in the status-strip clock."),
    Setting("map.layer_packs", list, [], "Layer-pack folders loaded at start-up."),
    Setting("video.backend", str, "auto", "Video backend: auto, vlc or qt.", ("auto", "vlc", "qt")),
    Setting("video.max_decoding_tiles", int, 16, "Tiles that may decode at the same time."),
    Setting("alerts.sound", bool, True, "Sound for unacknowledged P1 alerts (muted in kiosk)."),
    Setting("training.seed", int, 7, "Seed of the training scenario (same seed, same drill)."),
    Setting("training.rate_scale", float, 1.0, "Speed-up of the training scenario's event rates."),
    Setting("training.video", bool, True, "Serve the training cameras' video streams."),
    Setting("log.level", str, "INFO", "Log level.", ("DEBUG", "INFO", "WARNING", "ERROR")),
)
BY_KEY = {s.key: s for s in SCHEMA}


class SettingsError(Exception):
    """A settings file that cannot be used; the message names file, key and reason."""


class Settings(QObject):
    changed = Signal(str)

    def __init__(self, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path or config_dir() / "settings.toml"
        self._values: dict[str, Any] = {s.key: s.default for s in SCHEMA}

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        settings = cls(path)
        settings.reload()
        return settings

    def reload(self) -> None:
        if not self.path.exists():
            return
        try:
            raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{self.path}: sintassi TOML non valida ({exc})") from exc
        except OSError as exc:
            raise SettingsError(f"{self.path}: non leggibile ({exc.strerror})") from exc
        for key, value in _flatten(raw):
            spec = BY_KEY.get(key)
            if spec is None:
                known = ", ".join(sorted(BY_KEY))
                raise SettingsError(f"{self.path}: {key}: impostazione sconosciuta (note: {known})")
            try:
                self._set(key, spec.validate(value))
            except ValueError as exc:
                raise SettingsError(f"{self.path}: {key}: {exc}") from exc

    def get(self, key: str) -> Any:
        return self._values[key]

    def set(self, key: str, value: Any) -> None:
        spec = BY_KEY.get(key)
        if spec is None:
            raise KeyError(key)
        self._set(key, spec.validate(value))

    def _set(self, key: str, value: Any) -> None:
        if self._values.get(key) != value:
            self._values[key] = value
            self.changed.emit(key)

    def save(self) -> None:
        """Write only the values that differ from the defaults, so new defaults reach users."""
        nested: dict[str, dict[str, Any]] = {}
        for spec in SCHEMA:
            value = self._values[spec.key]
            if value != spec.default:
                section, name = spec.key.split(".", 1)
                nested.setdefault(section, {})[name] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(tomli_w.dumps(nested), encoding="utf-8")
        tmp.replace(self.path)


def _flatten(raw: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in raw.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{full}.")
        else:
            yield full, value


def describe_schema() -> list[dict[str, Any]]:
    """The schema as data, for documentation and --self-test."""
    return [
        {"key": s.key, "type": s.type.__name__, "default": s.default,
         "description": s.description, "choices": list(s.choices)}
        for s in SCHEMA
    ]
