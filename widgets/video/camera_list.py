"""The camera list: find a camera by name or address, drag it onto a tile or double-click it.

Double-click asks for it through the intents bus (`open_camera`), so whichever wall is open
shows it; dragging carries the same MIME type the map uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.cameras.store import CameraStore
from console.i18n import tr
from console.intents import Intents
from widgets.common import theme
from widgets.video.tile import camera_mime

_ID_ROLE = int(Qt.ItemDataRole.UserRole)


class _DragList(QListWidget):
    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        if not items:
            return QMimeData()
        return camera_mime(str(items[0].data(_ID_ROLE)))

    def mimeTypes(self) -> list[str]:
        from widgets.video.tile import CAMERA_MIME

        return [CAMERA_MIME]


class CameraList(QWidget):
    def __init__(
        self,
        store: CameraStore | None,
        intents: Intents | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.intents = intents
        self.setStyleSheet(
            f"QWidget {{ background: {theme.SURFACE}; color: {theme.TEXT};"
            f" font-size: {theme.FONT_SIZE_PT}pt; }}"
            f"QLineEdit {{ background: {theme.SURFACE_RAISED}; border: 1px solid {theme.BORDER};"
            " padding: 4px; }"
            f"QListWidget {{ border: 1px solid {theme.BORDER}; }}"
            f"QListWidget::item {{ padding: 5px 4px; border-bottom: 1px solid {theme.BORDER}; }}"
            f"QListWidget::item:selected {{ background: {theme.ACCENT}; }}"
        )
        layout = QVBoxLayout(self)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(tr("Cerca telecamera per nome o indirizzo"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._refill)
        self.list = _DragList()
        self.list.setDragEnabled(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.list.itemDoubleClicked.connect(self._on_double_click)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setUniformItemSizes(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.TEXT_MUTED};")
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        if store is not None:
            store.cameras_changed.connect(self._refill)
        self._refill()

    def _refill(self) -> None:
        self.list.clear()
        if self.store is None:
            self.message.setText(tr("Elenco telecamere non disponibile: nessun server collegato."))
            return
        needle = self.filter.text().strip().casefold()
        cameras = self.store.cameras()
        shown = 0
        for cam in cameras:
            if needle and needle not in f"{cam.name} {cam.address} {cam.id}".casefold():
                continue
            label = cam.name + ("  · PTZ" if cam.ptz else "")
            if cam.address:
                label += f"\n{cam.address}"
            item = QListWidgetItem(label)
            item.setData(_ID_ROLE, cam.id)
            item.setToolTip(tr("Trascina su un riquadro o fai doppio clic per aprire"))
            self.list.addItem(item)
            shown += 1
        if not cameras:
            self.message.setText(tr("Nessuna telecamera dal server."))
        elif not shown:
            self.message.setText(tr('Nessuna telecamera corrisponde a "{q}".', q=needle))
        else:
            self.message.setText(tr("{n} telecamere · trascina su un riquadro", n=shown))

    def _on_double_click(self, item: QListWidgetItem) -> None:
        if self.intents is not None:
            self.intents.open_camera.emit(str(item.data(_ID_ROLE)), -1)
