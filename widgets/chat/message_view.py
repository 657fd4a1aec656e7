"""The messages of one channel, oldest at the top, as plain text (markup is never rendered).

Each message shows the sender's desk, the time, its references (location pin, incident, alert,
snapshot, the message it corrects), and its state: "in attesa" while the outbox holds it, refused
with the server's words, or delivery/read ticks per desk once it is out. Flash messages stand out
and carry "Conferma ricezione" until this desk has acknowledged them.

Signals:
    action(str kind, object arg)  ack | retry | correct | map | incident | alert | snapshot |
                                  older  (arg: message id / key, (lon, lat), object id, None)
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.chat.model import FAILED, PENDING, ChatEntry
from console.chat.store import ChatStore
from console.i18n import tr
from widgets.common import theme

MAX_SHOWN = 300
STATUS_COLOUR = {FAILED: theme.ERROR, PENDING: theme.WARNING}
LINK_STYLE = (
    f"QPushButton {{ background: transparent; border: 1px solid {theme.BORDER};"
    f" color: {theme.ACCENT}; padding: 1px 8px; }}"
    f" QPushButton:hover {{ border-color: {theme.ACCENT}; }}"
)  # a channel keeps everything; the view shows the newest MAX_SHOWN


def agency_colour(desk: str) -> str:
    head = desk.split()[0].upper() if desk.split() else ""
    for key, colour in theme.AGENCY.items():
        if head.startswith(key):
            return colour
    if "QUESTURA" in desk.upper():
        return theme.AGENCY["PS"]
    if "COC" in desk.upper() or "PROTEZIONE" in desk.upper():
        return theme.AGENCY["PC"]
    return theme.ACCENT


def plain_label(text: str, style: str = "") -> QLabel:
    """A label that can never render markup: what arrives is what the operator reads."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    if style:
        label.setStyleSheet(style)
    return label


class MessageBubble(QFrame):
    def __init__(
        self,
        view: MessageView,
        entry: ChatEntry,
        ticks: dict[str, str],
        acks: list[str],
        mine: bool,
        acked_by_me: bool,
    ) -> None:
        super().__init__()
        self.entry = entry
        m = entry.message
        self.setObjectName("chatMessage")
        border = (
            theme.PRIORITY[1]
            if m.flash
            else (theme.ERROR if entry.state == FAILED else theme.BORDER)
        )
        bg = (
            "#3a1d20"
            if m.flash and not acked_by_me and not mine
            else (theme.SURFACE_RAISED if mine else theme.SURFACE)
        )
        style = "dashed" if entry.state == PENDING else "solid"
        if entry.state == PENDING:
            border = theme.WARNING
        self.setStyleSheet(
            f"QFrame#chatMessage {{ background: {bg}; border: 1px {style} {border};"
            f" border-left: 4px solid {border if m.flash else agency_colour(m.desk)};"
            f" border-radius: 4px; }} QLabel {{ background: transparent; }}"
        )
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 10, 6)
        box.setSpacing(3)

        head = QHBoxLayout()
        desk = plain_label(
            m.desk or m.sender, f"color: {agency_colour(m.desk)}; font-weight: bold;"
        )
        desk.setWordWrap(False)
        head.addWidget(desk)
        if m.flash:
            tag = plain_label(
                "FLASH",
                f"background: {theme.PRIORITY[1]}; color: #ffffff;"
                " font-weight: bold; padding: 0 6px; border-radius: 2px;",
            )
            tag.setWordWrap(False)
            head.addWidget(tag)
        head.addStretch(1)
        when = m.sent_at.astimezone().strftime("%H:%M:%S")
        head.addWidget(plain_label(when, f"color: {theme.TEXT_MUTED};"))
        box.addLayout(head)

        if m.ref:
            quoted = view.store.get(m.ref)
            snippet = quoted.message.text[:80] if quoted else m.ref
            box.addWidget(
                plain_label(
                    tr("↪ Correzione di {id}: «{t}»", id=m.ref, t=snippet),
                    f"color: {theme.TEXT_MUTED}; font-style: italic;",
                )
            )
        self.text = plain_label(m.text, "font-size: 12pt;" if m.flash else "")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setObjectName("chatText")
        box.addWidget(self.text)

        refs = QHBoxLayout()
        refs.setSpacing(6)
        if m.lon is not None and m.lat is not None:
            refs.addWidget(
                view.button(
                    tr("Posizione sulla mappa {lat:.4f}, {lon:.4f}", lat=m.lat, lon=m.lon),
                    "map",
                    (m.lon, m.lat),
                )
            )
        if m.incident_id:
            refs.addWidget(
                view.button(tr("Evento {id}", id=m.incident_id), "incident", m.incident_id)
            )
        if m.alert_id:
            refs.addWidget(view.button(tr("Allarme {id}", id=m.alert_id), "alert", m.alert_id))
        if m.attachment:
            refs.addWidget(view.button(tr("Istantanea"), "snapshot", m.attachment))
        if refs.count():
            refs.addStretch(1)
            box.addLayout(refs)

        foot = QHBoxLayout()
        foot.setSpacing(8)
        self.status = plain_label(
            self._status_text(entry, ticks, acks, mine),
            f"color: {STATUS_COLOUR.get(entry.state, theme.TEXT_MUTED)};",
        )
        self.status.setObjectName("chatStatus")
        self.status.setVisible(bool(self.status.text()))
        foot.addWidget(self.status, 1)
        if entry.state == FAILED:
            foot.addWidget(view.button(tr("Riprova"), "retry", entry.key))
        if m.flash and not mine and entry.state not in (PENDING, FAILED) and not acked_by_me:
            ack = view.button(tr("Conferma ricezione"), "ack", m.id)
            ack.setObjectName("chatAck")
            ack.setStyleSheet(
                f"background: {theme.PRIORITY[1]}; color: #ffffff;"
                " font-weight: bold; padding: 4px 12px;"
            )
            foot.addWidget(ack)
        if mine and entry.state not in (PENDING, FAILED):
            fix = view.button(tr("Correggi"), "correct", m.id)
            fix.setStyleSheet(LINK_STYLE)
            foot.addWidget(fix)
        if foot.count() > 1 or self.status.text():
            box.addLayout(foot)
        else:
            self.status.setParent(self)

    @staticmethod
    def _status_text(entry: ChatEntry, ticks: dict[str, str], acks: list[str], mine: bool) -> str:
        if entry.state == PENDING:
            return tr("In attesa: verrà inviato appena la centrale risponde")
        if entry.state == FAILED:
            return tr("✖ Non inviato: {d}", d=entry.error)
        parts = []
        if entry.message.flash:
            parts.append(
                tr("Confermato da: {d}", d=", ".join(acks))
                if acks
                else tr("Nessuna conferma di ricezione")
            )
        if mine:
            read = sorted(d for d, k in ticks.items() if k == "read")
            delivered = sorted(d for d, k in ticks.items() if k == "delivered")
            if read:
                parts.append("✓✓ " + tr("letto da {d}", d=", ".join(read)))
            if delivered:
                parts.append("✓ " + tr("consegnato a {d}", d=", ".join(delivered)))
            if not read and not delivered:
                parts.append("✓ " + tr("alla centrale"))
        return "  ·  ".join(parts)


