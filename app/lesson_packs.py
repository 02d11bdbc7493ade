"""Lesson packs in the window: File → Open lesson pack… (or a .toml dropped on the window) lists a pack's
lessons in the preset list under its title; a lesson's run is checked against the lesson when it ends,
and "Check the run" on the lesson card checks the run shown (an opened one too).

The packs are read by ``core.setup.lesson_packs`` (nothing in a pack runs; a bad one is refused in the
banner with the file, the lesson and the key), the runs checked by ``core.runs.lesson_check``. A check that
compares a lesson with its pair uses the pair's run: the last one trained in this window, else the newest
completed run of the runs folder trained with the pair's settings.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QFileDialog

log = logging.getLogger("convscope.app")

PACK_SUFFIX = ".toml"


def pack_paths(mime) -> list[str]:
    """The lesson packs (local ``.toml`` files) among the URLs of a drag's ``QMimeData``."""
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile().lower().endswith(PACK_SUFFIX)]


class LessonPacks(QObject):
    """The window's lesson packs (see the module docstring). ``host`` gives ``notify``, ``dialog_parent`` and
    ``statusBar``; ``panel`` is the settings panel (``add_lessons``, ``apply_preset``, ``preset``); ``card``
    the lesson card."""

    def __init__(self, session, host, panel, card, parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.host, self.panel, self.card = session, host, panel, card
        self.lessons: dict[str, object] = {}  # preset id → core.setup.lesson_packs.Lesson
        self.runs: dict[tuple[str, str], object] = {}  # (pack, lesson id) → its last run (a RunRecord)
        self._run_lesson: str | None = None  # the preset id of the lesson whose run is training
        self._last_run = None  # the RunRecord of the last run trained here

    def install(self) -> None:
        from convscope.core.setup.lesson_packs import BUILTIN, PackError, read_pack

        try:
            for lesson in read_pack(BUILTIN, validate=False).lessons:
                self.lessons.setdefault(lesson.id, lesson)
        except PackError as exc:  # the presets list says so already: it lists no lessons then
            log.error("%s", exc)
        s = self.session
        s.run_started.connect(self.on_run_started)
        s.run_finished.connect(self.on_run_finished)
        self.card.check_requested.connect(self.check_shown_run)

    # -------------------------------------------------------------------------------------- packs
    def open_dialog(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self.host.dialog_parent(), self.tr("Open a lesson pack"), "",
                                              self.tr("Lesson packs (*.toml)"))
        return self.open_pack(path) if path else False

    def open_pack(self, path) -> bool:
        """List the lessons of the pack ``path`` and show its first; False (the reason in the banner) when
        it cannot be used."""
        from convscope.core.setup.lesson_packs import PackError, read_pack
        from convscope.core.setup.presets import lesson_preset

        try:
            pack = read_pack(path)
        except PackError as exc:
            self.host.notify("error", self.tr("Could not open that lesson pack"), str(exc))
            return False
        presets = [lesson_preset(lesson, pack.title, pack.title_zh).to_json() for lesson in pack.lessons]
        ids = self.panel.add_lessons(presets)
        for preset_id, lesson in zip(ids, pack.lessons):
            self.lessons[preset_id] = lesson
        if ids and self.panel.apply_preset(ids[0]):
            self.panel.preset_chosen.emit(ids[0])
        self.host.statusBar().showMessage(self.tr("Opened the lesson pack {name}: {count} lesson(s).").format(
            name=Path(pack.path).name, count=len(ids)), 8000)
        return True

    # --------------------------------------------------------------------------------------- runs
    def shown_lesson(self):
        """The lesson on the card (a ``Lesson``), or None."""
        preset = self.card.preset if self.card.isVisible() else None
        return self.lessons.get(preset["id"]) if preset else None

    @Slot(object)
    def on_run_started(self, _event=None) -> None:
        lesson = self.shown_lesson()
        self._run_lesson = self.card.preset["id"] if lesson is not None else None

    @Slot(object)
    def on_run_finished(self, result) -> None:
        from convscope.core.runs.lesson_check import RunRecord

        config = self.session.run_config
        self._last_run = RunRecord(Path(result.run_dir) if result.run_dir else None,
                                   config.to_dict() if config is not None else {}, list(result.history),
                                   result.status)
        preset_id, self._run_lesson = self._run_lesson, None
        lesson = self.lessons.get(preset_id) if preset_id else None
        if lesson is None:
            return
        self.runs[(lesson.pack, lesson.id)] = self._last_run
        if lesson.checks and self.card.preset is not None and self.card.preset["id"] == preset_id:
            self.check(lesson, self._last_run, self.tr("This run"))

    @Slot()
    def check_shown_run(self) -> bool:
        """Check the run shown (the opened one, else the last one trained) against the card's lesson."""
        from convscope.core.runs.lesson_check import CheckError, read_run

        lesson = self.shown_lesson()
        if lesson is None:
            return False
        opened = self.session.opened
        if opened is not None:
            try:
                run = read_run(opened.dir)
            except CheckError as exc:
                self.card.show_message(str(exc))
                return False
            return self.check(lesson, run, self.tr("The opened run {name}").format(name=Path(opened.dir).name))
        if self._last_run is None:
            self.card.show_message(self.tr("Train the lesson or open a run first (File → Open run…)."))
            return False
        return self.check(lesson, self._last_run, self.tr("The last run"))

    def check(self, lesson, run, what: str) -> bool:
        """Check ``run`` (a ``RunRecord``) against ``lesson`` and show the result on the card."""
        from convscope.core.runs.lesson_check import CheckError, check_records

        pair = self.pair_run(lesson, run) if any(c.compare for c in lesson.checks) else None
        if pair is not None and pair.path is not None:
            what = self.tr("{what}, compared with the run {name}").format(what=what, name=pair.path.name)
        try:
            result = check_records(lesson, run, pair)
        except CheckError as exc:
            self.card.show_message(str(exc))
            return False
        self.card.show_result(result.to_json(), what)
        return True

    def pair_run(self, lesson, run=None):
        """The run of ``lesson``'s paired lesson: the last one trained in this window, else the newest
        completed run of the runs folder trained with that lesson's settings (not ``run`` itself); None."""
        if not lesson.pair:
            return None
        if (lesson.pack, lesson.pair) in self.runs:
            return self.runs[(lesson.pack, lesson.pair)]
        partner = next((le for le in self.lessons.values() if le.pack == lesson.pack and le.id == lesson.pair), None)
        if partner is None:
            return None
        from convscope.core.runs.lesson_check import CheckError, differences, read_run
        from convscope.core.runs.listing import list_runs

        from .settings import runs_root

        try:
            rows = list_runs(runs_root())
        except (OSError, ValueError):
            return None
        own = Path(run.path).resolve() if run is not None and run.path is not None else None
        for row in rows:  # newest first
            if row.status != "completed" or (own is not None and Path(row.path).resolve() == own):
                continue
            try:
                record = read_run(row.path)
            except CheckError:
                continue
            if not differences(partner.config, record.config):
                return record
        return None
