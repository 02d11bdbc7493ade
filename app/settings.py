"""Where the window keeps its settings and its runs.

Settings live in an INI file under the user's config folder (organisation and application
"ConvScope"). ``CONVSCOPE_SETTINGS_DIR`` moves that file elsewhere, ``CONVSCOPE_RUNS_DIR`` the folder
where training runs are saved (the tests point both at temporary folders).

Kept: the window's geometry, the settings panel's values (as JSON), the preset they came from, whether
runs are saved, and the run folder a close interrupted (offered once at the next start). The window opens
at most :data:`DESIGN_SIZE`, at most :data:`SCREEN_FRACTION` of the screen's available area, and a
geometry saved on a bigger screen is shrunk and moved onto this one (:func:`place_window`,
:func:`keep_on_screen`); the screen's area comes from :func:`available_geometry`.
"""
from __future__ import annotations

import json
import logging
import math
import os
import time
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication

log = logging.getLogger("convscope.gui")
FIRST_START = {"arch": "lenet", "dataset": "mnist-sample"}  # when there is no default preset either

DESIGN_SIZE = QSize(1440, 900)  # the size the window was laid out for; never opened larger
SCREEN_FRACTION = 0.9  # a first window takes at most this much of the screen's free area
LEFT_COLUMN_WIDTH = 420  # the settings column at the design size (narrower on a small screen)

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


def documents_folder() -> Path:
    """Where files handed to the user start out (File → Export): the user's Documents folder, else home."""
    from PySide6.QtCore import QStandardPaths

    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if docs and Path(docs).is_dir():
        return Path(docs)
    return Path.home()


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


def available_geometry(window=None) -> QRect:
    """The free area (without task bars and docks) of the screen ``window`` is on, else of the primary
    screen, in global coordinates (the tests replace this function to pretend a small screen)."""
    screen = window.screen() if window is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(QPoint(0, 0), DESIGN_SIZE)


def first_size(area: QRect) -> QSize:
    """The size of a first window on a screen whose free area is ``area``."""
    return DESIGN_SIZE.boundedTo(QSize(int(area.width() * SCREEN_FRACTION), int(area.height() * SCREEN_FRACTION)))


def clamped(rect: QRect, area: QRect) -> QRect:
    """``rect`` made no larger than ``area`` and moved inside it."""
    size = rect.size().boundedTo(area.size())
    x = min(max(rect.x(), area.left()), area.left() + area.width() - size.width())
    y = min(max(rect.y(), area.top()), area.top() + area.height() - size.height())
    return QRect(x, y, size.width(), size.height())


def place_window(window) -> None:
    """Give a window that is not shown yet its geometry of last time, kept on this screen, or a first
    size centred on the screen."""
    area = available_geometry(window)
    geometry = saved_geometry()
    restored = False
    if geometry is not None:
        try:
            restored = bool(window.restoreGeometry(geometry))
        except TypeError:
            restored = False
    if restored and (window.isMaximized() or window.isFullScreen()):
        return
    if restored:
        window.setGeometry(clamped(window.geometry(), area))
        return
    rect = QRect(QPoint(0, 0), first_size(area))
    rect.moveCenter(area.center())
    window.setGeometry(clamped(rect, area))


def keep_on_screen(window) -> None:
    """Once shown (its frame is known): move and shrink ``window`` so its frame lies on its screen."""
    if window.isMaximized() or window.isFullScreen():
        return
    area, frame, inner = available_geometry(window), window.frameGeometry(), window.geometry()
    if area.contains(frame):
        return
    target = clamped(frame, area)
    extra = frame.size() - inner.size()  # the title bar and borders
    window.resize(max(1, target.width() - extra.width()), max(1, target.height() - extra.height()))
    window.move(target.topLeft())


# The panel's number fields: its spin box, whether it takes whole numbers only, whether it may be unset.
_NUMBERS = {"epochs": ("epochs_spin", True, False), "batch_size": ("batch_spin", True, False),
            "lr": ("lr_spin", False, False), "momentum": ("momentum_spin", False, False),
            "weight_decay": ("wd_spin", False, False), "seed": ("seed_spin", True, False),
            "width": ("width_spin", False, True), "dropout": ("dropout_spin", False, True),
            "subset": ("subset_spin", True, True)}
