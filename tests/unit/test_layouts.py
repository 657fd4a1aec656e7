"""Layout files: every way a hand-edited file goes wrong is one line naming file, key and reason."""

from __future__ import annotations

import ast
import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from console import uistate
from console.layouts import (
    LayoutError,
    list_layouts,
    load_layout,
    parse_layout,
    resolve_layout_path,
)
from console.paths import LAYOUTS

KNOWN = {"alerts", "eventlog", "map", "video"}

GOOD = """
name = "{name}"
title = "Prova"
mode = "radio-room"

[[screens]]
role = "uno"
window = "fullscreen"
regions = {{ right = 0.3 }}

[[screens.panels]]
name = "map"

[[screens.panels]]
name = "eventlog"
region = "right"
params = {{ types = ["alert."] }}

[[screens]]
role = "due"

[[screens.panels]]
name = "{second}"
"""


def write(tmp_path: Path, text: str, name: str = "prova") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, known: set[str] | None = KNOWN) -> str:
    path = write(tmp_path, text)
    with pytest.raises(LayoutError) as info:
        load_layout(path, known)
    message = str(info.value)
    assert "\n" not in message, "an error is one line"
    assert message.startswith(str(path) + ": "), message
    return message


def test_shipped_layouts_load_with_the_registered_panels() -> None:
    from console.app import build_registry

    names = list_layouts()
    assert {"radio-room", "video-room"} <= set(names)
    panels = set(build_registry().names())
    radio = load_layout("radio-room", panels)
    video = load_layout("video-room", panels)
    assert len(radio.screens) == 3
    assert len(video.screens) == 2
    for layout in (radio, video):
        keys = [k for row in layout.panel_keys() for k in row]
        assert len(keys) == len(set(keys)), "dock identities must be unique"


def test_every_operating_mode_has_a_shipped_layout() -> None:
    from console.app import TRAINING_USER_FOR_MODE, build_registry

    panels = set(build_registry().names())
    shipped = {name: load_layout(name, panels) for name in list_layouts()}
    modes = {layout.mode for layout in shipped.values()}
    assert modes == set(TRAINING_USER_FOR_MODE), "one layout per operating mode at least"
    assert shipped["tactical-table"].touch
    assert shipped["videowall"].kiosk, "the videowall is seen by visitors: personal data masked"
    assert not any(layout.kiosk for name, layout in shipped.items() if name != "videowall")


@pytest.mark.parametrize("name", list_layouts())
def test_every_shipped_layout_is_valid_against_its_own_panel_names(name: str) -> None:
    layout = load_layout(name)
    assert layout.name == name
    assert layout.title


def test_good_file_is_parsed_with_regions_and_params(tmp_path: Path) -> None:
    layout = load_layout(write(tmp_path, GOOD.format(name="prova", second="video")), KNOWN)
    first = layout.screens[0]
    assert first.window == "fullscreen"
    assert first.regions == {"right": 0.3}
    assert [p.region for p in first.panels] == ["center", "right"]
    assert first.panels[1].params == {"types": ["alert."]}
    assert layout.screens[1].window == "maximized"
    assert layout.screens[1].label == "due"


def test_unknown_panel_names_file_key_and_available_ones(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.format(name="prova", second="mappa2"))
    assert message.endswith(
        'screens[1].panels[0].name: pannello sconosciuto "mappa2" '
        "(disponibili: alerts, eventlog, map, video)"
    )


def test_unknown_panels_are_not_checked_without_a_registry(tmp_path: Path) -> None:
    layout = load_layout(write(tmp_path, GOOD.format(name="prova", second="mappa2")), None)
    assert layout.screens[1].panels[0].name == "mappa2"


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    message = error_of(tmp_path, 'name = "prova"\ntitle = "x\nmode = 1\n')
    assert "sintassi TOML non valida" in message
    assert "line 2" in message
    assert "column" in message


