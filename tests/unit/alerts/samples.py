"""Realistic alerts for tests, benchmarks and screenshots, shaped as the training back-end's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

GATES = [
    ("58", "LEGNANO", 9.181095, 45.476948),
    ("57", "PORTA TENAGLIA", 9.181736, 45.477615),
    ("59", "MOSCOVA", 9.181903, 45.478283),
    ("62", "SOLFERINO", 9.186200, 45.478800),
    ("65", "TURATI", 9.195000, 45.477600),
]


def base(n: int, at: datetime, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"AL{n:06d}",
        "source": "cap",
        "type": "cap.weather",
        "priority": 3,
        "state": "new",
        "title": f"Avviso {n}",
        "created_at": at.isoformat(),
        "updated_at": at.isoformat(),
        "version": 1,
        "history": [{"at": at.isoformat(), "user": "sistema", "action": "created", "state": "new"}],
    }
    data.update(over)
    return data


def plate_hit(
    n: int, at: datetime, plate: str = "FG 512 KL", gate: int = 0, lst: str = "A1",
    priority: int = 2,
) -> dict[str, Any]:
    gid, name, lon, lat = GATES[gate % len(GATES)]
    labels = {"A1": "SCNTT A1 - veicoli rubati", "A2": "SCNTT A2 - revisione scaduta",
              "C": "SCNTT C - segnalati", "municipal": "Comune di Milano - ZTL non pagata"}
    return base(
        n, at, source="anpr", type="anpr.hotlist", priority=priority,
        title=f"Targa in lista {lst}: {plate}",
        geometry={"type": "Point", "coordinates": [lon, lat]},
        cameras=["cam03"],
        payload={
            "plate": plate, "list": lst, "list_label": labels[lst],
            "list_source": "SCNTT Ministero dell'Interno, caricata 22/11 06:00",
            "list_expiry": "2026-12-31", "gate_id": gid, "gate_name": name,
            "direction": "in entrata", "transit_at": at.isoformat(), "confidence": 0.93,
        },
    )


def scene(now: datetime = T0) -> list[dict[str, Any]]:
    """A morning in the radio room: a bit of everything, including damaged items."""
    m = timedelta(minutes=1)
    return [
        base(1, now - 2 * m, source="unit", type="unit.emergency", priority=1,
             title="Emergenza: Delta 7 ha premuto il pulsante", detail="Via Padova 120",
             geometry={"type": "Point", "coordinates": [9.2301, 45.4972]},
             payload={"area": "Municipio 2"}),
        plate_hit(2, now - 9 * m, gate=0),
        plate_hit(3, now - 6 * m, gate=2),
        plate_hit(4, now - 3 * m, gate=3),
        plate_hit(5, now - 12 * m, plate="EZ 018 PR", gate=4, lst="A2", priority=3),
        plate_hit(6, now - 4 * m, plate="m ab 1234", gate=1, lst="C"),
        base(7, now - 25 * m, source="sensor", type="sensor.hydro", priority=2,
             title="Seveso a Niguarda: soglia di preallarme superata",
             detail="1,85 m (soglia 1,70)",
             geometry={"type": "Point", "coordinates": [9.1905, 45.5175]},
             payload={"station": "Seveso - Niguarda", "area": "Municipio 9"}),
        base(8, now - 40 * m, title="Allerta gialla temporali - Lombardia, zona IM-08",
             exercise=True, payload={"area": "Milano"}),
        base(9, now - 55 * m, title="Vento forte: raffiche fino a 70 km/h", priority=4,
             state="acknowledged", owner="op.rossi", payload={"area": "Milano"}),
        {"type": "laser.alien", "priority": "alta", "title": None, "created_at": "1970-01-01"},
        base(11, now - 70 * m, type="analytics.crowd", source="analytics", priority=3,
             title="Assembramento in Piazza Duomo (analisi video)", cameras=["cam01"],
             state="assigned", owner="op.bianchi", payload={"area": "Municipio 1"}),
    ]
