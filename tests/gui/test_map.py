"""The map panel as an operator uses it: select, follow, search, area queries, touch, intents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QInputDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTapAndHoldGesture
from pytestqt.qtbot import QtBot

from console.api.contract import Event
from console.cameras.store import CameraStore
from console.geo.projection import haversine_m, point_to_lonlat, point_to_mercator
from console.intents import Intents
from console.units.store import UnitsStore
from widgets.map.panel import MapPanel

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC).isoformat()
DUOMO = (9.1919, 45.4641)
# Units: two available near the Duomo, one on scene a bit further, one available far away.
UNITS = [
    ("u1", "Alfa 1", "available", 9.1925, 45.4645),
    ("u2", "Alfa 2", "available", 9.1990, 45.4641),
    ("u3", "Bravo 3", "on_scene", 9.1930, 45.4660),
    ("u4", "Charlie 4", "available", 9.2600, 45.5200),
]


def _unit(uid: str, callsign: str, status: str, lon: float, lat: float) -> dict[str, Any]:
    return {
        "id": uid,
        "callsign": callsign,
        "agency": "PL",
        "kind": "car",
        "status": status,
        "status_since": NOW,
        "lon": lon,
        "lat": lat,
        "heading": 45.0,
    }


def _camera(cid: str, name: str, lon: float, lat: float) -> dict[str, Any]:
    return {
        "id": cid,
        "name": name,
        "lon": lon,
        "lat": lat,
        "heading": 90.0,
        "fov": 60,
        "streams": {"main_rtsp": "rtsp://127.0.0.1/x", "sub_rtsp": "rtsp://127.0.0.1/y"},
    }


class FakeAlerts(QObject):
    """Stands in for console.alerts.store.AlertStore (built in parallel): same two members."""

    alerts_changed = Signal()

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__()
        self.items = items

    def alerts(self) -> list[dict[str, Any]]:
        return self.items


@pytest.fixture
def services() -> dict[str, object]:
    units = UnitsStore()
    units.reset([_unit(*u) for u in UNITS])
    cameras = CameraStore()
    cameras.reset(
        [
            _camera("cam1", "Piazza Duomo Nord", 9.1915, 45.4652),
            _camera("cam2", "Corso Buenos Aires", 9.2140, 45.4800),
        ]
    )
    alerts = FakeAlerts(
        [
            {
                "id": "a1",
                "priority": 1,
                "title": "Esondazione Seveso",
                "type": "sensor.hydro",
                "state": "new",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[9.18, 45.50], [9.20, 45.50], [9.20, 45.51], [9.18, 45.50]]],
                },
            }
        ]
    )
    return {"units": units, "cameras": cameras, "alerts": alerts, "intents": Intents()}


@pytest.fixture
def panel(qtbot: QtBot, services: dict[str, object]) -> Iterator[MapPanel]:
    widget = MapPanel(services)
    qtbot.add_widget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.wait_exposed(widget)
    widget.canvas.set_view(*point_to_mercator(*DUOMO), 16.0)
    yield widget
    widget.shutdown()


def _painted(qtbot: QtBot, panel: MapPanel, layer: str) -> None:
    panel.canvas.viewport().repaint()
    qtbot.wait_until(lambda: len(panel.live.layers[layer].drawn_indices()) > 0, timeout=3000)


def _device(panel: MapPanel, lon: float, lat: float) -> QPoint:
    return panel.canvas.to_device(*point_to_mercator(lon, lat)).toPoint()


def test_click_selects_unit_shows_details_and_announces(
    qtbot: QtBot, panel: MapPanel, services: dict[str, Any]
) -> None:
    _painted(qtbot, panel, "unit")
    with qtbot.wait_signal(services["intents"].select, timeout=2000) as sig:
        QTest.mouseClick(
            panel.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_device(panel, 9.1925, 45.4645)
        )
    assert sig.args == ["unit", "u1"]
    assert panel.selected == ("unit", "u1")
    assert panel.details.title.text() == "Alfa 1"
    assert panel.side.currentWidget() is panel.details
    # A click on empty map clears the selection.
    QTest.mouseClick(panel.canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(40, 700))
    assert panel.selected == ("", "")


def test_camera_click_opens_camera(qtbot: QtBot, panel: MapPanel, services: dict[str, Any]) -> None:
    _painted(qtbot, panel, "camera")
    with qtbot.wait_signal(services["intents"].open_camera, timeout=2000) as sig:
        QTest.mouseClick(
            panel.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_device(panel, 9.1915, 45.4652)
        )
    assert sig.args == ["cam1", -1]


def test_circle_tool_lists_what_is_inside(qtbot: QtBot, panel: MapPanel) -> None:
    panel.controls.buttons["circle"].click()
    assert panel.tools.mode == "circle"
    viewport = panel.canvas.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_device(panel, *DUOMO))
    # Edge ~300 m east of the Duomo: u1, u3 and cam1 are inside; u2 (~560 m) is not.
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_device(panel, 9.1957, 45.4641))
    rows = panel.details.result_rows()
    text = " | ".join(rows)
    assert "Alfa 1" in text
    assert "Bravo 3" in text
    assert "Piazza Duomo Nord" in text
    assert "Alfa 2" not in text
    assert panel.details.results_title.text().startswith("3 elementi entro")


def test_polygon_query_and_nearest_available(qtbot: QtBot, panel: MapPanel) -> None:
    corners = [
        point_to_mercator(lon, lat)
        for lon, lat in [(9.19, 45.463), (9.20, 45.463), (9.20, 45.466), (9.19, 45.466)]
    ]
    rows = panel.query_polygon(corners)
    assert {r[1] for r in rows} == {"u1", "u2", "u3", "cam1"}
    nearest = panel.nearest(*point_to_mercator(*DUOMO), "unit", n=3)
    # Only available units, nearest first: the on-scene Bravo 3 is left out.
    assert [r[1] for r in nearest] == ["u1", "u2", "u4"]
    menu = panel.context_menu(*point_to_mercator(*DUOMO))
    assert "Unità disponibili più vicine" in [a.text() for a in menu.actions()]


def test_follow_keeps_unit_centred(qtbot: QtBot, panel: MapPanel, services: dict[str, Any]) -> None:
    panel.select("unit", "u2")
    panel.details.follow.click()
    assert panel.following == "u2"
    units: UnitsStore = services["units"]
    units.apply(
        [
            Event(
                id=10,
                event="unit.moved",
                data={
                    "id": "u2",
                    "lon": 9.2100,
                    "lat": 45.4700,
                    "heading": 10,
                    "speed_kmh": 40,
                    "ts": NOW,
                },
            )
        ]
    )

    def centred() -> bool:
        lon, lat = point_to_lonlat(*panel.canvas.center())
        return haversine_m(lon, lat, 9.2100, 45.4700) < 5

    qtbot.wait_until(centred, timeout=3000)
    # Dragging the map by hand stops following.
    QTest.keyClick(panel.canvas, Qt.Key.Key_Left)
    panel.canvas.vb.sigRangeChangedManually.emit([True, True])
    assert panel.following == ""


def test_search_units_places_and_enter(qtbot: QtBot, panel: MapPanel) -> None:
    panel.controls.search.setText("bravo")
    assert [e.ref for e in panel.controls.results][:1] == ["u3"]
    QTest.keyClick(panel.controls.search, Qt.Key.Key_Return)
    assert panel.selected == ("unit", "u3")
    panel.controls.search.setText("sesto san giov")
    assert panel.controls.results
    assert panel.controls.results[0].name == "Sesto San Giovanni"
    assert panel.controls.choose(0)
    lon, lat = point_to_lonlat(*panel.canvas.center())
    assert haversine_m(lon, lat, 9.23, 45.53) < 3000


def test_touch_pinch_zooms_in(qtbot: QtBot, services: dict[str, object]) -> None:
    widget = MapPanel(services, touch=True)
    qtbot.add_widget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.wait_exposed(widget)
    widget.canvas.viewport().repaint()
    qtbot.wait_until(lambda: all(t.idle() for t in widget.tile_layers), timeout=10_000)
    # On a loaded shared machine the process can stall past the 700 ms long-press timer between
    # two touch events, and the long press (context menu) would win over the pinch.
    hold_timeout = QTapAndHoldGesture.timeout()
    QTapAndHoldGesture.setTimeout(10_000)
    try:
        device = QTest.createTouchDevice(QInputDevice.DeviceType.TouchScreen)
        viewport = widget.canvas.viewport()
        before = widget.canvas.zoom()
        c = viewport.rect().center()
        QTest.touchEvent(viewport, device).press(0, c - QPoint(50, 0)).press(
            1, c + QPoint(50, 0)
        ).commit()
        for i in range(1, 11):
            QTest.touchEvent(viewport, device).move(0, c - QPoint(50 + 10 * i, 0)).move(
                1, c + QPoint(50 + 10 * i, 0)
            ).commit()
        QTest.touchEvent(viewport, device).release(0, c - QPoint(150, 0)).release(
            1, c + QPoint(150, 0)
        ).commit()
        qtbot.wait_until(lambda: widget.canvas.pinch_count > 0, timeout=2000)
        # Fingers three times further apart: about log2(3) = 1.6 levels closer.
        assert widget.canvas.zoom() - before == pytest.approx(1.58, abs=0.35)
        assert widget.controls.buttons["pan"].minimumHeight() >= 48
    finally:
        QTapAndHoldGesture.setTimeout(hold_timeout)
        widget.shutdown()


def test_keyboard_zoom_and_pan(qtbot: QtBot, panel: MapPanel) -> None:
    z = panel.canvas.zoom()
    QTest.keyClick(panel.canvas, Qt.Key.Key_Plus)
    assert panel.canvas.zoom() == pytest.approx(z + 1, abs=0.01)
    x, _ = panel.canvas.center()
    QTest.keyClick(panel.canvas, Qt.Key.Key_Right)
    assert panel.canvas.center()[0] > x


def test_intents_move_the_map(qtbot: QtBot, panel: MapPanel, services: dict[str, Any]) -> None:
    intents: Intents = services["intents"]
    intents.show_on_map.emit(9.2140, 45.4800, 14.0)
    lon, lat = point_to_lonlat(*panel.canvas.center())
    assert haversine_m(lon, lat, 9.2140, 45.4800) < 5
    assert panel.canvas.zoom() == pytest.approx(14.0, abs=0.01)
    intents.show_geometry.emit(
        {
            "type": "Polygon",
            "coordinates": [[[9.10, 45.40], [9.12, 45.40], [9.12, 45.42], [9.10, 45.40]]],
        }
    )
    lon, lat = point_to_lonlat(*panel.canvas.center())
    assert haversine_m(lon, lat, 9.11, 45.41) < 400
    intents.select.emit("camera", "cam2")
    assert panel.selected == ("camera", "cam2")
    intents.show_geometry.emit({"type": "Nonsense"})  # bad input: a message, no exception
    assert "non valida" in panel.status.text()


def test_alert_geometry_is_drawn_as_area(
    qtbot: QtBot, panel: MapPanel, services: dict[str, Any]
) -> None:
    assert any(a.id == "alert:a1" for a in panel.live.areas.areas())
    services["alerts"].items = []
    services["alerts"].alerts_changed.emit()
    assert not any(a.id.startswith("alert:") for a in panel.live.areas.areas())


def test_register_map_panel(qtbot: QtBot) -> None:
    from widgets.map import register
    from widgets.shell.context import PanelContext
    from widgets.shell.registry import PanelRegistry

    registry = PanelRegistry()
    register(registry)
    widget = registry.create("map", PanelContext(services={}, mode="tactical-table"), {})
    qtbot.add_widget(widget)
    assert isinstance(widget, MapPanel)
    assert widget.touch
    assert "Non collegati" in widget.status.text()
    widget.shutdown()


def test_long_press_opens_context_menu(qtbot: QtBot, panel: MapPanel) -> None:
    from PySide6.QtWidgets import QApplication

    device = QTest.createTouchDevice(QInputDevice.DeviceType.TouchScreen)
    viewport = panel.canvas.viewport()
    hold_timeout = QTapAndHoldGesture.timeout()
    QTapAndHoldGesture.setTimeout(150)
    try:
        at = _device(panel, *DUOMO)
        with qtbot.wait_signal(panel.canvas.context_requested, timeout=3000) as sig:
            QTest.touchEvent(viewport, device).press(0, at, viewport).commit()
        QTest.touchEvent(viewport, device).release(0, at, viewport).commit()
        lon, lat = point_to_lonlat(sig.args[0], sig.args[1])
        assert haversine_m(lon, lat, *DUOMO) < 30
        menu = QApplication.activePopupWidget()
        assert menu is not None
        menu.close()
    finally:
        QTapAndHoldGesture.setTimeout(hold_timeout)


def test_hover_shows_coordinates_and_tooltip(qtbot: QtBot, panel: MapPanel) -> None:
    from PySide6.QtWidgets import QToolTip

    _painted(qtbot, panel, "unit")
    QTest.mouseMove(panel.canvas.viewport(), _device(panel, 9.1925, 45.4645))
    qtbot.wait_until(lambda: "45.46" in panel.coords.text(), timeout=2000)
    assert "9.19" in panel.coords.text()
    qtbot.wait_until(lambda: "Alfa 1" in QToolTip.text(), timeout=2000)
    QToolTip.hideText()


def test_measure_tool_reports_ground_distance(qtbot: QtBot, panel: MapPanel) -> None:
    panel.controls.buttons["measure"].click()
    viewport = panel.canvas.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_device(panel, *DUOMO))
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_device(panel, 9.1983, 45.4641))
    # 0.0064° of longitude at 45.46° N is ~500 m on the ground (not 710 Mercator metres).
    metres = panel.tools.total_distance()
    assert metres == pytest.approx(500, abs=8)
    assert panel.status.text() == f"Distanza misurata: {metres:.0f} m"
    panel.controls.clear_requested.emit()
    assert not [a for a in panel.live.areas.areas() if a.id.startswith("tool")]
