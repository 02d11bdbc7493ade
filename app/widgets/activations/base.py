"""The frame every inside view shares: layer picker, probe image, drawing area, explanation, timeline."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from convscope.app.widgets.banner import Banner
from convscope.core.training.introspect import ModelLayers

from ._common import (
    PRED_COLOUR,
    TRUE_COLOUR,
    TimedGraphicsLayoutWidget,
    _explanation,
    _fmt_class,
    _set_text,
    layer_label_text,
    log,
    source_text,
)
from .bars import SampleBar, TimelineBar

PROBLEM_TITLE = QT_TRANSLATE_NOOP("InsideViews", "Could not look inside the network")


class InsideView(QWidget):
    """Common frame: header (layer picker, probe image), drawing area, explanation, a message strip for
    probe failures (hidden otherwise), caption, timeline."""

    wanted_changed = Signal()
    TITLE = ""
    EXPLANATION = ""
    LAYER_KIND = ""  # "feature", "1x1", "gap" or "" (no layer picker)
    NOTES: dict[str, str] = {}  # model family → what this view shows of it ({network}: its name)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layers = ModelLayers()
        self.snapshot = None
        self.shown_seq = -1  # seq of the snapshot drawn (-1: none)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        header = QHBoxLayout()
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName(f"{self.objectName() or type(self).__name__}LayerCombo")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.layer_combo.setMinimumContentsLength(24)
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        self.layer_label = QLabel(QCoreApplication.translate("InsideViews", "Layer:"))
        if self.LAYER_KIND:
            header.addWidget(self.layer_label)
            header.addWidget(self.layer_combo)
        else:
            self.layer_combo.hide()
        self.header_extra = QHBoxLayout()
        header.addLayout(self.header_extra)
        header.addStretch(1)
        self.samples = SampleBar()
        header.addWidget(self.samples)
        outer.addLayout(header)
        body = QHBoxLayout()
        self.stack = QStackedWidget()
        self.graphics = TimedGraphicsLayoutWidget()
        self.graphics.setMinimumSize(360, 260)
        self.graphics.ci.setContentsMargins(4, 4, 4, 4)
        self.placeholder = QLabel(QCoreApplication.translate(
            "InsideViews", "Start training to see inside the network."))
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack.addWidget(self.graphics)
        self.stack.addWidget(self.placeholder)
        body.addWidget(self.stack, 1)
        self.explanation = _explanation(self.explanation_text())
        body.addWidget(self.explanation)
        outer.addLayout(body, 1)
        # Why the pictures stopped updating, when the probe fails (hidden otherwise).
        self.problem = Banner()
        self.problem.message.setTextFormat(Qt.PlainText)
        self.problem_text = ""
        outer.addWidget(self.problem)
        self.info = QLabel("")
        self.info.setObjectName("viewInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.info.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        # A fixed height: a longer text must not resize (and so repaint) the drawing area.
        self.info.setFixedHeight(3 * self.info.fontMetrics().lineSpacing() + 4)
        outer.addWidget(self.info)
        self.timeline = TimelineBar()
        outer.addWidget(self.timeline)
        self.build()
        self.show_placeholder(QCoreApplication.translate("InsideViews", "Start training to see inside the network."))

    # -- for subclasses ----------------------------------------------------------------------------
    def build(self) -> None:
        """Create the graphics items."""

    def draw(self, snap) -> None:
        """Draw ``snap`` (a ``core.insight.probe.Snapshot``)."""

    def layer_choices(self, layers: ModelLayers) -> list[tuple[str, str]]:
        return []

    def no_layers_message(self, layers: ModelLayers) -> str:
        return QCoreApplication.translate(
            "InsideViews", "{network} has no layer of this kind.").format(network=layers.display_name)

    def title(self) -> str:
        """The view's tab title, in the window's language."""
        return QCoreApplication.translate("InsideViews", self.TITLE)

    def explanation_text(self) -> str:
        """The explanation beside the view (rich text), in the window's language."""
        return QCoreApplication.translate(
                "InsideViews", self.EXPLANATION).format(true_colour=TRUE_COLOUR, pred_colour=PRED_COLOUR)

    def note_text(self, layers: ModelLayers) -> str:
        """What this view shows of the network ``layers`` describes, by its family (``NOTES``), or ""."""
        from convscope.core.models import get_spec

        try:
            family = get_spec(layers.arch).family
        except Exception:  # noqa: BLE001 - a network the registry does not know: no note
            return ""
        note = self.NOTES.get(family)
        return QCoreApplication.translate("InsideViews", note).format(network=layers.display_name) if note else ""

    # -- public ------------------------------------------------------------------------------------
    def is_live(self) -> bool:
        """Whether the view is on screen (a hidden view costs nothing: nothing is probed for it)."""
        if not self.isVisible():
            return False
        win = self.window()
        return not (win is not None and win.isMinimized())

    @property
    def layer(self) -> str | None:
        data = self.layer_combo.currentData()
        return data if isinstance(data, str) and data else None

    def wanted(self) -> set[tuple[str, str]]:
        """The (module, kind) pairs this view needs from the probe."""
        layer = self.layer
        return {(layer, self.LAYER_KIND)} if (layer and self.LAYER_KIND) else set()

    def wants_output(self) -> bool:
        return False

    def set_model(self, layers: ModelLayers) -> None:
        self.layers = layers
        note = self.note_text(layers)
        self.explanation.setText(self.explanation_text() + (
            "<br><br><b>" + QCoreApplication.translate("InsideViews", "In {network}:").format(
                network=layers.display_name) + "</b> " + note if note else ""))
        self.snapshot, self.shown_seq = None, -1
        choices = self.layer_choices(layers)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for module, label in choices:
            label = layer_label_text(label)
            self.layer_combo.addItem(label if module in label else f"{label}  [{module}]", module)
            self.layer_combo.setItemData(self.layer_combo.count() - 1, module, Qt.ToolTipRole)
        self.layer_combo.blockSignals(False)
        if self.LAYER_KIND:
            self.layer_combo.setVisible(bool(choices))
            self.layer_label.setVisible(bool(choices))
        if self.LAYER_KIND and not choices:
            self.show_placeholder(self.no_layers_message(layers))
        else:
            self.show_placeholder(QCoreApplication.translate(
                "InsideViews", "{network}: waiting for the first snapshot…").format(network=layers.display_name))
        self.wanted_changed.emit()

    def show_placeholder(self, text: str) -> None:
        _set_text(self.info, "")  # the caption described what is no longer shown (another model or layer)
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def show_problem(self, message: str, detail: str = "") -> None:
        """Say that looking inside failed: ``message`` under the title "Could not look inside the network"
        (``detail``, e.g. the whole error, as its tooltip); "" hides it."""
        title = QCoreApplication.translate("InsideViews", PROBLEM_TITLE)
        self.problem_text = f"{title}: {message}" if message else ""
        if not message:
            self.problem.dismiss()
            return
        self.problem.show_message("warning", QCoreApplication.translate("InsideViews", PROBLEM_TITLE), message)
        self.problem.setToolTip(detail)

    def show_snapshot(self, snap) -> None:
        self.snapshot = snap
        self.shown_seq = snap.seq if snap is not None else -1
        if snap is None:
            return
        if self.LAYER_KIND and self.layer_combo.count() == 0:
            self.show_placeholder(self.no_layers_message(self.layers))
            return
        try:
            missing = self.draw(snap)
        except Exception:  # noqa: BLE001 - a drawing bug must not take the window down
            log.exception("could not draw snapshot %s in %s", snap.seq, type(self).__name__)
            self.show_placeholder(QCoreApplication.translate(
                "InsideViews", "Could not draw this snapshot (see the log)."))
            return
        if missing:
            self.show_placeholder(missing)
        else:
            self.stack.setCurrentWidget(self.graphics)

    def image_items(self) -> list[pg.ImageItem]:
        return [item for item in self.graphics.scene().items() if isinstance(item, pg.ImageItem)]

    @Slot(int)
    def _layer_changed(self, _index: int) -> None:
        self.wanted_changed.emit()
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    def _caption(self, snap) -> str:
        names = snap.class_names
        pred = snap.predicted
        p = float(snap.probs[pred]) if 0 <= pred < len(snap.probs) else float("nan")
        label = QCoreApplication.translate(
            "InsideViews", "true {name} · ").format(name=_fmt_class(names,
                                                                    snap.label)) if snap.label is not None else ""
        return QCoreApplication.translate("InsideViews", "{source}<br>{true}predicted {name} ({p})").format(
            source=source_text(snap.source), true=label, name=_fmt_class(names, pred), p=f"{p:.0%}")
