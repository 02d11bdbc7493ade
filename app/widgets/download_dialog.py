"""Downloading a full dataset from the window: a question, then a progress bar with bytes and a Cancel
button, the download itself in a ``QThread`` of its own.

The thread is hosted the one way of ``app.runtime.thread_host`` (as the training's): a ``QObject`` worker
moved to a ``QThread`` runs :func:`core.data.download.download_dataset`; its signals reach only slots of the
dialog (which lives in the GUI thread); Cancel sets a ``threading.Event`` from the GUI thread, checked
between chunks; the worker moves itself back to the GUI thread before it is freed; closing waits for the
thread (``quit()`` → ``wait()``), never ``terminate()``.
"""
from __future__ import annotations

import logging
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QPushButton, QVBoxLayout

from convscope.core.data.datasets import DataError, get_info
from convscope.core.data.download import KNOWN_SIZES, download_dataset

from ..core_texts import core_text
from ..runtime.thread_host import ThreadHost

log = logging.getLogger("convscope.gui")

BAR_STEPS = 1000  # the progress bar counts in thousandths (a byte count overflows a Qt int past 2 GB)


def size_text(n: int, unit_of: int | None = None) -> str:
    """``n`` bytes in the unit that suits ``unit_of`` (default ``n``): "29.5 MB", "4.5 kB", "512 bytes"."""
    scale = n if unit_of is None else unit_of
    if scale >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    if scale >= 1_000:
        return f"{n / 1e3:.1f} kB"
    return QCoreApplication.translate("DownloadDialog", "{n} bytes").format(n=n)


def progress_text(done: int, total: int, file_name: str) -> str:
    """ "3.1 of 29.5 MB · train-images-idx3-ubyte.gz"."""
    done_number = size_text(done, unit_of=total).partition(" ")[0]
    return QCoreApplication.translate("DownloadDialog", "{done} of {total} · {file}").format(
        done=done_number, total=size_text(total), file=file_name)


# ------------------------------------------------------------------------------------------ worker
class DownloadWorker(QObject):
    """Runs ``download_dataset`` in its thread; reports progress and the outcome as signals."""

    progressed = Signal(object, object, str)  # done bytes, total bytes, file name
    download_finished = Signal(bool, str)  # ok, message
    finished = Signal()

    def __init__(self, dataset: str, root: Path, cancel: threading.Event, options: dict):
        super().__init__()
        self.dataset, self.root, self.cancel, self.options = dataset, root, cancel, options

    @Slot()
    def run(self) -> None:
        ok, message = False, ""
        try:
            download_dataset(self.dataset, self.root, progress=self._on_progress, cancel=self.cancel,
                             **self.options)
            ok, message = True, f"{get_info(self.dataset).display_name} is ready in {self.root}."
        except DataError as exc:  # DownloadFailed, DownloadCancelled, a bad mirror address
            message = str(exc)
        except BaseException as exc:  # noqa: BLE001 - report every failure, never a silent stop
            log.error("download thread failed:\n%s", traceback.format_exc())
            message = f"the download failed unexpectedly ({type(exc).__name__}); the log has the details."
        finally:
            try:
                self.download_finished.emit(ok, message)
            finally:
                # Back to the GUI thread, to be destroyed there (see app/worker.py).
                self.moveToThread(QCoreApplication.instance().thread())
                self.finished.emit()

    def _on_progress(self, done: int, total: int, file_name: str) -> None:
        self.progressed.emit(int(done), int(total), file_name)


