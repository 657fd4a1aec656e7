"""The channel list: broadcast, agencies (presence dot), incidents and direct channels, each with
its unread count and @mention marker.

Signals:
    channel_chosen(str channel_id)
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from console.api import contract
from console.chat.store import ChatStore
from console.i18n import tr
from widgets.common import theme

PRESENCE_COLOUR = {"online": theme.OK, "away": theme.WARNING, "offline": "#5b6670"}
SECTIONS = {
    contract.ChannelKind.BROADCAST: "Tutte le sale",
    contract.ChannelKind.AGENCY: "Sale e agenzie",
    contract.ChannelKind.INCIDENT: "Canali evento",
    contract.ChannelKind.DIRECT: "Diretti",
}
ID_ROLE = int(Qt.ItemDataRole.UserRole)
BADGE_ROLE = ID_ROLE + 1  # (unread, mentions)


class BadgeDelegate(QStyledItemDelegate):
    """Draws the unread count (blue) and the mentions (amber, @n) as badges at the right edge,
    so a long channel name is elided before the counts are."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        unread, mentioned = index.data(BADGE_ROLE) or (0, 0)
        badges = [(f"@{mentioned}", theme.WARNING, "#111111")] if mentioned else []
        if unread:
            badges.append((str(unread), theme.ACCENT, "#ffffff"))
        if not badges:
            super().paint(painter, option, index)
            return
        font = QFont(option.font)
        font.setBold(True)
        metrics = QFontMetrics(font)
        widths = [metrics.horizontalAdvance(text) + 16 for text, _bg, _fg in badges]
        rect: QRect = option.rect
        narrowed = QStyleOptionViewItem(option)
        narrowed.rect = rect.adjusted(0, 0, -sum(widths) - 6 * len(widths), 0)
        super().paint(painter, narrowed, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        right = rect.right() - 2
        for (text, bg, fg), width in zip(reversed(badges), reversed(widths), strict=True):
            badge = QRect(right - width, rect.top() + 3, width, rect.height() - 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(bg))
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.setPen(QColor(fg))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            right -= width + 6
        painter.restore()


def presence_label(status: str | None) -> str:
    return {"online": tr("in linea"), "away": tr("assente"), "offline": tr("non in linea")}.get(
        status or "", tr("presenza sconosciuta")
    )


def presence_text(p: contract.Presence) -> str:
    """The header's words: ● in linea, or ● assente — ultimo contatto 10:42 (local time).

    Away: the operator's last input (when the status began); offline: the console's last word.
    """
    text = "● " + presence_label(p.status.value)
    if p.status == contract.PresenceStatus.ONLINE:
        return text
    moment = (p.since or p.at) if p.status == contract.PresenceStatus.AWAY else p.at
    return text + " — " + tr("ultimo contatto {t}", t=moment.astimezone().strftime("%H:%M"))


def _dot(colour: str | None) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(Qt.GlobalColor.transparent)
    if colour:
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(QColor(colour))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(2, 2, 10, 10)
        p.end()
    return QIcon(pix)


class ChannelList(QListWidget):
    channel_chosen = Signal(str)

    def __init__(self, store: ChatStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("chatChannels")
        self.setUniformItemSizes(False)
        self.setMinimumWidth(200)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)  # the tooltip has the full name
        self.setItemDelegate(BadgeDelegate(self))
        self._dots = {k: _dot(v) for k, v in PRESENCE_COLOUR.items()}
        self._no_dot = _dot(None)
        self.currentItemChanged.connect(self._on_current)
        store.channels_changed.connect(self._on_channels_changed)
        self._on_channels_changed()

    def current_channel(self) -> str | None:
        item = self.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def select(self, channel_id: str) -> bool:
        for row in range(self.count()):
            item = self.item(row)
            if item.data(ID_ROLE) == channel_id:
                self.setCurrentItem(item)
                return True
        return False

    def _reselect(self, channel_id: str) -> None:
        """After a refresh: the same channel highlighted, and nobody told it changed."""
        self.blockSignals(True)
        try:
            self.select(channel_id)
        finally:
            self.blockSignals(False)

    def _on_channels_changed(self) -> None:
        current = self.current_channel()
        self.blockSignals(True)
        self.clear()
        section = None
        for channel in self.store.channels():
            if channel.kind != section:
                section = channel.kind
                head = QListWidgetItem(tr(SECTIONS.get(channel.kind, channel.kind.value)).upper())
                head.setFlags(Qt.ItemFlag.NoItemFlags)
                font = head.font()
                font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
                font.setBold(True)
                head.setFont(font)
                head.setForeground(QColor(theme.TEXT_MUTED))
                self.addItem(head)
            self.addItem(self._item(channel))
        self.blockSignals(False)
        if current is not None:
            self._reselect(current)

    def _item(self, channel: contract.Channel) -> QListWidgetItem:
        state = self.store.state_of(channel.id)
        unread = state.unread if state else 0
        mentioned = state.mentions if state else 0
        item = QListWidgetItem(channel.name)
        item.setData(ID_ROLE, channel.id)
        item.setData(BADGE_ROLE, (unread, mentioned))
        held = self.store.channel_presence_item(channel)
        item.setIcon(self._dots.get(held.status.value if held else "", self._no_dot))
        tip = channel.name
        if held is not None:
            tip += " — " + presence_text(held).removeprefix("● ")
        if unread:
            tip += " — " + tr("{n} da leggere", n=unread)
        item.setToolTip(tip)
        if unread or mentioned:
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
        if mentioned:
            item.setForeground(QColor(theme.WARNING))
        return item

    def _on_current(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None and current.data(ID_ROLE):
            self.channel_chosen.emit(current.data(ID_ROLE))
