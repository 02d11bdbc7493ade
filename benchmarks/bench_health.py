"""What the layer-health monitor costs: training throughput with it on ÷ with it off.

    python benchmarks/bench_health.py [--arch lenet] [--dataset mnist-sample] [--width W]
        [--seconds 60] [--window 3]

One long run; the monitor (``core.insight.health.HealthMonitor`` at its defaults: a measurement every ≥ 0.5 s,
at most ~3 % of the training thread) is switched on and off every ``--window`` seconds, and each
optimizer step's time is booked to the case it ran in (steps that straddle a switch or an end-of-epoch
evaluation are left out). On a machine shared with other work this is the fair comparison: a change of
load hits both cases alike. Target on a 2-core CPU: ratio ≥ 0.95.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", default="lenet")
    ap.add_argument("--dataset", default="mnist-sample")
    ap.add_argument("--width", type=float, default=None)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60, help="total training time")
    ap.add_argument("--window", type=float, default=3.0, help="seconds per case switch")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    from convscope.core.insight.health import HealthMonitor
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    cfg = make_config(args.arch, args.dataset, epochs=1000, batch_size=args.batch_size, width=args.width,
                      device=args.device, seed=0)
    trainer = Trainer(cfg)
    monitor = HealthMonitor().attach(trainer)
    times = {True: [], False: []}
    state = {"last": None, "epoch": None, "case": True, "switched": time.perf_counter(), "start": None}

    def record(tr):  # after the monitor's own hook: its measurement is in this step's time
        now = time.perf_counter()
        if state["start"] is None:
            state["start"] = now
        if now - state["switched"] >= args.window:
            monitor.enabled = state["case"] = not state["case"]
            state["switched"], state["last"] = now, None
            return
        if state["last"] is not None and state["epoch"] == tr.epochs_done:
            times[state["case"]].append(now - state["last"])
        state["last"], state["epoch"] = now, tr.epochs_done
        if now - state["start"] >= args.seconds:
            tr.stop()

    trainer.step_hooks.append(record)
    trainer.run()
    on, off = times[True], times[False]
    if not on or not off:
        raise SystemExit("too few steps: give --seconds more")
    # Mean step time: the monitor's occasional measurement is what it costs, so it must count.
    t_on, t_off = statistics.fmean(on), statistics.fmean(off)
    print(f"{cfg.spec.display_name} on {cfg.dataset}, batch {cfg.batch_size}: {len(on)} steps with the monitor, "
          f"{len(off)} without; {monitor.measurements} measurements of "
          f"{1000 * monitor.seconds / max(1, monitor.measurements):.1f} ms")
    print(f"throughput with ÷ without the layer-health monitor: {t_off / t_on:.3f} "
          f"({args.batch_size / t_on:,.0f} vs {args.batch_size / t_off:,.0f} images/s)  target ≥ 0.95 "
          f"{'OK' if t_off / t_on >= 0.95 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
