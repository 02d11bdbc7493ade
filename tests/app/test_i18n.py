"""The window in Chinese (zh_CN) and English: the language choice, the translations and their glossary.

The other window tests run in English (tests/app/conftest.py saves English in their settings); these pick
Chinese themselves, through the settings (what the Language menu does) or the helper of app/i18n.py.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from convscope.app import i18n
from convscope.core.data import augment_spec as AUGMENTATIONS

ROOT = Path(__file__).resolve().parents[2]
TS_FILE = ROOT / "resources" / "i18n" / "convscope_zh_CN.ts"
QM_FILE = ROOT / "resources" / "i18n" / "convscope_zh_CN.qm"
GLOSSARY = json.loads((ROOT / "resources" / "i18n" / "glossary.json").read_text(encoding="utf-8"))["terms"]

# Names that stay as they are in Chinese (the Chinese d2l edition writes them so too), and units.
PROPER_NAMES = (
    "LeNet", "AlexNet", "VGG", "NiN", "GoogLeNet", "ResNet", "ResBlk", "Inception", "MNIST", "Fashion",
    "CIFAR", "SGD", "AdamW", "Adam", "ReLU", "sigmoid", "CPU", "GPU", "CUDA", "MPS", "GiB", "PyTorch", "d2l", "RGB",
    "DIR", "Apple", "stem", "early stopping",
    "PNG", "JPEG", "JPG", "BMP", "GIF", "WebP", "TIFF", "ImageNet", "MLP", "mlpconv", "softmax", "logit",
    "Grad-CAM", "BatchNorm", "dropout", "epoch", "ConvScope", "img", "px", "lr", "fc", "ln", "max", "min",
    "threads", "torchvision", "NaN", "DIR/MNIST/raw", "Ctrl", "Enter",
)


# The augmentations' names as --augment and a run's config.json write them (hflip, crop…): they stay.
AUGMENT_NAMES = AUGMENTATIONS.NAMES


def english_words(text: str, allowed: tuple[str, ...] = PROPER_NAMES) -> list[str]:
    """The English words of ``text`` (HTML tags and entities, proper names and units left out)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    for name in sorted(allowed, key=len, reverse=True):
        text = re.sub(r"(?<![A-Za-z])" + re.escape(name) + r"(?![A-Za-z])", " ", text, flags=re.IGNORECASE)
    return re.findall(r"[A-Za-z]{2,}", text)


def visible_texts(root: QWidget) -> list[str]:
    """What a student reads in ``root``: labels, group titles, buttons, boxes, fields and their tooltips."""
    texts = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root):
            continue
        if isinstance(w, QLabel):
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QComboBox):
            texts.append(w.currentText())
        elif isinstance(w, QAbstractSpinBox):
            texts.append(w.text())
        elif isinstance(w, QLineEdit):
            texts.append(w.placeholderText())
        texts.append(w.toolTip())
    return [t for t in texts if t and t.strip()]


@pytest.fixture
def chinese_window(qtbot, monkeypatch):
    """The real main window after "中文" was chosen in the Language menu (saved in the settings)."""
    from convscope.app.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    i18n.save_language(i18n.CHINESE)
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=180_000)
    return w


# ------------------------------------------------------------------------------- the language choice
def test_language_follows_the_locale_unless_one_was_chosen():
    assert i18n.language_of_locale(QLocale("zh_CN")) == i18n.CHINESE
    assert i18n.language_of_locale(QLocale("zh_TW")) == i18n.CHINESE
    assert i18n.language_of_locale(QLocale("en_GB")) == i18n.ENGLISH
    assert i18n.language_of_locale(QLocale("de_DE")) == i18n.ENGLISH
    i18n.save_language(i18n.CHINESE)
    assert i18n.saved_language() == i18n.CHINESE == i18n.chosen_language()
    i18n.save_language(None)
    assert i18n.saved_language() is None
    assert i18n.chosen_language() == i18n.language_of_locale(QLocale.system())
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.save_language("fr")


def test_lang_zh_cn_gives_chinese_and_lang_c_english(tmp_path):
    """A real process started with LANG=zh_CN.UTF-8 (and no choice saved) starts in Chinese."""
    code = ("from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from convscope.app import i18n\n"
            "print(i18n.apply_language(), QApplication.translate('MainWindow', '&File'))\n")
    for lang, expected in (("zh_CN.UTF-8", "zh_CN 文件(&F)"), ("C.UTF-8", "en &File")):
        env = {**os.environ, "LANG": lang, "LC_ALL": lang, "LANGUAGE": "", "QT_QPA_PLATFORM": "offscreen",
               "CONVSCOPE_SETTINGS_DIR": str(tmp_path / lang)}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip().splitlines()[-1] == expected


