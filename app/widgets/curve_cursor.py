"""The timeline's step on the curves: a vertical line on both plots and the numbers of that step.

:class:`StepCursor` follows the session's timeline (``app.timeline``) for a :class:`CurvesPanel`: at step
*k* a dashed line stands at *k* / steps-per-epoch on both plots and a line under them gives the values
at *k* — the training loss and accuracy of that step (per-step values exist for a run trained in this
window; an opened run saved one value per epoch, at each epoch's last step), and the test values of the
last epoch evaluated by then. What is not known at *k* is said, never taken from another step. Live:
the line and the numbers go away.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Qt, Slot
from PySide6.QtWidgets import QLabel

CURSOR_COLOUR = (20, 60, 160)


def _at(series, x: float, tolerance: float) -> float | None:
    """The value of ``series`` at ``x`` (within ``tolerance``), or None."""
    i = series.nearest(x)
    if i is None or abs(series.x[i] - x) > tolerance:
        return None
    return float(series.y[i])


class StepCursor(QObject):
    def __init__(self, curves, timeline, parent: QObject | None = None):
        super().__init__(parent)
        self.curves, self.timeline = curves, timeline
        self.step: int | None = None
        self.values: dict = {}  # what the line under the plots says, by name (for tests and exports)
        self.lines = []
        for plot in (curves.loss_plot, curves.accuracy_plot):
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen(CURSOR_COLOUR, width=2, style=Qt.PenStyle.DashLine))
            line.setZValue(50)
            line.hide()
            plot.getPlotItem().addItem(line, ignoreBounds=True)
            self.lines.append(line)
        self.label = QLabel("")
        self.label.setObjectName("timelineReadout")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.hide()
        layout = curves.layout()
        layout.insertWidget(layout.indexOf(curves.readout), self.label)
        timeline.step_changed.connect(self.show_step)

    @Slot(object)
    def show_step(self, step) -> None:
        self.step = step
        if step is None:
            for line in self.lines:
                line.hide()
            self.values = {}
            self.label.hide()
            return
        epoch_x = self.timeline.epoch_of(step)
        self.values = {"step": step}
        if epoch_x is None:
            for line in self.lines:
                line.hide()
            self._say(QCoreApplication.translate(
                "Curves", "Step {step}: this run does not say how many steps an epoch has, so its curves "
                          "cannot be placed at that step.").format(step=f"{step:,}"))
            return
        for line in self.lines:
            line.setPos(epoch_x)
            line.show()
        self.values["epoch"] = epoch_x
        self._say(self.describe(step, epoch_x))

    def describe(self, step: int, x: float) -> str:
        c = self.curves
        spe = self.timeline.steps_per_epoch or 1.0
        half_step = 0.5 / spe
        parts = [QCoreApplication.translate("Curves", "<b>Step {step}</b> (epoch {epoch})").format(
            step=f"{step:,}", epoch=f"{x:.2f}")]
        loss, acc = _at(c.train_loss, x, half_step), _at(c.train_acc, x, half_step)
        how = QCoreApplication.translate("Curves", "that step")
        if loss is None:  # an opened run: one value per epoch, at the epoch's last step
            loss, acc = _at(c.train_loss_smooth, x, half_step), _at(c.train_acc_smooth, x, half_step)
            how = QCoreApplication.translate("Curves", "mean of the epoch that ends here")
        if loss is not None:
            self.values.update(train_loss=loss, train_acc=acc)
            text = QCoreApplication.translate("Curves", "train loss {loss} ({how})").format(loss=f"{loss:.4f}", how=how)
            if acc is not None:
                text += QCoreApplication.translate("Curves", " · train accuracy {acc} %").format(acc=f"{acc:.1f}")
            parts.append(text)
        else:
            parts.append(QCoreApplication.translate("Curves", "no training value recorded at this step"))
        done = math.floor(x + 1e-9)  # epochs finished by this step
        e = c.test_acc.nearest(done) if done >= 1 else None
        if e is not None and c.test_acc.x[e] > done:
            e = e - 1 if e > 0 else None
        if e is None:
            parts.append(QCoreApplication.translate("Curves", "no epoch evaluated yet"))
        else:
            ex = int(round(c.test_acc.x[e]))
            test_loss = _at(c.test_loss, float(ex), 1e-9)
            self.values.update(test_epoch=ex, test_acc=float(c.test_acc.y[e]), test_loss=test_loss)
            text = QCoreApplication.translate("Curves", "last evaluation, epoch {epoch}: test accuracy {acc} %").format(
                epoch=ex, acc=f"{c.test_acc.y[e]:.2f}")
            if test_loss is not None:
                text += QCoreApplication.translate("Curves", ", test loss {loss}").format(loss=f"{test_loss:.4f}")
            parts.append(text)
        return " &nbsp;|&nbsp; ".join(parts)

    def _say(self, text: str) -> None:
        self.label.setText(text)
        self.label.show()

    def refresh(self) -> None:
        """The curves changed (a new run, an opened one): place the line again."""
        self.show_step(self.timeline.step)
