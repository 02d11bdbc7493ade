"""The main window: settings on the left, run controls, live curves and the inside views on the right.

Start-up is split so the window shows at once: this module imports only PySide6. When the window is
first shown it starts importing torch and the model zoo in a background thread, and once it has painted
it imports pyqtgraph and builds the plots; when both are done the settings fill in and Train becomes
enabled (:meth:`MainWindow.is_ready`, the ``ready`` signal).

Hooks for other parts of the app:

* ``add_inside_tab(widget, title)`` — a tab beside the curves (feature maps, 1×1 conv, GAP, drawing).
* ``trainer_setup_hooks`` — callables ``f(trainer)`` run in the GUI thread after a ``Trainer`` is
  created and before its thread starts (e.g. to attach an activation probe to ``trainer.step_hooks``).
* Signals in the GUI thread: ``ready()``, ``run_started(RunStarted)``, ``epoch_finished(EpochEnd)`` (with
  a CPU copy of the weights in ``weights``), ``run_finished(RunResult)``, ``checkpoint_loaded(LoadedRun)``.
"""
from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .settings import open_settings, runs_root
from .widgets.banner import Banner
from .widgets.config_panel import ConfigPanel

log = logging.getLogger("convscope.gui")

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
PRESETS_FILE = RESOURCES / "presets.json"
STYLE_FILE = RESOURCES / "style.qss"
# (training, test) images per dataset, for time estimates before any data is loaded.
DATASET_SIZES = {"mnist-sample": (4500, 500), "mnist": (60000, 10000), "fashion-mnist": (60000, 10000),
                 "cifar10": (50000, 10000)}
LONG_RUN_S = 10 * 60
DRAIN_INTERVAL_MS = 33  # ~30 Hz
# The progress text changes at most 4 times a second: QProgressBar repaints at once (~0.5 ms holding
# the GIL the training thread needs), and a number that changes faster cannot be read anyway.
PROGRESS_INTERVAL_S = 0.25
CLOSE_WAIT_MS = 5000  # closing during a run: wait this long for it to stop, then close when it has


# ------------------------------------------------------------------------------- heavy imports
@dataclass
class CoreInfo:
    specs: list
    datasets: dict
    cuda: bool
    gpu_name: str | None
    cpu_threads: int


_core_lock = threading.Lock()
_core_future: Future | None = None


def _load_core() -> CoreInfo:
    from core import data, engine  # noqa: F401 - imported here, off the GUI thread
    from core.devices import host_info
    from core.models import list_models

    host = host_info()
    return CoreInfo(list_models(), dict(data.DATASETS), host.cuda, host.gpu_name, host.cpu_threads)


def core_future() -> Future:
    """torch + the model zoo, imported once per process in a background thread."""
    global _core_future
    with _core_lock:
        if _core_future is None:
            fut: Future = Future()

            def work():
                try:
                    fut.set_result(_load_core())
                except BaseException as exc:  # noqa: BLE001 - shown in the window
                    fut.set_exception(exc)

            _core_future = fut
            threading.Thread(target=work, name="convscope-import", daemon=True).start()
        return _core_future