@pytest.mark.parametrize(
    ("edit", "key", "reason"),
    [
        (lambda t: t.replace('window = "fullscreen"', 'window = "intero"'),
         "screens[0].window", "valore non valido 'intero'"),
        (lambda t: t.replace('mode = "radio-room"', 'mode = "sala"'), "mode", "valore non valido"),
        (lambda t: t.replace('title = "Prova"\n', ""), "title", "campo obbligatorio mancante"),
        (lambda t: t.replace('region = "right"', 'regione = "right"'),
         "screens[0].panels[1].regione", "chiave sconosciuta"),
        (lambda t: t.replace('region = "right"', 'region = "middle"'),
         "screens[0].panels[1].region", "valore non valido 'middle'"),
        (lambda t: t.replace("right = 0.3", "right = 2.0"), "screens[0].regions",
         "tra 0.05 e 0.9"),
        (lambda t: t.replace("right = 0.3", "middle = 0.3"), "screens[0].regions.middle",
         "valore non valido"),
        (lambda t: t.replace('role = "due"', 'role = "uno"'), "(radice)",
         "ruolo schermo ripetuto: uno"),
        (lambda t: t.replace('role = "due"', 'role = "Due Bis"'), "screens[1].role",
         "lettere minuscole"),
        (lambda t: t.replace('region = "right"', 'region = "center"'), "screens[0]",
         "al massimo un pannello nell'area centrale"),
        (lambda t: t.replace('window = "fullscreen"', "window = 3"), "screens[0].window",
         "valore non valido"),
        (lambda t: t.replace('name = "map"', 'name = "map"\nsize = 0'),
         "screens[0].panels[0].size", "maggiore di 0"),
        (lambda t: t.replace('name = "map"', 'name = "map"\ntabbed = "si"'),
         "screens[0].panels[0].tabbed", "atteso true o false"),
        (lambda t: t.replace('params = {{ types = ["alert."] }}', 'params = "tutto"'),
         "screens[0].panels[1].params", "attesa una tabella"),
        (lambda t: t.split("[[screens]]")[0], "screens", "campo obbligatorio mancante"),
        (lambda t: t.replace("[[screens.panels]]\nname = \"{second}\"", ""),
         "screens[1].panels", "campo obbligatorio mancante"),
        (lambda t: t.replace('name = "map"', 'name = "map"\nid = "a"').replace(
            'name = "eventlog"', 'name = "eventlog"\nid = "a"'), "(radice)",
         "id pannello ripetuto: a"),
    ],
)
def test_each_error_names_key_and_reason(
    tmp_path: Path, edit: Callable[[str], str], key: str, reason: str
) -> None:
    text = edit(GOOD).format(name="prova", second="video")
    message = error_of(tmp_path, text)
    assert f": {key}: " in message, message
    assert reason in message, message


def test_name_must_match_file_name(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.format(name="altro", second="video"))
    assert ': name: il nome "altro" deve coincidere con il nome del file "prova"' in message


def test_missing_layout_by_name_lists_the_available_ones(tmp_path: Path) -> None:
    write(tmp_path, GOOD.format(name="prova", second="video"))
    with pytest.raises(LayoutError, match=r'layout sconosciuto "sala" \(disponibili: prova\)'):
        load_layout("sala", KNOWN, directory=tmp_path)
    assert resolve_layout_path("prova", tmp_path) == tmp_path / "prova.toml"


def test_missing_layout_file_path(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="file di layout non trovato"):
        load_layout(tmp_path / "manca.toml", KNOWN)


def test_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "prova.toml"
    path.write_bytes(b'name = "\xff\xfe"\n')
    with pytest.raises(LayoutError, match="non è testo UTF-8"):
        load_layout(path, KNOWN)


def test_shipped_paths_are_shown_relative_to_the_repository() -> None:
    with pytest.raises(LayoutError) as info:
        load_layout("radio-room", {"eventlog"})
    assert str(info.value).startswith("layouts/radio-room.toml: screens[0].panels[0].name: ")
    assert (LAYOUTS / "radio-room.toml").is_file()


def test_panel_keys_are_unique_and_stable_without_ids() -> None:
    raw = {
        "name": "x", "title": "X", "mode": "videowall", "kiosk": True,
        "screens": [
            {"role": "a", "panels": [{"name": "video"}, {"name": "video", "region": "left"}]},
            {"role": "b",
             "panels": [{"name": "video", "id": "video-2"}, {"name": "map", "region": "top"}]},
        ],
    }
    layout = parse_layout(raw, "x.toml", KNOWN)
    assert layout.kiosk
    assert layout.panel_keys() == [["video", "video-3"], ["video-2", "map"]]


def test_tactical_table_and_videowall_shapes_are_accepted() -> None:
    table = parse_layout(
        {"name": "tactical-table", "title": "Tavolo tattico", "mode": "tactical-table",
         "touch": True,
         "screens": [{"role": "tavolo", "window": "fullscreen", "panels": [{"name": "map"}]}]},
        "layouts/tactical-table.toml", KNOWN, expected_name="tactical-table",
    )
    assert table.touch
    assert not table.kiosk
    wall = parse_layout(
        {"name": "videowall", "title": "Videowall", "mode": "videowall", "kiosk": True,
         "screens": [{"role": f"w{i}", "window": "fullscreen",
                      "panels": [{"name": "video", "params": {"grid": "4x4"}}]}
                     for i in range(4)]},
        "layouts/videowall.toml", KNOWN, expected_name="videowall",
    )
    assert wall.kiosk
    assert len(wall.screens) == 4


