"""The messages of one channel, oldest at the top, as plain text (markup is never rendered).

Each message shows the sender's desk, the time, its references (location pin, incident, alert,
snapshot, the message it corrects), and its state: "in attesa" while the outbox holds it, refused
with the server's words, or delivery/read ticks per desk once it is out. Flash messages stand out
and carry "Conferma ricezione" until this desk has acknowledged them.

Bubbles are kept between updates: a new message adds one, a receipt rewrites a status line; only
a message whose shape changed (sent, refused, acknowledged) is built again. One style sheet on
the view styles every bubble through properties (a style sheet per widget costs milliseconds each).

Receipts are coalesced (RECEIPT_COALESCE_MS): a burst of ticks costs one repaint.

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
from widgets.common.timers import make_timer

# A channel keeps everything; the view shows the newest `limit` (grows on request). Each arrival
# relays out every shown message (Qt asks each word-wrapped bubble its height again), so the
# cost of a message scales with this: 100 measured 2-3x cheaper than 200 (docs/chat.md).
MAX_SHOWN = 100
FLASH_OPEN_BG = "#3a1d20"
RECEIPT_COALESCE_MS = 200


def agency_of(desk: str) -> str:
    """The agency key of theme.AGENCY a desk belongs to ("" when unknown)."""
    upper = desk.upper()
    head = upper.split()[0] if upper.split() else ""
    for key in theme.AGENCY:
        if head.startswith(key):
            return key
    if "QUESTURA" in upper:
        return "PS"
    if "COC" in upper or "PROTEZIONE" in upper:
        return "PC"
    return ""


def _style() -> str:
    t = theme
    rules = [
        f"QFrame#chatMessage {{ background: {t.SURFACE}; border: 1px solid {t.BORDER};"
        f" border-left: 4px solid {t.ACCENT}; border-radius: 4px; }}",
        f'QFrame#chatMessage[mine="true"] {{ background: {t.SURFACE_RAISED}; }}',
        "QFrame#chatMessage QLabel { background: transparent; }",
        f"QLabel#chatDesk {{ color: {t.ACCENT}; font-weight: bold; }}",
        f"QLabel#chatMeta {{ color: {t.TEXT_MUTED}; }}",
        f"QLabel#chatQuote {{ color: {t.TEXT_MUTED}; font-style: italic; }}",
        f"QLabel#chatStatus {{ color: {t.TEXT_MUTED}; }}",
        f'QLabel#chatStatus[state="pending"] {{ color: {t.WARNING}; }}',
        f'QLabel#chatStatus[state="failed"] {{ color: {t.ERROR}; }}',
        f"QFrame#chatMessage QLabel#chatFlashTag {{ background: {t.PRIORITY[1]}; color: #ffffff;"
        " font-weight: bold; padding: 0 6px; border-radius: 2px; }",
        f"QPushButton#chatLink {{ background: transparent; border: 1px solid {t.BORDER};"
        f" color: {t.ACCENT}; padding: 1px 8px; }}",
        f"QPushButton#chatLink:hover {{ border-color: {t.ACCENT}; }}",
        f"QPushButton#chatAck {{ background: {t.PRIORITY[1]}; color: #ffffff;"
        " font-weight: bold; padding: 4px 12px; }",
    ]
    for key, colour in theme.AGENCY.items():
        rules.append(f'QFrame#chatMessage[agency="{key}"] {{ border-left: 4px solid {colour}; }}')
        rules.append(f'QLabel#chatDesk[agency="{key}"] {{ color: {colour}; }}')
    # State wins over the agency colour: later rules of equal weight take precedence.
    rules += [
        f'QFrame#chatMessage[state="pending"] {{ border: 1px dashed {t.WARNING};'
        f" border-left: 4px solid {t.WARNING}; }}",
        f'QFrame#chatMessage[state="failed"] {{ border: 1px solid {t.ERROR};'
        f" border-left: 4px solid {t.ERROR}; }}",
        f'QFrame#chatMessage[flash="done"] {{ border: 1px solid {t.PRIORITY[1]};'
        f" border-left: 4px solid {t.PRIORITY[1]}; }}",
        f'QFrame#chatMessage[flash="open"] {{ background: {FLASH_OPEN_BG};'
        f" border: 2px solid {t.PRIORITY[1]}; border-left: 6px solid {t.PRIORITY[1]}; }}",
    ]
    return "\n".join(rules)


STYLE = _style()


def plain_label(text: str, style: str = "", name: str = "") -> QLabel:
    """A label that can never render markup: what arrives is what the operator reads."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    if style:
        label.setStyleSheet(style)
    return label


