"""Settings of one training back-end process, shared by the CLI, `main.py --serve-training` and
the launcher, so all three start the same server the same way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console.paths import data_dir


@dataclass
class TrainingConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    db: Path | None = None  # None: <data dir>/training.sqlite
    layers: tuple[Path, ...] = ()
    seed: int = 7
    rate_scale: float = 1.0
    video: bool = True
    scenario: bool = True
    heartbeat: float = 10.0
    backlog: int = 100_000
    injects: Path | None = None
    # Camera stream ports; None: port + 1 (RTSP) and port + 2 (HTTP MPEG-TS), so several
    # training servers on one machine never fight over the same ports.
    rtsp_port: int | None = None
    http_port: int | None = None
    access_ttl: int = 3600
    refresh_ttl: int = 12 * 3600

    def db_path(self) -> Path:
        return self.db if self.db is not None else data_dir() / "training.sqlite"

    def stream_ports(self) -> tuple[int, int]:
        rtsp = self.rtsp_port if self.rtsp_port is not None else self.port + 1
        http = self.http_port if self.http_port is not None else self.port + 2
        return rtsp, http