class MessageView(QScrollArea):
    action = Signal(str, object)

    def __init__(self, store: ChatStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.channel_id: str | None = None
        self.query = ""
        self.shown: list[ChatEntry] = []
        self.setWidgetResizable(True)
        self.setObjectName("chatMessages")
        self._inner = QWidget()
        self._box = QVBoxLayout(self._inner)
        self._box.setContentsMargins(8, 8, 8, 8)
        self._box.setSpacing(6)
        self.setWidget(self._inner)
        self.older = QPushButton(tr("Carica messaggi precedenti"))
        self.older.clicked.connect(lambda: self.action.emit("older", None))
        self.empty = plain_label("", f"color: {theme.TEXT_MUTED};")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        store.messages_changed.connect(self._on_messages_changed)
        store.receipts_changed.connect(self._on_messages_changed)
        store.flash_changed.connect(self._on_flash_changed)

    def button(self, text: str, kind: str, arg: object) -> QPushButton:
        b = QPushButton(text)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        b.clicked.connect(lambda: self.action.emit(kind, arg))
        if kind in ("map", "incident", "alert", "snapshot"):
            b.setStyleSheet(LINK_STYLE)
        return b

    def show_channel(self, channel_id: str | None, query: str = "") -> None:
        self.channel_id, self.query = channel_id, query
        self.rebuild()
        self.scroll_to_end()

    def _on_messages_changed(self, channel_id: str) -> None:
        if channel_id == self.channel_id:
            bar = self.verticalScrollBar()
            at_end = bar.value() >= bar.maximum() - 8
            self.rebuild()
            if at_end:
                self.scroll_to_end()

    def _on_flash_changed(self) -> None:
        if self.channel_id is not None:
            self.rebuild()

    def scroll_to_end(self) -> None:
        self._inner.adjustSize()
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def rebuild(self) -> None:
        while self._box.count():
            item = self._box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self.older, self.empty):
                widget.hide()  # painted no more, even before Qt deletes it
                widget.deleteLater()
            elif widget is not None:
                widget.setParent(None)
        if self.channel_id is None:
            self.shown = []
            self.empty.setText(tr("Scegliere un canale a sinistra."))
            self._box.addWidget(self.empty)
            self._box.addStretch(1)
            return
        state = self.store.state_of(self.channel_id)
        entries = (
            self.store.search(self.channel_id, self.query)
            if self.query
            else self.store.entries(self.channel_id)
        )
        self.shown = entries[-MAX_SHOWN:]
        if state is not None and state.has_more and state.loaded and not self.query:
            self._box.addWidget(self.older)
        if not self.shown:
            self.empty.setText(
                tr("Nessun messaggio trovato per «{q}».", q=self.query)
                if self.query
                else tr("Nessun messaggio in questo canale.")
            )
            self._box.addWidget(self.empty)
        ticks = self.store.ticks(self.channel_id)
        for entry in self.shown:
            m = entry.message
            mine = self.store.is_mine(m)
            acked = bool(self.store.desk) and self.store.has_receipt(m.id, self.store.desk, "ack")
            self._box.addWidget(
                MessageBubble(self, entry, ticks.get(m.id, {}), self.store.acks(m.id), mine, acked)
            )
        self._box.addStretch(1)

    def bubbles(self) -> list[MessageBubble]:
        out = []
        for i in range(self._box.count()):
            item = self._box.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, MessageBubble):
                out.append(widget)
        return out
