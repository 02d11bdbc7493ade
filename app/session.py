"""What the window's tabs share, without a widget: the run, the background jobs, the settings' config.

:class:`Session` holds the run controller (the training thread), the background jobs, the loaded engine
(``CoreInfo``), the current validated config, the run opened from disk and the last result. Its signals,
all in the GUI thread:

* ``run_started(RunStarted)``, ``epoch_finished(EpochEnd)`` (with a CPU copy of the weights in
  ``weights``), ``warning_raised(RunWarning)``, ``run_finished(RunResult)``, ``thread_finished()`` — the
  training's events, received once from the training thread by ``app.worker.RunController`` and handed
  on as they are (these are its signals);
* ``run_opened(LoadedRun)`` — show this run in every tab (File → Open run…, the Runs tab,
  ``MainWindow.load_checkpoint``);
* ``config_changed(TrainConfig | None)`` — the settings shown were validated again (None: invalid);
* ``notice(Notice)`` — something the user should read (``app.notices``), shown by the host.

``timeline`` (:class:`app.timeline.Timeline`) is the moment the views with a past show: its
``step_changed(step or None for live)`` is what such a view follows.

``trainer_setup_hooks`` are callables ``f(trainer)`` run in the GUI thread after a ``Trainer`` is created
and before its thread starts (a view attaches its probe to ``trainer.step_hooks``).

Tabs take the session and a :class:`TabHost` (the window as a tab sees it: add a tab, bring one forward,
show a message), never the window itself.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from . import notices
from .runtime.jobs import BackgroundJobs
from .timeline import Timeline, TimelineFeeder
from .worker import RunController

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu, QStatusBar, QWidget

log = logging.getLogger("convscope.gui")


class TabHost(Protocol):
    """The window as its tabs see it."""

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab beside the curves (before the Log tab); returns its index."""

    def show_tab(self, widget: QWidget) -> bool:
        """Bring the tab that is or holds ``widget`` to the front; False when no tab holds it."""

    def show_view(self, name: str) -> bool:
        """Bring the tab holding the widget named ``name`` (a view or a plot) to the front."""

    def notify(self, kind: str, title: str, message: str) -> None:
        """A message in the banner (``kind``: info, success, warning, error)."""

    def file_menu(self) -> QMenu | None:
        """The File menu (File → Export is added there)."""

    def status_bar(self) -> QStatusBar | None:
        """The window's status bar (a busy line of a background export goes there)."""

    def curves_view(self) -> QWidget | None:
        """The Curves tab as drawn (None before the plots exist)."""

    def open_run(self, path) -> bool:
        """Open the run saved in ``path`` in every tab (the reason in the banner when it cannot)."""

    def settings_values(self) -> dict:
        """The settings shown (``ConfigPanel.values()``)."""

    def settings_preset(self) -> str | None:
        """The preset the settings shown came from (None: changed since, or none chosen)."""

    def apply_settings(self, values: dict, preset: str | None = None):
        """Show ``values`` in the settings (``preset``: the preset they came from, marked again when they
        still match it) and validate them now; the config, or None."""

    def start_training(self) -> bool:
        """What the Train button does; False when no run started."""

    def stop_training(self) -> None:
        """What the Stop button does."""

    def dialog_parent(self) -> QWidget:
        """The widget dialogs are centred on."""


