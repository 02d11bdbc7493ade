"""What recording every example's right/wrong and last loss (the example record) costs training.

    python benchmarks/bench_examples_record.py [--rounds 6] [--subset N] [--device cpu|cuda] [--archs lenet,nin]

Each architecture (LeNet; NiN at width 0.5) trains on the Fashion-MNIST sample (or ``--dataset``) twice
over, with the same settings and seed: one trainer records the examples (the default), the other does not
(``Trainer(record_examples=False)``). They train one epoch each in alternation, ``--rounds`` times after a
warm-up round, so a load that comes and goes on the machine falls on both alike. The rate is the engine's
own training rate of each epoch (images/s, evaluation excluded); the recording's once-per-epoch copy to
the host and the test split's right/wrong at the evaluation are timed as the whole epoch's seconds too.
Printed: the median rates and their ratio (with / without). Target: ratio ≥ 0.98.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

from convscope.core.base.devices import device_label, resolve_device  # noqa: E402
from convscope.core.setup.config import make_config  # noqa: E402
from convscope.core.training.engine import Trainer  # noqa: E402


def configs(archs: list[str], dataset: str, subset: int | None, batch: int, device: str):
    out = {}
    for arch in archs:
        extra = {"width": 0.5} if arch == "nin" else {}
        out[arch] = make_config(arch, dataset, subset=subset, batch_size=batch, epochs=1000, device=device,
                                seed=0, **extra)
    return out


def measure(config, rounds: int) -> dict:
    trainers = {rec: Trainer(config, publish_interval=1.0, record_snapshots=False, record_examples=rec)
                for rec in (True, False)}
    rates: dict[bool, list[float]] = {True: [], False: []}
    walls: dict[bool, list[float]] = {True: [], False: []}
    for r in range(rounds + 1):
        order = (True, False) if r % 2 == 0 else (False, True)  # alternate which goes first, too
        for rec in order:
            t0 = time.perf_counter()
            result = trainers[rec].run(1)
            wall = time.perf_counter() - t0
            assert result.status == "completed", result.message
            if r:  # the first round warms up (caches, cudnn's choice of kernels)
                rates[rec].append(trainers[rec].history[-1]["examples_per_s"])
                walls[rec].append(wall)
    recorded = trainers[True].examples.snapshot()
    with_rate, without_rate = statistics.median(rates[True]), statistics.median(rates[False])
    return {"with": with_rate, "without": without_rate, "ratio": with_rate / without_rate,
            "wall_ratio": statistics.median(walls[False]) / statistics.median(walls[True]),
            "epochs_recorded": recorded.epochs, "examples": recorded.n_train}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--subset", type=int, default=None, help="training images (default: the whole split)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--dataset", default="fashion-mnist-sample")
    p.add_argument("--device", default="auto")
    p.add_argument("--archs", default="lenet,nin")
    args = p.parse_args(argv)
    device = resolve_device(args.device)
    print(f"example record: {args.dataset}, batch {args.batch_size}, {args.rounds} rounds after a warm-up, "
          f"on {device_label(device)}")
    worst = float("inf")
    for arch, cfg in configs(args.archs.split(","), args.dataset, args.subset, args.batch_size, str(device)).items():
        m = measure(cfg, args.rounds)
        worst = min(worst, m["ratio"])
        label = arch + (" (width 0.5)" if arch == "nin" else "")
        print(f"  {label:18s} with {m['with']:10,.0f} img/s   without {m['without']:10,.0f} img/s   "
              f"ratio {m['ratio']:.3f}   whole epoch (with evaluation) {m['wall_ratio']:.3f}   "
              f"[{m['examples']:,} examples x {m['epochs_recorded']} epochs recorded]")
    print(f"worst ratio {worst:.3f} (target >= 0.98): {'met' if worst >= 0.98 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
