"""A run opened from disk, shown in every tab; and the line above the tabs that says what they show.

Every tab follows the session's one ``run_opened`` signal (File → Open run…, the runs browser,
``MainWindow.load_checkpoint``): the Curves tab draws the run's ``metrics.jsonl``; the inside views probe
its weights for the probe image (no training) and their timelines replay the snapshots saved while it
trained (:func:`show_inside`); the Draw tab predicts with it. A new run: every tab follows it (their
trainer set-up hooks), and :class:`RunShown`'s line names it.

The line (``runLine``) reads "Showing run NAME (opened) · …" or "Showing the run in training · …".
"""
from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeView,
    QWidget,
)

from .widgets.elided_label import ElidedLabel

log = logging.getLogger("convscope.gui")

NOTHING_SHOWN = QT_TRANSLATE_NOOP("RunLine", "No run shown yet: press Train, or open a saved run (File → Open "
                                             "run…, or the Runs tab).")


CONTINUE_TIP = QT_TRANSLATE_NOOP("RunLine", "Train the opened run further in its own folder, from its last "
                                            "finished epoch, with its own settings; its curves go on where they "
                                            "stopped.")

# A run's status (status.json, or what core.runs.listing makes of it), as the window words it.
STATUS_WORDS = {"running": QT_TRANSLATE_NOOP("RunStatus", "running"),
                "completed": QT_TRANSLATE_NOOP("RunStatus", "completed"),
                "stopped": QT_TRANSLATE_NOOP("RunStatus", "stopped"),
                "diverged": QT_TRANSLATE_NOOP("RunStatus", "diverged"),
                "failed": QT_TRANSLATE_NOOP("RunStatus", "failed"),
                "interrupted": QT_TRANSLATE_NOOP("RunStatus", "interrupted"),
                "damaged": QT_TRANSLATE_NOOP("RunStatus", "damaged"),
                "unknown": QT_TRANSLATE_NOOP("RunStatus", "unknown")}


def status_text(status: str) -> str:
    """A run's ``status`` in the window's language (an unknown word as it is)."""
    return QCoreApplication.translate("RunStatus", STATUS_WORDS[status]) if status in STATUS_WORDS else status


def ask_total_epochs(parent, done: int, planned: int) -> int | None:
    """How many epochs in total the opened run should reach (the tests replace this); None: cancelled."""
    from PySide6.QtWidgets import QInputDialog

    title = QCoreApplication.translate("OpenedRun", "Continue training")
    question = QCoreApplication.translate(
        "OpenedRun", "The run has trained {done} of its {planned} epochs. Train it to how many epochs in "
                     "total?").format(done=done, planned=planned)
    value, ok = QInputDialog.getInt(parent, title, question, planned if done < planned else done + 1, done + 1,
                                    100_000)
    return value if ok else None


def resumable_epoch(run_dir) -> tuple[int | None, str]:
    """``(last finished epoch, "")`` when the run in ``run_dir`` can be continued, else ``(None, why)``
    (cheap: no weights read; the trainer checks everything when it starts)."""
    from convscope.core.runs.resume import resume_status

    epoch, why = resume_status(run_dir)
    if epoch is None:
        why = QCoreApplication.translate(
            "OpenedRun", "{name} cannot be continued: {why}. It still opens for prediction.").format(
            name=Path(run_dir).name, why=why.rstrip('.'))
    return epoch, why