def load_presets(path: Path = PRESETS_FILE) -> tuple[list[dict], str | None]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        presets = [p for p in raw.get("presets", []) if isinstance(p, dict) and "id" in p and "config" in p]
        return presets, raw.get("default")
    except (OSError, ValueError) as exc:
        log.warning("could not read presets from %s: %s", path, exc)
        return [], None


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    if seconds < 60:
        return "under a minute"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def format_clock(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


# ------------------------------------------------------------------------------------ logging
class _LogRelay(QObject):
    line = Signal(str)


class _WindowLogHandler(logging.Handler):
    """Log records (from any thread) → the window's Log tab, through a queued signal."""

    def __init__(self, relay: _LogRelay):
        super().__init__(logging.INFO)
        self.relay = relay
        self.setFormatter(logging.Formatter("%(asctime)s  %(levelname)-7s %(message)s", "%H:%M:%S"))

    def emit(self, record):
        try:
            self.relay.line.emit(self.format(record))
        except RuntimeError:  # the window is gone
            pass
        except Exception:  # noqa: BLE001
            self.handleError(record)


# ---------------------------------------------------------------------------------- the window
class MainWindow(QMainWindow):
    ready = Signal()
    first_painted = Signal()
    run_started = Signal(object)  # core.engine.RunStarted
    epoch_finished = Signal(object)  # core.engine.EpochEnd
    run_finished = Signal(object)  # core.engine.RunResult
    checkpoint_loaded = Signal(object)  # core.checkpoints.LoadedRun
    _error_reported = Signal(str, str)

    def __init__(self):
        super().__init__()
        from . import gui_gc

        gui_gc.install()  # cycles holding Qt objects must die in this thread, never in a worker's
        self.setObjectName("mainWindow")
        self.setWindowTitle("ConvScope — watch a CNN learn")
        self.trainer_setup_hooks: list[Callable[[Any], None]] = []
        self._saved_elsewhere = False  # the last run could not write its folder and was saved elsewhere
        self.loaded_run = None
        self.last_result = None
        self._ready = False
        self._startup_begun = False
        self._painted = False
        self._closing = False
        self._core: CoreInfo | None = None
        self._config = None
        self._config_error = ""
        self._run_info = None  # RunStarted of the active run
        self._run_config = None
        self._new_run = True
        self._stop_asked = False
        self._close_when_stopped = False
        self._last_step = None  # the newest StepMetrics not yet shown in the progress bar
        self._progress_shown = 0.0
        self._controller = None
        self._jobs = None
        self.activations = None  # live-internals views, installed once the engine is loaded
        self.draw_panel = None
        self.curves = None
        self._param_cache: dict[str, int] = {}
        self._rate_cache: dict[str, tuple[float, str]] = {}  # key → (img/s, where from)
        self._presets, self._default_preset = load_presets()
        self._t_created = time.perf_counter()

        self._log_relay = _LogRelay(self)
        try:
            self.setStyleSheet(STYLE_FILE.read_text(encoding="utf-8"))
        except OSError:
            pass
        self._build_ui()
        self._log_handler = _WindowLogHandler(self._log_relay)
        self._log_relay.line.connect(self._append_log)
        logging.getLogger("convscope").addHandler(self._log_handler)
        if logging.getLogger("convscope").level == logging.NOTSET:
            logging.getLogger("convscope").setLevel(logging.INFO)
        self._error_reported.connect(self._show_error)

        self._validate_timer = QTimer(self, singleShot=True, interval=0)
        self._validate_timer.timeout.connect(self._validate)
        self._estimate_timer = QTimer(self, singleShot=True, interval=350)
        self._estimate_timer.timeout.connect(self._request_estimate)
        self._save_timer = QTimer(self, singleShot=True, interval=800)
        self._save_timer.timeout.connect(self.save_settings)
        self._drain_timer = QTimer(self, interval=DRAIN_INTERVAL_MS)
        self._drain_timer.timeout.connect(self._drain)
        self._poll_timer = QTimer(self, interval=40)
        self._poll_timer.timeout.connect(self._poll_startup)
        self.installEventFilter(self)
        self._update_buttons()
        geometry = open_settings().value("window/geometry")
        if geometry is not None:
            try:
                self.restoreGeometry(geometry)
            except TypeError:
                pass

    # =========================================================================== building the UI
    def _build_ui(self) -> None:
        self.resize(1440, 900)
        self._build_menu()

        # Left: settings (scrollable), the validation message, the estimate, and the run buttons.
        self.config_panel = ConfigPanel()
        self.config_panel.changed.connect(self._on_config_changed)
        scroll = QScrollArea()
        scroll.setObjectName("configScroll")
        scroll.setWidget(self.config_panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)

        self.error_label = QLabel()
        self.error_label.setObjectName("configError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error_label.hide()
        self.estimate_label = QLabel("Loading PyTorch…")
        self.estimate_label.setObjectName("estimateLabel")
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setTextFormat(Qt.TextFormat.RichText)
        self.estimate_label.linkActivated.connect(self._on_estimate_link)

        self.start_button = QPushButton("▶  Train")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Train a new network with these settings (Ctrl+Enter)")
        self.start_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.start_button.clicked.connect(self.start_training)
        self.pause_button = QPushButton("❚❚  Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip("Pause after this batch; press again to resume")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip("Stop after this batch (the epochs done so far are kept)")
        self.stop_button.clicked.connect(self.stop_training)
        self.more_button = QPushButton("+1 epoch")
        self.more_button.setObjectName("moreEpochButton")
        self.more_button.setToolTip("Train the last network one more epoch, from where it stopped")
        self.more_button.clicked.connect(self.train_one_more_epoch)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.start_button, 2)
        buttons.addWidget(self.pause_button, 1)
        buttons.addWidget(self.stop_button, 1)
        buttons.addWidget(self.more_button, 1)

        left = QWidget()
        left.setObjectName("leftColumn")
        lay = QVBoxLayout(left)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.error_label)
        lay.addWidget(self.estimate_label)
        lay.addLayout(buttons)

        # Right: banner, progress, and the tabs (curves first).
        self.banner = Banner()
        self.banner.action_triggered.connect(self._on_banner_action)
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Not started")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("insideTabs")
        self.tabs.setDocumentMode(True)
        self._curves_placeholder = QLabel("Loading the plots…")
        self._curves_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tabs.addTab(self._curves_placeholder, "Curves")
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("logView")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.tabs.addTab(self.log_view, "Log")
        self.tabs.currentChanged.connect(self._on_tab_changed)

        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(6, 6, 6, 6)
        rlay.addWidget(self.banner)
        rlay.addWidget(self.progress)
        rlay.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([420, 1020])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.device_label = QLabel("")
        self.device_label.setObjectName("deviceLabel")
        self.statusBar().addPermanentWidget(self.device_label)
        self.statusBar().showMessage("Starting…")

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open run…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._open_run_dialog)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About ConvScope", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # ================================================================================ public API
    def is_ready(self) -> bool:
        """True once torch, the model zoo and the plots are loaded."""
        return self._ready

    def is_running(self) -> bool:
        """True from Train until the training thread has finished."""
        return self._controller is not None and self._controller.is_running()

    def current_config(self):
        """The validated ``TrainConfig`` of the settings shown, or None (not ready or invalid)."""
        return self._config

    @property
    def controller(self):
        return self._controller

    @property
    def training_thread(self):
        return self._controller.thread if self._controller is not None else None

    def add_inside_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab beside the curves (before the Log tab); returns its index."""
        index = self.tabs.indexOf(self.log_view)
        return self.tabs.insertTab(index if index >= 0 else self.tabs.count(), widget, title)

    def create_trainer(self, config):
        """The trainer for a new run (replace this to train something else, e.g. a fake engine)."""
        from core.engine import Trainer

        run_dir = None
        if self.config_panel.save_run():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            base = runs_root() / f"{stamp}-{config.arch}-{config.dataset}"
            run_dir, n = base, 1
            while run_dir.exists():
                n += 1
                run_dir = base.with_name(f"{base.name}-{n}")
            run_dir = str(run_dir)
        return Trainer(config, run_dir=run_dir, publish_interval=1 / 30, publish_weights=True)

    def report_error(self, title: str, message: str) -> None:
        """Show an error banner; safe to call from any thread."""
        self._error_reported.emit(title, message)

    def load_checkpoint(self, path):
        """Load a saved run (for prediction); returns it, or None with the reason in the banner."""
        from core.checkpoints import CheckpointError, load_run

        try:
            run = load_run(path, device="cpu")
        except (CheckpointError, OSError, ValueError) as exc:
            log.error("could not open run %s: %s", path, exc)
            self.banner.show_message("error", "Could not open that run", str(exc))
            return None
        self.loaded_run = run
        arch = run.config.arch
        self.statusBar().showMessage(f"Opened run {path} ({arch}, epoch {run.epoch}).", 8000)
        log.info("opened run %s (%s, epoch %s)", path, arch, run.epoch)
        self.checkpoint_loaded.emit(run)
        return run

    # ==================================================================================== start-up
    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if not self._startup_begun:
            self._startup_begun = True
            core_future()
            self._poll_timer.start()
            # If no paint event comes (some platforms), build the plots anyway.
            QTimer.singleShot(400, self, self._build_curves)

    def eventFilter(self, obj, event):  # noqa: N802
        if obj is self and event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            self.first_painted.emit()
            QTimer.singleShot(0, self, self._build_curves)
        return super().eventFilter(obj, event)

    def _build_curves(self) -> None:
        if self.curves is not None or self._closing:
            return
        try:
            from .widgets.curves import CurvesPanel

            curves = CurvesPanel()
        except Exception as exc:  # noqa: BLE001
            log.exception("could not build the plots")
            self._startup_failed(f"could not build the plots: {type(exc).__name__}: {exc}")
            return
        self.curves = curves
        index = self.tabs.indexOf(self._curves_placeholder)
        self.tabs.removeTab(index)
        self._curves_placeholder.deleteLater()
        self.tabs.insertTab(0, curves, "Curves")
        self.tabs.setCurrentIndex(0)
        # Object names of the contract, reachable from the window.
        self.lossPlot = curves.loss_plot
        self.accuracyPlot = curves.accuracy_plot
        self._poll_startup()

    def _poll_startup(self) -> None:
        if self._ready or self._closing:
            self._poll_timer.stop()
            return
        fut = core_future()
        if not fut.done() or self.curves is None:
            return
        self._poll_timer.stop()
        try:
            info = fut.result()
        except BaseException as exc:  # noqa: BLE001
            self._startup_failed(f"could not load PyTorch or the model zoo: {type(exc).__name__}: {exc}")
            return
        try:
            self._finish_startup(info)
        except Exception as exc:  # noqa: BLE001
            log.exception("start-up failed")
            self._startup_failed(f"{type(exc).__name__}: {exc}")

    def _startup_failed(self, message: str) -> None:
        self._poll_timer.stop()
        self.estimate_label.setText("")
        self.banner.show_message("error", "ConvScope could not start training",
                                 f"{message}. Check that PyTorch is installed in this environment "
                                 f"(see the README), then restart.")
        self.statusBar().showMessage("Start-up failed.")

    def _finish_startup(self, info: CoreInfo) -> None:
        from .background import BackgroundJobs
        from .worker import RunController

        self._core = info
        _freeze_startup_objects()
        self._jobs = BackgroundJobs()
        self._controller = RunController(self)
        self._controller.run_started.connect(self._on_run_started)
        self._controller.epoch_end.connect(self._on_epoch_end)
        self._controller.warning.connect(self._on_warning)
        self._controller.run_finished.connect(self._on_run_finished)
        self._controller.thread_finished.connect(self._on_thread_finished)

        cpu = f"CPU, {info.cpu_threads} threads"
        labels = {"auto": f"auto ({'GPU: ' + info.gpu_name if info.cuda else cpu})",
                  "cpu": f"CPU ({info.cpu_threads} threads)",
                  "cuda": f"GPU: {info.gpu_name}" if info.cuda else "GPU (none found)"}
        self.device_label.setText(f"GPU: {info.gpu_name}" if info.cuda else cpu)
        self.config_panel.populate(info.specs, info.datasets, self._presets, labels, info.cuda)
        self._install_inside_views()
        self._restore_settings()
        self._ready = True
        self._validate()
        self.statusBar().showMessage("Ready: pick a network and a dataset, then press Train.", 10000)
        log.info("ready in %.2f s (%s)", time.perf_counter() - self._t_created,
                 f"GPU: {info.gpu_name}" if info.cuda else cpu)
        self.ready.emit()

    def _install_inside_views(self) -> None:
        """The live-internals views and the drawing panel, once the engine is loaded."""
        from .widgets.activations import ActivationsController
        from .widgets.canvas import DrawPanel

        self.activations = ActivationsController(parent=self)
        self.activations.install(self)
        self.draw_panel = DrawPanel()
        self.draw_panel.install(self, internals=self.activations)

    # ================================================================================== settings
    def _restore_settings(self) -> None:
        s = open_settings()
        restored = False
        raw = s.value("config")
        if raw:
            try:
                values = json.loads(raw)
                if isinstance(values, dict) and values.get("arch") in {sp.name for sp in self._core.specs} \
                        and values.get("dataset") in self._core.datasets:
                    self.config_panel.set_values(values)
                    self.config_panel.restore_preset_marker(s.value("preset") or None)
                    restored = True
            except (ValueError, TypeError) as exc:
                log.warning("ignoring saved settings: %s", exc)
        if not restored:
            if not (self._default_preset and self.config_panel.apply_preset(self._default_preset)):
                self.config_panel.set_values({"arch": "lenet", "dataset": "mnist-sample"})
        save = s.value("save_run")
        if save is not None:
            self.config_panel.set_field("save_run", str(save).lower() in ("true", "1"))

    def save_settings(self) -> None:
        if not self._ready:
            return
        s = open_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("config", json.dumps(self.config_panel.values()))
        s.setValue("preset", self.config_panel.current_preset() or "")
        s.setValue("save_run", self.config_panel.save_run())
        s.sync()

    # ================================================================================ validation
    def _on_config_changed(self) -> None:
        self._validate_timer.start()

    def _validate(self) -> None:
        if not self._ready:
            return
        from core.config import ConfigError, make_config

        values = self.config_panel.values()
        arch, dataset = values.pop("arch"), values.pop("dataset")
        config, error = None, ""
        try:
            root = values.get("data_root")
            if root and not Path(root).expanduser().is_dir():
                raise ConfigError(f"data folder {root} does not exist; clear the field to use the default.")
            config = make_config(arch, dataset, **values)
        except ConfigError as exc:
            error = str(exc)
        except (TypeError, ValueError) as exc:
            error = f"invalid setting: {exc}"
        self._config, self._config_error = config, error
        if error:
            self.error_label.setText(f"⚠ {error[0].upper()}{error[1:]}")
            self.error_label.show()
        else:
            self.error_label.hide()
        self._update_arch_info()
        self._update_buttons()
        if config is not None:
            self._estimate_timer.start()
            self._save_timer.start()
        else:
            self.estimate_label.setText("")

    # ------------------------------------------------------------------------ parameter counts
    @staticmethod
    def _param_key(cfg) -> str:
        c, side, _ = cfg.input_size
        return json.dumps([cfg.arch, c, side, cfg.info.num_classes, cfg.form, cfg.model_options()],
                          sort_keys=True, default=str)

    def _update_arch_info(self) -> None:
        spec = self.config_panel.current_spec()
        if spec is None:
            return
        cfg = self._config
        text = f"{spec.description}"
        if cfg is not None:
            c, side, _ = cfg.input_size
            key = self._param_key(cfg)
            n = self._param_cache.get(key)
            count = f"{n:,} parameters" if n is not None else "counting parameters…"
            text += f"<br><span style='color:#555'>{count} · input {c}×{side}×{side} · {spec.paper}</span>"
            if n is None and self._jobs is not None:
                self._jobs.submit("params", lambda cancel, c=cfg: _count(c),
                                  lambda result, error, k=key: self._on_params(k, result, error))
        self.config_panel.arch_info.setText(text)

    def _on_params(self, key: str, result, error) -> None:
        if error is None and result is not None:
            self._param_cache[key] = int(result)
            if self._config is not None and self._param_key(self._config) == key:
                self._update_arch_info()

    # -------------------------------------------------------------------------------- estimate
    @staticmethod
    def _rate_key(cfg) -> str:
        c, side, _ = cfg.input_size
        return json.dumps([cfg.arch, c, side, cfg.info.num_classes, cfg.form, cfg.model_options(),
                           cfg.optimizer, cfg.device, min(cfg.batch_size, 32) if cfg.device != "cuda"
                           else cfg.batch_size], sort_keys=True, default=str)

    def _request_estimate(self) -> None:
        cfg = self._config
        if cfg is None or self._jobs is None or self.is_running():
            return
        key = self._rate_key(cfg)
        if key in self._rate_cache:
            self._show_estimate(cfg)
            return
        self.estimate_label.setText("<span style='color:#555'>Estimating the training time on this device…</span>")
        self._jobs.submit("estimate", lambda cancel, c=cfg: _measure(c, cancel),
                          lambda result, error, k=key: self._on_rate(k, result, error))

    def _on_rate(self, key: str, result, error) -> None:
        if error is None and result:
            self._rate_cache.setdefault(key, (float(result), "measured"))
        if self._config is not None and self._rate_key(self._config) == key and not self.is_running():
            if error is not None and key not in self._rate_cache:
                from core.introspect import Cancelled

                if not isinstance(error, Cancelled):
                    self.estimate_label.setText(f"<span style='color:#555'>No time estimate: {error}</span>")
                return
            self._show_estimate(self._config)

    def estimate_seconds(self, cfg) -> float | None:
        entry = self._rate_cache.get(self._rate_key(cfg))
        if entry is None:
            return None
        rate = entry[0]
        n_train, n_test = DATASET_SIZES.get(cfg.dataset, (60000, 10000))
        if cfg.subset:
            n_train = min(n_train, cfg.subset)
        # Evaluating the test split costs about a third of training on as many images.
        return cfg.epochs * (n_train + n_test / 3) / max(rate, 1e-9) + 2.0

    def _show_estimate(self, cfg) -> None:
        seconds = self.estimate_seconds(cfg)
        if seconds is None:
            return
        rate, source = self._rate_cache[self._rate_key(cfg)]
        where = self._core.gpu_name if (self._core and self._core.cuda and cfg.device != "cpu") else "this CPU"
        origin = "from your last run" if source == "run" else "measured"
        approx = "≈ " if seconds >= 60 else ""
        text = (f"<b>{approx}{format_duration(seconds)}</b> on {where} "
                f"<span style='color:#555'>({rate:,.0f} images/s, {origin})</span>")
        if seconds > LONG_RUN_S:
            offers = []
            spec = cfg.spec
            if "width" in spec.options and (cfg.width or 1.0) > 0.5:
                offers.append("<a href='width:0.5'>use width 0.5</a> (about 3× faster)")
            n_train = DATASET_SIZES.get(cfg.dataset, (60000, 10000))[0]
            if cfg.subset:
                n_train = min(n_train, cfg.subset)
            target = int(n_train * (5 * 60) / seconds) // 500 * 500
            if n_train > 1000:
                subset = max(500, min(target, n_train // 2))
                offers.append(f"<a href='subset:{subset}'>train on {subset:,} images</a>")
            if cfg.form == "d2l":
                offers.append("<a href='form:native'>use the native size</a>")
            if offers:
                text += "<br><span style='color:#a84300'>That is long. Try: " + ", or ".join(offers) + ".</span>"
        self.estimate_label.setText(text)

    def _on_estimate_link(self, link: str) -> None:
        key, _, value = link.partition(":")
        if key == "width":
            self.config_panel.set_field("width", float(value))
        elif key == "subset":
            self.config_panel.set_field("subset", int(value))
        elif key == "form":
            self.config_panel.set_field("form", value)

    # ===================================================================================== runs
    def _update_buttons(self) -> None:
        running = self.is_running()
        ready = self._ready
        self.start_button.setEnabled(ready and self._config is not None and not running)
        self.pause_button.setEnabled(running and not self._stop_asked)
        self.stop_button.setEnabled(running and not self._stop_asked)
        more = False
        tip = "Train the last network one more epoch, from where it stopped"
        if ready and not running and self._controller is not None and self._controller.trainer is not None:
            trainer = self._controller.trainer
            result = self.last_result
            resumable = result is not None and (result.status in ("completed", "stopped")
                                                or self._saved_elsewhere)
            if not resumable or trainer.epochs_done < 1:
                tip = "Available after a run that finished or was stopped after at least one epoch."
            elif self._config is None or not _same_run_settings(self._config, trainer.config):
                tip = "The settings changed since the last run: press Train for a new run."
            else:
                more = True
        elif not running:
            tip = "Available after a run."
        self.more_button.setEnabled(more)
        self.more_button.setToolTip(tip)
        if not ready:
            self.start_button.setToolTip("Loading PyTorch…")
        elif self._config is None:
            self.start_button.setToolTip("Fix the setting shown in red first.")
        else:
            self.start_button.setToolTip("Train a new network with these settings (Ctrl+Enter)")

    @Slot()
    def start_training(self) -> bool:
        """Start a new run with the current settings (what the Train button does)."""
        cfg = self._config
        if not self._ready or cfg is None or self.is_running():
            return False
        try:
            trainer = self.create_trainer(cfg)
        except Exception as exc:  # noqa: BLE001
            log.exception("could not create the trainer")
            self.banner.show_message("error", "Could not start training", f"{type(exc).__name__}: {exc}")
            return False
        for hook in list(self.trainer_setup_hooks):
            try:
                hook(trainer)
            except Exception as exc:  # noqa: BLE001 - a view that cannot attach must not stop the run
                log.exception("trainer set-up hook %r failed", hook)
                self.banner.show_message("warning", "A live view could not attach to this run",
                                         f"{type(exc).__name__}: {exc}. Training goes on without it.")
        self._launch(trainer, epochs=None, new_run=True)
        return True

    @Slot()
    def train_one_more_epoch(self) -> bool:
        if not self.more_button.isEnabled():
            return False
        self._launch(self._controller.trainer, epochs=1, new_run=False)
        return True

    def _launch(self, trainer, epochs, new_run: bool) -> None:
        if not (self.banner.kind == "warning" and self.banner.title.text().startswith("A live view")):
            self.banner.dismiss()
        self._new_run = new_run
        self._run_info = None
        self._last_step = None
        self._run_config = trainer.config
        self._stop_asked = False
        self._jobs.suspend()
        self._estimate_timer.stop()
        self._controller.start(trainer, epochs=epochs, before_run=self._jobs.wait_idle)
        self.config_panel.set_editable(False)
        self.pause_button.setText("❚❚  Pause")
        self.progress.setValue(0)
        self.progress.setFormat("Loading the data and building the network…")
        self.statusBar().showMessage("Starting…")
        self._drain_timer.start()
        self._update_buttons()
        cfg = trainer.config
        self.estimate_label.setText("<span style='color:#555'>Training — settings are locked until the "
                                    "run ends. Stop or Pause at any time.</span>")
        log.info("%s: %s on %s, %s epoch(s), batch %s, %s lr %g", "new run" if new_run else "one more epoch",
                 cfg.arch, cfg.dataset, cfg.epochs if epochs is None else epochs, cfg.batch_size,
                 cfg.optimizer, cfg.lr)

    @Slot()
    def stop_training(self) -> None:
        if not self.is_running():
            return
        self._controller.stop()
        self._stop_asked = True
        self.statusBar().showMessage("Stopping after this batch…")
        self.progress.setFormat("Stopping…")
        self._update_buttons()

    @Slot()
    def toggle_pause(self) -> None:
        if not self.is_running():
            return
        if self._controller.is_paused():
            self._controller.resume()
            self.pause_button.setText("❚❚  Pause")
            self.statusBar().showMessage("Resumed.", 3000)
        else:
            self._controller.pause()
            self.pause_button.setText("▶  Resume")
            self.statusBar().showMessage("Paused — press Resume to go on.")
            self.progress.setFormat("Paused · " + self.progress.format())

    # --------------------------------------------------------------------------- run events
    def _drain(self) -> None:
        if self._controller is None or self._run_info is None or self.curves is None:
            return
        events = self._controller.buffer.drain()
        if events:
            self.curves.add_steps(events)
            self._last_step = events[-1]
        now = time.perf_counter()
        if self._last_step is not None and now - self._progress_shown >= PROGRESS_INTERVAL_S:
            self._progress_shown = now
            self._show_progress(self._last_step)
            self._last_step = None
        self.curves.maybe_refresh()  # paced so painting takes at most a few % of the time

    def _show_progress(self, ev) -> None:
        info = self._run_info
        if info is None:
            return
        if self.curves is not None and ev.examples_per_s and math.isfinite(ev.examples_per_s):
            self.curves.set_step_rate(ev.examples_per_s / max(1, info.config.batch_size))
        total_epochs = max(1, info.end_epoch - info.start_epoch)
        done = (ev.epoch - 1 - info.start_epoch) * ev.steps_per_epoch + ev.step
        frac = done / max(1, total_epochs * ev.steps_per_epoch)
        self.progress.setValue(int(1000 * min(1.0, frac)))
        text = (f"Epoch {ev.epoch}/{info.end_epoch} · step {ev.step}/{ev.steps_per_epoch} · "
                f"{ev.examples_per_s:,.0f} images/s · {format_clock(ev.eta_s)} left")
        if self._controller.is_paused():
            text = "Paused · " + text
        self.progress.setFormat(text)

    @Slot(object)
    def _on_run_started(self, ev) -> None:
        self._run_info = ev
        if self.curves is not None:
            self.curves.begin_run(ev.steps_per_epoch, new_run=self._new_run, end_epoch=ev.end_epoch,
                                  lr_max=ev.config.lr)
        self.progress.setFormat(f"Epoch {ev.start_epoch + 1}/{ev.end_epoch} · starting…")
        cfg = ev.config
        spec = cfg.spec
        self.statusBar().showMessage(
            f"Training {spec.display_name}: {ev.n_train:,} training / {ev.n_test:,} test images, "
            f"{ev.params:,} parameters.")
        log.info("training %s: %s training / %s test images, %s parameters, %s", cfg.arch,
                 f"{ev.n_train:,}", f"{ev.n_test:,}", f"{ev.params:,}", ev.device)
        self.run_started.emit(ev)

    @Slot(object)
    def _on_epoch_end(self, ev) -> None:
        self._drain()
        if self.curves is not None:
            self.curves.add_epoch(ev)  # drawn on the plots' next (paced) turns
        if self._run_config is not None and ev.examples_per_s and math.isfinite(ev.examples_per_s):
            self._rate_cache[self._rate_key(self._run_config)] = (float(ev.examples_per_s), "run")
        log.info("epoch %d: train loss %.4f, accuracy %.2f%% | test loss %.4f, accuracy %.2f%% | %s images/s",
                 ev.epoch, ev.train_loss, 100 * ev.train_acc, ev.test_loss, 100 * ev.test_acc,
                 f"{ev.examples_per_s:,.0f}")
        self.epoch_finished.emit(ev)

    @Slot(object)
    def _on_warning(self, ev) -> None:
        log.warning("%s", ev.message)
        action, action_id = "", ""
        cfg = self._run_config
        if cfg is not None:
            action, action_id = f"Use lr {cfg.lr / 10:g} next time", f"lr:{cfg.lr / 10!r}"
        title = {"stuck": "The network is stuck at chance: it only guesses",
                 "oom": "Out of memory: the batch was halved"}.get(ev.kind, "Warning")
        if ev.kind != "stuck":
            action, action_id = "", ""
        self.banner.show_message("warning", title, ev.message[0].upper() + ev.message[1:], action, action_id)

    @Slot(object)
    def _on_run_finished(self, result) -> None:
        self._drain()
        self._saved_elsewhere = False
        if self.curves is not None:
            self.curves.end_run(result.status)
            self.curves.refresh(force=True)
        self.last_result = result
        msg = result.message or result.status
        cfg = self._run_config
        if result.status == "completed":
            text = f"Finished: {msg}."
            if result.run_dir:
                text += f" Saved to {result.run_dir}."
            self.statusBar().showMessage(text)
            self.progress.setValue(1000)
            self.progress.setFormat(f"Done · {result.epochs} epoch(s)"
                                    + (f" · test accuracy {100 * result.test_acc:.2f} %"
                                       if result.test_acc is not None else ""))
            log.info("run completed: %s", msg)
        elif result.status == "stopped":
            self.statusBar().showMessage(f"Stopped: {msg}")
            self.progress.setFormat(f"Stopped · {result.epochs} epoch(s) done")
            log.info("run stopped: %s", msg)
        elif result.status == "diverged":
            log.error("run diverged: %s", msg)
            self.progress.setFormat("Diverged")
            self.statusBar().showMessage("Training diverged.")
            action, action_id = "", ""
            if cfg is not None:
                action, action_id = f"Use lr {cfg.lr / 10:g}", f"lr:{cfg.lr / 10!r}"
            self.banner.show_message(
                "error", "Diverged — the learning rate is too large",
                f"{msg[0].upper()}{msg[1:]} Other fixes: Adam instead of SGD, BatchNorm, or a warm-up "
                f"schedule (one-cycle).", action, action_id)
        else:
            log.error("run failed: %s", msg)
            self.progress.setFormat("Failed")
            self.statusBar().showMessage("Training failed.")
            if self.unsaved_trainer() is not None:
                self.banner.show_message("error", "The run could not be saved", f"{msg[0].upper()}{msg[1:]}",
                                         "Save to another folder…", "save-elsewhere")
            else:
                hint = _failure_hint(msg)
                self.banner.show_message("error", "Training failed", f"{msg[0].upper()}{msg[1:]}{hint}")
        self.run_finished.emit(result)

    # ------------------------------------------------------------------ a run that could not be saved
    def _keep_unsaved_run(self) -> bool:
        """Before closing: a run that exists only in memory is saved elsewhere, or knowingly dropped.
        False keeps the window open."""
        trainer = self.unsaved_trainer()
        if trainer is None:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Save the trained model?",
            f"The run directory could not be written, so "
            f"{_epochs(trainer.saved_epoch + 1, trainer.epochs_done)} of the last run exist only in memory. "
            f"Save the run to another folder before closing?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            return self.save_run_elsewhere() is not None
        return answer == buttons.Discard

    def unsaved_trainer(self):
        """The last run's trainer when its run directory could not be written (disk full, read-only)
        and its trained epochs exist only in memory; else None."""
        trainer = self._controller.trainer if self._controller is not None else None
        if trainer is None or not getattr(trainer, "write_failed", False):
            return None
        return trainer if getattr(trainer, "history", None) else None

    def save_run_elsewhere(self, folder: str | os.PathLike | None = None) -> str | None:
        """Write the in-memory run of :meth:`unsaved_trainer` into a new folder inside ``folder``
        (asked for when None). Returns the run directory written, or None (cancelled or refused; the
        banner says why and offers to try another folder)."""
        from core.checkpoints import CheckpointError

        trainer = self.unsaved_trainer()
        if trainer is None:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Save the run to another folder", str(Path.home()))
            if not folder:
                return None
        target = _free_name(Path(folder), Path(trainer.run_dir or "run").name)
        try:
            written = trainer.save_to(target)
        except CheckpointError as exc:
            log.error("could not save the run to %s: %s", target, exc)
            self.banner.show_message("error", "The run could not be saved there", str(exc),
                                     "Save to another folder…", "save-elsewhere")
            return None
        log.info("run saved to %s", written)
        self._saved_elsewhere = True  # a run stopped by its full disk can go on ("+1 epoch")
        self.banner.show_message("success", "Run saved",
                                 f"{_epochs(1, trainer.epochs_done).capitalize()} and the model are in "
                                 f"{written}. "
                                 f"“+1 epoch” goes on writing there.")
        self.statusBar().showMessage(f"Saved to {written}.", 8000)
        self._update_buttons()
        return written

    @Slot()
    def _on_thread_finished(self) -> None:
        self._drain()
        self._drain_timer.stop()
        self._run_info = None
        self.config_panel.set_editable(True)
        self.pause_button.setText("❚❚  Pause")
        if self._jobs is not None:
            self._jobs.resume()
        self._update_buttons()
        if not self._closing:
            self._estimate_timer.start()
        if self._close_when_stopped:
            QTimer.singleShot(0, self, self.close)

    def _on_banner_action(self, action_id: str) -> None:
        key, _, value = action_id.partition(":")
        if key == "save-elsewhere":
            self.save_run_elsewhere()
            return
        if key == "lr":
            self.config_panel.set_field("lr", float(value))
            self.statusBar().showMessage(f"Learning rate set to {float(value):g}: press Train to try it.", 8000)

    @Slot(str, str)
    def _show_error(self, title: str, message: str) -> None:
        self.banner.show_message("error", title, message)

    @Slot(str)
    def _append_log(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    def _on_tab_changed(self, index: int) -> None:
        if self.curves is not None and self.tabs.widget(index) is self.curves:
            self.curves.refresh()

    # ====================================================================================== misc
    def _open_run_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a saved run", str(runs_root()))
        if folder:
            self.load_checkpoint(folder)

    def _about(self) -> None:
        QMessageBox.about(self, "About ConvScope",
                          "<b>ConvScope</b><br>Train the classic CNNs of <i>Dive into Deep Learning</i> "
                          "(LeNet → ResNet) with a click and watch them learn.")

    def closeEvent(self, event):  # noqa: N802
        if not self._keep_unsaved_run():
            event.ignore()
            return
        self._closing = True
        try:
            self.save_settings()
        except Exception:  # noqa: BLE001 - never block closing
            log.exception("could not save the settings")
        for timer in (self._validate_timer, self._estimate_timer, self._save_timer, self._poll_timer):
            timer.stop()
        if self._controller is not None and self._controller.is_running():
            log.info("window closed during training: stopping the run")
            if not self._controller.shutdown(timeout_ms=CLOSE_WAIT_MS):
                # The current step is long (a big network on a CPU): close once it has stopped.
                self._close_when_stopped = True
                self._stop_asked = True
                self._update_buttons()
                self.statusBar().showMessage("Stopping the run… the window closes as soon as it has.")
                event.ignore()
                return
        self._drain_timer.stop()
        if self.activations is not None:
            self.activations.detach()
        if self._jobs is not None:
            self._jobs.close(timeout=1.0)
        logging.getLogger("convscope").removeHandler(self._log_handler)
        super().closeEvent(event)


# ------------------------------------------------------------------------------------ helpers
_frozen = False


def _freeze_startup_objects() -> None:
    """Once per process, after the big imports: move the objects alive now (modules, torch, Qt
    wrappers) out of the collector's sight, so the GUI thread's full collections stay short."""
    global _frozen
    if not _frozen:
        import gc

        _frozen = True
        gc.collect()
        gc.freeze()


def _count(config) -> int:
    from core.introspect import count_parameters

    return count_parameters(config)


def _measure(config, cancel) -> float:
    from core.introspect import measure_rate

    return measure_rate(config, cancel)


def _same_run_settings(a, b) -> bool:
    """Whether config ``a`` would continue the run of config ``b`` ("+1 epoch" ignores epochs)."""
    da, db = a.to_dict(), b.to_dict()
    da.pop("epochs", None)
    db.pop("epochs", None)
    return da == db


def _epochs(first: int, last: int) -> str:
    return f"epoch {last}" if first >= last else f"epochs {first}–{last}"


def _free_name(parent: Path, name: str) -> Path:
    """``parent / name``, or ``name-2``, ``name-3``… when that exists: never write into another run."""
    candidate, n = parent / name, 1
    while candidate.exists():
        n += 1
        candidate = parent / f"{name}-{n}"
    return candidate


def _failure_hint(message: str) -> str:
    lower = message.lower()
    if "not found" in lower or "download" in lower or "data root" in lower:
        return (" Without a network, use the offline “MNIST sample” dataset, or set the data folder to "
                "a folder that holds the files.")
    if "out of memory" in lower:
        return " Lower the batch size, use a smaller width, or train on the CPU."
    return " The Log tab has the details."
