"""How long does an epoch-end save take, and how long does it hold the GIL?

The training thread saves each finished epoch (weights, optimizer state, a metrics line, the status)
while the window's GUI thread needs the GIL to stay responsive. A ticker thread sleeps 1 ms in a loop
during the saves; how late it wakes is the longest the save kept it waiting (the GIL, or the CPU).

    .venv/bin/python benchmarks/bench_save.py [--arch lenet] [--saves 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

import torch  # noqa: E402

from convscope.core.runs.checkpoints import RunWriter  # noqa: E402
from convscope.core.setup.build import build_model  # noqa: E402
from convscope.core.setup.config import make_config  # noqa: E402
from convscope.core.training.optim import make_optimizer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="lenet")
    ap.add_argument("--dataset", default="mnist-sample")
    ap.add_argument("--saves", type=int, default=20)
    a = ap.parse_args()
    cfg = make_config(a.arch, a.dataset)
    model = build_model(cfg)
    opt = make_optimizer(cfg, model.parameters())
    c, side, _ = cfg.input_size
    model(torch.randn(4, c, side, side)).sum().backward()
    opt.step()  # the optimizer holds state, as after an epoch
    lateness: list[float] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            t = time.perf_counter()
            time.sleep(0.001)
            lateness.append(time.perf_counter() - t - 0.001)

    with tempfile.TemporaryDirectory() as folder:
        writer = RunWriter(folder)
        writer.start(cfg.to_dict())
        thread = threading.Thread(target=ticker, daemon=True)
        thread.start()
        time.sleep(0.2)
        idle = max(lateness)
        lateness.clear()
        times, worst = [], []
        for epoch in range(1, a.saves + 1):
            t0 = time.perf_counter()
            writer.save_weights(model, opt, {"epoch": epoch, "arch": cfg.arch})
            writer.append_metrics({"epoch": epoch, "train_loss": 0.1})
            writer.write_status("running", epoch=epoch)
            times.append(time.perf_counter() - t0)
            worst.append(max(lateness, default=0.0))
            lateness.clear()
        stop.set()
        thread.join()
    params = sum(p.numel() for p in model.parameters())
    print(f"{a.arch}: {params:,} parameters, {a.saves} saves")
    print(f"save time       median {1000 * statistics.median(times):6.1f} ms, max {1000 * max(times):6.1f} ms")
    print(f"ticker lateness median {1000 * statistics.median(worst):6.1f} ms, max {1000 * max(worst):6.1f} ms "
          f"(idle: {1000 * idle:.1f} ms)")


if __name__ == "__main__":
    main()
