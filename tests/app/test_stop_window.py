"""Stop inside a long step: the window is idle again at once, its thread finished, the step not taken."""
from __future__ import annotations

import threading

from test_main_window import WAIT, child, click, configure, wait_idle


class LongLayer:
    """Holds the training thread inside the first layer's forward of the run's first step (where a big
    network spends seconds) until the test lets it go on."""

    def __init__(self):
        self.inside, self.go_on = threading.Event(), threading.Event()
        self.steps_before = None

    def attach(self, trainer) -> None:
        trainer.batch_hooks.append(self._install)

    def _install(self, trainer, idx, xb) -> None:
        if self.steps_before is not None:
            return
        self.steps_before = trainer.global_step
        first = next(m for m in trainer.model.modules() if next(m.children(), None) is None)
        handle = None

        def hold(module, args, output):
            handle.remove()
            self.inside.set()
            self.go_on.wait(30)

        handle = first.register_forward_hook(hold)


def test_stop_inside_a_step_returns_the_window_to_idle_without_taking_the_step(qtbot, window):
    w = window
    configure(w, epochs=3, subset=256)
    layer = LongLayer()
    w.trainer_setup_hooks.append(layer.attach)
    results = []
    w.run_finished.connect(results.append)
    click(qtbot, w, "startButton")
    try:
        qtbot.waitUntil(layer.inside.is_set, timeout=WAIT)
        click(qtbot, w, "stopButton")  # while the first step is inside its first layer
    finally:
        layer.go_on.set()  # the long layer ends; the next layer is where the stop is taken
    wait_idle(qtbot, w)
    assert [r.status for r in results] == ["stopped"]
    assert w.controller.thread is None  # the training thread has finished
    assert w.controller.trainer.global_step == layer.steps_before == 0  # the broken-off step not taken
    assert child(w, "startButton").isEnabled() and not child(w, "stopButton").isEnabled()
