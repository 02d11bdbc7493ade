"""The window's views in a few groups: a strip of groups above a strip of the chosen group's views.

Train (curves, race), Inside (feature maps, 1×1 convolutions, global average pooling, output, layer health),
Data (dataset, augmentation), Model, Test (evaluation, drawing), Runs and Log. A view goes to its group by
its top widget's ``objectName`` (:data:`VIEW_GROUPS`, the one table of it; a name not in it goes to
:data:`DEFAULT_GROUP`), so ``TabHost.add_tab(widget, title)`` places it without knowing the groups. Both
strips elide their titles rather than scroll, so every group and every view of the group shown has its tab
on screen at any window width; choosing a group brings back the view last shown in it. A view that needs
more room than the window gives scrolls, so no view widens the window or narrows the settings column.

Ctrl+Tab / Ctrl+PgDown and Ctrl+Shift+Tab / Ctrl+PgUp step through all the views, group after group.
"""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QScrollArea, QStackedWidget, QTabBar, QVBoxLayout, QWidget

# (key, title), in the order the strip shows them.
GROUPS = (("train", QT_TRANSLATE_NOOP("ViewGroups", "Train")),
          ("inside", QT_TRANSLATE_NOOP("ViewGroups", "Inside")),
          ("data", QT_TRANSLATE_NOOP("ViewGroups", "Data")),
          ("model", QT_TRANSLATE_NOOP("ViewGroups", "Model")),
          ("test", QT_TRANSLATE_NOOP("ViewGroups", "Test")),
          ("runs", QT_TRANSLATE_NOOP("ViewGroups", "Runs")),
          ("log", QT_TRANSLATE_NOOP("ViewGroups", "Log")))

# A view's top widget objectName → its group; inside a group, the views are shown in this order (names
# not listed come after the listed ones, in the order they were added).
VIEW_GROUPS = {
    "curvesPanel": "train", "curvesPlaceholder": "train", "raceView": "train",
    "featureMapView": "inside", "oneByOneView": "inside", "gapView": "inside", "outputView": "inside",
    "layerHealthView": "inside",
    "datasetBrowser": "data", "augmentPreview": "data", "examplesView": "data",
    "modelSummaryView": "model",
    "confusionView": "test", "drawPanel": "test",
    "runsTab": "runs",
    "logView": "log",
}
DEFAULT_GROUP = "inside"  # a view whose name is not in VIEW_GROUPS
_GROUP_ORDER = [key for key, _title in GROUPS]
_NAME_ORDER = list(VIEW_GROUPS)


def group_title(key: str) -> str:
    """A group's title in the window's language."""
    return QCoreApplication.translate("ViewGroups", dict(GROUPS)[key])


def _strip(name: str) -> QTabBar:
    bar = QTabBar()
    bar.setObjectName(name)
    bar.setUsesScrollButtons(False)  # every tab on screen: titles elide instead
    bar.setElideMode(Qt.TextElideMode.ElideRight)
    bar.setExpanding(False)
    bar.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return bar


class _Page(QScrollArea):
    """A view's page: the view fills it, and scrolls where it needs more room than the window gives, so
    that no view widens the window or narrows the settings column (whose buttons then stay where they
    are). (QScrollArea's own resizing gives a view with wrapped texts its preferred height, not the
    room there is.)"""

    def __init__(self, widget: QWidget):
        super().__init__()
        self.setObjectName("viewPage")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.setWidget(widget)

    def setWidget(self, widget: QWidget) -> None:  # noqa: N802
        super().setWidget(widget)
        widget.installEventFilter(self)
        self._fit()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # its minimum size may have changed
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        widget = self.widget()
        if widget is None:
            return
        room = self.maximumViewportSize()
        least = widget.minimumSizeHint().expandedTo(widget.minimumSize())
        w, h = room.width(), room.height()
        if least.width() > w:
            h -= self.horizontalScrollBar().sizeHint().height()
        if least.height() > h:
            w -= self.verticalScrollBar().sizeHint().width()
        widget.resize(max(w, least.width()), max(h, least.height()))


