"""A lesson above the tabs: its text, its question, the view that shows it, the prediction and the checklist.

A lesson is a preset with a ``lesson`` part (a lesson pack, see ``core.setup.lesson_packs``). Choosing
one in the preset list loads its settings (the settings panel does that) and shows this card; when its
run starts, the tab of the lesson's view comes to the front ("Show me" does it at any time). The texts
are in the window's language (the lesson carries its Chinese in ``*_zh``).

A lesson with predictions shows its choices before Train: the student picks one. After the run (or for
an opened run, with "Check the run") the card shows each of the lesson's checks ✓/✗ with its explanation
and the value measured, and the student's prediction beside what happened (``show_result``; the checks
themselves run in ``app.lesson_packs``).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QRadioButton, QVBoxLayout, QWidget

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
    value = lesson.get(key) if key in ("text", "question", "chapter", "view", "pack_title") else preset.get(key)
    return str(value or "")


def _zh(entry: dict, key: str) -> str:
    """``entry[key]`` in the window's language (its ``key_zh`` in Chinese, where there is one)."""
    if i18n.current_language() == i18n.CHINESE and entry.get(f"{key}_zh"):
        return str(entry[f"{key}_zh"])
    return str(entry.get(key, ""))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "—" if value is None else str(value)


class LessonCard(QFrame):
    show_requested = Signal(str)  # the object name of the lesson's view
    check_requested = Signal()  # "Check the run": check the run shown against this lesson

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
        self.check_button = QPushButton(self.tr("Check the run"))
        self.check_button.setObjectName("lessonCheckButton")
        self.check_button.setToolTip(self.tr("Check the run shown (the last one trained, or the one opened) "
                                             "against this lesson's checks"))
        self.check_button.clicked.connect(self.check_requested)
        self.predict_label = QLabel()
        self.predict_label.setObjectName("lessonPredictLabel")
        self.choices_box = QWidget()
        self.choices = QVBoxLayout(self.choices_box)
        self.choices.setContentsMargins(12, 0, 0, 0)
        self.choice_group = QButtonGroup(self)
        self.checklist = QLabel()
        self.checklist.setObjectName("lessonChecklist")
        self.checklist.setWordWrap(True)
        self.checklist.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.show_button)
        top.addWidget(self.check_button)
        top.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 6)
        lay.addLayout(top)
        lay.addWidget(self.text)
        lay.addWidget(self.predict_label)
        lay.addWidget(self.choices_box)
        lay.addWidget(self.checklist)
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
        self._set_choices(preset["lesson"].get("predictions") or [])
        self.checklist.clear()
        self.checklist.hide()
        self.check_button.setVisible(bool(preset["lesson"].get("checks")))
        self.show()

    # ---------------------------------------------------------------------------------- prediction
    def _set_choices(self, predictions: list[dict]) -> None:
        for button in self.choice_group.buttons():
            self.choice_group.removeButton(button)
            button.deleteLater()
        for i, p in enumerate(predictions):
            button = QRadioButton(_zh(p, "choice"))
            button.setObjectName(f"lessonChoice{i}")
            self.choice_group.addButton(button, i)
            self.choices.addWidget(button)
        self.predict_label.setText("<b>" + self.tr("Predict before you train:") + "</b> "
                                   + self.tr("what will this run show?"))
        self.predict_label.setVisible(bool(predictions))
        self.choices_box.setVisible(bool(predictions))

    def predictions(self) -> list[dict]:
        return list((self.preset or {}).get("lesson", {}).get("predictions") or [])

    def prediction(self) -> int | None:
        """The index of the choice the student picked, or None."""
        index = self.choice_group.checkedId()
        return index if index >= 0 else None

    def choose(self, index: int) -> None:
        """Pick the choice ``index`` (what a click on it does)."""
        button = self.choice_group.button(index)
        if button is not None:
            button.setChecked(True)

    # ----------------------------------------------------------------------------------- checklist
    def show_message(self, text: str) -> None:
        """A line in place of the checklist (why the run could not be checked)."""
        self.checklist.setText(_html(text))
        self.checklist.show()

    def show_result(self, result: dict, what: str = "") -> None:
        """The checks of a run (``LessonResult.to_json()``): ✓/✗ per check with its explanation and the
        value measured, then the prediction picked beside what happened. ``what`` names the run."""
        marks = {True: "<span style='color:#1b7f2a'>✓</span>", False: "<span style='color:#b3261e'>✗</span>",
                 None: "<span style='color:#777'>?</span>"}
        rows = []
        for c in result.get("checks", []):
            measured = self.tr("measured: {value}").format(value=_number(c.get("value")))
            if c.get("note"):
                measured += f" ({_html(core_text(c['note']))})"
            rows.append(f"{marks[c.get('passed')]} {_html(_zh(c, 'say'))} <i>{_html(measured)}</i>")
        passed = [c.get("passed") for c in result.get("checks", [])]
        if False in passed:
            head = self.tr("{failed} of {total} checks do not hold.").format(failed=passed.count(False),
                                                                          total=len(passed))
        elif None in passed:
            head = self.tr("The {held} checks measured hold; {missing} could not be measured yet.").format(
                held=passed.count(True), missing=passed.count(None))
        else:
            head = self.tr("The run shows what the lesson says: every check holds.")
        html = "<b>" + _html((what + ": " if what else "") + head) + "</b><br>" + "<br>".join(rows)
        predictions = self.predictions()
        if predictions:
            right = [_zh(p, "choice") for p in predictions if p.get("correct")]
            picked = self.prediction()
            if picked is None:
                verdict = self.tr("You made no prediction.")
            elif predictions[picked].get("correct"):
                verdict = self.tr("You predicted “{choice}”: right.").format(choice=_zh(predictions[picked], "choice"))
            else:
                verdict = self.tr("You predicted “{choice}”.").format(choice=_zh(predictions[picked], "choice"))
            expected = " / ".join(right)
            outcome = (self.tr("What happened: {expected}.") if all(p is not False for p in passed) else
                       self.tr("The lesson expected: {expected}; this run did not show it (see the checks)."))
            html += "<br><b>" + _html(self.tr("Your prediction:")) + "</b> " + _html(verdict) + " " \
                + _html(outcome.format(expected=expected))
        for difference in result.get("differences", []):
            html += "<br><i>" + _html(self.tr("Note: the run differs from the lesson: {difference}").format(
                difference=difference)) + "</i>"
        self.checklist.setText(html)
        self.checklist.show()

    @Slot(object)
    def on_run_started(self, _ev=None) -> None:
        """The lesson's run started: its view comes to the front."""
        if self.preset is not None and self.isVisible():
            self.show_requested.emit(self.view())
