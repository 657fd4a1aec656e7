"""What is written on a tile: name, clock, PTZ badge, stream info, state, alarm, selection.

Text sits on translucent bands so it stays legible over any picture; sizes follow the theme's
minimum body size so a 4x4 wall is still readable after twelve hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen

from console.cameras.tile_state import TileState
from console.i18n import tr
from widgets.common import theme

if TYPE_CHECKING:
    from widgets.video.tile import VideoTile

_PAD = 6


def _band(painter: QPainter, rect: QRect, alpha: int = 210) -> None:
    painter.fillRect(rect, theme.qcolor(theme.BACKGROUND, alpha))


def paint_overlays(tile: VideoTile, painter: QPainter) -> None:
    from widgets.video.tile import local_time, overlay_font

    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    w, h = tile.width(), tile.height()
    body = overlay_font(theme.FONT_SIZE_PT)
    painter.setFont(body)
    fm = QFontMetrics(body)
    line = fm.height() + _PAD
    camera = tile.camera()

    if camera is None:
        painter.setPen(QColor(theme.TEXT_MUTED))
        painter.drawText(
            QRect(0, 0, w, h),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            tr("Riquadro {n} libero\nTrascina qui una telecamera", n=tile.index + 1),
        )
    else:
        # Top band: camera name left, PTZ badge, local time right.
        top = QRect(0, 0, w, line)
        _band(painter, top)
        clock = local_time() if w >= 360 else local_time()[-8:]
        clock_w = fm.horizontalAdvance(clock) + 2 * _PAD
        badge = "PTZ" if camera.ptz else ""
        badge_w = fm.horizontalAdvance(badge) + 2 * _PAD if badge else 0
        name_rect = QRect(_PAD, 0, max(0, w - clock_w - badge_w - 2 * _PAD), line)
        painter.setPen(QColor(theme.TEXT))
        name = fm.elidedText(camera.name, Qt.TextElideMode.ElideRight, name_rect.width())
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name
        )
        painter.setPen(QColor(theme.TEXT_MUTED))
        painter.drawText(
            QRect(w - clock_w, 0, clock_w - _PAD, line),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            clock,
        )
        if badge:
            rect = QRectF(w - clock_w - badge_w, 3, badge_w - 4, line - 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.ACCENT))
            painter.drawRoundedRect(rect, 3, 3)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge)

        status = tile.status_text()
        if tile.suspended:
            status = tr("In pausa: riquadro non visibile")
        if status:
            reason = tile.machine.reason
            if reason and tile.machine.state in (TileState.RECONNECTING, TileState.FAILED):
                status = f"{status}\n{reason}"
            big = overlay_font(theme.FONT_SIZE_PT + 1, bold=True)
            painter.setFont(big)
            area = QRect(_PAD, line, w - 2 * _PAD, h - 2 * line)
            bound = painter.boundingRect(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, status
            )
            _band(painter, bound.adjusted(-10, -6, 10, 6), 200)
            colour = theme.ERROR if tile.machine.state is TileState.FAILED else theme.WARNING
            if tile.machine.state is TileState.CONNECTING:
                colour = theme.TEXT
            painter.setPen(QColor(colour))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, status)
            painter.setFont(body)

        if tile.show_info:
            _paint_info(tile, painter, fm, line)

    _paint_badges(tile, painter, fm, line)

    if tile.alarm_text:
        pen = QPen(QColor(theme.PRIORITY[1]), 4)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(2, 2, w - 4, h - 4))
        banner = QRect(0, h - line, w, line)
        painter.fillRect(banner, QColor(theme.PRIORITY[1]))
        painter.setPen(QColor(theme.PRIORITY_TEXT[1]))
        text = fm.elidedText(tile.alarm_text, Qt.TextElideMode.ElideRight, w - 2 * _PAD)
        painter.drawText(banner.adjusted(_PAD, 0, -_PAD, 0), Qt.AlignmentFlag.AlignVCenter, text)
    elif tile.selected:
        painter.setPen(QPen(QColor(theme.ACCENT), 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(1.5, 1.5, w - 3, h - 3))
    else:
        painter.setPen(QPen(QColor(theme.BORDER), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(0.5, 0.5, w - 1, h - 1))


def _paint_badges(tile: VideoTile, painter: QPainter, fm: QFontMetrics, line: int) -> None:
    """Bottom-left chips: this tile takes alarm pop-ups; a tour runs here.

    Small and steady (no blinking): the operator must find the alarm tile at a glance, but it
    should not compete with a real alarm, which gets the red frame and banner.
    """
    chips: list[tuple[str, str, str]] = []  # text, border colour, text colour
    if tile.alarm_target:
        chips.append((tr("Riquadro allarmi"), theme.PRIORITY[1], theme.TEXT))
    if tile.tour_text:
        chips.append((tile.tour_text, theme.ACCENT, theme.TEXT))
    if not chips:
        return
    bottom = tile.height() - (line if tile.alarm_text else 0) - 4
    x = _PAD
    height = fm.height() + 4
    for text, border, colour in chips:
        room = tile.width() - x - _PAD
        if room < 40:
            break
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, room - 2 * _PAD)
        width = fm.horizontalAdvance(shown) + 2 * _PAD
        rect = QRectF(x, bottom - height, width, height)
        painter.setPen(QPen(QColor(border), 1.5))
        painter.setBrush(theme.qcolor(theme.BACKGROUND, 220))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor(colour))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, shown)
        x += width + _PAD


def _paint_info(tile: VideoTile, painter: QPainter, fm: QFontMetrics, line: int) -> None:
    backend = tile.backend()
    stats = backend.stats() if backend is not None else None
    lines = [tr("Lettore: {b}", b=tile.choice.backend)]
    if stats is not None:
        lines.append(tr("{fps:.1f} fps · {w}×{h}", fps=stats.fps, w=stats.width, h=stats.height))
        if stats.bitrate_kbps is not None:
            lines.append(tr("{kbps:.0f} kbit/s", kbps=stats.bitrate_kbps))
    lines.append(tr("Flusso: {kind}", kind=tr("principale") if tile._large else tr("secondario")))
    lines.append(tile.choice.reason)
    width = max(fm.horizontalAdvance(s) for s in lines) + 2 * _PAD
    rect = QRect(0, line, min(width, tile.width()), len(lines) * fm.height() + _PAD)
    _band(painter, rect, 200)
    painter.setPen(QColor(theme.TEXT))
    for i, text in enumerate(lines):
        painter.drawText(_PAD, line + fm.ascent() + i * fm.height() + _PAD // 2, text)
