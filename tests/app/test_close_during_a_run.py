"""Closing the real window during a run asks first; the next start offers the run it interrupted."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from test_main_window import WAIT, child, click, configure, wait_idle


def answer(button_name: str, asked: list) -> None:
    """Press ``button_name`` in the question the next close asks (it runs its own event loop)."""
    def press():
        box = QApplication.activeModalWidget()
        asked.append(box.objectName() if box is not None else None)
        box.findChild(QPushButton, button_name).click()

    QTimer.singleShot(0, press)


def start_a_long_saved_run(qtbot, w) -> list:
    configure(w, "lenet", "mnist-sample", epochs=1000, subset=64, batch=32, save=True)
    epochs = []
    w.epoch_finished.connect(epochs.append)
    click(qtbot, w, "startButton")
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=WAIT)
    return epochs


def new_window(qtbot):
    from convscope.app.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    return w


def test_closing_during_a_run_asks_and_the_next_start_offers_to_open_it(qtbot, window):
    from convscope.app import settings

    w = window
    w.ask_before_closing_during_a_run = True
    start_a_long_saved_run(qtbot, w)
    run_dir = w.session.trainer.run_dir

    asked = []
    answer("keepTrainingButton", asked)
    assert not w.close()  # "Keep training"
    assert asked == ["closeDuringRunQuestion"] and w.isVisible() and w.is_running()
    assert settings.open_settings().value("interrupted/run_dir") is None

    answer("stopAndQuitButton", asked)
    assert w.close()  # "Stop and quit"
    assert asked[-1] == "closeDuringRunQuestion" and not w.is_running()
    status = json.loads((Path(run_dir) / "status.json").read_text())
    assert status["status"] == "stopped" and status["epoch"] >= 1

    # The next start offers it, once.
    w2 = new_window(qtbot)
    offer = child(w2, "interruptedOffer")
    assert offer.isVisible() and Path(run_dir).name in offer.label.text()
    assert child(w2, "continueInterruptedButton").isVisible()
    assert settings.take_interrupted() is None  # cleared once offered
    child(w2, "openInterruptedButton").click()
    assert not offer.isVisible()
    assert w2.session.opened is not None and Path(w2.session.opened.dir) == Path(run_dir)
    w3 = new_window(qtbot)
    assert not child(w3, "interruptedOffer").isVisible()


def test_the_offer_continues_the_interrupted_run_in_its_own_folder(qtbot, window):
    w = window
    start_a_long_saved_run(qtbot, w)
    run_dir = w.session.trainer.run_dir
    assert w.close()  # the question is off (the test hook): stopped without asking, and remembered
    w2 = new_window(qtbot)
    assert child(w2, "interruptedOffer").isVisible()
    epochs = []
    w2.epoch_finished.connect(epochs.append)
    child(w2, "continueInterruptedButton").click()
    assert w2.is_running() and w2.session.trainer.run_dir is not None
    assert Path(w2.session.trainer.run_dir) == Path(run_dir)
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=WAIT)
    assert epochs[0].epoch >= 2  # went on from the epochs it had
    w2.stop_training()
    wait_idle(qtbot, w2)
    assert not child(w2, "interruptedOffer").isVisible()


def test_closing_when_no_run_trains_asks_nothing_and_offers_nothing(qtbot, window):
    w = window
    w.ask_before_closing_during_a_run = True
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64, save=True)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.close()
    w2 = new_window(qtbot)
    assert not child(w2, "interruptedOffer").isVisible()
