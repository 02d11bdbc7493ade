"""An architecture race: several networks trained one after another on the same data with the same seed.

Each entrant is an ordinary run (its own run folder under the race's folder, when one is given), so the
window's runs browser lists and overlays them like any other. :func:`race_table` turns the runs' per-epoch
metrics into the comparison the course notes make: parameters, FLOPs, measured images/s, the training
time until the test accuracy first reached a target, and the best test accuracy.

    rows = run_race(["lenet", "nin"], "fashion-mnist-sample", {"epochs": 3}, out_dir="runs/race")
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from convscope.core.setup.config import make_config


@dataclass
class RaceRow:
    arch: str
    display_name: str
    params: int
    flops: int
    images_per_s: float  # training examples per second over the run
    seconds_to_target: float | None  # training seconds until the test accuracy first reached the target
    epoch_to_target: int | None
    best_test_acc: float
    best_epoch: int
    status: str = "completed"
    run_dir: str | None = None

    def to_json(self) -> dict:
        out = dict(self.__dict__)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


def time_to_target(records: Iterable[dict], target: float) -> tuple[float | None, int | None]:
    """Training seconds (summed over epochs) and the epoch at which ``test_acc`` first reached ``target``."""
    total = 0.0
    for rec in records:
        total += float(rec.get("seconds") or 0.0)
        acc = rec.get("test_acc")
        if isinstance(acc, (int, float)) and acc >= target:
            return total, int(rec["epoch"])
    return None, None


def race_row(arch: str, display_name: str, params: int, flops: int, records: list[dict], target: float,
             status: str = "completed", run_dir: str | None = None) -> RaceRow:
    seconds = sum(float(r.get("seconds") or 0.0) for r in records)
    images = sum(float(r.get("examples_per_s") or 0.0) * float(r.get("seconds") or 0.0) for r in records)
    accs = [(float(r["test_acc"]), int(r["epoch"])) for r in records
            if isinstance(r.get("test_acc"), (int, float)) and math.isfinite(r["test_acc"])]
    best, best_epoch = max(accs, key=lambda a: (a[0], -a[1])) if accs else (float("nan"), 0)
    to_s, to_epoch = time_to_target(records, target)
    return RaceRow(arch, display_name, params, flops, images / seconds if seconds > 0 else float("nan"),
                   to_s, to_epoch, best, best_epoch, status, run_dir)


def race_table(rows: list[RaceRow]) -> list[RaceRow]:
    """The rows, fastest to the target first; those that never reached it after, by best accuracy."""
    return sorted(rows, key=lambda r: (r.seconds_to_target is None,
                                       r.seconds_to_target if r.seconds_to_target is not None else 0.0,
                                       -(r.best_test_acc if math.isfinite(r.best_test_acc) else -1.0)))


def run_race(archs: list[str], dataset: str, settings: dict, target: float = 0.9,
             out_dir: str | Path | None = None, on_event: Callable | None = None,
             on_start: Callable[[str, object], None] | None = None) -> list[RaceRow]:
    """Train each architecture with ``settings`` (the same seed for all) and return :func:`race_table`.

    ``on_start(arch, trainer)`` is called before each entrant trains (e.g. to stop it)."""
    from convscope.core.insight.summary import summarize
    from convscope.core.training.engine import Trainer

    rows = []
    for arch in archs:
        cfg = make_config(arch, dataset, **settings)
        summary = summarize(cfg)
        run_dir = Path(out_dir) / arch if out_dir is not None else None
        trainer = Trainer(cfg, on_event=on_event, run_dir=run_dir)
        if on_start is not None:
            on_start(arch, trainer)
        result = trainer.run()
        records = list(trainer.history)  # one metrics.jsonl record per epoch
        rows.append(race_row(arch, cfg.spec.display_name, summary.total_params, summary.total_flops, records,
                             target, result.status, str(run_dir) if run_dir else None))
        if result.status == "stopped":
            break
    return race_table(rows)