class Session(QObject):
    run_opened = Signal(object)  # core.runs.checkpoints.LoadedRun
    run_moved = Signal(object)  # the opened run, its folder renamed (run.dir is the new one)
    run_launched = Signal(object, object, bool)  # trainer, epochs (None: its config's), new run
    config_changed = Signal(object)  # core.setup.config.TrainConfig or None
    notice = Signal(object)  # app.notices.Notice

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = RunController(self)
        self.jobs = BackgroundJobs()
        self.core = None  # app.startup.CoreInfo, once the engine is loaded
        self.config = None  # the validated TrainConfig of the settings shown, or None
        self.config_error = ""
        self.loaded_run = None  # the run opened last, or None
        self.opened = None  # the run opened and shown now; None while the tabs show a training run
        self.last_result = None  # the RunResult of the last run
        self.run_config = None  # the TrainConfig of the run started last
        self.new_run = True  # whether the run started last began at epoch 0 (else: "+1 epoch", continued)
        self.trainer_setup_hooks: list[Callable[[Any], None]] = []
        self._ready = False
        self.timeline = Timeline(self)
        self._timeline_feeder = TimelineFeeder(self, self.timeline)
        # Connected first: the session's own state is up to date before any other listener runs.
        self.controller.run_finished.connect(self._on_run_finished)
        self.controller.thread_finished.connect(self._on_thread_finished)

    # -- the training's signals (the controller's own) -------------------------------------------------
    @property
    def run_started(self):
        return self.controller.run_started

    @property
    def epoch_finished(self):
        return self.controller.epoch_finished

    @property
    def warning_raised(self):
        return self.controller.warning_raised

    @property
    def run_finished(self):
        return self.controller.run_finished

    @property
    def thread_finished(self):
        return self.controller.thread_finished

    # -- state ---------------------------------------------------------------------------------------------
    def is_ready(self) -> bool:
        """True once the engine is loaded and the window has finished its start-up."""
        return self._ready

    def set_ready(self, core) -> None:
        self.core, self._ready = core, True

    def is_running(self) -> bool:
        return self.controller.is_running()

    def is_paused(self) -> bool:
        return self.controller.is_paused()

    @property
    def trainer(self):
        """The trainer of the current or last run ("+1 epoch" reuses it), or None."""
        return self.controller.trainer

    def current_config(self):
        return self.config

    def validate(self, values: dict):
        """Make the ``TrainConfig`` of the settings ``values`` (``ConfigPanel.values()``): it becomes
        :attr:`config` (None, with the reason in :attr:`config_error`, when they cannot train)."""
        from pathlib import Path

        from convscope.core.data.datasets import DataError
        from convscope.core.setup.config import ConfigError, make_config

        values = dict(values)  # (its messages keep the window's translation context)
        arch, dataset = values.pop("arch"), values.pop("dataset")
        config, error = None, ""
        try:
            root = values.get("data_root")
            if root and not Path(root).expanduser().is_dir():
                raise ConfigError(QCoreApplication.translate(
                    "MainWindow", "data folder {root} does not exist; clear the field to use the default.").format(
                    root=root))
            config = make_config(arch, dataset, **values)
        except (ConfigError, DataError) as exc:
            error = str(exc)
        except (TypeError, ValueError) as exc:
            error = QCoreApplication.translate("MainWindow", "invalid setting: {error}").format(error=exc)
        self.config, self.config_error = config, error
        self.config_changed.emit(config)
        return config

    def run_folder_in_use(self) -> str | None:
        """The run folder the training writes to now (the runs browser leaves it alone), or None."""
        return self.trainer.run_dir if self.is_running() and self.trainer is not None else None

    # -- runs ----------------------------------------------------------------------------------------------
    def open_run(self, run) -> None:
        """Show ``run`` (a ``core.runs.checkpoints.LoadedRun``) in every tab."""
        self.loaded_run = self.opened = run
        self.run_opened.emit(run)

    def rename_run(self, old: str, new: str) -> None:
        """A run folder was renamed: the opened run, if it is that one, lives there now."""
        from pathlib import Path

        run = self.opened
        if run is not None and Path(run.dir) == Path(old):
            run.dir = Path(new)
            self.run_moved.emit(run)

    def start(self, trainer, epochs: int | None, new_run: bool, setup: bool = True) -> None:
        """Run ``trainer``, after the set-up hooks (``setup``: the views attach to it; "+1 epoch" goes on
        with the trainer they are attached to): a new run, or a saved one continued (``new_run=False``:
        the curves go on). ``run_launched`` follows at once."""
        if setup:
            for hook in list(self.trainer_setup_hooks):
                try:
                    hook(trainer)
                except Exception as exc:
                    log.exception("trainer set-up hook %r failed", hook)
                    self.notice.emit(notices.live_view_notice(exc))
            self.opened = None  # the tabs follow the run in training now
        self.new_run, self.run_config = new_run, trainer.config
        self.jobs.suspend()
        self.controller.start(trainer, epochs=epochs, before_run=self.jobs.wait_idle)
        self.run_launched.emit(trainer, epochs, new_run)

    def stop(self) -> None:
        self.controller.stop()

    def pause(self) -> None:
        self.controller.pause()

    def resume(self) -> None:
        self.controller.resume()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop the run and wait for its thread (see ``RunController.shutdown``)."""
        return self.controller.shutdown(timeout_ms)

    def close(self) -> None:
        """The window is closing: no more background jobs."""
        self.jobs.close(timeout=1.0)

    @Slot(object)
    def _on_run_finished(self, result) -> None:
        self.last_result = result

    @Slot()
    def _on_thread_finished(self) -> None:
        self.jobs.resume()
