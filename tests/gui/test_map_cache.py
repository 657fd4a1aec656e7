"""The static-layer cache: what does not move is drawn once into an image and re-used while the
map pans, yet it must always show the right thing in the right place, and stay selectable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from console.geo.projection import point_to_mercator
from widgets.map.markers import MarkerLayer
from widgets.map.panel import MapPanel
from widgets.map.symbols import SpriteKey
from widgets.map.view import device_view

DUOMO = (9.1919, 45.4641)
MAGENTA = "#ff00ff"


@pytest.fixture
def panel(qtbot: QtBot) -> Iterator[MapPanel]:
    widget = MapPanel({})
    qtbot.add_widget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.wait_exposed(widget)
    marker = MarkerLayer("poi", "Punti di prova", [SpriteKey("circle", MAGENTA, 18)])
    x, y = point_to_mercator(*DUOMO)
    marker.set_data([x], [y], 0, ids=["p1"])
    widget.add_marker_layer(marker, "Prova")
    widget.canvas.set_view(x, y, 16.0)
    widget.canvas.viewport().repaint()
    _settle(qtbot, widget)
    yield widget
    widget.shutdown()


def _settle(qtbot: QtBot, panel: MapPanel) -> None:
    """Base tiles for the view have arrived and been drawn (each arrival re-renders)."""

    def drawn_and_idle() -> bool:
        panel.canvas.viewport().repaint()  # asks for whatever tile is still missing
        return panel.static_layers.renders > 0 and all(t.idle() for t in panel.tile_layers)

    qtbot.wait_until(drawn_and_idle, timeout=10_000)


def _marker_at(panel: MapPanel) -> QPoint:
    return panel.canvas.to_device(*point_to_mercator(*DUOMO)).toPoint()


def _is_magenta(image: QImage, at: QPoint) -> bool:
    c = image.pixelColor(at)
    return c.red() > 200 and c.blue() > 200 and c.green() < 90


def test_pan_reuses_the_image_and_the_marker_moves_with_the_map(
    qtbot: QtBot, panel: MapPanel
) -> None:
    static = panel.static_layers
    viewport = panel.canvas.viewport()
    assert _is_magenta(viewport.grab().toImage(), _marker_at(panel))
    before = static.renders
    for _ in range(3):
        panel.canvas.pan_by(30, 20)
        viewport.repaint()
    assert static.renders == before  # 90 x 60 px: inside the margin, nothing re-rendered
    image = viewport.grab().toImage()
    at = _marker_at(panel)
    assert _is_magenta(image, at)
    assert not _is_magenta(image, at + QPoint(90, 60))  # not where it was
    # A jump beyond the margin renders again, and the marker is still where it belongs.
    panel.canvas.pan_by(600, 0)
    viewport.repaint()
    assert static.renders == before + 1


def test_scaled_image_while_zooming_then_exact_once_at_rest(qtbot: QtBot, panel: MapPanel) -> None:
    static = panel.static_layers
    viewport = panel.canvas.viewport()
    before = static.renders
    panel.canvas.zoom_by(0.1)  # a pinch step: drawn scaled from the image
    viewport.repaint()
    assert static.renders == before
    # At rest the image is rendered again at the exact scale: once, not in a loop.
    qtbot.wait_until(lambda: static.renders == before + 1, timeout=3000)
    qtbot.wait(2 * 150 + 100)
    assert static.renders == before + 1
    assert _is_magenta(viewport.grab().toImage(), _marker_at(panel))
    panel.canvas.zoom_by(1.0)  # a whole level: far beyond what may be scaled
    viewport.repaint()
    assert static.renders >= before + 2


def test_static_marker_is_selectable_after_a_pan(qtbot: QtBot, panel: MapPanel) -> None:
    panel.canvas.pan_by(45, -35)
    panel.canvas.viewport().repaint()
    QTest.mouseClick(panel.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_marker_at(panel))
    assert panel.selected == ("poi", "p1")
    assert panel.details.title.text() == "p1"


def test_hiding_a_cached_layer_removes_it(qtbot: QtBot, panel: MapPanel) -> None:
    viewport = panel.canvas.viewport()
    panel.set_layer_visible("poi", False)
    viewport.repaint()
    assert not _is_magenta(viewport.grab().toImage(), _marker_at(panel))
    panel.set_layer_visible("poi", True)
    viewport.repaint()
    assert _is_magenta(viewport.grab().toImage(), _marker_at(panel))


def test_uncached_mode_draws_the_same(qtbot: QtBot, panel: MapPanel) -> None:
    viewport = panel.canvas.viewport()
    cached = viewport.grab().toImage()
    panel.static_layers.enabled = False
    viewport.repaint()
    direct = viewport.grab().toImage()
    at = _marker_at(panel)
    assert _is_magenta(direct, at)
    # Same base map and marker, pixel for pixel, around the marker.
    for dx, dy in ((0, 0), (-30, 0), (0, 40), (25, -25), (200, 120)):
        p = at + QPoint(dx, dy)
        assert cached.pixelColor(p) == direct.pixelColor(p), (dx, dy)


def test_device_view_reads_logical_size_of_a_high_dpi_image() -> None:
    image = QImage(400, 200, QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(2.0)
    image.fill(QColor("#000000"))
    painter = QPainter(image)
    painter.setTransform(QTransform(0.5, 0, 0, -0.5, 10, 20))
    view = device_view(painter)
    painter.end()
    assert view is not None
    assert (view.width, view.height) == (200, 100)
    assert view.bounds() == pytest.approx((-20.0, -160.0, 380.0, 40.0))
