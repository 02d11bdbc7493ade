"""``lesson list PACK`` and ``lesson check PACK[:ID] --checkpoint RUN``: lesson packs on the command line.

PACK is a lesson pack (a TOML file, see the README) or ``builtin`` (ConvScope's own lessons). ``check``
reads a run folder and says, check by check, whether the run shows what the lesson says: exit code 0 when
no check fails, 1 when one does, 2 for a bad pack or a run folder that cannot be read (one line on stderr
naming the file, the lesson and the key). ``train --lesson PACK[:ID]`` trains a lesson (see :func:`lesson_preset`).
"""
from __future__ import annotations

from .common import EXIT_FAILED, EXIT_OK, BadInput, emit

NAME = "lesson"


def add_parser(sub) -> None:
    p = sub.add_parser("lesson", help="list a lesson pack's lessons, or check a run against a lesson",
                       description="Lesson packs: 'lesson list PACK' lists its lessons; 'lesson check PACK:ID "
                       "--checkpoint RUN' checks a run folder against a lesson's checks. PACK is a .toml file "
                       "or 'builtin'.")
    what = p.add_subparsers(dest="lesson_command", metavar="{list,check}")
    what.required = True
    ls = what.add_parser("list", help="the lessons of a pack")
    ls.add_argument("pack", metavar="PACK", help="a lesson pack (.toml) or 'builtin'")
    ls.add_argument("--json", action="store_true", help="print them as one JSON line")
    ck = what.add_parser("check", help="check a run folder against a lesson")
    ck.add_argument("lesson", metavar="PACK[:ID]", help="the lesson: its pack and id (the id may be left out "
                    "when the pack holds one lesson)")
    ck.add_argument("--checkpoint", required=True, metavar="RUN", help="run directory written by 'train --out' "
                    "or by the window")
    ck.add_argument("--pair", metavar="RUN", help="the run of the paired lesson, for the checks that compare "
                    "the two")
    ck.add_argument("--json", action="store_true", help="print the result as one JSON line")


def _read(spec: str):
    from convscope.core.setup.lesson_packs import PackError, read_lesson

    try:
        return read_lesson(spec)
    except PackError as exc:
        raise BadInput(str(exc)) from None


def the_lesson(spec: str):
    """The lesson ``PACK[:ID]`` names (a pack of one lesson needs no id); :class:`BadInput` otherwise."""
    pack, lesson = _read(spec)
    if lesson is None:
        if len(pack.lessons) != 1:
            raise BadInput(f"{pack.path} holds {len(pack.lessons)} lessons: name one as PACK:ID, one of "
                           f"{', '.join(le.id for le in pack.lessons)} (see 'lesson list {pack.path}').")
        lesson = pack.lessons[0]
    return lesson


def lesson_preset(spec: str):
    """The preset that trains the lesson ``PACK[:ID]`` (for ``train --lesson``)."""
    from convscope.core.setup.presets import lesson_preset as as_preset

    return as_preset(the_lesson(spec))


def run(args) -> int:
    return _list(args) if args.lesson_command == "list" else _check(args)


def _list(args) -> int:
    pack, _ = _read(args.pack)
    rows = [{"id": le.id, "title": le.title, "title_zh": le.texts.get("title_zh", ""), "view": le.view,
             "pair": le.pair, "arch": le.config["arch"], "dataset": le.config["dataset"],
             "epochs": le.config.get("epochs"), "predictions": len(le.predictions), "checks": len(le.checks)}
            for le in pack.lessons]
    lines = [pack.title or pack.path] if pack.title else []
    lines += [f"{r['id']:28s} {r['arch']:14s} {r['dataset']:16s} {r['checks']:>2} checks  {r['title']}" for r in rows]
    emit(args, {"pack": pack.path, "title": pack.title, "title_zh": pack.title_zh, "lessons": rows}, "\n".join(lines))
    return EXIT_OK


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def describe(result) -> str:
    """One line per check: ✓/✗ (or ? when not measured), the quantity, the value, what it must be, why."""
    lines = [f"lesson {result.lesson.id}: {sum(r.passed is True for r in result.results)} of "
             f"{len(result.results)} checks pass"]
    for r in result.results:
        c = r.check
        mark = {True: "✓", False: "✗", None: "?"}[r.passed]
        expected = ", ".join(f"{'=' if k == 'is' else '≥' if k == 'min' else '≤'} {_value(v)}"
                             for k, v in c.expected().items())
        what = c.what + (f" {c.layer}" if c.layer else "") + (f" {c.target:.0%}" if c.target else "") \
            + (f" at {c.at}" if c.at != "final" else "") + (" minus the paired run's" if c.compare else "")
        lines.append(f"{mark} {what} = {_value(r.value)} (expected {expected}){f' [{r.note}]' if r.note else ''}"
                     f" — {c.say}")
    lines += [f"note: the run differs from the lesson: {d}" for d in result.differences]
    return "\n".join(lines)


def _check(args) -> int:
    from convscope.core.runs.lesson_check import CheckError, check_run

    lesson = the_lesson(args.lesson)
    if not lesson.checks:
        raise BadInput(f"lesson {lesson.id} of {lesson.pack} has no checks; nothing to check.")
    if args.pair and not lesson.pair:
        raise BadInput(f"lesson {lesson.id} pairs with no other lesson: leave --pair out.")
    try:
        result = check_run(lesson, args.checkpoint, args.pair)
    except CheckError as exc:
        raise BadInput(str(exc)) from None
    emit(args, result.to_json(), describe(result))
    return EXIT_OK if result.passed else EXIT_FAILED
