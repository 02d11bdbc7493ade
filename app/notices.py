"""What the banner says about a run: its warnings, and why it diverged or failed, with what to try.

Warnings and failures are told apart by their ``core.training.events`` codes (``RunWarning.kind``,
``RunResult.reason``), never by their text. In English the banner shows core's own message (it names the
numbers, files and folders); in another language it says what the code means in that language
(:data:`CODE_TEXTS`, translated through the ``.ts`` files) and adds core's message as the details.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from . import i18n
from .rescue import SAVE_ELSEWHERE

LIVE_VIEW = "live-view"  # the tag of "a live view could not attach": a new run keeps that banner
RUN_WARNING = "run-warning"  # a warning about the run in progress or the last one
RUN_FAILED = "run-failed"  # why the last run diverged or failed
RUN_HINT = "run-hint"  # what the curves of the run say (overfitting, BatchNorm catching up)
START_FAILED = "start-failed"  # a run could not start (its settings, its data not downloaded)
UNSAVED = "unsaved"  # the last run exists only in memory: the banner stays until it is saved or dropped
# Banners about the last run or the last settings: they no longer apply once the settings change.
STALE_WHEN_SETTINGS_CHANGE = frozenset({RUN_WARNING, RUN_FAILED, START_FAILED})
# Banners about one run: they go when another run is shown (opened, started, replayed). Messages that are
# not about a run (the settings, a download) and the unsaved run's offer stay.
ABOUT_THE_RUN_SHOWN = frozenset({RUN_WARNING, RUN_FAILED, RUN_HINT})
USE_SAMPLE = "dataset"  # the action "Use the offline sample": "dataset:<the sample's name>"


@dataclass(frozen=True)
class Notice:
    kind: str  # Banner kind: error, warning, info, success
    title: str
    message: str
    action: str = ""  # the action button's text ("" = none)
    action_id: str = ""  # what the window does when it is pressed, e.g. "lr:0.001"
    tag: str = ""  # which message this is, for code that must recognise it


# What each core.training.events code means, for the banner in a language other than English.
CODE_TEXTS = {
    "stuck": QT_TRANSLATE_NOOP("Notices", "The loss stays at the level of guessing (ln C) and the accuracy at "
                               "chance: the network is guessing. The learning rate may be too large (ReLUs "
                               "died) or too small to escape: try a smaller learning rate, Adam, or "
                               "BatchNorm. Training goes on."),
    "oom-warning": QT_TRANSLATE_NOOP("Notices", "Out of memory: the batch size was halved and the epoch starts "
                                     "again (the smaller batch is used for the rest of the run)."),
    "diverged": QT_TRANSLATE_NOOP("Notices", "Training diverged: the loss became NaN or infinite, or exploded. "
                                  "The learning rate is too large for this network."),
    "config": QT_TRANSLATE_NOOP("Notices", "These settings cannot train (for example BatchNorm with batches of "
                                "one)."),
    "data": QT_TRANSLATE_NOOP("Notices", "The dataset's files could not be read (damaged, or not in the "
                              "expected format)."),
    "data-missing": QT_TRANSLATE_NOOP("Notices", "The dataset is not on this computer and could not be "
                                      "downloaded."),
    "write": QT_TRANSLATE_NOOP("Notices", "The run folder could not be written (the disk is full or "
                               "read-only). The trained model is still in memory: free some space or save it "
                               "to another folder."),
    "busy": QT_TRANSLATE_NOOP("Notices", "Another training is writing this run's folder (it holds the folder's "
                              "lock): let it end or stop it, then try again."),
    "augment-labels": QT_TRANSLATE_NOOP("Notices", "An augmentation of this run makes some labels of this "
                                        "dataset wrong (an upside-down 6 is a 9): the network learns from "
                                        "wrong labels. Leave it out for these images. Training goes on."),
    "compiling": QT_TRANSLATE_NOOP("Notices", "The network is being compiled (torch.compile): the first steps "
                                   "take longer, then each step is faster."),
    "oom": QT_TRANSLATE_NOOP("Notices", "Out of memory, even at the smallest batch size."),
    "error": QT_TRANSLATE_NOOP("Notices", "Training stopped because of an error."),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Notices", text)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# Codes whose text says all that core's message says but its numbers (the banner's action has the new
# learning rate); for the others core's message follows as the details (it names files and folders).
SELF_CONTAINED = frozenset({"stuck", "oom-warning", "diverged", "oom", "compiling"})


def _core_message(code: str, message: str) -> str:
    """Core's ``message`` (English), or in another language what ``code`` means (with core's message as
    the details, unless the code says it all)."""
    if i18n.is_english() or code not in CODE_TEXTS:
        return _sentence(message)
    if code in SELF_CONTAINED:
        return _tr(CODE_TEXTS[code])
    details = QCoreApplication.translate("Notices", "Details: {message}").format(message=message)
    return _tr(CODE_TEXTS[code]) + "\n" + details


def _lower_lr(cfg, text: str) -> tuple[str, str]:
    if cfg is None:
        return "", ""
    return _tr(text).format(lr=f"{cfg.lr / 10:g}"), f"lr:{cfg.lr / 10!r}"


def warning_notice(ev, cfg) -> Notice:
    """A ``RunWarning`` of the run of ``cfg``; training goes on."""
    from convscope.core.training import events as E

    titles = {E.STUCK: QT_TRANSLATE_NOOP("Notices", "The network is stuck at chance: it only guesses"),
              E.OUT_OF_MEMORY: QT_TRANSLATE_NOOP("Notices", "Out of memory: the batch was halved")}
    action, action_id = _lower_lr(cfg, QT_TRANSLATE_NOOP("Notices", "Use lr {lr} next time")) \
        if ev.kind == E.STUCK else ("", "")
    code = "oom-warning" if ev.kind == E.OUT_OF_MEMORY else ev.kind
    message = _augment_labels_message(cfg) if ev.kind == E.AUGMENT_LABELS and not i18n.is_english() else ""
    return Notice("warning", _tr(titles.get(ev.kind, QT_TRANSLATE_NOOP("Notices", "Warning"))),
                  message or _core_message(code, ev.message), action, action_id, tag=RUN_WARNING)


def _augment_labels_message(cfg) -> str:
    """Core's warning of augmentations that break labels, said again in the window's language from the
    run's settings ("" when they are not at hand: the code's text and core's message say it then)."""
    from .core_texts import augment_label_warning

    try:
        return augment_label_warning(cfg.augment, cfg.info, run=True)
    except (AttributeError, ValueError):  # no config at hand, or an augmentation text core rejects
        return ""


