"""The augmentation settings: a checkbox per augmentation, each with its parameter, and a warning line.

The names, parameters, ranges and texts come from ``core.data.augment_spec`` (torch-free), in the window's
language through ``app.core_texts``: each checkbox's tooltip says what the augmentation does and on which
datasets it is safe or breaks the labels (a vertical flip turns a 6 into a 9). :meth:`AugmentBox.spec` gives the
``TrainConfig.augment`` text of the boxes
ticked (``"hflip=0.5,crop=4"``), :meth:`AugmentBox.set_spec` shows one. For the dataset chosen
(:meth:`AugmentBox.set_dataset`) the warning line names the ticked augmentations that break its labels.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from convscope.core.data import augment_spec as S

from ..core_texts import augment_description, augment_label_warning, core_text

WARNING_STYLE = "color: #a84300;"  # amber, as the preset notes


def _object_name(name: str, suffix: str) -> str:
    """``augmentHflipCheck``, ``augmentRot90Param``…"""
    return f"augment{name[:1].upper()}{name[1:]}{suffix}"


def _unit(aug: S.Augmentation) -> str:
    """The parameter's unit in the window's language ("px", "°", "" for a probability)."""
    return QCoreApplication.translate("AugmentBox", "px") if aug.unit == "px" else aug.unit


class AugmentBox(QWidget):
    """One row per augmentation of the catalogue: [x] name  [parameter]. Emits ``changed``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("augmentBox")
        self.checks: dict[str, QCheckBox] = {}
        self.params: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self._info = None
        self._loading = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        for n, aug in enumerate(S.CATALOGUE):
            check = QCheckBox(core_text(aug.label))
            check.setObjectName(_object_name(aug.name, "Check"))
            param = self._param_box(aug)
            param.setObjectName(_object_name(aug.name, "Param"))
            its = self.tr("Its {param}: {range}.").format(param=core_text(aug.param), range=self._range_text(aug))
            tip = f"<p>{html.escape(augment_description(aug.name))}</p><p>{html.escape(its)}</p>"
            for w in (check, param):
                w.setToolTip(tip)
            param.setEnabled(False)
            check.toggled.connect(param.setEnabled)
            check.toggled.connect(self._emit_changed)
            param.valueChanged.connect(self._emit_changed)
            grid.addWidget(check, n, 0)
            grid.addWidget(param, n, 1)
            self.checks[aug.name], self.params[aug.name] = check, param
        grid.setColumnStretch(0, 1)
        outer.addLayout(grid)
        self.warning = QLabel()
        self.warning.setObjectName("augmentWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning.hide()
        outer.addWidget(self.warning)

    @staticmethod
    def _param_box(aug: S.Augmentation):
        if aug.integer:
            box = QSpinBox()
            box.setRange(int(aug.low), int(aug.high))
        else:
            box = QDoubleSpinBox()
            box.setDecimals(2 if aug.unit == "" else 1)
            box.setRange(aug.low, aug.high)
            box.setSingleStep(0.1 if aug.unit == "" else 5.0)
        if aug.unit:
            box.setSuffix(f" {_unit(aug)}" if aug.unit == "px" else aug.unit)
        else:
            box.setPrefix(QCoreApplication.translate("AugmentBox", "p = "))
        box.setValue(aug.default)
        box.setKeyboardTracking(False)
        return box

    @staticmethod
    def _range_text(aug: S.Augmentation) -> str:
        unit = f" {_unit(aug)}" if aug.unit else ""
        return QCoreApplication.translate("AugmentBox", "{low} to {high}{unit}, default {default}{unit}").format(
            low=f"{aug.low:g}", high=f"{aug.high:g}", default=f"{aug.default:g}", unit=unit)

    # -- values ------------------------------------------------------------------------------------
    def spec(self) -> str:
        """The ``TrainConfig.augment`` text of the ticked boxes ("" none)."""
        return S.format_spec({name: self.params[name].value() for name, check in self.checks.items()
                              if check.isChecked()})

    def set_spec(self, text) -> None:
        """Tick the augmentations of ``text`` (any form ``core.data.augment_spec`` reads), untick the rest. A
        text it cannot read unticks everything (a settings file edited by hand)."""
        try:
            values = S.parse(text or "")
        except S.AugmentError:
            values = {}
        self._loading += 1
        try:
            for name, check in self.checks.items():
                check.setChecked(name in values)
                self.params[name].setValue(values.get(name, S.BY_NAME[name].default))
        finally:
            self._loading -= 1
        self._update_warning()

    def set_shift(self, pixels) -> None:
        """The old random-shift setting: the translate box, ticked for a shift of 1 px or more."""
        values = S.parse(self.spec())
        values.pop("translate", None)
        if pixels:
            values["translate"] = int(pixels)
        self.set_spec(S.format_spec(values))

    def set_dataset(self, info) -> None:
        """The dataset chosen (a ``DatasetInfo`` or None): what the warning line says depends on it."""
        self._info = info
        self._update_warning()

    def warning_text(self) -> str:
        return self.warning.text() if not self.warning.isHidden() else ""

    def _update_warning(self) -> None:
        text = augment_label_warning(self.spec(), self._info, run=False) if self._info is not None else ""
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    def _emit_changed(self, *args) -> None:
        if self._loading:
            return
        self._update_warning()
        self.changed.emit()
