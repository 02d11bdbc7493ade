"""Where a run came from: the lesson that started it, kept in its folder as ``lesson.json``.

A run started from a lesson (``convscope train --preset lesson-…``, or a lesson chosen in the window)
keeps the lesson's texts beside its files — its id, title, text, question and chapter, in English and
Chinese — so that the run, handed on as a bundle or a web page, still says what it was meant to show.
Read back as untrusted input: a JSON object of at most :data:`LIMIT` bytes whose values are strings;
anything else is ignored (a run opens whatever this file holds).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from convscope.core.base.safe_read import FileRefused, loads_strict, read_bounded

LESSON = "lesson.json"
LIMIT = 64 * 1024
KEYS = ("id", "title", "title_zh", "text", "text_zh", "question", "question_zh", "chapter", "chapter_zh")


def lesson_record(preset) -> dict | None:
    """The texts of ``preset`` (a :class:`core.setup.presets.Preset`) worth keeping, or None when it is
    not a lesson."""
    part = getattr(preset, "lesson", None)
    if not part:
        return None
    record = {"id": preset.id, "title": preset.name, "title_zh": part.get("name_zh", "")}
    for key in ("text", "text_zh", "question", "question_zh", "chapter", "chapter_zh"):
        record[key] = part.get(key, "")
    return {k: v for k, v in record.items() if isinstance(v, str) and v}


def write_lesson(run_dir: str | os.PathLike, record: dict) -> None:
    """Keep ``record`` (see :func:`lesson_record`) in the run folder, atomically."""
    from convscope.core.runs.checkpoints import atomic_write_bytes

    clean = {k: record[k] for k in KEYS if isinstance(record.get(k), str)}
    atomic_write_bytes(Path(run_dir) / LESSON, json.dumps(clean, ensure_ascii=False, indent=1).encode("utf-8"))


def read_lesson(run_dir: str | os.PathLike) -> dict | None:
    """The lesson kept in ``run_dir``, or None (none kept, or a file that is not one)."""
    try:
        raw = loads_strict(read_bounded(Path(run_dir) / LESSON, LIMIT).decode("utf-8"))
    except (OSError, FileRefused, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(raw, dict):
        return None
    return {k: raw[k] for k in KEYS if isinstance(raw.get(k), str)} or None
