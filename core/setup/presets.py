"""Presets: the experiments of the course notes, ready to run, in ``resources/presets.json``; and lessons.

A **lesson** is a preset with a ``lesson`` part: the view to look at (a widget's object name), a short
text, a question to answer, the chapter, optionally the lesson it pairs with, its predictions and checks,
and each text in Chinese (``*_zh``). ConvScope's own lessons are a lesson pack
(``resources/lessons/builtin.toml``, read by :mod:`core.setup.lesson_packs`, as a teacher's pack is). They
are listed after the presets, by ``presets`` too, and ``train --preset ID`` runs one headless.

A preset names its full dataset (Fashion-MNIST, CIFAR-10…). Where that dataset is not on this computer
(no data folder, no earlier download, no system-wide installation), :func:`resolve` falls back to the
dataset's offline sample and says which it swapped for which (:class:`Swap`: the command line says it in
English, the window in its language), so every preset trains offline. Reading the file and
resolving a preset import no torch (the window lists the presets before torch has loaded).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from convscope.core.base.resources import resource_path
from convscope.core.data.datasets import sample_of
from convscope.core.setup.lesson_packs import BUILTIN_FILE, Lesson, PackError, read_pack

log = logging.getLogger("convscope.engine")

PRESETS_FILE = resource_path("presets.json")
LESSONS_FILE = BUILTIN_FILE  # the built-in lesson pack


class PresetError(ValueError):
    """An unknown preset id or an unreadable presets file; the message lists what there is."""


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    description: str
    config: dict = field(default_factory=dict)  # TrainConfig keyword arguments (arch and dataset included)
    lesson: dict = field(default_factory=dict)  # teaching extras (a view to highlight, a question)

    @property
    def pair(self) -> str | None:
        """The id of the lesson this one is compared with (its ``lesson`` part's optional ``pair``), or None."""
        pair = self.lesson.get("pair")
        return pair if isinstance(pair, str) and pair and pair != self.id else None

    def to_json(self) -> dict:
        out = {"id": self.id, "name": self.name, "description": self.description, "config": dict(self.config)}
        if self.lesson:
            out["lesson"] = dict(self.lesson)
        return out


NOT_HERE = "not-here"  # why a preset's dataset was swapped: the full dataset is not on this computer


@dataclass(frozen=True)
class Swap:
    """A preset's dataset replaced by another on this computer: which, by which, and why (a code). Each
    side says it in its own words (the command line in English, the window in its language)."""

    dataset: str  # the preset's own dataset
    instead: str  # the dataset it trains on: the offline sample of ``dataset``
    why: str = NOT_HERE


@dataclass(frozen=True)
class Resolved:
    """A preset's settings as they will train here: ``config`` with the dataset that is available."""

    preset: Preset
    config: dict
    swap: Swap | None = None  # the dataset was swapped for its offline sample


def _read_entries(path: Path, key: str) -> tuple[list[Preset], dict]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PresetError(f"cannot read the presets in {path}: {exc}") from None
    entries = []
    for entry in raw.get(key, []) if isinstance(raw, dict) else []:
        if not (isinstance(entry, dict) and isinstance(entry.get("id"), str)
                and isinstance(entry.get("config"), dict)):
            log.warning("skipping a malformed preset in %s: %r", path, entry)
            continue
        entries.append(Preset(entry["id"], str(entry.get("name", entry["id"])),
                              str(entry.get("description", "")), dict(entry["config"]),
                              dict(entry.get("lesson") or {})))
    return entries, raw if isinstance(raw, dict) else {}


def load_presets(path: Path = PRESETS_FILE, lessons: Path | None = LESSONS_FILE) -> tuple[list[Preset], str | None]:
    """The presets of ``path``, then the lessons of the lesson pack ``lessons`` (None: none), and the id of
    the default preset. Malformed entries are skipped (logged); an unreadable file raises :class:`PresetError`."""
    presets, raw = _read_entries(path, "presets")
    if lessons is not None:
        known = {p.id for p in presets}
        for lesson in lesson_presets(lessons):
            if lesson.id in known:
                log.warning("skipping lesson %r in %s: its id is taken or it has no lesson part", lesson.id,
                            lessons)
                continue
            presets.append(lesson)
            known.add(lesson.id)
    default = raw.get("default")
    return presets, default if isinstance(default, str) else None


def lesson_preset(lesson: Lesson, pack_title: str = "", pack_title_zh: str = "") -> Preset:
    """A lesson of a pack as the preset that trains it (the pack's title in its lesson part)."""
    part = {**lesson.lesson_part(), "pack_title": pack_title, "pack_title_zh": pack_title_zh}
    return Preset(lesson.id, lesson.title, lesson.texts.get("description", ""), dict(lesson.config), part)


def lesson_presets(pack_path: Path) -> list[Preset]:
    """The lessons of a pack as presets, read without building their settings (no torch); a pack that
    cannot be read raises :class:`PresetError`."""
    try:
        pack = read_pack(pack_path, validate=False)
    except PackError as exc:
        raise PresetError(f"cannot read the lessons: {exc}") from None
    return [lesson_preset(lesson, pack.title, pack.title_zh) for lesson in pack.lessons]


def get_preset(preset_id: str, path: Path = PRESETS_FILE, lessons: Path | None = LESSONS_FILE) -> Preset:
    presets, _ = load_presets(path, lessons)
    for preset in presets:
        if preset.id == preset_id:
            return preset
    raise PresetError(f"unknown preset {preset_id!r}; choose one of: {', '.join(p.id for p in presets)} "
                      f"(see 'presets').")


def resolve(preset: Preset, data_root: str | None = None) -> Resolved:
    """The preset's config for this computer: its dataset if it is here, else the offline sample."""
    config = dict(preset.config)
    name = config.get("dataset", "mnist-sample")
    sample = sample_of(name)
    if sample is None or data_root is not None or dataset_on_disk(name):
        return Resolved(preset, config)
    config["dataset"] = sample
    return Resolved(preset, config, Swap(name, sample))


def dataset_on_disk(name: str) -> bool:
    """Whether both splits of the full dataset ``name`` are already here (downloaded or installed)."""
    from convscope.core.data.loading import files_present  # the file layouts live with the readers

    return files_present(name)
