"""The scenario's feeds besides unit movement: unit statuses and emergencies, ANPR transits,
hydrometers, CAP weather alerts, agency chat and incidents. Rates are per second at scale 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.api import contract as c
from console.training import alerts, anpr, cap, sensors
from console.training.db import Tx
from console.training.geodata import Place
from console.training.routes_chat import post_message
from console.training.routes_incidents import create as create_incident
from console.training.routes_incidents import update as update_incident
from console.training.state import dump, now

if TYPE_CHECKING:
    from console.training.scenario import Scenario

RATE = {
    "status": 1 / 20,
    "emergency": 1 / 900,
    "anpr": 1 / 40,
    "transit": 1.0,
    "weather": 1 / 1200,
    "chat": 1 / 45,
    "incident": 1 / 240,
    "incident_step": 1 / 60,
    "hydro_reading": 1 / 30,
    "hydro_episode": 1 / 1800,
}
CHAT_LINES = {
    "sala-radio": [
        "Delta in arrivo sul posto",
        "Richiesta verifica targa al varco",
        "Pattuglia libera, rientro in zona",
    ],
    "vvf": [
        "APS in uscita dalla sede di via Messina",
        "Intervento concluso, rientro",
        "Richiesto supporto PL per chiusura strada",
    ],
    "areu": [
        "MSB sul posto, paziente in valutazione",
        "Trasporto in codice giallo al Niguarda",
        "MSB libera e operativa",
    ],
    "forze-ordine": [
        "Volante in zona Stazione Centrale",
        "Gazzella a disposizione per varco",
        "Posto di controllo attivo in viale Monza",
    ],
    "coc": [
        "Monitoraggio livelli Seveso in corso",
        "Volontari PC allertati",
        "Aggiornamento bollettino meteo alle 14",
    ],
}
DESKS = {
    "sala-radio": ("pl.radio", "PL Milano - Sala Radio"),
    "vvf": ("vvf.sala", "VVF Milano"),
    "areu": ("areu.118", "AREU 118"),
    "forze-ordine": ("ps.questura", "Questura di Milano"),
    "coc": ("pc.coc", "COC Protezione Civile"),
}
INCIDENT_TYPES = [
    ("incidente_stradale", 2),
    ("lite", 3),
    ("furto", 3),
    ("malore", 2),
    ("incendio", 1),
    ("allagamento", 2),
    ("veicolo_in_sosta_vietata", 4),
]
WEATHER = [
    ("Temporali forti", "Moderate"),
    ("Pioggia intensa", "Moderate"),
    ("Vento forte", "Minor"),
    ("Temporali forti con grandine", "Severe"),
]


@dataclass
class Episode:
    sensor: str
    start: float
    peak_cm: float
    rise_s: float = 900.0
    fall_s: float = 1800.0

    def extra(self, t: float) -> float:
        dt = t - self.start
        if dt < 0 or dt > self.rise_s + self.fall_s:
            return 0.0
        if dt <= self.rise_s:
            return self.peak_cm * dt / self.rise_s
        return self.peak_cm * (1 - (dt - self.rise_s) / self.fall_s)


class Feeds:
    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.rng = sc.rng
        self.gates: list[Place] = sc.geo.gates or sc.geo.places
        self.hydro = sc.geo.hydrometers
        # The first flood episode starts two minutes in, so a fresh drill has something to see.
        self.episodes = [Episode(self.hydro[0].id, 120.0, 170.0)] if self.hydro else []
        self.keeper = anpr.for_ctx(sc.ctx)
        self.pending_plates: list[tuple[float, str, str]] = []  # (due, plate, last gate)
        self.watch_due = {p: 0.0 for p in self.keeper.live_watches()}
        self.emergencies: list[tuple[float, str]] = []

    def tick(self, tx: Tx) -> None:
        sc = self.sc
        for _ in range(sc.due("status", RATE["status"])):
            self._status(tx)
        for _ in range(sc.due("emergency", RATE["emergency"])):
            self._emergency(tx)
        self._clear_emergencies(tx)
        self._traffic(tx)
        for _ in range(sc.due("hydro_episode", RATE["hydro_episode"])):
            if self.hydro:
                self.episodes.append(
                    Episode(self.rng.choice(self.hydro).id, sc.t, float(self.rng.randint(60, 220)))
                )
        for _ in range(sc.due("hydro_reading", RATE["hydro_reading"] * len(self.hydro))):
            self._hydro(tx)
        for _ in range(sc.due("weather", RATE["weather"])):
            self._weather(tx)
        for _ in range(sc.due("chat", RATE["chat"])):
            self._chat(tx)
        for _ in range(sc.due("incident", RATE["incident"])):
            self._incident(tx)
        for _ in range(sc.due("incident_step", RATE["incident_step"])):
            self._incident_step(tx)

    # --- units -------------------------------------------------------------------------------

    def _unit(self) -> c.Unit | None:
        if not self.sc.unit_ids:
            return None
        return self.sc.ctx.state.get("unit", self.rng.choice(self.sc.unit_ids), c.Unit)

    def _status(self, tx: Tx) -> None:
        unit = self._unit()
        if unit is None or unit.incident_id:
            return
        nxt = STATUS_NEXT_BY_VALUE[unit.status]
        if unit.status == c.UnitStatus.AVAILABLE and self.rng.random() < 0.15:
            nxt = c.UnitStatus.BUSY
        self.sc.set_status(tx, unit, nxt)

    def _emergency(self, tx: Tx) -> None:
        unit = self._unit()
        if unit is None or unit.emergency:
            return
        updated = unit.model_copy(update={"emergency": True})
        self.sc.ctx.state.save(tx, "unit", updated)
        tx.emit(c.EventType.UNIT_UPDATED, dump(updated))
        alerts.new_alert(
            self.sc.ctx,
            tx,
            user="scenario",
            source="unit",
            type="unit.emergency",
            priority=1,
            title=f"EMERGENZA: {unit.callsign} ({unit.agency.value}) ha premuto il pulsante",
            detail="Richiesta di soccorso dall'equipaggio. Contattare l'unità e inviare supporto.",
            geometry={"type": "Point", "coordinates": [unit.lon, unit.lat]},
            payload={"unit_id": unit.id, "callsign": unit.callsign, "agency": unit.agency.value},
        )
        self.emergencies.append((self.sc.t + 120.0, unit.id))

    def _clear_emergencies(self, tx: Tx) -> None:
        for item in [e for e in self.emergencies if e[0] <= self.sc.t]:
            self.emergencies.remove(item)
            unit = self.sc.ctx.state.get("unit", item[1], c.Unit)
            if unit is not None and unit.emergency:
                updated = unit.model_copy(update={"emergency": False})
                self.sc.ctx.state.save(tx, "unit", updated)
                tx.emit(c.EventType.UNIT_UPDATED, dump(updated))

    # --- ANPR --------------------------------------------------------------------------------

    def _traffic(self, tx: Tx) -> None:
        """This tick's transits at the gates, matched by the shared matcher (console.anpr)."""
        sc, rng = self.sc, self.rng
        batch: list[anpr.Transit] = []
        for _ in range(sc.due("transit", RATE["transit"])):  # the city's traffic
            self._sight(batch, anpr.random_plate(rng), None, misread=0.05)
        for _ in range(sc.due("anpr", RATE["anpr"])):  # a vehicle of a national list passes
            plate = self.keeper.listed(rng).plate
            self._sight(batch, plate, None, misread=0.25)
            if rng.random() < 0.6:  # the same car shows up elsewhere later
                self.pending_plates.append(
                    (sc.t + rng.uniform(60.0, 300.0) / sc.scale, plate, batch[-1].gate.id)
                )
        for item in [p for p in self.pending_plates if p[0] <= sc.t]:
            self.pending_plates.remove(item)
            self._sight(batch, item[1], item[2], misread=0.25)
        self._watched(batch)
        self.keeper.process(tx, batch)

    def _watched(self, batch: list[anpr.Transit]) -> None:
        """Plates operators put on the watchlist drive around too: the first one a few seconds
        after it was added (so the drill answers), then every few minutes while it is live."""
        sc, keeper = self.sc, self.keeper
        for plate in keeper.new_watches:
            self.watch_due[plate] = sc.t + self.rng.uniform(10.0, 45.0) / sc.scale
        keeper.new_watches.clear()
        for plate, due in sorted(self.watch_due.items()):
            if due > sc.t:
                continue
            if plate not in keeper.live_watches():
                del self.watch_due[plate]
                continue
            self._sight(batch, plate, None, misread=0.3)
            self.watch_due[plate] = sc.t + self.rng.uniform(180.0, 600.0) / sc.scale

    def _sight(
        self, batch: list[anpr.Transit], plate: str, avoid: str | None, misread: float
    ) -> None:
        if not self.gates:
            return
        rng = self.rng
        gate = rng.choice([g for g in self.gates if g.id != avoid] or self.gates)
        if rng.random() < misread:
            read, confidence = anpr.misread(plate, rng), rng.uniform(0.55, 0.8)
        else:
            read, confidence = plate, rng.uniform(0.85, 0.99)
        batch.append(anpr.Transit(read, gate, rng.choice(["in", "out"]), round(confidence, 2)))

    # --- sensors, weather --------------------------------------------------------------------

    def _hydro(self, tx: Tx) -> None:
        place = self.rng.choice(self.hydro)
        base = sensors.BASE_LEVEL.get(sensors.river(place), 80.0)
        extra = sum(e.extra(self.sc.t) for e in self.episodes if e.sensor == place.id)
        self.episodes = [e for e in self.episodes if self.sc.t - e.start < e.rise_s + e.fall_s]
        sensors.record(self.sc.ctx, tx, place, base + extra + self.rng.uniform(-2.0, 2.0))

    def _weather(self, tx: Tx) -> None:
        from console.training.routes_ingest import ingest_cap

        event, severity = self.rng.choice(WEATHER)
        n = self.sc.ctx.state.next_id(tx, "METEO")
        codes = "".join(
            f"<geocode><valueName>ISTAT</valueName><value>{code}</value></geocode>"
            for code in self.rng.sample(
                ["015146", "015209", "015077", "015032", "015086", "015192", "015250"], 3
            )
        )
        xml = f"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
