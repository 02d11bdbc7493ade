"""Train every lesson of a lesson pack as the pack says and check each run against the lesson's own checks.

    python benchmarks/check_lessons.py [--pack builtin] [--only ID[,ID…]] [--short] [--threads 1] [--out DIR]

Each lesson trains headless through ``convscope train --lesson PACK:ID`` with its own settings (a full
dataset that is not on this computer swapped for its offline sample, as the window does), then
``convscope lesson check`` checks its run, with the run of its paired lesson for the checks that compare
the two (both lessons must run: ``--only`` with one of a pair leaves those checks unmeasured, "?").
``--short`` runs the CPU-heavy lessons shortened (``SHORT`` below: the ResNet lessons on fewer images —
their comparisons still hold — and the compact NiN lessons for fewer epochs), printed with their results.

Prints one line per check (✓ holds, ✗ fails, ? not measured) and a summary per lesson: epochs trained,
seconds, checks passed. Exit code 1 when a check fails, 0 otherwise.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

RESNET = ("lesson-batchnorm-on", "lesson-batchnorm-off", "lesson-shortcuts-off", "lesson-shortcuts-on")
# With --short: what the lessons' texts allow to shorten without changing what they show.
SHORT = {**{lid: ["--subset", "700"] for lid in RESNET},
         **{lid: ["--epochs", "6"] for lid in ("lesson-1x1-conv", "lesson-gap-params")}}


def quiet(argv: list[str]) -> tuple[int, str]:
    """``convscope ARGV`` in this process: its exit code and its last stdout line."""
    from convscope.core.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    lines = out.getvalue().strip().splitlines()
    return code, lines[-1] if lines else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", default="builtin", help="a lesson pack (.toml) or 'builtin' (default)")
    ap.add_argument("--only", default="", help="comma-separated lesson ids (default: every lesson)")
    ap.add_argument("--short", action="store_true", help="the CPU-heavy lessons shortened (see SHORT)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: a shared machine)")
    ap.add_argument("--out", help="keep the runs in this folder (default: a temporary one)")
    args = ap.parse_args()

    import torch

    from convscope.core.setup.lesson_packs import PackError, read_pack

    torch.set_num_threads(max(1, args.threads))
    try:
        pack = read_pack(args.pack)
    except PackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    chosen = list(pack.lessons)
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {le.id for le in chosen}
        if unknown:
            print(f"error: no lesson {', '.join(sorted(unknown))} in {pack.path}.", file=sys.stderr)
            return 2
        chosen = [le for le in chosen if le.id in wanted]

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out or tmp)
        runs, rows = {}, []
        for lesson in chosen:
            extra = SHORT.get(lesson.id, []) if args.short else []
            print(f"… {lesson.id} {' '.join(extra)}", file=sys.stderr, flush=True)
            start = time.perf_counter()
            out = root / lesson.id
            code, line = quiet(["train", "--lesson", f"{args.pack}:{lesson.id}", "--device", "cpu", "--json",
                                "--out", str(out), "--overwrite", *extra])
            trained = json.loads(line) if line.startswith("{") else {}
            if (out / "status.json").is_file():  # a run that diverged in its first epoch has no metrics, only
                runs[lesson.id] = out  # its status: a lesson about diverging checks that
            rows.append((lesson, extra, trained, time.perf_counter() - start, code))
        print(f"{'lesson':28} {'epochs':>6} {'test':>6} {'s':>5}  checks")
        for lesson, extra, trained, seconds, code in rows:
            if lesson.id not in runs:
                failed = True
                print(f"{lesson.id:28} no epoch finished (exit {code})  FAIL")
                continue
            argv = ["lesson", "check", f"{args.pack}:{lesson.id}", "--checkpoint", str(runs[lesson.id]), "--json"]
            if lesson.pair and lesson.pair in runs:
                argv += ["--pair", str(runs[lesson.pair])]
            code, line = quiet(argv)
            result = json.loads(line) if line.startswith("{") else {"checks": [], "passed": False}
            failed |= code != 0
            held = sum(c["passed"] is True for c in result["checks"])
            acc = trained.get("test_acc")
            print(f"{lesson.id:28} {trained.get('epochs', 0):>6} "
                  f"{'' if acc is None else f'{100 * acc:5.1f}%':>6} {seconds:>5.0f}  "
                  f"{held}/{len(result['checks'])} hold{'' if code == 0 else '  FAIL'}"
                  + (f"  (shortened: {' '.join(extra)})" if extra else ""))
            for c in result["checks"]:
                mark = {True: "✓", False: "✗", None: "?"}[c["passed"]]
                value = c["value"] if not isinstance(c["value"], float) else f"{c['value']:.4g}"
                print(f"    {mark} {c['what']}{' ' + c['layer'] if 'layer' in c else ''} at {c['at']}"
                      f"{' (minus the pair)' if 'compare' in c else ''} = {value}, expected {c['expected']}"
                      + (f" [{c['note']}]" if c["note"] else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
