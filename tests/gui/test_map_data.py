"""Bad and good map data: broken packs, corrupt tiles, MBTiles with lower-zoom fallback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from console.geo.projection import point_to_mercator, tile_bounds
from console.geo.tiles import MBTilesSource, XYZSource
from widgets.map.panel import MapPanel
from widgets.map.tile_layer import RasterProvider, TileLayer

MILAN = (9.19, 45.4642)


def _png(colour: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes; runtime wants str
    return bytes(data.data())


def _tile_of(z: int, lon: float, lat: float) -> tuple[int, int, int]:
    x, y = point_to_mercator(lon, lat)
    n = 2**z
    for tx in range(n):
        x0, _, x1, _ = tile_bounds(z, tx, 0)
        if x0 <= x < x1:
            break
    for ty in range(n):
        _, y0, _, y1 = tile_bounds(z, 0, ty)
        if y0 <= y < y1:
            return z, tx, ty
    raise AssertionError("outside the world")


def _mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
        " tile_data BLOB)"
    )
    conn.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [
            ("name", "Prova"),
            ("attribution", "Tessere di prova"),
            ("minzoom", "8"),
            ("maxzoom", "14"),
        ],
    )
    for (z, x, y), data in tiles.items():
        conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def broken_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "citta"
    pack.mkdir()
    (pack / "rotto.geojson").write_text('{"type": "FeatureCollection", "features": [')
    bowtie = [[[9.18, 45.46], [9.20, 45.48], [9.20, 45.46], [9.18, 45.48], [9.18, 45.46]]]
    (pack / "zone.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"nome": "Farfalla"},
                        "geometry": {"type": "Polygon", "coordinates": bowtie},
                    }
                ],
            }
        )
    )
    (pack / "utm.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:32632"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [514000, 5034000]},
                    }
                ],
            }
        )
    )
    (pack / "punti.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Presidio"},
                        "geometry": {"type": "Point", "coordinates": [9.19, 45.47]},
                    }
                ],
            }
        )
    )
    return pack


def test_broken_pack_loads_what_it_can_and_says_why(qtbot: QtBot, broken_pack: Path) -> None:
    panel = MapPanel({}, packs=[broken_pack])
    qtbot.add_widget(panel)
    try:
        with qtbot.wait_signal(panel.packs_loaded, timeout=20_000):
            pass
        notices = [
            panel.layer_panel.notices.item(i).text()
            for i in range(panel.layer_panel.notices.count())
        ]
        text = "\n".join(notices)
        assert "rotto.geojson" in text
        assert "EPSG:32632" in text
        assert "riparate" in text
        assert panel.layer_panel.notices_title.text().startswith("Avvisi sui dati (")
        # What was good is on the map and searchable; the shipped comuni are still there.
        assert "punti" in panel.live.layers
        assert panel.layer_panel.item("zone") is not None
        assert panel.layer_panel.item("comuni") is not None
        panel.controls.search.setText("presidio")
        assert [e.name for e in panel.controls.results] == ["Presidio"]
    finally:
        panel.shutdown()


def test_mbtiles_tiles_load_off_thread_with_lower_zoom_fallback(
    qtbot: QtBot, tmp_path: Path
) -> None:
    z10 = _tile_of(10, *MILAN)
    z12 = _tile_of(12, *MILAN)
    path = _mbtiles(tmp_path / "base.mbtiles", {z10: _png("#335577"), z12: b"not a png"})
    provider = RasterProvider(MBTilesSource(path))
    assert provider.attribution == "Tessere di prova"
    notices: list[str] = []
    layer = TileLayer(provider, on_notice=notices.append)
    panel = MapPanel({})
    qtbot.add_widget(panel)
    try:
        panel.canvas.vb.addItem(layer)
        panel.resize(1000, 700)
        panel.show()
        panel.canvas.set_view(*point_to_mercator(*MILAN), 10.0)
        panel.canvas.viewport().repaint()
        qtbot.wait_until(lambda: layer.cached(z10), timeout=10_000)
        # Closer in, the z12 tile is corrupt: it is reported, and the z10 tile stands in.
        panel.canvas.set_view(*point_to_mercator(*MILAN), 12.0)
        panel.canvas.viewport().repaint()
        qtbot.wait_until(lambda: bool(notices), timeout=10_000)
        assert "danneggiate" in notices[0]
        qtbot.wait_until(layer.idle, timeout=10_000)
        image = panel.canvas.grab().toImage()
        centre = image.pixelColor(image.width() // 2, image.height() // 2)
        assert centre.name() == "#335577"
    finally:
        layer.shutdown()
        panel.shutdown()


def test_missing_or_corrupt_tile_file_is_a_notice(qtbot: QtBot, tmp_path: Path) -> None:
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"this is not sqlite" * 100)
    for spec in (str(tmp_path / "missing.mbtiles"), str(junk)):
        assert MBTilesSource(spec).error
        panel = MapPanel({}, tiles=spec)
        qtbot.add_widget(panel)
        try:
            assert any("non disponibile" in n.message for n in panel.notices)
            assert panel.layer_panel.item("comuni") is not None  # never blank
        finally:
            panel.shutdown()


def test_xyz_folder_source(tmp_path: Path) -> None:
    (tmp_path / "12" / "2152").mkdir(parents=True)
    (tmp_path / "12" / "2152" / "1465.png").write_bytes(_png("#abcdef"))
    source = XYZSource(str(tmp_path / "{z}" / "{x}" / "{y}.png"))
    assert source.fetch(12, 2152, 1465)
    assert source.fetch(12, 2152, 1466) is None
    offline = XYZSource("https://tiles.example.invalid/{z}/{x}/{y}.png", cache=tmp_path / "cache")
    assert offline.fetch(1, 0, 0) is None  # offline: cache only, no network attempt
