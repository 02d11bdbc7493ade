"""The Chinese a class reads: one term per idea, Chinese typesetting, the lessons' chapters of the Chinese
edition, and the two help pages kept in step.

The terminology and typesetting rules run over every translation of the .ts file and every Chinese field of
the lessons; the help pages are compared section by section and row by row.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QTextDocument

from convscope.app import i18n
from convscope.core.setup.lesson_packs import BUILTIN_FILE, read_pack

ROOT = Path(__file__).resolve().parents[2]
TS_FILE = ROOT / "resources" / "i18n" / "convscope_zh_CN.ts"
GLOSSARY = json.loads((ROOT / "resources" / "i18n" / "glossary.json").read_text(encoding="utf-8"))
# Every lesson of the built-in pack, its checks' and predictions' Chinese as fields of its lesson part too.
LESSONS = [{"id": lesson.id, "lesson": {**lesson.lesson_part(),
                                        **{f"check{i}.say_zh": c.say_zh for i, c in enumerate(lesson.checks)},
                                        **{f"prediction{i}.choice_zh": p.choice_zh
                                           for i, p in enumerate(lesson.predictions)}}}
           for lesson in read_pack(BUILTIN_FILE, validate=False).lessons]
HELP_EN = ROOT / "resources" / "help.html"
HELP_ZH = ROOT / "resources" / "help_zh_CN.html"

CJK = "\u3400-\u9fff"
HAN = f"[{CJK}]"
# The chapters of the Chinese edition (zh-v2) the lessons may cite, with their titles.
ZH_CHAPTERS = {"4.1": "多层感知机", "6.2": "图像卷积", "6.5": "汇聚层", "6.6": "卷积神经网络（LeNet）",
               "7.1": "深度卷积神经网络（AlexNet）",
               "7.2": "使用块的网络（VGG）", "7.3": "网络中的网络（NiN）", "7.4": "含并行连结的网络（GoogLeNet）",
               "7.5": "批量规范化", "7.6": "残差网络（ResNet）", "11.3": "梯度下降", "13.1": "图像增广",
               "3.5": "图像分类数据集"}


def translations() -> list[tuple[str, str]]:
    """(source, translation) of every message of the .ts file."""
    root = ET.parse(TS_FILE).getroot()
    return [(m.findtext("source"), m.findtext("translation") or "") for m in root.iter("message")]


def lesson_zh_texts() -> list[tuple[str, str]]:
    """(lesson id and field, text) of every Chinese field of the lessons."""
    return [(f"{lesson['id']}.{key}", value) for lesson in LESSONS for key, value in lesson["lesson"].items()
            if key.endswith("_zh")]


def term_errors(text: str) -> list[str]:
    """The glossary's avoided renderings in ``text`` (跳跃连接 where the glossary says 残差连接…)."""
    return [f"{bad} → {good}" for bad, good in GLOSSARY["avoid"].items() if bad in text]


def typesetting_errors(text: str, rich: bool | None = None) -> list[str]:
    """Chinese typesetting: full-width punctuation next to Chinese, no space before %, —— without spaces, and
    in rich text (``rich``; by default: text with a tag) no line break between two Chinese characters."""
    rich = "<" in text if rich is None else rich
    plain = re.sub(r"\((&\w)\)", "", text)  # a menu accelerator, 文件(&F): Qt's standard Chinese form
    plain = plain.replace(";;", "\t")  # the separator of a file dialog's filters
    errors = []
    for m in re.finditer(rf"{HAN}[,;:?!()]|[,;:?!()]{HAN}", plain):
        errors.append(f"half-width punctuation next to Chinese: {m.group()!r}")
    for m in re.finditer(r"[\d}]\s+%", plain):
        errors.append(f"space before %: {m.group()!r}")
    for m in re.finditer(r"\s——|——\s", plain):
        errors.append(f"space around ——: {m.group()!r}")
    # Inline tags (<b>, <i>) do not break a line; block tags and <br> do.
    flow = re.sub(r"<br\s*/?>|</?(p|li|tr|td|h\d|table|ol|ul|html|head|body|style)\b[^>]*>", "\0", plain)
    flow = re.sub(r"<[^>]+>", "", flow)
    for m in re.finditer(rf"[{CJK}，。、；：？！）”]\s*\n\s*[{CJK}（“]", flow if rich else ""):
        errors.append(f"a line break between two Chinese characters (renders as a space): {m.group()!r}")
    return errors


def all_errors(text: str, rich: bool | None = None) -> list[str]:
    return term_errors(text) + typesetting_errors(text, rich)


# ------------------------------------------------------------------------------------ terminology
def test_one_term_per_idea_and_chinese_typesetting_in_the_ts_file_and_the_lessons():
    texts = [(source, t, None) for source, t in translations()]
    texts += [(where, t, True) for where, t in lesson_zh_texts()]  # the lesson card shows rich text
    assert len(texts) > 700
    wrong = [(where, t, errors) for where, t, rich in texts if (errors := all_errors(t, rich))]
    assert wrong == []


