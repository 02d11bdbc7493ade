"""Training off the GUI thread: a ``QObject`` worker moved to a ``QThread``, and its controller.

Data flow:

* The trainer calls ``on_event`` from the training thread. Per-step metrics (``StepMetrics``, up to
  ~30 a second) go into a lock-protected, bounded ``app.runtime.steps.StepBuffer``; the GUI drains it on
  its own timer, so there is never one signal per step. The rare events (run started, epoch end,
  warning, run finished) travel as queued Qt signals, received once by :class:`RunController`'s slots,
  whose signals everybody else listens to (``app.session.Session`` hands them on as they are).
* Stop and pause are ``threading.Event``s inside the trainer, set directly from the GUI thread: a slot
  queued to a busy worker would only run after training ended.
* The worker's signals are connected only to ``@Slot`` methods of :class:`RunController`, which lives in
  the GUI thread and re-emits them there.
* The thread is hosted by ``app.runtime.thread_host.ThreadHost``. Shutting down (window closed): request
  stop → ``thread.quit()`` → ``thread.wait()``; never ``terminate()``.
"""
from __future__ import annotations

import logging
import os
import threading
import traceback
from collections.abc import Callable
from contextlib import ExitStack

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from .runtime.steps import StepBuffer
from .runtime.thread_host import ThreadHost

log = logging.getLogger("convscope.gui")


# ------------------------------------------------------------------------------------------ worker
class TrainWorker(QObject):
    """Runs ``trainer.run(epochs)`` in its thread and turns the trainer's events into signals."""

    run_started = Signal(object)  # RunStarted
    epoch_finished = Signal(object)  # EpochEnd
    warning_raised = Signal(object)  # RunWarning
    run_finished = Signal(object)  # RunResult
    finished = Signal()

    def __init__(self, trainer, epochs: int | None, buffer: StepBuffer, stop_requested: threading.Event,
                 before_run: Callable[[], None] | None = None):
        super().__init__()
        self.trainer = trainer
        self.epochs = epochs
        self.buffer = buffer
        self.stop_requested = stop_requested
        self.before_run = before_run
        self._result_sent = False

    @Slot()
    def run(self) -> None:
        from convscope.core.training.events import ERROR, RunResult

        result = None
        threads = ExitStack()  # the training thread's torch threads, put back when it ends
        try:
            threads.enter_context(_leave_a_core_for_the_window())
            if self.before_run is not None:
                self.before_run()
            self.trainer.on_event = self._on_event
            result = self.trainer.run(self.epochs)
        except BaseException as exc:  # noqa: BLE001 - report every failure, never a silent stop
            # The traceback as text: a log record holding the exception would keep this worker, the
            # trainer and its model (and their frames) alive for as long as any handler keeps records.
            log.error("training thread failed:\n%s", traceback.format_exc())
            result = RunResult(status="failed", epochs=int(self.trainer.epochs_done),
                               message=f"{type(exc).__name__}: {exc}", reason=ERROR)
            self._result_sent = False
        finally:
            try:
                if not self._result_sent:
                    if result is None or not hasattr(result, "status"):
                        result = RunResult(status="failed", epochs=0, reason=ERROR,
                                           message="the training thread ended without a result.")
                    self._result_sent = True
                    self.run_finished.emit(result)
            finally:
                self.trainer.on_event = _ignore
                self.trainer = None
                threads.close()
                # Back to the GUI thread, to be destroyed there (see RunController.start).
                self.moveToThread(QCoreApplication.instance().thread())
                self.finished.emit()

    def _on_event(self, event) -> None:
        """Called by the trainer in the training thread."""
        from convscope.core.training import events as E

        try:
            if isinstance(event, E.StepMetrics):
                self.buffer.push(event)
            elif isinstance(event, E.RunStarted):
                # Trainer.run() clears its stop flag on entry: a stop asked for before that is re-applied.
                if self.stop_requested.is_set():
                    self.trainer.stop()
                self.run_started.emit(event)
            elif isinstance(event, E.EpochEnd):
                self.epoch_finished.emit(event)
            elif isinstance(event, E.RunWarning):
                self.warning_raised.emit(event)
            elif isinstance(event, E.RunFinished):
                self._result_sent = True
                self.run_finished.emit(event.result)
        except Exception:
            log.exception("could not forward a training event")


