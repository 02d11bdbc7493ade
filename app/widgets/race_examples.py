"""The Race tab's "right by one, never by the other": the test images one architecture gets right at its
last epoch and another never got right in any epoch (e.g. ResNet against LeNet on the CIFAR-10 sample),
from the entrants' per-example records (``core.insight.examples``). A click probes the image, as in the
Examples tab."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from convscope.core.insight.examples import TEST, dynamics, right_in_one_never_in_other, take_images

from .examples_view import GALLERY_SIZE, ExampleGallery


class RaceDifference(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("raceDifference")
        self.entrants: dict[str, tuple] = {}  # arch → (display name, test Dynamics)
        self.images = None  # the test split's images (every entrant's are the same)
        self.class_names: list[str] = []
        self.right_by = QComboBox()
        self.right_by.setObjectName("raceRightBy")
        self.never_by = QComboBox()
        self.never_by.setObjectName("raceNeverBy")
        for combo in (self.right_by, self.never_by):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status = QLabel()
        self.status.setObjectName("raceDifferenceStatus")
        self.status.setWordWrap(True)
        self.gallery = ExampleGallery("raceDifferenceGallery")
        self.gallery.setMaximumHeight(130)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Test images right by")))
        row.addWidget(self.right_by)
        row.addWidget(QLabel(self.tr("and never right by")))
        row.addWidget(self.never_by)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.gallery)

    def clear(self) -> None:
        self.entrants, self.images = {}, None
        for combo in (self.right_by, self.never_by):
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        self.gallery.set_examples([])
        self.status.setText("")

    def add(self, arch: str, display: str, record, images, class_names) -> None:
        """An entrant's record (None: it recorded none) and the test images (a split's ``images``)."""
        if record is None or record.epochs == 0:
            return
        self.entrants[arch] = (display, dynamics(record, TEST))
        self.images, self.class_names = images, list(class_names)
        for combo in (self.right_by, self.never_by):
            combo.blockSignals(True)
            combo.addItem(display, arch)
            combo.blockSignals(False)
        if len(self.entrants) == 2:  # the later entrant right, the earlier never: often the bigger network
            self.right_by.setCurrentIndex(1)
            self.never_by.setCurrentIndex(0)
        self.refresh()

    def refresh(self) -> None:
        a, b = self.right_by.currentData(), self.never_by.currentData()
        if a is None or b is None or a == b or a not in self.entrants or b not in self.entrants:
            self.gallery.set_examples([])
            self.status.setText(self.tr("Choose two different networks.") if len(self.entrants) > 1 else "")
            return
        (name_a, da), (name_b, db) = self.entrants[a], self.entrants[b]
        hits = right_in_one_never_in_other(da, db)
        self.status.setText(self.tr("{n} test image(s) {a} gets right and {b} never did.").format(
            n=f"{len(hits):,}", a=name_a, b=name_b))
        shown = [int(i) for i in hits[:GALLERY_SIZE]]
        pics = take_images(self.images, shown) if self.images is not None and shown else None
        entries = []
        for k, i in enumerate(shown):
            label = int(da.labels[i])
            name = self.class_names[label] if 0 <= label < len(self.class_names) else str(label)
            source = self.tr("test image #{i}").format(i=i)
            entries.append((None if pics is None else pics[k], label, f"{name}\n#{i}", da.history[:, i],
                            f"{source}: {name}", source))
        self.gallery.set_examples(entries)
