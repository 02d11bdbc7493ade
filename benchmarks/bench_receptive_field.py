"""What the receptive-field view costs the training: images/s with its computation running ÷ without.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_receptive_field.py [--arch vgg11] [--width 0.25]
        [--layer block3.relu2] [--batch-size 64] [--subset 2048] [--repeats 3]

The training runs in a plain thread while a Qt event loop turns, as in the window, with the feature-maps
view shown (its probe running as usual) and the receptive-field link of
``app.widgets.activations.receptive`` at its defaults (one computation every ≥ 1 s, at most ~2 % of the
training thread). "on": a unit of ``--layer`` is chosen, so its effective field (8 test images) and the
probe layers' centre-unit radii are computed between steps; "off": the same view with no unit chosen.
Separate runs of the same length alternate off, on, off, on, …; the ratio of the medians is printed.

Target: ratio ≥ 0.98.
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
    ap.add_argument("--arch", default="vgg11")
    ap.add_argument("--dataset", default="fashion-mnist-sample")
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--layer", default=None, help="the layer whose centre unit is chosen (default: the "
                    "architecture's last probe layer with a spatial output)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--subset", type=int, default=2048, help="training examples per run")
    ap.add_argument("--repeats", type=int, default=3, help="runs per case")
    ap.add_argument("--epochs", type=int, default=8, help="epochs per run (a run of a few seconds at least: the "
                    "first field is computed at once, the later ones at most every 1 s and within the budget)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = ap.parse_args()

    import torch
    from PySide6.QtWidgets import QApplication

    from convscope.app.widgets.activations import ActivationsController
    from convscope.app.widgets.activations.receptive import ReceptiveFieldLink
    from convscope.core.base.devices import device_label, resolve_device
    from convscope.core.models import get_spec
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    app = QApplication.instance() or QApplication([])
    spec = get_spec(args.arch)
    extra = {"width": args.width} if "width" in spec.options else {}
    ctl = ActivationsController()
    link = ReceptiveFieldLink(ctl)
    view = ctl.feature_view
    view.resize(1000, 640)
    view.show()

    def train(trainer):
        out = {}
        thread = threading.Thread(target=lambda: out.setdefault("r", trainer.run()))
        thread.start()
        while thread.is_alive():
            app.processEvents()
            time.sleep(0.005)
        thread.join()
        app.processEvents()
        assert out["r"].status in ("completed", "stopped"), out["r"].message
        return out["r"]

    def run(on: bool) -> dict:
        trainer = Trainer(make_config(args.arch, args.dataset, subset=args.subset, epochs=args.epochs,
                                      batch_size=args.batch_size, device=args.device, **extra))
        trainer.setup()  # data loading and model building stay out of the timing either way
        ctl.attach(trainer)
        link.attach(trainer)
        layer = args.layer or next(reversed(link.watcher.theory(trainer)))
        before = (link.watcher.computations, link.watcher.seconds)
        if on:
            link.watcher.choose(layer, None)
            link.watcher.enabled = True
        result = train(trainer)
        link.watcher.choose(None)
        info = dict(rate=result.examples_per_s, train_s=sum(h["seconds"] for h in result.history), layer=layer,
                    computations=link.watcher.computations - before[0], seconds=link.watcher.seconds - before[1])
        ctl.detach()
        return info

    print(f"{args.arch} (width {args.width}), batch {args.batch_size}, {args.subset} examples per run, "
          f"{device_label(resolve_device(args.device))}")
    run(False)  # warm-up: first-use costs of the kernels and of the widgets
    run(True)
    rates = {False: [], True: []}
    for i in range(args.repeats):
        for on in (False, True):
            info = run(on)
            rates[on].append(info["rate"])
            more = (f", {info['computations']} fields of {info['layer']} in {info['seconds']:.2f} s "
                    f"({100 * info['seconds'] / max(info['train_s'], 1e-9):.1f} % of the run)" if on else "")
            print(f"  run {i + 1} {'on' if on else 'off':3s}: {info['rate']:8.1f} images/s over "
                  f"{info['train_s']:.1f} s{more}")
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print(f"images/s, receptive field computed: {on:.1f}; not computed: {off:.1f}")
    print(f"ratio on/off: {on / off:.3f} (target ≥ 0.98)")
    link.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
