"""The Model, Evaluation and Layer health tabs, the hints from the curves, and File → Export.

:class:`AnalysisTabs` (installed by the window once the engine is loaded, with the session and the window
as its host: :mod:`app.session`) follows what the tabs show:

* **Model** — the per-layer summary of the network the settings describe, or of the opened run, and the
  architectures side by side on the same dataset (parameters, FLOPs, the fully connected layers' share,
  images/s and best test accuracy of past runs in the runs folder);
* **Evaluation** — the confusion matrix of the run just trained or the opened run (Evaluate computes it in
  the background); a test image clicked there becomes the probe image of the inside views;
* **Layer health** — :mod:`app.widgets.health_view`, attached to every new run;
* **hints** — :func:`core.insight.hints.curve_hints` after each epoch, each shown once per run in the banner;
* **File → Export** — the run on show as ONNX, CSV, TensorBoard scalars (``core.runs.export``) or the curves
  as a PNG (the Curves tab as drawn);
* **Race** — :mod:`app.widgets.race_view`: architectures trained one after another, curves overlaid;
* **lessons** — the card above the tabs for a lesson chosen in the preset list
  (:mod:`app.widgets.lesson_card`), which brings the lesson's view to the front when its run starts.

Everything that touches tensors runs in ``core``, in the window's background jobs (never during a run).
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Slot
from PySide6.QtWidgets import QFileDialog, QMenu

from .notices import RUN_HINT, Notice
from .pacing import debounce_timer
from .settings import documents_folder, runs_root
from .widgets.busy_line import BusyLine
from .widgets.confusion_view import ConfusionView
from .widgets.health_view import HealthController, HealthView
from .widgets.lesson_card import LessonCard
from .widgets.model_summary import ModelSummaryView
from .widgets.race_view import RaceController, RaceView

log = logging.getLogger("convscope.gui")

SUMMARY_DELAY_MS = 400
# (format, menu entry, file filter, extension)
EXPORTS = (("onnx", QT_TRANSLATE_NOOP("Export", "ONNX model…"), "ONNX (*.onnx)", ".onnx"),
           ("csv", QT_TRANSLATE_NOOP("Export", "Metrics as CSV…"), "CSV (*.csv)", ".csv"),
           ("tensorboard", QT_TRANSLATE_NOOP("Export", "TensorBoard scalars…"), "", ""),
           ("png", QT_TRANSLATE_NOOP("Export", "Curves as PNG…"), "PNG (*.png)", ".png"),
           ("bundle", QT_TRANSLATE_NOOP("Export", "The whole run as one file (.convscope)…"),
            "ConvScope run (*.convscope)", ".convscope"),
           ("html", QT_TRANSLATE_NOOP("Export", "The run as a web page (.html)…"), "Web page (*.html)", ".html"))


def choose_export_path(parent, fmt: str, suggested: Path) -> str:
    """Where to write an export (the tests replace this); "" when cancelled."""
    if fmt == "tensorboard":
        title = QCoreApplication.translate("AnalysisTabs", "Folder for the TensorBoard event files")
        return QFileDialog.getExistingDirectory(parent, title, str(suggested.parent))
    name = next(e for e in EXPORTS if e[0] == fmt)
    title = QCoreApplication.translate("AnalysisTabs", "Export the run")
    path, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), name[2])
    return path


def hint_text(hint) -> tuple[str, str]:
    """A hint's title and text in the window's language (by its code; the figures come with it)."""
    from convscope.core.insight.hints import BATCHNORM_LAG, OVERFITTING

    v = {k: (f"{x:.0f}" if isinstance(x, float) else f"{x:,}") for k, x in hint.values.items()}
    if hint.code == BATCHNORM_LAG:
        return (QCoreApplication.translate("AnalysisTabs", "Test accuracy at chance: BatchNorm is still catching up"),
                QCoreApplication.translate(
                    "AnalysisTabs", "Training accuracy is {train} % but the test accuracy sits at chance ({test} %) "
                    "after only {steps} steps. Evaluation uses BatchNorm's running averages of each layer's mean "
                    "and variance, and with few steps they still describe the network of the first batches, not "
                    "the weights now. It is not overfitting: train for more steps (more epochs, a smaller batch "
                    "or more images); the test accuracy jumps once the averages catch up.").format(**v))
    if hint.code == OVERFITTING:
        return (QCoreApplication.translate("AnalysisTabs",
                                           "Overfitting: the network learns its training images by heart"),
                QCoreApplication.translate(
                    "AnalysisTabs", "Training accuracy {train} %, test accuracy {test} %, and the test loss rises "
                    "while the training loss still falls. What helps: data augmentation, weight decay, dropout, "
                    "more training images — or stopping earlier, at the epoch chosen on validation images held out "
                    "from training, not on the test set.").format(**v))
    return hint.title, hint.text


class AnalysisTabs(QObject):
    """``internals``: the inside views' controller (a test image clicked in Evaluation is probed there)."""

    def __init__(self, session, host, internals=None, parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.host, self.internals = session, host, internals
        self.model_view = ModelSummaryView()
        self.confusion = ConfusionView()
        self.health_view = HealthView()
        self.health = HealthController(self.health_view, parent=self)
        self.lesson = LessonCard()
        self.race_view = RaceView()
        self.race = RaceController(self.race_view, session, host, parent=self)
        self._summary_timer = debounce_timer(self, SUMMARY_DELAY_MS, self.update_summary)
        self._comparisons: dict[tuple, object] = {}
        self._comparison_shown = None  # (config, (rows, rates, best)) of the comparison on show
        self._measured: dict[tuple, dict[str, tuple[float, float]]] = {}  # comparison key → arch → per image
        self._epochs: list = []
        self._hinted: set[str] = set()
        self._batchnorm: bool | None = None
        self._run_config = None
        self.export_actions = {}
        self.confusion_steps = self.cursor = self.partner = None  # the timeline's and the paired lessons' parts
        self.export_busy = BusyLine()  # in the status bar while an export is written

    # ------------------------------------------------------------------------------- wiring
    def install(self) -> None:
        s, host = self.session, self.host
        host.add_tab(self.model_view, self.tr("Model"))
        host.add_tab(self.confusion, self.tr("Evaluation"))
        self.health.install(s, host)
        self.race.install(s.core.specs if s.core is not None else [])
        s.config_changed.connect(self._summary_timer.start)
        s.run_started.connect(self.on_run_started)
        s.epoch_finished.connect(self.on_epoch_finished)
        s.run_finished.connect(self.on_run_finished)
        s.thread_finished.connect(self.on_run_finished)  # the run's thread is done: its network may be evaluated
        s.run_opened.connect(self.on_opened)
        self.confusion.evaluate_requested.connect(self.evaluate)
        self._follow_timeline()
        self.model_view.measure_requested.connect(self.measure)
        s.run_launched.connect(self._measure_unavailable)
        s.thread_finished.connect(self._measure_available)
        self.confusion.image_chosen.connect(self.probe_with)
        self._build_export_menu()
        s.run_started.connect(self.lesson.on_run_started)
        self.lesson.show_requested.connect(self.show_view)
        self._summary_timer.start()

    def _follow_timeline(self) -> None:
        """The Evaluation tab and the curves follow the window's one timeline; a paired lesson's partner
        is overlaid on the curves."""
        from .widgets.confusion_steps import ConfusionSteps

        s = self.session
        self.confusion_steps = ConfusionSteps(self.confusion, s, parent=self)
        curves = self.host.curves_view()
        if curves is None:
            return
        from .widgets.curve_cursor import StepCursor
        from .widgets.partner_curves import PartnerCurves

        self.cursor = StepCursor(curves, s.timeline, parent=self)
        self.partner = PartnerCurves(curves, s, s.core.presets if s.core is not None else [], runs_root,
                                     parent=self)

    @Slot(object)
    def on_preset(self, preset) -> None:
        """A preset chosen in the settings (``ConfigPanel.preset``): its lesson card, if it has one."""
        self.lesson.set_preset(preset)

    @Slot(str)
    def show_view(self, name: str) -> bool:
        """Bring the tab holding the widget named ``name`` (a view or a plot) to the front."""
        return self.host.show_view(name)

    def _build_export_menu(self) -> None:
        menu = self.host.file_menu()
        if menu is None:
            return
        bar = self.host.status_bar()
        if bar is not None:
            bar.insertPermanentWidget(0, self.export_busy)
        sub = QMenu(self.tr("&Export the run"), menu)
        sub.setObjectName("exportMenu")
        last = next((a for a in menu.actions() if a.objectName() == "quitSeparator"), None)
        if last is not None:
            menu.insertMenu(last, sub)  # Quit stays the last item
        else:
            menu.addMenu(sub)
        for fmt, label, _filter, _ext in EXPORTS:
            action = sub.addAction(QCoreApplication.translate("Export", label))
            action.triggered.connect(lambda _checked=False, f=fmt: self.export(f))
            self.export_actions[fmt] = action

    def _jobs(self):
        return self.session.jobs

    # ------------------------------------------------------------------------------- what is shown
    def shown_run(self):
        """(network, config, run folder, what) of the run on show with weights, or None."""
        s = self.session
        opened = s.opened
        if opened is not None:
            return opened.model, opened.config, Path(opened.dir), self.tr("the opened run {name}").format(
                name=Path(opened.dir).name)
        if s.is_running():
            return None
        trainer = s.trainer
        if trainer is None or trainer.model is None or not trainer.history:
            return None
        run_dir = trainer.run_dir
        return trainer.model, trainer.config, Path(run_dir) if run_dir else None, self.tr("the run just trained")

    # ------------------------------------------------------------------------------- Model tab
    @Slot()
    def update_summary(self) -> None:
        jobs = self._jobs()
        opened = self.session.opened
        if opened is not None:
            cfg, what = opened.config, self.tr("the opened run")
        else:
            cfg, what = self.session.current_config(), self.tr("your settings")
        if cfg is None or jobs is None:
            return
        from convscope.core.insight.summary import summarize

        jobs.submit("summary", lambda cancel, c=cfg: summarize(c),
                    lambda result, error, c=cfg, t=what: self._on_summary(c, t, result, error))
        key = (cfg.dataset, cfg.form if cfg.form == "d2l" else "native")
        jobs.submit("comparison", lambda cancel, k=key: self._comparison(k),
                    lambda result, error, c=cfg: self._on_comparison(c, result, error))

    def _shown_config(self):
        opened = self.session.opened
        return opened.config if opened is not None else self.session.current_config()

    @staticmethod
    def _comparison_key(cfg) -> tuple:
        return cfg.dataset, cfg.form if cfg.form == "d2l" else "native"

    @Slot()
    def measure(self) -> bool:
        """Measure what each layer of the network on show costs (a background job; never during a run)."""
        jobs, cfg = self._jobs(), self._shown_config()
        if jobs is None or cfg is None:
            return False
        if self.session.is_running():
            self._measure_unavailable()
            return False
        from convscope.core.insight.cost import measure

        from .runtime.jobs import post_to_gui

        view = self.model_view

        def progress(fraction, _text):
            post_to_gui(view.set_measure_progress, fraction)

        view.set_measure_progress(0.0)
        jobs.submit("measure", lambda cancel, c=cfg: measure(c, progress=progress, cancel=cancel),
                    lambda result, error, c=cfg: self._on_measured(c, result, error))
        return True

    def _on_measured(self, cfg, result, error) -> None:
        if error is not None or result is None:
            from convscope.core.base.training_flag import TrainingRunning
            from convscope.core.insight.cost import Cancelled

            if isinstance(error, (Cancelled, TrainingRunning)):
                text = self.tr("a run started; measure again when it has finished.")
            else:
                text = str(error).strip().splitlines()[0] if error else self.tr("no result")
            self.model_view.measure_failed(text)
            if self.session.is_running():
                self._measure_unavailable()
            return
        self.model_view.set_ledger(result)
        measured = self._measured.setdefault(self._comparison_key(cfg), {})
        measured[cfg.arch] = (result.ms_per_image, result.peak_bytes_per_image)
        if self._comparison_shown is not None:
            self._on_comparison(*self._comparison_shown, None)

    @Slot()
    def _measure_unavailable(self, *_args) -> None:
        self.model_view.set_measure_available(False, self.tr(
            "Measure waits until the run ends: it would share the processor with the training and time both "
            "wrongly."))

    @Slot()
    def _measure_available(self) -> None:
        if not self.session.is_running():
            self.model_view.set_measure_available(True)

    def _on_summary(self, cfg, what, result, error) -> None:
        if error is not None or result is None:
            self.model_view.title.setText(self.tr("No summary of this network: {error}").format(error=error))
            return
        self.model_view.set_summary(result, what)

    def _comparison(self, key):
        """(rows, rates, best) for the comparison table; runs in the jobs thread."""
        from convscope.core.insight.summary import compare
        from convscope.core.runs.listing import list_runs

        if key not in self._comparisons:
            self._comparisons[key] = compare(key[0], form=key[1])
        rows = self._comparisons[key]
        rates: dict[str, float] = {}
        best: dict[str, float] = {}
        try:
            runs = list_runs(runs_root())
        except OSError:
            runs = []
        for run in runs:
            if run.dataset != key[0] or not run.arch:
                continue
            if run.best_test_acc is not None:
                best[run.arch] = max(best.get(run.arch, 0.0), run.best_test_acc)
            speeds = [m.get("examples_per_s") for m in run.metrics if isinstance(m.get("examples_per_s"), (int, float))]
            if speeds:
                rates[run.arch] = max(rates.get(run.arch, 0.0), float(speeds[-1]))
        return rows, rates, best

    def _on_comparison(self, cfg, result, error) -> None:
        if error is not None or result is None:
            return
        self._comparison_shown = (cfg, result)
        rows, rates, best = result
        from .core_texts import core_text

        self.model_view.set_comparison(rows, rates, best, current=cfg.arch,
                                       dataset=core_text(cfg.info.display_name),
                                       measured=self._measured.get(self._comparison_key(cfg), {}))

    # ------------------------------------------------------------------------------- Evaluation tab
    def _evaluation_available(self) -> None:
        shown = self.shown_run()
        self.confusion.set_available(shown is not None, shown[3] if shown else "")

    @Slot()
    def evaluate(self) -> bool:
        shown, jobs = self.shown_run(), self._jobs()
        if shown is None or jobs is None:
            return False
        model, cfg, _run_dir, what = shown
        if self.session.opened is not None and cfg.dataset == "imagefolder":
            from convscope.core.runs.opened_run import FOLDER_NOT_READ

            self.confusion.failed(FOLDER_NOT_READ)  # never the folder a run from disk names
            return False
        from convscope.core.insight.analysis import analyse_network

        self.confusion.busy()
        jobs.submit("analysis", lambda cancel, m=model, c=cfg: analyse_network(m, c),
                    lambda result, error, t=what: self._on_analysis(t, result, error))
        return True

    def _on_analysis(self, what, result, error) -> None:
        if error is not None or result is None:
            self.confusion.failed(str(error).strip().splitlines()[0] if error else self.tr("no result"))
            return
        self.confusion.set_analysis(result, what[:1].upper() + what[1:])

    @Slot(object, int, str)
    def probe_with(self, image, label: int, source: str) -> None:
        """A test image clicked in the Evaluation tab: the inside views look at it."""
        internals = self.internals
        if internals is None or internals.probe is None:
            return
        internals.set_probe_image(image, label=label, source=source)
        if internals.views:
            self.host.show_tab(internals.views[0])

    # ------------------------------------------------------------------------------- runs, hints
    @Slot(object)
    def on_run_started(self, ev) -> None:
        self._epochs, self._hinted, self._batchnorm = [], set(), None
        self._run_config = getattr(ev, "config", None)
        self.confusion.clear()
        self.confusion.set_available(False)
        self._summary_timer.start()

    @Slot(object)
    def on_epoch_finished(self, ev) -> None:
        self._epochs.append(ev)
        cfg = self._run_config
        trainer = self.session.trainer
        if cfg is None or trainer is None or trainer.model is None:
            return
        from convscope.core.base.modeltools import has_batchnorm
        from convscope.core.insight.hints import curve_hints

        if self._batchnorm is None:
            self._batchnorm = has_batchnorm(trainer.model)
        for hint in curve_hints(self._epochs, cfg.info.num_classes, self._batchnorm,
                                int(trainer.global_step)):
            if hint.code in self._hinted:
                continue
            self._hinted.add(hint.code)
            title, text = hint_text(hint)
            self.session.notice.emit(Notice("info", title, text, tag=RUN_HINT))  # goes when another run is shown
            log.info("hint %s: %s", hint.code, hint.text)

    @Slot(object)
    def on_run_finished(self, _result=None) -> None:
        self._evaluation_available()

    @Slot(object)
    def on_opened(self, _run) -> None:
        self.confusion.clear()
        self._evaluation_available()
        self._summary_timer.start()

    # ------------------------------------------------------------------------------- export
    def export(self, fmt: str, path: str | None = None) -> bool:
        """Export the run on show as ``fmt`` (asks where, unless ``path``); the banner says how it went."""
        shown = self.shown_run()
        if shown is None or shown[2] is None:
            self.host.notify("info", self.tr("Nothing to export yet"),
                             self.tr("Train a run with 'Save the run' ticked, or open a saved run (File → Open "
                                     "run…), then export it."))
            return False
        _model, _cfg, run_dir, what = shown
        ext = next(e[3] for e in EXPORTS if e[0] == fmt)
        suggested = documents_folder() / f"{run_dir.name}{ext or '-tensorboard'}"  # not inside the runs folder
        path = path or choose_export_path(self.host.dialog_parent(), fmt, suggested)
        if not path:
            return False
        curves = self.host.curves_view()
        if fmt == "png" and curves is not None:  # the curves as the window draws them
            ok = curves.grab().save(path, "PNG")
            self._exported(fmt, {"output": path} if ok else None,
                           None if ok else OSError(self.tr("could not write {path}").format(path=path)))
            return ok
        jobs = self._jobs()
        if jobs is None:
            return False
        from convscope.core.runs.export import export

        # The save dialog asked before replacing a file; a folder's event files are never replaced unasked.
        from .i18n import current_language

        lang = "zh" if current_language().startswith("zh") else "en"  # a web page in the window's language
        key = f"export-{fmt}"
        self.export_busy.start(key, self.tr("Writing {name}…").format(name=Path(path).name))
        jobs.submit(key, lambda cancel, d=run_dir, f=fmt, p=path: export(d, f, p, f != "tensorboard", lang=lang),
                    lambda result, error, f=fmt: self._exported(f, result, error))
        return True

    def _exported(self, fmt: str, result, error) -> None:
        self.export_busy.done(f"export-{fmt}")
        if error is not None or result is None:
            self.host.notify("error", self.tr("Export failed"), str(error))
            return
        self.host.notify("success", self.tr("Exported"), self.tr("Wrote {path} ({fmt}).").format(
            path=result["output"], fmt=fmt))
