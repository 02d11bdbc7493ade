"""The group boxes of the settings panel (:class:`app.widgets.config_panel.ConfigPanel`), one builder each.

Every builder makes its box's fields as attributes of the panel (``p.arch_combo``…) and returns the box;
their texts are translated in the panel's context ("ConfigPanel").
"""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolButton,
    QVBoxLayout,
)

from convscope.core.setup.config import ACTIVATIONS, DEVICES, OPTIMIZERS, SCHEDULES

from .augment_box import AugmentBox
from .spinboxes import LogSpinBox, PowerOfTwoSpinBox

FAMILY_ORDER = ("LeNet", "AlexNet", "VGG", "NiN", "GoogLeNet", "ResNet")
# Display labels of core.setup.config's choices (name → label).
OPTIMIZER_LABELS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}
SCHEDULE_LABELS = {"constant": QT_TRANSLATE_NOOP("ConfigPanel", "constant"),
                   "step": QT_TRANSLATE_NOOP("ConfigPanel", "step (÷10 at 50 % and 75 %)"),
                   "cosine": QT_TRANSLATE_NOOP("ConfigPanel", "cosine decay"),
                   "onecycle": QT_TRANSLATE_NOOP("ConfigPanel", "one-cycle (warm up, then decay)")}
DEVICE_LABELS = {"auto": QT_TRANSLATE_NOOP("ConfigPanel", "auto"), "cpu": "CPU",
                 "cuda": "GPU", "mps": "MPS"}  # replaced by the hardware's names (populate)
ACTIVATION_LABELS = {"relu": "ReLU", "sigmoid": QT_TRANSLATE_NOOP("ConfigPanel", "sigmoid (1998)")}
FORM_LABELS = {"native": QT_TRANSLATE_NOOP("ConfigPanel", "native ({side}×{side} px)"),
               "d2l": QT_TRANSLATE_NOOP("ConfigPanel", "d2l resize ({d2l}×{d2l} px)")}
NOTE_STYLE = "color: #a84300;"  # amber: a note about a preset (e.g. it trains on the offline sample)
NETWORK_DEFAULT = (QT_TRANSLATE_NOOP(
    "ConfigPanel", "network default"), None)  # the first item of an option's box: the network's own choice
OPTION_NAMES = {"width": QT_TRANSLATE_NOOP(
    "ConfigPanel", "width multiplier"), "batchnorm": QT_TRANSLATE_NOOP(
    "ConfigPanel", "BatchNorm"),
                "dropout": QT_TRANSLATE_NOOP("ConfigPanel", "dropout"),
                "shortcut": QT_TRANSLATE_NOOP("ConfigPanel", "skip connections"),
                "factorize": QT_TRANSLATE_NOOP("ConfigPanel", "1×n + n×1 convolutions"),
                "activation": QT_TRANSLATE_NOOP("ConfigPanel", "activation choice")}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ConfigPanel", text)



def choices(names, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(label, name) for each of core's ``names``, in core's order; a name without a label shows itself."""
    return [(_tr(labels.get(name, name)), name) for name in names]


class FittingCombo(QComboBox):
    """A combo box as narrow as the column: its text ends in "…" where the box is too narrow (never cut at
    the column's edge), and its list opens as wide as its longest item."""

    def __init__(self):
        super().__init__()
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)

    def paintEvent(self, _event) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        room = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, self).width()
        option.currentText = self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight,
                                                           room - 4)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def showPopup(self) -> None:  # noqa: N802
        view = self.view()
        view.setMinimumWidth(min(view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width() + 8,
                                 self.screen().availableGeometry().width() if self.screen() else 1000))
        super().showPopup()


def _combo(name: str, items=()) -> QComboBox:
    box = FittingCombo()
    box.setObjectName(name)
    for text, data in items:
        box.addItem(_tr(text), data)
    return box


