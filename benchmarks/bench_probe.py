"""What watching the inside costs: training throughput with every live view on ÷ with none.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_probe.py [--arch nin] [--width 0.5]
        [--batch-size 64] [--seconds 120] [--window 4] [--mode interleaved|runs]

The training runs in a plain thread while a Qt event loop turns, as in the window, with the four views
of ``app.widgets.activations`` (feature maps, 1×1 convolutions, GAP, output) and their controller at
their defaults (a probe every ≥ 0.2 s, at most ~2 % of the training thread; drawing at most ~2 % of the
GUI thread). "live": all four views shown at once, so all their layers are probed and drawn; "none":
the same controller with every view hidden, so nothing is probed.

Modes (both give each case the same amount of training):

* ``interleaved`` (default): one long run; the views are shown and hidden in turn every ``--window``
  seconds, and each optimizer step's time is booked to the case it ran in (steps that straddle a switch
  or an end-of-epoch evaluation are left out). On a machine shared with other work this is the fair
  comparison: a change of load hits both cases alike.
* ``runs``: separate runs of the same length, alternating none, live, none, live, …; the ratio of the
  medians. Fine on a quiet machine.

Target on a 2-core CPU: ratio ≥ 0.95.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", default="nin")
    ap.add_argument("--dataset", default="mnist-sample")
    ap.add_argument("--width", type=float, default=0.5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--mode", choices=("interleaved", "runs"), default="interleaved")
    ap.add_argument("--seconds", type=float, default=120, help="interleaved: total training time")
    ap.add_argument("--window", type=float, default=4.0, help="interleaved: seconds per case switch")
    ap.add_argument("--subset", type=int, default=2048, help="runs: training examples per run")
    ap.add_argument("--repeats", type=int, default=3, help="runs: runs per case")
    ap.add_argument("--interval", type=float, default=0.2, help="probe interval (s)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = ap.parse_args()

    import torch
    from PySide6.QtWidgets import QApplication

    from convscope.app.widgets.activations import PAINT_METER, ActivationsController
    from convscope.core.base.devices import device_label, resolve_device
    from convscope.core.models import get_spec
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    app = QApplication.instance() or QApplication([])
    extra = {"width": args.width} if "width" in get_spec(args.arch).options else {}
    ctl = ActivationsController(interval=args.interval)
    for view in ctl.views:
        view.resize(1000, 520)

    def show(live: bool) -> None:
        for view in ctl.views:
            view.setVisible(live)

    def config(subset, epochs):
        return make_config(args.arch, args.dataset, subset=subset, epochs=epochs,
                             batch_size=args.batch_size, device=args.device, **extra)

    def train(trainer, while_running=None):
        out = {}
        thread = threading.Thread(target=lambda: out.setdefault("r", trainer.run()))
        thread.start()
        while thread.is_alive():
            app.processEvents()
            if while_running is not None:
                while_running()
            time.sleep(0.005)
        thread.join()
        app.processEvents()
        assert out["r"].status in ("completed", "stopped"), out["r"].message
        return out["r"]

    print(f"{args.arch} (width {args.width}), batch {args.batch_size}, "
          f"{device_label(resolve_device(args.device))}; probe every ≥ {args.interval} s; "
          f"mode {args.mode}")

    if args.mode == "interleaved":
        # Enough data for the whole time; a multiple of the batch so every step has the same size.
        n = (4096 // args.batch_size) * args.batch_size
        trainer = Trainer(config(n, 10_000))
        trainer.setup()
        ctl.attach(trainer)
        state = {"live": False}
        records = []  # (time, live, epochs_done) after each step, probe included

        def record(tr):
            records.append((time.perf_counter(), state["live"], tr.epochs_done))

        trainer.step_hooks.append(record)  # after the probe's hook: a step's time includes its probe
        t_start = time.perf_counter()
        switch = {"next": t_start + args.window, "windows": 0}

        def toggle():
            now = time.perf_counter()
            if now >= t_start + args.seconds:
                trainer.stop()
            elif now >= switch["next"]:
                state["live"] = not state["live"]
                show(state["live"])
                switch["next"] = now + args.window
                switch["windows"] += 1

        show(False)
        paint0 = PAINT_METER.seconds
        train(trainer, toggle)
        paint = PAINT_METER.seconds - paint0
        per = {False: [0, 0.0], True: [0, 0.0]}
        windows = {False: [], True: []}
        cur = None
        for (t0, live0, ep0), (t1, live1, ep1) in zip(records, records[1:]):
            if t1 - t_start < args.window or live0 != live1 or ep0 != ep1:
                if cur is not None and cur[1] > 0:
                    windows[cur[2]].append(cur[0] / cur[1])
                cur = None
                continue
            per[live1][0] += args.batch_size
            per[live1][1] += t1 - t0
            if cur is None:
                cur = [0, 0.0, live1]
            cur[0] += args.batch_size
            cur[1] += t1 - t0
        rate = {k: (v[0] / v[1] if v[1] > 0 else float("nan")) for k, v in per.items()}
        for k, name in ((False, "none"), (True, "live")):
            w = windows[k]
            spread = f", windows {min(w):.0f}…{max(w):.0f}" if w else ""
            print(f"  {name}: {rate[k]:7.1f} examples/s over {per[k][1]:.1f} s "
                  f"({per[k][0]} examples, {len(w)} windows{spread})")
        hist = ctl.probe.history()
        print(f"  {ctl.probe.forwards} probes, {ctl.draws} drawn, "
              f"{max((s.nbytes for s in hist), default=0) / 1024:.1f} KiB per snapshot")
        live_s = per[True][1]
        if live_s > 0:
            print(f"  CPU time while live: probing {ctl.probe.cpu_seconds:.2f} s "
                  f"({100 * ctl.probe.cpu_seconds / live_s:.1f} % of the live time), drawing "
                  f"{ctl.draw_seconds + paint:.2f} s ({100 * (ctl.draw_seconds + paint) / live_s:.1f} %)")
        live, none = rate[True], rate[False]
    else:
        def run(live: bool) -> dict:
            show(live)
            trainer = Trainer(config(args.subset, 1))
            trainer.setup()  # data loading and model building stay out of the timing either way
            ctl.attach(trainer)
            draws = ctl.draws
            result = train(trainer)
            history = ctl.probe.history()
            info = dict(rate=result.examples_per_s, forwards=ctl.probe.forwards, drawn=ctl.draws - draws,
                        bytes=max((s.nbytes for s in history), default=0),
                        train_s=result.history[-1]["seconds"])
            ctl.detach()
            return info

        run(False)  # warm-up: first-use costs of the kernels and of the widgets
        run(True)
        rates = {False: [], True: []}
        for i in range(args.repeats):
            for live in (False, True):
                info = run(live)
                rates[live].append(info["rate"])
                more = (f", {info['forwards']} probes, {info['drawn']} drawn, "
                        f"{info['bytes'] / 1024:.1f} KiB/snapshot" if live else "")
                print(f"  run {i + 1} {'live' if live else 'none':4s}: {info['rate']:8.1f} examples/s "
                      f"over {info['train_s']:.1f} s{more}")
        none, live = statistics.median(rates[False]), statistics.median(rates[True])

    print(f"examples/s, all views live: {live:.1f}; no view: {none:.1f}")
    print(f"ratio live/none: {live / none:.3f} (target ≥ 0.95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
