"""Marker symbols pre-rendered once into an atlas, stamped with QPainter.drawPixmapFragments.

Drawing 50,000 markers as vector shapes every frame is far too slow in Python; stamping cached
pixmaps from numpy-filled fragment arrays is what a hand-written QPainter loop in C++ would do,
and it is the same primitive the benchmark's raw reference uses. A fragment is 10 doubles:
x, y (centre, device px), source left/top/width/height, scale x/y, rotation (deg), opacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from widgets.common import theme


def css_colour(text: str) -> QColor:
    """'#rrggbb' or CSS-style '#rrggbbaa' (as in pack manifests); Qt itself reads 8 hex digits
    as #aarrggbb, which would turn a translucent fill into an opaque one."""
    text = text.strip()
    if len(text) == 9 and text.startswith("#"):
        colour = QColor(text[:7])
        colour.setAlpha(int(text[7:], 16))
        return colour
    return QColor(text)


SHAPES = (
    "circle",
    "square",
    "triangle",
    "diamond",
    "cross",
    "arrow",
    "camera",
    "incident",
    "cluster",
)
FRAGMENT_FIELDS = 10


@dataclass(frozen=True)
class SpriteKey:
    shape: str
    colour: str
    size: int  # logical px (diameter)
    label: str = ""  # short text inside (priority number)
    rotation: float = 0.0  # degrees clockwise: headings are pre-rendered, never rotated live


def shape_path(shape: str, size: float) -> QPainterPath:
    """Outline of a symbol centred at (0, 0); arrows point north (up)."""
    r = size / 2.0
    path = QPainterPath()
    if shape == "square":
        path.addRect(QRectF(-r * 0.85, -r * 0.85, r * 1.7, r * 1.7))
    elif shape == "triangle":
        path.addPolygon(QPolygonF([QPointF(0, -r), QPointF(r, r * 0.8), QPointF(-r, r * 0.8)]))
        path.closeSubpath()
    elif shape == "diamond":
        path.addPolygon(QPolygonF([QPointF(0, -r), QPointF(r, 0), QPointF(0, r), QPointF(-r, 0)]))
        path.closeSubpath()
    elif shape == "cross":
        w = r * 0.38
        for rect in (QRectF(-w, -r, 2 * w, 2 * r), QRectF(-r, -w, 2 * r, 2 * w)):
            path.addRect(rect)
        path = path.simplified()
    elif shape == "arrow":
        path.addPolygon(
            QPolygonF(
                [
                    QPointF(0, -r),
                    QPointF(r * 0.8, r * 0.85),
                    QPointF(0, r * 0.4),
                    QPointF(-r * 0.8, r * 0.85),
                ]
            )
        )
        path.closeSubpath()
    elif shape == "incident":
        path.addPolygon(QPolygonF([QPointF(0, -r), QPointF(r, r * 0.85), QPointF(-r, r * 0.85)]))
        path.closeSubpath()
    else:  # circle, camera
        path.addEllipse(QPointF(0, 0), r, r)
    return path


def _paint_sprite(painter: QPainter, key: SpriteKey, centre: QPointF) -> None:
    painter.save()
    painter.translate(centre)
    painter.rotate(key.rotation)
    fill = css_colour(key.colour)
    outline = QColor(theme.BACKGROUND)
    painter.setPen(QPen(outline, 2.0 if key.shape == "cluster" else 1.6 if key.size >= 12 else 1.2))
    painter.setBrush(QBrush(fill))
    if key.shape == "cross":
        painter.setPen(QPen(QColor("#ffffff"), 1.2))
    painter.drawPath(shape_path(key.shape, key.size))
    if key.shape == "camera":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(theme.BACKGROUND)))
        painter.drawEllipse(QPointF(0, 0), key.size * 0.2, key.size * 0.2)
    if key.shape == "cluster":
        text = QColor(theme.BACKGROUND) if fill.lightness() > 120 else QColor(theme.TEXT)
        painter.setPen(QPen(text))
        font = painter.font()
        font.setPixelSize(max(10, int(key.size * 0.42)))
        font.setBold(True)
        painter.setFont(font)
        box = QRectF(-key.size / 2, -key.size / 2, key.size, key.size)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), key.label)
    elif key.label:
        painter.setPen(
            QPen(
                QColor(
                    theme.PRIORITY_TEXT.get(int(key.label), "#111111")
                    if key.label.isdigit()
                    else "#111111"
                )
            )
        )
        font = painter.font()
        font.setPixelSize(max(8, int(key.size * 0.5)))
        font.setBold(True)
        painter.setFont(font)
        box = QRectF(-key.size / 2, -key.size / 2 + key.size * 0.12, key.size, key.size)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), key.label)
    painter.restore()


