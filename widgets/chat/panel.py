"""The "chat" panel: channels on the left; on the right the flash banner, search, the messages of
the chosen channel and the composer.

It only shows the ChatStore and forwards intent to the ChatService; clicking a location pin, an
incident, an alert or a snapshot goes out as the console's intents (the map, incident, alert and
video panels answer). It answers `open_channel` (a hand-over draft from the alerts panel) and
remembers the incident last selected anywhere so its channel is one click away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.chat.model import FlashAlarm
from console.chat.service import PAGE, ChatService
from console.chat.store import ChatStore
from console.i18n import tr
from widgets.chat.channel_list import ChannelList, presence_label, presence_text
from widgets.chat.composer import Composer
from widgets.chat.message_view import MessageView, plain_label
from widgets.common import theme
from widgets.common.timers import make_timer

log = logging.getLogger(__name__)


class FlashBanner(QFrame):
    """The oldest unacknowledged flash, impossible to miss, with its acknowledgement at hand."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatFlashBanner")
        self.alarm: FlashAlarm | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        self.label = plain_label("", "color: #ffffff; font-weight: bold;")
        row.addWidget(self.label, 1)
        self.go = QPushButton(tr("Vai al messaggio"))
        row.addWidget(self.go)
        self.ack = QPushButton(tr("Conferma ricezione"))
        self.ack.setStyleSheet(
            "background: #ffffff; color: #111111; font-weight: bold; padding: 4px 12px;"
        )
        row.addWidget(self.ack)
        self.hide()

    def show_alarm(
        self, alarm: FlashAlarm | None, text: str, count: int, age_s: int, paged: bool = False
    ) -> None:
        self.alarm = alarm
        if alarm is None:
            self.hide()
            return
        colour = theme.PRIORITY[1] if alarm.level >= 1 else "#8a2c30"
        self.setStyleSheet(
            f"QFrame#chatFlashBanner {{ background: {colour};"
            " border-radius: 4px; } QLabel { background: transparent; }"
        )
        if alarm.own:
            line = tr(
                "Il tuo FLASH non è ancora confermato da nessuna sala ({s} s): «{t}»",
                s=age_s,
                t=text[:90],
            )
        else:
            line = tr("FLASH da confermare ({s} s): «{t}»", s=age_s, t=text[:90])
        if alarm.level >= 3:
            line += " — " + tr("ESCALATION: avvisare il supervisore")
        elif alarm.level >= 1:
            line += " — " + tr("livello {n}", n=alarm.level)
        if paged:
            line += " — " + tr("supervisore avvisato dal sistema")
        if count > 1:
            line += " " + tr("(+{n} altri)", n=count - 1)
        self.label.setText(line)
        self.ack.setVisible(not alarm.own)
        self.show()


