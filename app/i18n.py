"""The window's language: English or Simplified Chinese, through Qt's translation system.

The texts of ``app/`` are marked with ``self.tr`` / ``QCoreApplication.translate``; their Chinese
versions are ``resources/i18n/convscope_zh_CN.ts``, built into ``convscope_zh_CN.qm`` by
``make translations``. :func:`apply_language` (called by ``MainWindow()`` before it builds anything)
installs the translator of the language chosen in the settings (the Language menu), else of the
system's locale (``LANG=zh_CN.UTF-8`` gives Chinese). A new choice is saved and takes effect at the next
start (the window's texts are set once, when it is built).
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QActionGroup

from .settings import open_settings
from .startup import RESOURCES

log = logging.getLogger("convscope.gui")

ENGLISH = "en"
CHINESE = "zh_CN"
LANGUAGES = {ENGLISH: "English", CHINESE: "中文"}  # each named in its own language
SETTINGS_KEY = "language"
I18N = RESOURCES / "i18n"
GLOSSARY_FILE = I18N / "glossary.json"

_installed: list[QTranslator] = []  # kept alive while installed (Qt does not own them)
_current = ENGLISH


def qm_file(language: str):
    """The compiled translation of ``language`` (``resources/i18n/convscope_<language>.qm``)."""
    return I18N / f"convscope_{language}.qm"


def language_of_locale(locale: QLocale) -> str:
    """The UI language for ``locale``: Chinese for any Chinese locale, else English."""
    return CHINESE if locale.language() == QLocale.Language.Chinese else ENGLISH


def saved_language() -> str | None:
    """The language picked in the Language menu, or None (follow the system)."""
    value = open_settings().value(SETTINGS_KEY)
    return value if value in LANGUAGES else None


def save_language(language: str | None) -> None:
    """Keep ``language`` for the next start (None: follow the system's locale again)."""
    s = open_settings()
    if language is None:
        s.remove(SETTINGS_KEY)
    elif language in LANGUAGES:
        s.setValue(SETTINGS_KEY, language)
    else:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    s.sync()


def chosen_language() -> str:
    """The language the window starts in: the saved choice, else the system locale's."""
    return saved_language() or language_of_locale(QLocale.system())


def current_language() -> str:
    """The language installed last by :func:`install` (English until then)."""
    return _current


def is_english() -> bool:
    return _current == ENGLISH


def install(language: str) -> bool:
    """Make ``language`` the application's language (English removes the translators). Returns False,
    staying in English, when its translation file cannot be loaded."""
    global _current
    app = QCoreApplication.instance()
    for translator in _installed:
        if app is not None:
            app.removeTranslator(translator)
    _installed.clear()
    _current = ENGLISH
    if language == ENGLISH or app is None:
        return language == ENGLISH
    own = QTranslator()
    if not own.load(str(qm_file(language))):
        log.warning("no translation for %s (%s): the window stays in English", language, qm_file(language))
        return False
    qt = QTranslator()  # Qt's own texts (standard buttons of dialogs), when this Qt ships them
    if qt.load(QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    app.installTranslator(own)
    _installed.append(own)
    _current = language
    return True


def apply_language() -> str:
    """Install the language of :func:`chosen_language`; returns the one installed."""
    install(chosen_language())
    return _current


def build_language_menu(window) -> None:
    """The window's Language menu: English / 中文, saved and applied at the next start."""
    menu = window.menuBar().addMenu(QCoreApplication.translate("Language", "&Language"))
    menu.setObjectName("languageMenu")
    group = QActionGroup(menu)
    group.setExclusive(True)
    for code, name in LANGUAGES.items():
        action = menu.addAction(name)
        action.setObjectName(f"language_{code}")
        action.setCheckable(True)
        action.setChecked(code == _current)
        action.setData(code)
        group.addAction(action)
        action.triggered.connect(lambda _checked=False, c=code: choose_language(window, c))


def choose_language(window, language: str) -> None:
    """Save ``language`` and say that it applies at the next start."""
    save_language(language)
    if language == _current:
        text = QCoreApplication.translate("Language", "The window is in this language already.")
    else:
        # Said in the chosen language: the user may not read the current one.
        text = {ENGLISH: "English is chosen: restart ConvScope to see the window in English.",
                CHINESE: "已选择中文：重新启动 ConvScope 后界面将显示为中文。"}[language]
    window.statusBar().showMessage(text, 15000)
    window.banner.show_message("info", LANGUAGES[language], text, tag="language")
