"""Which available units to send: nearest by estimated travel time, preferring the right kind.

The estimate is straight-line distance over a typical urban speed per unit kind ("stima in linea
d'aria"): no road network, no traffic. The UI says so, and the list is a suggestion; the operator
can assign any unit. A unit of a kind or without the skills the incident type asks for is not
excluded, only pushed back by a fixed time penalty (as if it were a few minutes further away), so
in a quiet district the only car nearby still shows, and a suitable unit a few minutes further
away is suggested before an unsuitable one next door.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from console.api import contract
from console.i18n import tr
from console.incidents.taxonomy import IncidentType

# Typical average speeds in city traffic, km/h, for a straight-line estimate.
SPEED_KMH = {
    "car": 30.0,
    "motorbike": 35.0,
    "van": 25.0,
    "ambulance": 35.0,
    "fire_engine": 30.0,
    "bike": 15.0,
    "foot": 5.0,
}
DEFAULT_SPEED_KMH = 25.0
# Seconds added to the estimate for each mismatch: "as if it were this much further away".
# An agency the type does not involve (a fire engine for a theft) weighs most: it is suggested
# only when nothing suitable is within about ten minutes.
KIND_PENALTY_S = 180.0
SKILL_PENALTY_S = 120.0
AGENCY_PENALTY_S = 600.0
EARTH_RADIUS_M = 6_371_008.8


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Recommendation:
    unit: contract.Unit
    distance_m: float
    eta_s: float  # straight-line estimate
    kind_ok: bool
    skills_ok: bool
    agency_ok: bool
    score: float  # eta plus mismatch penalties, seconds; lower is better

    @property
    def reasons(self) -> str:
        parts = []
        if not self.kind_ok:
            parts.append(tr("mezzo non tipico"))
        if not self.skills_ok:
            parts.append(tr("senza competenze richieste"))
        if not self.agency_ok:
            parts.append(tr("altro ente"))
        return ", ".join(parts) if parts else tr("adatta")


def recommend(units: Iterable[contract.Unit], lon: float, lat: float, kind: IncidentType,
              limit: int = 8) -> list[Recommendation]:
    out = []
    for unit in units:
        if unit.status is not contract.UnitStatus.AVAILABLE or unit.incident_id:
            continue
        dist = distance_m(unit.lon, unit.lat, lon, lat)
        speed = SPEED_KMH.get(unit.kind, DEFAULT_SPEED_KMH)
        eta = dist / (speed / 3.6)
        kind_ok = not kind.unit_kinds or unit.kind in kind.unit_kinds
        skills_ok = not kind.skills or bool(set(kind.skills) & set(unit.skills))
        agency_ok = not kind.agencies or unit.agency.value in kind.agencies
        score = (eta + KIND_PENALTY_S * (not kind_ok) + SKILL_PENALTY_S * (not skills_ok)
                 + AGENCY_PENALTY_S * (not agency_ok))
        out.append(Recommendation(unit, dist, eta, kind_ok, skills_ok, agency_ok, score))
    out.sort(key=lambda r: (r.score, r.unit.callsign))
    return out[:limit]
