"""Layouts: which panels go on which screen, per operating mode (layouts/*.toml, data only).

A layout is checked in full at start-up, so a typo in a file a city edits by hand becomes one
clear sentence naming the file, the key and the reason instead of an empty window at 3 a.m.
Panel names are checked against the names the panel registry knows, passed in by the caller, so
this module stays Qt-free and independent of which panels happen to be installed.

Example::

    name = "radio-room"
    title = "Sala radio"
    mode = "radio-room"

    [[screens]]
    role = "operativo"
    title = "Operativo"
    window = "fullscreen"
    regions = { right = 0.3 }

    [[screens.panels]]
    name = "map"
    region = "center"

    [[screens.panels]]
    name = "eventlog"
    region = "right"
    params = { types = ["alert."] }
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from console.i18n import tr
from console.paths import LAYOUTS

Mode = Literal["radio-room", "video-room", "tactical-table", "videowall", "crisis-room"]
WindowState = Literal["fullscreen", "maximized", "normal"]
Region = Literal["center", "left", "right", "top", "bottom"]
DockRegion = Literal["left", "right", "top", "bottom"]
DOCK_REGIONS: tuple[DockRegion, ...] = ("left", "right", "top", "bottom")


class LayoutError(Exception):
    """A layout that cannot be used; the message is one line an operator or installer can act on."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PanelSpec(_Strict):
    """One panel placed in a region of a screen."""

    name: str = Field(min_length=1)
    region: Region = "center"
    # Share of its region when several panels stack in the same dock area.
    size: float = Field(1.0, gt=0)
    # Stack as a tab with the previous panel of the same region instead of beside it.
    tabbed: bool = False
    title: str | None = None
    # Stable identity for saved arrangements; defaults to the name (made unique by the layout).
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$")
    params: dict[str, Any] = Field(default_factory=dict)


class ScreenSpec(_Strict):
    """One physical screen of a workstation, matched to the machine's screens by order."""

    role: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = ""
    window: WindowState = "maximized"
    # Fraction of the window each dock area takes (width for left/right, height for top/bottom).
    regions: dict[DockRegion, float] = Field(default_factory=dict)
    panels: list[PanelSpec] = Field(min_length=1)

    @field_validator("regions")
    @classmethod
    def _fractions(cls, value: dict[DockRegion, float]) -> dict[DockRegion, float]:
        for region, fraction in value.items():
            if not 0.05 <= fraction <= 0.9:
                raise ValueError(
                    tr("dimensione {region} = {value}: serve un valore tra 0.05 e 0.9",
                       region=region, value=fraction)
                )
        return value

    @model_validator(mode="after")
    def _one_center(self) -> ScreenSpec:
        centers = [p for p in self.panels if p.region == "center"]
        if len(centers) > 1:
            raise ValueError(
                tr("al massimo un pannello nell'area centrale (trovati {n}: {names})",
                   n=len(centers), names=", ".join(p.name for p in centers))
            )
        return self

    @property
    def label(self) -> str:
        """The screen's name as shown, in the operator's language."""
        return tr(self.title) if self.title else self.role