class Atlas:
    """One pixmap holding every sprite a layer needs; sprites are addressed by index."""

    def __init__(self, keys: list[SpriteKey], dpr: float = 1.0, max_width: int = 4096) -> None:
        self.keys = list(keys)
        cell = [math.ceil(k.size * 1.2) + 4 for k in self.keys] or [1]
        # Lay sprites out in rows no wider than max_width (a pixmap has size limits).
        places: list[tuple[int, int]] = []
        left = top = row_h = width = 0
        for size in cell:
            if left + size > max_width and left:
                top += row_h
                left = row_h = 0
            places.append((left, top))
            left += size
            row_h = max(row_h, size)
            width = max(width, left)
        height = top + row_h
        image = QImage(
            int(width * dpr), int(height * dpr), QImage.Format.Format_ARGB32_Premultiplied
        )
        image.setDevicePixelRatio(dpr)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rects = np.zeros((len(self.keys), 4))
        for i, (key, size, (x, y)) in enumerate(zip(self.keys, cell, places, strict=False)):
            _paint_sprite(painter, key, QPointF(x + size / 2, y + size / 2))
            rects[i] = (x * dpr, y * dpr, size * dpr, size * dpr)
        painter.end()
        self.pixmap = QPixmap.fromImage(image)
        self.source_rects = rects  # in pixmap pixels
        self.dpr = dpr


class FragmentBuffer:
    """A reusable numpy array that QPainter reads as a C array of PixmapFragment."""

    def __init__(self) -> None:
        self._array = np.zeros((0, FRAGMENT_FIELDS))

    def ensure(self, n: int) -> npt.NDArray[np.float64]:
        """The first n rows, growing the buffer if needed (contents undefined)."""
        if len(self._array) < n:
            self._array = np.zeros((max(n, 2 * len(self._array)), FRAGMENT_FIELDS))
        return self._array[:n]

    def fill(
        self,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        sprite: npt.NDArray[np.intp],
        atlas: Atlas,
        rotation: npt.NDArray[np.float64] | None = None,
        opacity: float = 1.0,
    ) -> npt.NDArray[np.float64]:
        frags = self.ensure(len(x))
        frags[:, 0] = x
        frags[:, 1] = y
        frags[:, 2:6] = atlas.source_rects[sprite]
        frags[:, 6] = 1.0 / atlas.dpr
        frags[:, 7] = 1.0 / atlas.dpr
        frags[:, 8] = 0.0 if rotation is None else rotation
        frags[:, 9] = opacity
        return frags

    def draw(self, painter: QPainter, n: int, atlas: Atlas) -> None:
        stamp(painter, self._array, n, atlas)


def stamp(painter: QPainter, frags: npt.NDArray[np.float64], n: int, atlas: Atlas) -> None:
    """Draw the first n rows of a C-contiguous (m, 10) float64 fragment array in one call."""
    if n <= 0:
        return
    if not frags.flags.c_contiguous or frags.shape[1] != FRAGMENT_FIELDS:
        raise ValueError("fragments must be a C-contiguous (n, 10) float64 array")
    first = cast(
        QPainter.PixmapFragment, shiboken6.wrapInstance(frags.ctypes.data, QPainter.PixmapFragment)
    )
    painter.drawPixmapFragments(first, n, atlas.pixmap)