def test_install_english_removes_the_translation(qapp):
    assert i18n.install(i18n.CHINESE) and i18n.current_language() == i18n.CHINESE
    assert qapp.translate("SettingsColumn", "▶  Train") == "▶  训练"
    assert i18n.install(i18n.ENGLISH) and i18n.is_english()
    assert qapp.translate("SettingsColumn", "▶  Train") == "▶  Train"


# ------------------------------------------------------------------------------------ the window
def test_the_window_in_chinese_has_no_english_left_in_its_settings(chinese_window):
    w = chinese_window
    assert i18n.current_language() == i18n.CHINESE
    assert w.windowTitle() == "ConvScope——观察卷积神经网络如何学习"
    panel = w.config_panel
    assert panel.findChild(QGroupBox).title() == "从预设开始"
    assert w.start_button.text() == "▶  训练" and w.stop_button.text() == "■  停止"
    assert w.more_button.text() == "+1 轮" and w.pause_button.text() == "❚❚  暂停"
    spec = panel.current_spec()
    texts = [t.replace(spec.paper, "") for t in visible_texts(panel)]  # a paper's title stays as published
    assert len(texts) > 40
    names = PROPER_NAMES + AUGMENT_NAMES
    leftovers = {t: english_words(t, names) for t in texts if english_words(t, names)}
    assert leftovers == {}, f"English left in the settings: {leftovers}"
    assert any("学习率" in t for t in texts) and any("批量大小" in t for t in texts)
    for button in (w.start_button, w.pause_button, w.stop_button, w.more_button):
        assert english_words(button.text() + button.toolTip()) == [], button.objectName()
    # Menus, tabs and the status bar too.
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus == ["文件(&F)", "语言(&L)", "帮助(&H)"]
    bar = w.view_groups.group_bar
    groups = ["训练", "网络内部", "数据", "模型", "测试", "训练结果", "日志"]
    assert [bar.tabText(i) for i in range(bar.count())] == groups
    assert w.view_groups.titles() == ["曲线", "比赛", "特征图", "1×1 卷积层", "全局平均汇聚层", "输出", "层健康",
                                      "数据集", "数据增广", "样本", "模型", "评估", "手绘", "训练结果", "日志"]
    assert w.statusBar().currentMessage() == "就绪：选择一个网络和一个数据集，然后按“训练”。"


def test_the_feature_maps_view_explains_itself_in_chinese(chinese_window):
    w = chinese_window
    views = {v.objectName(): v for v in w.activations.views}
    text = views["featureMapView"].explanation.text()
    assert text.startswith("<b>特征图显示的是什么</b>")
    assert "卷积层" in text and english_words(text) == []
    for name in ("oneByOneView", "gapView"):
        assert english_words(views[name].explanation.text(), PROPER_NAMES + ("W", "x", "y", "b")) == [], name
    assert "全局平均汇聚层" in views["gapView"].explanation.text()
    assert views["featureMapView"].placeholder.text() == "开始训练即可查看网络内部。"


def test_the_network_line_and_the_estimate_have_no_english_in_chinese(chinese_window, qtbot):
    """The architecture's line under its description names the paper (its title stays as published) but says
    "the course notes' small form" in Chinese; the estimate line says 张/秒, not images/s."""
    from test_main_window import configure

    from convscope.app.estimates import rate_key

    w = chinese_window
    for arch, dataset in (("lenet-cifar", "cifar10-sample"), ("resnet-small", "cifar10-sample"),
                          ("inception-net", "mnist-sample")):
        configure(w, arch, dataset, epochs=1, subset=64)
        spec = w.config_panel.current_spec()
        assert "course notes" in spec.paper
        info = w.estimates.info_label.text()
        citation = spec.paper.split(";")[0]
        assert citation in info and "course notes" not in info and "form" not in info, info
        assert english_words(info.replace(citation, ""), PROPER_NAMES) == [], info
        cfg = w.current_config()
        w.estimates.rates[rate_key(cfg)] = (1234.0, "run")
        w.estimates.show(cfg)
        estimate = w.estimate_label.text()
        assert "1,234" in estimate and "张/秒" in estimate and "images" not in estimate, estimate
    qtbot.waitUntil(lambda: not w.session.jobs.active(), timeout=180_000)


