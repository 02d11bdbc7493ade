"""The window's side of a run: what it shows while one trains (a part of :class:`app.main_window.MainWindow`).

The session (:mod:`app.session`) starts and stops the run and hands on its events; these slots, connected
to the session's signals before any tab's, draw them: the progress line and the status bar, the curves
(the per-step metrics drained from the step buffer ~30 times a second, ``app.runtime.steps``), the
messages, the settings locked during the run, Stop and Pause.
"""
from __future__ import annotations

import logging
import math
import time

from PySide6.QtCore import QCoreApplication, QTimer, Slot

from . import notices
from .core_texts import core_text

log = logging.getLogger("convscope.gui")

DRAIN_INTERVAL_MS = 33  # ~30 Hz
# The progress text changes at most 4 times a second: QProgressBar repaints at once (~0.5 ms holding
# the GIL the training thread needs), and a number that changes faster cannot be read anyway.
PROGRESS_INTERVAL_S = 0.25


class RunDisplay:
    """The run's display, mixed into the main window (its widgets: ``curves``, ``progress``,
    ``config_panel``, ``settings_column``, ``banner``, the status bar; its ``session``)."""

    @Slot(object, object, bool)
    def _on_run_launched(self, trainer, epochs, new_run: bool) -> None:
        if self.banner.tag != notices.LIVE_VIEW:  # a view that could not attach to this run says so
            self.banner.dismiss()
        if new_run and self.curves is not None:  # at once: a run that fails before it starts plots nothing
            self.curves.clear()
        self._run_info = None
        self._last_step = None
        self._stop_asked = False
        self.estimates.hold()
        self.config_panel.set_editable(False)
        self.settings_column.set_paused(False)
        self.progress.preparing()
        self.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Starting…"))
        self._drain_timer.start()
        self._update_buttons()
        cfg = trainer.config
        log.info("%s: %s on %s, %s epoch(s), batch %s, %s lr %g", "new run" if new_run else "one more epoch",
                 cfg.arch, cfg.dataset, cfg.epochs if epochs is None else epochs, cfg.batch_size,
                 cfg.optimizer, cfg.lr)

    @Slot()
    def stop_training(self) -> None:
        if not self.is_running():
            return
        self.session.stop()
        self._stop_asked = True
        self.statusBar().showMessage(QCoreApplication.translate(
            "MainWindow", "Stopping: the step under way is dropped, what was trained is kept…"))
        self.progress.stopping()
        self._update_buttons()

    @Slot()
    def toggle_pause(self) -> None:
        if not self.is_running():
            return
        if self.session.is_paused():
            self.session.resume()
            self.settings_column.set_paused(False)
            self.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Resumed."), 3000)
        else:
            self.session.pause()
            self.settings_column.set_paused(True)
            self.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Paused — press Resume to go on."))
            self.progress.paused()

    # --------------------------------------------------------------------------- run events
    def _drain(self) -> None:
        if self._run_info is None or self.curves is None:
            return
        events = self.session.controller.buffer.drain()
        if events:
            self.curves.add_steps(events)
            self._last_step = events[-1]
        ev, now = self._last_step, time.perf_counter()
        if ev is not None and now - self._progress_shown >= PROGRESS_INTERVAL_S:
            self._progress_shown, self._last_step = now, None
            info = self._run_info
            if ev.examples_per_s and math.isfinite(ev.examples_per_s):
                self.curves.set_step_rate(ev.examples_per_s / max(1, info.config.batch_size))
            self.progress.show_step(ev, info, self.session.is_paused())
        self.curves.maybe_refresh()  # paced so painting takes at most a few % of the time

    @Slot(object)
    def _on_run_started(self, ev) -> None:
        self._run_info = ev
        if self.curves is not None:
            self.curves.begin_run(ev.steps_per_epoch, new_run=self.session.new_run, end_epoch=ev.end_epoch,
                                  lr_max=ev.config.lr)
        self.progress.begin(ev)
        cfg = ev.config
        self.statusBar().showMessage(
            QCoreApplication.translate(
                "MainWindow",
                "Training {network}: {n_train} training / {n_test} test images, {params} parameters.").format(
                network=core_text(cfg.spec.display_name), n_train=f"{ev.n_train:,}", n_test=f"{ev.n_test:,}",
                params=f"{ev.params:,}"))
        log.info("training %s: %s training / %s test images, %s parameters, %s", cfg.arch,
                 f"{ev.n_train:,}", f"{ev.n_test:,}", f"{ev.params:,}", ev.device)

    @Slot(object)
    def _on_epoch_finished(self, ev) -> None:
        self._drain()
        if self.curves is not None:
            self.curves.add_epoch(ev)  # drawn on the plots' next (paced) turns
        run_config = self.session.run_config
        if run_config is not None and ev.examples_per_s and math.isfinite(ev.examples_per_s):
            self.estimates.record_rate(run_config, ev.examples_per_s)
        log.info("epoch %d: train loss %.4f, accuracy %.2f%% | test loss %.4f, accuracy %.2f%% | %s images/s",
                 ev.epoch, ev.train_loss, 100 * ev.train_acc, ev.test_loss, 100 * ev.test_acc,
                 f"{ev.examples_per_s:,.0f}")

    @Slot(object)
    def _on_warning_raised(self, ev) -> None:
        log.warning("%s", ev.message)
        self._notify(notices.warning_notice(ev, self.session.run_config))

    @Slot(object)
    def _on_run_finished(self, result) -> None:
        self._drain()
        self.rescue.saved_elsewhere = False
        if self.curves is not None:
            self.curves.end_run(result.status)
            self.curves.refresh(force=True)
        self.progress.finished(result)
        status_text, notice = notices.run_end(result, self.session.run_config, self.unsaved_trainer() is not None)
        (log.info if notice is None else log.error)("run %s: %s", result.status, result.message or result.status)
        self.statusBar().showMessage(status_text)
        if notice is not None:
            self._notify(notice)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._drain()
        self._drain_timer.stop()
        self._run_info = None
        self.config_panel.set_editable(True)
        self.settings_column.set_paused(False)
        self._update_buttons()
        if not self._closing:
            self.estimates.schedule()
        if self._close_when_stopped:
            QTimer.singleShot(0, self, self.close)

