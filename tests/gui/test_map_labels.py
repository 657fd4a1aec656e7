"""Labels: drawn once each, never over each other, never under the map furniture."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem
from pytestqt.qtbot import QtBot

from widgets.map.overlays import LabelLayer, LabelSet


def _render(layer: LabelLayer) -> QImage:
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("#000000"))
    painter = QPainter(image)
    # 1 Mercator metre = 1 px, origin at the image centre, y up (as in the map).
    painter.setTransform(QTransform(1, 0, 0, -1, 200, 150))
    layer.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return image


def _magenta_pixels(image: QImage, box: QRectF) -> int:
    return sum(
        1
        for x in range(int(box.left()), int(box.right()))
        for y in range(int(box.top()), int(box.bottom()))
        if (c := image.pixelColor(x, y)).red() > 180 and c.blue() > 180 and c.green() < 100
    )


def test_labels_skip_overlaps_and_keep_out_of_reserved_areas(qtbot: QtBot) -> None:
    layer = LabelLayer()
    # Two labels 4 px apart (the second would overlap the first) and one far to the right.
    layer.set_labels(
        LabelSet(
            "t",
            np.array([0.0, 4.0, 120.0]),
            np.array([0.0, 0.0, 0.0]),
            ["AAAA", "BBBB", "CCCC"],
            min_zoom=0.0,
            colour="#ff00ff",
        )
    )
    image = _render(layer)
    left, right = QRectF(150, 130, 100, 40), QRectF(290, 130, 80, 40)
    assert _magenta_pixels(image, left) > 20
    assert _magenta_pixels(image, right) > 20
    solo = LabelLayer()
    solo.set_labels(
        LabelSet("t", np.array([0.0]), np.array([0.0]), ["AAAA"], min_zoom=0.0, colour="#ff00ff")
    )
    # The overlapping "BBBB" was skipped: the left area looks exactly like "AAAA" alone.
    assert _magenta_pixels(image, left) == _magenta_pixels(_render(solo), left)
    # A reserved rectangle (e.g. the attribution box) keeps the right-hand label out.
    layer.reserved = lambda: [QRectF(280, 120, 120, 60)]
    image = _render(layer)
    assert _magenta_pixels(image, right) == 0
    assert _magenta_pixels(image, left) > 20
