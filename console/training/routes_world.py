"""Cameras (with PTZ), units, markers, sensors and GeoJSON layers."""

from __future__ import annotations

import json
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from console.api import contract as c
from console.i18n import tr
from console.paths import RESOURCES
from console.training import commands
from console.training.auth import Authed, Role, User, require
from console.training.context import Ctx, ServerContext
from console.training.db import Tx
from console.training.problems import ProblemError
from console.training.state import dump
from console.training.world import camera_streams

router = APIRouter()

IdPath = Annotated[str, Path(min_length=1, max_length=100)]
PROBLEMS: dict[int | str, dict[str, Any]] = {s: {"model": c.Problem} for s in (401, 403, 404)}
PTZ_ROLES = (Role.VIDEO, Role.SUPERVISOR, Role.ADMIN, Role.RADIO)
PtzUser = Annotated[User, Depends(require(*PTZ_ROLES))]


def _with_urls(ctx: ServerContext, cam: c.Camera) -> c.Camera:
    """Stream URLs are computed now: the stream server may have chosen its ports after seeding."""
    return cam.model_copy(update={"streams": camera_streams(ctx, cam.id)})


@router.get("/cameras", response_model=list[c.Camera], tags=["cameras"], responses=PROBLEMS)
async def list_cameras(_user: Authed, ctx: Ctx) -> list[c.Camera]:
    cams = sorted(ctx.state.all("camera", c.Camera), key=lambda x: x.id)
    return [_with_urls(ctx, cam) for cam in cams]


@router.get("/cameras/{camera_id}", response_model=c.Camera, tags=["cameras"], responses=PROBLEMS)
async def get_camera(camera_id: IdPath, _user: Authed, ctx: Ctx) -> c.Camera:
    cam = ctx.state.get("camera", camera_id, c.Camera)
    if cam is None:
        raise ProblemError(404, tr("Non esiste la telecamera {id}.", id=camera_id))
    return _with_urls(ctx, cam)


@router.post(
    "/cameras/{camera_id}/ptz",
    response_model=c.Camera,
    tags=["cameras"],
    responses={**PROBLEMS, 409: {"model": c.Problem}},
)
async def ptz(
    camera_id: IdPath, cmd: c.PtzCommand, request: Request, user: PtzUser, ctx: Ctx
) -> JSONResponse:
    def handler(tx: Tx) -> tuple[int, Any]:
        cam = ctx.state.get("camera", camera_id, c.Camera)
        if cam is None:
            raise ProblemError(404, tr("Non esiste la telecamera {id}.", id=camera_id))
        if not cam.ptz:
            raise ProblemError(
                409, tr("La telecamera {id} è fissa: non si può brandeggiare.", id=camera_id)
            )
        heading = cam.heading
        if cmd.preset is not None:
            preset = next((p for p in cam.presets if p.id == cmd.preset), None)
            if preset is None:
                raise ProblemError(
                    422, tr("La telecamera {id} non ha il preset {p}.", id=camera_id, p=cmd.preset)
                )
            heading = preset.heading
        elif not -360.0 <= cmd.pan <= 360.0:
            raise ProblemError(422, tr("La rotazione (pan) deve essere tra -360 e 360 gradi."))
        else:
            heading = (heading + cmd.pan) % 360.0
        fov = cam.fov
        if -10.0 <= cmd.zoom <= 10.0 and cmd.zoom:
            fov = min(90.0, max(5.0, fov / (2.0**cmd.zoom)))
        updated = cam.model_copy(update={"heading": round(heading, 1), "fov": round(fov, 1)})
        ctx.state.save(tx, "camera", updated)
        body = dump(_with_urls(ctx, updated))
        tx.emit(c.EventType.CAMERA_UPDATED, body)
        return 200, body

    return commands.run(ctx, request, user, handler)


