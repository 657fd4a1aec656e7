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
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.cameras.grids import GRID_NAMES
from console.i18n import tr
from widgets.common import theme
from widgets.video.views_dialog import GRID_LABELS, SalvoManager, TourEditor
from widgets.video.wall import VideoWall


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
            self.grid.addItem(GRID_LABELS[name], name)
        self.grid.setCurrentIndex(GRID_NAMES.index(wall.grid_name))
        self.grid.setToolTip(tr("Disposizione dei riquadri"))
        self.grid.currentIndexChanged.connect(self._on_grid)
        bar.addWidget(QLabel(tr("Griglia")))
        bar.addWidget(self.grid)

        self.views_button = QToolButton()
        self.views_button.setText(tr("Viste"))
        self.views_button.setToolTip(tr("Viste salvate: richiama, salva, gestisci"))
        self.views_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.views_menu = QMenu(self.views_button)
        self.views_menu.aboutToShow.connect(self.fill_views_menu)
        self.views_button.setMenu(self.views_menu)
        bar.addWidget(self.views_button)

        self.tour_button = QToolButton()
        self.tour_button.setText(tr("Giro"))
        self.tour_button.setToolTip(tr("Giri di telecamere: avvia, metti in pausa, modifica"))
        self.tour_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.tour_menu = QMenu(self.tour_button)
        self.tour_menu.aboutToShow.connect(self.fill_tour_menu)
        self.tour_button.setMenu(self.tour_menu)
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
        wall.tour_changed.connect(self._on_tour_changed)
        for tile in wall.tiles:
            tile.activated.connect(lambda _i: self._refresh_presets())
        self.fill_views_menu()
        self.fill_tour_menu()
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

    def fill_views_menu(self) -> None:
        """Saved views first (one click recalls), then saving and managing."""
        menu = self.views_menu
        menu.clear()
        salvos = self.wall.library.salvos()
        for salvo in salvos:
            label = f"{salvo.name}  ({GRID_LABELS.get(salvo.grid, salvo.grid)})"
            menu.addAction(label).triggered.connect(
                lambda _=False, s=salvo: self.wall.apply_salvo(s)
            )
        if not salvos:
            menu.addAction(tr("Nessuna vista salvata")).setEnabled(False)
        menu.addSeparator()
        menu.addAction(tr("Salva vista attuale…")).triggered.connect(self._ask_salvo)
        menu.addAction(tr("Gestisci viste…")).triggered.connect(self.open_salvo_manager)

    def fill_tour_menu(self) -> None:
        menu = self.tour_menu
        menu.clear()
        run = self.wall.tour
        if run is not None:
            menu.addAction(run.label()).setEnabled(False)
            if run.paused:
                menu.addAction(tr("Riprendi giro")).triggered.connect(self.wall.resume_tour)
            else:
                menu.addAction(tr("Pausa giro")).triggered.connect(self.wall.pause_tour)
            menu.addAction(tr("Ferma giro")).triggered.connect(self.wall.stop_tour)
            menu.addSeparator()
        tours = self.wall.library.tours()
        for tour in tours:
            sub = menu.addMenu(tour.name)
            sub.addAction(tr("Nel riquadro selezionato")).triggered.connect(
                lambda _=False, t=tour: self.wall.start_tour(t)
            )
            sub.addAction(tr("Su tutta la parete")).triggered.connect(
                lambda _=False, t=tour: self.wall.start_tour(t, whole_wall=True)
            )
        if not tours:
            menu.addAction(tr("Nessun giro definito")).setEnabled(False)
        menu.addSeparator()
        menu.addAction(tr("Modifica giri…")).triggered.connect(self.open_tour_editor)

    def _on_tour_changed(self) -> None:
        run = self.wall.tour
        if run is None:
            self.tour_button.setText(tr("Giro"))
            self.tour_button.setToolTip(tr("Giri di telecamere: avvia, metti in pausa, modifica"))
        else:
            self.tour_button.setText(tr("Giro (in pausa)") if run.paused else tr("Giro ▸"))
            self.tour_button.setToolTip(run.label())

    def open_salvo_manager(self) -> SalvoManager:
        dialog = SalvoManager(self.wall, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_tour_editor(self) -> TourEditor:
        dialog = TourEditor(self.wall, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _ask_salvo(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(tr("Salva vista"))
        dialog.setLabelText(tr("Nome della vista (griglia e telecamere attuali):"))
        dialog.textValueSelected.connect(self._save_salvo)
        dialog.open()

    def _save_salvo(self, name: str) -> None:
        if name.strip():
            self.wall.save_salvo(name.strip())

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
