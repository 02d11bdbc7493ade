"""Four stacked bars — parameters, FLOPs, time, memory — each split by the kind of layer that holds the share.

One glance shows the point of the notes' comparison: AlexNet's fully connected layers hold most of its
parameters but a small part of its time; its convolutions hold a few percent of the parameters and most of
the time. The shares come from the cost ledger (``core.insight.cost.CostLedger``, plain numbers).
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

# The kinds of layer, in the order the segments are drawn: (key, colour).
GROUPS = (("conv", QColor("#4c78a8")), ("fc", QColor("#f58518")), ("norm", QColor("#54a24b")),
          ("other", QColor("#b8b8b8")))
MEASURES = ("params", "flops", "time", "memory")


def group_of(kind: str) -> str:
    if kind.startswith("Conv"):
        return "conv"
    if kind == "Linear":
        return "fc"
    if "Norm" in kind:
        return "norm"
    return "other"


def group_shares(ledger) -> dict[str, dict[str, float]]:
    """{measure: {group: share}} of a cost ledger's rows (each measure's shares add up to 1, or all 0)."""
    out = {}
    for measure in MEASURES:
        shares = {key: 0.0 for key, _ in GROUPS}
        for row in ledger.rows:
            shares[group_of(row.kind)] += ledger.share(row, measure)
        out[measure] = shares
    return out


class ShareBars(QWidget):
    """``set_shares({measure: {group: share}})``; empty until then."""

    BAR, GAP, LABEL_W = 18, 6, 150

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("costShareBars")
        self.shares: dict[str, dict[str, float]] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self._height())
        self.measure_names = {"params": self.tr("parameters"), "flops": self.tr("FLOPs"),
                              "time": self.tr("time (forward + backward)"),
                              "memory": self.tr("kept for backward")}
        self.group_names = {"conv": self.tr("convolutions"), "fc": self.tr("fully connected"),
                            "norm": self.tr("batch norm"), "other": self.tr("pooling, activations, other")}

    def _height(self) -> int:
        return len(MEASURES) * (self.BAR + self.GAP) + 24

    def sizeHint(self) -> QSize:
        return QSize(600, self._height())

    def set_shares(self, shares: dict[str, dict[str, float]]) -> None:
        self.shares = shares
        self.update()

    def clear(self) -> None:
        self.set_shares({})

    def paintEvent(self, _event) -> None:
        if not self.shares:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        label_w = max(self.LABEL_W, 12 + max(p.fontMetrics().horizontalAdvance(t) for t in self.measure_names.values()))
        width = max(10, self.width() - label_w - 8)
        text_pen = QPen(self.palette().windowText().color())
        for i, measure in enumerate(MEASURES):
            y = i * (self.BAR + self.GAP)
            p.setPen(text_pen)
            p.drawText(QRectF(0, y, label_w - 6, self.BAR),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), self.measure_names[measure])
            x = float(label_w)
            for key, colour in GROUPS:
                w = width * self.shares.get(measure, {}).get(key, 0.0)
                if w <= 0:
                    continue
                p.fillRect(QRectF(x, y, w, self.BAR), colour)
                if w > 34:
                    p.setPen(QPen(QColor("white")))
                    p.drawText(QRectF(x, y, w, self.BAR), int(Qt.AlignmentFlag.AlignCenter),
                               f"{100 * self.shares[measure][key]:.0f} %")
                x += w
        y = len(MEASURES) * (self.BAR + self.GAP)
        x = float(label_w)
        for key, colour in GROUPS:  # the legend
            p.fillRect(QRectF(x, y + 4, 10, 10), colour)
            p.setPen(text_pen)
            label = self.group_names[key]
            p.drawText(QRectF(x + 14, y, 400, 18), int(Qt.AlignmentFlag.AlignVCenter), label)
            x += 14 + p.fontMetrics().horizontalAdvance(label) + 16
        p.end()