@router.get("/units", response_model=list[c.Unit], tags=["units"], responses=PROBLEMS)
async def list_units(_user: Authed, ctx: Ctx) -> list[c.Unit]:
    return sorted(ctx.state.all("unit", c.Unit), key=lambda u: u.id)


@router.get("/units/{unit_id}", response_model=c.Unit, tags=["units"], responses=PROBLEMS)
async def get_unit(unit_id: IdPath, _user: Authed, ctx: Ctx) -> c.Unit:
    unit = ctx.state.get("unit", unit_id, c.Unit)
    if unit is None:
        raise ProblemError(404, tr("Non esiste l'unità {id}.", id=unit_id))
    return unit


@router.get("/markers", response_model=list[c.Marker], tags=["units"], responses=PROBLEMS)
async def list_markers(_user: Authed, ctx: Ctx) -> list[c.Marker]:
    return sorted(ctx.state.all("marker", c.Marker), key=lambda m: m.id)


@router.get("/sensors", response_model=list[c.SensorReading], tags=["sensors"], responses=PROBLEMS)
async def list_sensors(_user: Authed, ctx: Ctx) -> list[c.SensorReading]:
    return sorted(ctx.state.all("sensor", c.SensorReading), key=lambda s: s.sensor_id)


# --- layers ---------------------------------------------------------------------------------


def _layer_files(ctx: ServerContext) -> dict[str, FsPath]:
    files: dict[str, FsPath] = {}
    for path in sorted((RESOURCES / "geo").glob("*.geojson")):
        files[path.stem] = path
    for folder in ctx.config.layers:
        for path in sorted(FsPath(folder).glob("*.geojson")):
            files.setdefault(path.stem, path)
    return files


def _read_layer(ctx: ServerContext, path: FsPath) -> dict[str, Any]:
    cache: dict[str, tuple[float, dict[str, Any]]] = ctx.layers.setdefault("_files", {})
    try:
        mtime = path.stat().st_mtime
        hit = cache.get(str(path))
        if hit is not None and hit[0] == mtime:
            return hit[1]
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProblemError(
            503, tr("Il file del livello {f} non è leggibile: {e}", f=path.name, e=exc)
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ProblemError(
            503, tr("Il file del livello {f} non è una FeatureCollection GeoJSON.", f=path.name)
        )
    cache[str(path)] = (mtime, doc)
    return doc


def _info(layer_id: str, doc: dict[str, Any]) -> c.LayerInfo:
    features = doc.get("features", [])
    points = all((f.get("geometry") or {}).get("type") == "Point" for f in features)
    return c.LayerInfo(
        id=layer_id,
        title=str(doc.get("name") or layer_id),
        kind="selectable" if features and points else "base",
        attribution=str(doc.get("license") or ""),
        feature_count=len(features),
    )


@router.get("/layers", response_model=list[c.LayerInfo], tags=["layers"], responses=PROBLEMS)
async def list_layers(_user: Authed, ctx: Ctx) -> list[c.LayerInfo]:
    out = []
    for layer_id, path in _layer_files(ctx).items():
        try:
            out.append(_info(layer_id, _read_layer(ctx, path)))
        except ProblemError:
            continue  # an unreadable file is left out of the list, the rest still serves
    return out


@router.get(
    "/layers/{layer_id}",
    tags=["layers"],
    responses={
        **PROBLEMS,
        200: {"content": {"application/geo+json": {}}, "description": "GeoJSON"},
    },
)
async def get_layer(
    layer_id: IdPath,
    _user: Authed,
    ctx: Ctx,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> JSONResponse:
    path = _layer_files(ctx).get(layer_id)
    if path is None:
        raise ProblemError(
            404, tr("Non esiste il livello {id} (vedere /api/v1/layers).", id=layer_id)
        )
    doc = _read_layer(ctx, path)
    if limit is not None:
        doc = {**doc, "features": doc.get("features", [])[:limit]}
    return JSONResponse(doc, media_type="application/geo+json")