_TEXTS = {"data_root", "optimizer", "schedule", "device", "form", "activation"}  # text (or unset)
_SWITCHES = {"batchnorm", "shortcut", "factorize"}  # true, false or unset


def _acceptable(panel, key: str, value) -> bool:
    """Whether the panel can take ``value`` for ``key``: its type, and for numbers its spin box's range.
    Keys the panel has no field for are ignored by it, so they pass."""
    if key in _NUMBERS:
        spin, whole, optional = _NUMBERS[key]
        if value is None:
            return optional
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
            return False
        box = getattr(panel, spin)
        return box.minimum() <= value <= box.maximum()
    if key == "shift":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 8
    if key == "image_size":
        from convscope.core.setup.config import MAX_IMAGE_SIZE, MIN_IMAGE_SIZE

        return value is None or (isinstance(value, int) and not isinstance(value, bool)
                                 and MIN_IMAGE_SIZE <= value <= MAX_IMAGE_SIZE)
    if key in _TEXTS:
        return value is None or isinstance(value, str)
    if key == "augment":
        return isinstance(value, str)
    if key in _SWITCHES:
        return value is None or isinstance(value, bool)
    if key == "save_run":
        return isinstance(value, bool)
    return True


def saved_values(panel, values: dict) -> dict:
    """The saved ``values`` the panel can take; each other one is dropped with a note in the log (the
    panel keeps its default there, and the next save no longer holds it)."""
    kept = {}
    for key, value in values.items():
        if _acceptable(panel, key, value):
            kept[key] = value
        else:
            shown = repr(value)
            log.warning("dropped the saved setting %s = %s: not a value the settings panel takes; "
                        "its default is used instead", key, shown if len(shown) <= 40 else shown[:40] + "…")
    return kept


def restore_panel(panel, arch_names, dataset_names, default_preset: str | None) -> None:
    """Fill the settings panel with the values saved last time, if they still name a network and a
    dataset the app has; else with the default preset. A saved value the panel cannot take (a number
    beyond its field's range, a value of the wrong type) is dropped with a note (:func:`saved_values`)."""
    s = open_settings()
    restored = False
    raw = s.value("config")
    if raw:
        try:
            values = json.loads(raw)
            if isinstance(values, dict) and values.get("arch") in set(arch_names) \
                    and values.get("dataset") in set(dataset_names):
                panel.set_values(saved_values(panel, values))
                panel.restore_preset_marker(s.value("preset") or None)
                restored = True
        except (ValueError, TypeError, OverflowError) as exc:
            log.warning("ignoring saved settings: %s", exc)
    if not restored and not (default_preset and panel.apply_preset(default_preset)):
        panel.set_values(dict(FIRST_START))
    save = s.value("save_run")
    if save is not None:
        panel.set_field("save_run", str(save).lower() in ("true", "1"))


def remember_interrupted(run_dir: str) -> None:
    """The window closed while the run in ``run_dir`` trained: the next start offers it."""
    s = open_settings()
    s.setValue("interrupted/run_dir", str(run_dir))
    s.sync()


def take_interrupted() -> str | None:
    """The run folder a close interrupted last time, or None; the record is cleared (offered once)."""
    s = open_settings()
    run_dir = s.value("interrupted/run_dir")
    if run_dir is None:
        return None
    s.remove("interrupted/run_dir")
    s.sync()
    return str(run_dir) or None


def save_panel(panel, geometry) -> None:
    """Keep the panel's values and the window's ``geometry`` (``QWidget.saveGeometry()``)."""
    s = open_settings()
    s.setValue("window/geometry", geometry)
    s.setValue("config", json.dumps(panel.values()))
    s.setValue("preset", panel.current_preset() or "")
    s.setValue("save_run", panel.save_run())
    s.sync()
