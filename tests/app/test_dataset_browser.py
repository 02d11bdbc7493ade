"""The Dataset tab: a grid of each class's counts, mean image and examples, loaded off the GUI thread."""
from __future__ import annotations

import gc
import threading
import weakref

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from convscope.app.widgets.dataset_browser import DatasetBrowser, display_scale
from convscope.core.data.datasets import CIFAR10_CLASSES, DataError

LOAD_TIMEOUT_MS = 180_000  # a hang guard only: on a busy machine a load may take far longer than idle (~1 s)


@pytest.fixture
def browser(qtbot):
    w = DatasetBrowser()
    qtbot.addWidget(w)
    w.resize(900, 700)
    w.show()
    yield w
    qtbot.waitUntil(lambda: not w.is_loading(), timeout=LOAD_TIMEOUT_MS)


def _shown(w: DatasetBrowser, name: str):
    return lambda: w.overview is not None and w.overview.name == name and not w.is_loading()


def _labels(w: DatasetBrowser, object_name: str) -> list[QLabel]:
    return w.grid_widget.findChildren(QLabel, object_name)


def test_cifar10_sample_fills_the_grid(qtbot, browser):
    browser.show_dataset("cifar10-sample")
    assert "Loading" in browser.status_text()
    qtbot.waitUntil(_shown(browser, "cifar10-sample"), timeout=LOAD_TIMEOUT_MS)
    assert browser.status_text() == ""
    # A widget added to a shown layout is shown by a queued call: on a busy machine the grid is filled one
    # turn of the event loop before its labels are visible.
    qtbot.waitUntil(lambda: all(label.isVisible() for label in browser.class_labels()), timeout=LOAD_TIMEOUT_MS)
    rows = browser.class_labels()
    assert len(rows) == 10 == len(_labels(browser, "classLabel"))
    ov = browser.overview
    for label, cls, n_train, n_test in zip(rows, CIFAR10_CLASSES, ov.train_counts, ov.test_counts):
        assert cls in label.text() and f"{n_train:,} train / {n_test:,} test" in label.text()
        assert label.isVisible()
    assert "airplane" in rows[0].text() and "357 train / 39 test" in rows[0].text()
    header = browser.header.text()
    assert "CIFAR-10 sample" in header and "3,604" in header and "396" in header and "32×32" in header
    means, examples = _labels(browser, "meanImage"), _labels(browser, "exampleImage")
    assert len(means) == 10 and len(examples) == 80
    side = 32 * display_scale(32)
    assert all(not lab.pixmap().isNull() and lab.pixmap().width() == side for lab in means + examples)


def test_switching_to_mnist_sample_replaces_the_grid(qtbot, browser):
    browser.show_dataset("cifar10-sample")
    qtbot.waitUntil(_shown(browser, "cifar10-sample"), timeout=LOAD_TIMEOUT_MS)
    browser.show_dataset("mnist-sample")
    qtbot.waitUntil(_shown(browser, "mnist-sample"), timeout=LOAD_TIMEOUT_MS)
    rows = browser.class_labels()
    assert len(rows) == 10 == len(_labels(browser, "classLabel"))  # the CIFAR rows are gone
    assert [r.text().split("</b>")[0].removeprefix("<b>") for r in rows] == [str(i) for i in range(10)]
    assert "450 train / 50 test" in rows[0].text()
    assert not any("airplane" in lab.text() for lab in browser.grid_widget.findChildren(QLabel))
    assert "MNIST sample" in browser.header.text() and "28×28 grey" in browser.header.text()
    assert len(_labels(browser, "exampleImage")) == 80
    assert all(lab.pixmap().width() == 28 * display_scale(28) for lab in _labels(browser, "meanImage"))


def test_a_missing_full_dataset_shows_why(qtbot, browser, tmp_path, monkeypatch):
    from convscope.core.data import loading as D

    monkeypatch.setattr(D, "default_root", lambda: tmp_path / "empty")
    monkeypatch.setattr(D, "INSTALLED_FOLDERS", {})
    monkeypatch.setattr(D, "_download", lambda *a, **k: pytest.fail("the browser must never download"))
    failed = []
    browser.dataset_failed.connect(lambda name, message: failed.append(name))
    browser.show_dataset("fashion-mnist")
    qtbot.waitUntil(lambda: "not found" in browser.status_text(), timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not browser.is_loading(), timeout=LOAD_TIMEOUT_MS)
    text = browser.status_text()
    assert "Fashion-MNIST" in text and "fashion-mnist-sample" in text and "Traceback" not in text
    assert "--data-root" in text  # as the user would type it (the label keeps the flag on one line)
    assert "-\u2060-\u2060data-\u2060root" in browser.status.text()
    assert browser.status.isVisible() and browser.overview is None and failed == ["fashion-mnist"]
    assert browser.class_labels() == [] and not _labels(browser, "exampleImage")
    assert "Fashion-MNIST (70,000 clothes)" in browser.header.text()


def test_an_unknown_name_and_a_broken_loader_show_a_message(qtbot):
    def broken(name, root, per_class):
        raise RuntimeError("boom")

    w = DatasetBrowser(loader=broken)
    qtbot.addWidget(w)
    w.show_dataset("imagenet")
    assert "unknown dataset 'imagenet'" in w.status_text() and not w.is_loading()
    w.show_dataset("mnist-sample")
    qtbot.waitUntil(lambda: "boom" in w.status_text(), timeout=LOAD_TIMEOUT_MS)
    assert w.status_text() == "Could not read mnist-sample: RuntimeError: boom"
    qtbot.waitUntil(lambda: not w.is_loading(), timeout=LOAD_TIMEOUT_MS)


