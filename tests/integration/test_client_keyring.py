"""Tokens and the real OS keyring: a Secret Service keeps them across console restarts; with no
D-Bus session the console says so and never writes them anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.paths import REPO_ROOT

pytestmark = [pytest.mark.integration]

TOKEN = "tok-Zq81-never-in-a-file"

SCRIPT = """
import json, sys
from console.api.auth import TokenStore
from console.api.contract import TokenResponse
store = TokenStore("https://centrale.example")
if sys.argv[1] == "save":
    store.save("radio", TokenResponse(access_token=sys.argv[2], refresh_token="r-" + sys.argv[2],
               expires_in=60, username="radio", roles=["radio"]))
loaded = TokenStore("https://centrale.example").load("radio")  # as a restarted console would
same = store.load("radio")
print(json.dumps({"persistent": store.persistent, "reason": store.reason,
                  "backend": store.backend_name,
                  "session": same.access_token if same else None,
                  "loaded": loaded.access_token if loaded else None}))
"""


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_KEYRING_BACKEND",)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env |= {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home),
        "CENTRALE_HOME": str(home / "centrale"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    return env


def files_containing(root: Path, needle: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle.encode() in path.read_bytes():
                    hits.append(path)
            except OSError:
                continue
    return hits


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon (Debian: dbus, gnome-keyring)",
)
def test_secret_service_keeps_tokens_across_console_restarts(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    script = tmp_path / "probe.py"
    script.write_text(SCRIPT)
    py = sys.executable
    # One D-Bus session with an unlocked keyring; two separate processes = two console runs.
    shell = (
        "echo -n training | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
        f"'{py}' '{script}' save {TOKEN} && '{py}' '{script}' load"
    )
    out = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", shell],
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    saved, reloaded = (json.loads(line) for line in out.stdout.strip().splitlines()[-2:])
    assert saved["persistent"] is True
    assert saved["backend"].endswith("SecretService.Keyring")
    assert saved["reason"] == "Credenziali conservate nel portachiavi di sistema"
    assert reloaded["loaded"] == TOKEN  # a new process found it in the keyring
    assert files_containing(tmp_path, TOKEN) == []  # the keyring file is encrypted


def test_without_dbus_the_token_lives_in_memory_only(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(SCRIPT)
    env = environment(tmp_path)
    first = subprocess.run(
        [sys.executable, str(script), "save", TOKEN],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert first.returncode == 0, first.stderr[-2000:]
    saved = json.loads(first.stdout.strip().splitlines()[-1])
    assert saved["persistent"] is False
    assert saved["session"] == TOKEN  # usable for this session
    assert saved["loaded"] is None  # but not kept anywhere a new process could find it
    assert saved["reason"].endswith("l'accesso vale solo per questa sessione")
    second = subprocess.run(
        [sys.executable, str(script), "load"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert json.loads(second.stdout.strip().splitlines()[-1])["loaded"] is None
    assert files_containing(tmp_path, TOKEN) == []
