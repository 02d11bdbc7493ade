"""The GPU path measured: the engine against the course notes' loop and d2l's published figures.

    python3 benchmarks/bench_gpu.py [--data-root DIR] [--json PATH] [--resnet-accuracy]
    python3 benchmarks/bench_gpu.py --device cpu --quick        # checks the script itself, in seconds

On Fashion-MNIST, for each architecture at its native input (28 px) and at the d2l size (224 px; 96 px for
GoogLeNet and ResNet), at d2l's batch sizes (256 for LeNet, 128 for the others):

* engine: ``core.training.engine.Trainer`` on a training subset, two epochs; the second (warm) epoch's images per
  second and wall time. Its data handling is inside the epoch: batches indexed from the uint8 split on the
  GPU, normalised and resized there.
* seed loop: the same network trained as the course notes do: torchvision ``datasets.FashionMNIST`` with
  ``Resize``/``ToTensor``/``Normalize``, ``DataLoader(shuffle=True, num_workers=…)``, float32, ``.item()``
  every step; one warm-up of a few steps, then one timed epoch over the same subset (workers started
  inside it, as every epoch of that loop starts them).
* the ratio engine ÷ seed loop, and d2l's figures (img/s on Fashion-MNIST, the book's GPU) and the ratio.

Also: LeNet on the whole training set (60,000 images): setup (read the files, copy them to the GPU) plus
its first epoch (goal < 1 s) and the warm epoch's rate (goal ≥ 10× d2l's 81k img/s); the cost of what the
window attaches to a run with its inside views shown (the activation probe with every layer of the four
views and the output, the layer-health monitor, snapshot recording into a run folder, the weights sent
each epoch) as a throughput ratio with ÷ without (goal ≥ 0.95); with ``--resnet-accuracy``, ResNet-18 at
96 px for 10 epochs, its test accuracy (goal ≥ 0.92).

Needs torch and torchvision only (no PySide6, no pytest). Without CUDA it refuses (exit 2) unless
``--device cpu`` is given, which runs a tiny version for checking the script.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed
GPU_DATA = ROOT / ".gpudata"  # where benchmarks/gpu_check.sh expects the copied Fashion-MNIST

ARCHS = ("lenet", "alexnet", "vgg11", "nin", "googlenet", "resnet18")
D2L_BATCH = {"lenet": 256}  # the book's batch sizes; 128 for the others
# d2l's published training speeds on Fashion-MNIST (img/s, the book's GPU), at its own input sizes.
D2L_RATE = {"lenet": 81_000, "alexnet": 4_100, "vgg11": 2_500, "nin": 3_200, "googlenet": 3_400,
            "resnet18": 4_700}
# Training images per case on a GPU: enough for a steady warm epoch, few enough for ~5 minutes in all.
SUBSET = {("lenet", "native"): 60_000, ("alexnet", "d2l"): 8_192, ("vgg11", "d2l"): 4_096,
          ("nin", "d2l"): 6_144, ("googlenet", "d2l"): 8_192, ("resnet18", "d2l"): 12_288}
NATIVE_SUBSET = 20_000
QUICK_SUBSET = 96
LENET_GOAL_S, LENET_GOAL_RATE, PROBE_GOAL, RESNET_GOAL = 1.0, 10 * D2L_RATE["lenet"], 0.95, 0.92


# ------------------------------------------------------------------------------------------- helpers
def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def config(arch: str, form: str, subset: int | None, epochs: int, args):
    from convscope.core.setup.config import make_config

    return make_config(arch, args.dataset, form=form, subset=subset, epochs=epochs, device=args.device,
                       batch_size=D2L_BATCH.get(arch, 128), data_root=args.data_root)


def engine_case(cfg) -> dict:
    """Two epochs on the subset: setup, the first (cold) epoch, the second (warm) epoch."""
    from convscope.core.training.engine import Trainer

    trainer = Trainer(cfg, publish_interval=1 / 30)
    t0 = time.perf_counter()
    trainer.setup()
    setup_s = time.perf_counter() - t0
    result = trainer.run()
    if result.status != "completed":
        raise RuntimeError(f"engine run of {cfg.arch}: {result.status}: {result.message}")
    cold, warm = result.history[0], result.history[-1]
    return dict(setup_s=setup_s, cold_epoch_s=cold["seconds"], epoch_s=warm["seconds"],
                rate=warm["examples_per_s"], test_acc=result.test_acc, amp=str(trainer.amp_dtype).replace(
                    "torch.", "") if trainer.use_amp else "float32", images=len(trainer.train))


def write_idx(folder: Path, base: str, array) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    (folder / base).write_bytes(header + array.tobytes())


class SeedData:
    """The subset of the engine's run as torchvision's FashionMNIST files, in a temporary folder."""

    def __init__(self, cfg):
        import numpy as np

        from convscope.core.data import loading as D

        x, y = D.load_split(cfg.dataset, "train", cfg.data_root)
        if cfg.subset is not None and cfg.subset < len(y):  # the engine's subset (core.training.engine)
            keep = np.random.default_rng(cfg.seed).permutation(len(y))[: cfg.subset]
            x, y = x[keep], y[keep]
        self.tmp = tempfile.TemporaryDirectory()
        raw = Path(self.tmp.name) / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        write_idx(raw, "train-images-idx3-ubyte", x[:, 0])
        write_idx(raw, "train-labels-idx1-ubyte", y.astype(np.uint8))
        write_idx(raw, "t10k-images-idx3-ubyte", x[:10, 0])
        write_idx(raw, "t10k-labels-idx1-ubyte", y[:10].astype(np.uint8))
        self.root = self.tmp.name

    def close(self) -> None:
        self.tmp.cleanup()


def seed_case(cfg, seed_data: SeedData, workers: int, warmup_steps: int = 5) -> dict:
    """The notes' loop: Dataset + transforms + DataLoader, float32, ``.item()`` every step."""
    import torch
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    from convscope.core.base.devices import resolve_device
    from convscope.core.setup.build import build_model

    device = resolve_device(cfg.device)
    _, side, _ = cfg.input_size
    steps = [transforms.Resize(side)] if side != 28 else []
    tf = transforms.Compose(steps + [transforms.ToTensor(), transforms.Normalize(cfg.info.mean, cfg.info.std)])
    t0 = time.perf_counter()
    dataset = datasets.FashionMNIST(seed_data.root, train=True, download=False, transform=tf)
    setup_s = time.perf_counter() - t0
    torch.manual_seed(cfg.seed)
    model = build_model(cfg).to(device)
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def loader():
        return DataLoader(dataset, batch_size=cfg.batch_size, shuffle=True, num_workers=workers,
                          persistent_workers=False)

    def step(xb, yb) -> float:
        xb, yb = xb.to(device), yb.to(device)
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    for i, (xb, yb) in enumerate(loader()):  # warm-up: kernels chosen, memory allocated
        step(xb, yb)
        if i + 1 >= warmup_steps:
            break
    sync(device)
    t0 = time.perf_counter()
    total, running = 0, 0.0
    for xb, yb in loader():
        running += step(xb, yb)
        total += len(yb)
    sync(device)
    epoch_s = time.perf_counter() - t0
    return dict(setup_s=setup_s, epoch_s=epoch_s, rate=total / epoch_s, images=total)


