"""Live camera streams of the training back-end: the made clips, looped and served by libVLC.

One libVLC instance (in-process, so it runs as root too, unlike cvlc) holds one VLM broadcast per
stream (camNN main, camNN_sub). Each broadcast reads its clip once and duplicates it to two
outputs: RTSP through `rtp{sdp=rtsp://...}` (UDP transport, all mounts on one RTSP port) for
real-world players, and HTTP MPEG-TS through `std{access=http,mux=ts}` (all mounts on one HTTP
port) for players without RTSP, such as Debian's libVLC. `gather` keeps the output open across
the loop so a player sees one endless stream, not a new one every 12 seconds.

libVLC binds silently: a port already taken still reports "playing". So start() asks every mount
over the wire (RTSP DESCRIBE, HTTP GET) before it says a camera is served, and retries on fresh
ports when it picked them itself. A camera whose clip is missing or unreadable is reported
unavailable with a reason; the others serve.

Run alone: `python -m console.training.streams --serve` (URLs in the log) or `--make-clips`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from console.api.contract import CameraStreams
from console.i18n import tr
from console.training import clips

log = logging.getLogger(__name__)

vlc: Any
try:  # libVLC is optional for the console: without it the training cameras say why.
    import vlc as _vlc_module

    vlc = _vlc_module
    _VLC_ERROR = ""
except Exception as exc:  # python-vlc raises OSError/NameError/AttributeError without libvlc
    vlc = None
    _VLC_ERROR = str(exc) or type(exc).__name__

READY_TIMEOUT_S = 6.0
_PORT_ATTEMPTS = 3
_VLC_ARGS = ["--quiet", "--no-audio", "--no-sub-autodetect-file", "--no-stats"]


class StreamServerError(RuntimeError):
    """The stream server cannot start; the message is for a person (Italian, tr())."""


@dataclass
class _Mount:
    camera_id: str
    sub: bool
    clip: Path

    @property
    def name(self) -> str:
        return f"{self.camera_id}_sub" if self.sub else self.camera_id


def _free_port(host: str, avoid: Iterable[int] = ()) -> int:
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in set(avoid):
            return port
    raise StreamServerError(tr("Nessuna porta libera su {host}", host=host))


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _rtsp_status(host: str, port: int, path: str, timeout: float = 1.0) -> int | None:
    """Status code of an RTSP DESCRIBE for `path`, or None when nothing sensible answers."""
    request = (
        f"DESCRIBE rtsp://{host}:{port}/{path} RTSP/1.0\r\nCSeq: 1\r\n"
        "Accept: application/sdp\r\nUser-Agent: centrale-streams\r\n\r\n"
    )
    return _status_line(host, port, request, b"RTSP/1.0 ", timeout)


def _http_status(host: str, port: int, path: str, timeout: float = 1.0) -> int | None:
    request = f"GET /{path} HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: centrale-streams\r\n\r\n"
    return _status_line(host, port, request, b"HTTP/1.", timeout)


def _status_line(host: str, port: int, request: str, prefix: bytes, timeout: float) -> int | None:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(request.encode("ascii"))
            data = b""
            while b"\r\n" not in data and len(data) < 512:
                chunk = sock.recv(512)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    if not data.startswith(prefix):
        return None
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def libvlc_status() -> tuple[bool, str]:
    """(True, version) when python-vlc and libVLC load, else (False, a reason for a person)."""
    if vlc is None:
        return False, tr(
            "libVLC non disponibile ({error}): installare libvlc5 e vlc-plugin-base",
            error=_VLC_ERROR,
        )
    try:
        version = vlc.libvlc_get_version()
    except Exception as exc:
        return False, tr("libVLC non utilizzabile: {error}", error=exc)
    return True, version.decode(errors="replace") if isinstance(version, bytes) else str(version)


class StreamServer:
    """Serves every training camera's main and sub stream over RTSP and HTTP MPEG-TS.

    Thread-safe: every libVLC call is made under one lock, so the training server may call
    stop_camera()/start_camera() from its request handlers while another thread starts it.
    start() blocks for at most a few seconds (it checks each mount over the wire); call it
    off the event loop (e.g. `await asyncio.to_thread(server.start)`).
    """

    def __init__(
        self,
        clips_dir: Path | None = None,
        host: str = "127.0.0.1",
        rtsp_port: int = 0,
        http_port: int = 0,
        camera_ids: Sequence[str] = clips.CAMERA_IDS,
        advertise_host: str | None = None,
        ready_timeout: float = READY_TIMEOUT_S,
    ) -> None:
        self.clips_dir = clips_dir or clips.default_clips_dir()
        self.host = host
        self.advertise_host = advertise_host or ("127.0.0.1" if host == "0.0.0.0" else host)
        self._want_rtsp = rtsp_port
        self._want_http = http_port
        self._ids = tuple(camera_ids)
        self._ready_timeout = ready_timeout
        self._lock = threading.RLock()
        self._instance: Any = None
        self._rtsp_port = 0
        self._http_port = 0
        self._mounts: dict[str, _Mount] = {}  # by mount name, only cameras with clips
        self._unavailable: dict[str, str] = {}  # camera id -> reason
        self._stopped: set[str] = set()  # camera ids stopped on purpose

    # --- facts -----------------------------------------------------------------------------

    @property
    def rtsp_port(self) -> int:
        return self._rtsp_port

    @property
    def http_port(self) -> int:
        return self._http_port

    @property
    def running(self) -> bool:
        return self._instance is not None

    def camera_ids(self) -> list[str]:
        """Every configured camera, served or not (see camera_status for which and why)."""
        return list(self._ids)

    def available(self) -> tuple[bool, str]:
        """Whether start() can serve anything: libVLC loads and at least one clip exists."""
        ok, reason = libvlc_status()
        if not ok:
            return False, reason
        present = [cam for cam in self._ids if self._missing(cam) is None]
        if not present:
            return False, tr(
                "Nessuna clip delle telecamere in {folder}: eseguire "
                "'python -m console.training.streams --make-clips'",
                folder=self.clips_dir,
            )
        if len(present) < len(self._ids):
            return True, tr(
                "{n} telecamere su {total} disponibili", n=len(present), total=len(self._ids)
            )
        return True, tr("libVLC {version}, {n} telecamere", version=reason, n=len(present))

    def camera_status(self, camera_id: str) -> tuple[bool, str]:
        """(served now, reason when not). Unknown ids raise KeyError."""
        if camera_id not in self._ids:
            raise KeyError(camera_id)
        with self._lock:
            if camera_id in self._unavailable:
                return False, self._unavailable[camera_id]
            if self._instance is None:
                return False, tr("Server dei flussi video non avviato")
            if camera_id in self._stopped:
                return False, tr("Flusso fermato dall'esercitazione")
            for mount in self._camera_mounts(camera_id):
                # -1: libVLC has no running instance for this broadcast (it ended on its own).
                if self._instance.vlm_get_media_instance_position(mount.name.encode(), 0) < 0:
                    return False, tr("Flusso {name} interrotto", name=mount.name)
            return True, ""

    def unavailable(self) -> dict[str, str]:
        """Cameras that cannot be served (missing or broken clip), with the reason."""
        with self._lock:
            return dict(self._unavailable)

    def streams_for(self, camera_id: str) -> CameraStreams:
        """The four URLs of a camera. Needs start() (ports are chosen there)."""
        if camera_id not in self._ids:
            raise KeyError(camera_id)
        if not self._rtsp_port:
            raise RuntimeError("StreamServer.streams_for() before start(): ports not chosen yet")
        rtsp = f"rtsp://{self.advertise_host}:{self._rtsp_port}"
        http = f"http://{self.advertise_host}:{self._http_port}"
        return CameraStreams(
            main_rtsp=f"{rtsp}/{camera_id}",
            sub_rtsp=f"{rtsp}/{camera_id}_sub",
            main_http=f"{http}/{camera_id}.ts",
            sub_http=f"{http}/{camera_id}_sub.ts",
        )

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Serve every camera that has clips. Raises StreamServerError when nothing can run."""
        with self._lock:
            if self._instance is not None:
                return
            ok, reason = self.available()
            if not ok:
                raise StreamServerError(reason)
            self._collect_mounts()
            if not self._mounts:
                raise StreamServerError(tr("Nessuna clip utilizzabile in {f}", f=self.clips_dir))
            for port in (self._want_rtsp, self._want_http):
                if port and not _port_free(self.host, port):
                    raise StreamServerError(
                        tr("La porta {port} su {host} è già in uso", port=port, host=self.host)
                    )
            auto = not (self._want_rtsp and self._want_http)
            last_error = ""
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                rtsp = self._want_rtsp or _free_port(self.host)
                http = self._want_http or _free_port(self.host, avoid=(rtsp,))
                last_error = self._try_start(rtsp, http)
                if not last_error:
                    self._stopped.clear()
                    log.info(
                        "camera streams on rtsp %s:%d and http %s:%d (%d mounts, %d unavailable)",
                        self.host, rtsp, self.host, http, len(self._mounts),
                        len(self._unavailable),
                    )  # fmt: skip
                    return
                log.warning("stream server attempt %d failed: %s", attempt, last_error)
                if not auto:
                    break
            raise StreamServerError(last_error)

    def stop(self) -> None:
        """Stop every broadcast and release libVLC: afterwards nothing of ours listens."""
        with self._lock:
            instance, self._instance = self._instance, None
            if instance is None:
                return
            self._release(instance)
            self._rtsp_port = self._http_port = 0
            log.info("camera streams stopped")

    def stop_camera(self, camera_id: str) -> None:
        """Take a camera off the air (drills, recovery tests): its URLs answer 404 until started."""
        with self._lock:
            self._require_running(camera_id)
            for mount in self._camera_mounts(camera_id):
                self._instance.vlm_stop_media(mount.name.encode())
            self._stopped.add(camera_id)
            log.info("camera %s stopped", camera_id)

    def start_camera(self, camera_id: str, timeout: float | None = None) -> bool:
        """Put a stopped camera back on the air; True once its mounts answer again."""
        with self._lock:
            self._require_running(camera_id)
            mounts = self._camera_mounts(camera_id)
            for mount in mounts:
                name = mount.name.encode()
                # Replaying a running broadcast would cut its viewers: only start what is down.
                if self._instance.vlm_get_media_instance_position(name, 0) < 0:
                    self._instance.vlm_play_media(name)
            self._stopped.discard(camera_id)
        # Waiting outside the lock: request handlers asking for status are not held up.
        failed = self._wait_ready(mounts, timeout or self._ready_timeout)
        if failed:
            log.warning("camera %s restarted but does not answer: %s", camera_id, failed)
        else:
            log.info("camera %s restarted", camera_id)
        return not failed

    def __enter__(self) -> StreamServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- internals -------------------------------------------------------------------------

    def _missing(self, camera_id: str) -> str | None:
        for sub in (False, True):
            path = clips.clip_path(self.clips_dir, camera_id, sub)
            if not path.is_file() or path.stat().st_size == 0:
                return tr("Clip video mancante: {file}", file=path.name)
        return None

    def _collect_mounts(self) -> None:
        self._mounts.clear()
        self._unavailable.clear()
        for cam in self._ids:
            reason = self._missing(cam)
            if reason is not None:
                self._unavailable[cam] = reason
                log.warning("camera %s unavailable: %s", cam, reason)
                continue
            for sub in (False, True):
                mount = _Mount(cam, sub, clips.clip_path(self.clips_dir, cam, sub))
                self._mounts[mount.name] = mount

    def _camera_mounts(self, camera_id: str) -> list[_Mount]:
        return [m for m in self._mounts.values() if m.camera_id == camera_id]

    def _require_running(self, camera_id: str) -> None:
        if camera_id not in self._ids:
            raise KeyError(camera_id)
        if self._instance is None:
            raise RuntimeError("stream server not started")
        if camera_id in self._unavailable:
            raise RuntimeError(f"camera {camera_id} unavailable: {self._unavailable[camera_id]}")

    def _output(self, mount: _Mount, rtsp: int, http: int) -> bytes:
        name = mount.name
        return (
            f"#gather:duplicate{{"
            f"dst=rtp{{sdp=rtsp://{self.host}:{rtsp}/{name}}},"
            f"dst=std{{access=http,mux=ts,dst={self.host}:{http}/{name}.ts}}}}"
        ).encode()

    def _try_start(self, rtsp: int, http: int) -> str:
        """Start every broadcast on these ports; '' on success, else a reason (all released)."""
        instance = vlc.Instance(_VLC_ARGS)
        if instance is None:
            return tr("libVLC non si avvia (plugin mancanti? installare vlc-plugin-base)")
        for mount in self._mounts.values():
            name = mount.name.encode()
            uri = str(mount.clip).encode()
            if instance.vlm_add_broadcast(
                name, uri, self._output(mount, rtsp, http), 1, [b"sout-keep"], True, True
            ) != 0 or instance.vlm_play_media(name) != 0:  # fmt: skip
                self._unavailable[mount.camera_id] = tr("libVLC rifiuta la clip {f}", f=uri)
        self._instance, self._rtsp_port, self._http_port = instance, rtsp, http
        pending = [m for m in self._mounts.values() if m.camera_id not in self._unavailable]
        failed = self._wait_ready(pending, self._ready_timeout)
        if failed and len(failed) == len(pending):
            self._release(instance)
            self._instance, self._rtsp_port, self._http_port = None, 0, 0
            for cam in {m.camera_id for m in pending}:
                self._unavailable.pop(cam, None)
            return tr(
                "I flussi video non rispondono sulle porte {rtsp} (RTSP) e {http} (HTTP): "
                "porte occupate o moduli di streaming di libVLC mancanti",
                rtsp=rtsp,
                http=http,
            )
        for mount in failed:
            self._unavailable[mount.camera_id] = tr(
                "La clip {f} non parte (file danneggiato?)", f=mount.clip.name
            )
            with contextlib.suppress(Exception):
                instance.vlm_stop_media(mount.name.encode())
            log.warning("camera %s unavailable: %s", mount.camera_id, mount.clip)
        return ""

    def _wait_ready(self, mounts: Sequence[_Mount], timeout: float) -> list[_Mount]:
        """Ask each mount over the wire until it answers 200; return those that never did."""
        pending = list(mounts)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            still = []
            for mount in pending:
                ok = _rtsp_status(self.host_for_probe, self._rtsp_port, mount.name) == 200 and (
                    _http_status(self.host_for_probe, self._http_port, f"{mount.name}.ts") == 200
                )
                if not ok:
                    still.append(mount)
            pending = still
            if pending:
                time.sleep(0.05)  # libVLC opens files on its own threads; poll, do not spin
        return pending

    @property
    def host_for_probe(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host

    def _release(self, instance: Any) -> None:
        for mount in self._mounts.values():
            with contextlib.suppress(Exception):
                instance.vlm_stop_media(mount.name.encode())
            with contextlib.suppress(Exception):
                instance.vlm_del_media(mount.name.encode())
        instance.vlm_release()
        instance.release()


def _serve(args: argparse.Namespace) -> int:
    server = StreamServer(args.dir, args.host, args.rtsp_port, args.http_port)
    try:
        server.start()
    except StreamServerError as exc:
        log.error("camera streams not started: %s", exc)
        return 2
    for cam in server.camera_ids():
        served, reason = server.camera_status(cam)
        if served:
            s = server.streams_for(cam)
            log.info("%s  %s  %s  %s  %s", cam, s.main_rtsp, s.sub_rtsp, s.main_http, s.sub_http)
        else:
            log.warning("%s  unavailable: %s", cam, reason)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    log.info("serving; Ctrl-C to stop")
    done.wait()
    server.stop()
    return 0


def _make(args: argparse.Namespace) -> int:
    try:
        report = clips.make_clips(args.dir)
    except clips.ClipError as exc:
        log.error("camera clips not made: %s", exc)
        return 2
    log.info(
        "camera clips in %s: %d made, %d already valid, %d failed, %.1f s",
        args.dir or clips.default_clips_dir(), len(report.made), len(report.skipped),
        len(report.failed), report.seconds,
    )  # fmt: skip
    return 1 if report.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console.training.streams",
        description="Training camera clips (make once) and their RTSP / HTTP-TS server.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--make-clips", action="store_true", help="make missing or stale clips")
    action.add_argument("--serve", action="store_true", help="serve the clips until Ctrl-C")
    parser.add_argument("--dir", type=Path, default=None, help="clips folder")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (loopback)")
    parser.add_argument("--rtsp-port", type=int, default=0, help="0 = pick a free port")
    parser.add_argument("--http-port", type=int, default=0, help="0 = pick a free port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return _make(args) if args.make_clips else _serve(args)


if __name__ == "__main__":
    sys.exit(main())
