"""What one run leaves for the next in the real window: a race leaves the student's settings as they were,
and a banner about a run goes when another run is shown, while a message about the settings stays."""
from __future__ import annotations

from PySide6.QtCore import Qt
from test_main_window import WAIT, child, click, configure, wait_idle


def test_a_race_leaves_the_settings_as_they_were(qtbot, window):
    w = window
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64, lr=0.02, optimizer="sgd", momentum=0.5, seed=3)
    before = w.settings_values()
    view = child(w, "raceView")
    for i in range(view.entrants.count()):
        item = view.entrants.item(i)
        keep = item.data(Qt.ItemDataRole.UserRole) in ("lenet", "lenet-cifar")  # lenet-cifar races last
        item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
    with qtbot.waitSignal(w.analysis.race.finished, timeout=WAIT) as blocker:
        view.start_button.click()
    assert [r.arch for r in blocker.args[0]] and not w.is_running()
    assert w.settings_values() == before  # not the race's last network and its own hyperparameters
    assert child(w, "archCombo").currentData() == "lenet"
    # Train trains what the settings show.
    started = []
    w.trainer_setup_hooks.append(lambda trainer: started.append(trainer.config))
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert [(c.arch, c.lr, c.optimizer, c.momentum, c.seed) for c in started] == [("lenet", 0.02, "sgd", 0.5, 3)]


def test_a_stopped_race_leaves_the_preset_chosen(qtbot, window):
    w = window
    panel = w.config_panel
    index = panel.preset_combo.findData("lenet-sample")
    panel.preset_combo.setCurrentIndex(index)
    panel.preset_combo.activated.emit(index)
    configure(w, "lenet", "mnist-sample", epochs=50, subset=64)  # long: the race is stopped
    panel.preset_combo.setCurrentIndex(index)
    panel.preset_combo.activated.emit(index)
    w._validate()
    before, preset = w.settings_values(), w.settings_preset()
    assert preset == "lenet-sample"
    view = child(w, "raceView")
    for i in range(view.entrants.count()):
        item = view.entrants.item(i)
        keep = item.data(Qt.ItemDataRole.UserRole) in ("lenet-cifar", "lenet")
        item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
    epochs = []
    w.epoch_finished.connect(epochs.append)
    view.start_button.click()
    assert w.is_running()
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=WAIT)
    with qtbot.waitSignal(w.analysis.race.finished, timeout=WAIT):
        view.stop_button.click()
    wait_idle(qtbot, w)
    assert w.settings_values() == before and w.settings_preset() == "lenet-sample"


def _warn_stuck(w):
    from convscope.core.training.events import RunWarning

    sent = []

    def warn(trainer):
        if not sent:
            sent.append(True)
            trainer.on_event(RunWarning("stuck", "epoch 1: the loss stays at 2.303 ≈ ln 10: the network "
                                                 "is guessing; lower the learning rate."))

    w.trainer_setup_hooks.append(lambda trainer: trainer.step_hooks.append(warn))


def test_a_banner_about_a_run_goes_when_another_run_is_shown(qtbot, window, monkeypatch):
    from convscope.core.insight import hints

    w = window
    banner = child(w, "banner")
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64, save=True)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    first = w.last_result.run_dir

    # A run that gets stuck: its banner stays while it is shown…
    _warn_stuck(w)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert banner.isVisible() and "stuck" in banner.title.text()
    # …and goes when another run is opened.
    assert w.open_run(first)
    assert not banner.isVisible()

    # A hint from the curves (overfitting) is about its run too.
    w.trainer_setup_hooks.clear()
    overfit = hints.Hint(hints.OVERFITTING, "Overfitting", "text", {"train": 99.0, "test": 50.0})
    monkeypatch.setattr(hints, "curve_hints", lambda *a, **k: [overfit])
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert banner.isVisible() and banner.title.text().startswith("Overfitting")
    assert w.open_run(first)
    assert not banner.isVisible()

    # A run started: the opened run's banners go (as before).
    _warn_stuck(w)
    monkeypatch.setattr(hints, "curve_hints", lambda *a, **k: [])
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert banner.isVisible() and "stuck" in banner.title.text()
    w.trainer_setup_hooks.clear()
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert not banner.isVisible()


def test_a_message_not_about_a_run_stays_when_a_run_is_opened(qtbot, window):
    from convscope.app import notices

    w = window
    banner = child(w, "banner")
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64, save=True)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    run_dir = w.last_result.run_dir
    w._notify(notices.not_downloaded_notice(w.current_config()))  # a download that did not happen
    assert banner.isVisible()
    title = banner.title.text()
    assert w.open_run(run_dir)
    assert banner.isVisible() and banner.title.text() == title
    w._notify(notices.start_failed_notice(ValueError("bad settings")))
    assert w.open_run(run_dir)
    assert banner.isVisible() and banner.title.text() == "Could not start training"


def test_closing_during_a_race_saves_the_settings_of_before_it(qtbot, window):
    from convscope.app.main_window import MainWindow

    w = window
    configure(w, "lenet", "mnist-sample", epochs=50, subset=64, lr=0.02, optimizer="sgd", momentum=0.5)
    before = w.settings_values()
    view = child(w, "raceView")
    for i in range(view.entrants.count()):
        item = view.entrants.item(i)
        keep = item.data(Qt.ItemDataRole.UserRole) in ("lenet-cifar", "lenet")
        item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
    launched = []
    w.session.run_launched.connect(lambda *args: launched.append(args[0].config.arch))
    epochs = []
    w.epoch_finished.connect(epochs.append)
    view.start_button.click()
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=WAIT)
    assert w.close() and not w.is_running()
    assert launched == ["lenet"]  # no next entrant started while the window closed
    import json

    from convscope.app.settings import open_settings

    saved = json.loads(open_settings().value("config"))
    assert {k: saved.get(k) for k in ("arch", "lr", "optimizer", "momentum")} == \
        {"arch": "lenet", "lr": 0.02, "optimizer": "sgd", "momentum": 0.5}
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitUntil(w2.is_ready, timeout=WAIT)
    assert w2.settings_values() == before
