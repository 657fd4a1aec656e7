"""The live map panel: base map, live layers, layer panel, details, search and tools.

The shipped comuni load synchronously (small), so the map is never blank; city packs load in
a worker thread and arrive through a queued signal. Units are pulled on a 30 Hz frame timer
only when their store moved. Panels are reached only through intents (show_on_map,
show_geometry, select in; select, open_camera, create_incident out).

Signals:
    packs_loaded()        a city pack finished loading (layers and notices are in place)
    selection_changed(str, str)   kind, id ("" when cleared)
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSplitter,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from shapely.geometry import Polygon, shape

from console.geo.pack import LayerPack, Notice, load_base, load_pack
from console.geo.projection import point_to_lonlat, point_to_mercator
from console.geo.tiles import open_source
from console.i18n import tr
from console.intents import Intents
from widgets.common import theme
from widgets.common.timers import make_timer
from widgets.map.canvas import MapCanvas
from widgets.map.controls import MapControls
from widgets.map.live import LiveLayers
from widgets.map.markers import MarkerLayer
from widgets.map.overlays import Area
from widgets.map.side import DetailsPanel, LayerPanel, legend_icon
from widgets.map.static_cache import StaticLayers
from widgets.map.tile_layer import RasterProvider, TileLayer
from widgets.map.tools import Highlight, ToolController
from widgets.map.vector_render import VectorProvider, geometry_path, mercator_geometry

log = logging.getLogger(__name__)

MILAN = (9.19, 45.4642)
PICK_RADIUS_PX = 14.0


class MapPanel(QWidget):
    packs_loaded = Signal()
    selection_changed = Signal(str, str)
    _pack_ready = Signal(object, object)  # worker -> GUI thread: (LayerPack, VectorProvider)

    def __init__(
        self,
        services: dict[str, object] | None = None,
        *,
        touch: bool = False,
        packs: list[Path] | None = None,
        tiles: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = dict(services or {})
        self.touch = touch
        self.scale = 1.6 if touch else 1.0
        intents = self.services.get("intents")
        self.intents = intents if isinstance(intents, Intents) else None
        self.selected: tuple[str, str] = ("", "")
        self.following = ""
        self.notices: list[Notice] = []
        self.packs: list[LayerPack] = []
        self._threads: list[threading.Thread] = []
        self._closing = False

        self.canvas = MapCanvas()
        self.canvas.touch_scale = 1.3 if touch else 1.0
        self.live = LiveLayers(self.services, self.scale)
        self.live.labels.reserved = lambda: self.canvas.furniture.occupied
        self.tools = ToolController(self.live.areas)
        self.layer_panel = LayerPanel()
        self.details = DetailsPanel()
        self.controls = MapControls(touch)
        self._build_layout()
        self._build_scene(tiles)
        self._wire()
        base = load_base()
        self._add_pack(base, VectorProvider([lyr for lyr in base.layers if lyr.kind == "base"]))
        self.canvas.set_view(*point_to_mercator(*MILAN), 11.0)
        self._load_packs_async(packs or [])
        self.frame_timer = make_timer(self, 33, self._on_frame)
        self._refresh_stores()

    # --- construction ------------------------------------------------------------------------

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.controls)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.canvas)
        self.side = QTabWidget()
        self.side.addTab(self.layer_panel, tr("Livelli"))
        self.side.addTab(self.details, tr("Dettagli"))
        self.side.setMinimumWidth(int(280 * self.scale))
        split.addWidget(self.side)
        split.setStretchFactor(0, 1)
        split.setSizes([1500, int(340 * self.scale)])
        layout.addWidget(split, 1)
        status = QHBoxLayout()
        status.setContentsMargins(8, 2, 8, 2)
        self.coords = QLabel("")
        self.zoom_label = QLabel("")
        self.status = QLabel("")
        self.status.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        for w in (self.coords, self.zoom_label):
            status.addWidget(w)
        status.addStretch(1)
        status.addWidget(self.status)
        layout.addLayout(status)
        self.setStyleSheet(f"font-size: {theme.FONT_SIZE_PT * (1.2 if self.touch else 1)}pt;")

    def _build_scene(self, tiles: str) -> None:
        vb = self.canvas.vb
        # Base tiles and the packs' marker layers do not move: drawn through one cached image.
        self.static_layers = StaticLayers()
        self.static_layers.setZValue(-10)
        vb.addItem(self.static_layers)
        self.canvas.set_opaque_base(self.static_layers)
        self.tile_layers: list[TileLayer] = []
        if tiles:
            source = open_source(tiles)
            if source.error:
                self._notice(
                    Notice(
                        tiles,
                        tr(
                            "Mappa di base a tessere non disponibile ({e}): "
                            "uso i livelli vettoriali.",
                            e=source.error,
                        ),
                        "error",
                    )
                )
            else:
                raster = TileLayer(
                    RasterProvider(source), on_notice=lambda m: self._notice(Notice(tiles, m))
                )
                raster.setZValue(-5)
                vb.addItem(raster)
                self.static_layers.add(raster)
                self.tile_layers.append(raster)
        self.vector_layer: TileLayer | None = None
        for z, item in (
            (4, self.live.areas),
            (5, self.live.cones),
            (6, self.live.trails),
            (50, self.live.labels),
        ):
            item.setZValue(z)
            vb.addItem(item)
        for z, kind in enumerate(("alert", "incident", "camera", "unit")):
            marker = self.live.layers[kind]
            marker.setZValue(30 + z)
            vb.addItem(marker)
            self.layer_panel.add_layer(
                tr("Dati in tempo reale"),
                kind,
                marker.title,
                True,
                legend_icon(marker.atlas.keys[0]),
            )
        self.highlight = Highlight(self._selected_position)
        self.highlight.radius = 18 * self.scale
        self.highlight.setZValue(60)
        vb.addItem(self.highlight)

    def _wire(self) -> None:
        c = self.canvas
        c.clicked.connect(self._on_click)
        c.hovered.connect(self._on_hover)
        c.context_requested.connect(self._on_context)
        c.view_changed.connect(self._on_view_changed)
        c.vb.sigRangeChangedManually.connect(lambda *_: self.follow(""))
        self.layer_panel.visibility_changed.connect(self.set_layer_visible)
        self.layer_panel.order_changed.connect(self._on_order)
        self.details.action.connect(self._on_details_action)
        self.details.result_chosen.connect(lambda k, i: self.select(k, i, centre=True))
        self.controls.search_chosen.connect(self._on_search_chosen)
        self.controls.mode_requested.connect(self.tools.set_mode)
        self.controls.clear_requested.connect(self._clear_tools)
        self.controls.finish_requested.connect(self.tools.finish)
        self.controls.searcher = self._search
        self.tools.measured.connect(self._on_measured)
        self.tools.circle_done.connect(self.query_circle)
        self.tools.polygon_done.connect(self.query_polygon)
        self.tools.mode_changed.connect(self.controls.show_mode)
        self.live.content_changed.connect(self.controls.invalidate_search)
        self._pack_ready.connect(self._on_pack_ready)
        if self.intents is not None:
            self.intents.show_on_map.connect(self.show_on_map)
            self.intents.show_geometry.connect(self.show_geometry)
            self.intents.select.connect(self._on_intent_select)
        for name, signal, slot in (
            ("cameras", "cameras_changed", self.live.refresh_cameras),
            ("alerts", "alerts_changed", self.live.refresh_alerts),
            ("incidents", "incidents_changed", self.live.refresh_incidents),
        ):
            sig = getattr(self.services.get(name), signal, None)
            if sig is not None and hasattr(sig, "connect"):
                sig.connect(lambda *_, s=slot: s())
        units = self.live.units
        if units is not None:
            units.units_changed.connect(lambda _ids: self.controls.invalidate_search())

    def _refresh_stores(self) -> None:
        self.live.refresh_cameras()
        self.live.refresh_alerts()
        self.live.refresh_incidents()
        self.live.refresh_units(self.canvas.zoom())
        missing = [
            tr(n)
            for n, key in (("unità", "units"), ("telecamere", "cameras"), ("allarmi", "alerts"))
            if self.services.get(key) is None
        ]
        if missing:
            self.status.setText(
                tr(
                    "Non collegati: {what}. La mappa mostra solo i livelli.",
                    what=", ".join(missing),
                )
            )

    # --- packs -------------------------------------------------------------------------------

    def _load_packs_async(self, paths: list[Path]) -> None:
        if not paths:
            return
        self.status.setText(tr("Caricamento livelli in corso…"))

        def work(path: Path) -> None:
            pack = load_pack(path)
            provider = VectorProvider(
                [lyr for lyr in pack.layers if lyr.kind == "base"], background=None
            )
            if not self._closing:
                self._pack_ready.emit(pack, provider)

        for path in paths:
            thread = threading.Thread(
                target=work, args=(Path(path),), daemon=True, name=f"pack-{Path(path).name}"
            )
            self._threads.append(thread)
            thread.start()

    def _on_pack_ready(self, pack: LayerPack, provider: VectorProvider) -> None:
        self._add_pack(pack, provider)
        self.status.setText(tr("Livelli di {title} caricati.", title=pack.title))
        self.packs_loaded.emit()

    def _add_pack(self, pack: LayerPack, provider: VectorProvider) -> None:
        self.packs.append(pack)
        if provider.layer_ids():
            layer = TileLayer(provider)
            layer.setZValue(-4 + len(self.packs) * 0.1)
            self.canvas.vb.addItem(layer)
            self.static_layers.add(layer)
            self.tile_layers.append(layer)
        group = pack.title
        for lyr in pack.layers:
            if lyr.kind == "base" and lyr.features:
                self.layer_panel.add_layer(
                    group,
                    lyr.id,
                    lyr.title,
                    lyr.visible,
                    legend_icon(None, lyr.style.stroke, lyr.style.fill),
                )
        for marker in self.live.add_pack(pack):
            self.add_marker_layer(marker, group)
        for notice in pack.notices:
            self._notice(notice)
        self._update_attribution()

    def add_marker_layer(self, marker: MarkerLayer, group: str) -> None:
        """Show a layer of points that do not move (a pack's hospitals, schools, gates...):
        selectable, searchable through `live`, listed in the layer panel, drawn through the
        static cache. `live.add_pack` already registered pack layers in `live.layers`."""
        self.live.layers.setdefault(marker.layer_id, marker)
        marker.setZValue(20)
        self.canvas.vb.addItem(marker)
        self.static_layers.add(marker)
        self.layer_panel.add_layer(
            group,
            marker.layer_id,
            marker.title,
            marker.isVisible(),
            legend_icon(marker.atlas.keys[0]),
        )

    def _notice(self, notice: Notice) -> None:
        self.notices.append(notice)
        self.layer_panel.set_notices(self.notices)

    def _update_attribution(self) -> None:
        texts: list[str] = []
        for pack in self.packs:
            texts += [a for a in pack.attributions() if a not in texts]
        texts += [
            t.provider.attribution
            for t in self.tile_layers
            if t.provider.attribution and t.provider.attribution not in texts
        ]
        self.canvas.attributions = texts
        self.canvas.viewport().update()

    def set_layer_visible(self, layer_id: str, visible: bool) -> None:
        marker = self.live.layers.get(layer_id)
        if marker is not None:
            marker.setVisible(visible)
            self.live.labels.hidden.discard(
                f"pack:{layer_id}"
            ) if visible else self.live.labels.hidden.add(f"pack:{layer_id}")
        for tiles in self.tile_layers:
            provider = tiles.provider
            if isinstance(provider, VectorProvider) and provider.set_visible(layer_id, visible):
                tiles.invalidate()
        if visible:
            self.live.labels.hidden.discard(f"area:{layer_id}")
        else:
            self.live.labels.hidden.add(f"area:{layer_id}")
        self.layer_panel.set_checked(layer_id, visible)
        self.live.labels.update()

    def _on_order(self, ids: list[str]) -> None:
        for tiles in self.tile_layers:
            provider = tiles.provider
            if isinstance(provider, VectorProvider) and provider.set_order(ids):
                tiles.invalidate()
        for rank, layer_id in enumerate(ids):
            marker = self.live.layers.get(layer_id)
            if marker is not None:
                marker.setZValue(
                    (30 if layer_id in ("alert", "incident", "camera", "unit") else 20)
                    + rank * 0.01
                )

    # --- frame / view ------------------------------------------------------------------------

    def _on_frame(self) -> None:
        if self.live.refresh_units(self.canvas.zoom()) and self.following:
            pos = self.live.locate("unit", self.following)
            if pos is not None:
                self.canvas.vb.blockSignals(True)
                self.canvas.set_view(pos[0], pos[1])
                self.canvas.vb.blockSignals(False)
                self.canvas.view_changed.emit()

    def _on_view_changed(self) -> None:
        self.zoom_label.setText(tr("Zoom {z:.1f}", z=self.canvas.zoom()))

    def show_on_map(self, lon: float, lat: float, zoom: float = 0.0) -> None:
        self.follow("")
        self.canvas.set_view(*point_to_mercator(lon, lat), zoom if zoom > 0 else None)

    def show_geometry(self, geojson: dict[str, Any]) -> None:
        try:
            geom = mercator_geometry(shape(geojson.get("geometry", geojson)))
        except Exception:
            log.warning("show_geometry: unusable geometry %.200r", geojson)
            self.status.setText(tr("Geometria non valida: impossibile mostrarla."))
            return
        x0, y0, x1, y1 = geom.bounds
        self.live.areas.put(
            Area("intent:geometry", geometry_path(geom), theme.ACCENT, theme.ACCENT + "30", 3.0)
        )
        self.follow("")
        self.canvas.fit(QRectF(x0, y0, max(x1 - x0, 50.0), max(y1 - y0, 50.0)))

    # --- selection ---------------------------------------------------------------------------

    def _selected_position(self) -> tuple[float, float] | None:
        kind, obj_id = self.selected
        return self.live.locate(kind, obj_id) if kind else None

    def pick(self, x: float, y: float) -> tuple[str, int, int] | None:
        """Top-most marker (layer, index, cluster count) near Mercator (x, y)."""
        res = self.canvas.resolution()
        best = None
        layers = sorted(self.live.layers.values(), key=lambda m: -m.zValue())
        for layer in layers:
            if not layer.isVisible():
                continue
            hit = layer.pick(x, y, PICK_RADIUS_PX * self.scale, res)
            if hit is not None and (best is None or hit.distance_px < best.distance_px - 4):
                best = hit
        return None if best is None else (best.layer, best.index, best.count)

    def select(
        self, kind: str, obj_id: str, *, centre: bool = False, announce: bool = True
    ) -> bool:
        details = self.live.describe(kind, obj_id)
        if details is None:
            return False
        self.selected = (kind, obj_id)
        self.details.show_details(details, following=self.following == obj_id)
        self.side.setCurrentWidget(self.details)
        if centre:
            pos = self.live.locate(kind, obj_id)
            if pos is not None:
                self.canvas.set_view(pos[0], pos[1], max(self.canvas.zoom(), 15.0))
        self.highlight.update()
        self.selection_changed.emit(kind, obj_id)
        if announce and self.intents is not None:
            self.intents.select.emit(kind, obj_id)
        return True

    def clear_selection(self) -> None:
        self.selected = ("", "")
        self.details.show_details(None)
        self.highlight.update()
        self.selection_changed.emit("", "")

    def follow(self, unit_id: str) -> None:
        if unit_id == self.following:
            return
        self.following = unit_id
        self.details.follow.setChecked(bool(unit_id) and self.selected[1] == unit_id)
        self.status.setText(tr("Segui: {name}", name=unit_id) if unit_id else "")
        if unit_id:
            self._on_frame()
            pos = self.live.locate("unit", unit_id)
            if pos is not None:
                self.canvas.set_view(pos[0], pos[1], max(self.canvas.zoom(), 15.0))

    def _on_intent_select(self, kind: str, obj_id: str) -> None:
        if (kind, obj_id) != self.selected:
            self.select(kind, obj_id, centre=True, announce=False)

    def _on_click(self, x: float, y: float, button: object) -> None:
        self.canvas.setFocus()
        if self.tools.click(x, y):
            return
        hit = self.pick(x, y)
        if hit is None:
            self.clear_selection()
            return
        layer, index, _count = hit
        if index < 0:  # a cluster: zoom in on it
            device = self.canvas.to_device(x, y)
            self.canvas.zoom_by(2, self.canvas.mapToScene(device.toPoint()))
            return
        obj_id = self.live.layers[layer].ids[index]
        self.select(layer, obj_id)
        if layer == "camera" and self.intents is not None:
            self.intents.open_camera.emit(obj_id, -1)

    def _on_hover(self, x: float, y: float) -> None:
        lon, lat = point_to_lonlat(x, y)
        self.coords.setText(f"{lat:.5f} N  {lon:.5f} E")
        hit = self.pick(x, y)
        if hit is None:
            QToolTip.hideText()
            return
        layer, index, count = hit
        marker = self.live.layers[layer]
        if index < 0:
            text = tr("{n} elementi: {title} (clic per ingrandire)", n=count, title=marker.title)
        else:
            details = self.live.describe(layer, marker.ids[index])
            text = f"{details.title} — {marker.title}" if details else marker.title
        device = self.canvas.to_device(x, y).toPoint()
        QToolTip.showText(self.canvas.mapToGlobal(device), text, self.canvas)

    def _on_details_action(self, action: str, kind: str, obj_id: str) -> None:
        if action == "centre":
            self.select(kind, obj_id, centre=True, announce=False)
        elif action == "follow":
            self.follow(obj_id)
        elif action == "unfollow":
            self.follow("")
        elif action == "camera" and self.intents is not None:
            self.intents.open_camera.emit(obj_id, -1)

    # --- search ------------------------------------------------------------------------------

    def _search(self) -> list[Any]:
        return self.live.entries()

    def _on_search_chosen(self, kind: str, ref: str, lon: float, lat: float) -> None:
        if self.select(kind, ref, centre=True):
            return
        feature = self.live.feature(kind, ref)
        if feature is not None and feature.geometry.geom_type != "Point":
            self.show_geometry(feature.geometry.__geo_interface__)
        else:
            self.show_on_map(lon, lat, 16.0)

    # --- queries -----------------------------------------------------------------------------

    def _describe_hits(self, hits: list[Any]) -> list[tuple[str, str, str]]:
        rows = []
        for hit in hits[:300]:
            details = self.live.describe(hit.item.kind, hit.item.id)
            name = details.title if details else hit.item.id
            rows.append(
                (
                    hit.item.kind,
                    hit.item.id,
                    f"{self.live.kind_title(hit.item.kind)} · {name} · "
                    f"{hit.distance_m:,.0f} m".replace(",", "."),
                )
            )
        return rows

    def query_circle(self, x: float, y: float, radius_m: float) -> list[tuple[str, str, str]]:
        visible = {k for k, m in self.live.layers.items() if m.isVisible()}
        hits = self.live.index(visible).within_circle(x, y, radius_m)
        rows = self._describe_hits(hits)
        self.tools.show_circle(x, y, radius_m)
        self.details.show_results(tr("{n} elementi entro {r:.0f} m", n=len(hits), r=radius_m), rows)
        self.side.setCurrentWidget(self.details)
        return rows

    def query_polygon(self, points: list[tuple[float, float]]) -> list[tuple[str, str, str]]:
        visible = {k for k, m in self.live.layers.items() if m.isVisible()}
        hits = self.live.index(visible).within_polygon(Polygon(points).buffer(0))
        rows = self._describe_hits(hits)
        self.tools.show_polygon(points)
        self.details.show_results(tr("{n} elementi nell'area disegnata", n=len(hits)), rows)
        self.side.setCurrentWidget(self.details)
        return rows

    def nearest(self, x: float, y: float, kind: str, n: int = 5) -> list[tuple[str, str, str]]:
        accept = None
        if kind == "unit" and self.live.units is not None:
            accept = {i for i in self.live.units.ids() if self.live.units.status(i) == "available"}
        hits = self.live.index({kind}).nearest(x, y, n, accept=accept)
        rows = self._describe_hits(hits)
        title = (
            tr("Unità disponibili più vicine") if kind == "unit" else tr("Telecamere più vicine")
        )
        self.details.show_results(title, rows)
        self.side.setCurrentWidget(self.details)
        return rows

    def _on_measured(self, metres: float) -> None:
        text = f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"
        self.status.setText(tr("Distanza misurata: {d}", d=text))

    def _clear_tools(self) -> None:
        self.tools.clear()
        self.live.areas.remove("intent:geometry")
        self.status.setText("")

    def _on_context(self, x: float, y: float, where: QPoint) -> None:
        self.context_menu(x, y).popup(where)

    def context_menu(self, x: float, y: float) -> QMenu:
        menu = QMenu(self)
        lon, lat = point_to_lonlat(x, y)
        menu.addAction(tr("Unità disponibili più vicine"), lambda: self.nearest(x, y, "unit"))
        menu.addAction(tr("Telecamere più vicine"), lambda: self.nearest(x, y, "camera"))
        menu.addAction(tr("Cosa c'è entro 500 m"), lambda: self.query_circle(x, y, 500.0))
        menu.addSeparator()
        if self.intents is not None:
            intents = self.intents
            menu.addAction(
                tr("Crea evento qui"),
                lambda: intents.create_incident.emit({"lon": round(lon, 6), "lat": round(lat, 6)}),
            )
        menu.addAction(
            tr("Copia coordinate"),
            lambda: QGuiApplication.clipboard().setText(f"{lat:.6f}, {lon:.6f}"),
        )
        return menu

    # --- lifecycle ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop timers and tile workers; join pack loaders (tests, panel close)."""
        self._closing = True
        self.frame_timer.stop()
        for tiles in self.tile_layers:
            tiles.shutdown()
        for thread in self._threads:
            thread.join(timeout=10)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
