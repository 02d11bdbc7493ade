"""Small things a first-time student met in the real window: the title, the File menu's order, the run line
after "+1 epoch", the Evaluation tab before and after evaluating, Grad-CAM's coarseness, and English left in
the Chinese window."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication
from test_main_window import WAIT, child, click, configure, wait_idle


def settle(qtbot, w):
    """The start-up's background jobs (warm-up, estimates) done: a short test leaves no thread behind."""
    qtbot.waitUntil(lambda: not w.session.jobs.active(), timeout=WAIT)


def test_the_title_names_the_app_once(qtbot):
    from convscope.app.launcher import name_the_app
    from convscope.app.main_window import MainWindow

    app = QApplication.instance()
    names = app.organizationName(), app.applicationName(), app.applicationDisplayName()
    try:
        name_the_app(app)  # as the app starts
        w = MainWindow()
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(w.is_ready, timeout=WAIT)
        title = w.windowTitle()
        display = QApplication.applicationDisplayName()
    finally:
        app.setOrganizationName(names[0])
        app.setApplicationName(names[1])
        app.setApplicationDisplayName(names[2])
    assert title == "ConvScope — watch a CNN learn"
    # Qt shows a window's title followed by " — <display name>" unless it ends with that name already.
    shown = title if title.endswith(display) else f"{title} — {display}"
    assert shown.count("ConvScope") == 1, shown
    settle(qtbot, w)


def test_quit_is_the_last_item_of_the_file_menu(qtbot, window):
    menu = window.file_menu()
    items = [a for a in menu.actions() if not a.isSeparator()]
    assert items[-1].objectName() == "quitAction" and items[-1].shortcut().toString() == "Ctrl+Q"
    names = [a.menu().objectName() if a.menu() is not None else a.text() for a in items]
    assert names.index("exportMenu") < len(names) - 1  # Export comes before Quit
    settle(qtbot, window)


def test_the_run_line_follows_one_more_epoch(qtbot, window):
    w = window
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    line = child(w, "runLineLabel")
    assert line.text().startswith("Showing the last run (completed, 1 epoch)")
    qtbot.waitUntil(lambda: child(w, "moreEpochButton").isEnabled(), timeout=WAIT)
    click(qtbot, w, "moreEpochButton")
    assert line.text().startswith("Showing the run in training")
    wait_idle(qtbot, w)
    assert w.last_result.epochs == 2
    assert line.text().startswith("Showing the last run (completed, 2 epochs)"), line.text()


def test_grad_cam_of_a_drawn_digit_says_it_is_coarse(qtbot, window):
    from test_canvas import DIGITS, draw

    w = window
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    panel = w.draw_panel
    assert w.show_tab(panel)
    note = child(w, "gradCamNote")
    assert not note.isVisibleTo(panel)
    qtbot.waitUntil(lambda: panel.canvas.width() > 100, timeout=WAIT)
    draw(qtbot, panel.canvas, DIGITS[3][0])
    qtbot.waitUntil(lambda: panel.view.cam_shown_at > 0, timeout=WAIT)
    assert note.isVisibleTo(panel)
    # LeNet's last convolution gives 10×10 maps for a 28×28 digit: each cell covers about 3×3 pixels.
    assert "10×10" in note.text() and "28×28" in note.text() and "3×3" in note.text(), note.text()
    panel.canvas.clear()
    qtbot.waitUntil(lambda: not note.isVisibleTo(panel), timeout=WAIT)
