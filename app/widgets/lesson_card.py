"""A lesson of the course notes above the tabs: its text, its question, and the view that shows it.

A lesson is a preset with a ``lesson`` part (a lesson pack, see ``core.setup.lesson_packs``). Choosing
one in the preset list loads its settings (the settings panel does that) and shows this card; when its
run starts, the tab of the lesson's view comes to the front ("Show me" does it at any time). The texts
are in the window's language (the lesson carries its Chinese in ``*_zh``).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .. import i18n
from ..core_texts import core_text


def preset_text(preset: dict, key: str) -> str:
    """A preset's ``name`` or ``description`` in the window's language: a lesson carries its Chinese
    (``lesson["name_zh"]``…); the presets of ``resources/presets.json`` go through the translation."""
    lesson = preset.get("lesson") or {}
    if lesson and i18n.current_language() == i18n.CHINESE and lesson.get(f"{key}_zh"):
        return str(lesson[f"{key}_zh"])
    return core_text(str(preset.get(key, "")))


def lesson_text(preset: dict, key: str) -> str:
    """The lesson's (or preset's) ``key`` in the window's language."""
    lesson = preset.get("lesson") or {}
    if i18n.current_language() == i18n.CHINESE:
        zh = lesson.get(f"{key}_zh")
        if isinstance(zh, str) and zh:
            return zh
    value = lesson.get(key) if key in ("text", "question", "chapter", "view") else preset.get(key)
    return str(value or "")


class LessonCard(QFrame):
    show_requested = Signal(str)  # the object name of the lesson's view

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#lessonCard { background: #fff8e1; border: 1px solid #f0c36d; border-radius: 4px; }")
        self.preset: dict | None = None
        self.title = QLabel()
        self.title.setObjectName("lessonTitle")
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setObjectName("lessonText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.show_button = QPushButton(self.tr("Show me"))
        self.show_button.setObjectName("lessonShowButton")
        self.show_button.setToolTip(self.tr("Bring the view this lesson is about to the front"))
        self.show_button.clicked.connect(lambda: self.show_requested.emit(self.view()))
        self.close_button = QPushButton("×")
        self.close_button.setObjectName("lessonCloseButton")
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip(self.tr("Hide this lesson"))
        self.close_button.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.show_button)
        top.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 6)
        lay.addLayout(top)
        lay.addWidget(self.text)
        self.hide()

    def view(self) -> str:
        return lesson_text(self.preset, "view") if self.preset else ""

    def set_preset(self, preset: dict | None) -> None:
        """The preset chosen: its lesson is shown; a preset without one (or None) hides the card."""
        if not preset or not preset.get("lesson"):
            self.preset = None
            self.hide()
            return
        self.preset = preset
        chapter = lesson_text(preset, "chapter")
        self.title.setText("<b>" + lesson_text(preset, "name") + "</b>"
                           + (f" <span style='color:#6d5400'>· {chapter}</span>" if chapter else ""))
        self.text.setText(lesson_text(preset, "text") + "<br><b>" + self.tr("Question:") + "</b> "
                          + lesson_text(preset, "question"))
        self.show()

    @Slot(object)
    def on_run_started(self, _ev=None) -> None:
        """The lesson's run started: its view comes to the front."""
        if self.preset is not None and self.isVisible():
            self.show_requested.emit(self.view())
