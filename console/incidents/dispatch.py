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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

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
              limit: int = 8, positions: Mapping[str, tuple[float, float]] | None = None
              ) -> list[Recommendation]:
    """The `limit` best available units; vectorised, since a big city has thousands.

    `positions` (unit id -> lon, lat) overrides the units' own, so a caller holding the live
    position arrays need not rebuild every Unit each time a patrol moves.
    """
    free = [u for u in units
            if u.status is contract.UnitStatus.AVAILABLE and not u.incident_id]
    if not free:
        return []
    where = [positions.get(u.id, (u.lon, u.lat)) if positions else (u.lon, u.lat) for u in free]
    lons = np.fromiter((p[0] for p in where), dtype=float, count=len(free))
    lats = np.fromiter((p[1] for p in where), dtype=float, count=len(free))
    p1, p2 = np.radians(lats), math.radians(lat)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * math.cos(p2) * np.sin(np.radians(lon - lons) / 2) ** 2)
    dist = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))
    speed = np.fromiter((SPEED_KMH.get(u.kind, DEFAULT_SPEED_KMH) for u in free), dtype=float,
                        count=len(free))
    eta = dist / (speed / 3.6)
    wanted_skills = set(kind.skills)
    kind_ok = np.fromiter((not kind.unit_kinds or u.kind in kind.unit_kinds for u in free),
                          dtype=bool, count=len(free))
    skills_ok = np.fromiter((not wanted_skills or bool(wanted_skills & set(u.skills))
                             for u in free), dtype=bool, count=len(free))
    agency_ok = np.fromiter((not kind.agencies or u.agency.value in kind.agencies for u in free),
                            dtype=bool, count=len(free))
    score = (eta + KIND_PENALTY_S * ~kind_ok + SKILL_PENALTY_S * ~skills_ok
             + AGENCY_PENALTY_S * ~agency_ok)
    best = np.argsort(score, kind="stable")[: max(limit * 4, limit)]
    out = [Recommendation(free[i], float(dist[i]), float(eta[i]), bool(kind_ok[i]),
                          bool(skills_ok[i]), bool(agency_ok[i]), float(score[i])) for i in best]
    out.sort(key=lambda r: (r.score, r.unit.callsign))
    return out[:limit]
