"""Training camera clips: made once at set-up with ffmpeg, then looped by the stream server.

Each camera gets a main (1280x720) and a sub (640x360) H.264 clip cut for live serving: 25 fps,
a key frame every second so a player joining mid-loop shows a picture within a second, no
B-frames (lower latency, simpler decoders), the ultrafast preset so a 2-core machine makes the
whole set in seconds. Every camera looks different (its own lavfi source and a moving "vehicle")
and carries its label and a running timecode, so an operator or a test can tell at a glance which
camera a tile shows and whether the picture is live.

A clip is valid when ffprobe reads it back as H.264 at the right size and length and its
metadata tag matches the recipe that made it; anything else is remade. Files are written under a
temporary name and renamed, so an interrupted set-up never leaves a half clip that looks whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from console.paths import data_dir

log = logging.getLogger(__name__)

CAMERA_IDS: tuple[str, ...] = tuple(f"cam{n:02d}" for n in range(1, 17))
MAIN_SIZE = (1280, 720)
SUB_SIZE = (640, 360)
FPS = 25
DURATION_S = 12
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
RECIPE_VERSION = "4"
# Bit-rate caps like real IP cameras' (main ~3 Mbit/s, sub ~1 Mbit/s): noisy sources (Life,
# cellular automata) would otherwise reach 13 Mbit/s and skew every decoding benchmark.
MAIN_MAXRATE_K = 3000
SUB_MAXRATE_K = 1000
SUFFIX = ".mp4"

# One lavfi source per camera: name -> filter chain ending at 1280x720. Costly generators run at a
# lower resolution and are scaled up, which keeps the whole set cheap on two cores.
_W, _H = MAIN_SIZE
_SOURCES: tuple[str, ...] = (
    f"testsrc2=s={_W}x{_H}:r={FPS}",
    f"smptehdbars=s={_W}x{_H}:r={FPS}",
    f"mandelbrot=s=400x224:r={FPS}:maxiter=512,scale={_W}:{_H}",
    f"life=s=160x90:r={FPS}:mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00,"
    f"scale={_W}:{_H}:flags=neighbor",
    f"mandelbrot=s=400x224:r={FPS}:maxiter=512:start_x=-0.743643887:start_y=0.131825904:"
    f"start_scale=0.3:end_scale=0.002:end_pts=300:outer=normalized_iteration_count,hue=H=1.5,"
    f"scale={_W}:{_H}",
    f"gradients=s=320x180:r={FPS}:speed=0.03,scale={_W}:{_H}",
    f"rgbtestsrc=s=320x180:r={FPS},hue=H=2*PI*t/6,scale={_W}:{_H}:flags=neighbor",
    f"testsrc=s={_W}x{_H}:r={FPS}",
    f"color=c=0x1b2a38:s={_W}x{_H}:r={FPS}",
    f"yuvtestsrc=s={_W}x{_H}:r={FPS}",
    f"pal75bars=s={_W}x{_H}:r={FPS}",
    f"sierpinski=s=320x180:r={FPS},scale={_W}:{_H}:flags=neighbor",
    f"colorspectrum=s=320x180:r={FPS},hue=H=2*PI*t/8,scale={_W}:{_H}",
    f"colorchart=r={FPS},scale={_W}:{_H}",
    f"life=s=128x72:r={FPS}:mold=25:ratio=0.3:death_color=#203060:life_color=#ffd040,"
    f"scale={_W}:{_H}:flags=neighbor",
    f"mptestsrc=r={FPS},scale={_W}:{_H}",
)
# The moving "vehicle" each camera shows: colour, speed in px/s, lane as a fraction of height.
_VEHICLES: tuple[tuple[str, int, float], ...] = tuple(
    (colour, 160 + 37 * i, 0.55 + 0.05 * (i % 6))
    for i, colour in enumerate(
        ("yellow", "orange", "white", "cyan", "magenta", "red", "lime", "blue") * 2
    )
)


class ClipError(RuntimeError):
    """ffmpeg or ffprobe is missing, or a clip could not be made; the message says which."""


@dataclass(frozen=True)
class ClipReport:
    """What make_clips did, for the set-up log and the benchmark figures."""

    made: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: Mapping[str, str]
    seconds: float


def default_clips_dir() -> Path:
    """CENTRALE_CLIPS when set (tests and drills share one made set), else data_dir()/clips."""
    override = os.environ.get("CENTRALE_CLIPS")
    return Path(override) if override else data_dir() / "clips"


def default_label(camera_id: str) -> str:
    """'cam07' -> 'CAM 07'."""
    digits = "".join(c for c in camera_id if c.isdigit())
    return f"CAM {digits}" if digits else camera_id.upper()


def clip_path(clips_dir: Path, camera_id: str, sub: bool) -> Path:
    return clips_dir / f"{camera_id}{'_sub' if sub else ''}{SUFFIX}"


def _tag(camera_id: str, label: str) -> str:
    """The recipe fingerprint stored in each clip: a changed recipe or label means remake."""
    index = (CAMERA_IDS.index(camera_id) if camera_id in CAMERA_IDS else 0) % len(_SOURCES)
    recipe = json.dumps(
        [RECIPE_VERSION, DURATION_S, FPS, MAIN_MAXRATE_K, SUB_MAXRATE_K, _SOURCES[index], label]
    )
    return "centrale-clip-" + hashlib.sha256(recipe.encode()).hexdigest()[:16]


def _filtergraph(index: int, label_file: Path) -> str:
    """The whole picture of one camera. The label comes from a file (drawtext textfile, no
    expansion) so any operator-chosen name needs no filtergraph escaping."""
    font = f"fontfile={FONT}:" if FONT.exists() else ""
    colour, speed, lane = _VEHICLES[index % len(_VEHICLES)]
    box = "box=1:boxcolor=black@0.55:boxborderw=8:fontcolor=white"
    src = _SOURCES[index % len(_SOURCES)]
    # setsar=1: generators scaled to 16:9 from another shape (400x224, 160x90...) carry a
    # non-square sample aspect ratio, and a player then resamples every frame to the display
    # aspect (QtMultimedia does it with a bicubic swscale per frame). Cameras send square pixels.
    return (
        f"{src},format=yuv420p,setsar=1[bg];"
        f"color=c={colour}:s=160x70:r={FPS}[car];"
        f"[bg][car]overlay=x='mod(t*{speed},W+160)-160':y='H*{lane}':eval=frame,"
        f"drawtext={font}textfile={label_file}:expansion=none:x=24:y=24:fontsize=44:{box},"
        f"drawtext={font}timecode='00\\:00\\:00\\:00':rate={FPS}:x=24:y=92:fontsize=34:{box},"
        f"split[m][s0];"
        f"[m]drawtext={font}text='720p':x=w-tw-24:y=h-th-24:fontsize=26:{box}[main];"
        f"[s0]scale={SUB_SIZE[0]}:{SUB_SIZE[1]},"
        f"drawtext={font}text='360p':x=w-tw-12:y=h-th-12:fontsize=16:{box}[sub]"
    )


def _encode_args(tag: str, maxrate_k: int) -> list[str]:
    return [
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
        "-profile:v", "main", "-bf", "0", "-g", str(FPS), "-keyint_min", str(FPS),
        "-sc_threshold", "0", "-crf", "27", "-maxrate", f"{maxrate_k}k",
        "-bufsize", f"{maxrate_k}k", "-pix_fmt", "yuv420p", "-threads", "2",
        "-t", str(DURATION_S), "-an",  # moov at the end: a cut-short file does not read back
        "-metadata", f"comment={tag}",
    ]  # fmt: skip


def probe(path: Path) -> dict[str, object] | None:
    """Header facts of a clip (codec, size, duration, comment), or None when it is unreadable."""
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "stream=codec_name,width,height:format=duration:format_tags=comment",
             "-of", "json", str(path)],
            capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("ffprobe could not read %s: %s", path, exc)
        return None
    if out.returncode != 0:
        return None
    try:
        doc = json.loads(out.stdout)
        stream = doc["streams"][0]
        fmt = doc.get("format", {})
        return {
            "codec": stream.get("codec_name"),
            "width": stream.get("width"),
            "height": stream.get("height"),
            "duration": float(fmt.get("duration", 0.0)),
            "comment": fmt.get("tags", {}).get("comment", ""),
        }
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".ok")


def _stamp(path: Path, tag: str | None) -> str:
    st = path.stat()
    return json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "tag": tag})


def clip_valid(path: Path, size: tuple[int, int], tag: str | None = None) -> bool:
    """True when `path` is a readable H.264 clip of `size`, full length and (if given) `tag`.

    A clip that passed ffprobe once gets a stamp (size, mtime, tag) beside it: later checks cost
    one stat() instead of one ffprobe, so a start-up with valid clips is instant.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return False
    stamp = _stamp_path(path)
    with contextlib.suppress(OSError):
        if stamp.read_text(encoding="utf-8") == _stamp(path, tag):
            return True
    facts = probe(path)
    if facts is None:
        return False
    duration = facts["duration"]
    valid = (
        facts["codec"] == "h264"
        and (facts["width"], facts["height"]) == size
        and isinstance(duration, float)
        and duration >= DURATION_S - 1
        and (tag is None or facts["comment"] == tag)
    )
    if valid:
        with contextlib.suppress(OSError):
            stamp.write_text(_stamp(path, tag), encoding="utf-8")
    return valid