@pytest.mark.parametrize("planted, error", [
    ("勾选跳跃连接", "跳跃连接 → 残差连接"),
    ("第一个卷积层的视野", "视野 → 感受野"),
    ("训练,测试", "half-width punctuation"),
    ("准确率 97 %", "space before %"),
    ("第 1 轮 —— 完成", "space around ——"),
    ("停留在随机猜测的\n  <b>水平</b>", "line break"),
])
def test_the_rules_catch_a_planted_mistake(planted, error):
    assert any(error in e for e in all_errors(planted)), planted
    assert all_errors("勾选残差连接，准确率 97%，第 1 轮——完成。文件(&F)") == []


def test_the_rules_fail_on_the_real_files_with_a_planted_mistake():
    """Plant a mistake in a real translation and a real lesson: the whole-file check finds it."""
    source, text = next((s, t) for s, t in translations() if "残差连接" in t)
    assert all_errors(text) == [] and all_errors(text.replace("残差连接", "跳跃连接")) != []
    where, text = next((w, t) for w, t in lesson_zh_texts() if "，" in t)
    assert all_errors(text, True) == [] and all_errors(text.replace("，", ",", 1), True) != []


def test_the_glossary_names_one_term_for_the_ideas_that_drifted():
    terms = GLOSSARY["terms"]
    for english in ("skip connection", "shortcut", "residual connection"):
        assert terms[english] == "残差连接"
    assert terms["receptive field"] == "感受野" and terms["stem"] == "起始层"
    assert terms["images/s"] == "张/秒" and terms["timeline"] == "时间线"
    assert not set(GLOSSARY["avoid"]) & set(terms.values())  # no term is also an avoided form


# ------------------------------------------------------------------------------ lessons' chapters
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson["id"])
def test_every_lesson_cites_the_chinese_editions_chapter(lesson):
    chapter = lesson["lesson"]["chapter_zh"]
    assert chapter.startswith("《动手学深度学习》")
    cited = re.findall(r"(\d+\.\d+) ", chapter)
    assert cited, chapter
    for number in cited:
        assert chapter.split(number + " ", 1)[1].startswith(ZH_CHAPTERS[number]), (number, chapter)


def test_the_lesson_card_shows_the_chapter_in_the_windows_language(qtbot):
    from convscope.app.widgets.lesson_card import LessonCard
    from convscope.core.setup.presets import get_preset

    preset = get_preset("lesson-1x1-conv").to_json()
    card = LessonCard()
    qtbot.addWidget(card)
    card.set_preset(preset)
    assert "d2l 8.3 (NiN)" in card.title.text()
    i18n.install(i18n.CHINESE)
    card.set_preset(preset)
    assert card.isVisibleTo(card.parentWidget() or card)
    title = card.title.text()
    assert "《动手学深度学习》7.3 网络中的网络（NiN）" in title and "8.3" not in title and "d2l" not in title
    assert "1×1 卷积" in title  # the lesson's Chinese name beside it


# ------------------------------------------------------------------------------------- help pages
def _structure(page: str) -> tuple[list[str], list[int], list[str]]:
    """A help page's section levels, its rows per table, and its placeholders."""
    headings = re.findall(r"<(h[1-3])>", page)
    tables = [len(re.findall(r"<tr>", t)) for t in re.findall(r"<table>(.*?)</table>", page, re.S)]
    return headings, tables, re.findall(r"\{\{\w+\}\}", page)


def test_the_chinese_help_page_has_the_english_ones_sections_rows_and_keys():
    en, zh = HELP_EN.read_text(encoding="utf-8"), HELP_ZH.read_text(encoding="utf-8")
    assert _structure(en) == _structure(zh)
    keys = lambda page: re.findall(r'<td class="key">(.*?)</td>', page)  # noqa: E731
    assert keys(en) == keys(zh)  # the same shortcuts, row by row
    key_spans = lambda page: re.findall(r'<span class="key">(.*?)</span>', page, re.S)  # noqa: E731
    assert [re.sub(r"\s+", " ", k) for k in key_spans(en)] == [re.sub(r"\s+", " ", k) for k in key_spans(zh)]
    assert len(re.findall(r"<li>", en)) == len(re.findall(r"<li>", zh))


def test_the_chinese_help_renders_without_stray_spaces_in_its_sentences():
    page = HELP_ZH.read_text(encoding="utf-8")
    assert typesetting_errors(page, rich=True) == []
    doc = QTextDocument()
    doc.setHtml(page)
    assert re.findall(rf"{HAN} {HAN}", doc.toPlainText()) == []  # what a reader sees: no space inside a sentence
