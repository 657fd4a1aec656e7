"""Command line of `centrale` / `python main.py`.

CI, the docs and people use these flags to check the product, so they stay stable.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from console import __version__


@dataclass
class Options:
    server: str | None = None
    layout: str | None = None
    layers: list[Path] = field(default_factory=list)
    serve_training: bool = False
    host: str = "127.0.0.1"
    port: int = 8765
    rate_scale: float | None = None
    seed: int | None = None
    no_video: bool = False
    injects: Path | None = None
    self_test: bool = False
    screenshot: Path | None = None
    quit_after: float | None = None
    user: str | None = None
    language: str | None = None
    insecure: bool = False
    log_level: str | None = None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="centrale",
        description="Centrale: operator console for city control rooms. With no --server it "
        "starts the embedded training back-end (a simulated Milan scenario).",
    )
    p.add_argument("--version", action="version", version=f"centrale {__version__}")
    p.add_argument("--server", metavar="URL", help="back-end URL (default: embedded training)")
    p.add_argument("--layout", metavar="NAME", help="layout name from layouts/ or a .toml path")
    p.add_argument("--layers", metavar="DIR", type=Path, action="append", default=[],
                   help="layer-pack folder (repeatable), e.g. ../shared/data/milano")
    p.add_argument("--user", metavar="NAME", help="operator to sign in as")
    p.add_argument("--lang", dest="language", choices=("it", "en"), help="interface language")
    p.add_argument("--insecure", action="store_true",
                   help="do not verify the server's TLS certificate (test servers only)")
    p.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"))

    t = p.add_argument_group("training back-end")
    t.add_argument("--serve-training", action="store_true",
                   help="run only the training back-end, so several consoles share one drill")
    t.add_argument("--host", default="127.0.0.1", help="address to serve on (default loopback)")
    t.add_argument("--port", type=int, default=8765, help="port for --serve-training")
    t.add_argument("--rate-scale", type=float, help="speed-up of the scenario's event rates")
    t.add_argument("--seed", type=int, help="scenario seed")
    t.add_argument("--no-video", action="store_true", help="do not serve camera streams")
    t.add_argument("--injects", type=Path, metavar="FILE", help="exercise timeline (TOML)")

    c = p.add_argument_group("checks")
    c.add_argument("--self-test", action="store_true",
                   help="print one JSON object describing this installation, then exit")
    c.add_argument("--screenshot", type=Path, metavar="DIR",
                   help="write one PNG per window into DIR (with --quit-after)")
    c.add_argument("--quit-after", type=float, metavar="SECONDS",
                   help="quit after SECONDS (after writing screenshots, if asked)")
    return p


def parse_args(argv: list[str] | None = None) -> Options:
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.screenshot is not None and ns.quit_after is None:
        parser.error("--screenshot richiede --quit-after SECONDI")
    if ns.quit_after is not None and ns.quit_after <= 0:
        parser.error("--quit-after deve essere maggiore di zero")
    if not 0 < ns.port < 65536:
        parser.error("--port deve essere fra 1 e 65535")
    return Options(**vars(ns))