def run_end(result, cfg, unsaved: bool) -> tuple[str, Notice | None]:
    """The status-bar line when the run of ``cfg`` ended with ``result``, and the banner it needs (None:
    none); ``unsaved``: its trained epochs exist only in memory."""
    msg = result.message or result.status
    saved = QCoreApplication.translate(
        "Notices", " Saved to {dir}.").format(dir=result.run_dir) if result.run_dir else ""
    if result.status == "completed":
        if i18n.is_english():
            return f"Finished: {msg}." + saved, None
        acc = QCoreApplication.translate(
            "Notices", "; test accuracy {acc}").format(
                acc=f"{result.test_acc:.2%}") if result.test_acc is not None else ""
        return QCoreApplication.translate(
            "Notices", "Finished: trained {n} epoch(s){acc}.").format(n=result.epochs, acc=acc) + saved, None
    if result.status == "stopped":
        if i18n.is_english():
            return f"Stopped: {msg}", None
        return QCoreApplication.translate("Notices", "Stopped after {n} epoch(s).").format(n=result.epochs), None
    if result.status == "diverged":
        return QCoreApplication.translate("Notices", "Training diverged."), diverged_notice(result, cfg)
    return QCoreApplication.translate("Notices", "Training failed."), failed_notice(result, unsaved, cfg)