def _form_box(title: str) -> tuple[QGroupBox, QFormLayout]:
    """A group box titled ``title`` whose form lets its fields grow with the column."""
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return box, form


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("hint", True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def build_preset_box(p) -> QGroupBox:
    """Presets: its fields become attributes of the panel ``p``."""
    box = QGroupBox(QCoreApplication.translate("ConfigPanel", "Start from a preset"))
    lay = QVBoxLayout(box)
    p.preset_combo = _combo("presetCombo")
    p.preset_info = _hint()
    p.preset_info.setObjectName("presetInfo")
    p.preset_note = _hint()
    p.preset_note.setObjectName("presetNote")
    p.preset_note.setStyleSheet(NOTE_STYLE)
    p.preset_note.hide()
    lay.addWidget(p.preset_combo)
    lay.addWidget(p.preset_info)
    lay.addWidget(p.preset_note)
    return box


def build_network_box(p) -> QGroupBox:
    """Network: its fields become attributes of the panel ``p``."""
    box, form = _form_box(QCoreApplication.translate("ConfigPanel", "Network"))
    p.arch_combo = _combo("archCombo")
    p.arch_combo.setModel(QStandardItemModel(p.arch_combo))
    p.arch_combo.setMaxVisibleItems(20)
    p.arch_info = _hint()
    p.arch_info.setObjectName("archInfo")
    p.form_combo = _combo("formCombo")
    p.width_spin = QDoubleSpinBox()
    p.width_spin.setObjectName("widthSpin")
    p.width_spin.setRange(0.05, 4.0)
    p.width_spin.setDecimals(2)
    p.width_spin.setSingleStep(0.25)
    p.width_spin.setValue(1.0)
    on_off = [NETWORK_DEFAULT, (QCoreApplication.translate("ConfigPanel", "on"), True),
              (QCoreApplication.translate("ConfigPanel", "off"), False)]
    p.batchnorm_combo = _combo("batchnormCombo", on_off)
    p.dropout_spin = QDoubleSpinBox()
    p.dropout_spin.setObjectName("dropoutSpin")
    p.dropout_spin.setRange(-0.05, 0.95)
    p.dropout_spin.setSingleStep(0.05)
    p.dropout_spin.setDecimals(2)
    p.dropout_spin.setSpecialValueText(QCoreApplication.translate("ConfigPanel", "network default"))
    p.dropout_spin.setValue(-0.05)
    p.shortcut_combo = _combo("shortcutCombo", on_off)
    # Only the Inception networks have it: the row is shown for the networks that take it.
    p.factorize_combo = _combo("factorizeCombo", on_off)
    p.factorize_label = QLabel(QCoreApplication.translate("ConfigPanel", "1×n + n×1 convolutions"))
    p.activation_combo = _combo("activationCombo",
                                   [NETWORK_DEFAULT, *choices(ACTIVATIONS, ACTIVATION_LABELS)])
    form.addRow(QCoreApplication.translate("ConfigPanel", "Architecture"), p.arch_combo)
    form.addRow(p.arch_info)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Input size"), p.form_combo)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Width"), p.width_spin)
    form.addRow(QCoreApplication.translate("ConfigPanel", "BatchNorm"), p.batchnorm_combo)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Dropout"), p.dropout_spin)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Skip connections"), p.shortcut_combo)
    form.addRow(p.factorize_label, p.factorize_combo)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Activation"), p.activation_combo)
    return box