<identifier>CENTRALE-ADDESTRAMENTO-{n}</identifier><sender>meteo.addestramento@centrale.invalid
</sender><sent>{now().isoformat()}</sent><status>Exercise</status><msgType>Alert</msgType>
<scope>Public</scope><info><language>it-IT</language><category>Met</category>
<event>{event}</event><urgency>Expected</urgency><severity>{severity}</severity>
<certainty>Likely</certainty><headline>{event} su Milano e comuni limitrofi</headline>
<description>Avviso meteo di addestramento.</description><area><areaDesc>Comuni interessati
</areaDesc>{codes}</area></info></alert>"""
        ingest_cap(self.sc.ctx, tx, cap.parse(xml.encode()), "scenario")

    # --- chat, incidents ---------------------------------------------------------------------

    def _chat(self, tx: Tx) -> None:
        channel = self.rng.choice(sorted(CHAT_LINES))
        sender, desk = DESKS[channel]
        text = self.rng.choice(CHAT_LINES[channel])
        post_message(self.sc.ctx, tx, channel, c.ChatMessageWrite(text=text), sender, desk)

    def _incident(self, tx: Tx) -> None:
        place = self.rng.choice(self.gates or self.sc.geo.places)
        kind, priority = self.rng.choice(INCIDENT_TYPES)
        create_incident(
            self.sc.ctx,
            tx,
            c.IncidentWrite(
                type=kind,
                priority=priority,
                lon=place.lon,
                lat=place.lat,
                address=f"pressi di {place.name.title()}",
                comune="Milano",
                narrative="Segnalazione generata dallo scenario di addestramento.",
            ),
            "scenario",
        )

    def _incident_step(self, tx: Tx) -> None:
        ctx = self.sc.ctx
        open_ = sorted(
            (
                i
                for i in ctx.state.all("incident", c.Incident)
                if i.status not in (c.IncidentStatus.CLOSED, c.IncidentStatus.CANCELLED)
                and i.created_by == "scenario"
            ),
            key=lambda i: i.id,
        )
        if not open_:
            return
        inc = self.rng.choice(open_)
        nxt = INCIDENT_NEXT[inc.status]
        units = list(inc.units)
        if nxt == c.IncidentStatus.DISPATCHED:
            free = [
                u
                for u in (ctx.state.get("unit", uid, c.Unit) for uid in self.sc.unit_ids)
                if u is not None and u.status == c.UnitStatus.AVAILABLE
            ]
            if free:
                unit = self.rng.choice(free)
                self.sc.set_status(tx, unit, c.UnitStatus.DISPATCHED, inc.id)
                units.append(unit.id)
        if nxt == c.IncidentStatus.CLOSED:
            for uid in units:
                member = ctx.state.get("unit", uid, c.Unit)
                if member is not None and member.incident_id == inc.id:
                    self.sc.set_status(tx, member, c.UnitStatus.AVAILABLE, None)
        body = c.IncidentWrite.model_validate(
            {**inc.model_dump(), "version": inc.version, "status": nxt, "units": units}
        )
        update_incident(ctx, tx, inc.id, body, "scenario")


STATUS_NEXT_BY_VALUE = {
    c.UnitStatus.AVAILABLE: c.UnitStatus.DISPATCHED,
    c.UnitStatus.DISPATCHED: c.UnitStatus.EN_ROUTE,
    c.UnitStatus.EN_ROUTE: c.UnitStatus.ON_SCENE,
    c.UnitStatus.ON_SCENE: c.UnitStatus.AVAILABLE,
    c.UnitStatus.BUSY: c.UnitStatus.AVAILABLE,
    c.UnitStatus.OUT_OF_SERVICE: c.UnitStatus.AVAILABLE,
}
INCIDENT_NEXT = {
    c.IncidentStatus.NEW: c.IncidentStatus.DISPATCHED,
    c.IncidentStatus.DISPATCHED: c.IncidentStatus.EN_ROUTE,
    c.IncidentStatus.EN_ROUTE: c.IncidentStatus.ON_SCENE,
    c.IncidentStatus.ON_SCENE: c.IncidentStatus.CLOSED,
}
