"""Where the window keeps its settings and its runs.

Settings live in an INI file under the user's config folder (organisation and application
"ConvScope"). ``CONVSCOPE_SETTINGS_DIR`` moves that file elsewhere, ``CONVSCOPE_RUNS_DIR`` the folder
where training runs are saved (the tests point both at temporary folders).

Kept: the window's geometry, the settings panel's values (as JSON), the preset they came from, and
whether runs are saved.
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QSettings

log = logging.getLogger("convscope.gui")
FIRST_START = {"arch": "lenet", "dataset": "mnist-sample"}  # when there is no default preset either

ORGANISATION = "ConvScope"
APPLICATION = "ConvScope"


def open_settings() -> QSettings:
    """The app's settings store (INI format, per user)."""
    folder = os.environ.get("CONVSCOPE_SETTINGS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / f"{APPLICATION}.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def runs_root() -> Path:
    """The folder that holds one sub-folder per training run started from the window."""
    folder = os.environ.get("CONVSCOPE_RUNS_DIR")
    if folder:
        return Path(folder).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("convscope", appauthor=False)) / "runs"


def new_run_dir(arch: str, dataset: str) -> str:
    """A folder for a new run under :func:`runs_root`, named by time, network and dataset; never one
    that exists."""
    base = runs_root() / f"{time.strftime('%Y%m%d-%H%M%S')}-{arch}-{dataset}"
    run_dir, n = base, 1
    while run_dir.exists():
        n += 1
        run_dir = base.with_name(f"{base.name}-{n}")
    return str(run_dir)


def saved_geometry():
    """The window geometry saved last time (a QByteArray), or None."""
    return open_settings().value("window/geometry")


def restore_panel(panel, arch_names, dataset_names, default_preset: str | None) -> None:
    """Fill the settings panel with the values saved last time, if they still name a network and a
    dataset the app has; else with the default preset."""
    s = open_settings()
    restored = False
    raw = s.value("config")
    if raw:
        try:
            values = json.loads(raw)
            if isinstance(values, dict) and values.get("arch") in set(arch_names) \
                    and values.get("dataset") in set(dataset_names):
                panel.set_values(values)
                panel.restore_preset_marker(s.value("preset") or None)
                restored = True
        except (ValueError, TypeError) as exc:
            log.warning("ignoring saved settings: %s", exc)
    if not restored and not (default_preset and panel.apply_preset(default_preset)):
        panel.set_values(dict(FIRST_START))
    save = s.value("save_run")
    if save is not None:
        panel.set_field("save_run", str(save).lower() in ("true", "1"))


def save_panel(panel, geometry) -> None:
    """Keep the panel's values and the window's ``geometry`` (``QWidget.saveGeometry()``)."""
    s = open_settings()
    s.setValue("window/geometry", geometry)
    s.setValue("config", json.dumps(panel.values()))
    s.setValue("preset", panel.current_preset() or "")
    s.setValue("save_run", panel.save_run())
    s.sync()