class MessageBubble(QFrame):
    def __init__(self, view: MessageView, entry: ChatEntry, mine: bool, acked_by_me: bool) -> None:
        super().__init__()
        self.entry = entry
        self.signature = MessageView.signature(entry, mine, acked_by_me)
        m = entry.message
        self.setObjectName("chatMessage")
        agency = agency_of(m.desk)
        self.setProperty("mine", "true" if mine else "false")
        self.setProperty("state", entry.state)
        self.setProperty("agency", agency)
        if m.flash:
            self.setProperty("flash", "open" if not mine and not acked_by_me else "done")
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 10, 6)
        box.setSpacing(3)

        head = QHBoxLayout()
        desk = plain_label(m.desk or m.sender, name="chatDesk")
        desk.setProperty("agency", agency)
        desk.setWordWrap(False)
        head.addWidget(desk)
        if m.flash:
            tag = plain_label("FLASH", name="chatFlashTag")
            tag.setWordWrap(False)
            head.addWidget(tag)
        head.addStretch(1)
        when = m.sent_at.astimezone().strftime("%H:%M:%S")
        head.addWidget(plain_label(when, name="chatMeta"))
        box.addLayout(head)

        if m.ref:
            quoted = view.store.get(m.ref)
            snippet = quoted.message.text[:80] if quoted else m.ref
            box.addWidget(
                plain_label(
                    tr("↪ Correzione di {id}: «{t}»", id=m.ref, t=snippet), name="chatQuote"
                )
            )
        self.text = plain_label(m.text, "font-size: 12pt;" if m.flash else "", name="chatText")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.text)

        refs = QHBoxLayout()
        refs.setSpacing(6)
        if m.lon is not None and m.lat is not None:
            where = tr("Posizione sulla mappa {lat:.4f}, {lon:.4f}", lat=m.lat, lon=m.lon)
            refs.addWidget(view.button(where, "map", (m.lon, m.lat)))
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
        self.status = plain_label("", name="chatStatus")
        self.status.setProperty("state", entry.state)
        foot.addWidget(self.status, 1)
        if entry.state == FAILED:
            foot.addWidget(view.button(tr("Riprova"), "retry", entry.key))
        if m.flash and not mine and entry.state not in (PENDING, FAILED) and not acked_by_me:
            ack = view.button(tr("Conferma ricezione"), "ack", m.id)
            ack.setObjectName("chatAck")
            foot.addWidget(ack)
        if mine and entry.state not in (PENDING, FAILED):
            foot.addWidget(view.button(tr("Correggi"), "correct", m.id))
        box.addLayout(foot)
        self._buttons = foot.count() > 1

    def set_status(self, text: str) -> None:
        if text != self.status.text():
            self.status.setText(text)
        self.status.setVisible(bool(text) or self._buttons)

    @staticmethod
    def status_text(entry: ChatEntry, ticks: dict[str, str], acks: list[str], mine: bool) -> str:
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
        self._bubbles: dict[int, MessageBubble] = {}  # id(entry) -> bubble
        self._stick = True  # follow new messages while the operator is at the bottom
        self.limit = MAX_SHOWN
        self.setWidgetResizable(True)
        self.setObjectName("chatMessages")
        self._inner = QWidget()
        self._inner.setStyleSheet(STYLE)
        self._box = QVBoxLayout(self._inner)
        self._box.setContentsMargins(8, 8, 8, 8)
        self._box.setSpacing(6)
        self.setWidget(self._inner)
        self.older = QPushButton(tr("Carica messaggi precedenti"))
        self.older.clicked.connect(lambda: self.action.emit("older", None))
        self.empty = plain_label("", f"color: {theme.TEXT_MUTED};")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._box.addStretch(1)
        self.verticalScrollBar().rangeChanged.connect(self._on_range)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        store.messages_changed.connect(self._on_messages_changed)
        # Receipts come in bursts (every desk, after a reconnect): ticks repaint at most 5 times
        # a second; messages and flash state repaint at once.
        self._ticks_due = make_timer(
            self, RECEIPT_COALESCE_MS, self.rebuild, single_shot=True, start=False
        )
        store.receipts_changed.connect(self._on_receipts_changed)
        store.flash_changed.connect(self._on_flash_changed)

    def button(self, text: str, kind: str, arg: object) -> QPushButton:
        b = QPushButton(text)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        b.clicked.connect(lambda: self.action.emit(kind, arg))
        b.setObjectName("chatLink")
        return b

    @staticmethod
    def signature(entry: ChatEntry, mine: bool, acked: bool) -> tuple[object, ...]:
        return (entry.id, entry.state, mine, acked)

    def show_channel(self, channel_id: str | None, query: str = "") -> None:
        if channel_id != self.channel_id:
            self._drop(set(self._bubbles))
            self.limit = MAX_SHOWN
        self.channel_id, self.query = channel_id, query
        self.rebuild()
        self.scroll_to_end()

    def _on_messages_changed(self, channel_id: str) -> None:
        if channel_id == self.channel_id:
            self.rebuild()

    def _on_receipts_changed(self, channel_id: str) -> None:
        if channel_id == self.channel_id and not self._ticks_due.isActive():
            self._ticks_due.start()

    def _on_flash_changed(self) -> None:
        if self.channel_id is not None:
            self.rebuild()

    def scroll_to_end(self) -> None:
        """Follow the newest message; the range grows when the layout settles, so keep up."""
        self._stick = True
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def stop_following(self) -> None:
        """The operator went up into history: new messages must not pull the view down."""
        self._stick = False

    def _on_range(self, _low: int, high: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(high)

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick = value >= bar.maximum() - 8

    def _drop(self, keys: set[int]) -> None:
        for key in keys:
            bubble = self._bubbles.pop(key)
            bubble.hide()  # painted no more, even before Qt deletes it
            bubble.deleteLater()

    def rebuild(self) -> None:
        if self.channel_id is None:
            self.shown = []
            self._drop(set(self._bubbles))
            self._relayout([], tr("Scegliere un canale a sinistra."), older=False)
            return
        state = self.store.state_of(self.channel_id)
        entries = (
            self.store.search(self.channel_id, self.query)
            if self.query
            else self.store.entries(self.channel_id)
        )
        self.shown = entries[-self.limit :]
        ticks = self.store.ticks(self.channel_id)
        desk = self.store.desk
        bubbles: list[MessageBubble] = []
        for entry in self.shown:
            m = entry.message
            mine = self.store.is_mine(m)
            acked = bool(desk) and self.store.has_receipt(m.id, desk, "ack")
            key = id(entry)
            bubble = self._bubbles.get(key)
            if bubble is not None and bubble.signature != self.signature(entry, mine, acked):
                self._drop({key})
                bubble = None
            if bubble is None:
                bubble = self._bubbles[key] = MessageBubble(self, entry, mine, acked)
            bubble.set_status(
                MessageBubble.status_text(entry, ticks.get(m.id, {}), self.store.acks(m.id), mine)
            )
            bubbles.append(bubble)
        self._drop(set(self._bubbles) - {id(b.entry) for b in bubbles})
        empty = ""
        if not self.shown:
            empty = (
                tr("Nessun messaggio trovato per «{q}».", q=self.query)
                if self.query
                else tr("Nessun messaggio in questo canale.")
            )
        older = not self.query and (
            len(entries) > len(self.shown)
            or (state is not None and state.has_more and state.loaded)
        )
        self._relayout(bubbles, empty, older)

    def _relayout(self, bubbles: list[MessageBubble], empty: str, older: bool) -> None:
        """Put the bubbles in order; when only new ones were appended, just insert those."""
        current = self.bubbles()
        head = [w for w in (self.older if older else None, self.empty if empty else None) if w]
        # The newest MAX_SHOWN slide along: the oldest few leave the top, new ones join below.
        start = current.index(bubbles[0]) if bubbles and bubbles[0] in current else -1
        kept = current[start:] if start >= 0 else []
        if (
            start >= 0
            and bubbles[: len(kept)] == kept
            and not empty
            and self.older.isVisibleTo(self._inner) == older
        ):
            for gone in current[:start]:
                self._box.removeWidget(gone)
            at = self._box.count() - 1  # before the closing stretch
            for bubble in bubbles[len(kept) :]:
                self._box.insertWidget(at, bubble)
                at += 1
                bubble.show()
            return
        while self._box.count():  # detach everything; kept widgets are put back below
            self._box.takeAt(0)
        self.older.setVisible(older)
        self.empty.setVisible(bool(empty))
        self.empty.setText(empty)
        for widget in [*head, *bubbles]:
            self._box.addWidget(widget)
            if widget.isHidden():
                widget.show()
        self._box.addStretch(1)

    def bubbles(self) -> list[MessageBubble]:
        out = []
        for i in range(self._box.count()):
            item = self._box.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, MessageBubble):
                out.append(widget)
        return out