class RunLine(QWidget):
    """"Showing run X (opened)": what every tab shows, and Continue training for an opened run."""

    continue_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runLine")
        self._training_rest: str | None = None  # the line's text after its head while a run trains
        lay = QHBoxLayout(self)
        lay.setContentsMargins(2, 0, 2, 0)
        self.label = ElidedLabel()  # a long run name never widens the window: it ends in "…"
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setText(QCoreApplication.translate("RunLine", NOTHING_SHOWN))
        self.label.setObjectName("runLineLabel")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.continue_button = QPushButton(self.tr("Continue training"))
        self.continue_button.setObjectName("continueButton")
        self.continue_button.setToolTip(QCoreApplication.translate("RunLine", CONTINUE_TIP))
        self.continue_button.clicked.connect(self.continue_requested)
        self.continue_button.hide()
        lay.addWidget(self.label, 1)
        lay.addWidget(self.continue_button)

    def text(self) -> str:
        return self.label.text()

    def show_opened(self, run) -> None:
        cfg = run.config
        status = run.status.get("status", "unknown") if isinstance(run.status, dict) else "unknown"
        from convscope.core.base.modeltools import count_params

        from .core_texts import core_text

        self._training_rest = None
        bundle = getattr(run, "bundle", None)
        head = self.tr("Showing run <b>{name}</b> (opened from {file}, read-only)") if bundle else \
            self.tr("Showing run <b>{name}</b> (opened)")
        self.label.setText(head.format(name=html.escape(Path(run.dir).name), file=html.escape(
            Path(bundle).name if bundle else "")) + self.tr(
            " · {network} on {dataset} · {params} parameters · {epoch} of {epochs} epochs · {status}").format(
            network=core_text(cfg.spec.display_name), dataset=core_text(cfg.info.display_name),
            params=f"{count_params(run.model):,}", epoch=run.epoch, epochs=cfg.epochs, status=status_text(status)))
        self.continue_button.setText(self.tr("Copy to my runs") if bundle else self.tr("Continue training"))
        self.continue_button.setToolTip(
            self.tr("A run opened from a .convscope file is read-only: copy it into your runs folder to train "
                    "it further.") if bundle else QCoreApplication.translate("RunLine", CONTINUE_TIP))
        settings = ", ".join(f"{k} {v}" for k, v in cfg.to_dict().items()
                             if k in ("batch_size", "optimizer", "lr", "momentum", "weight_decay", "schedule",
                                      "form", "width", "subset", "seed") and v is not None)
        self.label.setToolTip(f"{run.dir}\n{settings}")
        self.continue_button.show()

    def show_finished(self, result) -> None:
        """The run in training ended: the tabs keep showing it (its rest is kept for "+1 epoch")."""
        if self._training_rest is not None:
            head = self.tr("Showing the last run ({status}, 1 epoch)") if result.epochs == 1 else \
                self.tr("Showing the last run ({status}, {n} epochs)")
            self.label.setText(head.format(status=status_text(result.status), n=result.epochs)
                               + self._training_rest)

    def show_training_again(self) -> None:
        """The run shown trains on ("+1 epoch"): the line says so again, and its end says how far it got."""
        if self._training_rest is not None:
            self.label.setText(self.tr("Showing the run in training") + self._training_rest)

    def show_training(self, config, run_dir: str | None, resumed_from: int | None = None) -> None:
        from .core_texts import core_text

        where = self.tr(" · saved in {name}").format(name=Path(run_dir).name) if run_dir else \
            self.tr(" · not saved")
        if resumed_from is not None:
            where = self.tr(" · continuing {name} from epoch {epoch}").format(name=Path(run_dir).name,
                                                                             epoch=resumed_from)
        self._training_rest = self.tr(" · {network} on {dataset}").format(
            network=core_text(config.spec.display_name), dataset=core_text(config.info.display_name)) + where
        self.label.setText(self.tr("Showing the run in training") + self._training_rest)
        self.label.setToolTip(str(run_dir or ""))
        self.continue_button.hide()


def run_folder_dialog(parent, root) -> QFileDialog:
    """The folder dialog of File → Open run…: a details list whose name column is as wide as the
    longest name, so run folder names ("20261202-003528-resnet-small-cifar10-sample") are never cut
    in the middle (Qt's own dialog, the same on every system)."""
    dialog = QFileDialog(parent, QCoreApplication.translate("OpenedRun", "Open a saved run"), str(root))
    dialog.setObjectName("openRunDialog")
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.resize(900, 520)
    for view in dialog.findChildren(QAbstractItemView):
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        if isinstance(view, QTreeView) and view.objectName() == "treeView":
            view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    return dialog


def choose_run_folder(parent, root) -> str | None:
    dialog = run_folder_dialog(parent, root)
    if not dialog.exec():
        return None
    chosen = dialog.selectedFiles()
    return chosen[0] if chosen else None


def choose_run_file(parent) -> str | None:
    """File → Open a run file: a ``.convscope`` bundle, from the user's documents folder."""
    from PySide6.QtCore import QStandardPaths

    start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    path, _ = QFileDialog.getOpenFileName(parent, QCoreApplication.translate("OpenedRun", "Open a run file"), start,
                                          QCoreApplication.translate("OpenedRun", "ConvScope runs (*.convscope)"))
    return path or None


