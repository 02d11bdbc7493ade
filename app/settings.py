"""Where the window keeps its settings and its runs.

Settings live in an INI file under the user's config folder (organisation and application
"ConvScope"). ``CONVSCOPE_SETTINGS_DIR`` moves that file elsewhere, ``CONVSCOPE_RUNS_DIR`` the folder
where training runs are saved (the tests point both at temporary folders).
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

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
