"""Entry point of the training back-end process: `python -m console.training.server --port N`.

`serve(config)` blocks running uvicorn; `main.py --serve-training` calls it, the launcher spawns
this module as a child process.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from console.training.app import create_app
from console.training.config import TrainingConfig

__all__ = ["TrainingConfig", "create_app", "main", "parse_args", "serve"]

log = logging.getLogger(__name__)


def serve(config: TrainingConfig) -> None:
    app = create_app(config)
    uv = uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning",
        timeout_graceful_shutdown=2, access_log=False,
    )
    log.info("training back-end on http://%s:%d (db %s)", config.host, config.port,
             config.db_path())
    uvicorn.Server(uv).run()


def parse_args(argv: Sequence[str] | None = None) -> TrainingConfig:
    p = argparse.ArgumentParser(
        prog="python -m console.training.server",
        description="Centrale training back-end (loopback by default).",
    )
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--db", type=Path, default=None, help="SQLite file (default: data dir)")
    p.add_argument("--layers", type=Path, action="append", default=[],
                   help="layer pack folder (repeatable)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rate-scale", type=float, default=1.0)
    p.add_argument("--no-video", action="store_true")
    p.add_argument("--no-scenario", action="store_true")
    p.add_argument("--heartbeat", type=float, default=10.0, help="seconds, at most 15")
    p.add_argument("--backlog", type=int, default=100_000)
    p.add_argument("--injects", type=Path, default=None, help="exercise timeline (TOML)")
    p.add_argument("--rtsp-port", type=int, default=None)
    p.add_argument("--http-port", type=int, default=None)
    a = p.parse_args(argv)
    if not 0 < a.heartbeat <= 15:
        p.error("--heartbeat must be between 0 and 15 seconds")
    if a.rate_scale <= 0:
        p.error("--rate-scale must be positive")
    if a.injects is not None:
        from console.training.injects import InjectError, load

        try:
            load(a.injects)
        except InjectError as exc:
            p.error(str(exc))
    return TrainingConfig(
        host=a.host, port=a.port, db=a.db, layers=tuple(a.layers), seed=a.seed,
        rate_scale=a.rate_scale, video=not a.no_video, scenario=not a.no_scenario,
        heartbeat=a.heartbeat, backlog=a.backlog, injects=a.injects,
        rtsp_port=a.rtsp_port, http_port=a.http_port,
    )


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    serve(parse_args(argv))


if __name__ == "__main__":
    main()
