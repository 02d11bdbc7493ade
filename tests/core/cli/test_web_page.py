"""A run as one web page: self-contained, and replayed by a real browser (headless Chromium) with no request."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from convscope.core.cli import main
from convscope.core.runs.origin import LESSON, read_lesson


@pytest.fixture(scope="module")
def page(lenet_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "run.html"
    assert main(["export", "--checkpoint", str(lenet_run), "--format", "html", "--output", str(out)]) == 0
    return out


def test_the_page_is_one_file_that_names_nothing_outside_itself(page):
    text = page.read_text(encoding="utf-8")
    # No address of anything to load: no src/href but data: URIs, no url(), no @import, no fetch.
    assert not re.search(r'(src|href)\s*=\s*"(?!data:)[^"]', text)
    assert "url(" not in text and "@import" not in text and "fetch(" not in text and "XMLHttpRequest" not in text
    assert "default-src 'none'" in text  # and the browser is told to refuse any request
    blob = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', text, re.S).group(1)
    data = json.loads(blob)
    assert "<" not in blob  # nothing in the data can close the script
    assert len(data["metrics"]) == 1 and data["snapshots"]
    assert data["snapshots"][-1]["image"].startswith("data:image/png")
    assert data["confusion"]["matrix"] and len(data["confusion"]["matrix"]) == 10
    assert sum(map(sum, data["confusion"]["matrix"])) == 500  # the sample's test split
    assert data["confusion"]["note"].startswith("after epoch 1:")  # the one the run recorded


def test_the_page_speaks_the_language_asked_for(lenet_run, tmp_path):
    out = tmp_path / "zh.html"
    assert main(["export", "--checkpoint", str(lenet_run), "--format", "html", "--output", str(out),
                 "--lang", "zh"]) == 0
    text = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text and "损失和准确率" in text and "混淆矩阵" in text


def test_a_lesson_run_keeps_its_lesson_and_the_page_shows_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--preset", "lesson-relu-lenet", "--epochs", "1", "--subset", "32", "--batch-size", "16",
                 "--device", "cpu", "--out", str(out)]) == 0
    lesson = read_lesson(out)
    assert lesson["id"] == "lesson-relu-lenet" and lesson["text"] and lesson["chapter_zh"].startswith("《")
    page = tmp_path / "lesson.html"
    assert main(["export", "--checkpoint", str(out), "--format", "html", "--output", str(page)]) == 0
    blob = re.search(r'id="run-data">(.*?)</script>', page.read_text(encoding="utf-8"), re.S).group(1)
    assert json.loads(blob)["lesson"]["text"] == lesson["text"]
    (out / LESSON).write_text("[1, 2]")  # a foreign file there is ignored, never an error
    assert read_lesson(out) is None
    capsys.readouterr()


def _chromium():
    """A headless Chromium driven through chromedriver, or a skip saying what is missing."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1366,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    from selenium.webdriver.chrome.service import Service

    return webdriver.Chrome(service=Service(driver), options=options)


def test_a_real_browser_replays_the_run_without_any_request(tmp_path, capsys):
    browser = _chromium()  # skips before training when there is no browser
    run = tmp_path / "run"  # enough steps for the feature maps to change between the first and last snapshot
    assert main(["train", "--subset", "320", "--batch-size", "16", "--epochs", "2", "--device", "cpu",
                 "--out", str(run)]) == 0
    out = tmp_path / "run.html"
    assert main(["export", "--checkpoint", str(run), "--format", "html", "--output", str(out)]) == 0
    capsys.readouterr()
    try:
        browser.get(out.as_uri())
        slider = browser.find_element("id", "timeline")
        last = int(slider.get_attribute("max"))
        assert last >= 10
        step_at_end = browser.find_element("id", "step").text
        probs_at_end = browser.find_element("id", "views").text
        pictures_at_end = [img.get_attribute("src") for img in browser.find_elements("css selector", "#views img")]
        assert pictures_at_end and all(src.startswith("data:image/png") for src in pictures_at_end)
        browser.execute_script("const s = document.getElementById('timeline'); s.value = '0';"
                               "s.dispatchEvent(new Event('input'));")
        step_at_start = browser.find_element("id", "step").text
        pictures_at_start = [img.get_attribute("src") for img in browser.find_elements("css selector", "#views img")]
        assert step_at_start != step_at_end and step_at_start.split(" · ")[-1] == f"1/{last + 1}"
        assert pictures_at_start != pictures_at_end  # the feature maps of an earlier step
        assert probs_at_end  # the prediction is written out
        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []  # no script error, no refused request
        requests = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
        urls = {m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"}
        leaving = {url for url in urls if not url.startswith("data:")}  # data: URIs are inside the page
        assert leaving == {out.as_uri()}  # the page itself, and nothing else
    finally:
        browser.quit()


def test_every_model_option_has_its_label_on_the_page():
    """A run trained with an option (factorised Inception blocks, no shortcuts…) says so in its settings."""
    from convscope.core.runs.web_page import SETTINGS
    from convscope.core.setup.config import MODEL_OPTIONS

    labels = {key: (en, zh) for key, en, zh in SETTINGS}
    assert set(MODEL_OPTIONS) <= set(labels)
    assert labels["factorize"] == ("1×n + n×1 convolutions", "1×n + n×1 卷积")
