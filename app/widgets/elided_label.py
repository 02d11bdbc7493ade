"""A one-line label that never makes the window wider: what does not fit ends in "…"."""
from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A QLabel on one line whose minimum width is a few characters, not its text's.

    ``text()`` is the whole text (rich or plain) and is shown whole when it fits; when it does not, the
    label shows its plain words cut with "…" (:meth:`shown_text`). Its tooltip stays the caller's.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setWordWrap(False)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        self._full = text or ""
        self._fit()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """What the label shows now (the text, or its beginning and "…")."""
        return super().text()

    def _plain(self) -> str:
        if self.textFormat() == Qt.TextFormat.PlainText or "<" not in self._full and "&" not in self._full:
            return self._full
        doc = QTextDocument()
        doc.setHtml(self._full)
        return doc.toPlainText()

    def _fit(self) -> None:
        bold = QFont(self.font())
        bold.setBold(True)  # an upper bound for rich text with bold words
        plain = self._plain()
        room = max(0, self.contentsRect().width())
        if QFontMetrics(bold).horizontalAdvance(plain) <= room:
            shown = self._full
        else:
            cut = QFontMetrics(self.font()).elidedText(plain, Qt.TextElideMode.ElideRight, room)
            shown = html.escape(cut) if self.textFormat() != Qt.TextFormat.PlainText else cut
        if super().text() != shown:
            super().setText(shown)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("M…") * 3), hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        bold = QFont(self.font())
        bold.setBold(True)
        return QSize(QFontMetrics(bold).horizontalAdvance(self._plain()) + 8, hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()
