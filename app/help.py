"""The Help menu: the ConvScope guide (F1), an offline page in a dialog, and the About box.

The guide is ``resources/help.html``; its ``{{SHORTCUTS}}`` are read from the window's own menu actions and
Train button (so the page never names a key that does nothing), ``{{RUNS_DIR}}`` and ``{{SETTINGS_FILE}}``
are this computer's folders.
"""
from __future__ import annotations

import html
import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QPushButton, QTextBrowser, QVBoxLayout

from . import i18n, settings
from .startup import RESOURCES

log = logging.getLogger("convscope.gui")

GUIDE_FILE = RESOURCES / "help.html"
GUIDE_TITLE = QT_TRANSLATE_NOOP("Help", "ConvScope guide")
GUIDE_SIZE = (760, 820)  # at most; smaller on a small screen


def app_version() -> str:
    """The installed version of ConvScope, or "development version" when it is run from a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("convscope")
    except PackageNotFoundError:
        return QCoreApplication.translate("Help", "development version")


def _shortcut_rows(window) -> str:
    """One table row per window-wide shortcut: the Train button's and every menu action's."""
    rows = []
    button = window.findChild(QPushButton, "startButton")
    if button is not None and not button.shortcut().isEmpty():
        rows.append((button.shortcut(), QCoreApplication.translate(
            "Help", "Train with the settings shown (Ctrl+Enter on the number pad too)")))
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        for action in (menu.actions() if menu is not None else ()):
            if not action.shortcut().isEmpty():
                rows.append((action.shortcut(), action.text().replace("&", "").rstrip(".…")))
    text = QKeySequence.SequenceFormat.NativeText
    return "\n".join(f'  <tr><td class="key">{html.escape(keys.toString(text))}</td>'
                     f"<td>{html.escape(what)}</td></tr>" for keys, what in rows)


def guide_file():
    """The guide in the window's language (``help_zh_CN.html`` in Chinese), else the English one."""
    translated = GUIDE_FILE.with_name(f"help_{i18n.current_language()}.html")
    return translated if not i18n.is_english() and translated.is_file() else GUIDE_FILE


def guide_html(window) -> str:
    """The guide's page for ``window``."""
    path = guide_file()
    try:
        page = path.read_text(encoding="utf-8")
    except OSError as exc:
        log.error("could not read the guide %s: %s", path, exc)
        return QCoreApplication.translate(
            "Help", "<h1>{title}</h1><p>The guide's file {file} is missing. The README of ConvScope explains "
            "the same things.</p>").format(title=QCoreApplication.translate("Help", GUIDE_TITLE),
                                           file=html.escape(str(path)))
    return (page.replace("{{SHORTCUTS}}", _shortcut_rows(window))
            .replace("{{RUNS_DIR}}", html.escape(str(settings.runs_root())))
            .replace("{{SETTINGS_FILE}}", html.escape(settings.open_settings().fileName())))


class GuideDialog(QDialog):
    """The guide in a window of its own that may stay open beside the main window."""

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("guideDialog")
        self.setWindowTitle(QCoreApplication.translate("Help", GUIDE_TITLE))
        self.browser = QTextBrowser()
        self.browser.setObjectName("guideText")
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(guide_html(window))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser, 1)
        lay.addWidget(buttons)
        area = settings.available_geometry(window)
        self.resize(min(GUIDE_SIZE[0], int(area.width() * 0.8)), min(GUIDE_SIZE[1], int(area.height() * 0.85)))


def show_guide(window) -> GuideDialog:
    """Show the guide beside ``window`` (one dialog, raised again when it is open already)."""
    dialog = window.findChild(GuideDialog, "guideDialog")
    if dialog is None:
        dialog = GuideDialog(window)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def show_about(window) -> None:
    QMessageBox.about(window, QCoreApplication.translate("Help", "About ConvScope"),
                      QCoreApplication.translate(
                          "Help", "<b>ConvScope</b> {version}<br>Train the classic CNNs of <i>Dive into Deep "
                          "Learning</i> (LeNet → ResNet) with a click and watch them learn.<br><br>Press F1 for "
                          "the {guide}.").format(version=html.escape(app_version()),
                                                 guide=QCoreApplication.translate("Help", GUIDE_TITLE)))


def build_help_menu(window) -> None:
    """The window's Help menu."""
    menu = window.menuBar().addMenu(QCoreApplication.translate("Help", "&Help"))
    action = menu.addAction(QCoreApplication.translate(
        "Help", "ConvScope &guide"), QKeySequence(Qt.Key.Key_F1), lambda: show_guide(window))
    action.setObjectName("guideAction")
    menu.addAction(QCoreApplication.translate(
        "Help", "&About ConvScope"), lambda: show_about(window)).setObjectName("aboutAction")