class GatedLoader:
    """The real overview, held at the gate for the names in ``hold`` until ``release`` is set."""

    def __init__(self, hold=()):
        self.hold, self.release, self.started = set(hold), threading.Event(), threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, name, root, per_class):
        from convscope.core.insight.overview import dataset_overview

        self.threads.append(threading.current_thread())
        if name in self.hold:
            self.started.set()
            assert self.release.wait(LOAD_TIMEOUT_MS / 1000)
        return dataset_overview(name, root, per_class=per_class)


def test_a_stale_result_is_ignored_and_the_work_is_off_the_gui_thread(qtbot):
    loader = GatedLoader(hold={"cifar10-sample"})
    w = DatasetBrowser(loader=loader, per_class=4)
    qtbot.addWidget(w)
    shown, slot_threads = [], []
    w.dataset_shown.connect(lambda name: (shown.append(name), slot_threads.append(threading.current_thread())))
    w.show_dataset("cifar10-sample")
    assert loader.started.wait(LOAD_TIMEOUT_MS / 1000)
    w.show_dataset("fashion-mnist-sample")  # the user switched while CIFAR-10 was loading
    w.show_dataset("fashion-mnist-sample")  # asking again for the one pending does nothing
    assert "Loading Fashion-MNIST sample" in w.status_text()
    loader.release.set()
    qtbot.waitUntil(_shown(w, "fashion-mnist-sample"), timeout=LOAD_TIMEOUT_MS)
    qtbot.wait(50)  # the CIFAR-10 result was delivered too, and dropped
    assert shown == ["fashion-mnist-sample"] and w.overview.name == "fashion-mnist-sample"
    assert len(_labels(w, "exampleImage")) == 40 and "T-shirt/top" in w.class_labels()[0].text()
    assert len(loader.threads) == 2 and threading.main_thread() not in loader.threads
    assert slot_threads == [threading.main_thread()]


def test_showing_the_same_dataset_again_loads_nothing_but_a_failure_is_retried(qtbot):
    calls = []
    fail = [True]

    def loader(name, root, per_class):
        from convscope.core.insight.overview import dataset_overview

        calls.append(name)
        if fail[0]:
            raise DataError("not here yet")
        return dataset_overview(name, root, per_class=per_class)

    w = DatasetBrowser(loader=loader, per_class=2)
    qtbot.addWidget(w)
    w.show_dataset("mnist-sample")
    qtbot.waitUntil(lambda: w.status_text() == "not here yet", timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not w.is_loading(), timeout=LOAD_TIMEOUT_MS)
    fail[0] = False
    w.show_dataset("mnist-sample")  # after a failure: tried again
    qtbot.waitUntil(_shown(w, "mnist-sample"), timeout=LOAD_TIMEOUT_MS)
    w.show_dataset("mnist-sample")  # shown: nothing to do
    assert not w.is_loading() and calls == ["mnist-sample", "mnist-sample"]
    w.reload()
    qtbot.waitUntil(lambda: len(calls) == 3 and not w.is_loading(), timeout=LOAD_TIMEOUT_MS)
    assert w.current_dataset() == "mnist-sample"


def test_a_browser_closed_while_loading_drops_the_result(qtbot):
    loader = GatedLoader(hold={"mnist-sample"})
    w = DatasetBrowser(loader=loader)
    w.show_dataset("mnist-sample")
    assert loader.started.wait(LOAD_TIMEOUT_MS / 1000)
    thread = loader.threads[0]
    ref = weakref.ref(w)
    w.deleteLater()
    del w
    qtbot.wait(10)
    gc.collect()
    assert ref() is None  # the loader thread holds no reference to it
    loader.release.set()
    thread.join(LOAD_TIMEOUT_MS / 1000)
    assert not thread.is_alive()
    qtbot.wait(50)  # the queued result finds no browser: nothing happens


def test_install_adds_the_dataset_tab_and_nothing_else(qtbot):
    class Window(QWidget):
        def __init__(self):
            super().__init__()
            self.tabs = []

        def add_tab(self, widget, title):
            self.tabs.append((widget, title))
            widget.setParent(self)
            return len(self.tabs) - 1

    window = Window()
    qtbot.addWidget(window)
    w = DatasetBrowser()
    w.install(None, window)
    assert window.tabs == [(w, "Dataset")] and w.objectName() == "datasetBrowser"
    assert not w.is_loading() and w.overview is None and w.current_dataset() is None


def test_the_window_has_a_dataset_tab_that_follows_the_dataset_setting(qtbot, window):
    from tests.app.test_main_window import configure

    w = window
    browser = w.dataset_browser
    assert w.view_groups.title_of(browser) == "Dataset" and w.view_groups.group_of(browser) == "data"
    configure(w, "lenet", "fashion-mnist-sample")
    assert w.view_groups.current_view() is not browser and browser.current_dataset() != "fashion-mnist-sample"  # hidden
    w.view_groups.show_widget(browser)
    qtbot.waitUntil(lambda: browser.overview is not None and browser.overview.name == "fashion-mnist-sample",
                    timeout=180_000)
    assert "T-shirt/top" in " ".join(label.text() for label in browser.class_labels())
    configure(w, "lenet-cifar", "cifar10-sample")
    qtbot.waitUntil(lambda: browser.overview is not None and browser.overview.name == "cifar10-sample",
                    timeout=180_000)
