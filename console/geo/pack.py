"""Layer packs: a city's own GIS as a folder of GeoJSON files plus a small TOML manifest.

A pack is data another office publishes, so loading it must survive what real data contains:
self-intersecting polygons (repaired with shapely `make_valid`), broken files and features
(skipped), projected coordinates or a declared CRS other than lon/lat (rejected). Each of these
becomes a `Notice` the map shows to the operator; nothing raises past `load_pack`.

The manifest is `pack.toml` inside the folder. A read-only folder we cannot add a file to
(the shared Milan pack) is described by `resources/packs/<folder name>.toml`, kept in the repo.
A folder with neither gets an inferred manifest: one layer per GeoJSON file. The format is
documented in docs/layer-packs.md.
"""

from __future__ import annotations

import json
import logging
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from console.geo.projection import FloatArray, to_mercator
from console.i18n import tr
from console.paths import RESOURCES

log = logging.getLogger(__name__)

PACKS_DIR = RESOURCES / "packs"
BASE_COMUNI = RESOURCES / "geo" / "comuni_mi.geojson"
BASE_PLACES = RESOURCES / "geo" / "places_mi.geojson"
LONLAT_CRS = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:epsg::4326",
    "epsg:4326",
    "crs84",
}
KINDS = ("base", "selectable")
NAME_FIELDS = ("name", "nome", "label", "denominazione", "NIL", "nome_struttura", "ubicazione")


@dataclass(frozen=True)
class Notice:
    """Something the operator should know about the data: shown in the map's layer panel."""

    source: str  # file or layer the notice is about
    message: str  # Italian, human-readable, says what happened and what was done
    level: str = "warning"  # info | warning | error


@dataclass
class LayerStyle:
    stroke: str = "#8fa3b5"
    fill: str = ""  # "" = no fill; "#rrggbbaa" allowed
    width: float = 1.0
    marker: str = "circle"  # circle | square | triangle | diamond | cross
    marker_colour: str = "#8fa3b5"
    marker_size: float = 9.0
    label: str = ""  # property shown as label / name


@dataclass
class Feature:
    id: str  # "<layer id>/<index>"
    layer_id: str
    name: str
    properties: dict[str, Any]
    geometry: BaseGeometry  # lon/lat, valid


@dataclass
class Layer:
    id: str
    title: str
    file: str
    kind: str = "base"  # base: drawn into the base map; selectable: live, clickable markers
    role: str = ""  # what the layer is for: gates, hospitals, schools, sensors, routes, ...
    style: LayerStyle = field(default_factory=LayerStyle)
    min_zoom: float = 0.0
    max_zoom: float = 22.0
    attribution: str = ""
    visible: bool = True
    filter: dict[str, list[str]] = field(default_factory=dict)  # property -> accepted values
    features: list[Feature] = field(default_factory=list)

    def geometries(self) -> list[BaseGeometry]:
        return [f.geometry for f in self.features]

    def points_mercator(self) -> tuple[FloatArray, FloatArray]:
        """Representative points in Mercator metres (a polygon's interior point)."""
        if not self.features:
            empty = np.zeros(0, dtype=np.float64)
            return empty, empty
        pts = [
            f.geometry if f.geometry.geom_type == "Point" else f.geometry.representative_point()
            for f in self.features
        ]
        lon = np.fromiter((p.x for p in pts), dtype=np.float64, count=len(pts))
        lat = np.fromiter((p.y for p in pts), dtype=np.float64, count=len(pts))
        return to_mercator(lon, lat)


@dataclass
class LayerPack:
    path: Path
    title: str
    attribution: str
    layers: list[Layer]
    notices: list[Notice] = field(default_factory=list)
    manifest: Path | None = None  # None: inferred

    def layer(self, layer_id: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.id == layer_id), None)

    def by_role(self, role: str) -> list[Layer]:
        return [layer for layer in self.layers if layer.role == role]

    def attributions(self) -> list[str]:
        seen: list[str] = []
        for text in [self.attribution, *(layer.attribution for layer in self.layers)]:
            if text and text not in seen:
                seen.append(text)
        return seen


class ManifestError(ValueError):
    """A manifest that cannot be used at all (bad TOML, no layers)."""


