"""The window's start-up: torch and the model zoo load in a background thread while the window paints.

The window shows at once because nothing heavy is imported before it is on screen. When it is first
shown, :class:`StartupSequence` starts importing torch and the model zoo in a background thread
(:func:`core_future`, once per process); once the window has painted it asks the window to build its
plots (pyqtgraph); when both are done it hands the loaded :class:`CoreInfo` to the window. The presets
(``core.setup.presets``) are read in that thread too, and :func:`preset_resolver` resolves them for this computer.
"""
from __future__ import annotations

import importlib.resources
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

from .core_texts import core_text
from .runtime.jobs import post_to_gui

log = logging.getLogger("convscope.gui")


def _resources_folder() -> Path:
    """ConvScope's resources (style.qss, help.html…), wherever it is installed: the folder
    ``core.base.resources.resource_root()`` finds, found the same way without importing ``core`` (the window's
    modules import only Qt before the window shows)."""
    try:
        root = importlib.resources.files("convscope.resources")
    except ModuleNotFoundError:  # a checkout whose project is not installed
        return Path(__file__).resolve().parent.parent / "resources"
    return Path(str(root))


RESOURCES = _resources_folder()
PLOTS_FALLBACK_MS = 400  # if no paint event comes (some platforms), build the plots anyway


@dataclass
class CoreInfo:
    specs: list
    datasets: dict
    cuda: bool
    gpu_name: str | None
    cpu_threads: int
    presets: list = field(default_factory=list)  # core.setup.presets.Preset, in the file's order
    default_preset: str | None = None  # the id of the preset of a first start
    gpu_memory_gib: float | None = None  # the CUDA GPU's memory
    mps: bool = False  # Apple's Metal GPU (a Mac)

    @property
    def gpu_text(self) -> str:
        """The CUDA GPU with its memory: "NVIDIA H200 (139 GiB)"."""
        name = self.gpu_name or "CUDA"
        return f"{name} ({int(self.gpu_memory_gib)} GiB)" if self.gpu_memory_gib else name

    @property
    def hardware(self) -> str:
        """What training runs on by default: "GPU: name (memory)", the Mac's GPU, or "CPU, n threads"."""
        if self.cuda:
            return f"GPU: {self.gpu_text}"
        if self.mps:
            return QCoreApplication.translate("Startup", "Apple GPU (MPS)")
        return QCoreApplication.translate("Startup", "CPU, {n} threads").format(n=self.cpu_threads)

    def device_labels(self) -> dict[str, str]:
        """The device choices (``core.setup.config.DEVICES``) named by this machine's hardware."""
        return {"auto": QCoreApplication.translate("Startup", "auto ({hardware})").format(hardware=self.hardware),
                "cpu": QCoreApplication.translate("Startup", "CPU ({n} threads)").format(n=self.cpu_threads),
                "cuda": f"GPU: {self.gpu_text}" if self.cuda else QCoreApplication.translate(
                    "Startup", "GPU (none found)"),
                "mps": QCoreApplication.translate("Startup", "Apple GPU (MPS)") if self.mps
                else QCoreApplication.translate("Startup", "Apple GPU (none found)")}


_core_lock = threading.Lock()
_core_future: Future | None = None


def _load_core() -> CoreInfo:
    import importlib

    from convscope.core.base.devices import host_info
    from convscope.core.data import loading as data
    from convscope.core.models import list_models

    importlib.import_module("convscope.core.training.engine")  # here, off the GUI thread: Train does not wait for it

    host = host_info()
    presets, default = _load_presets()
    return CoreInfo(list_models(), dict(data.DATASETS), host.cuda, host.gpu_name, host.cpu_threads,
                    presets, default, gpu_memory_gib=host.gpu_memory_gib, mps=host.mps)


def _load_presets() -> tuple[list, str | None]:
    """The presets of ``core.setup.presets`` and the id of the default one (none when the file is unreadable)."""
    from convscope.core.setup.presets import PresetError, load_presets

    try:
        return load_presets()
    except PresetError as exc:
        log.warning("%s", exc)
        return [], None


