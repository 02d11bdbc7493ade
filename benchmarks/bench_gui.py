"""How much does the live window cost training, and does it stay responsive?

Default mode: the same run twice (or more, alternating) —

* headless: ``core.training.engine.Trainer`` directly, no Qt, with the settings the window uses (publish ~30 Hz,
  a CPU weight copy each epoch, a run directory);
* in the window: the real ``MainWindow`` (offscreen unless a display is set), its settings filled in,
  Train clicked, curves live; one window for all the window runs, as a student trains run after run. Meanwhile a 10
  ms ``QTimer`` records how late it fires (event-loop lag).

It prints examples/s of both (training time only, as the engine counts it), their ratio, and the lag's
p50 / p99 / max. Targets on a 2-core CPU: ratio ≥ 0.95, lag p99 ≤ 20 ms, max ≤ 200 ms.

``--startup``: start ``python main.py`` a few times and report the time from launching the process to the
window's first paint, and to "ready to train" (torch and the model zoo loaded). Then, in one real window,
for LeNet and for NiN at width 0.5: how long the training-time estimate takes to appear once the window is
ready, the CPU the ready window uses while it idles (target ≤ 3 % of one core), and the estimate against
the real run that follows (Train clicked): estimated ÷ real images/s and estimated ÷ real seconds
(target: within 2× either way on an idle machine).

    .venv/bin/python benchmarks/bench_gui.py
    .venv/bin/python benchmarks/bench_gui.py --arch nin --subset 2000 --epochs 2
    .venv/bin/python benchmarks/bench_gui.py --startup
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(q / 100 * (len(s) - 1)))))
    return s[k]


# ----------------------------------------------------------------------------------------- start-up
def bench_startup(repeats: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="convscope-bench-")
    env = dict(os.environ, CONVSCOPE_STARTUP_REPORT="1", CONVSCOPE_SETTINGS_DIR=f"{tmp}/settings",
               CONVSCOPE_RUNS_DIR=f"{tmp}/runs")
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    paint, ready = [], []
    for _ in range(repeats):
        t0 = time.time()
        proc = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        stamps = {line.split()[0]: float(line.split()[1]) for line in proc.stderr.splitlines()
                  if line.startswith(("first-paint ", "ready "))}
        if proc.returncode != 0 or "first-paint" not in stamps:
            raise SystemExit(f"main.py failed:\n{proc.stderr[-2000:]}")
        paint.append(stamps["first-paint"] - t0)
        ready.append(stamps.get("ready", float("nan")) - t0)
    out = {"platform": env.get("QT_QPA_PLATFORM", "display"), "first_paint_s": paint, "ready_s": ready,
           "first_paint_median_s": statistics.median(paint), "ready_median_s": statistics.median(ready)}
    print(f"window first paint after launch: median {out['first_paint_median_s']:.2f} s "
          f"(runs: {', '.join(f'{v:.2f}' for v in paint)}); target ≤ 1.5 s")
    print(f"ready to train after launch:     median {out['ready_median_s']:.2f} s "
          f"(runs: {', '.join(f'{v:.2f}' for v in ready)})")
    return out


# ------------------------------------------------------------------------------------- training
def make_config(args):
    from convscope.core.setup.config import make_config

    return make_config(args.arch, args.dataset, epochs=args.epochs, batch_size=args.batch_size,
                       subset=args.subset, seed=0, device=args.device)


def run_headless(args, run_dir: str) -> float:
    import torch

    from convscope.app.worker import training_threads
    from convscope.core.training.engine import Trainer

    # The same run as the window's: its training thread uses every core but one (app/worker.py).
    torch.set_num_threads(training_threads())

    trainer = Trainer(make_config(args), run_dir=run_dir, publish_interval=1 / 30, publish_weights=True)
    result = trainer.run()
    if result.status != "completed":
        raise SystemExit(f"headless run {result.status}: {result.message}")
    return float(result.examples_per_s)


def open_window(args):
    """The real main window, ready to train, its settings filled in."""
    from PySide6.QtCore import QEventLoop, QTimer

    from convscope.app.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    # Block in a real event loop, as app.exec() does: a loop spinning on processEvents() would fight
    # the training thread for the GIL and measure itself rather than the window.
    if not w.is_ready():
        wait = QEventLoop()
        w.ready.connect(wait.quit)
        QTimer.singleShot(300_000, wait.quit)
        wait.exec()
    if not w.is_ready():
        raise SystemExit("the window did not become ready")
    w.config_panel.set_values({"arch": args.arch, "dataset": args.dataset, "epochs": args.epochs,
                               "batch_size": args.batch_size, "subset": args.subset, "seed": 0,
                               "device": args.device})
    w._validate()
    if w.current_config() is None:
        raise SystemExit(f"invalid settings: {w._config_error}")
    return w


def run_in_window(w) -> tuple[float, list[float], int]:
    """One run in the window ``w`` (Train clicked, as a student does run after run)."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    lateness: list[float] = []
    clock = QElapsedTimer()
    state = {"last": None, "measuring": False}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)

    def tick():
        now = clock.nsecsElapsed() / 1e9
        if state["measuring"] and state["last"] is not None:
            lateness.append(max(0.0, (now - state["last"]) - 0.010))
        state["last"] = now

    timer.timeout.connect(tick)
    results = []

    def started(_ev):
        state["measuring"] = True

    def finished(result):
        results.append(result)
        state["measuring"] = False

    w.run_started.connect(started)
    w.run_finished.connect(finished)
    try:
        clock.start()
        timer.start()
        w.start_button.click()
        if w.is_running():
            wait = QEventLoop()
            w.controller.thread_finished.connect(wait.quit)
            wait.exec()
        timer.stop()
    finally:
        w.run_started.disconnect(started)
        w.run_finished.disconnect(finished)
    result = results[0]
    if result.status != "completed":
        raise SystemExit(f"window run {result.status}: {result.message}")
    return float(result.examples_per_s), lateness, len(w.curves.train_loss)


