"""Dialogs to manage saved views (salvos) and to edit camera tours.

Both work on the wall's `ViewLibrary` (per operator, saved at once) and report problems in a
line inside the dialog rather than in further pop-ups; only deleting asks for confirmation,
through `confirm`, which tests replace.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.cameras.views import MAX_DWELL_S, MIN_DWELL_S, Tour, TourStep
from console.i18n import tr
from widgets.common import theme
from widgets.video.wall import VideoWall

Confirm = Callable[[QWidget, str], bool]

GRID_LABELS = {
    "1": "1",
    "2x2": "2×2",
    "3x3": "3×3",
    "4x4": "4×4",
    "1+5": "1+5",
    "1+7": "1+7",
    "1+12": "1+12",
}


def ask_confirm(parent: QWidget, question: str) -> bool:
    answer = QMessageBox.question(
        parent,
        tr("Conferma"),
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def _style(widget: QWidget) -> None:
    widget.setStyleSheet(
        f"QWidget {{ background: {theme.SURFACE}; color: {theme.TEXT};"
        f" font-size: {theme.FONT_SIZE_PT}pt; }}"
        f"QPushButton, QComboBox, QLineEdit {{ background: {theme.SURFACE_RAISED};"
        f" border: 1px solid {theme.BORDER}; padding: 3px 8px; }}"
        f"QSpinBox {{ background: {theme.SURFACE_RAISED}; border: 1px solid {theme.BORDER};"
        f" padding: 2px 4px; min-width: 7em; }}"
        f"QPushButton:hover {{ border-color: {theme.ACCENT}; }}"
        f"QPushButton:disabled {{ color: {theme.TEXT_MUTED}; }}"
        f"QListWidget, QTableWidget {{ background: {theme.BACKGROUND};"
        f" border: 1px solid {theme.BORDER}; }}"
        f"QListWidget::item:selected, QTableWidget::item:selected"
        f" {{ background: {theme.SURFACE_RAISED}; border-left: 3px solid {theme.ACCENT}; }}"
    )


class SalvoManager(QDialog):
    """Save the current wall under a name, recall a saved view, delete one."""

    def __init__(
        self, wall: VideoWall, parent: QWidget | None = None, confirm: Confirm = ask_confirm
    ) -> None:
        super().__init__(parent)
        self.wall = wall
        self.confirm = confirm
        self.setWindowTitle(tr("Viste salvate"))
        self.setMinimumWidth(520)
        _style(self)
        self.list = QListWidget()
        self.list.itemDoubleClicked.connect(lambda _item: self.recall())
        self.list.currentItemChanged.connect(self._on_current)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("Nome della nuova vista, es. Stadio San Siro"))
        self.name.textChanged.connect(self._on_name)
        self.save_button = QPushButton(tr("Salva vista attuale"))
        self.save_button.clicked.connect(self.save_current)
        self.recall_button = QPushButton(tr("Richiama"))
        self.recall_button.clicked.connect(self.recall)
        self.delete_button = QPushButton(tr("Elimina"))
        self.delete_button.clicked.connect(self.delete)
        close = QPushButton(tr("Chiudi"))
        close.clicked.connect(self.accept)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.TEXT_MUTED};")

        save_row = QHBoxLayout()
        save_row.addWidget(self.name, 1)
        save_row.addWidget(self.save_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.recall_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Viste di {op}", op=wall.operator)))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(tr("Griglia e telecamere attuali della parete:")))
        layout.addLayout(save_row)
        layout.addWidget(self.message)
        self.refresh()
        self._on_name("")

    def refresh(self, select: str = "") -> None:
        self.list.clear()
        for salvo in self.wall.library.salvos():
            count = sum(1 for c in salvo.tiles if c)
            text = tr(
                "{name} — {grid}, {n} telecamere",
                name=salvo.name,
                grid=GRID_LABELS.get(salvo.grid, salvo.grid),
                n=count,
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, salvo.name)
            self.list.addItem(item)
            if salvo.name == select:
                self.list.setCurrentItem(item)
        if self.list.count() == 0:
            self.message.setText(tr("Nessuna vista salvata: prepara la parete e salvala qui."))
        self._on_current()

    def selected_name(self) -> str:
        row = self.list.currentRow()
        return str(self.list.item(row).data(Qt.ItemDataRole.UserRole)) if row >= 0 else ""

    def save_current(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.message.setText(tr("Scrivi un nome per la vista."))
            return
        self.wall.save_salvo(name)
        self.message.setText(tr('Vista "{name}" salvata', name=name))
        self.name.clear()
        self.refresh(select=name)

    def recall(self) -> None:
        salvo = self.wall.library.salvo(self.selected_name())
        if salvo is None:
            return
        self.wall.apply_salvo(salvo)
        self.message.setText(tr('Vista "{name}" richiamata', name=salvo.name))

    def delete(self) -> None:
        name = self.selected_name()
        if not name or not self.confirm(self, tr('Eliminare la vista "{name}"?', name=name)):
            return
        self.wall.delete_salvo(name)
        self.message.setText(tr('Vista "{name}" eliminata', name=name))
        self.refresh()

    def _on_current(self, *_args: object) -> None:
        has = self.list.currentItem() is not None
        self.recall_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def _on_name(self, text: str) -> None:
        exists = self.wall.library.salvo(text.strip()) is not None
        self.save_button.setText(tr("Sostituisci vista") if exists else tr("Salva vista attuale"))
        self.save_button.setEnabled(bool(text.strip()))


class TourEditor(QDialog):
    """Define tours (cameras and saved views, each with its dwell) and start one."""

    def __init__(
        self, wall: VideoWall, parent: QWidget | None = None, confirm: Confirm = ask_confirm
    ) -> None:
        super().__init__(parent)
        self.wall = wall
        self.confirm = confirm
        self.steps: list[TourStep] = []
        self.setWindowTitle(tr("Giri di telecamere"))
        self.setMinimumSize(900, 520)
        _style(self)

        self.tours = QListWidget()
        self.tours.currentItemChanged.connect(self._on_tour_selected)
        new = QPushButton(tr("Nuovo giro"))
        new.clicked.connect(self.new_tour)
        self.delete_button = QPushButton(tr("Elimina giro"))
        self.delete_button.clicked.connect(self.delete_tour)
        left = QVBoxLayout()
        left.addWidget(QLabel(tr("Giri di {op}", op=wall.operator)))
        left.addWidget(self.tours, 1)
        left_buttons = QHBoxLayout()
        left_buttons.addWidget(new)
        left_buttons.addWidget(self.delete_button)
        left.addLayout(left_buttons)

        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("es. Navigli sera"))
        self.dwell = QSpinBox()
        self.dwell.setRange(int(MIN_DWELL_S), int(MAX_DWELL_S))
        self.dwell.setValue(10)
        self.dwell.setSuffix(" s")
        form = QFormLayout()
        form.addRow(tr("Nome"), self.name)
        form.addRow(tr("Permanenza predefinita"), self.dwell)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [tr("Tipo"), tr("Telecamera o vista"), tr("Permanenza")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(0, 110)
        self.table.setColumnWidth(2, 150)
        self.table.verticalHeader().setDefaultSectionSize(34)

        self.camera_pick = QComboBox()
        self.salvo_pick = QComboBox()
        add_camera = QPushButton(tr("Aggiungi telecamera"))
        add_camera.clicked.connect(self.add_camera)
        add_salvo = QPushButton(tr("Aggiungi vista"))
        add_salvo.clicked.connect(self.add_salvo)
        up = QPushButton(tr("Su"))
        up.clicked.connect(lambda: self.move_step(-1))
        down = QPushButton(tr("Giù"))
        down.clicked.connect(lambda: self.move_step(1))
        remove = QPushButton(tr("Rimuovi"))
        remove.clicked.connect(self.remove)
        adders = QGridLayout()
        adders.addWidget(self.camera_pick, 0, 0)
        adders.addWidget(add_camera, 0, 1)
        adders.addWidget(self.salvo_pick, 1, 0)
        adders.addWidget(add_salvo, 1, 1)
        adders.setColumnStretch(0, 1)
        order = QHBoxLayout()
        order.addWidget(up)
        order.addWidget(down)
        order.addWidget(remove)
        order.addStretch(1)

        save = QPushButton(tr("Salva giro"))
        save.clicked.connect(self.save)
        run_tile = QPushButton(tr("Avvia nel riquadro"))
        run_tile.setToolTip(tr("Avvia nel riquadro selezionato"))
        run_tile.clicked.connect(lambda: self.run(whole_wall=False))
        run_wall = QPushButton(tr("Avvia sulla parete"))
        run_wall.setToolTip(tr("Avvia su tutta la parete"))
        run_wall.clicked.connect(lambda: self.run(whole_wall=True))
        close = QPushButton(tr("Chiudi"))
        close.clicked.connect(self.accept)
        actions = QHBoxLayout()
        actions.addWidget(save)
        actions.addWidget(run_tile)
        actions.addWidget(run_wall)
        actions.addStretch(1)
        actions.addWidget(close)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        hint = QLabel(
            tr(
                "Nel riquadro il giro mostra le telecamere una alla volta; su tutta la parete "
                "riempie la griglia a pagine e mostra anche le viste salvate."
            )
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {theme.TEXT_MUTED};")

        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.table, 1)
        right.addLayout(order)
        right.addLayout(adders)
        right.addWidget(hint)
        right.addLayout(actions)
        right.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 3)
        self._fill_pickers()
        self.refresh()
        if self.tours.count() == 0:
            self.new_tour()

    # --- lists ------------------------------------------------------------------------------

    def _fill_pickers(self) -> None:
        self.camera_pick.clear()
        store = self.wall.store
        for camera in store.cameras() if store is not None else []:
            self.camera_pick.addItem(f"{camera.name} ({camera.id})", camera.id)
        self.salvo_pick.clear()
        for salvo in self.wall.library.salvos():
            self.salvo_pick.addItem(salvo.name, salvo.name)
        self.salvo_pick.setEnabled(self.salvo_pick.count() > 0)
        if self.salvo_pick.count() == 0:
            self.salvo_pick.addItem(tr("nessuna vista salvata"), None)

    def refresh(self, select: str = "") -> None:
        self.tours.blockSignals(True)
        self.tours.clear()
        for tour in self.wall.library.tours():
            item = QListWidgetItem(tour.name)
            item.setData(Qt.ItemDataRole.UserRole, tour.name)
            self.tours.addItem(item)
            if tour.name == select:
                self.tours.setCurrentItem(item)
        self.tours.blockSignals(False)
        self.delete_button.setEnabled(self.tours.currentItem() is not None)

    def _on_tour_selected(self, current: QListWidgetItem | None, *_: object) -> None:
        self.delete_button.setEnabled(current is not None)
        if current is None:
            return
        tour = self.wall.library.tour(str(current.data(Qt.ItemDataRole.UserRole)))
        if tour is not None:
            self.load(tour)

    def load(self, tour: Tour) -> None:
        self.name.setText(tour.name)
        self.dwell.setValue(round(tour.dwell_s))
        self.steps = list(tour.steps)
        self._fill_table()

    def new_tour(self) -> None:
        self.tours.clearSelection()
        self.tours.setCurrentRow(-1)
        self.name.clear()
        self.dwell.setValue(10)
        self.steps = []
        self._fill_table()
        self.name.setFocus()

    # --- steps ------------------------------------------------------------------------------

    def _step_name(self, step: TourStep) -> str:
        if step.kind == "salvo":
            known = self.wall.library.salvo(step.ref) is not None
            return step.ref if known else tr("{ref} (vista non più presente)", ref=step.ref)
        camera = self.wall.store.get(step.ref) if self.wall.store is not None else None
        if camera is None:
            return tr("{ref} (telecamera sconosciuta)", ref=step.ref)
        return f"{camera.name} ({camera.id})"

    def _fill_table(self, select: int = -1) -> None:
        self.table.setRowCount(len(self.steps))
        for row, step in enumerate(self.steps):
            kind = tr("Telecamera") if step.kind == "camera" else tr("Vista")
            self.table.setItem(row, 0, QTableWidgetItem(kind))
            self.table.setItem(row, 1, QTableWidgetItem(self._step_name(step)))
            spin = QSpinBox()
            spin.setRange(int(MIN_DWELL_S) - 1, int(MAX_DWELL_S))
            spin.setSpecialValueText(tr("predefinita"))
            spin.setSuffix(" s")
            spin.setValue(round(step.dwell_s) if step.dwell_s is not None else spin.minimum())
            spin.valueChanged.connect(lambda value, r=row: self._set_dwell(r, value))
            self.table.setCellWidget(row, 2, spin)
        if 0 <= select < len(self.steps):
            self.table.selectRow(select)

    def _set_dwell(self, row: int, value: int) -> None:
        if 0 <= row < len(self.steps):
            step = self.steps[row]
            dwell = None if value < MIN_DWELL_S else float(value)
            self.steps[row] = TourStep(step.kind, step.ref, dwell)

    def current_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def add_camera(self) -> None:
        camera_id = self.camera_pick.currentData()
        if camera_id:
            self.steps.append(TourStep("camera", str(camera_id)))
            self._fill_table(len(self.steps) - 1)

    def add_salvo(self) -> None:
        name = self.salvo_pick.currentData()
        if name:
            self.steps.append(TourStep("salvo", str(name)))
            self._fill_table(len(self.steps) - 1)

    def move_step(self, delta: int) -> None:
        row = self.current_row()
        target = row + delta
        if row < 0 or not 0 <= target < len(self.steps):
            return
        self.steps[row], self.steps[target] = self.steps[target], self.steps[row]
        self._fill_table(target)

    def remove(self) -> None:
        row = self.current_row()
        if row >= 0:
            del self.steps[row]
            self._fill_table(min(row, len(self.steps) - 1))

    # --- save, delete, run --------------------------------------------------------------------

    def edited_tour(self) -> Tour | None:
        name = self.name.text().strip()
        if not name:
            self.message.setText(tr("Scrivi un nome per il giro."))
            return None
        if not self.steps:
            self.message.setText(tr("Aggiungi almeno una telecamera o una vista."))
            return None
        return Tour(name, list(self.steps), float(self.dwell.value()))

    def save(self) -> Tour | None:
        tour = self.edited_tour()
        if tour is None:
            return None
        try:
            self.wall.library.save_tour(tour)
        except ValueError as exc:
            self.message.setText(tr("Giro non salvato: {reason}", reason=str(exc)))
            return None
        self.message.setText(tr('Giro "{name}" salvato', name=tour.name))
        self.refresh(select=tour.name)
        return tour

    def delete_tour(self) -> None:
        row = self.tours.currentRow()
        if row < 0:
            return
        name = str(self.tours.item(row).data(Qt.ItemDataRole.UserRole))
        if not self.confirm(self, tr('Eliminare il giro "{name}"?', name=name)):
            return
        run = self.wall.tour
        if run is not None and run.tour.name == name:
            self.wall.stop_tour()
        self.wall.library.delete_tour(name)
        self.message.setText(tr('Giro "{name}" eliminato', name=name))
        self.refresh()
        self.new_tour()

    def run(self, whole_wall: bool) -> None:
        """Save, then start: what runs is always what is on file."""
        tour = self.save()
        if tour is None:
            return
        if self.wall.start_tour(tour, whole_wall=whole_wall):
            self.accept()
