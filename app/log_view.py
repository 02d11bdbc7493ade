"""The Log tab: the app's log records, from any thread, as lines of text."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QPlainTextEdit

LOGGER = "convscope"
MAX_LINES = 5000


class _LogRelay(QObject):
    """Lives in the GUI thread; a handler in any thread emits ``line_logged``, the view appends it."""

    line_logged = Signal(str)


class _WindowLogHandler(logging.Handler):
    """Log records (from any thread) → the Log tab, through a queued signal."""

    def __init__(self, relay: _LogRelay):
        super().__init__(logging.INFO)
        self.relay = relay
        self.setFormatter(logging.Formatter("%(asctime)s  %(levelname)-7s %(message)s", "%H:%M:%S"))

    def emit(self, record):
        try:
            self.relay.line_logged.emit(self.format(record))
        except RuntimeError:  # the window is gone
            pass
        except Exception:  # noqa: BLE001
            self.handleError(record)


class LogView(QPlainTextEdit):
    """Read-only lines of the ``convscope`` loggers (INFO and up) while :meth:`attach`-ed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self._relay = _LogRelay(self)
        self._relay.line_logged.connect(self._append)
        self._handler = _WindowLogHandler(self._relay)

    def attach(self) -> None:
        logger = logging.getLogger(LOGGER)
        logger.addHandler(self._handler)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)

    def detach(self) -> None:
        logging.getLogger(LOGGER).removeHandler(self._handler)

    @Slot(str)
    def _append(self, line: str) -> None:
        self.appendPlainText(line)
