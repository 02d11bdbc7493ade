"""What the banner says about a run: its warnings, and why it diverged or failed, with what to try.

Warnings and failures are told apart by their ``core.events`` codes (``RunWarning.kind``,
``RunResult.reason``), never by their text.
"""
from __future__ import annotations

from dataclasses import dataclass

from .rescue import SAVE_ELSEWHERE

LIVE_VIEW = "live-view"  # the tag of "a live view could not attach": a new run keeps that banner
RUN_WARNING = "run-warning"  # a warning about the run in progress or the last one
RUN_FAILED = "run-failed"  # why the last run diverged or failed, or could not start
UNSAVED = "unsaved"  # the last run exists only in memory: the banner stays until it is saved or dropped
# Banners about the last run or the last settings: they no longer apply once the settings change.
STALE_WHEN_SETTINGS_CHANGE = frozenset({RUN_WARNING, RUN_FAILED})
USE_SAMPLE = "dataset"  # the action "Use the offline sample": "dataset:<the sample's name>"


@dataclass(frozen=True)
class Notice:
    kind: str  # Banner kind: error, warning, info, success
    title: str
    message: str
    action: str = ""  # the action button's text ("" = none)
    action_id: str = ""  # what the window does when it is pressed, e.g. "lr:0.001"
    tag: str = ""  # which message this is, for code that must recognise it


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_lr(cfg, text: str) -> tuple[str, str]:
    if cfg is None:
        return "", ""
    return text.format(lr=f"{cfg.lr / 10:g}"), f"lr:{cfg.lr / 10!r}"


def warning_notice(ev, cfg) -> Notice:
    """A ``RunWarning`` of the run of ``cfg``; training goes on."""
    from core import events as E

    titles = {E.STUCK: "The network is stuck at chance: it only guesses",
              E.OUT_OF_MEMORY: "Out of memory: the batch was halved"}
    action, action_id = _lower_lr(cfg, "Use lr {lr} next time") if ev.kind == E.STUCK else ("", "")
    return Notice("warning", titles.get(ev.kind, "Warning"), _sentence(ev.message), action, action_id,
                  tag=RUN_WARNING)


def run_end(result, cfg, unsaved: bool) -> tuple[str, Notice | None]:
    """The status-bar line when the run of ``cfg`` ended with ``result``, and the banner it needs (None:
    none); ``unsaved``: its trained epochs exist only in memory."""
    msg = result.message or result.status
    if result.status == "completed":
        return f"Finished: {msg}." + (f" Saved to {result.run_dir}." if result.run_dir else ""), None
    if result.status == "stopped":
        return f"Stopped: {msg}", None
    if result.status == "diverged":
        return "Training diverged.", diverged_notice(result, cfg)
    return "Training failed.", failed_notice(result, unsaved, cfg)


def diverged_notice(result, cfg) -> Notice:
    action, action_id = _lower_lr(cfg, "Use lr {lr}")
    return Notice("error", "Diverged — the learning rate is too large",
                  f"{_sentence(result.message or result.status)} Other fixes: Adam instead of SGD, "
                  f"BatchNorm, or a warm-up schedule (one-cycle).", action, action_id, tag=RUN_FAILED)


def failed_notice(result, unsaved: bool, cfg=None) -> Notice:
    """A failed run of ``cfg``; ``unsaved``: its trained epochs exist only in memory (offer another folder).

    A dataset that is not here (``DATA_MISSING``) offers its offline sample, when it has one."""
    from core import events as E

    message = _sentence(result.message or result.status)
    if unsaved:
        return Notice("error", "The run could not be saved", message, "Save to another folder…", SAVE_ELSEWHERE,
                      tag=UNSAVED)
    reason = getattr(result, "reason", "")
    if reason == E.DATA_MISSING:  # core's message says where it looked and what to do: nothing to add
        sample = _sample_of(getattr(cfg, "dataset", None))
        action = ("Use the offline sample", f"{USE_SAMPLE}:{sample}") if sample else ("", "")
        return Notice("error", "Dataset not found", message, *action, tag=RUN_FAILED)
    return Notice("error", "Training failed", message + failure_hint(reason), tag=RUN_FAILED)


def not_downloaded_notice(cfg) -> Notice:
    """The dataset of ``cfg`` is not here and was not downloaded (cancelled, or the download failed)."""
    from core.events import DATA_MISSING, RunResult

    name = cfg.info.display_name.split(" (")[0]
    sample = _sample_of(cfg.dataset)
    instead = " Train on its offline sample instead, or set the data folder to one that holds the files." \
        if sample else " Set the data folder to one that holds the files."
    return failed_notice(RunResult("failed", 0, message=f"{name} is not on this computer and was not "
                                   f"downloaded, so nothing was trained.{instead}", reason=DATA_MISSING),
                         False, cfg)


def start_failed_notice(exc: BaseException) -> Notice:
    """The trainer of a new run could not be created (the settings shown cannot train)."""
    return Notice("error", "Could not start training", f"{type(exc).__name__}: {exc}", tag=RUN_FAILED)


def _sample_of(dataset: str | None) -> str | None:
    from core.datasets import sample_of

    return sample_of(dataset) if dataset else None


def failure_hint(reason: str) -> str:
    """What to try after a failure with this ``RunResult.reason`` ("" when core's message says it)."""
    from core import events as E

    if reason in (E.DATA, E.DATA_MISSING, E.BUSY):  # the message names the file or folder and what to do
        return ""
    if reason == E.NO_MEMORY:
        return " Lower the batch size, use a smaller width, or train on the CPU."
    return " The Log tab has the details."


def live_view_notice(exc: BaseException) -> Notice:
    return Notice("warning", "A live view could not attach to this run",
                  f"{type(exc).__name__}: {exc}. Training goes on without it.", tag=LIVE_VIEW)
