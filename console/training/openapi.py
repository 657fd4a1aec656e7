"""Export the contract: `python -m console.training.openapi [--check]` writes (or checks)
resources/schema/openapi.json from the training back-end's app, the reference implementation.

The committed file is what other back-ends implement against; a test fails when the app and the
file drift apart, so a contract change is always a visible diff.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from console.paths import RESOURCES
from console.training.app import create_app
from console.training.config import TrainingConfig

SCHEMA = RESOURCES / "schema" / "openapi.json"


def generate() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="centrale-openapi-") as tmp:
        app = create_app(TrainingConfig(db=Path(tmp) / "schema.sqlite", video=False,
                                        scenario=False))
        try:
            return app.openapi()
        finally:
            app.state.ctx.db.close()


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m console.training.openapi")
    p.add_argument("--check", action="store_true", help="fail if the committed file differs")
    p.add_argument("--out", type=Path, default=SCHEMA)
    a = p.parse_args(argv)
    text = render(generate())
    if a.check:
        current = a.out.read_text(encoding="utf-8") if a.out.exists() else ""
        if current != text:
            sys.stderr.write(f"{a.out} is out of date: run python -m console.training.openapi\n")
            return 1
        return 0
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {a.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
