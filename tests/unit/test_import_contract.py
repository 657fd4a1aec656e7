"""console/ (the core) stays free of GUI toolkits and video libraries (DESIGN §1)."""

from __future__ import annotations

import ast
from pathlib import Path

CONSOLE = Path(__file__).resolve().parents[2] / "console"
FORBIDDEN = (
    "PySide6.QtWidgets",
    "PySide6.QtGui",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "vlc",
    "pyqtgraph",
    "widgets",
)
# The composition root builds the GUI; the training back-end serves camera streams with libVLC.
ALLOWED = {
    "app.py": {"PySide6.QtWidgets", "PySide6.QtGui", "widgets"},
    "training/streams.py": {"vlc"},
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "PySide6":
                names.update(f"PySide6.{alias.name}" for alias in node.names)
    return names


def test_console_imports_no_gui_or_video_library() -> None:
    offences = []
    files = sorted(CONSOLE.rglob("*.py"))
    assert len(files) > 20
    for path in files:
        rel = path.relative_to(CONSOLE).as_posix()
        allowed = ALLOWED.get(rel, set())
        for module in imported_modules(path):
            for banned in FORBIDDEN:
                if (module == banned or module.startswith(banned + ".")) and banned not in allowed:
                    offences.append(f"console/{rel} imports {module}")
    assert offences == []
