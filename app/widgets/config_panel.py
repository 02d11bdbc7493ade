"""The configuration panel: presets, network, data and training settings.

It is built before torch is imported and filled in by :meth:`ConfigPanel.populate` once the model
registry is available (the specs and dataset descriptions are passed in). The names of the choices and
the default hyperparameters come from ``core.setup.config`` (torch-free at import); this panel only adds their
display labels, and a choice it has no label for shows its own name. :meth:`ConfigPanel.values` returns
the keyword arguments of ``core.setup.config.TrainConfig``; validation is the session's job
(``app.session.Session.validate`` builds the ``TrainConfig``; the window shows its ``ConfigError``). Each
group box is built by its own function in :mod:`app.widgets.config_groups`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QVBoxLayout,
    QWidget,
)

from convscope.core.setup.config import FORMS, HYPER_DEFAULTS

from ..core_texts import core_text
from .config_groups import (
    DEVICE_LABELS,
    FAMILY_ORDER,
    FORM_LABELS,
    OPTION_NAMES,
    build_augment_group,
    build_data_box,
    build_network_box,
    build_preset_box,
    build_training_box,
)
from .lesson_card import lesson_text, preset_text
from .spinboxes import guard_wheel
from .tooltips import apply_tips, tip, unsupported_tip

log = logging.getLogger("convscope.gui")

def _tr(text: str) -> str:
    return QCoreApplication.translate("ConfigPanel", text)


class ConfigPanel(QWidget):
    """Every setting of a run. Emits ``changed`` after each edit (once after a bulk load)."""

    changed = Signal()
    preset_chosen = Signal(str)  # preset id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("configPanel")
        self._specs: dict[str, Any] = {}
        self._datasets: dict[str, Any] = {}
        self._presets: list[dict] = []
        self._preset_values: dict | None = None
        self._preset_note = ""  # why the preset applied last trains other settings than its own
        self._resolve: Callable[[dict, str | None], tuple[dict, str]] | None = None
        self._loading = 0
        self._populated = False
        self._build()
        self._set_loading_placeholders()

    # ------------------------------------------------------------------------------------- layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(8)

        self._groups: list[QGroupBox] = [build(self) for build in (
            build_preset_box, build_network_box, build_data_box, build_augment_group, build_training_box)]
        for box in self._groups:
            outer.addWidget(box)
        outer.addStretch(1)
        apply_tips(self)  # what each setting means, on its field and its label
        guard_wheel([*self.findChildren(QAbstractSpinBox), *self.findChildren(QComboBox)], self)

        # Wiring
        self.preset_combo.activated.connect(self._on_preset_activated)
        self.arch_combo.currentIndexChanged.connect(self._on_arch_changed)
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_changed)
        self.optimizer_combo.currentIndexChanged.connect(self._update_momentum_visibility)
        for w in (self.form_combo, self.batchnorm_combo, self.shortcut_combo, self.factorize_combo,
                  self.activation_combo,
                  self.optimizer_combo, self.schedule_combo, self.device_combo):
            w.currentIndexChanged.connect(self._emit_changed)
        self.augment_box.changed.connect(self._emit_changed)
        for w in (self.width_spin, self.dropout_spin, self.subset_spin, self.epochs_spin,
                  self.batch_spin, self.lr_spin, self.momentum_spin, self.wd_spin, self.seed_spin):
            w.valueChanged.connect(self._emit_changed)
        self.data_root_edit.textChanged.connect(self._emit_changed)
        self.save_check.toggled.connect(self._emit_changed)

    def _set_loading_placeholders(self) -> None:
        for combo in (self.arch_combo, self.dataset_combo, self.preset_combo):
            if combo.count() == 0:
                combo.addItem(self.tr("loading…"))
        self.arch_info.setText(self.tr("Loading PyTorch and the model zoo…"))
        self.setEnabled(False)

    # ----------------------------------------------------------------------------------- populate
    def populate(self, specs, datasets: dict, presets: list[dict], device_labels: dict[str, str],
                 cuda_available: bool, resolve_preset: Callable[[dict, str | None], tuple[dict, str]] | None = None,
                 mps_available: bool = False) -> None:
        """Fill the choices once the registry is loaded (``specs``: ModelSpec objects).

        ``resolve_preset(preset, data_root)`` gives the config a preset trains on this computer and a
        one-line note when it differs from the preset's own (its dataset is not here: the offline sample);
        without it a preset loads its own config."""
        self._loading += 1
        try:
            self._resolve = resolve_preset
            self._specs = {s.name: s for s in specs}
            self._datasets = dict(datasets)
            self._presets = list(presets)
            model: QStandardItemModel = self.arch_combo.model()
            model.clear()
            families = [f for f in FAMILY_ORDER if any(s.family == f for s in specs)]
            families += [f for f in dict.fromkeys(s.family for s in specs) if f not in families]
            bold = QFont()
            bold.setBold(True)
            for family in families:
                header = QStandardItem(family)
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                header.setFont(bold)
                header.setData(None, Qt.ItemDataRole.UserRole)
                model.appendRow(header)
                for spec in specs:
                    if spec.family != family:
                        continue
                    item = QStandardItem("    " + core_text(spec.display_name))
                    item.setData(spec.name, Qt.ItemDataRole.UserRole)
                    item.setToolTip(f"{spec.name}: {core_text(spec.description)}")
                    model.appendRow(item)
            self.dataset_combo.clear()
            for name, info in datasets.items():
                self.dataset_combo.addItem(core_text(info.display_name), name)
                self.dataset_combo.setItemData(self.dataset_combo.count() - 1, core_text(info.description),
                                               Qt.ItemDataRole.ToolTipRole)
            self.preset_combo.clear()
            self.preset_combo.addItem(self.tr("Custom settings"), None)
            self._add_preset_items(presets)
            for i in range(self.device_combo.count()):
                key = self.device_combo.itemData(i)
                self.device_combo.setItemText(i, device_labels.get(key, _tr(DEVICE_LABELS.get(key, key))))
            for key, available, missing in (
                    ("cuda", cuda_available, self.tr("No CUDA GPU found on this computer.")),
                    ("mps", mps_available, self.tr("No Apple GPU (MPS) on this computer: it needs a Mac "
                                                   "with Apple silicon."))):
                index = self.device_combo.findData(key)
                if index >= 0:
                    item = self.device_combo.model().item(index)
                    item.setEnabled(available)
                    item.setToolTip("" if available else missing)
            self._populated = True
            self.setEnabled(True)
        finally:
            self._loading -= 1

    # ------------------------------------------------------------------------------------- values
    def current_arch(self) -> str | None:
        return self.arch_combo.currentData()

    def current_spec(self):
        return self._specs.get(self.current_arch())

    def current_dataset(self) -> str | None:
        return self.dataset_combo.currentData()

    def dataset_info_for(self, name: str | None):
        return self._datasets.get(name)

    def values(self) -> dict:
        """Keyword arguments for ``TrainConfig`` (options the network lacks are None)."""
        spec = self.current_spec()
        options = spec.options if spec is not None else frozenset()
        dropout = self.dropout_spin.value()
        return dict(
            arch=self.current_arch(),
            dataset=self.current_dataset(),
            data_root=self.data_root_edit.text().strip() or None,
            epochs=self.epochs_spin.value(),
            batch_size=self.batch_spin.value(),
            lr=self.lr_spin.value(),
            optimizer=self.optimizer_combo.currentData(),
            momentum=self.momentum_spin.value(),
            weight_decay=self.wd_spin.value(),
            schedule=self.schedule_combo.currentData(),
            augment=self.augment_box.spec(),
            seed=self.seed_spin.value(),
            device=self.device_combo.currentData(),
            **self._input_size(),
            width=self.width_spin.value() if "width" in options else None,
            batchnorm=self.batchnorm_combo.currentData() if "batchnorm" in options else None,
            dropout=(None if dropout < 0 else dropout) if "dropout" in options else None,
            shortcut=self.shortcut_combo.currentData() if "shortcut" in options else None,
            factorize=self.factorize_combo.currentData() if "factorize" in options else None,
            activation=self.activation_combo.currentData() if "activation" in options else None,
            subset=self.subset_spin.value() or None,
        )

    def _input_size(self) -> dict:
        """``form`` and ``image_size`` from the Input size box ("native", "native:32" or "d2l")."""
        form, _, size = (self.form_combo.currentData() or "native").partition(":")
        return {"form": form, "image_size": int(size) if size else None}

    def _select_input_size(self, form: str | None, image_size: int | None) -> None:
        form = form or "native"
        key = f"{form}:{int(image_size)}" if image_size and form == "native" else form
        if key != form and self.form_combo.findData(key) < 0:  # a size the box does not list (CLI runs)
            self.form_combo.addItem(self.tr("resize to {side}×{side} px").format(side=int(image_size)), key)
        self._select_data(self.form_combo, key)

    def save_run(self) -> bool:
        return self.save_check.isChecked()

    def set_values(self, values: dict) -> None:
        """Set several fields at once; an ``arch`` in ``values`` first loads that network's defaults."""
        self._loading += 1
        try:
            if "dataset" in values:
                self._select_data(self.dataset_combo, values["dataset"])
            if "arch" in values:
                if values["arch"] != self.current_arch():
                    self._select_data(self.arch_combo, values["arch"])  # loads the defaults
                else:
                    self.load_arch_defaults()
            for key, value in values.items():
                if key not in ("arch", "dataset", "form", "image_size"):
                    self.set_field(key, value)
            if "form" in values or "image_size" in values:  # one box holds both
                self._select_input_size(values.get("form"), values.get("image_size"))
        finally:
            self._loading -= 1
        self._after_bulk_change()

    def set_field(self, key: str, value) -> None:
        if key == "epochs":
            self.epochs_spin.setValue(int(value))
        elif key == "batch_size":
            self.batch_spin.setValue(int(value))
        elif key == "lr":
            self.lr_spin.setValue(float(value))
        elif key == "optimizer":
            self._select_data(self.optimizer_combo, value)
        elif key == "momentum":
            self.momentum_spin.setValue(float(value))
        elif key == "weight_decay":
            self.wd_spin.setValue(float(value))
        elif key == "schedule":
            self._select_data(self.schedule_combo, value)
        elif key == "shift":  # saved before augmentations: the translate augmentation
            self.augment_box.set_shift(value)
        elif key == "augment":
            self.augment_box.set_spec(value)
        elif key == "seed":
            self.seed_spin.setValue(int(value))
        elif key == "device":
            self._select_data(self.device_combo, value)
        elif key == "form":
            self._select_input_size(value, None)
        elif key == "image_size":
            self._select_input_size("native", value)
        elif key == "width":
            self.width_spin.setValue(1.0 if value is None else float(value))
        elif key == "batchnorm":
            self._select_data(self.batchnorm_combo, value)
        elif key == "dropout":
            self.dropout_spin.setValue(-0.05 if value is None else float(value))
        elif key == "shortcut":
            self._select_data(self.shortcut_combo, value)
        elif key == "factorize":
            self._select_data(self.factorize_combo, value)
        elif key == "activation":
            self._select_data(self.activation_combo, value)
        elif key == "subset":
            self.subset_spin.setValue(int(value or 0))
        elif key == "data_root":
            self.data_root_edit.setText(value or "")
        elif key == "save_run":
            self.save_check.setChecked(bool(value))
        elif key == "dataset":
            self._select_data(self.dataset_combo, value)
        elif key == "arch":
            self._select_data(self.arch_combo, value)
        # Other TrainConfig keys (label_smoothing, amp, …) have no field here: they keep their defaults.

    def select_dataset(self, name: str) -> bool:
        """Show dataset ``name`` (False when the list has no such choice)."""
        return self._select_data(self.dataset_combo, name)

    @staticmethod
    def _select_data(combo: QComboBox, data) -> bool:
        for i in range(combo.count()):
            if combo.itemData(i) == data and combo.model().flags(combo.model().index(i, 0)) & Qt.ItemFlag.ItemIsEnabled:
                combo.setCurrentIndex(i)
                return True
        return False

    # ------------------------------------------------------------------------------------ presets
    def _add_preset_items(self, presets: list[dict]) -> None:
        """The presets at the end of the preset list; each pack's lessons under a heading with its title."""
        pack = None
        for p in presets:
            part = p.get("lesson") or {}
            if part.get("pack") and part["pack"] != pack:
                pack = part["pack"]
                title = lesson_text(p, "pack_title") or Path(pack).name
                header = QStandardItem(self.tr("Lessons: {title}").format(title=title))
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                font = QFont()
                font.setBold(True)
                header.setFont(font)
                header.setData(None, Qt.ItemDataRole.UserRole)
                self.preset_combo.model().appendRow(header)
            self.preset_combo.addItem(("    " if pack else "") + preset_text(p, "name"), p["id"])
            self.preset_combo.setItemData(self.preset_combo.count() - 1, preset_text(p, "description"),
                                          Qt.ItemDataRole.ToolTipRole)

    def add_lessons(self, lessons: list[dict]) -> list[str]:
        """Add the lessons of an opened pack (``Preset.to_json()`` of each, all of one pack) to the preset
        list, under its title; the lessons of that pack listed before are replaced. An id taken by another
        pack's lesson or a preset gets the pack's file name in front. Returns the ids listed."""
        if not lessons:
            return []
        pack = lessons[0]["lesson"]["pack"]
        kept = [p for p in self._presets if (p.get("lesson") or {}).get("pack") != pack]
        taken = {p["id"] for p in kept}
        added = []
        for p in lessons:
            if p["id"] in taken:
                p = {**p, "id": f"{Path(pack).stem}:{p['id']}"}
            added.append(p)
        current = self.preset_combo.currentData()
        self._loading += 1
        try:
            self._presets = kept + added
            while self.preset_combo.count() > 1:
                self.preset_combo.removeItem(1)
            self._add_preset_items(self._presets)
            index = self.preset_combo.findData(current) if current else 0
            self.preset_combo.setCurrentIndex(max(0, index))
        finally:
            self._loading -= 1
        return [p["id"] for p in added]

    def presets(self) -> list[dict]:
        return list(self._presets)

    def apply_preset(self, preset_id: str) -> bool:
        preset = next((p for p in self._presets if p["id"] == preset_id), None)
        if preset is None:
            return False
        config, note = self._resolved(preset)
        values = {"dataset": config.pop("dataset", "mnist-sample"), "arch": config.pop("arch", "lenet"),
                  "form": "native", "augment": "", "subset": None}
        values.update(config)
        self.set_values(values)
        self._preset_values = self.values()
        self._show_preset(preset_id, note)
        return True

    def _resolved(self, preset: dict) -> tuple[dict, str]:
        """The preset's config for this computer and the note that says how it differs (see populate)."""
        if self._resolve is not None:
            try:
                config, note = self._resolve(preset, self.data_root_edit.text().strip() or None)
                return dict(config), note or ""
            except Exception:
                log.exception("could not resolve preset %r", preset.get("id"))
        return dict(preset["config"]), ""

    def _show_preset(self, preset_id: str | None, note: str = "") -> None:
        idx = self.preset_combo.findData(preset_id) if preset_id else 0
        self.preset_combo.setCurrentIndex(max(0, idx))
        preset = next((p for p in self._presets if p["id"] == preset_id), None)
        self.preset_info.setText(preset_text(preset, "description") if preset else
                                 self.tr(
                                     "Your own settings. Pick a preset above to load an experiment from the notes."))
        self._preset_note = note if preset else ""
        self.preset_note.setText(self.tr("Note: {note}").format(note=self._preset_note) if self._preset_note else "")
        self.preset_note.setVisible(bool(self._preset_note))

    def preset_note_text(self) -> str:
        """The note under the preset shown ("" when none), e.g. that it trains on the offline sample."""
        return self._preset_note

    def preset(self, preset_id: str | None) -> dict | None:
        """The preset (or lesson) ``preset_id`` as listed (``Preset.to_json()``), or None."""
        return next((p for p in self._presets if p["id"] == preset_id), None) if preset_id else None

    def current_preset(self) -> str | None:
        return self.preset_combo.currentData()

    def restore_preset_marker(self, preset_id: str | None) -> None:
        """After restoring saved settings: show the preset they came from if they still match it."""
        preset = next((p for p in self._presets if p["id"] == preset_id), None)
        if preset is None:
            self._preset_values = None
            self._show_preset(None)
            return
        current = self.values()
        self._loading += 1
        try:
            self.apply_preset(preset_id)
            matches = self.values() == current
        finally:
            self._loading -= 1
        if not matches:
            self.set_values(current)
            self._preset_values = None
            self._show_preset(None)

    def _on_preset_activated(self, index: int) -> None:
        preset_id = self.preset_combo.itemData(index)
        if preset_id:
            self.apply_preset(preset_id)
            self.preset_chosen.emit(preset_id)
        else:
            self._preset_values = None
            self._show_preset(None)

    # ------------------------------------------------------------------------------ arch / dataset
    def load_arch_defaults(self) -> None:
        """The current network's trusted hyperparameters; its options back to the network's own."""
        spec = self.current_spec()
        if spec is None:
            return
        self._loading += 1
        try:
            values = dict(HYPER_DEFAULTS)
            values.update({k: v for k, v in spec.defaults.items() if k in HYPER_DEFAULTS})
            for key, value in values.items():
                self.set_field(key, value)
            for key in ("width", "batchnorm", "dropout", "shortcut", "factorize", "activation"):
                self.set_field(key, None)
            # Any other default the spec gives (e.g. shift) too.
            for key, value in spec.defaults.items():
                if key not in HYPER_DEFAULTS:
                    self.set_field(key, value)
        finally:
            self._loading -= 1

    def _on_arch_changed(self, index: int) -> None:
        if self.arch_combo.itemData(index) is None:
            return
        self._loading += 1
        try:
            self.load_arch_defaults()
            self._update_forms()
            self._update_option_states()
        finally:
            self._loading -= 1
        self._after_bulk_change()

    def _on_dataset_changed(self, index: int) -> None:
        self._loading += 1
        try:
            self._update_forms()
            info = self._datasets.get(self.current_dataset())
            self.dataset_info.setText(core_text(info.description) if info is not None else "")
            self.augment_box.set_dataset(info)
        finally:
            self._loading -= 1
        self._after_bulk_change()

    def _update_forms(self) -> None:
        spec = self.current_spec()
        info = self._datasets.get(self.current_dataset())
        previous = self.form_combo.currentData() or "native"
        self.form_combo.blockSignals(True)
        self.form_combo.clear()
        side = info.size if info is not None else 28
        forms, d2l = (spec.forms, spec.d2l_size) if spec is not None else (("native",), None)
        for form in (f for f in FORMS if f in forms):
            self.form_combo.addItem(_tr(FORM_LABELS.get(form, form)).format(side=side, d2l=d2l), form)
            if form == "native" and side < 32:
                # 28-px digits at the 32 px of CIFAR-sized networks (the compact NiN of the notes)
                self.form_combo.addItem(self.tr("resize to 32×32 px"), "native:32")
        idx = self.form_combo.findData(previous)
        self.form_combo.setCurrentIndex(max(0, idx))
        self.form_combo.setEnabled(self.form_combo.count() > 1)
        self.form_combo.blockSignals(False)

    def _update_option_states(self) -> None:
        spec = self.current_spec()
        options = spec.options if spec is not None else frozenset()
        name = spec.display_name if spec is not None else self.tr("this network")
        for key, widget in (("width", self.width_spin), ("batchnorm", self.batchnorm_combo),
                            ("dropout", self.dropout_spin), ("shortcut", self.shortcut_combo),
                            ("factorize", self.factorize_combo), ("activation", self.activation_combo)):
            supported = key in options
            widget.setEnabled(supported)
            widget.setProperty("supported", supported)
            field = widget.objectName()
            widget.setToolTip(tip(field) if supported else unsupported_tip(field, name, _tr(OPTION_NAMES[key])))
        # A switch of two networks only: its row is there for them, not greyed out for all the others.
        self.factorize_combo.setVisible("factorize" in options)
        self.factorize_label.setVisible("factorize" in options)

    def _update_momentum_visibility(self) -> None:
        sgd = self.optimizer_combo.currentData() == "sgd"
        self.momentum_spin.setVisible(sgd)
        self.momentum_label.setVisible(sgd)

    # ------------------------------------------------------------------------------------ editing
    def set_editable(self, editable: bool) -> None:
        """Lock the settings while a run is active (options the network lacks stay disabled)."""
        for box in self._groups:
            box.setEnabled(editable)

    def _browse_data_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Data folder (torchvision layout)"),
                                                  self.data_root_edit.text())
        if folder:
            self.data_root_edit.setText(folder)

    def _after_bulk_change(self) -> None:
        if self._loading:
            return
        self._update_momentum_visibility()
        self._update_option_states()
        info = self._datasets.get(self.current_dataset())
        self.dataset_info.setText(core_text(info.description) if info is not None else "")
        self._emit_changed()

    def _emit_changed(self, *args) -> None:
        if self._loading or not self._populated:
            return
        self._update_momentum_visibility()
        if self._preset_values is not None and self.values() != self._preset_values:
            self._preset_values = None
            self._show_preset(None)
        self.changed.emit()
