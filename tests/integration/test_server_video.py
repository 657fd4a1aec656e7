"""Camera streams through the training server: the URLs GET /cameras hands out decode."""
# Runs a real libVLC stream server inside the training process and real ffprobe clients.

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from console.training import clips
from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, auth_headers

pytestmark = [pytest.mark.integration, pytest.mark.video, pytest.mark.slow]

CLIPS_DIR = Path(tempfile.gettempdir()) / "centrale-test-clips"  # shared with test_streams


def _probe(url: str) -> str:
    cmd = ["ffprobe", "-v", "error", "-probesize", "500000", "-analyzeduration", "1000000",
           "-select_streams", "v:0", "-show_entries",
           "stream=codec_name,width,height", "-of", "csv=p=0"]
    if url.startswith("rtsp://"):
        cmd += ["-rtsp_transport", "udp"]
    try:
        out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=30,
                             check=False)
    except subprocess.TimeoutExpired:
        return "timeout"
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    return lines[0] if lines else out.stderr.strip()[-200:]  # MPEG-TS lists it per program


def test_every_camera_url_from_the_api_decodes(
    make_training_server: Callable[..., TrainingProcess], monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        report = clips.make_clips(CLIPS_DIR)
    except clips.ClipError as exc:
        pytest.skip(f"cannot make camera clips: {exc}")
    assert not report.failed, report.failed
    monkeypatch.setenv("CENTRALE_CLIPS", str(CLIPS_DIR))
    server = make_training_server(video=True)
    deadline = time.monotonic() + 60
    video = ""
    while time.monotonic() < deadline:
        video = httpx.get(f"{server.base_url}{API}/health").json()["video"]
        if video != "starting":
            break
        time.sleep(0.3)
    if video.startswith("libVLC"):
        pytest.skip(video)
    assert video == "ok", video
    cams = httpx.get(f"{server.base_url}{API}/cameras", headers=auth_headers(server)).json()
    assert len(cams) == 16
    # Every sub stream, and the main stream of two cameras: test_streams decodes all mounts;
    # this checks the URLs the API hands out are the ones being served.
    urls = [cam["streams"]["sub_rtsp"] for cam in cams]
    urls += [cams[0]["streams"]["main_rtsp"], cams[-1]["streams"]["main_http"]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(urls, pool.map(_probe, urls), strict=True))
    expected = {url: "h264,1280,720" if "_sub" not in url else "h264,640,360" for url in urls}
    assert results == expected
