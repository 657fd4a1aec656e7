"""The VideoBackend protocol and the choice between libVLC and QtMultimedia.

Debian's libVLC is built without live555 and cannot open rtsp:// (DESIGN §4); official VLC
builds can. So the choice is made by capability, can be forced in settings ("video.backend":
auto | vlc | qt), and is reported by `describe_video_backend()` for --self-test and the tiles'
info overlay.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QObject, SignalInstance

from console.api import contract
from console.i18n import tr

log = logging.getLogger(__name__)

CHOICES = ("auto", "vlc", "qt")


@dataclass
class Stats:
    fps: float = 0.0
    bitrate_kbps: float | None = None  # None when the backend cannot tell
    width: int = 0
    height: int = 0


class VideoBackend(Protocol):
    """One player for one tile. Signals arrive in the GUI thread (queued from decoder threads).

    Signals:
        frame_ready(object)   a decoded frame: QImage or QVideoFrame (paint either, keep the last)
        failed(str)           human reason, never containing a password
    """

    name: str
    can_play_rtsp: bool
    frame_ready: SignalInstance
    failed: SignalInstance

    def open(self, url: str) -> None: ...

    def stop(self) -> None: ...

    def stats(self) -> Stats: ...

    def release(self) -> None: ...


@dataclass(frozen=True)
class BackendChoice:
    backend: str  # "vlc" | "qt"
    reason: str
    can_play_rtsp: bool
    vlc_version: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "reason": self.reason,
            "can_play_rtsp": self.can_play_rtsp,
            "vlc_version": self.vlc_version,
        }


@functools.cache
def probe_vlc() -> tuple[str, bool]:
    """(libVLC version or "", whether it has an RTSP access module). Cached: loads libVLC once."""
    try:
        import vlc
    except (ImportError, OSError) as exc:
        log.info("libVLC not usable: %s", exc)
        return "", False
    try:
        version = (vlc.libvlc_get_version() or b"").decode(errors="replace")
    except Exception as exc:  # a broken libvlc install raises anything from ctypes
        log.info("libVLC not usable: %s", exc)
        return "", False
    return version, _vlc_has_live555(vlc)


def _vlc_has_live555(vlc: Any) -> bool:
    dirs = [os.environ.get("VLC_PLUGIN_PATH", ""), str(getattr(vlc, "plugin_path", "") or "")]
    lib = getattr(getattr(vlc, "dll", None), "_name", "") or ""
    if lib:
        base = os.path.dirname(os.path.realpath(lib))
        dirs += [os.path.join(base, "vlc", "plugins"), os.path.join(base, "plugins")]
    dirs += [*glob.glob("/usr/lib/*/vlc/plugins"), "/usr/lib/vlc/plugins"]
    for d in filter(None, dirs):
        if glob.glob(os.path.join(d, "**", "*live555*"), recursive=True):
            return True
    return False


def choose_backend(setting: str = "auto") -> BackendChoice:
    version, vlc_rtsp = probe_vlc()
    if setting not in CHOICES:
        setting = "auto"
    if setting == "qt":
        return BackendChoice("qt", tr("QtMultimedia scelto nelle impostazioni"), True, version)
    if setting == "vlc":
        if not version:
            return BackendChoice(
                "qt", tr("libVLC richiesto ma non disponibile: uso QtMultimedia"), True
            )
        if vlc_rtsp:
            return BackendChoice("vlc", tr("libVLC scelto nelle impostazioni"), True, version)
        return BackendChoice(
            "vlc",
            tr("libVLC scelto nelle impostazioni, senza RTSP: usa i flussi HTTP"),
            False,
            version,
        )
    if version and vlc_rtsp:
        return BackendChoice("vlc", tr("libVLC con supporto RTSP"), True, version)
    if version:
        return BackendChoice(
            "qt", tr("libVLC {v} senza RTSP (live555): uso QtMultimedia", v=version), True, version
        )
    return BackendChoice("qt", tr("libVLC non installato: uso QtMultimedia"), True)


def describe_video_backend(setting: str = "auto") -> dict[str, Any]:
    """For --self-test: which backend the wall will use, why, and whether it can play RTSP."""
    return choose_backend(setting).as_dict()


def create_backend(choice: BackendChoice, parent: QObject | None = None) -> VideoBackend:
    """A player owned by `parent` (the tile), so it goes when the tile goes."""
    if choice.backend == "vlc":
        from widgets.video.vlc_player import VlcBackend

        return VlcBackend(can_play_rtsp=choice.can_play_rtsp, parent=parent)
    from widgets.video.qt_player import QtBackend

    return QtBackend(parent)


BackendFactory = Callable[[BackendChoice, QObject | None], VideoBackend]


def stream_url(camera: contract.Camera, large: bool, can_play_rtsp: bool) -> str | None:
    """Main stream for large tiles, sub for small; HTTP-TS when the player cannot do RTSP."""
    s = camera.streams
    if can_play_rtsp:
        return s.main_rtsp if large else s.sub_rtsp
    if large:
        return s.main_http or s.sub_http
    return s.sub_http or s.main_http