# ------------------------------------------------------------------------------------------ dialog
class DownloadDialog(QDialog):
    """Asks whether to download ``dataset`` into ``root``, then downloads it with a progress bar.

    :meth:`start` begins at once (without the question). ``download_finished(ok, message)`` is emitted
    in the GUI thread once the download thread has ended. Success closes the dialog (accepted), a cancel
    closes it (rejected), a failure stays on screen with its message and "Try again". ``base_urls`` and
    ``files`` go to :func:`core.data.download.download_dataset` (tests, private mirrors).
    """

    download_finished = Signal(bool, str)

    def __init__(self, dataset: str, root=None, parent=None, *, base_urls=None, files=None):
        super().__init__(parent)
        if root is None:
            from convscope.core.data.loading import default_root

            root = default_root()
        self.info = get_info(dataset)
        self.dataset, self.root = dataset, Path(root).expanduser()
        self.options = {"base_urls": base_urls, "files": files}
        self.ok, self.message, self.cancelled = False, "", False
        self._host = ThreadHost(self, "ConvScopeDownload")
        self._host.finished.connect(self._on_thread_finished)
        self._cancel = threading.Event()
        self.setObjectName("downloadDialog")
        self.setWindowTitle(self.tr("Download {name}").format(name=core_text(self.info.display_name)))
        self.setModal(True)
        self.setMinimumWidth(460)

        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("downloadTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.title)
        self.bar = QProgressBar()
        self.bar.setObjectName("downloadBar")
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(False)
        lay.addWidget(self.bar)
        self.detail = QLabel()
        self.detail.setObjectName("downloadDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.detail)
        buttons = QDialogButtonBox()
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("downloadStart")
        self.download_button.setDefault(True)
        self.download_button.clicked.connect(self.start)
        buttons.addButton(self.download_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("downloadCancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        lay.addWidget(buttons)
        self._show_question()

    # -- state -------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._host.is_running()

    @property
    def thread(self) -> QThread | None:
        return self._host.thread

    def _show_question(self) -> None:
        size = sum(KNOWN_SIZES.get(self.dataset, {}).values())
        name = core_text(self.info.display_name)
        if size:
            question = self.tr("{name} is not on this computer. Download it ({size}) from the internet into "
                               "{root}?").format(name=name, size=size_text(size), root=self.root)
        else:
            question = self.tr("{name} is not on this computer. Download it from the internet into {root}?").format(
                name=name, root=self.root)
        self.title.setText(question)
        self.bar.hide()
        self.detail.setText("")

    # -- control (GUI thread) ----------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """Start the download in its thread (again, after a failure)."""
        if self.is_running():
            return
        self.ok, self.message, self.cancelled = False, "", False
        self._cancel = threading.Event()
        self.title.setText(self.tr("Downloading {name} into {root}…").format(name=core_text(self.info.display_name),
                                                                             root=self.root))
        self.bar.setValue(0)
        self.bar.show()
        self.detail.setText(self.tr("Connecting…"))
        self.download_button.hide()
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setEnabled(True)
        worker = DownloadWorker(self.dataset, self.root, self._cancel, dict(self.options))
        worker.progressed.connect(self._on_progress)
        worker.download_finished.connect(self._on_download_finished)
        self._host.start(worker)

    @Slot()
    def cancel(self) -> None:
        """Ask the download to stop; it does within one chunk, removing its partial file."""
        if not self.is_running():
            return
        self.cancelled = True
        self._cancel.set()
        self.cancel_button.setText(self.tr("Cancelling…"))
        self.cancel_button.setEnabled(False)
        self.detail.setText(self.tr("Cancelling…"))

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel and wait for the download thread to end (False: still ending after ``timeout_ms``)."""
        return self._host.shutdown(self.cancel, timeout_ms)

    def reject(self) -> None:
        """Cancel, Escape: a running download is cancelled, and the dialog closes once it has stopped."""
        if self.is_running():
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.is_running():
            self.cancel()
            event.ignore()  # closes itself when the thread has ended (_on_thread_finished)
            return
        super().closeEvent(event)

    # -- worker signals (queued into the GUI thread) -----------------------------------------------
    @Slot(object, object, str)
    def _on_progress(self, done, total, file_name: str) -> None:
        if self.cancelled:
            return
        self.bar.setValue(int(BAR_STEPS * done / total) if total else 0)
        self.detail.setText(progress_text(done, total, file_name))

    @Slot(bool, str)
    def _on_download_finished(self, ok: bool, message: str) -> None:
        self.ok, self.message = ok, message

    @Slot()
    def _on_thread_finished(self) -> None:
        ok, message = self.ok, self.message or self.tr("the download stopped without a result.")
        if ok:
            self.bar.setValue(BAR_STEPS)
            self.accept()
        elif self.cancelled:
            super().reject()
        else:
            self.title.setText(self.tr(
                "{name} could not be downloaded.").format(name=core_text(self.info.display_name)))
            self.detail.setText(message[:1].upper() + message[1:])
            self.download_button.setText(self.tr("Try again"))
            self.download_button.show()
            self.cancel_button.setText(self.tr("Close"))
            self.cancel_button.setEnabled(True)
        self.download_finished.emit(ok, message)  # last: whoever listens sees the dialog as it stays


def ask_to_download(parent, dataset_name: str, root=None, **options) -> bool:
    """Ask whether to download ``dataset_name`` into ``root`` (default: the per-user download folder) and
    do it, modally; True when the files are there. An offline sample needs nothing and returns True.
    ``options`` (``base_urls``, ``files``) go to :class:`DownloadDialog`."""
    if get_info(dataset_name).offline:
        return True
    dialog = DownloadDialog(dataset_name, root, parent, **options)
    try:
        dialog.exec()
        return dialog.ok
    finally:
        dialog.shutdown()
        dialog.deleteLater()