class ChatPanel(QWidget):
    def __init__(
        self,
        store: ChatStore,
        service: ChatService,
        intents: Any = None,
        services: Callable[[str], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.service = service
        self.intents = intents
        # Looked up when needed (the incident store may be built after this panel): "incidents"
        # and "alerts" give the positions of what the operator attaches.
        self.services = services or (lambda _name: None)
        self.correcting: str | None = None
        self.selected_incident: str | None = None
        self.selected_alert: str | None = None
        self.attachment: dict[str, Any] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        self.setObjectName("chatPanel")

        self.channels = ChannelList(store)
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(6, 0, 0, 0)
        col.setSpacing(6)

        head = QHBoxLayout()
        self.title = plain_label("", "font-size: 14pt; font-weight: bold;")
        self.title.setWordWrap(False)
        head.addWidget(self.title)
        self.presence = plain_label("", f"color: {theme.TEXT_MUTED};")
        self.presence.setWordWrap(False)
        head.addWidget(self.presence)
        head.addStretch(1)
        self.incident_button = QPushButton()
        self.incident_button.hide()
        self.incident_button.clicked.connect(self._open_incident_channel)
        head.addWidget(self.incident_button)
        self.direct = QToolButton()
        self.direct.setText(tr("Diretto ▾"))
        self.direct.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.direct_menu = QMenu(self.direct)
        self.direct_menu.aboutToShow.connect(self._fill_direct_menu)
        self.direct.setMenu(self.direct_menu)
        head.addWidget(self.direct)
        col.addLayout(head)

        self.banner = FlashBanner()
        self.banner.ack.clicked.connect(self._ack_banner)
        self.banner.go.clicked.connect(self._go_banner)
        col.addWidget(self.banner)

        search = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("chatSearch")
        self.search.setPlaceholderText(tr("Cerca in questo canale (testo, sala, evento)…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        search.addWidget(self.search, 1)
        self.hits = plain_label("", f"color: {theme.TEXT_MUTED};")
        self.hits.setWordWrap(False)
        search.addWidget(self.hits)
        col.addLayout(search)

        self.view = MessageView(store)
        self.view.action.connect(self._on_action)
        col.addWidget(self.view, 1)
        self.composer = Composer()
        self.composer.submitted.connect(self._on_submit)
        self.composer.cancel_correction.connect(lambda: self._set_correction(None))
        self.composer.clear_attachment.connect(lambda: self.attach({}))
        self.composer.attach_menu.aboutToShow.connect(self._fill_attach_menu)
        col.addWidget(self.composer)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.channels)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([240, 760])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(split)

        self.channels.channel_chosen.connect(self._on_channel_chosen)
        store.channels_changed.connect(self._update_header)
        store.flash_changed.connect(self._update_banner)
        store.flash_escalated.connect(lambda _m, _l: self._update_banner())
        store.server_escalated.connect(lambda _e: self._update_banner())
        service.notice.connect(self.composer.show_notice)
        service.channel_opened.connect(self.open_channel)
        if intents is not None:
            intents.open_channel.connect(self.open_channel)
            intents.select.connect(self._on_select)
        self._clock = make_timer(self, 1000, self._update_banner)
        self._choose_first()
        self._update_banner()

    # --- channels ----------------------------------------------------------------------------

    def current(self) -> str | None:
        return self.channels.current_channel()

    def open_channel(self, channel_id: str, draft: str = "") -> None:
        if not channel_id:
            return
        if not self.channels.select(channel_id):
            self.composer.show_notice(
                tr("Il canale «{c}» non è disponibile.", c=channel_id), "warn"
            )
            return
        if draft:
            self.composer.set_text(draft)

    def _choose_first(self) -> None:
        if self.current() is None:
            for channel in self.store.channels():
                if self.channels.select(channel.id):
                    break

    def _on_channel_chosen(self, channel_id: str) -> None:
        self._set_correction(None)
        self.store.set_active(channel_id)
        if self.isVisible():
            self.service.visible_channel = channel_id
        self.view.show_channel(channel_id, self.search.text())
        self._update_header()
        state = self.store.state_of(channel_id)
        if state is not None and not state.loaded:
            self._spawn(self.service.load_history(channel_id))
        self.service.mark_read(channel_id)

    def _update_header(self) -> None:
        self._choose_first()
        channel = self.store.channel(self.current() or "")
        self.title.setText(channel.name if channel else tr("Chat tra sale"))
        item = self.store.channel_presence_item(channel) if channel else None
        status = item.status.value if item else None
        self.presence.setText(presence_text(item) if item else "")
        colour = {"online": theme.OK, "away": theme.WARNING}.get(status or "", theme.TEXT_MUTED)
        self.presence.setStyleSheet(f"color: {colour};")
        if channel is not None and channel.incident_id:
            self.incident_button.setText(tr("Apri evento {id}", id=channel.incident_id))
            self.incident_button.show()
        elif self.selected_incident:
            self.incident_button.setText(tr("Canale evento {id}", id=self.selected_incident))
            self.incident_button.show()
        else:
            self.incident_button.hide()

    def _fill_direct_menu(self) -> None:
        self.direct_menu.clear()
        others = [p for p in self.store.desks() if p.desk != self.store.desk]
        if not others:
            self.direct_menu.addAction(tr("Nessuna sala nota")).setEnabled(False)
        for p in others:
            label = f"{p.desk} — {presence_label(p.status.value)}"
            self.direct_menu.addAction(label, partial(self.service.open_direct, p.desk))

    def _on_select(self, kind: str, object_id: str) -> None:
        if kind == "incident":
            self.selected_incident = object_id
            self._update_header()
        elif kind == "alert":
            self.selected_alert = object_id

    # --- attachments -------------------------------------------------------------------------

    def _fill_attach_menu(self) -> None:
        menu = self.composer.attach_menu
        menu.clear()
        if self.selected_incident:
            menu.addAction(
                tr("Evento {id}", id=self.selected_incident),
                partial(self.attach_incident, self.selected_incident),
            )
        if self.selected_alert:
            menu.addAction(
                tr("Allarme {id}", id=self.selected_alert),
                partial(self.attach_alert, self.selected_alert),
            )
        if menu.isEmpty():
            menu.addAction(tr("Selezionare prima un evento o un allarme")).setEnabled(False)

    def attach_incident(self, incident_id: str) -> None:
        incidents = self.services("incidents")
        found = incidents.get(incident_id) if incidents is not None else None
        point = {}
        if found is not None and found.lon is not None and found.lat is not None:
            point = {"lon": float(found.lon), "lat": float(found.lat)}
        self.attach({"incident_id": incident_id, **point})

    def attach_alert(self, alert_id: str) -> None:
        alerts = self.services("alerts")
        found = alerts.get(alert_id) if alerts is not None else None
        where = found.lonlat() if found is not None else None
        point = {"lon": where[0], "lat": where[1]} if where else {}
        self.attach({"alert_id": alert_id, **point})

    def attach(self, attachment: dict[str, Any]) -> None:
        """What goes with the next message: an incident or alert reference and its position."""
        self.attachment = dict(attachment)
        parts = []
        if "incident_id" in attachment:
            parts.append(tr("Evento {id}", id=attachment["incident_id"]))
        if "alert_id" in attachment:
            parts.append(tr("Allarme {id}", id=attachment["alert_id"]))
        if "lat" in attachment:
            parts.append(
                tr("posizione {lat:.4f}, {lon:.4f}", lat=attachment["lat"], lon=attachment["lon"])
            )
        self.composer.set_attachment(tr("Allegato: {a}", a=" · ".join(parts)) if parts else None)

    def _open_incident_channel(self) -> None:
        channel = self.store.channel(self.current() or "")
        if channel is not None and channel.incident_id:
            if self.intents is not None:
                self.intents.select.emit("incident", channel.incident_id)
            return
        if self.selected_incident:
            self.service.open_incident_channel(self.selected_incident)

    # --- search, composer --------------------------------------------------------------------

    def _on_search(self, text: str) -> None:
        self.view.show_channel(self.current(), text)
        if text.strip():
            n = len(self.view.shown)
            self.hits.setText(tr("{n} risultati", n=n) if n != 1 else tr("1 risultato"))
        else:
            self.hits.setText("")

    def _on_submit(self, text: str, flash: bool) -> None:
        channel_id = self.current()
        if self.correcting is not None:
            result = self.service.correct(self.correcting, text)
        elif channel_id is None:
            self.composer.show_notice(tr("Scegliere prima un canale."), "warn")
            return
        else:
            result = self.service.send(channel_id, text, flash=flash, **self.attachment)
        if result.ok:
            self.composer.clear()
            self.attach({})
            self._set_correction(None)
            self.view.scroll_to_end()
        else:
            self.composer.show_notice(result.notice, "warn")

    def _set_correction(self, message_id: str | None) -> None:
        self.correcting = message_id
        entry = self.store.get(message_id) if message_id else None
        self.composer.set_correction(
            tr(
                "Correzione di {id}: «{t}» — il messaggio originale resta agli atti.",
                id=message_id,
                t=entry.message.text[:60],
            )
            if entry
            else None
        )
        if entry is not None:
            self.composer.set_text(entry.message.text)

    # --- actions from messages ---------------------------------------------------------------

    def _on_action(self, kind: str, arg: object) -> None:
        intents = self.intents
        if kind == "ack":
            self.service.ack(str(arg))
        elif kind == "retry":
            result = self.service.retry(str(arg))
            if not result.ok and result.notice:
                self.composer.show_notice(result.notice, "warn")
        elif kind == "correct":
            self._set_correction(str(arg))
        elif kind == "older":
            self._show_older()
        elif intents is None:
            self.composer.show_notice(
                tr("Mappa, eventi e telecamere non collegati a questo posto."), "warn"
            )
        elif kind == "map" and isinstance(arg, tuple):
            intents.show_on_map.emit(float(arg[0]), float(arg[1]), 16.0)
        elif kind == "incident":
            intents.select.emit("incident", str(arg))
        elif kind == "alert":
            intents.select.emit("alert", str(arg))
        elif kind == "snapshot":
            ref = str(arg)
            if ref.startswith("camera:"):
                intents.open_camera.emit(ref.split(":", 1)[1].split("@", 1)[0], -1)
            else:
                self.composer.show_notice(tr("Istantanea: {r}", r=ref), "info")

    def _show_older(self) -> None:
        """Older messages: those held but not shown first, then a page from the server."""
        channel_id = self.current()
        if channel_id is None:
            return
        held = len(self.store.entries(channel_id))
        self.view.limit += PAGE
        self.view.stop_following()
        self.view.rebuild()
        state = self.store.state_of(channel_id)
        if held < self.view.limit and state is not None and state.has_more:
            self._spawn(self.service.load_history(channel_id, older=True))

    # --- flash -------------------------------------------------------------------------------

    def _update_banner(self) -> None:
        alarms = self.store.alarms()
        if not alarms:
            self.banner.show_alarm(None, "", 0, 0)
            return
        alarm = max(alarms, key=lambda a: (not a.own, a.level, -a.since.timestamp()))
        entry = self.store.get(alarm.message_id)
        text = entry.message.text if entry else ""
        age = int((self.store.clock() - alarm.since).total_seconds())
        paged = any(e.message_id == alarm.message_id for e in self.store.escalations())
        self.banner.show_alarm(alarm, text, len(alarms), max(age, 0), paged)

    def _ack_banner(self) -> None:
        if self.banner.alarm is not None:
            self.service.ack(self.banner.alarm.message_id)

    def _go_banner(self) -> None:
        if self.banner.alarm is not None:
            self.open_channel(self.banner.alarm.channel_id)

    # --- life --------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.service.visible_channel = self.current()
        if self.current():
            self.service.mark_read(str(self.current()))

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.service.visible_channel == self.current():
            self.service.visible_channel = None

    def _spawn(self, coro: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (off-line tests): nothing to fetch from
            coro.close()
            return
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.info("chat load failed: %s", task.exception())
            self.composer.show_notice(tr("Storico non caricato: {e}", e=task.exception()), "warn")
