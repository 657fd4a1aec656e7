"""River-level sensors (ARPA hydrometers on the Seveso and Lambro): readings and threshold
alerts, shared by the scenario and exercise injects.

The thresholds are TRAINING values chosen to make drills readable; they are not ARPA's official
ones, and every reading says so.
"""

from __future__ import annotations

from console.api import contract as c
from console.training import alerts
from console.training.context import ServerContext
from console.training.db import Tx
from console.training.geodata import Place, circle
from console.training.state import dump, now

THRESHOLDS = {
    "Seveso": {"attention": 150.0, "alarm": 200.0},
    "Lambro": {"attention": 200.0, "alarm": 260.0},
}
DEFAULT_THRESHOLDS = {"attention": 180.0, "alarm": 240.0}
BASE_LEVEL = {"Seveso": 60.0, "Lambro": 90.0}
LEVELS = ("normal", "attention", "alarm")
LABEL = {"attention": "attenzione", "alarm": "allarme"}
AREA_RADIUS_M = 800.0


def river(place: Place) -> str:
    return str(place.props.get("river") or "")


def level_of(value: float, thresholds: dict[str, float]) -> str:
    if value >= thresholds["alarm"]:
        return "alarm"
    if value >= thresholds["attention"]:
        return "attention"
    return "normal"


def record(ctx: ServerContext, tx: Tx, place: Place, value: float, user: str = "scenario") -> None:
    """Store a reading, emit `sensor.reading`, and raise an alert when a threshold is crossed
    upwards (attention -> P2, alarm -> P1, with the area around the sensor)."""
    thresholds = THRESHOLDS.get(river(place), DEFAULT_THRESHOLDS)
    previous = ctx.state.get("sensor", place.id, c.SensorReading)
    level = level_of(value, thresholds)
    reading = c.SensorReading(
        sensor_id=place.id, station=place.name, kind="Livello Idrometrico", unit="cm",
        value=round(value, 1), lon=place.lon, lat=place.lat, ts=now(), thresholds=thresholds,
        level=level,
    )
    ctx.state.save(tx, "sensor", reading)
    tx.emit(c.EventType.SENSOR_READING,
            {**dump(reading), "thresholds_source": "valori di addestramento, non ARPA"})
    before = LEVELS.index(previous.level) if previous is not None else 0
    if LEVELS.index(level) <= before:
        return
    alerts.new_alert(
        ctx, tx, user=user, source="sensor", type="sensor.hydro",
        priority=1 if level == "alarm" else 2,
        title=f"{place.name}: {reading.value:.0f} cm, oltre la soglia di {LABEL[level]} "
              f"({thresholds[level]:.0f} cm)",
        detail="Livello idrometrico in crescita. Soglie di addestramento, non ufficiali ARPA.",
        geometry=circle((place.lon, place.lat), AREA_RADIUS_M),
        payload={**dump(reading), "river": river(place), "threshold": level},
    )