def test_the_language_menu_saves_the_choice_for_the_next_start(chinese_window):
    w = chinese_window
    english, chinese = w.findChild(QAction, "language_en"), w.findChild(QAction, "language_zh_CN")
    assert english.text() == "English" and chinese.text() == "中文"
    assert chinese.isChecked() and not english.isChecked()
    english.trigger()
    assert i18n.saved_language() == i18n.ENGLISH
    assert i18n.current_language() == i18n.CHINESE  # applied at the next start, which the banner says
    assert w.banner.isVisible() and "restart ConvScope" in w.banner.message.text()
    assert english.isChecked()


def test_the_guide_is_chinese_in_chinese(chinese_window):
    from convscope.app.help import guide_html

    page = guide_html(chinese_window)
    assert "<h1>ConvScope 指南</h1>" in page
    assert "用当前设置训练" in page  # the shortcut rows come from the window's own actions
    assert "{{" not in page


# ------------------------------------------------------------------------- banners by reason code
def test_banners_say_what_the_reason_code_means_in_chinese(qapp):
    from convscope.app import notices
    from convscope.core.training import events as E

    cfg = SimpleNamespace(lr=0.1, dataset="fashion-mnist")
    warning = E.RunWarning(E.STUCK, "epoch 2: the loss stays at 2.303 ≈ ln 10 = 2.303 …")
    english = notices.warning_notice(warning, cfg)
    assert english.message.startswith("Epoch 2: the loss stays") and english.action == "Use lr 0.01 next time"
    i18n.install(i18n.CHINESE)
    chinese = notices.warning_notice(warning, cfg)
    assert chinese.title == "网络卡在随机猜测水平：它只是在猜"
    assert chinese.message.startswith("损失停留在随机猜测的水平")
    assert english_words(chinese.message) == []  # the code says it all: no English details
    assert chinese.action == "下次使用学习率 0.01" and chinese.action_id == english.action_id
    diverged = E.RunResult("diverged", 1, message="training diverged: the loss exploded", reason=E.DIVERGED)
    status, notice = notices.run_end(diverged, cfg, unsaved=False)
    assert status == "训练发散。" and notice.title == "发散——学习率太大"
    assert notice.message.startswith("训练发散：损失变成了 NaN") and notice.action == "使用学习率 0.01"
    done = E.RunResult("completed", 3, test_acc=0.9712, message="trained 3 epoch(s); test accuracy 97.12%")
    assert notices.run_end(done, cfg, unsaved=False) == ("完成：训练了 3 轮；测试准确率 97.12%。", None)
    failed = E.RunResult("failed", 0, message="could not read /data/x: bad header", reason=E.DATA)
    notice = notices.failed_notice(failed, False, cfg)
    assert notice.title == "训练失败" and notice.message.startswith("无法读取数据集的文件")
    assert "详细信息：could not read /data/x: bad header" in notice.message  # the file, in core's words
    missing = notices.not_downloaded_notice(SimpleNamespace(
        dataset="fashion-mnist", info=SimpleNamespace(display_name="Fashion-MNIST (70,000 clothes)")))
    assert missing.title == "找不到数据集" and missing.action == "使用离线样本"
    assert missing.message.startswith("这台计算机上没有 Fashion-MNIST，也没有下载")


# ------------------------------------------------------------------------------ the translations
def _messages():
    tree = ET.parse(TS_FILE)
    for context in tree.getroot().iter("context"):
        for message in context.iter("message"):
            yield context.findtext("name"), message


def test_every_ts_entry_is_translated():
    messages = list(_messages())
    assert len(messages) > 400
    unfinished = [m.findtext("source") for _, m in messages
                  if m.find("translation").get("type") in ("unfinished", "vanished", "obsolete")
                  or not (m.findtext("translation") or "").strip()]
    assert unfinished == []
    for _, m in messages:  # the placeholders of str.format survive the translation
        source, translation = m.findtext("source"), m.findtext("translation")
        assert sorted(set(re.findall(r"\{\w*\}", source))) == sorted(set(re.findall(r"\{\w*\}", translation))), source


