"""Spin boxes for values that span decades (learning rate, weight decay) or powers of two (batch size), and
a guard that keeps the mouse wheel from changing a field the pointer merely passes over."""
from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QWidget


def _nice_steps(lo_exp: int = -9, hi_exp: int = 3) -> list[float]:
    """1, 2, 5 × 10^k: the values a student would type."""
    out = []
    for e in range(lo_exp, hi_exp + 1):
        for m in (1, 2, 5):
            out.append(float(f"{m}e{e}"))
    return out


class LogSpinBox(QDoubleSpinBox):
    """A number typed freely (``0.001``, ``1e-3``, ``3e-4``) whose arrows walk 1 → 2 → 5 → 10.

    Shown with ``%g`` so 0.0001 reads as ``0.0001`` and 1e-05 as ``1e-05``, never as ``0.000``. With
    ``allow_zero`` the arrows step from the smallest value down to 0 (weight decay off).
    """

    def __init__(self, parent=None, minimum: float = 0.0, maximum: float = 10.0, allow_zero: bool = False):
        super().__init__(parent)
        self.allow_zero = allow_zero
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(True)
        self._steps = [v for v in _nice_steps() if minimum <= v <= maximum]

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt API)
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        t = text.strip().replace(",", ".")
        if t == "":
            return QValidator.State.Intermediate, text, pos
        try:
            v = float(t)
        except ValueError:
            # Partial input such as "1e" or "1e-" or "." is fine while typing.
            if all(ch in "0123456789.eE+-" for ch in t):
                return QValidator.State.Intermediate, text, pos
            return QValidator.State.Invalid, text, pos
        if not math.isfinite(v) or v > self.maximum():
            return QValidator.State.Intermediate, text, pos
        if v < self.minimum():
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:  # noqa: N802
        v = self.value()
        ladder = ([0.0] if self.allow_zero else []) + self._steps
        if not ladder:
            return super().stepBy(steps)
        if steps > 0:
            bigger = [s for s in ladder if s > v * (1 + 1e-9) and s > v]
            idx = ladder.index(bigger[0]) + steps - 1 if bigger else len(ladder) - 1
        else:
            smaller = [s for s in ladder if s < v * (1 - 1e-9) or (v > 0 and s == 0.0)]
            idx = ladder.index(smaller[-1]) + steps + 1 if smaller else 0
        idx = max(0, min(len(ladder) - 1, idx))
        self.setValue(ladder[idx])

    def stepEnabled(self):  # noqa: N802
        return QDoubleSpinBox.StepEnabledFlag.StepUpEnabled | QDoubleSpinBox.StepEnabledFlag.StepDownEnabled


class PowerOfTwoSpinBox(QSpinBox):
    """Any whole number may be typed; the arrows double and halve (16 → 32 → 64)."""

    def stepBy(self, steps: int) -> None:  # noqa: N802
        v = max(1, self.value())
        if steps > 0:
            nxt = 1 << (v.bit_length() if v & (v - 1) == 0 else v.bit_length())
            for _ in range(steps - 1):
                nxt *= 2
        else:
            nxt = 1 << (v.bit_length() - 1)
            if nxt == v:
                nxt //= 2
            for _ in range(-steps - 1):
                nxt //= 2
        self.setValue(max(self.minimum(), min(self.maximum(), max(1, nxt))))


class WheelGuard(QObject):
    """Scrolling the settings column must not change the learning rate the pointer passes over: a field
    takes the wheel only once clicked into (focused); otherwise the wheel scrolls the column."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            event.ignore()  # ignored: Qt hands it to the parents, up to the scroll area
            return True
        return False


def guard_wheel(widgets, parent: QObject) -> WheelGuard:
    """Install one :class:`WheelGuard` (owned by ``parent``) on ``widgets``; the wheel no longer focuses them."""
    guard = WheelGuard(parent)
    for widget in widgets:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(guard)
    return guard
