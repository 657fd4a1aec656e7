"""Test-wide set-up: headless Qt, isolated files, no operator keyring."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
# Every test run gets its own home: tests never read or write an operator's files.
os.environ.setdefault("CENTRALE_HOME", tempfile.mkdtemp(prefix="centrale-test-"))

MILANO_PACK = Path(__file__).resolve().parents[2] / "shared" / "data" / "milano"


@pytest.fixture
def centrale_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CENTRALE_HOME for one test."""
    monkeypatch.setenv("CENTRALE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def milano_pack() -> Path:
    """The shared Milan layer pack; tests that need it skip with a reason when it is absent."""
    if not (MILANO_PACK / "milano_municipi.geojson").exists():
        pytest.skip(f"Milan layer pack not found at {MILANO_PACK}")
    return MILANO_PACK