def _tool(name: str) -> str:
    import PySide6

    for candidate in (Path(sys.executable).parent / f"pyside6-{name}", Path(PySide6.__file__).parent / name):
        if candidate.exists():
            return str(candidate)
    pytest.skip(f"PySide6's {name} is not installed here")


def test_the_qm_file_is_built_from_the_ts_file(tmp_path):
    rebuilt = tmp_path / "rebuilt.qm"
    out = subprocess.run([_tool("lrelease"), "-silent", str(TS_FILE), "-qm", str(rebuilt)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert rebuilt.read_bytes() == QM_FILE.read_bytes(), "run `make translations` and commit the .qm file"


def test_the_ts_file_has_every_text_marked_in_the_app(tmp_path):
    """lupdate on app/ finds no text the .ts file lacks, and the .ts file keeps none that is gone."""
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "app").rglob("*.py"))
    out = subprocess.run([_tool("lupdate"), *sources, "-ts", str(fresh), "-locations", "none", "-silent"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    found = {(c.findtext("name"), m.findtext("source")) for c in ET.parse(fresh).getroot().iter("context")
             for m in c.iter("message")}
    shipped = {(context, m.findtext("source")) for context, m in _messages()}
    assert found - shipped == set(), "texts not in the .ts file: run `make translations` and translate them"
    assert shipped - found == set(), "texts the app no longer has: run `make translations`"


def test_the_glossary_terms_are_used_consistently():
    assert GLOSSARY["learning rate"] == "学习率" and GLOSSARY["global average pooling"] == "全局平均汇聚层"
    checked, wrong = 0, []
    for _, m in _messages():
        source = re.sub(r"\{\w*\}", "", m.findtext("source"))  # {epoch} is a number, not the word
        translation = m.findtext("translation")
        for english, chinese in GLOSSARY.items():
            if re.search(r"(?<![\w-])" + re.escape(english) + r"(s|es)?(?!\w)", source, re.IGNORECASE):
                checked += 1
                if chinese not in translation:
                    wrong.append((english, chinese, source, translation))
    assert checked > 200
    assert wrong == []


def test_every_text_of_core_the_window_shows_is_translated(qapp):
    from convscope.app import core_texts
    from convscope.core.data.datasets import DATASETS
    from convscope.core.models import list_models

    listed = set(core_texts.DATASET_TEXTS + core_texts.NETWORK_TEXTS + core_texts.PAPER_TEXTS + core_texts.PRESET_TEXTS
                 + core_texts.AUGMENT_TEXTS + core_texts.CLASS_NAMES)
    shown = {t for info in DATASETS.values() for t in (info.display_name, info.description)}
    shown |= _augmentation_texts()
    shown |= {spec.description for spec in list_models()}
    shown |= {spec.paper for spec in list_models() if ";" in spec.paper}  # a citation and words of ours
    shown |= {c for info in DATASETS.values() for c in info.classes if not c.isdigit()}
    presets = json.loads((ROOT / "resources" / "presets.json").read_text(encoding="utf-8"))["presets"]
    shown |= {t for p in presets for t in (p["name"], p["description"])}
    assert shown - listed == set(), "add these texts to app/core_texts.py, then run `make translations`"
    i18n.install(i18n.CHINESE)
    untranslated = [t for t in listed if core_texts.core_text(t) == t and english_words(t)
                    and t not in ("LeNet-5 · Fashion-MNIST",)]
    assert untranslated == []
    assert core_texts.core_text("MNIST sample (offline, 5,000 digits)") == "MNIST 样本（离线，5,000 个数字）"


def _augmentation_texts() -> set[str]:
    """The texts of core.data.augment_spec's catalogue the window shows: the checkboxes' names, the parameters,
    what each does, where it is safe or breaks labels, the kinds of dataset and the label warning's
    reasons."""
    S = AUGMENTATIONS
    texts = {t for aug in S.CATALOGUE for t in (aug.label, aug.param, aug.does, *aug.safety.values())}
    texts |= set(S.KIND_NAMES.values())
    texts |= {S._reason(aug.name, kind) for aug in S.CATALOGUE for kind in S.KIND_NAMES
              if S.breaks_labels(aug.name, 180, kind)}
    return texts


def test_the_augmentation_sentences_read_as_core_writes_them_in_english(qapp):
    """The window builds core's augmentation sentences again from their translated parts: in English they
    are core's, byte for byte."""
    from convscope.app.core_texts import augment_description, augment_label_warning
    from convscope.core.data.datasets import DATASETS

    S = AUGMENTATIONS
    assert i18n.is_english()
    for aug in S.CATALOGUE:
        assert augment_description(aug.name) == S.describe(aug.name)
    specs = ["", "hflip", "vflip,rot90,crop", "rotate=15", "rotate=120,translate=3", ",".join(S.NAMES)]
    for info in DATASETS.values():
        for spec in specs:
            for run in (True, False):
                core = S.label_warnings(spec, info, run=run)
                assert augment_label_warning(spec, info, run=run) == (core[0][:1].upper() + core[0][1:]
                                                                      if core else "")


def test_the_augmentations_and_their_preview_read_in_chinese(qtbot):
    import numpy as np

    from convscope.app import notices
    from convscope.app.widgets.augment_box import AugmentBox
    from convscope.app.widgets.augment_preview import AugmentPreviewView
    from convscope.core.data.datasets import get_info
    from convscope.core.insight.augment_preview import AugmentPreview
    from convscope.core.training import events as E

    i18n.install(i18n.CHINESE)
    names = PROPER_NAMES + AUGMENT_NAMES
    box = AugmentBox()
    qtbot.addWidget(box)
    assert box.checks["hflip"].text() == "水平翻转" and box.params["crop"].suffix() == " 像素"
    for name, check in box.checks.items():
        assert english_words(check.text() + check.toolTip(), names) == [], name
    assert "数据增广" in box.checks["crop"].toolTip() and "测试集" in box.checks["vflip"].toolTip()
    box.show()
    box.set_dataset(get_info("mnist-sample"))
    box.set_spec("vflip,rotate=120,crop")
    warning = box.warning_text()
    assert "6 是 9" in warning and "vflip 和 rotate" in warning and english_words(warning, names) == []
    view = AugmentPreviewView()
    qtbot.addWidget(view)
    assert english_words(view.status.text(), names) == []
    images, labels = np.zeros((2, 28, 28, 3), np.uint8), np.array([0, 3])
    fashion = get_info("fashion-mnist-sample").classes
    view.show_preview(AugmentPreview(2, 1234, "hflip=0.5,crop=4", fashion, images, images, labels, images,
                                     images, labels))
    assert view.status.text().startswith("第 2 轮，第 1,234 步——数据增广 hflip=0.5, crop=4。")
    assert view.batch_caption.text().endswith("标签：T恤/上衣、连衣裙。")
    for label in (view.status, view.batch_caption, view.fixed_caption):
        assert english_words(label.text(), names) == [], label.text()
    cfg = SimpleNamespace(lr=0.1, augment="vflip", info=get_info("mnist-sample"))
    warning = E.RunWarning(E.AUGMENT_LABELS, AUGMENTATIONS.label_warnings("vflip", cfg.info)[0])
    notice = notices.warning_notice(warning, cfg)
    assert "6 是 9" in notice.message and notice.message.endswith("训练继续进行。")
    assert english_words(notice.message, names) == []
    notice = notices.warning_notice(warning, None)  # no settings at hand: what the code means, then core's
    assert notice.message.startswith("这次训练的某个数据增广会让") and "详细信息：" in notice.message


def test_layer_labels_of_every_network_read_in_chinese(qapp):
    """The layer picker's labels come from core (English); the window words them in its language."""
    from convscope.app.widgets.activations._common import layer_label_text
    from convscope.core.models import list_models

    labels = {layer.label for spec in list_models() for layer in spec.probe_layers}
    labels |= {"conv3 (3×3 conv, 16 maps)", "b.conv (1×1 conv, 32 → 64)"}  # core.training.introspect's own
    assert len(labels) > 30
    assert {label: layer_label_text(label) for label in labels if layer_label_text(label) != label} == {}
    i18n.install(i18n.CHINESE)
    assert layer_label_text("block 1: first 1×1 conv (mixes 96 channels per pixel)") == \
        "第 1 块：第一个 1×1 卷积（逐像素混合 96 个通道）"
    assert layer_label_text("stage 2: two residual blocks (128 maps, half size)") == \
        "第 2 阶段：两个残差块（128 张特征图，尺寸减半）"
    names = PROPER_NAMES + ("conv1", "conv2", "conv3", "conv5", "b1", "b2", "b.conv")
    assert {label: layer_label_text(label) for label in labels if english_words(layer_label_text(label), names)} == {}