class Layout(_Strict):
    """A whole operating mode: its screens in order, and who may see them."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    mode: Mode
    # Visitors may see these screens: panels mask plates and personal data.
    kiosk: bool = False
    # Touch table: larger targets, no hover-only controls.
    touch: bool = False
    description: str = ""
    screens: list[ScreenSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Layout:
        roles = [s.role for s in self.screens]
        dupes = sorted({r for r in roles if roles.count(r) > 1})
        if dupes:
            raise ValueError(tr("ruolo schermo ripetuto: {roles}", roles=", ".join(dupes)))
        ids = [p.id for s in self.screens for p in s.panels if p.id]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(tr("id pannello ripetuto: {ids}", ids=", ".join(dupes)))
        return self

    def panel_keys(self) -> list[list[str]]:
        """A stable, layout-unique key per panel (screen by screen), used as the dock's identity.

        Saved arrangements refer to docks by this key, so it must not depend on the number of
        screens present: folding three screens onto one keeps every key.
        """
        taken = {p.id for s in self.screens for p in s.panels if p.id}
        counts: dict[str, int] = {}
        keys: list[list[str]] = []
        for screen in self.screens:
            row: list[str] = []
            for panel in screen.panels:
                if panel.id:
                    row.append(panel.id)
                    continue
                n = counts.get(panel.name, 0)
                key = panel.name if n == 0 else f"{panel.name}-{n + 1}"
                while key in taken:
                    n += 1
                    key = f"{panel.name}-{n + 1}"
                counts[panel.name] = n + 1
                taken.add(key)
                row.append(key)
            keys.append(row)
        return keys


# --- loading -------------------------------------------------------------------------------------


def list_layouts(directory: Path = LAYOUTS) -> list[str]:
    """Names of the shipped layouts (file stems), sorted."""
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.toml"))


def resolve_layout_path(name_or_path: str | Path, directory: Path = LAYOUTS) -> Path:
    """A layout name ("radio-room") or a path to a .toml file, as a path that exists."""
    text = str(name_or_path)
    candidate = Path(text)
    looks_like_path = candidate.suffix == ".toml" or "/" in text or "\\" in text
    path = candidate if looks_like_path else directory / f"{text}.toml"
    if not path.is_file():
        available = ", ".join(list_layouts(directory)) or tr("nessuno")
        if looks_like_path:
            raise LayoutError(tr("{file}: file di layout non trovato", file=_display(path)))
        raise LayoutError(
            tr("layout sconosciuto \"{name}\" (disponibili: {available})",
               name=text, available=available)
        )
    return path


def load_layout(
    name_or_path: str | Path,
    known_panels: Iterable[str] | None = None,
    directory: Path = LAYOUTS,
) -> Layout:
    """Read and fully check one layout; every problem is a LayoutError naming file, key, reason.

    `known_panels` is the set of registered panel names; None skips that check (tools that only
    inspect the file). The layout's `name` must match the file name so `--layout NAME` and the
    saved arrangement of that layout always refer to the same file.
    """
    path = resolve_layout_path(name_or_path, directory)
    shown = _display(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(tr("{file}: sintassi TOML non valida: {reason}", file=shown,
                             reason=str(exc))) from None
    except UnicodeDecodeError:
        raise LayoutError(tr("{file}: il file non è testo UTF-8", file=shown)) from None
    except OSError as exc:
        raise LayoutError(tr("{file}: impossibile leggere il file ({reason})", file=shown,
                             reason=exc.strerror or exc)) from None
    return parse_layout(raw, shown, known_panels, expected_name=path.stem)


def parse_layout(
    raw: dict[str, Any],
    source: str,
    known_panels: Iterable[str] | None = None,
    expected_name: str | None = None,
) -> Layout:
    """Check an already-parsed TOML document; `source` names it in error messages."""
    try:
        layout = Layout.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise LayoutError(f"{source}: {_key_path(first['loc'])}: {_reason(first)}") from None
    if expected_name is not None and layout.name != expected_name:
        raise LayoutError(
            f"{source}: name: "
            + tr("il nome \"{name}\" deve coincidere con il nome del file \"{stem}\"",
                 name=layout.name, stem=expected_name)
        )
    if known_panels is not None:
        known = sorted(set(known_panels))
        for s, screen in enumerate(layout.screens):
            for p, panel in enumerate(screen.panels):
                if panel.name not in known:
                    raise LayoutError(
                        f"{source}: screens[{s}].panels[{p}].name: "
                        + tr("pannello sconosciuto \"{name}\" (disponibili: {available})",
                             name=panel.name, available=", ".join(known) or tr("nessuno"))
                    )
    return layout


def _display(path: Path) -> str:
    """Paths inside the repository shown relative (layouts/x.toml), others as given."""
    try:
        return str(path.resolve().relative_to(LAYOUTS.parent))
    except ValueError:
        return str(path)


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (part.startswith("function-") or part in {"literal", "model", "[key]"}):
            out += f".{part}" if out else part
    return out or tr("(radice)")


def _reason(error: ErrorDetails) -> str:
    """Pydantic's reason in the operator's language, for the errors a hand-edited file makes."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "missing":
        return tr("campo obbligatorio mancante")
    if kind == "extra_forbidden":
        return tr("chiave sconosciuta (errore di battitura?)")
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", "?")).replace(" or ", ", ")
        return tr("valore non valido {given!r} (ammessi: {expected})", given=given,
                  expected=expected)
    if kind in {"bool_type", "bool_parsing"}:
        return tr("atteso true o false, trovato {given!r}", given=given)
    if kind in {"string_type"}:
        return tr("attesa una stringa, trovato {given!r}", given=given)
    if kind in {"float_type", "float_parsing", "int_type", "int_parsing"}:
        return tr("atteso un numero, trovato {given!r}", given=given)
    if kind in {"list_type"}:
        return tr("attesa una lista ([[...]]), trovato {given!r}", given=given)
    if kind in {"dict_type", "model_type"}:
        return tr("attesa una tabella ({{...}}), trovato {given!r}", given=given)
    if kind == "too_short":
        return tr("serve almeno un elemento")
    if kind == "string_too_short":
        return tr("non può essere vuoto")
    if kind == "string_pattern_mismatch":
        return tr("{given!r} non valido: usare lettere minuscole, cifre, '-' o '_'", given=given)
    if kind == "greater_than":
        return tr("deve essere maggiore di {gt}, trovato {given!r}", gt=ctx.get("gt"), given=given)
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])
