"""The window and the desktop with runs as one file: open a .convscope bundle, copy it to the runs, the icon."""
from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from convscope.app import desktop_entry as D
from convscope.app.launcher import main as launcher_main
from convscope.app.launcher import run_to_open, window_icon
from convscope.core.runs.export import export


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    folder = tmp_path_factory.mktemp("bundle")
    run_dir = folder / "20261207-120000-lenet-mnist-sample"
    result = Trainer(make_config("lenet", "mnist-sample", epochs=1, subset=64), run_dir=str(run_dir)).run()
    assert result.status == "completed", result.message
    out = folder / "lesson.convscope"
    export(run_dir, "bundle", out)
    return out


def test_the_window_opens_a_bundle_in_every_tab_and_copies_it_to_the_runs(qtbot, window, bundle, tmp_path):
    from PySide6.QtWidgets import QPushButton

    w = window
    with qtbot.waitSignal(w.checkpoint_loaded, timeout=60_000):
        run = w.load_checkpoint(bundle)
    assert run is not None and run.bundle == bundle and run.epoch == 1
    line = w.shown.line
    assert "lesson.convscope" in line.text() and "read-only" in line.text()
    assert w.curves.loss_plot is not None and w.session.opened is run
    button = w.findChild(QPushButton, "continueButton")
    assert button.isVisible() and button.text() == "Copy to my runs"
    runs = tmp_path / "runs"  # the tests' runs folder (CONVSCOPE_RUNS_DIR)
    assert not any(runs.glob("*/config.json"))
    with qtbot.waitSignal(w.checkpoint_loaded, timeout=60_000) as opened:
        button.click()
    copy = opened.args[0]
    assert Path(copy.dir).parent == runs and copy.bundle is None and copy.metrics == run.metrics
    assert button.text() == "Continue training" and "(opened)" in line.text()


def test_a_bad_bundle_is_refused_in_the_banner(qtbot, window, tmp_path):
    bad = tmp_path / "bad.convscope"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert window.load_checkpoint(bad) is None
    banner = window.banner
    assert banner.kind == "error" and "not a zip archive" in banner.message.text()


def test_one_argument_naming_a_run_opens_the_window_not_the_command_line(bundle, tmp_path):
    assert run_to_open(str(bundle))
    run_dir = next(p for p in Path(bundle).parent.iterdir() if p.is_dir())
    assert run_to_open(str(run_dir))
    assert not run_to_open("archs") and not run_to_open("--help") and not run_to_open(str(tmp_path / "x.convscope"))


def test_the_desktop_entry_is_written_valid_and_removed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert launcher_main(["--install-desktop-entry"]) == 0
    entry = tmp_path / "share" / "applications" / "convscope.desktop"
    mime = tmp_path / "share" / "mime" / "packages" / "convscope.xml"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "convscope.svg"
    assert entry.is_file() and mime.is_file() and icon.is_file()
    text = entry.read_text()
    assert "MimeType=application/x-convscope;" in text and "%f" in text and "Icon=convscope" in text
    glob = ET.parse(mime).getroot().find("{http://www.freedesktop.org/standards/shared-mime-info}mime-type")
    assert glob.get("type") == D.MIME_TYPE
    out = capsys.readouterr().out
    assert str(entry) in out and "--remove-desktop-entry" in out
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and check.stdout.strip() == "", check.stdout
    assert launcher_main(["--remove-desktop-entry"]) == 0
    assert not entry.exists() and not mime.exists() and not icon.exists()


@pytest.mark.skipif(not shutil.which("desktop-file-validate"),
                    reason="desktop-file-validate is not installed (Debian: apt-get install desktop-file-utils)")
def test_desktop_file_validate_accepts_the_entry(tmp_path):
    (path,) = [p for p in D.install(tmp_path, refresh=False) if p.suffix == ".desktop"]
    check = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip() == "", check.stdout


def test_a_desktop_entry_that_cannot_be_written_says_so(tmp_path, monkeypatch, capsys):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))
    assert launcher_main(["--install-desktop-entry"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: could not write the desktop entry") and "Traceback" not in err


def test_the_application_has_its_icon(qapp):
    qapp.setWindowIcon(type(qapp.windowIcon())())
    window_icon(qapp)
    assert not qapp.windowIcon().isNull()


def test_a_bundle_dropped_on_the_window_opens(qtbot, window, bundle, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    from convscope.app.opened_run import dropped_run

    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(bundle))])
    assert dropped_run(data) == str(bundle)
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    assert dropped_run(other) is None
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=60_000) as opened:
        window.dropEvent(drop)
    assert opened.args[0].bundle == bundle