def qt_app():
    """The QApplication of the in-process benchmarks, with throw-away settings and runs folders."""
    tmp = tempfile.mkdtemp(prefix="convscope-bench-")
    os.environ["CONVSCOPE_SETTINGS_DIR"] = f"{tmp}/settings"
    os.environ["CONVSCOPE_RUNS_DIR"] = f"{tmp}/runs"
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv), tmp


def bench_training(args) -> dict:
    import torch

    from convscope.app.worker import training_threads

    app, tmp = qt_app()
    cfg = make_config(args)
    print(f"{cfg.arch} on {cfg.dataset}: {cfg.epochs} epoch(s), batch {cfg.batch_size}, subset {cfg.subset}, "
          f"torch {torch.__version__}, {training_threads()} training thread(s), Qt platform "
          f"{os.environ.get('QT_QPA_PLATFORM', 'display')}")
    headless, window, lags, points = [], [], [], 0
    w = open_window(args)  # one window for all its runs, as a student trains run after run
    for i in range(args.repeats):
        headless.append(run_headless(args, f"{tmp}/headless-{i}"))
        print(f"  headless run {i + 1}: {headless[-1]:,.0f} examples/s")
        rate, lateness, points = run_in_window(w)
        window.append(rate)
        lags.extend(lateness)
        print(f"  window run {i + 1}:   {rate:,.0f} examples/s, {len(lateness)} timer ticks, "
              f"{points} curve points")
    w.close()
    app.processEvents()
    h, g = statistics.median(headless), statistics.median(window)
    ratios = [gw / hw for gw, hw in zip(window, headless)]
    lag_ms = [v * 1000 for v in lags]
    out = {
        "arch": cfg.arch, "dataset": cfg.dataset, "epochs": cfg.epochs, "batch_size": cfg.batch_size,
        "subset": cfg.subset, "repeats": args.repeats,
        "headless_examples_per_s": h, "window_examples_per_s": g,
        "throughput_ratio": statistics.median(ratios), "pair_ratios": ratios,
        "lag_p50_ms": percentile(lag_ms, 50), "lag_p99_ms": percentile(lag_ms, 99),
        "lag_max_ms": max(lag_ms) if lag_ms else float("nan"), "lag_samples": len(lag_ms),
    }
    ok = (out["throughput_ratio"] >= 0.95, out["lag_p99_ms"] <= 20, out["lag_max_ms"] <= 200)
    print(f"throughput in the window / headless: {out['throughput_ratio']:.3f} (median of the pairs "
          f"{', '.join(f'{r:.3f}' for r in ratios)}; {g:,.0f} / {h:,.0f} examples/s)  "
          f"target ≥ 0.95 {'OK' if ok[0] else 'MISSED'}")
    print(f"event-loop lag of a 10 ms timer: p50 {out['lag_p50_ms']:.1f} ms, p99 {out['lag_p99_ms']:.1f} ms "
          f"{'OK' if ok[1] else 'MISSED'}, max {out['lag_max_ms']:.1f} ms {'OK' if ok[2] else 'MISSED'} "
          f"({out['lag_samples']} ticks)")
    return out


