"""Channels-last against the default (contiguous) layout on the CPU: training steps per second.

    python benchmarks/bench_cpu_layout.py [--arch lenet] [--dataset mnist-sample] [--threads 1] [--rounds 5]

The model, optimizer (Adam 1e-3) and batches (64 images, the first 1,024 training images, normalised once)
are those the engine would use; both layouts train an epoch in turn, ``--rounds`` times after a warm-up,
and each rate is the median of its epochs (a busy machine slows both alike). ConvScope trains channels-last
on the CPU except for networks with a strided 1×1 convolution (docs/torch_cpu_channels_last_bug.md): for
those (the ResNets) this is the gain it gives up. Set
``ONEDNN_MAX_CPU_ISA=AVX2`` to time the AVX2 kernels on a CPU with AVX-512. Takes under a minute for LeNet.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

from convscope.core.data import loading as D  # noqa: E402
from convscope.core.setup.build import build_model  # noqa: E402
from convscope.core.setup.config import make_config  # noqa: E402
from convscope.core.training.optim import make_optimizer  # noqa: E402

BATCH = 64


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="lenet")
    ap.add_argument("--dataset", default="mnist-sample")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x, y = D.load_split(a.dataset, "train")
    x, y = torch.from_numpy(x[:1024]), torch.from_numpy(y[:1024]).long()
    setups = {}
    for channels_last in (True, False):
        cfg = make_config(a.arch, a.dataset, batch_size=BATCH, optimizer="adam", lr=1e-3,
                          channels_last=channels_last, device="cpu")
        c, side, _ = cfg.input_size
        torch.manual_seed(0)
        xs = D.Preprocess(cfg.info, side, c, channels_last=channels_last)(x)
        model = build_model(cfg)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        opt = make_optimizer(cfg, model.parameters())
        batches = [(xs[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(y), BATCH)]
        setups[channels_last] = (model, opt, batches)

    def epoch(channels_last: bool) -> float:
        model, opt, batches = setups[channels_last]
        t0 = time.perf_counter()
        for xb, yb in batches:
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
        return len(y) / (time.perf_counter() - t0)

    epoch(True), epoch(False)  # warm-up: allocations, kernel selection
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(a.rounds):
        for channels_last in (True, False):
            rates[channels_last].append(epoch(channels_last))
    cl, plain = statistics.median(rates[True]), statistics.median(rates[False])
    print(f"{a.arch} on {a.dataset}, batch {BATCH}, {a.threads} thread(s), torch {torch.__version__}")
    print(f"channels-last   {cl:9,.0f} img/s")
    print(f"contiguous      {plain:9,.0f} img/s")
    print(f"ratio           {cl / plain:9.2f}")


if __name__ == "__main__":
    main()
