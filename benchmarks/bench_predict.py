"""Latency of the drawing canvas: from pen-up to updated probability bars, for LeNet and NiN.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_predict.py [--strokes 30] [--arch lenet nin]

For each architecture (native form: LeNet-5 and the compact NiN, 28×28 input) a ``DrawPanel`` is shown
with a CPU model; strokes are drawn with real mouse events (``QTest`` press / move / release). The clock
starts just before the mouse-release event is delivered and stops when the probability bars have been
repainted with the new prediction (their ``paintEvent`` ran), so it covers the event, the debounce timer,
MNIST-style framing, the forward pass, the view update and the repaint. Target: median and p95 ≤ 50 ms.
Grad-CAM follows the bars (it is computed after they are on screen); its pen-up time is shown too.

The weights are random: the time of a forward pass does not depend on their values.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

import numpy as np  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

LEFT, NOMOD = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

# Strokes in unit coordinates: the parts of a few digits (7, 1, 4, 2, 0, L), drawn one by one.
STROKES = [
    [(0.28, 0.2), (0.72, 0.2), (0.45, 0.85)],
    [(0.5, 0.18), (0.5, 0.82)],
    [(0.6, 0.17), (0.27, 0.6), (0.76, 0.6)],
    [(0.6, 0.33), (0.6, 0.85)],
    [(0.3, 0.32), (0.42, 0.2), (0.6, 0.2), (0.68, 0.33), (0.3, 0.8), (0.74, 0.8)],
    [(0.5 + 0.2 * math.cos(a), 0.5 + 0.3 * math.sin(a)) for a in np.linspace(-math.pi / 2, 1.5 * math.pi, 24)],
    [(0.35, 0.2), (0.35, 0.8), (0.7, 0.8)],
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def draw_stroke(canvas, points, step: float = 6.0) -> QPoint:
    """Press and move along ``points``; returns where to release (the pen is still down)."""
    side = canvas.width()
    pts = [(x * side, y * side) for x, y in points]
    QTest.mousePress(canvas, LEFT, NOMOD, QPoint(round(pts[0][0]), round(pts[0][1])))
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) / step))
        for i in range(1, n + 1):
            QTest.mouseMove(canvas, QPoint(round(x0 + (x1 - x0) * i / n), round(y0 + (y1 - y0) * i / n)))
            QApplication.processEvents()  # the throttled predictions while drawing run here, as live
    return QPoint(round(pts[-1][0]), round(pts[-1][1]))


def wait_until(condition, timeout: float = 5.0) -> float:
    deadline = time.perf_counter() + timeout
    while not condition():
        QApplication.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the view did not update")
    return time.perf_counter()


def bench(arch: str, n_strokes: int) -> dict:
    import torch

    from convscope.app.widgets.draw_panel import DrawPanel
    from convscope.core.setup.build import build_model
    from convscope.core.setup.config import make_config

    cfg = make_config(arch, "mnist-sample")
    torch.manual_seed(0)
    weights = build_model(cfg).state_dict()
    panel = DrawPanel()
    panel.resize(760, 460)
    panel.show()
    QApplication.processEvents()
    assert panel.set_live_weights(cfg, weights, epoch=1)
    canvas, bars, view = panel.canvas, panel.view.bars, panel.view
    bars_ms, cam_ms = [], []
    warmup = 3
    for i in range(n_strokes + warmup):
        if i % 3 == 0:
            canvas.clear()
            wait_until(lambda: bars.painted_version == bars.data_version)
        end = draw_stroke(canvas, STROKES[i % len(STROKES)])
        wait_until(lambda: not panel._predict_timer.isActive() and bars.painted_version == bars.data_version)
        before = bars.data_version
        t0 = time.perf_counter()
        QTest.mouseRelease(canvas, LEFT, NOMOD, end)
        wait_until(lambda: bars.data_version > before and bars.painted_version == bars.data_version  # noqa: B023
                   and view.cam_shown_at > t0)  # noqa: B023 - called in this iteration
        t_bars, t_cam = bars.painted_at, view.cam_shown_at  # stamped by the views themselves
        if i >= warmup:
            bars_ms.append((t_bars - t0) * 1000)
            cam_ms.append((t_cam - t0) * 1000)
    # The parts, measured alone on the same thread.
    predictor = panel.predictor()
    gray = canvas.array()
    prepared = predictor.prepare(gray)
    parts = {}
    for name, fn in (("framing", lambda: predictor.prepare(gray)),
                     ("forward", lambda: predictor.probabilities(prepared)),
                     ("grad-cam", lambda: predictor.grad_cam(prepared))):
        fn()
        times = []
        for _ in range(20):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        parts[name] = statistics.median(times)
    panel.close()
    panel.deleteLater()
    return {"arch": arch, "bars": bars_ms, "cam": cam_ms, "parts": parts}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes", type=int, default=30)
    ap.add_argument("--arch", nargs="+", default=["lenet", "nin"])
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        load = os.getloadavg()[0]
        print(f"CPU: {os.cpu_count()} cores, load average {load:.1f} (other work on the machine adds noise)")
    except OSError:
        pass
    ok = True
    for arch in args.arch:
        r = bench(arch, args.strokes)
        med, p95 = statistics.median(r["bars"]), percentile(r["bars"], 95)
        verdict = "OK" if p95 <= 50 else "OVER 50 ms"
        ok &= p95 <= 50
        parts = ", ".join(f"{k} {v:.2f} ms" for k, v in r["parts"].items())
        print(f"{arch:6s} pen-up → bars: median {med:6.1f} ms, p95 {p95:6.1f} ms, max {max(r['bars']):6.1f} ms "
              f"over {len(r['bars'])} strokes [{verdict}]")
        print(f"{'':6s} pen-up → Grad-CAM: median {statistics.median(r['cam']):6.1f} ms, "
              f"p95 {percentile(r['cam'], 95):6.1f} ms; alone: {parts}")
    del app
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
