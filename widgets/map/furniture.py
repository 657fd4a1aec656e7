"""Map furniture painted over the map in screen pixels: scale bar, north arrow, attribution.

Painted every frame, so each piece is a pixmap rendered once (antialiased text with a halo is the
expensive part: ~0.7 ms a frame drawn live) and only stamped afterwards. The scale bar's length
changes with every zoom step, so its bar and ticks are plain rectangles and only its label is a
cached pixmap.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap, QPolygonF

from widgets.common import theme

SCALE_STEPS = [1, 2, 5]
PANEL = QColor(21, 25, 30, 190)


def scale_bar_length(metres_per_px: float, target_px: float = 140) -> tuple[float, str]:
    """A round ground length (1, 2 or 5 x 10^n m) no longer than `target_px`, and its label."""
    target = target_px * metres_per_px
    mag = 10 ** math.floor(math.log10(target))
    length = max(s * mag for s in SCALE_STEPS if s * mag <= target) if target >= mag else mag
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    return length, label


class Furniture:
    """Draws the furniture with `draw(painter, viewport_rect, ...)`; keeps its pixmaps."""

    def __init__(self) -> None:
        self.font_scale = 1.0
        # Where the last frame put the furniture (viewport px): labels keep out of it.
        self.occupied: list[QRectF] = []
        self._pixmaps: dict[tuple[object, ...], tuple[QPixmap, QPointF]] = {}

    def _font(self, point_size: float) -> QFont:
        font = QFont(theme.FONT_FAMILY)
        font.setPointSizeF(point_size)
        return font

    def _cached(
        self,
        key: tuple[object, ...],
        ratio: float,
        width: float,
        height: float,
        origin: QPointF,
        render: Callable[[QPainter], None],
    ) -> tuple[QPixmap, QPointF]:
        """A transparent pixmap of `width` x `height` logical px; `render(painter)` draws into it
        with `origin` at its top-left. Returns it with that origin (where to put it)."""
        full = (*key, ratio)
        hit = self._pixmaps.get(full)
        if hit is not None:
            return hit
        if len(self._pixmaps) > 256:
            self._pixmaps.clear()
        pixmap = QPixmap(max(1, math.ceil(width * ratio)), max(1, math.ceil(height * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(-origin)
        render(painter)
        painter.end()
        self._pixmaps[full] = (pixmap, origin)
        return pixmap, origin

    def _halo_text(self, text: str, point_size: float, ratio: float) -> tuple[QPixmap, QPointF]:
        """`text` with a dark halo; origin is relative to the text's baseline start."""
        hit = self._pixmaps.get(("text", text, point_size, ratio))
        if hit is not None:
            return hit
        font = self._font(point_size)
        metrics = QFontMetricsF(font)
        origin = QPointF(-3, -metrics.ascent() - 3)

        def render(painter: QPainter) -> None:
            painter.setFont(font)
            painter.setPen(QPen(QColor(theme.BACKGROUND), 3))
            for ox, oy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                painter.drawText(QPointF(ox, oy), text)
            painter.setPen(QColor(theme.TEXT))
            painter.drawText(QPointF(0, 0), text)

        return self._cached(
            ("text", text, point_size),
            ratio,
            metrics.horizontalAdvance(text) + 6,
            metrics.height() + 6,
            origin,
            render,
        )

    def draw(
        self,
        painter: QPainter,
        viewport: QRectF,
        metres_per_px: float,
        attributions: list[str],
        ratio: float,
    ) -> None:
        self.occupied = []
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self.draw_scale_bar(
            painter, viewport.left() + 16, viewport.bottom() - 40, metres_per_px, ratio
        )
        self.draw_north_arrow(painter, viewport.right() - 40, viewport.top() + 20, ratio)
        self.draw_attribution(
            painter,
            viewport.right() - 8,
            viewport.bottom() - 6,
            viewport.width(),
            attributions,
            ratio,
        )

    def draw_scale_bar(
        self, painter: QPainter, left: float, base: float, metres_per_px: float, ratio: float
    ) -> None:
        if metres_per_px <= 0 or not math.isfinite(metres_per_px):
            return
        length, label = scale_bar_length(metres_per_px)
        px = round(length / metres_per_px)
        left, base = round(left), round(base)
        box = QRectF(left - 8, base - 30, px + 16, 38)
        self.occupied.append(box)
        painter.fillRect(box, PANEL)
        # Bar and end ticks as filled rectangles: a dark halo, then the light line.
        for colour, half in ((QColor(theme.BACKGROUND), 2.5), (QColor(theme.TEXT), 1.0)):
            painter.fillRect(QRectF(left - half, base - half, px + 2 * half, 2 * half), colour)
            for x in (left, left + px):
                painter.fillRect(QRectF(x - half, base - 6 - half, 2 * half, 7 + 2 * half), colour)
        pixmap, origin = self._halo_text(label, theme.FONT_SIZE_PT * self.font_scale, ratio)
        painter.drawPixmap(QPointF(left, base - 10) + origin, pixmap)

    def draw_north_arrow(self, painter: QPainter, x: float, top: float, ratio: float) -> None:
        point_size = theme.FONT_SIZE_PT * self.font_scale
        label, label_origin = self._halo_text("N", point_size, ratio)

        def render(p: QPainter) -> None:
            p.setPen(QPen(QColor(theme.BACKGROUND), 1.5))
            p.setBrush(QColor(theme.TEXT))
            p.drawPolygon(
                QPolygonF([QPointF(0, 0), QPointF(9, 26), QPointF(0, 20), QPointF(-9, 26)])
            )
            p.drawPixmap(QPointF(-5, 44) + label_origin, label)

        pixmap, origin = self._cached(
            ("north", point_size), ratio, 40, 64, QPointF(-20, -4), render
        )
        at = QPointF(round(x), round(top)) + origin
        self.occupied.append(QRectF(at, pixmap.deviceIndependentSize()))
        painter.drawPixmap(at, pixmap)

    def draw_attribution(
        self,
        painter: QPainter,
        right: float,
        base: float,
        view_width: float,
        attributions: list[str],
        ratio: float,
    ) -> None:
        if not attributions:
            return
        point_size = max(9.0, theme.FONT_SIZE_PT * self.font_scale - 2)
        limit = max(200, int(view_width * 0.75))
        key = ("attribution", tuple(attributions), limit, point_size, ratio)
        hit = self._pixmaps.get(key)
        if hit is None:  # lay the lines out only when something changed
            hit = self._attribution(attributions, point_size, limit, ratio)
            self._pixmaps[key] = hit
        pixmap, size = hit
        at = QPointF(round(right) - size.x(), round(base) - size.y() + 2)
        self.occupied.append(QRectF(at, pixmap.deviceIndependentSize()))
        painter.drawPixmap(at, pixmap)

    def _attribution(
        self, attributions: list[str], point_size: float, limit: int, ratio: float
    ) -> tuple[QPixmap, QPointF]:
        """The attribution box as a pixmap, with its logical size (as a point)."""
        font = self._font(point_size)
        metrics = QFontMetricsF(font)
        lines: list[str] = []
        for text in attributions:
            if lines and metrics.horizontalAdvance(lines[-1] + " · " + text) + 12 <= limit:
                lines[-1] += " · " + text
            else:
                lines.append(text)
        line_h = math.ceil(metrics.height()) + 2
        width = math.ceil(max(metrics.horizontalAdvance(line) for line in lines)) + 12
        height = line_h * len(lines) + 4

        def render(p: QPainter) -> None:
            p.fillRect(QRectF(0, 0, width, height), QColor(21, 25, 30, 210))
            p.setFont(font)
            p.setPen(QColor(theme.TEXT_MUTED))
            for i, line in enumerate(lines):
                row = QRectF(6, 2 + i * line_h, width - 12, line_h)
                p.drawText(
                    row, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), line
                )

        pixmap, _ = self._cached(
            ("attribution-box", tuple(lines), point_size),
            ratio,
            width,
            height,
            QPointF(0, 0),
            render,
        )
        return pixmap, QPointF(width, height)
