"""The "video" panel: the wall under a toolbar (grid, saved views, tours, snapshot, PTZ, info).

Controls call the wall; the wall never reaches into other panels. Messages for the operator go
to one line in the toolbar instead of modal boxes that would cover the video.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.cameras.grids import GRID_NAMES
from console.cameras.views import Tour
from console.i18n import tr
from widgets.common import theme
from widgets.video.wall import VideoWall

_GRID_LABELS = {
    "1": "1",
    "2x2": "2×2",
    "3x3": "3×3",
    "4x4": "4×4",
    "1+5": "1+5",
    "1+7": "1+7",
    "1+12": "1+12",
}


class _Notice(QLabel):
    """One line of feedback that never widens the panel: clipped, full text in the tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)


class VideoPanel(QWidget):
    def __init__(self, wall: VideoWall, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wall = wall
        self.setStyleSheet(
            f"QWidget {{ background: {theme.SURFACE}; color: {theme.TEXT};"
            f" font-size: {theme.FONT_SIZE_PT}pt; }}"
            f"QPushButton, QToolButton, QComboBox {{ background: {theme.SURFACE_RAISED};"
            f" border: 1px solid {theme.BORDER}; padding: 3px 8px; }}"
            f"QPushButton:hover, QToolButton:hover {{ border-color: {theme.ACCENT}; }}"
        )
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 4)
        self.grid = QComboBox()
        for name in GRID_NAMES:
            self.grid.addItem(_GRID_LABELS[name], name)
        self.grid.setCurrentIndex(GRID_NAMES.index(wall.grid_name))
        self.grid.setToolTip(tr("Disposizione dei riquadri"))
        self.grid.currentIndexChanged.connect(self._on_grid)
        bar.addWidget(QLabel(tr("Griglia")))
        bar.addWidget(self.grid)

        self.salvos = QComboBox()
        self.salvos.setToolTip(tr("Viste salvate"))
        self.salvos.activated.connect(self._on_salvo)
        save = QPushButton(tr("Salva vista"))
        save.clicked.connect(self._ask_salvo)
        bar.addWidget(self.salvos)
        bar.addWidget(save)

        self.tour_button = QPushButton(tr("Giro"))
        self.tour_button.setToolTip(tr("Ciclo delle telecamere nel riquadro selezionato"))
        self.tour_button.clicked.connect(self._toggle_tour)
        bar.addWidget(self.tour_button)

        snap = QPushButton(tr("Istantanea"))
        snap.clicked.connect(self._ask_snapshot)
        bar.addWidget(snap)

        for text, tip, args in (
            ("◀", tr("Ruota a sinistra"), {"pan": -10.0}),
            ("▶", tr("Ruota a destra"), {"pan": 10.0}),
            ("▲", tr("Inclina in alto"), {"tilt": 5.0}),
            ("▼", tr("Inclina in basso"), {"tilt": -5.0}),
            ("+", tr("Avvicina"), {"zoom": 1.0}),
            ("−", tr("Allontana"), {"zoom": -1.0}),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tr("PTZ: {what}", what=tip))
            button.clicked.connect(lambda _=False, a=args: self.wall.ptz(**a))
            bar.addWidget(button)
        self.presets = QComboBox()
        self.presets.setToolTip(tr("Preset PTZ"))
        self.presets.activated.connect(self._on_preset)
        bar.addWidget(self.presets)

        info = QPushButton(tr("Info"))
        info.setCheckable(True)
        info.setToolTip(tr("fps, bitrate e lettore su ogni riquadro"))
        info.toggled.connect(self._on_info)
        bar.addWidget(info)
        self.notice = _Notice()
        self.notice.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.notice, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(wall, 1)
        wall.notice.connect(self.notice.setText)
        wall.grid_changed.connect(self._on_wall_grid)
        for tile in wall.tiles:
            tile.activated.connect(lambda _i: self._refresh_presets())
        self._refresh_salvos()
        self._refresh_presets()
        backend = wall.choice
        self.notice.setText(tr("Lettore video: {b} — {why}", b=backend.backend, why=backend.reason))

    def _on_grid(self, _index: int) -> None:
        self.wall.set_grid(str(self.grid.currentData()))
        self.wall.start_all()

    def _on_wall_grid(self, name: str) -> None:
        self.grid.blockSignals(True)
        self.grid.setCurrentIndex(GRID_NAMES.index(name))
        self.grid.blockSignals(False)

    def _refresh_salvos(self) -> None:
        self.salvos.clear()
        self.salvos.addItem(tr("Viste salvate…"), None)
        for salvo in self.wall.library.salvos():
            self.salvos.addItem(salvo.name, salvo.name)

    def _on_salvo(self, _index: int) -> None:
        name = self.salvos.currentData()
        salvo = self.wall.library.salvo(str(name)) if name else None
        if salvo is not None:
            self.wall.apply_salvo(salvo)

    def _ask_salvo(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(tr("Salva vista"))
        dialog.setLabelText(tr("Nome della vista (griglia e telecamere attuali):"))
        dialog.textValueSelected.connect(self._save_salvo)
        dialog.open()

    def _save_salvo(self, name: str) -> None:
        if name.strip():
            self.wall.save_salvo(name.strip())
            self._refresh_salvos()

    def _toggle_tour(self) -> None:
        if self.wall.tour_running():
            self.wall.stop_tour()
            self.tour_button.setText(tr("Giro"))
            return
        store = self.wall.store
        cameras = [c.id for c in store.cameras()] if store is not None else []
        tours = self.wall.library.tours()
        tour = tours[0] if tours else Tour(tr("Tutte le telecamere"), cameras, 10.0)
        if not tour.cameras:
            self.notice.setText(tr("Nessuna telecamera per il giro"))
            return
        self.wall.start_tour(tour)
        self.tour_button.setText(tr("Ferma giro"))

    def _ask_snapshot(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(tr("Istantanea"))
        dialog.setLabelText(tr("Motivo dell'istantanea (resta nel registro di audit):"))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.textValueSelected.connect(self.wall.take_snapshot)
        dialog.open()

    def _refresh_presets(self) -> None:
        self.presets.clear()
        camera = self.wall.tiles[self.wall.selected].camera()
        presets = camera.presets if camera is not None and camera.ptz else []
        self.presets.addItem(tr("Preset…") if presets else tr("Nessun preset"), None)
        for preset in presets:
            self.presets.addItem(preset.name, preset.id)
        self.presets.setEnabled(bool(presets))

    def _on_preset(self, _index: int) -> None:
        preset = self.presets.currentData()
        if preset:
            self.wall.ptz(preset=str(preset))

    def _on_info(self, on: bool) -> None:
        for tile in self.wall.tiles:
            tile.show_info = on
            tile.update()
