"""``convscope train --config FILE``: a run's settings in a TOML file, with the keys of a preset's config.

::

    # lenet-sgd.toml
    arch = "lenet"
    dataset = "fashion-mnist-sample"
    optimizer = "sgd"
    lr = 0.05
    momentum = 0.9
    epochs = 10

Every key is a setting a preset's ``config`` takes (:data:`KEYS`: ``arch``, ``dataset`` and
:class:`~core.setup.config.TrainConfig`'s fields); the values are checked by ``TrainConfig`` itself, like a
preset's. Options given on the command line win over the file, the file over ``--preset``. The file is
read as untrusted input: at most :data:`LIMIT` bytes of UTF-8 TOML, parsed with the standard library's
``tomllib`` (no code runs); anything wrong is a :class:`ConfigFileError` naming the file and the key.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from convscope.core.base import toml_text
from convscope.core.base.safe_read import FileRefused, read_bounded
from convscope.core.setup.config import TrainConfig

LIMIT = 64 * 1024
# What the file may set: what a preset's config may (the run's own bookkeeping fields are not settings).
KEYS = tuple(f.name for f in fields(TrainConfig) if f.name not in ("classes", "channels"))


class ConfigFileError(ValueError):
    """A settings file that cannot be used; one sentence naming the file (and the key)."""


def read_config_file(path: str) -> dict:
    """The settings of the TOML file ``path`` as keyword arguments of ``make_config`` (``arch`` and
    ``dataset`` included when it sets them)."""
    where = Path(path).expanduser()
    try:
        text = read_bounded(where, LIMIT).decode("utf-8")
    except FileNotFoundError:
        raise ConfigFileError(f"--config {path}: no such file; give a TOML file of settings.") from None
    except FileRefused as exc:
        raise ConfigFileError(f"--config {path} cannot be read: it {exc}.") from None
    except UnicodeDecodeError:
        raise ConfigFileError(f"--config {path} is not a UTF-8 text file; give a TOML file of settings.") from None
    except OSError as exc:
        raise ConfigFileError(f"--config {path} cannot be read: {exc.strerror or exc}.") from None
    try:
        values = toml_text.loads(text)
    except toml_text.TomlError as exc:
        raise ConfigFileError(f"--config {path} {exc}.") from None
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise ConfigFileError(f"--config {path}: unknown setting {unknown[0]!r}; the settings are "
                              f"{', '.join(KEYS)}.")
    for key, value in values.items():
        if isinstance(value, (dict, list)):
            raise ConfigFileError(f"--config {path}: {key} must be a single value, not a "
                                  f"{'table' if isinstance(value, dict) else 'list'}.")
        if key in ("epochs", "batch_size", "seed", "subset", "image_size", "shift") and isinstance(value, float):
            raise ConfigFileError(f"--config {path}: {key} must be a whole number, got {value}.")
    return values
