"""The two bars of every inside view: the timeline over the probe's history and the probe image picker."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QWidget


class TimelineBar(QWidget):
    """A slider over the probe's history; "Live" follows the newest snapshot."""

    scrubbed = Signal(int)  # snapshot seq
    live_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel(QCoreApplication.translate("InsideViews", "Timeline"))
        title.setToolTip(QCoreApplication.translate(
            "InsideViews", "Scrub back through the last snapshots to see how the maps formed."))
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._moved)
        self.text = QLabel(QCoreApplication.translate("InsideViews", "no snapshot yet"))
        self.text.setMinimumWidth(250)
        self.live = QPushButton(QCoreApplication.translate("InsideViews", "Live"))
        self.live.setObjectName("timelineLive")
        self.live.setCheckable(True)
        self.live.setChecked(True)
        self.live.setToolTip(QCoreApplication.translate("InsideViews", "Follow the newest snapshot"))
        self.live.clicked.connect(self._live_clicked)
        lay.addWidget(title)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.text)
        lay.addWidget(self.live)
        self._updating = False

    def set_state(self, first: int, last: int, current: int, live: bool, text: str) -> None:
        self._updating = True
        try:
            self.slider.setEnabled(last >= first > 0)
            self.slider.setRange(first, max(first, last))
            self.slider.setValue(current)
            self.live.setChecked(live)
            self.text.setText(text)
        finally:
            self._updating = False

    @Slot(int)
    def _moved(self, value: int) -> None:
        if not self._updating:
            self.scrubbed.emit(value)

    @Slot()
    def _live_clicked(self) -> None:
        self.live.setChecked(True)
        self.live_requested.emit()


class SampleBar(QWidget):
    """Which image the probe looks at: a test sample (by index) or the user's own image."""

    sample_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(QCoreApplication.translate("InsideViews", "Probe image: test sample")))
        self.spin = QSpinBox()
        self.spin.setObjectName("probeSampleSpin")
        self.spin.setRange(0, 9999)
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(QCoreApplication.translate("InsideViews", "Which test image the network is probed with"))
        self.spin.valueChanged.connect(self._changed)
        self.random = QPushButton(QCoreApplication.translate("InsideViews", "Another"))
        self.random.setToolTip(QCoreApplication.translate("InsideViews", "Probe with a random test image"))
        self.random.clicked.connect(self._random)
        self.note = QLabel("")
        lay.addWidget(self.spin)
        lay.addWidget(self.random)
        lay.addWidget(self.note)
        self._updating = False
        self._rng = np.random.default_rng()

    def set_state(self, index: int | None, n_test: int, note: str = "") -> None:
        self._updating = True
        try:
            if n_test > 0:
                self.spin.setRange(0, n_test - 1)
            if index is not None:
                self.spin.setValue(index)
            self.note.setText(note)
        finally:
            self._updating = False

    @Slot(int)
    def _changed(self, value: int) -> None:
        if not self._updating:
            self.sample_chosen.emit(int(value))

    @Slot()
    def _random(self) -> None:
        top = self.spin.maximum()
        self.spin.setValue(int(self._rng.integers(0, top + 1)) if top > 0 else 0)