def build_data_box(p) -> QGroupBox:
    """Data: its fields become attributes of the panel ``p``."""
    box, form = _form_box(QCoreApplication.translate("ConfigPanel", "Data"))
    p.dataset_combo = _combo("datasetCombo")
    p.dataset_info = _hint()
    p.dataset_info.setObjectName("datasetInfo")
    row = QHBoxLayout()
    p.data_root_edit = QLineEdit()
    p.data_root_edit.setObjectName("dataRootEdit")
    p.data_root_edit.setPlaceholderText(QCoreApplication.translate("ConfigPanel", "default folder"))
    browse = QToolButton()
    browse.setText("…")
    browse.setToolTip(QCoreApplication.translate("ConfigPanel", "Choose a data folder"))
    browse.clicked.connect(p._browse_data_root)
    row.addWidget(p.data_root_edit)
    row.addWidget(browse)
    p.subset_spin = QSpinBox()
    p.subset_spin.setObjectName("subsetSpin")
    p.subset_spin.setRange(0, 10_000_000)
    p.subset_spin.setSingleStep(500)
    p.subset_spin.setSpecialValueText(QCoreApplication.translate("ConfigPanel", "all training images"))
    p.subset_spin.setSuffix(QCoreApplication.translate("ConfigPanel", " images"))
    form.addRow(QCoreApplication.translate("ConfigPanel", "Dataset"), p.dataset_combo)
    form.addRow(p.dataset_info)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Data folder"), row)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Train on"), p.subset_spin)
    return box


def build_augment_group(p) -> QGroupBox:
    """Augmentation (``core.data.augment_spec``: the names, parameters and where each breaks labels): its
    fields become attributes of the panel ``p``."""
    box = QGroupBox(QCoreApplication.translate("ConfigPanel", "Augment the training images"))
    p.augment_box = AugmentBox()
    QVBoxLayout(box).addWidget(p.augment_box)
    return box


def build_training_box(p) -> QGroupBox:
    """Training: its fields become attributes of the panel ``p``."""
    box, form = _form_box(QCoreApplication.translate("ConfigPanel", "Training"))
    p.epochs_spin = QSpinBox()
    p.epochs_spin.setObjectName("epochsSpin")
    p.epochs_spin.setRange(0, 10_000)
    p.batch_spin = PowerOfTwoSpinBox()
    p.batch_spin.setObjectName("batchSizeSpin")
    p.batch_spin.setRange(0, 65_536)
    p.optimizer_combo = _combo("optimizerCombo", choices(OPTIMIZERS, OPTIMIZER_LABELS))
    p.lr_spin = LogSpinBox(minimum=0.0, maximum=100.0)
    p.lr_spin.setObjectName("lrSpin")
    p.momentum_spin = QDoubleSpinBox()
    p.momentum_spin.setObjectName("momentumSpin")
    p.momentum_spin.setRange(0.0, 0.999)
    p.momentum_spin.setDecimals(3)
    p.momentum_spin.setSingleStep(0.05)
    p.momentum_label = QLabel(QCoreApplication.translate("ConfigPanel", "Momentum"))
    p.wd_spin = LogSpinBox(minimum=0.0, maximum=0.99, allow_zero=True)
    p.wd_spin.setObjectName("weightDecaySpin")
    p.schedule_combo = _combo("scheduleCombo", choices(SCHEDULES, SCHEDULE_LABELS))
    p.seed_spin = QSpinBox()
    p.seed_spin.setObjectName("seedSpin")
    p.seed_spin.setRange(0, 2_147_483_647)
    p.device_combo = _combo("deviceCombo", choices(DEVICES, DEVICE_LABELS))
    p.save_check = QCheckBox(QCoreApplication.translate("ConfigPanel", "Save the run (weights and metrics)"))
    p.save_check.setObjectName("saveRunCheck")
    p.save_check.setChecked(True)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Epochs"), p.epochs_spin)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Batch size"), p.batch_spin)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Optimizer"), p.optimizer_combo)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Learning rate"), p.lr_spin)
    form.addRow(p.momentum_label, p.momentum_spin)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Weight decay"), p.wd_spin)
    form.addRow(QCoreApplication.translate("ConfigPanel", "LR schedule"), p.schedule_combo)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Seed"), p.seed_spin)
    form.addRow(QCoreApplication.translate("ConfigPanel", "Device"), p.device_combo)
    form.addRow(p.save_check)
    return box