# --- saved arrangements (console/uistate.py) ------------------------------------------------------


def test_arrangement_round_trips_as_base64_json(centrale_home: Path) -> None:
    state = uistate.UiState("radio-room")
    state.set_windows(3, {
        0: uistate.WindowState(b"\x01\x02geom", b"\x00\xffstate", ["eventi-tutti"]),
        2: uistate.WindowState(b"", b"s2", []),
    })
    state.set_windows(1, {0: uistate.WindowState(b"g1", b"folded", ["a", "b"])})
    path = uistate.save(state)
    assert path == centrale_home / "state" / "uistate" / "radio-room.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["arrangements"]["3"]["0"]["state"] == base64.b64encode(b"\x00\xffstate").decode()
    loaded = uistate.load("radio-room")
    three = loaded.windows(3)
    assert three[0].geometry == b"\x01\x02geom"
    assert three[0].state == b"\x00\xffstate"
    assert three[0].docks == ["eventi-tutti"]
    assert three[2].state == b"s2"
    assert loaded.windows(1)[0].state == b"folded", "a folded arrangement is kept apart"
    assert loaded.windows(2) == {}
    assert not list(path.parent.glob("*.tmp")), "written atomically, no temp file left"


def test_arrangement_is_kept_apart_from_the_shipped_layouts(centrale_home: Path) -> None:
    state = uistate.UiState("radio-room")
    state.set_windows(3, {0: uistate.WindowState(b"g", b"s")})
    uistate.save(state)
    assert not (LAYOUTS / "radio-room.json").exists()
    assert LAYOUTS.resolve() not in uistate.uistate_path("radio-room").resolve().parents


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        json.dumps({"format": 99, "layout": "radio-room", "arrangements": {}}),
        json.dumps({"format": 2, "layout": "video-room",
                    "arrangements": {"1": {"0": {"state": "AA=="}}}}),
        json.dumps({"format": 2, "layout": "radio-room", "arrangements": "x"}),
    ],
)
def test_damaged_or_foreign_arrangement_falls_back_to_the_shipped_layout(
    centrale_home: Path, content: str
) -> None:
    uistate.uistate_path("radio-room").write_text(content, encoding="utf-8")
    assert uistate.load("radio-room").arrangements == {}


def test_one_bad_window_does_not_lose_the_others(centrale_home: Path) -> None:
    good = base64.b64encode(b"ok").decode()
    uistate.uistate_path("radio-room").write_text(json.dumps({
        "format": 2, "layout": "radio-room",
        "arrangements": {
            "3": {"0": {"geometry": good, "state": good},
                  "1": {"geometry": "***", "state": good},
                  "x": {"state": good},
                  "2": {"state": good, "docks": [1, 2]}},
            "tre": {"0": {"state": good}},
        },
    }), encoding="utf-8")
    loaded = uistate.load("radio-room")
    assert list(loaded.arrangements) == [3]
    assert list(loaded.windows(3)) == [0]
    assert loaded.windows(3)[0].state == b"ok"


def test_forget_goes_back_to_the_shipped_layout(centrale_home: Path) -> None:
    state = uistate.UiState("video-room")
    state.set_windows(2, {0: uistate.WindowState(b"g", b"s")})
    uistate.save(state)
    uistate.forget("video-room")
    assert uistate.load("video-room").arrangements == {}
    uistate.forget("video-room")  # nothing saved: still fine


def test_layout_names_cannot_escape_the_state_folder(centrale_home: Path) -> None:
    path = uistate.uistate_path("../../etc/passwd")
    assert path.parent == centrale_home / "state" / "uistate"


# --- English catalogue of the shell, layouts and event log -------------------------------------

SHELL_SOURCES = [
    "console/layouts.py", "console/status.py", "widgets/shell/registry.py",
    "widgets/shell/status.py", "widgets/shell/shell.py", "widgets/shell/window.py",
    "widgets/journal/__init__.py", "widgets/journal/panel.py", "widgets/journal/model.py",
    "widgets/journal/describe.py",
]


def test_every_shell_text_has_an_english_translation() -> None:
    root = LAYOUTS.parent
    catalogue = json.loads((root / "resources/i18n/en/shell.json").read_text(encoding="utf-8"))
    missing = []
    for source in SHELL_SOURCES:
        for node in ast.walk(ast.parse((root / source).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value not in catalogue):
                missing.append(f"{source}: {node.args[0].value!r}")
    assert missing == []