def _make_one(clips_dir: Path, camera_id: str, label: str) -> str | None:
    """Make both clips of one camera in one ffmpeg run (one source, two encodes); None if ok."""
    index = CAMERA_IDS.index(camera_id) if camera_id in CAMERA_IDS else 0
    tag = _tag(camera_id, label)
    main, sub = clip_path(clips_dir, camera_id, False), clip_path(clips_dir, camera_id, True)
    # Per-process partial names: two set-ups racing on one folder never write the same file.
    tmp_main = main.with_name(f"{main.stem}.partial{os.getpid()}{SUFFIX}")
    tmp_sub = sub.with_name(f"{sub.stem}.partial{os.getpid()}{SUFFIX}")
    with tempfile.TemporaryDirectory(prefix="centrale-clip-") as tmp:
        # mkdtemp paths hold only [A-Za-z0-9_/-]: safe inside a filtergraph without escaping.
        label_file = Path(tmp) / "label.txt"
        label_file.write_text(label, encoding="utf-8")
        cmd = [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-filter_complex", _filtergraph(index, label_file),
            "-map", "[main]", *_encode_args(tag, MAIN_MAXRATE_K), str(tmp_main),
            "-map", "[sub]", *_encode_args(tag, SUB_MAXRATE_K), str(tmp_sub),
        ]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"ffmpeg did not run: {exc}"
    if done.returncode != 0:
        for partial in (tmp_main, tmp_sub):
            partial.unlink(missing_ok=True)
        return f"ffmpeg failed ({done.returncode}): {done.stderr.strip()[-400:]}"
    os.replace(tmp_main, main)
    os.replace(tmp_sub, sub)
    return None


