"""Lesson packs in the window: File → Open lesson pack… and a dropped .toml list a pack's lessons under its
title, the card offers the prediction before Train, the run is checked when it ends (✓/✗, value, the
prediction beside what happened), an opened run is checked on request, and a bad pack is refused in the
banner."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from test_main_window import WAIT, child, configure

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_pack(tmp_path) -> Path:
    """The README's complete example pack, written as a teacher would save it."""
    text = README.read_text(encoding="utf-8").split("## Lesson packs", 1)[1].split("```toml\n", 1)[1]
    path = tmp_path / "week3.toml"
    path.write_text(text.split("```", 1)[0], encoding="utf-8")
    return path


def combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_a_pack_from_the_readme_is_listed_trained_and_checked(qtbot, window, tmp_path):
    w = window
    panel, card = w.config_panel, child(w, "lessonCard")
    builtin = combo_texts(panel.preset_combo)
    assert "Lessons: ConvScope's lessons" in builtin  # the built-in lessons have their heading too
    assert w.open_lesson_pack(readme_pack(tmp_path))
    texts = combo_texts(panel.preset_combo)
    heading = texts.index("Lessons: Week 3: learning rates")
    assert texts[heading + 1].strip() == "A learning rate that is too large" and len(texts) == len(builtin) + 3
    # Its first lesson is chosen: its settings are loaded, the card shows it and its two choices.
    assert panel.current_preset() == "lr-large" and card.isVisible() and panel.values()["lr"] == 1.0
    assert child(card, "lessonChoice1").text() == "It stays at chance: about 10 %"
    assert card.prediction() is None
    card.choose(1)
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64, batch=32, save=True)
    with qtbot.waitSignal(w.run_finished, timeout=WAIT):
        w.start_button.click()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    checklist = child(card, "lessonChecklist")
    qtbot.waitUntil(checklist.isVisible, timeout=WAIT)
    text = checklist.text()
    assert "The network stays at chance" in text and "measured: " in text
    assert "needs the run of lesson lr-small" in text  # the comparison waits for the paired lesson's run
    assert "✓" in text or "✗" in text
    assert "1 of 2 checks do not hold" in text or "The 1 checks measured hold; 1 could not be measured yet" in text
    assert "You predicted “It stays at chance: about 10 %”" in text

    # The run, opened from disk, is checked against the lesson on request.
    run_dir = w.lesson_packs.runs[(str(readme_pack(tmp_path)), "lr-large")].path
    assert w.load_checkpoint(run_dir) is not None
    checklist.clear()
    child(card, "lessonCheckButton").click()
    assert f"The opened run {run_dir.name}" in checklist.text()


def test_a_dropped_pack_opens_and_a_bad_pack_is_refused(qtbot, window, tmp_path):
    w = window
    path = readme_pack(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    w.dropEvent(event)
    assert event.isAccepted() and w.config_panel.current_preset() == "lr-large"

    path.write_text(path.read_text(encoding="utf-8").replace('view = "lossPlot"', 'view = "anywhere"'),
                    encoding="utf-8")
    count = w.config_panel.preset_combo.count()
    assert not w.open_lesson_pack(path)
    message = child(w, "bannerMessage").text()
    assert str(path) in message and "lesson 'lr-large'" in message and "key 'view'" in message
    assert w.config_panel.preset_combo.count() == count  # nothing changed


def test_the_file_menu_and_every_view_a_lesson_may_name(window):
    from convscope.core.setup.lesson_packs import VIEWS

    texts = [a.text().replace("&", "") for a in window.file_menu().actions()]
    assert texts.index("Open lesson pack…") == texts.index("Open run…") + 1
    for name in VIEWS:
        assert window.show_view(name), name


def test_the_card_speaks_the_windows_language(qtbot):
    """The built-in lesson's choices and checks in Chinese, the prediction compared with what happened."""
    from convscope.app import i18n
    from convscope.app.widgets.lesson_card import LessonCard
    from convscope.core.setup.presets import get_preset

    preset = get_preset("lesson-lr-too-large").to_json()
    i18n.install(i18n.CHINESE)
    card = LessonCard()
    qtbot.addWidget(card)
    card.set_preset(preset)
    assert card.findChild(object, "lessonChoice2").text().startswith("停在随机猜测水平")
    card.choose(0)
    checks = [{**c, "expected": {"max": c.get("max")}, "value": 0.1, "passed": True, "note": ""}
              for c in preset["lesson"]["checks"]]
    card.show_result({"checks": checks, "differences": []})
    text = card.checklist.text()
    assert "学习率为 1 时，网络停在随机猜测的水平" in text and "测得：0.1" in text
    assert "你预测的是“比学习率 0.1 时学得更快”。" in text and "实际发生的是：停在随机猜测水平" in text


PAIRED = '''format = 1
[[lesson]]
id = "slow"
title = "Slow"
text = "Slow."
question = "Slow?"
view = "lossPlot"
pair = "fast"
[lesson.config]
arch = "lenet"
dataset = "mnist-sample"
lr = 0.001
[[lesson.check]]
what = "test_accuracy"
compare = "pair"
max = 0.0
say = "Behind the fast one."

[[lesson]]
id = "fast"
title = "Fast"
text = "Fast."
question = "Fast?"
view = "lossPlot"
pair = "slow"
[lesson.config]
arch = "lenet"
dataset = "mnist-sample"
lr = 0.01
'''


def test_the_paired_lessons_run_is_found_in_the_runs_folder(window, tmp_path):
    """A comparison with the pair: its run trained earlier (another day, the command line) is in the runs
    folder; the newest completed one trained with the pair's settings is used."""
    import json

    from convscope.app.settings import runs_root
    from convscope.core.runs.lesson_check import RunRecord

    def fake_run(name, lr, acc, status="completed"):
        folder = runs_root() / name
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps({"arch": "lenet", "dataset": "mnist-sample", "lr": lr}))
        (folder / "metrics.jsonl").write_text(json.dumps({"epoch": 1, "test_acc": acc, "train_acc": acc}) + "\n")
        (folder / "status.json").write_text(json.dumps({"status": status}))

    fake_run("other-lr", 0.5, 0.2)  # not the pair's settings
    fake_run("fast-run", 0.01, 0.9)
    pack = tmp_path / "paired.toml"
    pack.write_text(PAIRED, encoding="utf-8")
    w = window
    assert w.open_lesson_pack(pack)
    lesson = w.lesson_packs.shown_lesson()
    assert lesson.id == "slow"
    slow = RunRecord(None, {"arch": "lenet", "dataset": "mnist-sample", "lr": 0.001},
                     [{"epoch": 1, "test_acc": 0.6, "train_acc": 0.6}], "completed")
    assert w.lesson_packs.check(lesson, slow, "This run")
    text = child(w, "lessonChecklist").text()
    assert "This run, compared with the run fast-run" in text and "measured: -0.3" in text and "✓" in text
