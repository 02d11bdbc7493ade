"""The engine against the course notes' own training loop, in alternating pairs on this machine.

    python benchmarks/bench_notes_ratio.py [--archs inception-net,lenet,nin] [--pairs 3] [--epochs 3]
                                          [--subset N] [--threads N] [--channels-last-cpu]

The notes' loop (their MNIST scripts): a torchvision ``MNIST`` dataset with ``ToTensor`` + ``Normalize``,
a shuffling ``DataLoader`` of batch 64, SGD lr 0.01 momentum 0.5, ``loss.item()`` every step. For the
Inception net it trains the notes' own network, written here as the notes write it (functional pooling
and activations); for the other architectures it trains ConvScope's network. The engine trains the same
architecture with the same settings (``Trainer``, batch 64, SGD 0.01 / 0.5, constant rate). Both train on
the 4,500 offline MNIST sample digits; each rate is the median of the timed epochs after one warm-up epoch
(training only, no evaluation). A pair is one engine run and one notes run, their order alternating from
pair to pair so a machine that gets busier slows both; the printed ratio is the median over the pairs.

Targets: the Inception net ≥ 2.5; LeNet and NiN no slower than before (compare the engine's img/s with an
earlier run of this script on the same machine).

``--contiguous-cpu`` also times the engine in torch's default (contiguous) layout, which ConvScope keeps on
the CPU only for networks with a strided 1×1 convolution (docs/torch_cpu_channels_last_bug.md): what the
channels-last layout gives the others.

Where the Inception net's step goes: ``convscope summary --arch inception-net --dataset mnist-sample
--measure --batch-size 64`` (per layer forward and backward ms, and each layer's share of this CPU's
matrix-multiply peak).
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
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

from convscope.core.base import devices  # noqa: E402
from convscope.core.data import loading as D  # noqa: E402
from convscope.core.setup.build import build_model  # noqa: E402
from convscope.core.setup.config import make_config  # noqa: E402
from convscope.core.training.engine import Trainer  # noqa: E402

NOTES = dict(batch_size=64, optimizer="sgd", lr=0.01, momentum=0.5, schedule="constant", weight_decay=0.0)


class InceptionA(nn.Module):
    """The notes' Inception block, as they write it."""

    def __init__(self, in_channels):
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([branch1x1, branch5x5, branch3x3, branch_pool], dim=1)


class NotesNet(nn.Module):
    """The notes' Inception network for MNIST."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(88, 20, kernel_size=5)
        self.incep1 = InceptionA(in_channels=10)
        self.incep2 = InceptionA(in_channels=20)
        self.mp = nn.MaxPool2d(2)
        self.fc = nn.Linear(1408, 10)

    def forward(self, x):
        in_size = x.size(0)
        x = F.relu(self.mp(self.conv1(x)))
        x = self.incep1(x)
        x = F.relu(self.mp(self.conv2(x)))
        x = self.incep2(x)
        x = x.view(in_size, -1)
        return self.fc(x)


def engine_rate(arch: str, epochs: int, subset: int | None, options: dict) -> float:
    cfg = make_config(arch, "mnist-sample", epochs=epochs, device="cpu", subset=subset, **NOTES, **options)
    result = Trainer(cfg, publish_interval=1 / 30).run()  # the window's publication rate
    assert result.status == "completed", result.message
    return statistics.median(h["examples_per_s"] for h in result.history[1:])


def notes_rate(arch: str, root: str, epochs: int, subset: int | None, options: dict) -> float:
    from torch.utils.data import DataLoader, Subset
    from torchvision import datasets, transforms

    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    dataset = datasets.MNIST(root, train=True, download=False, transform=tf)
    if subset:
        dataset = Subset(dataset, range(subset))
    loader = DataLoader(dataset, batch_size=64, shuffle=True)
    torch.manual_seed(0)
    model = NotesNet() if arch == "inception-net" else build_model(make_config(arch, "mnist-sample", **options))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    criterion = nn.CrossEntropyLoss()
    rates = []
    for epoch in range(epochs):
        model.train()
        t0, total, running = time.perf_counter(), 0, 0.0
        for inputs, target in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), target)
            loss.backward()
            optimizer.step()
            running += loss.item()
            total += len(target)
        if epoch:
            rates.append(total / (time.perf_counter() - t0))
    return statistics.median(rates)


def mnist_folder(root: Path) -> None:
    """The offline MNIST sample in torchvision's layout, for the notes' ``datasets.MNIST``."""
    x, y = D.load_split("mnist-sample", "train")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name, arr in (("train-images-idx3-ubyte", x[:, 0]), ("train-labels-idx1-ubyte", y.astype(np.uint8)),
                      ("t10k-images-idx3-ubyte", x[:10, 0]), ("t10k-labels-idx1-ubyte", y[:10].astype(np.uint8))):
        header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        (raw / name).write_bytes(header + arr.tobytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archs", default="inception-net,lenet,nin")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3, help="per run, the first one a warm-up")
    ap.add_argument("--subset", type=int, help="train on this many of the 4,500 sample digits")
    ap.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    ap.add_argument("--contiguous-cpu", action="store_true", help="also time the engine in the default "
                    "(contiguous) layout on the CPU")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    print(f"{a.pairs} alternating pairs of {a.epochs} epochs (the first a warm-up), batch 64, SGD 0.01/0.5, "
          f"{devices.device_label(torch.device('cpu'))}, torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as root:
        mnist_folder(Path(root))
        for arch in a.archs.split(","):
            options = {"width": 0.5} if arch == "nin" else {}
            engine, notes, ratios, layout = [], [], [], []
            for i in range(a.pairs):
                order = ("engine", "notes") if i % 2 == 0 else ("notes", "engine")
                got = {}
                for who in order:
                    got[who] = (engine_rate(arch, a.epochs, a.subset, options) if who == "engine"
                                else notes_rate(arch, root, a.epochs, a.subset, options))
                engine.append(got["engine"])
                notes.append(got["notes"])
                ratios.append(got["engine"] / got["notes"])
                if a.contiguous_cpu:
                    original = devices.use_channels_last
                    devices.use_channels_last = lambda wanted, device, model=None: False
                    try:
                        layout.append(got["engine"] / engine_rate(arch, a.epochs, a.subset, options))
                    finally:
                        devices.use_channels_last = original
            print(f"{arch + (' (width 0.5)' if options else ''):24s} engine {statistics.median(engine):8,.0f} img/s"
                  f"   notes' loop {statistics.median(notes):8,.0f} img/s   engine ÷ notes "
                  f"{statistics.median(ratios):5.2f} (pairs: {', '.join(f'{r:.2f}' for r in ratios)})"
                  + (f"   engine ÷ engine contiguous {statistics.median(layout):5.2f}" if layout else ""))
    print("target: inception-net ≥ 2.5; lenet and nin no slower than before")


if __name__ == "__main__":
    main()
