"""The download dialog against a local http.server on 127.0.0.1: progress in bytes, success, Cancel (and
closing) stopping the thread, the modal question of ask_to_download."""
from __future__ import annotations

from contextlib import suppress

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from convscope.app.widgets.download_dialog import DownloadDialog, ask_to_download, progress_text
from convscope.core.data.download import MIRROR_ENV
from tests.core.data.test_download import MNIST_NAMES, LocalServer, closed_port_url, fake_mnist_files, remote_files_of

WAIT_MS = 10_000


@pytest.fixture(autouse=True)
def _no_proxy_no_mirror(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv(MIRROR_ENV, raising=False)


@pytest.fixture
def mnist_server(tmp_path):
    """Tiny MNIST files on a local server; train-images sent slowly (~0.2 s) so progress is seen."""
    files = fake_mnist_files(tmp_path / "www")
    server = LocalServer(tmp_path / "www", slow={"train-images-idx3-ubyte.gz"}, delay=0.01)
    yield server, files
    server.close()


@pytest.fixture
def slow_server(tmp_path):
    """One 1 MiB file sent in 64 pieces 20 ms apart (~1.3 s)."""
    www = tmp_path / "slow"
    www.mkdir()
    (www / "train-images-idx3-ubyte.gz").write_bytes(np.random.default_rng(0).bytes(1 << 20))
    server = LocalServer(www, slow={"train-images-idx3-ubyte.gz"}, delay=0.02)
    yield server, remote_files_of(www, ["train-images-idx3-ubyte.gz"])
    server.close()


def is_running(thread) -> bool:
    with suppress(RuntimeError):  # the C++ object is gone: it finished and was deleted
        return thread.isRunning()
    return False


def test_progress_text_names_bytes_and_file():
    assert progress_text(3_100_000, 29_500_000, "train-images-idx3-ubyte.gz") == \
        "3.1 of 29.5 MB · train-images-idx3-ubyte.gz"
    assert progress_text(512, 4_542, "t10k-labels-idx1-ubyte.gz") == "0.5 of 4.5 kB · t10k-labels-idx1-ubyte.gz"


def test_the_dialog_shows_progress_in_bytes_and_finishes(qtbot, tmp_path, mnist_server):
    server, files = mnist_server
    root = tmp_path / "data"
    dialog = DownloadDialog("mnist", root, base_urls=[server.base], files=files)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "not on this computer" in dialog.title.text() and str(root) in dialog.title.text()
    texts = []
    dialog.detail.setText = lambda text, real=dialog.detail.setText: (texts.append(text), real(text))
    with qtbot.waitSignal(dialog.download_finished, timeout=WAIT_MS) as finished:
        dialog.download_button.click()
        assert dialog.is_running() and dialog.thread is not None
    assert finished.args[0] is True, finished.args[1]
    assert any(" of " in t and " kB · train-images-idx3-ubyte.gz" in t for t in texts), texts
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.thread is None and dialog.bar.value() == dialog.bar.maximum()
    assert sorted(p.name for p in (root / "MNIST" / "raw").iterdir()) == sorted(MNIST_NAMES)


@pytest.mark.parametrize("how", ["cancel-button", "close-window"])
def test_cancel_stops_the_download_and_its_thread(qtbot, tmp_path, slow_server, started_qthreads, how):
    server, files = slow_server
    root = tmp_path / "data"
    dialog = DownloadDialog("mnist", root, base_urls=[server.base], files=files)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    thread = dialog.thread
    qtbot.waitUntil(lambda: " of " in dialog.detail.text(), timeout=WAIT_MS)
    assert "train-images-idx3-ubyte.gz" in dialog.detail.text()
    with qtbot.waitSignal(dialog.download_finished, timeout=WAIT_MS) as finished:
        if how == "cancel-button":
            dialog.cancel_button.click()
        else:
            dialog.close()  # closing cancels; the dialog closes once the thread has ended
            assert dialog.isVisible() and dialog.is_running()
    ok, message = finished.args
    assert ok is False and "cancelled" in message
    assert dialog.thread is None and not is_running(thread) and thread in started_qthreads
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert list((root / "MNIST" / "raw").iterdir()) == []  # no partial file


def _when_the_dialog_shows(action):
    """Run ``action(dialog)`` once the modal DownloadDialog is on screen (polling from the event loop)."""
    def poll():
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, DownloadDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(10, poll)
        else:
            action(dialog)
    QTimer.singleShot(0, poll)


def test_ask_to_download_is_true_once_the_files_are_there(qtbot, tmp_path, mnist_server):
    server, files = mnist_server
    _when_the_dialog_shows(lambda dialog: dialog.download_button.click())
    assert ask_to_download(None, "mnist", tmp_path / "data", base_urls=[server.base], files=files)
    assert (tmp_path / "data" / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz").is_file()


def test_ask_to_download_shows_a_failure_and_is_false(qtbot, tmp_path):
    seen = {}

    def on_failure(dialog, ok, message):
        seen.update(ok=ok, message=message, title=dialog.title.text(), detail=dialog.detail.text(),
                    again=dialog.download_button.text(), visible=dialog.isVisible())
        dialog.cancel_button.click()  # "Close"

    def begin(dialog):
        dialog.download_finished.connect(lambda ok, message: on_failure(dialog, ok, message))
        dialog.download_button.click()

    _when_the_dialog_shows(begin)
    files = fake_mnist_files(tmp_path / "www")
    assert not ask_to_download(None, "mnist", tmp_path / "data", base_urls=[closed_port_url()], files=files)
    assert seen["ok"] is False and seen["visible"] and seen["again"] == "Try again"
    assert "the internet cannot be reached" in seen["detail"] and "train-images-idx3-ubyte.gz" in seen["detail"]
    assert "could not be downloaded" in seen["title"]


def test_an_offline_sample_needs_no_question():
    assert ask_to_download(None, "mnist-sample", None)
