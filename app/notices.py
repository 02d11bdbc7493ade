"""What the banner says about a run: its warnings, and why it diverged or failed, with what to try.

Warnings and failures are told apart by their ``core.events`` codes (``RunWarning.kind``,
``RunResult.reason``), never by their text.
"""
from __future__ import annotations

from dataclasses import dataclass

from .rescue import SAVE_ELSEWHERE

LIVE_VIEW = "live-view"  # the tag of "a live view could not attach": a new run keeps that banner


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
    return Notice("warning", titles.get(ev.kind, "Warning"), _sentence(ev.message), action, action_id)


def diverged_notice(result, cfg) -> Notice:
    action, action_id = _lower_lr(cfg, "Use lr {lr}")
    return Notice("error", "Diverged — the learning rate is too large",
                  f"{_sentence(result.message or result.status)} Other fixes: Adam instead of SGD, "
                  f"BatchNorm, or a warm-up schedule (one-cycle).", action, action_id)


def failed_notice(result, unsaved: bool) -> Notice:
    """A failed run; ``unsaved``: its trained epochs exist only in memory (offer another folder)."""
    message = _sentence(result.message or result.status)
    if unsaved:
        return Notice("error", "The run could not be saved", message, "Save to another folder…", SAVE_ELSEWHERE)
    return Notice("error", "Training failed", message + failure_hint(getattr(result, "reason", "")))


def failure_hint(reason: str) -> str:
    """What to try after a failure with this ``RunResult.reason``."""
    from core import events as E

    if reason == E.DATA:
        return (" Without a network, use the offline “MNIST sample” dataset, or set the data folder to "
                "a folder that holds the files.")
    if reason == E.NO_MEMORY:
        return " Lower the batch size, use a smaller width, or train on the CPU."
    return " The Log tab has the details."


def live_view_notice(exc: BaseException) -> Notice:
    return Notice("warning", "A live view could not attach to this run",
                  f"{type(exc).__name__}: {exc}. Training goes on without it.", tag=LIVE_VIEW)
