"""Runs the training back-end as a child process the console (or a test) controls.

The child gets its own process group, so stop()/kill() also end anything it started (stream
server helpers), and an atexit hook stops it if the parent forgets: no orphans. The port is
chosen once and kept, so a restarted server comes back at the same URL with the same database.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import httpx

from console.api.contract import API_PREFIX
from console.paths import REPO_ROOT, data_dir, state_dir


class TrainingServerError(RuntimeError):
    """The training back-end did not come up; the message carries the tail of its log."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class TrainingProcess:
    def __init__(
        self,
        port: int = 0,
        db: Path | None = None,
        layers: Sequence[Path] = (),
        rate_scale: float = 1.0,
        video: bool = True,
        scenario: bool = True,
        heartbeat: float = 10.0,
        extra_args: Sequence[str] = (),
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.db = db if db is not None else data_dir() / "training.sqlite"
        self.layers = tuple(layers)
        self.rate_scale = rate_scale
        self.video = video
        self.scenario = scenario
        self.heartbeat = heartbeat
        self.extra_args = tuple(extra_args)
        self.log_path = log_path or state_dir() / "training-server.log"
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        atexit.register(self.stop)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "console.training.server", "--host", self.host,
               "--port", str(self.port), "--db", str(self.db),
               "--rate-scale", str(self.rate_scale), "--heartbeat", str(self.heartbeat)]
        for layer in self.layers:
            cmd += ["--layers", str(layer)]
        if not self.video:
            cmd.append("--no-video")
        if not self.scenario:
            cmd.append("--no-scenario")
        return cmd + list(self.extra_args)

    def start(self) -> None:
        if self.running():
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._log.write(f"\n--- start {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n".encode())
        self._log.flush()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        self._proc = subprocess.Popen(
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, cwd=str(REPO_ROOT), env=env,
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        url = f"{self.base_url}{API_PREFIX}/health"
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                code = self._proc.returncode if self._proc else None
                self._close_log()
                raise TrainingServerError(
                    f"training server exited with code {code} while starting; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise TrainingServerError(
            f"training server not healthy at {url} after {self.start_timeout:.0f} s; "
            f"log {self.log_path}:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _signal(self, sig: int) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM (graceful), then SIGKILL if it does not end in `timeout` seconds."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._proc.wait(timeout)
        self._signal(signal.SIGKILL)  # leftovers of the group, if any
        self._proc = None
        self._close_log()

    def kill(self) -> None:
        """SIGKILL the whole group at once: a crash, for tests of recovery."""
        if self._proc is None:
            return
        self._signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(5.0)
        self._proc = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None

    def __enter__(self) -> TrainingProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
