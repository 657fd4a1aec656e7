"""Cross-panel intents: one panel asks, whichever panel can serve it answers.

Panels never call each other (STYLE: no widget-to-widget calls). An alert row that wants the map
to centre on it emits `show_on_map`; the map listens. Nothing here knows which panels exist.

Signals:
    show_on_map(lon: float, lat: float, zoom: float)  zoom <= 0 keeps the current zoom
    show_geometry(geojson: dict)                      fit the view to a GeoJSON geometry
    open_camera(camera_id: str, tile: int)            tile < 0: the video panel chooses
    select(kind: str, object_id: str)                 kind: unit, alert, incident, camera, ...
    create_incident(prefill: dict)                    prefill keys follow contract.IncidentWrite
    open_channel(channel_id: str, draft: str)         chat hand-over with a prefilled draft
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Intents(QObject):
    show_on_map = Signal(float, float, float)
    show_geometry = Signal(dict)
    open_camera = Signal(str, int)
    select = Signal(str, str)
    create_incident = Signal(dict)
    open_channel = Signal(str, str)
