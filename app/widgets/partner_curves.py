"""A paired lesson's partner on the curves: its latest run, dashed, beside the run on show.

Lessons that compare two runs (BatchNorm on/off, augmentation off/on, sigmoid/ReLU, shortcuts off/on)
name each other in their ``lesson`` part's ``pair`` (``core.setup.presets.Preset.pair``). When the run
trained or opened is such a lesson's experiment (its settings, see ``core.runs.listing.same_experiment``,
on the lesson's dataset or its offline sample), :class:`PartnerCurves` finds the newest run of the
partner lesson on the same dataset in the runs folder (``core.runs.listing.latest_like``) and draws its
per-epoch train and test loss and accuracy dashed on the curves, with a legend entry naming it. A run
that is no paired lesson's, or whose partner was never trained, shows no overlay.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Qt, Slot

from .curves import BLUE, GREEN, ORANGE, RED

log = logging.getLogger("convscope.gui")


def _dashed(colour):
    return pg.mkPen((*colour, 200), width=2, style=Qt.PenStyle.DashLine)


def short_lesson_name(name: str) -> str:
    """"Lesson: BatchNorm off — the same ResNet without it" → "BatchNorm off"."""
    for sep in ("：", ": "):
        if sep in name:
            name = name.split(sep, 1)[1]
    for sep in (" — ", "——", "—"):
        if sep in name:
            name = name.split(sep, 1)[0]
    return name.strip()


class PartnerCurves(QObject):
    """``curves``: the ``CurvesPanel``; ``presets``: ``core.setup.presets.Preset`` (the lessons among
    them); ``runs_root``: a callable giving the runs folder."""

    def __init__(self, curves, session, presets, runs_root, parent: QObject | None = None):
        super().__init__(parent)
        self.curves, self.session, self.runs_root = curves, session, runs_root
        self.lessons = {p.id: p for p in presets if p.lesson}
        self.lesson = None  # the paired lesson of the run on show
        self.partner = None  # core.runs.listing.RunSummary of the partner's run drawn, or None
        self.legend_text = ""
        self.items: list[tuple[object, pg.PlotDataItem]] = []  # (plot item, curve)
        session.run_launched.connect(self.on_run_launched)
        session.run_opened.connect(self.on_run_opened)

    # -- which lesson ------------------------------------------------------------------------------
    def lesson_of(self, config: dict):
        """The paired lesson whose experiment ``config`` (``TrainConfig.to_dict()``) is, or None."""
        from convscope.core.runs.listing import same_experiment

        found = []
        for lesson in self.lessons.values():
            if lesson.pair not in self.lessons:
                continue
            wanted = self._experiment(lesson, config["dataset"])
            if wanted is not None and same_experiment(config, wanted):
                found.append((wanted, lesson))
        # Two lessons may differ only in their epochs (which a run's "+1 epoch" changes): the one whose
        # epochs the run has, when there is one.
        exact = [lesson for wanted, lesson in found if wanted.get("epochs") == config.get("epochs")]
        return (exact or [lesson for _, lesson in found] or [None])[0]

    @staticmethod
    def _experiment(preset, dataset: str) -> dict | None:
        """The settings of ``preset`` trained on ``dataset`` (its own dataset or that one's offline sample),
        as ``TrainConfig.to_dict()`` gives them; None when ``dataset`` is neither."""
        from convscope.core.data.datasets import sample_of
        from convscope.core.setup.config import ConfigError, make_config

        values = dict(preset.config)
        own = values.pop("dataset", None)
        if dataset not in (own, sample_of(own or "")):
            return None
        try:
            return make_config(values.pop("arch"), dataset, **values).to_dict()
        except (ConfigError, KeyError, TypeError, ValueError):
            return None

    # -- the run on show ---------------------------------------------------------------------------
    @Slot(object, object, bool)
    def on_run_launched(self, trainer, _epochs, new_run: bool) -> None:
        if new_run:
            self.show_for(trainer.config.to_dict(), exclude=trainer.run_dir)

    @Slot(object)
    def on_run_opened(self, run) -> None:
        self.show_for(run.config.to_dict(), exclude=run.dir)

    def show_for(self, config: dict, exclude=None) -> None:
        """Overlay the partner of the lesson whose experiment ``config`` is (nothing when there is none)."""
        from convscope.core.runs.listing import latest_like, read_metrics_lines

        self.clear()
        lesson = self.lesson_of(config)
        if lesson is None:
            return
        partner = self.lessons[lesson.pair]
        wanted = self._experiment(partner, config["dataset"])
        if wanted is None:
            return
        try:
            row = latest_like(self.runs_root(), wanted, exclude=[exclude] if exclude else [])
            records = read_metrics_lines(row.path) if row is not None else []
        except (OSError, ValueError) as exc:
            log.warning("could not read the paired lesson's run: %s", exc)
            return
        if row is None or not records:
            return
        self.lesson = lesson
        self.draw(partner, row, records)

    def draw(self, partner, row, records) -> None:
        from convscope.core.runs.listing import curve

        from .lesson_card import preset_text

        name = short_lesson_name(preset_text(partner.to_json(), "name"))
        self.legend_text = QCoreApplication.translate("Curves", "{lesson}, dashed: run {run}").format(
            lesson=name, run=row.name)
        c = self.curves
        loss_item, acc_item = c.loss_plot.getPlotItem(), c.accuracy_plot.getPlotItem()
        for plot, legend, key, colour, scale, named in (
                (loss_item, c.loss_legend, "train_loss", BLUE, 1.0, False),
                (loss_item, c.loss_legend, "test_loss", RED, 1.0, True),
                (acc_item, c.acc_legend, "train_acc", GREEN, 100.0, False),
                (acc_item, c.acc_legend, "test_acc", ORANGE, 100.0, True)):
            xs, ys = curve(records, key)
            if not xs:
                continue
            item = pg.PlotDataItem(np.asarray(xs, float), np.asarray(ys, float) * scale, pen=_dashed(colour))
            item.setZValue(-5)  # behind the run on show
            plot.addItem(item)
            if named:
                legend.addItem(item, self.legend_text)
            self.items.append((plot, item))
        self.partner = row
        log.info("overlaying %s (%s) on the curves", row.name, partner.id)

    def clear(self) -> None:
        c = self.curves
        for plot, item in self.items:
            for legend in (c.loss_legend, c.acc_legend):
                legend.removeItem(item)
            plot.removeItem(item)
        self.items, self.partner, self.lesson, self.legend_text = [], None, None, ""

    def partner_dir(self) -> Path | None:
        return self.partner.path if self.partner is not None else None