class _View:
    __slots__ = ("widget", "title", "group", "added")

    def __init__(self, widget: QWidget, title: str, group: str, added: int):
        self.widget, self.title, self.group, self.added = widget, title, group, added

    def order(self) -> tuple[int, int, int]:
        name = self.widget.objectName()
        rank = _NAME_ORDER.index(name) if name in VIEW_GROUPS else len(_NAME_ORDER)
        return _GROUP_ORDER.index(self.group), rank, self.added


class ViewGroups(QWidget):
    """The views, grouped. ``current_changed(widget)``: another view came to the front."""

    current_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("viewGroups")
        self._views: list[_View] = []
        self._added = 0
        self._last: dict[str, QWidget] = {}  # group → the view shown last in it
        self.group_bar = _strip("viewGroupBar")
        self.group_bar.setDrawBase(False)
        font = self.group_bar.font()
        font.setBold(True)  # the groups, above the views of the one chosen
        self.group_bar.setFont(font)
        self.view_bar = _strip("viewBar")
        self.view_bar.setDocumentMode(True)
        self.stack = QStackedWidget()  # one page per view: the view in a scroll area of its own
        self.stack.setObjectName("viewStack")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.group_bar)
        lay.addWidget(self.view_bar)
        lay.addWidget(self.stack, 1)
        self.group_bar.currentChanged.connect(self._group_clicked)
        self.view_bar.currentChanged.connect(self._view_clicked)
        keys = ((("Ctrl+Tab", "Ctrl+PgDown"), 1), (("Ctrl+Shift+Tab", "Ctrl+Shift+Backtab", "Ctrl+PgUp"), -1))
        for names, step in keys:
            for key in names:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda s=step: self.step(s))

    # ------------------------------------------------------------------------------------- adding
    def add_view(self, widget: QWidget, title: str, group: str | None = None) -> int:
        """Add ``widget`` under ``title`` to ``group`` (by default its objectName's, :data:`VIEW_GROUPS`);
        returns its place among all the views. The first view added comes to the front."""
        group = group or VIEW_GROUPS.get(widget.objectName(), DEFAULT_GROUP)
        if group not in _GROUP_ORDER:
            raise ValueError(f"no view group {group!r}")
        self._added += 1
        self._views.append(_View(widget, title, group, self._added))
        self._views.sort(key=_View.order)
        self.stack.addWidget(_Page(widget))
        if self.stack.count() == 1:
            self.stack.setCurrentIndex(0)
        self._sync()
        return self.index_of(widget)

    def replace_view(self, old: QWidget, new: QWidget, title: str | None = None) -> None:
        """Put ``new`` where ``old`` was (same group and place); ``old`` is taken out, not deleted."""
        view = self._view_of(old)
        page = self._page_of(old)
        view.widget, view.title = new, title or view.title
        page.takeWidget().removeEventFilter(page)
        page.setWidget(new)
        if self._last.get(view.group) is old:
            self._last[view.group] = new
        self._sync()

    # ------------------------------------------------------------------------------------- reading
    def views(self) -> list[QWidget]:
        """Every view, in the strips' order (group after group)."""
        return [v.widget for v in self._views]

    def titles(self) -> list[str]:
        return [v.title for v in self._views]

    def count(self) -> int:
        return len(self._views)

    def index_of(self, widget: QWidget) -> int:
        """The place of the view that is or holds ``widget`` (-1: none)."""
        view = self._holding(widget)
        return self._views.index(view) if view is not None else -1

    def title_of(self, widget: QWidget) -> str:
        return self._view_of(widget).title

    def group_of(self, widget: QWidget) -> str:
        """The group of the view that is or holds ``widget``."""
        return self._view_of(widget).group

    def groups(self) -> list[str]:
        """The groups that hold a view, in order."""
        return [key for key in _GROUP_ORDER if any(v.group == key for v in self._views)]

    def group_views(self, group: str) -> list[QWidget]:
        return [v.widget for v in self._views if v.group == group]

    def current_view(self) -> QWidget | None:
        page = self.stack.currentWidget()
        return page.widget() if page is not None else None

    def current_group(self) -> str | None:
        view = self._holding(self.current_view())
        return view.group if view is not None else None

    # ------------------------------------------------------------------------------------- showing
    def show_widget(self, widget: QWidget) -> bool:
        """Bring the view that is or holds ``widget`` to the front; False when no view holds it."""
        view = self._holding(widget)
        if view is None:
            return False
        if self.current_view() is not view.widget:
            self.stack.setCurrentWidget(self._page_of(view.widget))
            self._sync()
            self.current_changed.emit(view.widget)
        return True

    def show_name(self, name: str) -> bool:
        """Bring the view named ``name``, or holding a widget named so (a plot), to the front."""
        for view in self._views:
            if view.widget.objectName() == name or view.widget.findChild(QWidget, name) is not None:
                return self.show_widget(view.widget)
        return False

    def show_group(self, group: str) -> bool:
        """Bring ``group`` to the front, at the view shown last in it."""
        views = self.group_views(group)
        if not views:
            return False
        last = self._last.get(group)
        return self.show_widget(last if last in views else views[0])

    def step(self, delta: int) -> None:
        """The next (``delta`` 1) or previous (-1) view, across the groups, round the end."""
        if not self._views:
            return
        index = max(0, self.index_of(self.current_view()))
        self.show_widget(self._views[(index + delta) % len(self._views)].widget)

    # ------------------------------------------------------------------------------------- strips
    def _holding(self, widget) -> _View | None:
        if widget is None:
            return None
        for view in self._views:
            if view.widget is widget or view.widget.isAncestorOf(widget):
                return view
        return None

    def _page_of(self, widget: QWidget) -> _Page:
        pages = (self.stack.widget(i) for i in range(self.stack.count()))
        return next(page for page in pages if page.widget() is widget)

    def _view_of(self, widget) -> _View:
        view = self._holding(widget)
        if view is None:
            raise KeyError(f"{widget!r} is not a view here")
        return view

    def _sync(self) -> None:
        """Both strips as the views and the one in front say."""
        current = self._holding(self.current_view())
        group = current.group if current is not None else None
        if current is not None:
            self._last[group] = current.widget
        groups = self.groups()
        for bar in (self.group_bar, self.view_bar):
            bar.blockSignals(True)
        try:
            while self.group_bar.count() > len(groups):
                self.group_bar.removeTab(self.group_bar.count() - 1)
            while self.group_bar.count() < len(groups):
                self.group_bar.addTab("")
            for i, key in enumerate(groups):
                self.group_bar.setTabText(i, group_title(key))
                self.group_bar.setTabData(i, key)
                self.group_bar.setTabToolTip(i, " · ".join(v.title for v in self._views if v.group == key))
            if group is not None:
                self.group_bar.setCurrentIndex(groups.index(group))
            shown = [v for v in self._views if v.group == group]
            while self.view_bar.count() > len(shown):
                self.view_bar.removeTab(self.view_bar.count() - 1)
            while self.view_bar.count() < len(shown):
                self.view_bar.addTab("")
            for i, view in enumerate(shown):
                self.view_bar.setTabText(i, view.title)
                self.view_bar.setTabToolTip(i, view.title)
                if view is current:
                    self.view_bar.setCurrentIndex(i)
        finally:
            for bar in (self.group_bar, self.view_bar):
                bar.blockSignals(False)

    def _group_clicked(self, index: int) -> None:
        if index >= 0:
            self.show_group(self.group_bar.tabData(index))

    def _view_clicked(self, index: int) -> None:
        group = self.current_group()
        views = self.group_views(group) if group is not None else []
        if 0 <= index < len(views):
            self.show_widget(views[index])

    # -------------------------------------------------- the names of a QTabWidget, for code written for one
    def currentWidget(self) -> QWidget | None:  # noqa: N802
        return self.current_view()

    def setCurrentWidget(self, widget: QWidget) -> bool:  # noqa: N802
        return self.show_widget(widget)

    def indexOf(self, widget: QWidget) -> int:  # noqa: N802
        return self.index_of(widget)

    def widget(self, index: int) -> QWidget:
        return self._views[index].widget

    def tabText(self, index: int) -> str:  # noqa: N802
        return self._views[index].title
