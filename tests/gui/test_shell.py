"""The shell in one process on the default offscreen screen: registry, status strip, saved
arrangements, reset, close."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget
from pytestqt.qtbot import QtBot

from console import uistate
from console.layouts import Layout, parse_layout
from console.status import MAX_NOTICES, StatusModel
from widgets.shell import ErrorPanel, PanelContext, PanelRegistry, Shell
from widgets.shell.status import Clock, StatusStrip


class Probe(QLabel):
    """A panel that records what it was given and whether it was shut down."""

    instances: list[Probe] = []  # noqa: RUF012 - shared record for one test

    def __init__(self, ctx: PanelContext, params: dict[str, Any]) -> None:
        super().__init__(str(params.get("text", "pannello")))
        self.ctx = ctx
        self.params = params
        self.stopped = 0
        Probe.instances.append(self)

    def shutdown(self) -> None:
        self.stopped += 1


def broken(ctx: PanelContext, params: dict[str, Any]) -> QWidget:
    raise RuntimeError("file di configurazione mancante")


@pytest.fixture
def registry() -> PanelRegistry:
    Probe.instances = []
    reg = PanelRegistry()
    reg.register("probe", Probe, title="Sonda")
    reg.register("broken", broken, title="Guasto")
    return reg


def layout(kiosk: bool = False, edited: bool = False) -> Layout:
    """The test layout; `edited` is the same file after a city removed "sotto" and added
    "nuovo" on the left."""
    changed = {"name": "probe", "id": "nuovo", "region": "left"}
    same = {"name": "probe", "id": "sotto", "region": "bottom"}
    return parse_layout(
        {
            "name": "prova", "title": "Prova", "mode": "radio-room", "kiosk": kiosk,
            "screens": [
                {"role": "uno", "title": "Uno", "window": "normal", "regions": {"right": 0.3},
                 "panels": [
                     {"name": "probe", "params": {"text": "centro"}},
                     {"name": "probe", "id": "destra", "region": "right"},
                     changed if edited else same,
                     {"name": "broken", "region": "left"},
                 ]},
                {"role": "due", "title": "Due",
                 "panels": [{"name": "probe", "id": "piegato"}]},
            ],
        },
        "prova.toml", {"probe", "broken"},
    )


@pytest.fixture
def status() -> StatusModel:
    model = StatusModel()
    model.operator = "m.rossi"
    model.set_connection("Collegato a 127.0.0.1", "ok")
    return model


@pytest.fixture
def shell(
    qtbot: QtBot, centrale_home: Path, registry: PanelRegistry, status: StatusModel
) -> Iterator[Shell]:
    built = Shell(layout(), registry, PanelContext(services={}, operator="m.rossi"), status)
    built.show()
    yield built
    built.close()


def docks(shell: Shell) -> dict[str, QDockWidget]:
    return {d.objectName(): d for w in shell.windows() for d in w.docks()}


def test_registry_turns_a_failing_factory_into_an_error_panel(
    qtbot: QtBot, registry: PanelRegistry
) -> None:
    panel = registry.create("broken", PanelContext(), {})
    qtbot.add_widget(panel)
    assert isinstance(panel, ErrorPanel)
    assert "Guasto" in panel.message
    assert "file di configurazione mancante" in panel.message
    missing = registry.create("mappa2", PanelContext(), {})
    qtbot.add_widget(missing)
    assert isinstance(missing, ErrorPanel)
    assert 'Pannello "mappa2" non disponibile' in missing.message


def test_registry_rejects_duplicates_and_bad_names(registry: PanelRegistry) -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register("probe", Probe, title="x")
    with pytest.raises(ValueError, match="use letters"):
        registry.register("a b", Probe, title="x")
    assert registry.names() == ["broken", "probe"]
    assert registry.title("probe") == "Sonda"
    assert "probe" in registry


def test_context_get_returns_none_for_missing_services() -> None:
    ctx = PanelContext(services={"journal": 1})
    assert ctx.get("journal") == 1
    assert ctx.get("alerts") is None


def test_panels_get_mode_and_params_and_failures_are_announced(
    shell: Shell, status: StatusModel
) -> None:
    centre = next(p for p in Probe.instances if p.params.get("text") == "centro")
    assert centre.ctx.mode == "radio-room"
    assert centre.ctx.operator == "m.rossi"
    assert not centre.ctx.kiosk
    notices = [n.text for n in status.notices]
    assert "Pannello Guasto non disponibile" in notices
    assert "Layout per 2 schermi su 1: pannelli riuniti" in notices
    assert set(docks(shell)) == {"destra", "sotto", "broken", "piegato"}


def test_status_strip_shows_connection_operator_training_notice(
    shell: Shell, status: StatusModel
) -> None:
    strip = shell.windows()[0].strip
    assert strip.connection.full_text() == "Collegato a 127.0.0.1"
    assert strip.operator.full_text() == "Operatore: m.rossi"
    assert strip.mode.text() == "Sala radio"
    assert strip.training.isHidden()
    status.training = True
    status.set_connection("Back-end non raggiungibile: nuovo tentativo tra 5 s", "error")
    status.announce("Pannello mappa non disponibile", "warn")
    assert not strip.training.isHidden()
    assert strip.training.text() == "ADDESTRAMENTO"
    assert "non raggiungibile" in strip.connection.full_text()
    assert "#e5484d" in strip.dot.styleSheet()
    assert strip.notice.full_text().endswith("Pannello mappa non disponibile")


def test_long_texts_never_widen_a_window_beyond_its_screen(
    qtbot: QtBot, status: StatusModel
) -> None:
    strip = StatusStrip(status, Clock())
    qtbot.add_widget(strip)
    status.operator = "mario.rossi.operatore.del.turno.di.notte"
    status.set_connection("Back-end non raggiungibile (https://centrale.comune.milano.it:8443): "
                          "nuovo tentativo tra 30 s", "error")
    long_notice = "Schermo scollegato: finestra «Comunicazioni interforze» spostata " * 4
    status.announce(long_notice.strip(), "warn")
    assert strip.minimumSizeHint().width() < 700
    strip.resize(900, 40)
    strip.show()
    qtbot.wait_exposed(strip)
    assert strip.notice.text().endswith("…"), "shortened on screen"
    assert strip.notice.full_text().endswith("spostata"), "kept whole for the tooltip"
    assert "Comunicazioni interforze" in strip.notice.toolTip()


def test_clock_ticks_every_second(qtbot: QtBot, status: StatusModel) -> None:
    clock = Clock()
    strip = StatusStrip(status, clock)
    qtbot.add_widget(strip)
    strip.clock.setText("--")
    with qtbot.wait_signal(clock.tick, timeout=2500):
        pass
    assert len(strip.clock.text()) == 8
    assert strip.clock.text().count(":") == 2
    clock.stop()


def test_kiosk_hides_the_operator_and_locks_the_panels(
    qtbot: QtBot, centrale_home: Path, registry: PanelRegistry, status: StatusModel
) -> None:
    kiosk = Shell(layout(kiosk=True), registry, PanelContext(operator="m.rossi"), status)
    kiosk.show()
    try:
        strip = kiosk.windows()[0].strip
        assert strip.operator.isHidden()
        assert not hasattr(strip, "menu_button")
        assert all(p.ctx.kiosk for p in Probe.instances)
        assert all(d.features() == QDockWidget.DockWidgetFeature.NoDockWidgetFeatures
                   for d in docks(kiosk).values())
    finally:
        kiosk.close()


def test_rearrangement_is_saved_and_restored(
    qtbot: QtBot, shell: Shell, registry: PanelRegistry, status: StatusModel
) -> None:
    docks(shell)["sotto"].close()
    path = shell.save_state()
    assert path.name == "prova.json"
    assert uistate.load("prova").windows(1)[0].docks
    shell.close()
    again = Shell(layout(), registry, PanelContext(), status)
    again.show()
    try:
        assert docks(again)["sotto"].isHidden(), "the operator closed it: it stays closed"
        assert not docks(again)["destra"].isHidden()
    finally:
        again.close()


def test_saved_arrangement_tolerates_removed_and_added_panels(
    qtbot: QtBot, shell: Shell, registry: PanelRegistry, status: StatusModel
) -> None:
    right = docks(shell)["destra"]
    right.setFloating(True)
    shell.save_state()
    shell.close()
    edited = Shell(layout(edited=True), registry, PanelContext(), status)
    edited.show()
    try:
        found = docks(edited)
        assert "sotto" not in found
        assert found["destra"].isFloating(), "the saved part of the arrangement still applies"
        new = found["nuovo"]
        window = edited.windows()[0]
        assert not new.isFloating()
        assert not new.isHidden()
        assert window.dockWidgetArea(new) == Qt.DockWidgetArea.LeftDockWidgetArea
    finally:
        edited.close()


def test_reset_goes_back_to_the_shipped_arrangement(qtbot: QtBot, shell: Shell) -> None:
    right = docks(shell)["destra"]
    right.setFloating(True)
    docks(shell)["sotto"].close()
    shell.save_state()
    shell.reset_layout()
    assert not right.isFloating()
    assert not docks(shell)["sotto"].isHidden()
    assert uistate.load("prova").arrangements == {}
    assert shell.windows()[0].strip.notice.full_text().endswith("ripristinata")


class OperatorClose(QCloseEvent):
    """A close event as the window system sends it (the operator's close button)."""

    def spontaneous(self) -> bool:
        return True


def test_operator_closing_a_window_asks_the_shell_instead_of_blanking_a_screen(
    qtbot: QtBot, shell: Shell
) -> None:
    window = shell.windows()[0]
    event = OperatorClose()
    with qtbot.wait_signal(shell.quit_requested, timeout=1000):
        window.closeEvent(event)
    assert not event.isAccepted()
    assert window.isVisible()


def test_unwired_close_asks_for_confirmation_then_quits(
    qtbot: QtBot, shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QApplication

    asked: list[bool] = []
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda: quits.append(True))
    monkeypatch.setattr(shell, "confirm_quit", lambda: asked.append(True) or False)
    shell.windows()[0].closeEvent(OperatorClose())
    assert asked == [True]
    assert quits == [], "the operator said no"
    monkeypatch.setattr(shell, "confirm_quit", lambda: True)
    shell.request_quit()
    assert quits == [True]


def test_application_quit_is_never_blocked_by_the_shell_windows(
    qtbot: QtBot, shell: Shell
) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.closeAllWindows()
    assert not any(w.isVisible() for w in shell.windows())


def test_close_shuts_panels_down_and_saves(
    qtbot: QtBot, centrale_home: Path, registry: PanelRegistry, status: StatusModel
) -> None:
    built = Shell(layout(), registry, PanelContext(), status)
    built.show()
    windows = built.windows()
    built.close()
    assert [p.stopped for p in Probe.instances] == [1] * len(Probe.instances)
    assert len(Probe.instances) == 4
    assert not any(w.isVisible() for w in windows)
    assert built.windows() == []
    assert uistate.uistate_path("prova").is_file()


def test_screenshot_names_files_after_layout_and_screen(shell: Shell, tmp_path: Path) -> None:
    paths = shell.screenshot(tmp_path / "out")
    assert len(paths) == 1
    assert paths[0].name.startswith("prova-")
    assert paths[0].stat().st_size > 1000


def test_status_model_emits_only_on_real_changes(qtbot: QtBot) -> None:
    model = StatusModel()
    seen: list[int] = []
    model.changed.connect(lambda: seen.append(1))
    model.operator = "a"
    model.operator = "a"
    model.set_connection("x", "ok")
    model.set_connection("x", "ok")
    model.training = True
    model.training = True
    assert len(seen) == 3
    with pytest.raises(ValueError, match="connection level"):
        model.set_connection("x", "bad")  # type: ignore[arg-type]
    for n in range(MAX_NOTICES + 5):
        model.announce(f"avviso {n}")
    assert len(model.notices) == MAX_NOTICES
    assert model.latest_notice is not None
    assert model.latest_notice.text == f"avviso {MAX_NOTICES + 4}"


def test_touch_layout_enlarges_text_for_the_whole_application(
    qtbot: QtBot, centrale_home: Path, registry: PanelRegistry, status: StatusModel
) -> None:
    from PySide6.QtWidgets import QApplication

    from widgets.common import theme
    from widgets.common.style import apply_style

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    table = parse_layout(
        {"name": "tactical-table", "title": "Tavolo tattico", "mode": "tactical-table",
         "touch": True,
         "screens": [{"role": "tavolo", "window": "fullscreen", "panels": [{"name": "probe"}]}]},
        "tactical-table.toml", {"probe"},
    )
    built = Shell(table, registry, PanelContext(), status)
    try:
        assert app.font().pointSize() > theme.FONT_SIZE_PT
        assert Probe.instances[-1].ctx.touch
        assert f"font-size: {theme.FONT_SIZE_PT + 3}pt" in app.styleSheet()
    finally:
        built.close()
        apply_style(app)
        app.setStyleSheet("")