def make_clips(
    clips_dir: Path | None = None,
    camera_ids: Sequence[str] = CAMERA_IDS,
    labels: Mapping[str, str] | None = None,
    jobs: int | None = None,
) -> ClipReport:
    """Make every missing or stale clip; keep the valid ones. Raises ClipError without ffmpeg."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise ClipError(f"{tool} is not installed (Debian: apt-get install ffmpeg)")
    clips_dir = clips_dir or default_clips_dir()
    clips_dir.mkdir(parents=True, exist_ok=True)
    labels = labels or {}
    started = time.monotonic()
    todo: list[tuple[str, str]] = []
    skipped: list[str] = []
    chosen = {cam: labels.get(cam, default_label(cam)) for cam in camera_ids}
    for cam in camera_ids:
        label = chosen[cam]
        tag = _tag(cam, label)
        if clip_valid(clip_path(clips_dir, cam, False), MAIN_SIZE, tag) and clip_valid(
            clip_path(clips_dir, cam, True), SUB_SIZE, tag
        ):
            skipped.append(cam)
        else:
            todo.append((cam, label))
    failed: dict[str, str] = {}
    made: list[str] = []
    # Two encodes per ffmpeg and x264's own threads: one job per core keeps both cores busy.
    workers = max(1, jobs or (os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda item: (item[0], _make_one(clips_dir, *item)), todo)
        for cam, error in results:
            if error is None and not all(
                clip_valid(clip_path(clips_dir, cam, sub), dims, _tag(cam, chosen[cam]))
                for sub, dims in ((False, MAIN_SIZE), (True, SUB_SIZE))
            ):
                error = "ffmpeg finished but the clips do not read back as expected"
            if error is None:
                made.append(cam)
                log.info("clips for %s made", cam)
            else:
                failed[cam] = error
                log.error("clips for %s not made: %s", cam, error)
    return ClipReport(tuple(made), tuple(skipped), failed, time.monotonic() - started)