# -------------------------------------------------------------------------------------------- parts
def throughput(args, quick: bool) -> list[dict]:
    from convscope.core.models import get_spec

    rows = []
    for arch in args.archs:
        spec = get_spec(arch)
        for form in ("native", "d2l"):
            if form not in spec.forms or (quick and form == "native" and arch != "lenet"):
                continue  # the check of the script: one small and one large input
            subset = args.subset or (QUICK_SUBSET if quick else SUBSET.get((arch, form), NATIVE_SUBSET))
            cfg = config(arch, form, subset, 2, args)
            side = cfg.input_size[1]
            print(f"  {arch} {form} {side} px, batch {cfg.batch_size}, {subset:,} images …", flush=True)
            engine = engine_case(cfg)
            seed_data = SeedData(cfg)
            try:
                seed = seed_case(cfg, seed_data, args.workers)
            finally:
                seed_data.close()
            d2l = D2L_RATE[arch] if (form == "d2l" or "d2l" not in spec.forms) else None
            rows.append(dict(arch=arch, form=form, side=side, batch=cfg.batch_size, images=engine["images"],
                             engine=engine, seed=seed, engine_over_seed=engine["rate"] / seed["rate"],
                             d2l_rate=d2l, engine_over_d2l=engine["rate"] / d2l if d2l else None))
    return rows