def diverged_notice(result, cfg) -> Notice:
    from convscope.core.training import events as E

    action, action_id = _lower_lr(cfg, QT_TRANSLATE_NOOP("Notices", "Use lr {lr}"))
    return Notice("error", QCoreApplication.translate("Notices", "Diverged — the learning rate is too large"),
                  _core_message(E.DIVERGED, result.message or result.status)
                  + QCoreApplication.translate(
                      "Notices", " Other fixes: Adam instead of SGD, BatchNorm, or a warm-up schedule (one-cycle)."),
                  action, action_id, tag=RUN_FAILED)


def failed_notice(result, unsaved: bool, cfg=None, *, own_text: bool = False) -> Notice:
    """A failed run of ``cfg``; ``unsaved``: its trained epochs exist only in memory (offer another folder).

    A dataset that is not here (``DATA_MISSING``) offers its offline sample, when it has one. ``own_text``:
    the message is the app's own (already in the window's language), not core's."""
    from convscope.core.training import events as E

    reason = getattr(result, "reason", "")
    raw = result.message or result.status
    message = _sentence(raw) if own_text else _core_message(E.WRITE_FAILED if unsaved else reason, raw)
    if unsaved:
        return Notice("error", QCoreApplication.translate(
            "Notices", "The run could not be saved"), message, QCoreApplication.translate(
            "Notices", "Save to another folder…"),
                      SAVE_ELSEWHERE, tag=UNSAVED)
    if reason == E.DATA_MISSING:  # core's message says where it looked and what to do: nothing to add
        sample = _sample_of(getattr(cfg, "dataset", None))
        action = (QCoreApplication.translate(
            "Notices", "Use the offline sample"), f"{USE_SAMPLE}:{sample}") if sample else ("", "")
        return Notice("error", QCoreApplication.translate(
            "Notices", "Dataset not found"), message, *action, tag=RUN_FAILED)
    return Notice("error", QCoreApplication.translate(
        "Notices", "Training failed"), message + failure_hint(reason), tag=RUN_FAILED)


def not_downloaded_notice(cfg) -> Notice:
    """The dataset of ``cfg`` is not here and was not downloaded (cancelled, or the download failed)."""
    from convscope.core.training.events import DATA_MISSING, RunResult

    name = cfg.info.display_name.split(" (")[0]
    sample = _sample_of(cfg.dataset)
    instead = QCoreApplication.translate(
        "Notices", " Train on its offline sample instead, or set the data folder to one that holds the files.") \
        if sample else QCoreApplication.translate("Notices", " Set the data folder to one that holds the files.")
    message = QCoreApplication.translate(
        "Notices", "{name} is not on this computer and was not downloaded, so nothing was trained.{instead}")
    notice = failed_notice(RunResult("failed", 0, message=message.format(name=name, instead=instead),
                                     reason=DATA_MISSING), False, cfg, own_text=True)
    return dataclasses.replace(notice, tag=START_FAILED)


def start_failed_notice(exc: BaseException) -> Notice:
    """The trainer of a new run could not be created (the settings shown cannot train)."""
    return Notice("error", QCoreApplication.translate(
        "Notices", "Could not start training"), f"{type(exc).__name__}: {exc}", tag=START_FAILED)


def _sample_of(dataset: str | None) -> str | None:
    from convscope.core.data.datasets import sample_of

    return sample_of(dataset) if dataset else None


def failure_hint(reason: str) -> str:
    """What to try after a failure with this ``RunResult.reason`` ("" when core's message says it)."""
    from convscope.core.training import events as E

    if reason in (E.DATA, E.DATA_MISSING, E.BUSY):  # the message names the file or folder and what to do
        return ""
    if reason == E.NO_MEMORY:
        return QCoreApplication.translate("Notices", " Lower the batch size, use a smaller width, or train on the CPU.")
    return QCoreApplication.translate("Notices", " The Log tab has the details.")


def live_view_notice(exc: BaseException) -> Notice:
    return Notice("warning", QCoreApplication.translate("Notices", "A live view could not attach to this run"),
                  QCoreApplication.translate(
                      "Notices", "{error}. Training goes on without it.").format(error=f"{type(exc).__name__}: {exc}"),
                  tag=LIVE_VIEW)
