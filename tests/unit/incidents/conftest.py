"""Builders of realistic incidents and units for the incident tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from console.api import contract

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def incident(**over: Any) -> contract.Incident:
    data: dict[str, Any] = {
        "id": "INC-1", "version": 1, "type": "road_accident_injured", "priority": 1,
        "status": "new", "lon": 9.1900, "lat": 45.4642, "address": "Piazza del Duomo",
        "municipio": "Municipio 1", "nil": "Duomo", "comune": "Milano",
        "caller": {"name": "Mario Rossi", "phone": "+39 333 1234567", "reliability": "testimone"},
        "narrative": "Scontro auto-scooter, un ferito a terra.",
        "vehicles": [{"plate": "FA123BC", "description": "Fiat Panda grigia"}],
        "created_at": T0, "updated_at": T0, "created_by": "op1",
        "history": [{"at": T0, "user": "op1", "status": "new"}],
    }
    data.update(over)
    return contract.Incident.model_validate(data)


def unit(uid: str, lon: float, lat: float, **over: Any) -> contract.Unit:
    data: dict[str, Any] = {
        "id": uid, "callsign": f"Alfa {uid}", "agency": "PL", "kind": "car",
        "status": "available", "status_since": T0 - timedelta(minutes=12),
        "lon": lon, "lat": lat, "skills": ["rilievi"],
    }
    data.update(over)
    return contract.Unit.model_validate(data)
