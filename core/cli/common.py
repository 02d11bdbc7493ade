"""What every command of the command line shares: exit codes, the one-line error, argument types that
refuse bad numbers, printing safely, emitting the result (text or one JSON line), opening a run folder.

A command lives in its own module of this package with ``add_parser(sub)`` (its sub-parser, built with
:class:`Parser`) and ``run(args) -> int`` (its exit code), and is listed in ``convscope.core.cli.COMMAND_MODULES``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_DIVERGED = 0, 1, 2, 3
STATUS_EXIT = {"completed": EXIT_OK, "stopped": EXIT_OK, "failed": EXIT_FAILED, "diverged": EXIT_DIVERGED}


# Characters that steer a terminal or reorder text: control characters (an escape sequence can set the
# title and colours), line and paragraph separators, and the bidirectional overrides.
_STEERING = frozenset(range(0x20)) | frozenset(range(0x7f, 0xa0)) | {0x061c, 0x200e, 0x200f, 0x2028, 0x2029} \
    | frozenset(range(0x202a, 0x202f)) | frozenset(range(0x2066, 0x206a))


def printable(text, keep_newlines: bool = False) -> str:
    """``text`` safe to print to a terminal: every character that could steer it is shown escaped
    (``\\x1b``, ``\\u202e``). Everything that may hold names from files (class folders, a received
    config, paths) passes through here before it reaches the terminal."""
    text = str(text)
    if not any(ord(c) in _STEERING for c in text):
        return text
    kept = {0x0a} if keep_newlines else set()
    return "".join(c if ord(c) not in _STEERING or ord(c) in kept
                   else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in text)


class BadInput(Exception):
    """Input the user must change: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line instead of usage + traceback-looking text
        raise BadInput(f"{self.prog}: {message} (see '{self.prog} --help')")


def _number(cast, accept, requirement: str):
    """An argparse type: ``cast`` the text, then refuse values ``accept`` rejects, saying ``requirement``."""
    noun = "a whole number" if cast is int else "a number"

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not (math.isfinite(value) and accept(value)):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text}")
        return value

    return parse


positive_float = _number(float, lambda v: v > 0, "a positive number")
positive_int = _number(int, lambda v: v >= 1, "at least 1")
nonneg_int = _number(int, lambda v: v >= 0, "0 or more")
fraction = _number(float, lambda v: 0 <= v < 1, "in [0, 1)")


def strict(value):
    """NaN and infinities as null: what scripts read with --json is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def emit(args, payload: dict, human: str) -> None:
    """The result on stdout; :class:`BadInput` when stdout cannot take it (closed, a full disk)."""
    try:
        print(json.dumps(strict(payload), allow_nan=False) if args.json else printable(human, keep_newlines=True))
        sys.stdout.flush()
    except OSError as exc:
        try:  # what is still buffered goes nowhere at exit, instead of a second error
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise BadInput(f"standard output cannot be written to ({exc.strerror or exc}), so the result "
                       f"was not printed.") from None


def open_run(run_dir: str, device: str = "cpu"):
    from convscope.core.runs.checkpoints import CheckpointError, load_run

    try:
        return load_run(run_dir, device=device)
    except CheckpointError as exc:
        raise BadInput(str(exc)) from None
