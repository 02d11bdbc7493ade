"""What recording the replay snapshots costs a run: training time with and without, files and bytes kept.

Trains the same run twice per round (snapshots on, then off; alternating, best of ``--rounds``) and
prints the ratio of training seconds and the share of the training time the recorder itself took, then how many
snapshots the run folder keeps, their size on disk,
what one probe forward took, and how long ``core.runs.replay.read_snapshots`` takes to read them all back.

    .venv/bin/python benchmarks/bench_replay.py [--arch lenet] [--epochs 3] [--subset 2048] [--rounds 2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

from convscope.core.runs.replay import read_snapshots, snapshot_files  # noqa: E402
from convscope.core.setup.config import make_config  # noqa: E402
from convscope.core.training.engine import Trainer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="lenet")
    ap.add_argument("--dataset", default="mnist-sample")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--subset", type=int, default=2048)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--width", type=float, default=None)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    cfg = make_config(a.arch, a.dataset, epochs=a.epochs, subset=a.subset, batch_size=a.batch_size,
                      width=a.width, device="cpu")
    best = {True: float("inf"), False: float("inf")}
    kept = None
    for _ in range(a.rounds):
        for record in (True, False):
            with tempfile.TemporaryDirectory() as d:
                t = Trainer(cfg, run_dir=d, record_snapshots=record)
                t.setup()
                result = t.run()
                assert result.status == "completed", result.message
                best[record] = min(best[record], t.train_seconds)
                if record:
                    files = snapshot_files(d)
                    t0 = time.perf_counter()
                    snaps = read_snapshots(d)
                    read_s = time.perf_counter() - t0
                    kept = (len(files), sum(f[3].stat().st_size for f in files), t.global_step,
                            t.recorder.written, read_s, len(snaps),
                            sum(s.seconds for s in snaps) / max(len(snaps), 1), t.recorder.seconds / t.train_seconds)
    n, size, steps, written, read_s, n_read, probe_s, share = kept
    print(f"{a.arch} on {a.dataset}: {steps} steps, {a.epochs} epochs")
    print(f"training seconds with / without snapshots: {best[True]:.2f} / {best[False]:.2f} "
          f"(ratio {best[True] / best[False]:.3f}; wall time, noisy on a shared machine)")
    print(f"time spent recording / training seconds (same run): {share:.3f}")
    print(f"snapshots written {written}, kept {n} ({size / 2**20:.2f} MiB, {size / max(n, 1) / 1024:.1f} KiB "
          f"each); one probe forward {probe_s * 1e3:.1f} ms")
    print(f"read_snapshots: {n_read} in {read_s * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
