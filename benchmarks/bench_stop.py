"""How long does Stop take to return control, for a big network on the CPU?

NiN in the notes' form (224×224 inputs) at batch 128 on the CPU: one step takes many seconds, and so does
one batch of the test pass. Each trial trains on the Fashion-MNIST sample (``--subset`` images, so an
epoch is a step or two) in a thread, presses Stop at a random moment — inside a training step, or inside
the test pass at the epoch's end, in turn — and measures the time from the press until ``Trainer.run()``
has returned (the run folder written, its status "stopped"). Goal: the median of the trials ≤ 2 s.
``--gaps`` instead trains one epoch of one step and reports the longest time between two of the points
where a stop is taken (the longest layer, forward or backward), in the step and in the test pass: the
most a stop can wait.

    .venv/bin/python benchmarks/bench_stop.py [--trials 5] [--arch nin] [--batch 128] [--seed 0] [--gaps]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

from convscope.core.setup.config import make_config  # noqa: E402
from convscope.core.training.engine import Trainer  # noqa: E402

GOAL_S = 2.0
PLACES = {"step": "a training step", "evaluation": "the test pass"}


def trial(cfg, where: str, delay_s: float, run_dir: str) -> dict:
    """One run stopped ``delay_s`` after the moment ``where`` ("step": a training step started,
    "evaluation": the test pass started); the seconds from the stop to the end of ``run()``."""
    trainer = Trainer(cfg, run_dir=run_dir, record_snapshots=False)
    trainer.setup()
    began = threading.Event()
    if where == "step":
        trainer.batch_hooks.append(lambda t, idx, xb: began.set())
    else:
        trainer.model.register_forward_pre_hook(
            lambda m, args: began.set() if not m.training and args[0].shape[0] > 1 else None)
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", trainer.run()))
    thread.start()
    try:
        if not began.wait(600):
            raise RuntimeError(f"the run never reached a {where}")
        time.sleep(delay_s)
        t0 = time.perf_counter()
        trainer.stop()
        thread.join()
        seconds = time.perf_counter() - t0
    finally:
        trainer.stop()
        thread.join()
    result = box["result"]
    status = json.loads((Path(run_dir) / "status.json").read_text())
    return dict(where=where, delay_s=round(delay_s, 2), stop_s=round(seconds, 3), status=result.status,
                folder_status=status["status"], epochs=result.epochs, step=trainer.global_step)


def gaps(cfg) -> dict:
    """The longest wait between two stop points in one training step and in the test pass."""
    trainer = Trainer(cfg, record_snapshots=False)
    trainer.setup()
    marks: list[tuple[float, bool]] = []  # (time, training)
    check = trainer._interrupt.check

    def timed_check():
        marks.append((time.perf_counter(), trainer.model.training))
        check()

    trainer._interrupt.check = timed_check
    trainer.run(1)
    out = {}
    for name, training in (("step", True), ("evaluation", False)):
        times = [t for t, mode in marks if mode == training]
        out[f"{name}_points"] = len(times)
        longest = max((b - a for a, b in zip(times, times[1:])), default=None)
        out[f"{name}_longest_gap_s"] = None if longest is None else round(longest, 3)
        out[f"{name}_s"] = round(times[-1] - times[0], 3) if times else None  # first point to last
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="nin")
    ap.add_argument("--form", default="d2l")
    ap.add_argument("--dataset", default="fashion-mnist-sample")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--subset", type=int, default=128, help="training images (an epoch of a step or two)")
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--max-delay", type=float, default=8.0, help="the press comes up to this long after "
                                                                 "the step or the test pass began (s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--gaps", action="store_true", help="the longest wait between stop points instead")
    a = ap.parse_args()
    cfg = make_config(a.arch, a.dataset, form=a.form, batch_size=a.batch, subset=a.subset, epochs=2,
                      device="cpu")
    if a.gaps:
        print(json.dumps(gaps(cfg), indent=2))
        return
    rng = random.Random(a.seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.trials):
            where = "step" if i % 2 == 0 else "evaluation"
            row = trial(cfg, where, rng.uniform(0.2, a.max_delay), str(Path(tmp) / f"run{i}"))
            rows.append(row)
            if not a.json:
                print(f"trial {i + 1}: stop {row['delay_s']:.1f} s into {PLACES[where]}: returned after "
                      f"{row['stop_s']:.2f} s, {row['status']} (folder: {row['folder_status']}, "
                      f"{row['epochs']} epoch(s), step {row['step']})", flush=True)
    median = statistics.median(r["stop_s"] for r in rows)
    summary = dict(arch=a.arch, form=a.form, side=cfg.input_size[1], batch=a.batch, trials=rows,
                   median_stop_s=round(median, 3), max_stop_s=max(r["stop_s"] for r in rows), goal_s=GOAL_S,
                   meets=bool(median <= GOAL_S and all(r["status"] == "stopped" for r in rows)))
    if a.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"median {median:.2f} s, longest {summary['max_stop_s']:.2f} s (goal: median ≤ {GOAL_S:.0f} s): "
              f"{'meets' if summary['meets'] else 'MISSES'} the goal")


if __name__ == "__main__":
    main()