def preset_resolver(presets) -> Callable[[dict, str | None], tuple[dict, str]]:
    """For the settings panel: a preset (``Preset.to_json()``) and the data folder shown → the config it
    trains here and the note that says why it differs (its dataset is not here: the offline sample)."""
    by_id = {p.id: p for p in presets}

    def resolve_here(preset: dict, data_root: str | None) -> tuple[dict, str]:
        from convscope.core.setup.presets import resolve

        known = by_id.get(preset.get("id"))
        if known is None:
            return dict(preset.get("config", {})), ""
        resolved = resolve(known, data_root or None)
        return resolved.config, _note_text(resolved.swap)

    return resolve_here


def _note_text(swap) -> str:
    """The preset's note in the window's language: its dataset was swapped for the offline sample
    (``core.setup.presets.Swap``), "" when it was not."""
    from convscope.core.data.datasets import get_info

    if swap is None:
        return ""
    template = QCoreApplication.translate(
        "Startup", "{full} is not on this computer: this preset trains on the offline {small} ({n} real images) "
        "instead; download the full set (pick it in the dataset list) for the notes' figures.")
    full, small = get_info(swap.dataset), get_info(swap.instead)
    return template.format(full=full.display_name.split(" (")[0],
                           small=core_text(small.display_name).split(" (")[0].split("（")[0],
                           n=f"{small.n_train + small.n_test:,}")


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


_frozen = False


def freeze_startup_objects() -> None:
    """Once per process, after the big imports: move the objects alive now (modules, torch, Qt
    wrappers) out of the collector's sight, so the GUI thread's full collections stay short."""
    global _frozen
    if not _frozen:
        import gc

        _frozen = True
        gc.collect()
        gc.freeze()


def warm_up_in(jobs) -> None:
    """Once the window is ready: the first meta forward's imports (``core.training.introspect.warm_up``) in the
    background-jobs thread, so that neither "ready" nor the first Train waits for them, then those new
    objects frozen too, out of the GUI thread's garbage collections."""
    import gc

    from convscope.core.training.introspect import warm_up

    jobs.submit("warm-up", lambda cancel: warm_up(), lambda result, error: gc.freeze())


class StartupSequence(QObject):
    """Drives the start-up of ``window``, which calls :meth:`begin` when it is first shown.

    ``painted()`` is called after the window's first paint, ``build_plots()`` (returns whether the plots
    exist) once it has painted, ``finish(CoreInfo)`` when both the plots and the engine are there, and
    ``fail(message)`` when the engine cannot be loaded or ``finish`` raised. The import thread says when
    it is done (``app.runtime.jobs.post_to_gui``): nothing polls.
    """

    def __init__(self, window, painted: Callable[[], None], build_plots: Callable[[], bool],
                 finish: Callable[[CoreInfo], None], fail: Callable[[str], None]):
        super().__init__(window)
        self._window = window
        self._painted_cb, self._build_plots, self._finish, self._fail = painted, build_plots, finish, fail
        self._begun = self._painted = self._plots = self._done = self._loaded = False
        window.installEventFilter(self)

    def begin(self) -> None:
        if self._begun:
            return
        self._begun = True
        ref = weakref.ref(self)  # the future keeps its callbacks: never this object
        core_future().add_done_callback(lambda _fut: post_to_gui(_core_loaded, ref))
        QTimer.singleShot(PLOTS_FALLBACK_MS, self, self._want_plots)

    def stop(self) -> None:
        """The window is closing (or start-up failed): nothing more to build."""
        self._done = True

    def eventFilter(self, obj, event):
        if obj is self._window and event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            obj.removeEventFilter(self)  # every event of the window would pass through Python otherwise
            self._painted_cb()
            QTimer.singleShot(0, self, self._want_plots)
        return False

    def _want_plots(self) -> None:
        if self._plots or self._done:
            return
        self._plots = bool(self._build_plots())
        if self._plots:
            self._finish_when_ready()

    def core_loaded(self) -> None:
        """The import thread is done (GUI thread)."""
        self._loaded = True
        self._finish_when_ready()

    def _finish_when_ready(self) -> None:
        if self._done or not (self._loaded and self._plots):
            return
        fut = core_future()
        self.stop()
        try:
            info = fut.result()
        except BaseException as exc:  # noqa: BLE001
            self._fail(f"could not load PyTorch or the model zoo: {type(exc).__name__}: {exc}")
            return
        try:
            self._finish(info)
        except Exception as exc:
            log.exception("start-up failed")
            self._fail(f"{type(exc).__name__}: {exc}")


def _core_loaded(ref) -> None:
    sequence = ref()
    if sequence is not None:
        sequence.core_loaded()