def dropped_run(mime) -> str | None:
    """The run a drag carries (one local ``.convscope`` file or run folder), or None."""
    urls = [u for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
    if len(urls) != 1:
        return None
    path = Path(urls[0].toLocalFile())
    if (path.suffix == ".convscope" and path.is_file()) or (path / "config.json").is_file():
        return str(path)
    return None


def read_replay(run_dir) -> tuple[list, str]:
    """The probe snapshots saved in a run folder, oldest first, and a note when there are none
    (``core.runs.replay`` skips damaged files itself: opening a run never fails for its replay)."""
    from convscope.core.runs.replay import read_snapshots

    snaps = list(read_snapshots(run_dir))
    return snaps, "" if snaps else QCoreApplication.translate("OpenedRun", "the run saved no snapshots")


def show_inside(internals, run) -> None:
    """The inside views (``ActivationsController``) show an opened run: its weights probed now, its saved
    snapshots replayed."""
    from convscope.core.data.datasets import DataError
    from convscope.core.runs.opened_run import RunTarget

    replay, _note = read_replay(run.dir)
    try:
        target = RunTarget.from_run(run)
    except DataError as exc:
        seen = QCoreApplication.translate(
            "RunShown", " The timeline replays what it recorded while it trained.") if replay else ""
        internals.show_unavailable(
            run.config, QCoreApplication.translate(
                "RunShown", "Cannot look inside run {name} with a new probe image: {error}").format(
                name=Path(run.dir).name, error=exc) + seen, replay)
        return
    internals.show_run(target, replay)


class RunShown(QObject):
    """The line that says what every tab shows, and Continue training for an opened run."""

    def __init__(self, session, host):
        super().__init__(session)
        self.session, self.host = session, host
        self.line = RunLine()
        self.line.continue_requested.connect(self.continue_training)
        session.run_finished.connect(self.line.show_finished)
        session.run_opened.connect(self.line.show_opened)
        session.run_moved.connect(self.line.show_opened)
        session.run_launched.connect(self._launched)
        session.trainer_setup_hooks.append(self.training_started)

    @property
    def opened(self):
        """The opened run shown, or None while a training run is shown."""
        return self.session.opened

    def _launched(self, _trainer, _epochs, _new_run: bool) -> None:
        if self.session.opened is None:  # "+1 epoch" runs no set-up hook: the line follows it here
            self.line.show_training_again()

    def training_started(self, trainer) -> None:
        """A trainer set-up hook: the line names the new run (the tabs follow it themselves)."""
        resumed = self.session.opened is not None and trainer.resume_point is not None
        self.line.show_training(trainer.config, trainer.run_dir,
                                trainer.resume_point.epoch if resumed else None)

    def continue_training(self) -> bool:
        """Continue the opened run (Continue training): asks for the epochs in total, then trains."""
        run = self.session.opened
        if run is None:
            return False
        if getattr(run, "bundle", None):
            return self.copy_to_runs(run)
        done, why_not = resumable_epoch(run.dir)
        if done is None:
            self.host.notify("info", self.tr("This run cannot be continued"), why_not)
            return False
        total = ask_total_epochs(self.host.dialog_parent(), done, run.config.epochs)
        return total is not None and self.continue_run(run.dir, total)

    def copy_to_runs(self, run) -> bool:
        """Copy a run opened from a bundle into the runs folder and show the copy (which can be continued)."""
        from convscope.core.runs.bundle import copy_to_runs

        from .settings import runs_root

        try:
            copied = copy_to_runs(run.dir, runs_root())
        except OSError as exc:
            self.host.notify("error", self.tr("Could not copy the run"), self.tr(
                "{file} could not be copied into {root}: {error}").format(
                file=Path(run.bundle).name, root=runs_root(), error=exc.strerror or exc))
            return False
        if not self.host.open_run(copied):
            return False
        self.host.notify("success", self.tr("Copied to your runs"), self.tr(
            "The run is now {folder} in your runs folder: Continue training trains it further.").format(
            folder=copied.name))
        return True

    def continue_run(self, run_dir, epochs: int | None = None) -> bool:
        """Continue the run saved in ``run_dir`` to ``epochs`` in total (default: its configured epochs),
        in its own folder and with its own settings; the curves go on from its saved epochs."""
        session = self.session
        if not session.is_ready() or session.is_running():
            return False
        from convscope.core.runs.checkpoints import CheckpointError
        from convscope.core.setup.config import ConfigError

        try:
            trainer = self.create_resume_trainer(run_dir, epochs)
        except (CheckpointError, ConfigError, OSError, ValueError) as exc:
            self.host.notify("error", self.tr("Cannot continue that run"), str(exc))
            return False
        session.start(trainer, epochs=None, new_run=False)
        return True

    @staticmethod
    def create_resume_trainer(run_dir, epochs: int | None):
        """The trainer that continues a saved run (see :meth:`continue_run`)."""
        from convscope.core.training.engine import Trainer

        return Trainer.from_run(run_dir, epochs=epochs, publish_interval=1 / 30, publish_weights=True)
