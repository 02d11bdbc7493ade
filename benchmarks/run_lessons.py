"""Run the lessons and the NiN presets as they are set, on the offline data, and check what their texts claim.

    python benchmarks/run_lessons.py [--only ID[,ID…]] [--nin] [--threads 1] [--short]

Each lesson (the built-in lesson pack) and each NiN preset (``resources/presets.json``) trains headless
through ``convscope train --preset ID`` with its own settings (its full dataset swapped for the offline
sample where it is not on this computer, as the window does). A preset whose text says it is very slow
on a CPU and may be shortened (the d2l NiN at 224 px, the compact NiN at full width) runs shortened as
its text suggests (``SHORTENED`` below, printed with its result); ``--short`` shortens the CPU-heavy
ResNet lessons too. A table follows: per run the epochs, its final and best test accuracy, its final
training loss, and the claim of its text with OK / FAIL. Claims that compare two lessons (BatchNorm on
vs off, shortcuts on vs off, augmentation on vs off) are checked when both ran.

``--nin`` runs only the NiN lessons and presets. Exit code 1 when a claim fails, 0 otherwise.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

LN10 = math.log(10)

# Presets that are too slow to run as set on a CPU, run as their own text says to shorten them.
SHORTENED = {
    "nin-fashion-compact": ["--width", "0.5", "--epochs", "3"],  # its text: "try width 0.5 or a subset"
    "nin-d2l-128": ["--subset", "1024", "--epochs", "2"],  # "shorten it with a subset"
    "nin-d2l-256": ["--subset", "1024", "--epochs", "2"],
}
# With --short: the ResNet lessons on a third of their images (their comparisons still hold).
SHORT = {pid: ["--subset", "700"] for pid in (
    "lesson-batchnorm-on", "lesson-batchnorm-off", "lesson-shortcuts-off", "lesson-shortcuts-on")}


def final(h):
    return h[-1]


def best_test(h):
    return max(r["test_acc"] for r in h)


def stuck(h):
    """Chance accuracy and the loss of a guess (ln 10) at the end, or a diverged run."""
    last = final(h)
    loss = last.get("train_loss")
    return last["test_acc"] <= 0.15 and (loss is None or not math.isfinite(loss) or abs(loss - LN10) < 0.1)


# id -> (the claim as its text makes it, check(history of this run, all results) -> bool or None)
CLAIMS = {
    "lesson-1x1-conv": ("test accuracy ≥ 80 % after its epochs", lambda h, _: final(h)["test_acc"] >= 0.80),
    "lesson-gap-params": ("test accuracy ≥ 80 % after its epochs", lambda h, _: final(h)["test_acc"] >= 0.80),
    "lesson-lr-too-large": ("the loss stays near ln 10 = 2.30 (or explodes): chance accuracy",
                            lambda h, _: stuck(h)),
    "lesson-sigmoid-lenet": ("slower than ReLU: below the ReLU lesson's test accuracy after epoch 1",
                             lambda h, r: (h[0]["test_acc"] < r["lesson-relu-lenet"][0]["test_acc"])
                             if "lesson-relu-lenet" in r else None),
    "lesson-relu-lenet": ("test accuracy > 90 % within the first epoch", lambda h, _: h[0]["test_acc"] > 0.90),
    "lesson-batchnorm-on": ("lower training loss after its epochs than without BatchNorm",
                            lambda h, r: (final(h)["train_loss"] < final(r["lesson-batchnorm-off"])["train_loss"])
                            if "lesson-batchnorm-off" in r else None),
    "lesson-batchnorm-off": ("trains (leaves chance), more slowly than with BatchNorm",
                             lambda h, _: final(h)["test_acc"] > 0.15),
    "lesson-augment-off": ("training accuracy far above test accuracy (gap ≥ 25 points)",
                           lambda h, _: final(h)["train_acc"] - final(h)["test_acc"] >= 0.25),
    "lesson-augment-on": ("smaller gap and higher final test accuracy than without augmentation",
                          lambda h, r: (final(h)["test_acc"] > final(r["lesson-augment-off"])["test_acc"]
                                        and final(h)["train_acc"] - final(h)["test_acc"]
                                        < final(r["lesson-augment-off"])["train_acc"]
                                        - final(r["lesson-augment-off"])["test_acc"])
                          if "lesson-augment-off" in r else None),
    "lesson-inception-branches": ("no figure claimed; trains: leaves chance (> 50 %)",
                                  lambda h, _: final(h)["test_acc"] > 0.50),
    "lesson-shortcuts-off": ("trains more slowly than with shortcuts",
                             lambda h, r: (final(h)["train_loss"] > final(r["lesson-shortcuts-on"])["train_loss"])
                             if "lesson-shortcuts-on" in r else None),
    "lesson-shortcuts-on": ("lower training loss after its epochs than without shortcuts",
                            lambda h, r: (final(h)["train_loss"] < final(r["lesson-shortcuts-off"])["train_loss"])
                            if "lesson-shortcuts-off" in r else None),
    "nin-fashion-compact": ("learns: test accuracy ≥ 80 %", lambda h, _: final(h)["test_acc"] >= 0.80),
    "nin-d2l-128": ("learns: leaves chance (test accuracy > 15 %)", lambda h, _: best_test(h) > 0.15),
    "nin-d2l-256": ("gets stuck at chance (loss ≈ ln 10, accuracy ≈ 10 %)", lambda h, _: stuck(h)),
}
# id -> (the claim, the status its run must end with): claims about how a run ends, epochs or none.
STATUS_CLAIMS = {
    "lenet-lr-too-large": ("the loss explodes: the run stops as diverged", "diverged"),
}


def train(pid: str, extra: list[str], out: Path) -> tuple[list[dict], float, str]:
    """Train preset ``pid`` (plus ``extra`` options) into ``out``: its epochs' records, the seconds, the status."""
    from convscope.core.cli import main

    start = time.perf_counter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["train", "--preset", pid, "--device", "cpu", "--json", "--out", str(out), *extra])
    lines = buf.getvalue().strip().splitlines()
    status = json.loads(lines[-1])["status"] if lines else "failed"
    metrics = out / "metrics.jsonl"
    history = [json.loads(line) for line in metrics.read_text().splitlines()] if metrics.is_file() else []
    return history, time.perf_counter() - start, status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="", help="comma-separated preset ids (default: every lesson and NiN preset)")
    ap.add_argument("--nin", action="store_true", help="only the NiN lessons and presets")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: a shared machine)")
    ap.add_argument("--short", action="store_true", help="the ResNet lessons on fewer images")
    args = ap.parse_args()

    import torch

    from convscope.core.setup.presets import load_presets

    torch.set_num_threads(max(1, args.threads))
    presets, _ = load_presets()
    chosen = [p for p in presets if p.lesson or p.config.get("arch") == "nin"]
    if args.nin:
        chosen = [p for p in chosen if p.config.get("arch") == "nin"]
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {p.id for p in presets}
        if unknown:
            print(f"error: unknown preset id(s) {', '.join(sorted(unknown))}; see `convscope presets`.",
                  file=sys.stderr)
            return 2
        chosen = [p for p in presets if p.id in wanted]

    results, rows = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for p in chosen:
            extra = SHORTENED.get(p.id, []) + (SHORT.get(p.id, []) if args.short else [])
            print(f"… {p.id} {' '.join(extra)}", file=sys.stderr, flush=True)
            history, seconds, status = train(p.id, extra, Path(tmp) / p.id)
            if history:
                results[p.id] = history
            rows.append((p, extra, history, seconds, status))

    failed = False
    print(f"{'preset':28} {'epochs':>6} {'test':>6} {'best':>6} {'train':>6} {'loss':>6} {'s':>5}  claim")
    for p, extra, history, seconds, status in rows:
        claim, check = CLAIMS.get(p.id, ("(no claim listed)", lambda h, r: None))
        verdict = check(history, results) if history else False
        if p.id in STATUS_CLAIMS:
            claim, expected = STATUS_CLAIMS[p.id]
            verdict = status == expected
        failed |= verdict is False
        mark = {True: "OK", False: "FAIL", None: "—"}[verdict]
        if history:
            last = final(history)
            loss = last["train_loss"] if last["train_loss"] is not None else float("nan")
            print(f"{p.id:28} {len(history):>6} {100 * last['test_acc']:>5.1f}% {100 * best_test(history):>5.1f}% "
                  f"{100 * last['train_acc']:>5.1f}% {loss:>6.3f} {seconds:>5.0f}  {mark} {claim}"
                  + (f"  [{status}]" if status != "completed" else "")
                  + (f"  (shortened: {' '.join(extra)})" if extra else ""))
        else:
            print(f"{p.id:28} no epoch finished [{status}]  {mark} {claim}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
