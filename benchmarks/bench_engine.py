"""Engine throughput against two reference loops, measured in one run on this machine.

    python benchmarks/bench_engine.py [--arch lenet] [--batch-size 64] [--epochs 3] [--device cpu]

(a) tight loop: the same model, batch size and optimizer on pre-made normalised tensors, no metrics at
    all — the ceiling the engine should reach (target ≥ 0.95).
(b) the loop of the course notes: torchvision MNIST Dataset + ToTensor/Normalize + DataLoader (shuffle),
    `.item()` every step (target: the engine ≥ 2.0× faster).
All three train on the 4,500 offline sample digits; each rate is the median of the timed epochs after one
warm-up epoch.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

from convscope.core.base.devices import device_label, resolve_device, use_channels_last  # noqa: E402
from convscope.core.data import loading as D  # noqa: E402
from convscope.core.setup.build import build_model  # noqa: E402
from convscope.core.setup.config import TrainConfig, make_config  # noqa: E402
from convscope.core.training.engine import Trainer  # noqa: E402
from convscope.core.training.optim import make_optimizer  # noqa: E402


def engine_rate(cfg: TrainConfig) -> float:
    trainer = Trainer(cfg, publish_interval=1 / 30)  # the GUI's publication rate
    result = trainer.run()
    rates = [h["examples_per_s"] for h in result.history[1:]]
    return statistics.median(rates)


def tight_rate(cfg: TrainConfig, epochs: int) -> float:
    torch.manual_seed(cfg.seed)
    device = resolve_device(cfg.device)
    x, y = D.load_split(cfg.dataset, "train")
    c, side, _ = cfg.input_size
    channels_last = use_channels_last(cfg.channels_last, device)  # as the engine trains
    pre = D.Preprocess(cfg.info, side, c, channels_last=channels_last)
    xs = pre(torch.from_numpy(x).to(device))
    ys = torch.from_numpy(y).to(device)
    model = build_model(cfg).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = make_optimizer(cfg, model.parameters())  # the engine's optimizer, fused kernels included
    loss_fn = torch.nn.CrossEntropyLoss()
    bs, n = cfg.batch_size, len(ys)
    batches = [(xs[i:i + bs], ys[i:i + bs]) for i in range(0, n, bs)]
    rates = []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        for xb, yb in batches:
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if epoch:
            rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def seed_style_rate(cfg: TrainConfig, epochs: int) -> float:
    """The notes' loop: torchvision Dataset + transforms + DataLoader, .item() per step."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    x, y = D.load_split("mnist-sample", "train")
    with tempfile.TemporaryDirectory() as root:
        raw = Path(root) / "MNIST" / "raw"
        raw.mkdir(parents=True)
        for name, arr in (("train-images-idx3-ubyte", x[:, 0]), ("train-labels-idx1-ubyte", y.astype(np.uint8)),
                          ("t10k-images-idx3-ubyte", x[:10, 0]), ("t10k-labels-idx1-ubyte", y[:10].astype(np.uint8))):
            header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
            (raw / name).write_bytes(header + arr.tobytes())
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
        dataset = datasets.MNIST(root, train=True, download=False, transform=tf)
        loader = DataLoader(dataset, batch_size=cfg.batch_size, shuffle=True)
        device = resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        model = build_model(cfg).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        loss_fn = torch.nn.CrossEntropyLoss()
        rates = []
        for epoch in range(epochs):
            t0 = time.perf_counter()
            total, running = 0, 0.0
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                running += loss.item()
                total += len(yb)
            if epoch:
                rates.append(total / (time.perf_counter() - t0))
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="lenet")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    cfg = make_config(a.arch, "mnist-sample", batch_size=a.batch_size, epochs=a.epochs, device=a.device,
                        schedule="constant", optimizer="adam", lr=1e-3)
    plain = make_config(a.arch, "mnist-sample", batch_size=a.batch_size, epochs=a.epochs, device=a.device,
                          schedule="constant", optimizer="adam", lr=1e-3, channels_last=False)
    print(f"{a.arch}, batch {a.batch_size}, {a.epochs} epochs (first is warm-up), "
          f"{device_label(resolve_device(a.device))}, torch {torch.__version__}")
    engine = engine_rate(cfg)
    tight = tight_rate(cfg, a.epochs)
    engine_plain = engine_rate(plain)
    tight_plain = tight_rate(plain, a.epochs)
    seed = seed_style_rate(plain, a.epochs)
    print(f"engine (channels_last)       {engine:9,.0f} img/s")
    print(f"tight loop (channels_last)   {tight:9,.0f} img/s")
    print(f"engine (contiguous)          {engine_plain:9,.0f} img/s")
    print(f"tight loop (contiguous)      {tight_plain:9,.0f} img/s")
    print(f"notes' DataLoader loop       {seed:9,.0f} img/s")
    print(f"(a) engine / tight loop            {engine / tight:5.2f}   (target ≥ 0.95)")
    print(f"(b) engine / DataLoader loop       {engine / seed:5.2f}   (target ≥ 2.0)")
    print(f"    channels_last / contiguous     {engine / engine_plain:5.2f}   (1 on a CPU: it trains contiguous)")


if __name__ == "__main__":
    main()