def find_manifest(folder: Path) -> Path | None:
    own = folder / "pack.toml"
    if own.is_file():
        return own
    external = PACKS_DIR / f"{folder.name}.toml"
    return external if external.is_file() else None


def _style(raw: dict[str, Any]) -> LayerStyle:
    style = LayerStyle()
    for key in ("stroke", "fill", "marker", "marker_colour", "label"):
        if key in raw:
            setattr(style, key, str(raw[key]))
    for key in ("width", "marker_size"):
        if key in raw:
            setattr(style, key, float(raw[key]))
    return style


def parse_manifest(text: str, source: str = "pack.toml") -> tuple[dict[str, Any], list[Layer]]:
    """Parse manifest TOML into pack fields and (empty) layers; raises ManifestError."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{source}: {exc}") from exc
    raw_layers = doc.get("layer", [])
    if not isinstance(raw_layers, list) or not raw_layers:
        raise ManifestError(f"{source}: no [[layer]] tables")
    layers: list[Layer] = []
    for i, raw in enumerate(raw_layers):
        if "file" not in raw:
            raise ManifestError(f"{source}: layer {i + 1} has no 'file'")
        kind = str(raw.get("kind", "base"))
        if kind not in KINDS:
            layer_name = raw.get("id", i + 1)
            raise ManifestError(f"{source}: layer {layer_name}: kind must be base|selectable")
        layer = Layer(
            id=str(raw.get("id", Path(raw["file"]).stem)),
            title=str(raw.get("title", raw.get("id", Path(raw["file"]).stem))),
            file=str(raw["file"]),
            kind=kind,
            role=str(raw.get("role", "")),
            style=_style(raw.get("style", {})),
            min_zoom=float(raw.get("min_zoom", 0)),
            max_zoom=float(raw.get("max_zoom", 22)),
            attribution=str(raw.get("attribution", "")),
            visible=bool(raw.get("visible", True)),
            filter={
                str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
                for k, vs in dict(raw.get("filter", {})).items()
            },
        )
        layers.append(layer)
    meta = {"title": str(doc.get("title", "")), "attribution": str(doc.get("attribution", ""))}
    return meta, layers


def _crs_name(doc: dict[str, Any]) -> str | None:
    crs = doc.get("crs")
    if not crs:
        return None
    try:
        return str(crs["properties"]["name"])
    except (KeyError, TypeError):
        return str(crs)


def _feature_name(props: dict[str, Any], label: str) -> str:
    for key in ((label,) if label else ()) + NAME_FIELDS:
        value = props.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def _read_collection(path: Path, notices: list[Notice]) -> dict[str, Any] | None:
    """Read and sanity-check one GeoJSON file; None (with a notice) when it is unusable."""
    name = path.name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        notices.append(Notice(name, tr("File mancante: livello non caricato."), "error"))
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("layer file %s unreadable: %s", path, exc)
        notices.append(
            Notice(
                name,
                tr("File GeoJSON non leggibile ({reason}): livello saltato.", reason=str(exc)[:80]),
                "error",
            )
        )
        return None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        notices.append(
            Notice(name, tr("Non è una FeatureCollection GeoJSON: livello saltato."), "error")
        )
        return None
    crs = _crs_name(doc)
    if crs is not None and crs.strip().lower() not in LONLAT_CRS:
        notices.append(
            Notice(
                name,
                tr(
                    "Sistema di riferimento {crs} non supportato (serve "
                    "lon/lat WGS84, CRS84): livello saltato.",
                    crs=crs,
                ),
                "error",
            )
        )
        return None
    return doc


def _load_features(layer: Layer, doc: dict[str, Any], notices: list[Notice]) -> None:
    raw = doc.get("features")
    if not isinstance(raw, list):
        notices.append(Notice(layer.file, tr("Nessun elemento nel file."), "warning"))
        return
    wanted = layer.filter
    repaired = skipped = projected = 0
    for i, item in enumerate(raw):
        try:
            props = dict(item.get("properties") or {})
            if wanted and not all(str(props.get(k)) in vs for k, vs in wanted.items()):
                continue
            geom = shape(item["geometry"])
        except Exception as exc:  # any broken feature is skipped, never fatal
            log.debug("feature %d of %s skipped: %s", i, layer.file, exc)
            skipped += 1
            continue
        if geom.is_empty:
            skipped += 1
            continue
        minx, miny, maxx, maxy = geom.bounds
        if not (-180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0) or any(
            math.isnan(v) for v in geom.bounds
        ):
            projected += 1
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
            repaired += 1
        layer.features.append(
            Feature(
                f"{layer.id}/{i}", layer.id, _feature_name(props, layer.style.label), props, geom
            )
        )
    if projected and not layer.features:
        notices.append(
            Notice(
                layer.file,
                tr("Le coordinate non sono lon/lat (dati proiettati?): livello saltato."),
                "error",
            )
        )
    elif projected:
        notices.append(
            Notice(layer.file, tr("{n} elementi con coordinate fuori scala scartati.", n=projected))
        )
    if repaired:
        notices.append(
            Notice(
                layer.file,
                tr("{n} geometrie non valide riparate (make_valid).", n=repaired),
                "info",
            )
        )
    if skipped:
        notices.append(Notice(layer.file, tr("{n} elementi danneggiati scartati.", n=skipped)))


def _infer_layers(folder: Path) -> list[Layer]:
    layers = []
    for path in sorted(folder.glob("*.geojson")) + sorted(folder.glob("*.json")):
        layers.append(Layer(id=path.stem, title=path.stem.replace("_", " "), file=path.name))
    return layers


def _infer_kind(layer: Layer) -> None:
    """Inferred layers: points are selectable markers, lines and areas go into the base map."""
    if layer.features and all(
        f.geometry.geom_type in ("Point", "MultiPoint") for f in layer.features
    ):
        layer.kind = "selectable"


def load_pack(path: Path | str, manifest: Path | None = None) -> LayerPack:
    """Load a pack folder (or a single GeoJSON file). Never raises for bad data: see `notices`."""
    folder = Path(path)
    notices: list[Notice] = []
    single_file = folder.is_file()
    base = folder.parent if single_file else folder
    manifest = manifest or (None if single_file else find_manifest(folder))
    meta: dict[str, Any] = {"title": "", "attribution": ""}
    layers: list[Layer]
    if single_file:
        layers = [Layer(id=folder.stem, title=folder.stem.replace("_", " "), file=folder.name)]
    elif not folder.is_dir():
        notices.append(
            Notice(str(folder), tr("Cartella del pacchetto di livelli non trovata."), "error")
        )
        return LayerPack(folder, folder.name, "", [], notices, None)
    elif manifest is not None:
        try:
            meta, layers = parse_manifest(manifest.read_text(encoding="utf-8"), manifest.name)
        except (OSError, ManifestError) as exc:
            notices.append(
                Notice(
                    manifest.name,
                    tr(
                        "Manifesto non valido ({reason}): uso i file della cartella.",
                        reason=str(exc)[:120],
                    ),
                    "error",
                )
            )
            manifest = None
            layers = _infer_layers(folder)
    else:
        layers = _infer_layers(folder)
        if layers:
            notices.append(
                Notice(folder.name, tr("Nessun manifesto: livelli dedotti dai file."), "info")
            )
    docs: dict[str, dict[str, Any] | None] = {}
    loaded: list[Layer] = []
    for layer in layers:
        if layer.file not in docs:
            docs[layer.file] = _read_collection(base / layer.file, notices)
        doc = docs[layer.file]
        if doc is None:
            continue
        _load_features(layer, doc, notices)
        if manifest is None:
            _infer_kind(layer)
            layer.title = str(doc.get("name") or layer.title)
        if not layer.attribution and isinstance(doc.get("license"), str) and manifest is None:
            layer.attribution = doc["license"]
        loaded.append(layer)
    title = meta["title"] or folder.name
    log.info("layer pack %s: %d layers, %d notices", folder, len(loaded), len(notices))
    return LayerPack(folder, title, meta["attribution"], loaded, notices, manifest)


def load_base() -> LayerPack:
    """The data Centrale ships itself: comuni of the Città metropolitana (+ GeoNames places)."""
    manifest = PACKS_DIR / "base.toml"
    return load_pack(RESOURCES / "geo", manifest if manifest.is_file() else None)
