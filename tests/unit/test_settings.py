from __future__ import annotations

import logging
from pathlib import Path

import pytest

from console.logsetup import scrub
from console.settings import SCHEMA, Settings, SettingsError


def test_defaults_come_from_the_schema(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.toml")
    for spec in SCHEMA:
        assert settings.get(spec.key) == spec.default


def test_file_values_override_defaults_and_save_keeps_only_changes(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[video]\nbackend = "qt"\n[training]\nrate_scale = 3\n', encoding="utf-8")
    settings = Settings.load(path)
    assert settings.get("video.backend") == "qt"
    assert settings.get("training.rate_scale") == 3.0
    settings.set("ui.language", "en")
    settings.save()
    text = path.read_text(encoding="utf-8")
    assert 'language = "en"' in text
    assert "verify_tls" not in text  # defaults are not written
    assert Settings.load(path).get("ui.language") == "en"


def test_changed_is_emitted_only_on_a_real_change(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "s.toml")
    seen: list[str] = []
    settings.changed.connect(seen.append)
    settings.set("alerts.sound", False)
    settings.set("alerts.sound", False)
    assert seen == ["alerts.sound"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[video\nbackend='qt'", "sintassi TOML non valida"),
        ("[video]\nbackend = 'gstreamer'", "video.backend: valori ammessi: auto, vlc, qt"),
        ("[server]\nverify_tls = 'yes'", "server.verify_tls: atteso true o false"),
        ("[server]\nport = 1", "server.port: impostazione sconosciuta"),
        ("[video]\nmax_decoding_tiles = true", "video.max_decoding_tiles: atteso un numero intero"),
    ],
)
def test_bad_files_name_file_key_and_reason(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        Settings.load(path)
    assert str(path) in str(info.value)
    assert fragment in str(info.value)


def test_scrub_hides_credentials_tokens_and_passwords() -> None:
    line = "open rtsp://admin:s3cret@10.0.0.5/cam1 Authorization: Bearer abc.def password=hunter2"
    out = scrub(line)
    assert "s3cret" not in out
    assert "abc.def" not in out
    assert "hunter2" not in out
    assert "rtsp://***@10.0.0.5/cam1" in out


def test_terminal_log_lines_keep_the_traceback_in_the_file(tmp_path: Path) -> None:
    import logging

    from console.logsetup import BriefFormatter

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, None)
    try:
        raise RuntimeError("inner")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    line = BriefFormatter(tmp_path / "c.log").format(record)
    assert "Traceback" not in line
    assert str(tmp_path / "c.log") in line
    assert record.exc_info is not None  # the file handler still gets it


def test_qt_messages_reach_our_log_and_machine_notes_stay_off_the_terminal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Qt's warnings go through logging (so the file has them, scrubbed); warnings that only
    describe the machine (no hardware decoder...) are logged at INFO, below the terminal's
    WARNING threshold."""
    from PySide6 import QtCore

    from console.logsetup import route_qt_messages

    route_qt_messages()
    try:
        with caplog.at_level(logging.DEBUG):
            QtCore.qWarning("rtsp://operatore:segreta@10.0.0.7/stream rifiutato")
            QtCore.qCWarning(QtCore.QLoggingCategory("qt.multimedia.test"), "No HW decoder")
    finally:
        QtCore.qInstallMessageHandler(None)
    records = {r.getMessage(): r for r in caplog.records if r.name.startswith("qt")}
    plain = next(r for m, r in records.items() if "rifiutato" in m)
    assert plain.levelno == logging.WARNING
    assert plain.name == "qt.default"
    quiet = records["No HW decoder"]
    assert quiet.levelno == logging.INFO
    assert quiet.name == "qt.multimedia.test"