def lenet_full(args, quick: bool) -> dict:
    cfg = config("lenet", "native", QUICK_SUBSET if quick else None, 2, args)
    e = engine_case(cfg)
    first = e["setup_s"] + e["cold_epoch_s"]
    return dict(images=e["images"], setup_s=e["setup_s"], first_epoch_s=e["cold_epoch_s"],
                setup_and_first_epoch_s=first, warm_epoch_s=e["epoch_s"], rate=e["rate"],
                goal_s=LENET_GOAL_S, goal_rate=LENET_GOAL_RATE,
                meets=bool(first < LENET_GOAL_S and e["rate"] >= LENET_GOAL_RATE))


def window_attachments(trainer) -> None:
    """What the window attaches to a run whose inside views are all shown (app/widgets/activations,
    app/widgets/health_view): the probe of every view's layers and the output, the health monitor."""
    from convscope.core.insight.health import HealthMonitor
    from convscope.core.insight.probe import Probe

    probe = Probe(interval=0.2, history=200, max_overhead=0.02)
    probe.set_wanted({(layer.module, layer.kind) for layer in trainer.config.spec.probe_layers}, output=True)
    probe.attach(trainer)
    HealthMonitor(interval=0.5).attach(trainer)


def probe_cost(args, quick: bool) -> list[dict]:
    from convscope.core.training.engine import Trainer

    cases = [("lenet", "native", QUICK_SUBSET if quick else None, 3 if quick else 4)]
    if "resnet18" in args.archs and not quick:
        cases.append(("resnet18", "d2l", QUICK_SUBSET if quick else 12_288, 3))
    rows = []
    for arch, form, subset, epochs in cases:
        cfg = config(arch, form, subset, epochs, args)
        rates = {}
        for live in (False, True):
            with tempfile.TemporaryDirectory() as run_dir:
                trainer = Trainer(cfg, run_dir=os.path.join(run_dir, "run") if live else None,
                                  publish_interval=1 / 30, publish_weights=live)
                trainer.setup()
                if live:
                    window_attachments(trainer)
                result = trainer.run()
                if result.status != "completed":
                    raise RuntimeError(f"{arch} with the window's views: {result.status}: {result.message}")
                rates[live] = statistics.median(h["examples_per_s"] for h in result.history[1:])
        ratio = rates[True] / rates[False]
        rows.append(dict(arch=arch, form=form, side=cfg.input_size[1], rate_without=rates[False],
                         rate_with=rates[True], ratio=ratio, goal=PROBE_GOAL, meets=bool(ratio >= PROBE_GOAL)))
    return rows


def resnet_accuracy(args, quick: bool) -> dict:
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    epochs = 1 if quick else 10
    cfg = make_config("resnet18", args.dataset, form="d2l", epochs=epochs, batch_size=128,
                      device=args.device, data_root=args.data_root, subset=QUICK_SUBSET if quick else None)
    t0 = time.perf_counter()
    result = Trainer(cfg).run()
    return dict(epochs=epochs, status=result.status, test_acc=result.test_acc, seconds=time.perf_counter() - t0,
                goal=RESNET_GOAL, meets=bool(result.test_acc is not None and result.test_acc >= RESNET_GOAL))


# ------------------------------------------------------------------------------------------- report
def fmt_rate(x) -> str:
    return f"{x:>10,.0f}" if x else f"{'—':>10}"


