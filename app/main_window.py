"""The main window: settings on the left, run controls, live curves and the inside views on the right.

The window shows at once: this module imports only PySide6, and torch, the model zoo and pyqtgraph load
after it is on screen (:mod:`app.startup`). When they are there the settings fill in and Train becomes
enabled (:meth:`MainWindow.is_ready`, the ``ready`` signal).

The run, the background jobs and the current config live in ``session`` (:class:`app.session.Session`,
no widgets); the tabs take the session and this window as their :class:`app.session.TabHost` (add a
tab, bring one forward, show a message). The window shows the run: the settings' buttons, the progress
line, the curves, the status bar. ``trainer_setup_hooks``, ``loaded_run``, ``last_result`` and the run
signals (``run_started``, ``epoch_finished``, ``run_finished``, ``checkpoint_loaded``) are the session's.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from . import i18n, notices
from .core_texts import core_text
from .estimates import Estimates
from .help import build_help_menu
from .log_view import LogView
from .pacing import debounce_timer, repeating_timer
from .rescue import SAVE_ELSEWHERE, RunRescue
from .run_display import DRAIN_INTERVAL_MS, RunDisplay
from .session import Session
from .settings import LEFT_COLUMN_WIDTH, keep_on_screen, new_run_dir, place_window, restore_panel, runs_root, save_panel
from .startup import RESOURCES, CoreInfo, StartupSequence, freeze_startup_objects, preset_resolver, warm_up_in
from .widgets.banner import Banner
from .widgets.run_progress import RunProgress
from .widgets.view_groups import ViewGroups

log = logging.getLogger("convscope.gui")

STYLE_FILE = RESOURCES / "style.qss"
SAVE_DELAY_MS = 800  # the settings are written this long after the last change
CLOSE_WAIT_MS = 5000  # closing during a run: wait this long for it to stop, then close when it has


def _same_run_settings(a, b) -> bool:
    """Whether config ``a`` would continue the run of config ``b`` ("+1 epoch" ignores epochs)."""
    return {**a.to_dict(), "epochs": None} == {**b.to_dict(), "epochs": None}


class MainWindow(RunDisplay, QMainWindow):
    ask_before_closing_during_a_run = True  # False: closing stops a run without asking (Ctrl+C, tests)
    ready = Signal()
    first_painted = Signal()
    _error_reported = Signal(str, str)

    def __init__(self):
        super().__init__()
        from . import gui_gc

        gui_gc.install()  # cycles holding Qt objects must die in this thread, never in a worker's
        i18n.apply_language()  # before any text is set: the saved choice, else the system's locale
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("ConvScope — watch a CNN learn"))
        from PySide6.QtGui import QGuiApplication

        # Qt adds " — <display name>" to a title that does not end with it: the name once, not twice.
        QGuiApplication.setApplicationDisplayName(self.windowTitle())
        self.session = Session(self)
        self._closing = False
        self._run_info = None  # RunStarted of the active run
        self._stop_asked = False
        self._close_when_stopped = False
        self._last_step = None  # the newest StepMetrics not yet shown in the progress bar
        self._progress_shown = 0.0
        self.activations = None  # live-internals views, installed once the engine is loaded
        self.draw_panel = None
        self.dataset_browser = None  # the Dataset tab
        self.runs_browser = None  # the Runs tab
        self.analysis = None  # the Model, Evaluation and Layer health tabs (app.analysis_tabs)
        self.examples = None  # the Examples tab (app.widgets.examples_view)
        self.augment_preview = None  # the Augmentation tab
        self.lesson_packs = None  # File → Open lesson pack… (app.lesson_packs), once ready
        self.curves = None
        self.setAcceptDrops(True)  # a lesson pack (.toml) or a run dropped on the window opens it
        self._t_created = time.perf_counter()

        try:
            self.setStyleSheet(STYLE_FILE.read_text(encoding="utf-8"))
        except OSError:
            pass
        self._build_ui()
        self.log_view.attach()
        self._error_reported.connect(self._show_error)
        self.estimates = Estimates(self.config_panel, self.config_panel.arch_info, self.estimate_label, self)
        self.rescue = RunRescue(self, self.banner, lambda: self.session.trainer)
        self.rescue.run_saved.connect(self._on_run_saved_elsewhere)
        from .interrupted import InterruptedRun

        self.interrupted = InterruptedRun(self, self.banner)  # closing during a run asks; the next start offers it
        s = self.session
        for signal, slot in ((s.run_launched, self._on_run_launched), (s.run_started, self._on_run_started),
                             (s.epoch_finished, self._on_epoch_finished), (s.warning_raised, self._on_warning_raised),
                             (s.run_finished, self._on_run_finished), (s.thread_finished, self._on_thread_finished),
                             (s.run_opened, self._on_run_opened), (s.notice, self._notify)):
            signal.connect(slot)
        self.startup = StartupSequence(self, self.first_painted.emit, self._build_curves, self._finish_startup,
                                       self._startup_failed)
        self._validate_timer = debounce_timer(self, 0, self._validate)
        self._save_timer = debounce_timer(self, SAVE_DELAY_MS, self.save_settings)
        self._drain_timer = repeating_timer(self, DRAIN_INTERVAL_MS, self._drain)
        self._update_buttons()
        place_window(self)  # last time's geometry kept on this screen, or a first size that fits it
        left = min(LEFT_COLUMN_WIDTH, max(410, self.width() // 3))
        self.splitter.setSizes([left, max(1, self.width() - left)])
        self._placed = False

    # =========================================================================== building the UI
    def _build_ui(self) -> None:
        from .widgets.settings_column import SettingsColumn  # its panel reads core.setup.config (torch-free)

        self._build_menu()
        # Left: the settings, what is wrong with them, the estimate and the run buttons.
        left = SettingsColumn()
        self.config_panel, self.settings_column = left.config_panel, left
        self.error_label, self.estimate_label = left.error_label, left.estimate_label
        self.start_button, self.pause_button = left.start_button, left.pause_button
        self.stop_button, self.more_button = left.stop_button, left.more_button
        self.config_panel.changed.connect(self._on_config_changed)
        for button, slot in ((self.start_button, self.start_training), (self.pause_button, self.toggle_pause),
                             (self.stop_button, self.stop_training), (self.more_button, self.train_one_more_epoch)):
            button.clicked.connect(slot)

        # Right: banner, what is shown, progress, and the views in their groups (curves first, the log last).
        self.banner = Banner()
        self.banner.action_triggered.connect(self._on_banner_action)
        self.progress = RunProgress()
        self.view_groups = self.tabs = ViewGroups()  # (``tabs``: its QTabWidget-style names still work)
        self._curves_placeholder = QLabel(self.tr("Loading the plots…"))
        self._curves_placeholder.setObjectName("curvesPlaceholder")
        self._curves_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view_groups.add_view(self._curves_placeholder, self.tr("Curves"))
        self.log_view = LogView()
        self.view_groups.add_view(self.log_view, self.tr("Log"))
        self.view_groups.current_changed.connect(self._on_tab_changed)
        right = QWidget()
        right.setObjectName("rightColumn")
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(6, 6, 6, 6)
        from .opened_run import RunShown

        self.shown = RunShown(self.session, self)  # the line that says what the views show
        rlay.addWidget(self.banner)
        rlay.addWidget(self.shown.line)
        rlay.addWidget(self.progress)
        rlay.addWidget(self.view_groups, 1)
        from .widgets.timeline import TimelineBar  # the one timeline every view with a past follows

        self.timeline_bar = TimelineBar(self.session.timeline)
        self.timeline_bar.install_shortcuts(self)
        self.place_above_views(self.timeline_bar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.device_label = QLabel("")
        self.device_label.setObjectName("deviceLabel")
        self.statusBar().addPermanentWidget(self.device_label)
        self.statusBar().showMessage(self.tr("Starting…"))

    def _build_menu(self) -> None:
        keys = QKeySequence.StandardKey
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.tr("&Open run…"), QKeySequence(keys.Open), self._open_run_dialog)
        file_menu.addAction(self.tr("Open &lesson pack…"), self.open_lesson_pack)
        file_menu.addAction(self.tr("Open a run &file (.convscope)…"), self._open_run_file_dialog)
        file_menu.addSeparator().setObjectName("quitSeparator")  # what others add goes above it
        file_menu.addAction(self.tr(
            "&Quit"), QKeySequence("Ctrl+Q"), self.close).setObjectName("quitAction")  # (StandardKey.Quit: none
        # on Windows.) Quit stays the last item: File → Export goes above its separator.
        i18n.build_language_menu(self)  # English / 中文, applied at the next start
        build_help_menu(self)  # the guide (F1) and About

    # ================================================================================ public API
    def is_ready(self) -> bool:
        """True once torch, the model zoo and the plots are loaded."""
        return self.session.is_ready()

    def is_running(self) -> bool:
        """True from Train until the training thread has finished."""
        return self.session.is_running()

    def current_config(self):
        """The validated ``TrainConfig`` of the settings shown, or None (not ready or invalid)."""
        return self.session.config

    controller = property(lambda self: self.session.controller)
    training_thread = property(lambda self: self.session.controller.thread)
    trainer_setup_hooks = property(lambda self: self.session.trainer_setup_hooks)
    loaded_run = property(lambda self: self.session.loaded_run)
    last_result = property(lambda self: self.session.last_result)
    run_started = property(lambda self: self.session.run_started)
    epoch_finished = property(lambda self: self.session.epoch_finished)
    run_finished = property(lambda self: self.session.run_finished)
    checkpoint_loaded = property(lambda self: self.session.run_opened)

    # -- the views' host (app.session.TabHost; the views in their groups: app.widgets.view_groups) ----
    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a view to its group (by its objectName: app.widgets.view_groups); returns its place."""
        return self.view_groups.add_view(widget, title)

    def show_tab(self, widget: QWidget) -> bool:
        return self.view_groups.show_widget(widget)

    def show_view(self, name: str) -> bool:
        return self.view_groups.show_name(name)

    def place_above_views(self, widget: QWidget) -> None:
        """Put ``widget`` right above the views (below the progress line and the lesson card): a bar
        that every view follows, such as a timeline."""
        layout = self.view_groups.parentWidget().layout()
        layout.insertWidget(layout.indexOf(self.view_groups), widget)

    def notify(self, kind: str, title: str, message: str) -> None:
        self.banner.show_message(kind, title, message)

    def file_menu(self) -> QMenu | None:
        return next((a.menu() for a in self.menuBar().actions() if a.menu() is not None), None)

    def dialog_parent(self) -> QWidget:
        return self

    def status_bar(self):
        return self.statusBar()

    def curves_view(self) -> QWidget | None:
        return self.curves

    def open_run(self, path) -> bool:
        return self.load_checkpoint(path) is not None

    def settings_values(self) -> dict:
        return self.config_panel.values()

    def settings_preset(self) -> str | None:
        return self.config_panel.current_preset()

    def apply_settings(self, values: dict, preset: str | None = None):
        """Show ``values`` in the settings (``preset``: the preset they came from, marked when they still
        match it) and validate them now; returns the config (or None)."""
        self.config_panel.set_values(values)
        if preset is not None:
            self.config_panel.restore_preset_marker(preset)
        self._validate()
        return self.session.config

    def create_trainer(self, config):
        """The trainer for a new run (replace this to train something else, e.g. a fake engine)."""
        from convscope.core.training.engine import Trainer

        run_dir = new_run_dir(config.arch, config.dataset) if self.config_panel.save_run() else None
        return Trainer(config, run_dir=run_dir, publish_interval=1 / 30, publish_weights=True)

    def report_error(self, title: str, message: str) -> None:
        """Show an error banner; safe to call from any thread."""
        self._error_reported.emit(title, message)

    def load_checkpoint(self, path):
        """Open a saved run in every tab (curves, inside views, prediction); returns it, or None with
        the reason in the banner. Refused during a training (its tabs show that run).

        Works before the window is ready too: the views installed later take ``loaded_run``."""
        from convscope.core.runs.checkpoints import CheckpointError, load_run

        if self.is_running():
            self.banner.show_message("info", self.tr("A run is training"),
                                     self.tr("Stop it first (Stop), then open the saved run: every tab shows one run."))
            return None
        try:
            run = load_run(path, device="cpu")
        except (CheckpointError, OSError, ValueError) as exc:
            log.error("could not open run %s: %s", path, exc)
            self.banner.show_message("error", self.tr("Could not open that run"), str(exc))
            return None
        self.session.open_run(run)  # every tab shows it
        arch = run.config.arch
        self.statusBar().showMessage(self.tr("Opened run {path} ({arch}, epoch {epoch}).").format(
            path=path, arch=arch, epoch=run.epoch), 8000)
        log.info("opened run %s (%s, epoch %s)", path, arch, run.epoch)
        return run

    def _on_run_opened(self, run) -> None:
        if self.banner.tag in notices.ABOUT_THE_RUN_SHOWN:  # about the run shown before this one
            self.banner.dismiss()
        status = run.status.get("status", "unknown") if isinstance(run.status, dict) else "unknown"
        from .opened_run import status_text

        self.progress.opened(run.epoch, run.config.epochs, status_text(status))
        if self.curves is not None:
            self.curves.show_run(run.metrics, Path(run.dir).name)

    def estimate_seconds(self, cfg) -> float | None:
        """Seconds a run of ``cfg`` would take on this machine, or None (not measured yet)."""
        return self.estimates.estimate_seconds(cfg)

    def unsaved_trainer(self):
        """The last run's trainer when its run directory could not be written (disk full, read-only)
        and its trained epochs exist only in memory; else None."""
        return self.rescue.unsaved_trainer()

    def save_run_elsewhere(self, folder=None) -> str | None:
        """Write the in-memory run of :meth:`unsaved_trainer` into a new folder inside ``folder``
        (asked for when None); returns the run directory written, or None."""
        return self.rescue.save_elsewhere(folder)

    # ==================================================================================== start-up
    def showEvent(self, event):
        super().showEvent(event)
        if not self._placed:  # the frame is known once shown: keep the title bar and edges on screen
            self._placed = True
            QTimer.singleShot(0, self, lambda: keep_on_screen(self))
        self.startup.begin()

    def _build_curves(self) -> bool:
        if self._closing:
            return False
        try:
            from .widgets.curves import CurvesPanel

            curves = CurvesPanel()
        except Exception as exc:
            log.exception("could not build the plots")
            self._startup_failed(f"could not build the plots: {type(exc).__name__}: {exc}")
            return False
        self.curves = curves
        self.view_groups.replace_view(self._curves_placeholder, curves, self.tr("Curves"))
        self._curves_placeholder.deleteLater()
        self.view_groups.show_widget(curves)
        # Object names of the contract, reachable from the window.
        self.lossPlot = curves.loss_plot
        self.accuracyPlot = curves.accuracy_plot
        return True

    def _startup_failed(self, message: str) -> None:
        self.startup.stop()
        self.estimate_label.setText("")
        self.banner.show_message("error", self.tr("ConvScope could not start training"),
                                 self.tr("{message}. Check that PyTorch is installed in this environment "
                                         "(see the README), then restart.").format(message=message))
        self.statusBar().showMessage(self.tr("Start-up failed."))

    def _finish_startup(self, info: CoreInfo) -> None:
        freeze_startup_objects()
        self.session.core = info
        self.estimates.start(self.session.jobs, info, self.is_running)

        self.device_label.setText(info.hardware)
        self.config_panel.populate(info.specs, info.datasets, [p.to_json() for p in info.presets],
                                   info.device_labels(), info.cuda, preset_resolver(info.presets),
                                   mps_available=info.mps)
        self._install_inside_views()
        restore_panel(self.config_panel, [spec.name for spec in info.specs], info.datasets, info.default_preset)
        self.session.set_ready(info)
        self._validate()
        self.statusBar().showMessage(self.tr("Ready: pick a network and a dataset, then press Train."), 10000)
        log.info("ready in %.2f s (%s)", time.perf_counter() - self._t_created, info.hardware)
        self.ready.emit()
        self.interrupted.offer_last()
        warm_up_in(self.session.jobs)  # after "ready": it holds the GIL for a moment

    def _install_inside_views(self) -> None:
        """The tabs that need the engine, each given the session and this window as its host."""
        from .analysis_tabs import AnalysisTabs
        from .widgets.activations import ActivationsController
        from .widgets.augment_preview import AugmentPreviewController
        from .widgets.dataset_browser import DatasetBrowser
        from .widgets.draw_panel import DrawPanel
        from .widgets.runs_browser import RunsBrowser

        s = self.session
        self.activations = ActivationsController(parent=self)
        self.activations.install(s, self)
        self.draw_panel = DrawPanel()
        self.draw_panel.install(s, self, internals=self.activations)
        self.dataset_browser = DatasetBrowser()
        self.dataset_browser.install(s, self)
        self.augment_preview = AugmentPreviewController(parent=self)  # the Augmentation tab
        self.augment_preview.install(s, self)
        self.runs_browser = RunsBrowser()
        self.runs_browser.install(s, self)
        # Model, Evaluation, Layer health, Race; hints; lessons; File → Export
        self.analysis = AnalysisTabs(s, self, internals=self.activations, parent=self)
        self.analysis.install()
        from .widgets.examples_view import ExamplesController, ExamplesView

        self.examples = ExamplesController(ExamplesView(), s, self, internals=self.activations,
                                           draw_panel=self.draw_panel, parent=self)
        self.examples.install()  # the Examples tab: which images are learned, when, and forgotten
        layout = self.view_groups.parentWidget().layout()  # the lesson card sits right above the views
        layout.insertWidget(layout.indexOf(self.progress) + 1, self.analysis.lesson)
        self.config_panel.preset_chosen.connect(lambda pid: self.analysis.on_preset(self.config_panel.preset(pid)))
        from .lesson_packs import LessonPacks

        self.lesson_packs = LessonPacks(s, self, self.config_panel, self.analysis.lesson, parent=self)
        self.lesson_packs.install()
        if s.opened is not None:  # opened before the plots existed: show it in them now
            self._on_run_opened(s.opened)

    # ================================================================================== settings
    def save_settings(self) -> None:
        if self.is_ready():
            save_panel(self.config_panel, self.saveGeometry())

    def _on_config_changed(self) -> None:
        if self.banner.tag in notices.STALE_WHEN_SETTINGS_CHANGE:  # about the last run or settings
            self.banner.dismiss()
        self._validate_timer.start()

    def _validate(self) -> None:
        """Build the ``TrainConfig`` of the settings shown (``current_config``), or say what is wrong."""
        self._validate_timer.stop()  # done now: a pending validation has nothing left to do
        if not self.is_ready():
            return
        config = self.session.validate(self.config_panel.values())
        self.settings_column.show_error(self.session.config_error)
        self.estimates.set_config(config)
        self._update_buttons()
        if config is not None:
            self._save_timer.start()
            self._show_dataset()

    # ===================================================================================== runs
    def _update_buttons(self) -> None:
        running, ready, trainer = self.is_running(), self.is_ready(), self.session.trainer
        more, tip = False, None if running else self.tr("Available after a run.")  # None: what the button does
        if ready and not running and trainer is not None:
            result = self.last_result
            resumable = result is not None and (result.status in ("completed", "stopped")
                                                or self.rescue.saved_elsewhere)
            if not resumable or trainer.epochs_done < 1:
                tip = self.tr("Available after a run that finished or was stopped after at least one epoch.")
            elif self.session.config is None or not _same_run_settings(self.session.config, trainer.config):
                tip = self.tr("The settings changed since the last run: press Train for a new run.")
            else:
                more, tip = True, None
        self.settings_column.set_buttons(ready, running, not self._stop_asked, self.session.config is not None, more,
                                         tip)

    @Slot()
    def start_training(self) -> bool:
        """Start a new run with the settings shown (what the Train button does)."""
        if not self.is_ready() or self.is_running():
            return False
        self._validate()  # an edit of this very turn of the event loop may not be validated yet
        cfg = self.session.config
        if cfg is None:
            return False
        if not self._data_is_here(cfg):
            self._notify(notices.not_downloaded_notice(cfg))
            return False
        try:
            trainer = self.create_trainer(cfg)
        except Exception as exc:
            log.exception("could not create the trainer")
            self._notify(notices.start_failed_notice(exc))
            return False
        self.session.start(trainer, epochs=None, new_run=True)
        return True

    @staticmethod
    def confirm_download(parent, dataset: str, root) -> bool:
        """Ask to download ``dataset`` and do it with a progress dialog; True once its files are here."""
        from .widgets.download_dialog import ask_to_download

        return ask_to_download(parent, dataset, root)

    def _data_is_here(self, cfg) -> bool:
        """A full dataset that is not on this computer is downloaded first, in the window (progress,
        Cancel), rather than silently in the training thread. Samples and folders given need nothing."""
        if cfg.info.offline or cfg.data_root is not None or cfg.dataset == "imagefolder":
            return True
        from convscope.core.data.loading import files_present

        return files_present(cfg.dataset) or self.confirm_download(self, cfg.dataset, None)

    @Slot()
    def train_one_more_epoch(self) -> bool:
        if self.is_running():
            return False
        self._validate()  # "+1 epoch" only continues the run of the settings shown
        if not self.more_button.isEnabled():
            return False
        self.session.start(self.session.trainer, epochs=1, new_run=False, setup=False)
        return True

    def _on_run_saved_elsewhere(self, run_dir: str) -> None:
        self.statusBar().showMessage(self.tr("Saved to {dir}.").format(dir=run_dir), 8000)
        self._update_buttons()

    # ================================================================================== messages
    def _notify(self, notice: notices.Notice) -> None:
        self.banner.show_message(notice.kind, notice.title, notice.message, notice.action, notice.action_id,
                                 tag=notice.tag)

    def _on_banner_action(self, action_id: str) -> None:
        key, _, value = action_id.partition(":")
        if key == SAVE_ELSEWHERE:
            self.save_run_elsewhere()
        elif key == "lr":
            self.config_panel.set_field("lr", float(value))
            self.statusBar().showMessage(self.tr("Learning rate set to {lr}: press Train to try it.").format(
                lr=f"{float(value):g}"), 8000)
        elif key == notices.USE_SAMPLE and self.config_panel.select_dataset(value):
            self._validate()
            info = self.config_panel.dataset_info_for(value)
            name = core_text(info.display_name) if info else value
            self.statusBar().showMessage(self.tr("Dataset: {name}. Press Train.").format(name=name), 8000)

    @Slot(str, str)
    def _show_error(self, title: str, message: str) -> None:
        self.banner.show_message("error", title, message)

    def _on_tab_changed(self, view: QWidget) -> None:
        if self.curves is not None and view is self.curves:
            self.curves.refresh()
        self._show_dataset()

    def _show_dataset(self) -> None:
        """The Dataset tab follows the dataset setting, loading only while it is the tab shown."""
        browser, cfg = self.dataset_browser, self.session.config
        if browser is not None and cfg is not None and self.view_groups.current_view() is browser:
            browser.show_dataset(cfg.dataset, cfg.data_root)

    # ====================================================================================== misc
    def open_lesson_pack(self, path=None) -> bool:
        """List the lessons of the lesson pack ``path`` (asked for when None); see ``app.lesson_packs``."""
        if self.lesson_packs is None:
            self.banner.show_message("info", self.tr("Not ready yet"),
                                     self.tr("Open the lesson pack again once ConvScope has started."))
            return False
        return self.lesson_packs.open_pack(path) if path else self.lesson_packs.open_dialog()

    def _open_run_dialog(self) -> None:
        from .opened_run import choose_run_folder

        folder = choose_run_folder(self, runs_root())
        if folder:
            self.load_checkpoint(folder)

    def _open_run_file_dialog(self) -> None:
        from .opened_run import choose_run_file

        path = choose_run_file(self)
        if path:
            self.load_checkpoint(path)

    # Dropped on the window: a lesson pack (.toml) lists its lessons; a run (a .convscope file or a run
    # folder) opens in every view.
    def dragEnterEvent(self, event):
        from .lesson_packs import pack_paths
        from .opened_run import dropped_run

        if pack_paths(event.mimeData()) or dropped_run(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event):
        from .lesson_packs import pack_paths
        from .opened_run import dropped_run

        paths, run = pack_paths(event.mimeData()), dropped_run(event.mimeData())
        if not (paths or run):
            return super().dropEvent(event)
        event.acceptProposedAction()
        for path in paths:
            self.open_lesson_pack(path)
        if run:
            self.load_checkpoint(run)

    def closeEvent(self, event):
        if not self.interrupted.may_close() or not self.rescue.keep_before_close():
            event.ignore()
            return
        self._closing = True
        if self.analysis is not None:
            self.analysis.race.end_for_close()
        try:
            self.save_settings()
        except Exception:
            log.exception("could not save the settings")
        for timer in (self._validate_timer, self._save_timer):
            timer.stop()
        self.estimates.stop()
        self.startup.stop()
        if self.is_running():
            log.info("window closed during training: stopping the run")
            self.interrupted.remember()
            if not self.session.shutdown(timeout_ms=CLOSE_WAIT_MS):
                # The current step is long (a big network on a CPU): close once it has stopped.
                self._close_when_stopped = True
                self._stop_asked = True
                self._update_buttons()
                self.statusBar().showMessage(self.tr("Stopping the run… the window closes as soon as it has."))
                event.ignore()
                return
        self._drain_timer.stop()
        if self.activations is not None:
            self.activations.detach()
        self.session.close()
        self.log_view.detach()
        if self.draw_panel is not None:
            self.draw_panel.give_back_threads()  # the GUI thread's torch thread count as it was
        super().closeEvent(event)
