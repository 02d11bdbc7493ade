"""The timeline bar above the views: play/pause, a slider over the recorded moments, where it is, Live.

It moves the session's :class:`app.timeline.Timeline`; every view with a past follows that. With the
slider focused the arrow keys step one stop (Page Up/Down ten, Home/End the first and last) and Space
plays or pauses; the window adds Alt+Left / Alt+Right / Alt+End anywhere (text fields keep the plain
arrows).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QWidget


class TimelineBar(QWidget):
    def __init__(self, timeline, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runTimeline")
        self.timeline = timeline
        lay = QHBoxLayout(self)
        lay.setContentsMargins(2, 0, 2, 0)
        self.title = QLabel(self.tr("Timeline"))
        self.title.setToolTip(self.tr("Drag to a step of the run: the curves, the inside views, layer health and "
                                      "the confusion matrix show that moment. Live returns to now."))
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setObjectName("timelinePlay")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip(self.tr("Play the run from its first recorded step (Space)"))
        self.play_button.clicked.connect(self._play_clicked)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("runTimelineSlider")
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.slider.setPageStep(10)
        self.slider.valueChanged.connect(self._moved)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.text = QLabel("")
        self.text.setObjectName("runTimelineText")
        # Its width never depends on the text: a longer text is cut, the bar and the window keep their size.
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setMinimumWidth(120)
        self.live_button = QPushButton(self.tr("Live"))
        self.live_button.setObjectName("runTimelineLive")
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.setToolTip(self.tr("Show the run now (Alt+End)"))
        self.live_button.clicked.connect(self._live_clicked)
        lay.addWidget(self.title)
        lay.addWidget(self.play_button)
        lay.addWidget(self.slider, 3)
        lay.addWidget(self.text, 2)
        lay.addWidget(self.live_button)
        self._updating = False
        timeline.step_changed.connect(self._refresh)
        timeline.stops_changed.connect(self._refresh)
        timeline.playing_changed.connect(self._playing)
        self._refresh()

    def install_shortcuts(self, window: QWidget) -> None:
        """Alt+Left / Alt+Right step, Alt+End goes live, anywhere in ``window``."""
        for keys, slot in (("Alt+Left", lambda: self.timeline.step_by(-1)),
                           ("Alt+Right", lambda: self.timeline.step_by(1)), ("Alt+End", self.timeline.go_live)):
            shortcut = QShortcut(QKeySequence(keys), window)
            shortcut.activated.connect(slot)

    # -- from the timeline -------------------------------------------------------------------------
    @Slot()
    def _refresh(self, _step=None) -> None:
        t = self.timeline
        stops = t.stops
        self._updating = True
        try:
            self.slider.setEnabled(bool(stops))
            self.slider.setRange(0, max(0, len(stops) - 1))
            self.slider.setValue(max(0, t.index()))  # live: the knob at the right end
        finally:
            self._updating = False
        self.live_button.setChecked(t.live)
        self.play_button.setEnabled(len(stops) > 1)
        self.text.setText(self.describe())
        self.text.setToolTip(self.text.text())

    def describe(self) -> str:
        t = self.timeline
        if not t.stops:
            return self.tr("nothing recorded yet")
        last = t.last()
        if t.live:
            return self.tr("live · {n} moments recorded, the last at step {step}").format(
                n=len(t.stops), step=f"{last:,}")
        epoch = t.epoch_of(t.step)
        where = self.tr("step {step} of {last}").format(step=f"{t.step:,}", last=f"{last:,}")
        if epoch is not None:
            where += self.tr(" · epoch {epoch}").format(epoch=f"{epoch:.2f}")
        return where

    @Slot(bool)
    def _playing(self, playing: bool) -> None:
        self.play_button.setChecked(playing)
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))

    # -- from the user -----------------------------------------------------------------------------
    @Slot(int)
    def _moved(self, value: int) -> None:
        if not self._updating:
            self.timeline.set_index(value)

    @Slot()
    def _live_clicked(self) -> None:
        self.timeline.go_live()
        self.live_button.setChecked(True)

    @Slot()
    def _play_clicked(self) -> None:
        self.timeline.toggle_play()
        self.play_button.setChecked(self.timeline.playing)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Space:
            self.timeline.toggle_play()
            event.accept()
            return
        super().keyPressEvent(event)
