"""The training world's fixed cast: cameras, chat channels, units and sensors, seeded once per
database, and the camera stream server's life cycle.

Seeding is deterministic (config.seed) and happens only on an empty database, so a restarted
server keeps the exercise it was running.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import random
from typing import Any

from console.api import contract as c
from console.i18n import tr
from console.training import geodata
from console.training.context import ServerContext
from console.training.state import now

log = logging.getLogger(__name__)

CAMERA_IDS = [f"cam{n:02d}" for n in range(1, 17)]

# Well-known Milan squares (real coordinates), used when no layer pack with the Area C gates
# is given: (name, lon, lat, heading).
SQUARES = [
    ("Piazza del Duomo", 9.19000, 45.46420, 90.0),
    ("Piazzale Cadorna", 9.17550, 45.46830, 45.0),
    ("Stazione Centrale - Piazza Duca d'Aosta", 9.20400, 45.48460, 180.0),
    ("Porta Garibaldi - Piazza Gae Aulenti", 9.18940, 45.48390, 200.0),
    ("Piazzale Loreto", 9.21610, 45.48570, 300.0),
    ("Porta Venezia", 9.20500, 45.47450, 60.0),
    ("Piazza San Babila", 9.19780, 45.46640, 120.0),
    ("Largo Cairoli - Castello Sforzesco", 9.18330, 45.46830, 320.0),
    ("Piazza XXIV Maggio - Darsena", 9.17800, 45.45270, 10.0),
    ("Porta Romana", 9.20500, 45.45220, 230.0),
    ("Piazza della Repubblica", 9.19850, 45.48000, 150.0),
    ("Piazza Leonardo da Vinci", 9.22700, 45.47800, 270.0),
    ("Piazzale Lodi", 9.20900, 45.44700, 30.0),
    ("Arco della Pace - Piazza Sempione", 9.17260, 45.47570, 135.0),
    ("Corso Buenos Aires - Piazza Lima", 9.21100, 45.48000, 210.0),
    ("Piazza Cordusio", 9.18650, 45.46550, 75.0),
]

CHANNELS = [
    ("sala-radio", "PL Milano - Sala Radio", c.ChannelKind.AGENCY),
    ("videosorveglianza", "PL Milano - Videosorveglianza", c.ChannelKind.AGENCY),
    ("vvf", "VVF Milano", c.ChannelKind.AGENCY),
    ("areu", "AREU 118", c.ChannelKind.AGENCY),
    ("forze-ordine", "PS - CC - PL", c.ChannelKind.AGENCY),
    ("coc", "COC Protezione Civile", c.ChannelKind.AGENCY),
    ("geochat", "GeoChat", c.ChannelKind.AGENCY),
    ("tutte", "Tutte le sale", c.ChannelKind.BROADCAST),
]

# (agency, kind, callsign prefix, how many)
FLEET = [
    (c.Agency.PL, "car", "Delta", 12),
    (c.Agency.PL, "motorbike", "Moto", 6),
    (c.Agency.PS, "car", "Volante", 5),
    (c.Agency.CC, "car", "Gazzella", 5),
    (c.Agency.VVF, "fire_engine", "APS", 4),
    (c.Agency.AREU, "ambulance", "MSB", 8),
]


def geo(ctx: ServerContext) -> geodata.GeoData:
    cached = ctx.layers.get("_geo")
    if isinstance(cached, geodata.GeoData):
        return cached
    data = geodata.load(tuple(ctx.config.layers))
    ctx.layers["_geo"] = data
    return data


def camera_streams(ctx: ServerContext, camera_id: str) -> c.CameraStreams:
    if ctx.streams is not None:
        try:
            streams: c.CameraStreams = ctx.streams.streams_for(camera_id)
            return streams
        except (KeyError, RuntimeError):
            pass
    host = "127.0.0.1" if ctx.config.host in ("0.0.0.0", "") else ctx.config.host
    rtsp, http = ctx.config.stream_ports()
    return c.CameraStreams(
        main_rtsp=f"rtsp://{host}:{rtsp}/{camera_id}",
        sub_rtsp=f"rtsp://{host}:{rtsp}/{camera_id}_sub",
        main_http=f"http://{host}:{http}/{camera_id}.ts",
        sub_http=f"http://{host}:{http}/{camera_id}_sub.ts",
    )


def _cameras(ctx: ServerContext, rng: random.Random) -> list[c.Camera]:
    g = geo(ctx)
    if len(g.gates) >= 16:
        step = len(g.gates) / 16
        spots = [(f"Varco Area C - {g.gates[int(i * step)].name.title()}",
                  g.gates[int(i * step)].lon, g.gates[int(i * step)].lat,
                  float(rng.randrange(0, 360, 15))) for i in range(16)]
    else:
        spots = list(SQUARES)
    cams = []
    for i, (name, lon, lat, heading) in enumerate(spots):
        cam_id = CAMERA_IDS[i]
        ptz = i % 3 == 0
        cams.append(c.Camera(
            id=cam_id, name=name, lon=lon, lat=lat, heading=heading,
            fov=60.0 if not ptz else 48.0, range_m=150.0 if ptz else 110.0,
            streams=camera_streams(ctx, cam_id), ptz=ptz, address=name,
            presets=[c.PtzPreset(id=f"p{k}", name=f"Preset {k}", heading=(heading + 90 * k) % 360)
                     for k in range(1, 4)] if ptz else [],
            # Building facades with private windows are masked on every fourth camera: top
            # right, clear of the name and time stamp the camera burns in at the top left.
            privacy_masks=[[(0.74, 0.0), (1.0, 0.0), (1.0, 0.32), (0.74, 0.32)]]
            if i % 4 == 1 else [],
        ))
    return cams


def _units(ctx: ServerContext, rng: random.Random) -> list[c.Unit]:
    routes = geo(ctx).routes
    units = []
    at = now()
    for agency, kind, prefix, count in FLEET:
        for n in range(1, count + 1):
            route = routes[rng.randrange(len(routes))]
            lon, lat = route[rng.randrange(len(route))]
            units.append(c.Unit(
                id=f"{agency.value.lower()}-{kind}-{n:02d}", callsign=f"{prefix} {n:02d}",
                agency=agency, kind=kind, status_since=at, lon=lon, lat=lat,
                heading=float(rng.randrange(360)),
            ))
    return units


def seed(ctx: ServerContext) -> None:
    if ctx.db.meta("world_seeded") is not None:
        return
    rng = random.Random(ctx.config.seed)
    with ctx.db.tx() as tx:
        for cam in _cameras(ctx, rng):
            ctx.state.save(tx, "camera", cam)
        for ch_id, name, kind in CHANNELS:
            ctx.state.save(tx, "channel", c.Channel(id=ch_id, name=name, kind=kind))
        for unit in _units(ctx, rng):
            ctx.state.save(tx, "unit", unit)
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('world_seeded', ?)",
                   (geo(ctx).source,))


def _load_stream_server(ctx: ServerContext, auto_ports: bool = False) -> Any:
    try:
        streams = importlib.import_module("console.training.streams")
    except ImportError as exc:  # libVLC missing on this machine
        log.warning("camera streams unavailable: %s", exc)
        return None
    rtsp, http = (0, 0) if auto_ports else ctx.config.stream_ports()
    return streams.StreamServer(host=ctx.config.host, rtsp_port=rtsp, http_port=http)


def _start_blocking(server: Any) -> str:
    ok, _reason = server.available()
    if not ok:
        try:
            clips = importlib.import_module("console.training.clips")
            clips.make_clips(server.clips_dir)
        except Exception as exc:  # ffmpeg missing or failing: the server runs without video
            return tr("Impossibile preparare le clip delle telecamere: {e}", e=exc)
    try:
        server.start()
    except Exception as exc:  # StreamServerError and libVLC failures alike
        return tr("Flussi video delle telecamere non avviati: {e}", e=exc)
    return ""


async def start_streams(ctx: ServerContext) -> None:
    """Start the stream server off the event loop; the API keeps serving meanwhile.

    Default ports are the API port + 1 and + 2; if those are taken (and the operator did not
    ask for them explicitly) any free ports will do: camera URLs are computed when served.
    """
    explicit = ctx.config.rtsp_port is not None or ctx.config.http_port is not None
    for auto_ports in (False, True) if not explicit else (False,):
        server = _load_stream_server(ctx, auto_ports)
        if server is None:
            ctx.video_status = tr("libVLC non disponibile: flussi video spenti")
            return
        ctx.streams = server  # set first, so a shutdown during start() still stops it
        ctx.video_status = "starting"
        error = await asyncio.to_thread(_start_blocking, server)
        if not error:
            ctx.video_status = "ok"
            return
        log.warning("%s", error)
        ctx.video_status = error
        ctx.streams = None


def stop_streams(ctx: ServerContext) -> None:
    if ctx.streams is not None:
        try:
            ctx.streams.stop()
        except Exception as exc:  # stopping must never block shutdown
            log.warning("stopping camera streams: %s", exc)
        ctx.streams = None