# ------------------------------------------------------------------------------------ estimates
ESTIMATE_CASES = (("lenet", "mnist-sample", {}), ("nin", "fashion-mnist-sample", {"width": 0.5}))


def _spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_for(predicate, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            return False
        _spin(20)
    return True


def bench_estimates(args) -> list[dict]:
    """The estimate of a ready window against the real run, and the CPU a ready window idles at."""
    from convscope.app.estimates import rate_key

    app, _tmp = qt_app()
    results = []
    for arch, dataset, fields in ESTIMATE_CASES:
        case = argparse.Namespace(**{**vars(args), "arch": arch, "dataset": dataset, "epochs": 2,
                                     "subset": None})
        w = open_window(case)
        for key, value in fields.items():
            w.config_panel.set_field(key, value)
        w._validate()
        cfg = w.current_config()
        t0 = time.monotonic()
        if not _wait_for(lambda: w.estimates._complete(cfg) and not w._jobs.busy, 120):  # noqa: B023 - called here
            raise SystemExit(f"no estimate for {arch}: {w.estimate_label.text()}")
        shown_after = time.monotonic() - t0
        est_rate = w.estimates.rates[rate_key(cfg)][0]
        est_seconds = w.estimate_seconds(cfg)
        _spin(1000)  # let the last paints settle, then idle
        cpu0, wall0 = time.process_time(), time.monotonic()
        _spin(5000)
        idle = 100 * (time.process_time() - cpu0) / (time.monotonic() - wall0)
        t1 = time.monotonic()
        real_rate, _lateness, _points = run_in_window(w)
        real_seconds = time.monotonic() - t1
        w.close()
        app.processEvents()
        row = {"arch": arch, "dataset": dataset, **fields, "estimate_shown_after_s": shown_after,
               "idle_cpu_percent": idle, "estimate_images_per_s": est_rate, "real_images_per_s": real_rate,
               "rate_ratio": est_rate / real_rate, "estimate_s": est_seconds, "real_s": real_seconds,
               "time_ratio": est_seconds / real_seconds}
        within = 0.5 <= row["rate_ratio"] <= 2 and 0.5 <= row["time_ratio"] <= 2
        print(f"{arch} {fields or ''} on {dataset}, 2 epochs: estimate shown {shown_after:.1f} s after ready; "
              f"ready window idles at {idle:.1f} % of a core {'OK' if idle <= 3 else 'MISSED'}")
        print(f"  estimate {est_rate:,.0f} images/s, {est_seconds:.0f} s; real {real_rate:,.0f} images/s, "
              f"{real_seconds:.0f} s: estimate ÷ real = {row['rate_ratio']:.2f} (rate), "
              f"{row['time_ratio']:.2f} (time)  target within 2× {'OK' if within else 'MISSED'}")
        results.append(row)
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--startup", action="store_true", help="measure the start-up time of main.py instead")
    ap.add_argument("--arch", default="lenet")
    ap.add_argument("--dataset", default="mnist-sample")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--subset", type=int, default=None)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--repeats", type=int, default=5,
                    help="alternating headless/window pairs (a single run of either varies by up to "
                         "±10 %% on a shared 2-core machine: use several)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line at the end")
    args = ap.parse_args()
    if args.startup:
        out = bench_startup(max(1, args.repeats + 1))
        out["estimates"] = bench_estimates(args)
    else:
        out = bench_training(args)
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
