"""Plate-reader gates and where a vehicle seen at some of them is likely to show up next.

A city may publish gate order (e.g. the Area C ring) or only positions; from positions alone the
prediction is: gates not yet passed, ahead of the direction of travel, nearest first. With a single
sighting there is no direction, so the nearest gates are offered. Honest and simple: it narrows
which cameras an operator watches, it does not claim a route.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

GATES_FILE = "milano_varchi_areac.geojson"
_EARTH_M = 6_371_000.0


@dataclass(frozen=True, slots=True)
class Gate:
    id: str
    name: str
    lon: float
    lat: float


def load_gates(pack: Path) -> dict[str, Gate]:
    """Gates of a layer pack (file `milano_varchi_areac.geojson`); empty when absent or broken."""
    path = pack / GATES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.info("no gates from %s: %s", path, exc)
        return {}
    gates: dict[str, Gate] = {}
    for feature in data.get("features", []):
        try:
            props = feature.get("properties") or {}
            lon, lat = feature["geometry"]["coordinates"][:2]
            gid = str(props.get("id_amat", props.get("id", "")))
            gates[gid] = Gate(gid, str(props.get("label", gid)), float(lon), float(lat))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("gate feature skipped in %s: %s", path, exc)
    return gates


def _xy(lon: float, lat: float, lat0: float) -> tuple[float, float]:
    """Local equirectangular metres: plenty for distances within a city."""
    k = math.pi / 180 * _EARTH_M
    return lon * k * math.cos(math.radians(lat0)), lat * k


def likely_next(
    trail: Sequence[tuple[float, float]],
    visited: Sequence[str],
    gates: Mapping[str, Gate],
    limit: int = 3,
    cone_deg: float = 70.0,
) -> list[Gate]:
    """Gates the vehicle is likely to reach next, best first.

    `trail` is the sequence of (lon, lat) sightings, oldest first; `visited` the gate ids seen.
    """
    if not trail or not gates:
        return []
    lat0 = trail[-1][1]
    x1, y1 = _xy(*trail[-1], lat0)
    heading: tuple[float, float] | None = None
    if len(trail) >= 2:
        x0, y0 = _xy(*trail[-2], lat0)
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        if norm > 1.0:
            heading = (dx / norm, dy / norm)
    seen = set(visited)
    scored: list[tuple[float, Gate]] = []
    cos_cone = math.cos(math.radians(cone_deg))
    for gate in gates.values():
        if gate.id in seen:
            continue
        gx, gy = _xy(gate.lon, gate.lat, lat0)
        dx, dy = gx - x1, gy - y1
        dist = math.hypot(dx, dy)
        if dist < 1.0:
            continue
        if heading is not None and (dx * heading[0] + dy * heading[1]) / dist < cos_cone:
            continue
        scored.append((dist, gate))
    scored.sort(key=lambda item: item[0])
    return [gate for _, gate in scored[:limit]]
