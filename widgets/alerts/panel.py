"""AlertsPanel: the queue beside the card, and the one place alert intents become actions.

User intent goes to the AlertActions service (commands through the outbox) or out through the
intents bus (map, cameras, incidents, chat); the panel never reaches into another panel.
Coroutines from AlertActions run on the qasync loop when there is one; with a synchronous sender
(Session.send only enqueues) they complete immediately, which is also how tests drive them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from console.alerts.actions import ActionRefused, AlertActions
from console.alerts.record import AlertRecord
from console.alerts.store import AlertStore
from console.alerts.zones import Zones
from console.anpr.watchlist import WatchlistStore
from console.i18n import tr
from console.intents import Intents
from widgets.alerts.card import AlertCard
from widgets.alerts.queue import AlertQueue
from widgets.alerts.watchlist import WatchlistScreen
from widgets.common import theme
from widgets.common.commands import run_command

log = logging.getLogger(__name__)

HANDOVER_CHANNEL = "forze-ordine"  # "PS - CC - PL" agency channel
AGENCY_NAMES = {"handover_ps": "Polizia di Stato", "handover_cc": "Carabinieri"}


class AlertsPanel(QWidget):
    def __init__(
        self,
        store: AlertStore,
        actions: AlertActions,
        intents: Intents | None,
        cameras: object | None = None,
        kiosk: bool = False,
        parent: QWidget | None = None,
        watchlist: WatchlistStore | None = None,
        session: Callable[[], object] | None = None,
        zones: Zones | None = None,
        card: str = "beside",
    ) -> None:
        super().__init__(parent)
        self.card_position = "below" if card == "below" else "beside"
        self.store = store
        self.service = actions
        self.intents = intents
        self.cameras = cameras
        self.queue = AlertQueue(store, operator=actions.user, kiosk=kiosk, zones=zones)
        self.card = AlertCard(masked=kiosk, clock=store.clock)
        # The card sits beside the queue in a wide region and below it in a side dock (crisis
        # room, video room: the layout says card = "below"), where beside it would not fit.
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.queue)
        splitter.addWidget(self.card)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([1100, 760])
        splitter.setChildrenCollapsible(False)
        if self.card_position == "below":
            splitter.setOrientation(Qt.Orientation.Vertical)
            splitter.setSizes([550, 450])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(
            f"background: {theme.SURFACE_RAISED}; color: {theme.WARNING}; padding: 4px;"
        )
        layout.addWidget(self.notice)
        # The watchlist is a second tab: kiosk screens (visitors) never get it.
        self.watchlist: WatchlistScreen | None = None
        if watchlist is not None and not kiosk:
            self.tabs = QTabWidget()
            self.tabs.setDocumentMode(True)
            self.tabs.addTab(splitter, tr("Coda avvisi"))
            self.watchlist = WatchlistScreen(watchlist, session)
            self.tabs.addTab(self.watchlist, tr("Targhe sorvegliate"))
            self.tabs.setTabToolTip(
                1,
                tr(
                    "Targhe d'interesse dell'operatore: aggiungere, "
                    "rimuovere, vedere quante volte sono passate"
                ),
            )
            self.watchlist.count_changed.connect(
                lambda n: self.tabs.setTabText(1, tr("Targhe sorvegliate ({n})", n=n))
            )
            self.watchlist.count_changed.emit(
                sum(1 for r in watchlist.rows() if r.live(watchlist.clock()))
            )
            layout.addWidget(self.tabs, 1)
            # The alert snapshot loads right after the sign-in and again after a resync of the
            # event stream: the moments the watchlist must be (re)loaded too.
            store.alerts_reset.connect(self.watchlist.refresh)
        else:
            layout.addWidget(splitter, 1)
        missing = []
        if not actions.connected:
            missing.append(tr("nessun collegamento al server: le azioni non vengono inviate"))
        if intents is None:
            missing.append(tr("mappa, telecamere ed eventi non collegati"))
        self.notice.setText(" · ".join(missing))
        self.notice.setVisible(bool(missing))
        self.queue.open_requested.connect(self.open_alert)
        self.queue.action_requested.connect(lambda action, aid: self.act(action, aid, {}))
        self.queue.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.card.show_record(self.queue.record(cur.row()))
        )
        self.card.action_requested.connect(self.act)
        store.alerts_changed.connect(self._on_alerts_changed)
        store.sla_expired.connect(lambda ids: self._run(actions.escalate_expired(ids), quiet=True))

    def open_alert(self, alert_id: str) -> None:
        self.card.show_record(self.store.get(alert_id))
        if self.intents is not None:
            self.intents.select.emit("alert", alert_id)

    def _on_alerts_changed(self, ids: list[str]) -> None:
        rec = self.card.record
        if rec is not None and rec.id in ids:
            self.card.show_record(self.store.get(rec.id))

    def _run(self, coro: Coroutine[Any, Any, object], quiet: bool = False) -> None:
        run_command(
            coro,
            lambda exc: self._done(exc, quiet),
            lambda: self.card.show_message(
                tr("Azione non inviata: collegamento non pronto."), error=True
            ),
        )

    def _done(self, exc: BaseException | None, quiet: bool) -> None:
        if isinstance(exc, ActionRefused):
            self.card.show_message(str(exc), error=True)
        elif exc is not None:  # e.g. the session was stopped: say so, never crash the loop
            log.error("alert action failed: %s", exc)
            self.card.show_message(tr("Azione non riuscita: riprovare."), error=True)
        elif not quiet:
            self.card.show_message(tr("Comando inviato."))

    def act(self, action: str, alert_id: str, args: dict[str, Any]) -> None:
        """Turn an operator intent into a command or an intent; refusals are shown, not raised."""
        rec = self.store.get(alert_id)
        if rec is None:
            self.card.show_message(tr("Avviso non più disponibile."), error=True)
            return
        if self.card.record is None or self.card.record.id != alert_id:
            self.card.show_record(rec)
        try:
            self._act(action, rec, args)
        except ActionRefused as exc:
            self.card.show_message(str(exc), error=True)

    def _act(self, action: str, rec: AlertRecord, args: dict[str, Any]) -> None:
        a = self.service
        if action == "ack":
            self._run(a.acknowledge(rec.id))
        elif action == "assign":
            self._run(a.assign_to_me(rec.id))
        elif action == "verify":
            self._run(a.verify(rec.id, str(args.get("result")), str(args.get("reason", ""))))
        elif action == "snooze":
            if not args:  # from the S key: the reason is mandatory, so ask for it
                self.card.snooze_reason.setFocus()
                self.card.show_message(tr("Scrivere il motivo del rinvio e premere Rinvia."))
                return
            until = self.store.clock() + timedelta(minutes=int(args.get("minutes") or 15))
            self._run(a.snooze(rec.id, until, str(args.get("reason", ""))))
        elif action == "close":
            self._run(a.close(rec.id, str(args.get("outcome")), str(args.get("reason", ""))))
        elif action in ("map", "trail", "cameras"):
            self._show(action, rec)
        elif action == "incident":
            a.require_confirmed(rec.id)
            self._intents().create_incident.emit(self._prefill(rec))
            self.card.show_message(tr("Evento precompilato aperto nel pannello eventi."))
        elif action in AGENCY_NAMES:
            a.require_confirmed(rec.id)
            agency = AGENCY_NAMES[action]
            self._intents().open_channel.emit(HANDOVER_CHANNEL, self._draft(rec, agency))
            self.card.show_message(
                tr("Bozza per {a} pronta nella chat: controllarla e inviarla.", a=agency)
            )

    def _intents(self) -> Intents:
        if self.intents is None:
            raise ActionRefused(tr("Mappa, telecamere ed eventi non collegati a questo posto."))
        return self.intents

    def _show(self, action: str, rec: AlertRecord) -> None:
        intents = self._intents()
        if action == "map":
            if rec.geometry and rec.geometry.get("type") != "Point":
                intents.show_geometry.emit(rec.geometry)
            elif (point := rec.lonlat()) is not None:
                intents.show_on_map.emit(point[0], point[1], 16.0)
            else:
                raise ActionRefused(tr("Questo avviso non ha una posizione."))
        elif action == "trail":
            coords = [[s.lon, s.lat] for s in rec.trail if s.lon is not None]
            if not coords:
                raise ActionRefused(tr("Posizione dei varchi non nota."))
            geometry = {
                "type": "LineString" if len(coords) > 1 else "Point",
                "coordinates": coords if len(coords) > 1 else coords[0],
            }
            intents.show_geometry.emit(geometry)
        else:
            cams = rec.cameras or self._nearest_cameras(rec)
            if not cams:
                raise ActionRefused(tr("Nessuna telecamera collegata o vicina."))
            for cam in cams[:4]:
                intents.open_camera.emit(cam, -1)
            self.card.show_message(tr("Telecamere aperte: {c}", c=", ".join(cams[:4])))

    def _nearest_cameras(self, rec: AlertRecord, limit: int = 2) -> list[str]:
        point = rec.lonlat()
        listing = getattr(self.cameras, "cameras", None)
        if point is None or not callable(listing):
            return []
        scored = []
        for cam in listing():
            dx = (cam.lon - point[0]) * math.cos(math.radians(point[1]))
            d = math.hypot(dx, cam.lat - point[1])
            scored.append((d, cam.id))
        scored.sort()
        return [cid for d, cid in scored[:limit] if d < 0.01]  # ~1 km

    @staticmethod
    def _prefill(rec: AlertRecord) -> dict[str, Any]:
        point = rec.lonlat()
        prefill: dict[str, Any] = {
            "type": rec.type,
            "priority": rec.priority,
            "narrative": f"{rec.title}\n{rec.detail}".strip(),
            "alerts": [rec.id, *rec.members],
            "address": str(rec.payload.get("gate_name", "")),
        }
        if point is not None:
            prefill["lon"], prefill["lat"] = point
        if rec.plate:
            label = str(rec.payload.get("list_label", ""))
            prefill["vehicles"] = [{"plate": rec.plate, "description": label}]
        return prefill

    @staticmethod
    def _draft(rec: AlertRecord, agency: str) -> str:
        p = rec.payload
        last = rec.trail[-1] if rec.trail else None
        seen = f"{last.gate_name} {last.direction} {last.at.astimezone():%H:%M}" if last else "—"
        return tr(
            "Per {agency}: targa {plate} in lista {lst} (verificata visivamente). "
            "Ultimo transito: {seen}. Prossimi varchi probabili: {next}. Avviso {id}.",
            agency=agency,
            plate=rec.plate_display,
            lst=p.get("list_label") or p.get("list", ""),
            seen=seen,
            next=", ".join(rec.next_gates) or "—",
            id=rec.id,
        )