def print_report(report: dict) -> None:
    print(f"\n{report['machine']['device']}, torch {report['machine']['torch']}")
    head = (f"{'network':10} {'form':6} {'px':>4} {'batch':>5} {'images':>7} | {'engine':>10} {'epoch s':>8} "
            f"{'amp':>8} | {'seed loop':>10} {'epoch s':>8} | {'eng/seed':>8} | {'d2l':>10} {'eng/d2l':>8}")
    print(head)
    print("-" * len(head))
    for r in report["throughput"]:
        e, s = r["engine"], r["seed"]
        ratio = f"{r['engine_over_d2l']:8.2f}" if r["engine_over_d2l"] else f"{'—':>8}"
        print(f"{r['arch']:10} {r['form']:6} {r['side']:4d} {r['batch']:5d} {r['images']:7,d} | "
              f"{fmt_rate(e['rate'])} {e['epoch_s']:8.2f} {e['amp']:>8} | {fmt_rate(s['rate'])} "
              f"{s['epoch_s']:8.2f} | {r['engine_over_seed']:8.2f} | {fmt_rate(r['d2l_rate'])} {ratio}")
    print("(img/s of the warm epoch; epoch s: its wall time, all data handling included)")
    f = report["lenet_full"]
    print(f"\nLeNet, {f['images']:,} training images: setup {f['setup_s']:.2f} s + first epoch "
          f"{f['first_epoch_s']:.2f} s = {f['setup_and_first_epoch_s']:.2f} s (goal < {f['goal_s']:g} s); "
          f"warm epoch {f['warm_epoch_s']:.3f} s, {f['rate']:,.0f} img/s (goal ≥ {f['goal_rate']:,}) "
          f"→ {'met' if f['meets'] else 'not met'}")
    for p in report["probe_cost"]:
        print(f"window's inside views on, {p['arch']} {p['side']} px: {p['rate_with']:,.0f} ÷ "
              f"{p['rate_without']:,.0f} img/s = {p['ratio']:.3f} (goal ≥ {p['goal']}) "
              f"→ {'met' if p['meets'] else 'not met'}")
    acc = report.get("resnet_accuracy")
    if acc:
        shown = f"{acc['test_acc']:.4f}" if acc["test_acc"] is not None else acc["status"]
        print(f"ResNet-18 96 px, {acc['epochs']} epochs: test accuracy {shown} in {acc['seconds']:.0f} s "
              f"(goal ≥ {acc['goal']}) → {'met' if acc['meets'] else 'not met'}")


def machine(device) -> dict:
    import torch
    import torchvision

    from convscope.core.base.devices import device_label

    return dict(device=device_label(device), torch=torch.__version__, torchvision=torchvision.__version__,
                python=platform.python_version(), cpus=os.cpu_count())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--data-root", default=None,
                    help="folder with FashionMNIST/raw/ (default: .gpudata/ when it is there, else ConvScope's "
                         "own places: the download folder, Debian's dataset-fashion-mnist)")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--quick", action="store_true", help="a tiny run (the default with --device cpu)")
    ap.add_argument("--archs", default=",".join(ARCHS), help="comma-separated architectures")
    ap.add_argument("--subset", type=int, default=None, help="training images per case (default: per network)")
    ap.add_argument("--workers", type=int, default=min(8, os.cpu_count() or 1), help="seed loop's DataLoader")
    ap.add_argument("--resnet-accuracy", action="store_true", help="also train ResNet-18 10 epochs at 96 px")
    args = ap.parse_args(argv)

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench_gpu: no CUDA GPU here; pass --device cpu for a tiny check of the script.")
        return 2
    quick = args.quick or args.device == "cpu"
    args.archs = [a.strip() for a in args.archs.split(",") if a.strip()]
    if quick and args.archs == list(ARCHS):
        args.archs = ["lenet", "resnet18"]
    unknown = [a for a in args.archs if a not in ARCHS]
    if unknown:
        print(f"bench_gpu: unknown architecture(s) {', '.join(unknown)}; choose from {', '.join(ARCHS)}.")
        return 2
    # The check of the script trains on the offline sample (500 test images: every epoch is evaluated).
    args.dataset = "fashion-mnist-sample" if quick else "fashion-mnist"
    if quick:
        args.data_root = None
    elif args.data_root is None and (GPU_DATA / "FashionMNIST" / "raw").is_dir():
        args.data_root = str(GPU_DATA)
    from convscope.core.base.devices import resolve_device

    device = resolve_device(args.device)
    print(f"bench_gpu: {machine(device)['device']}, data {args.data_root or 'ConvScope default folders'}"
          f"{', quick' if quick else ''}", flush=True)
    t0 = time.perf_counter()
    report = dict(machine=machine(device), quick=quick, throughput=throughput(args, quick))
    print("  LeNet on the whole training set …", flush=True)
    report["lenet_full"] = lenet_full(args, quick)
    print("  the window's inside views on and off …", flush=True)
    report["probe_cost"] = probe_cost(args, quick)
    report["resnet_accuracy"] = None
    if args.resnet_accuracy:
        print("  ResNet-18, 96 px, test accuracy …", flush=True)
        report["resnet_accuracy"] = resnet_accuracy(args, quick)
    report["seconds"] = time.perf_counter() - t0
    print_report(report)
    print(f"\n{report['seconds']:.0f} s in all")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