def _ignore(event) -> None:
    pass


# -------------------------------------------------------------------------------------- controller
class RunController(QObject):
    """Owns the training thread of the window; lives in the GUI thread.

    Signals (all emitted in the GUI thread): ``run_started(RunStarted)``, ``epoch_finished(EpochEnd)``,
    ``warning_raised(RunWarning)``, ``run_finished(RunResult)`` and ``thread_finished()`` once the thread
    has ended and :meth:`is_running` is False again.
    """

    run_started = Signal(object)
    epoch_finished = Signal(object)
    warning_raised = Signal(object)
    run_finished = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.buffer = StepBuffer()
        self._host = ThreadHost(self, "ConvScopeTraining")
        self._stop_requested = threading.Event()
        self.trainer = None  # the trainer of the current or last run ("+1 epoch" reuses it)

    # -- state -------------------------------------------------------------------------------------
    @property
    def thread_finished(self):
        """The training thread has ended (the signal of its host)."""
        return self._host.finished

    def is_running(self) -> bool:
        return self._host.is_running()

    @property
    def thread(self) -> QThread | None:
        return self._host.thread

    @property
    def _worker(self) -> TrainWorker | None:
        return self._host.worker

    def is_paused(self) -> bool:
        return self.is_running() and bool(self.trainer.paused)

    # -- control (GUI thread) ----------------------------------------------------------------------
    def start(self, trainer, epochs: int | None = None, before_run: Callable[[], None] | None = None) -> None:
        if self.is_running():
            raise RuntimeError("a run is already active")
        self.buffer.clear()
        self._stop_requested = threading.Event()
        self.trainer = trainer
        worker = TrainWorker(trainer, epochs, self.buffer, self._stop_requested, before_run)
        # The worker's events reach the window once: through these signals, emitted in the GUI thread.
        worker.run_started.connect(self._on_run_started)
        worker.epoch_finished.connect(self._on_epoch_finished)
        worker.warning_raised.connect(self._on_warning_raised)
        worker.run_finished.connect(self._on_run_finished)
        # The worker is not deleteLater()-ed in its own thread: PySide needs the GIL inside ~QObject
        # while Qt holds one of its signal-slot mutexes (a pool shared by address), and a GUI thread
        # emitting any signal under the GIL can need that same mutex — a deadlock, seen once in a few
        # hundred runs. It moves itself back to the GUI thread when done, and is freed there when the
        # host drops it.
        self._host.start(worker)

    def stop(self) -> None:
        """Ask the run to stop; it does within a layer of the network, even inside a long step (also while
        paused), keeping the last finished step (``core.training.interrupt``)."""
        if not self.is_running():
            return
        self._stop_requested.set()
        self.trainer.stop()

    def pause(self) -> None:
        if self.is_running():
            self.trainer.pause()

    def resume(self) -> None:
        if self.is_running():
            self.trainer.resume()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop the run and wait for its thread to end (the window is closing).

        With ``timeout_ms``, give up waiting after that long and return False: the run is still
        stopping (a single step of a big network on a CPU can take many seconds) and
        ``thread_finished`` comes when it has. Never terminates the thread.
        """
        return self._host.shutdown(self.stop, timeout_ms)

    # -- worker signals (queued into the GUI thread) -----------------------------------------------
    @Slot(object)
    def _on_run_started(self, event) -> None:
        self.run_started.emit(event)

    @Slot(object)
    def _on_epoch_finished(self, event) -> None:
        self.epoch_finished.emit(event)

    @Slot(object)
    def _on_warning_raised(self, event) -> None:
        self.warning_raised.emit(event)

    @Slot(object)
    def _on_run_finished(self, result) -> None:
        self.run_finished.emit(result)


def training_threads(cores: int | None = None) -> int:
    """Torch threads for the training thread: every core but one, which the window keeps."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)


def _leave_a_core_for_the_window():
    # An OpenMP team as wide as the machine fights the GUI thread for the last core: measured on
    # 2 cores with the other core busy, LeNet trained ~10x slower in the window with 2 torch threads.
    # This thread's count only: threads started meanwhile get the process's default.
    from convscope.core.base.devices import thread_count

    return thread_count(training_threads())
