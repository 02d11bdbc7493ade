"""A busy line for the status bar: what is being written in the background, with a moving bar.

Shown while at least one job it was told of runs (:meth:`BusyLine.start` / :meth:`BusyLine.done`, by key),
hidden otherwise; the window stays usable meanwhile (the work runs in the background jobs).
"""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget


class BusyLine(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("exportBusy")
        self._jobs: dict[str, str] = {}  # key → its text, in the order started
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 6, 0)
        self.label = QLabel()
        self.label.setObjectName("exportBusyLabel")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: no fraction is known while torch writes the file
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(90)
        self.bar.setMaximumHeight(14)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        self.hide()

    def start(self, key: str, text: str) -> None:
        self._jobs[key] = text
        self._show()

    def done(self, key: str) -> None:
        self._jobs.pop(key, None)
        self._show()

    def running(self) -> list[str]:
        return list(self._jobs)

    def _show(self) -> None:
        if self._jobs:
            self.label.setText(" · ".join(self._jobs.values()))
        self.setVisible(bool(self._jobs))
