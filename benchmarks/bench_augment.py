"""What augmenting on the device costs LeNet-CIFAR's training, against a per-sample torchvision pipeline.

    python benchmarks/bench_augment.py [--rounds 5] [--steps 300] [--augment hflip,crop=4] [--device cpu]

All train LeNet-CIFAR with the preset's settings (Adam 1e-3, batch 128) on the 3,604 training photos of
the offline CIFAR-10 sample, on this machine, in this run:

(a) the engine without augmentation (its split normalised once, batches indexed on the device);
(b) the engine with ``--augment`` (default hflip + pad-and-crop 4: the course notes' CIFAR-10 pair),
    applied to each uint8 batch on the device, then normalised;
(c) the engine with all six augmentations (for information);
(d) the usual per-sample pipeline: a Dataset of PIL images, torchvision ``RandomHorizontalFlip`` +
    ``RandomCrop(32, padding=4)`` + ``ToTensor`` + ``Normalize``, a shuffling ``DataLoader``
    (``num_workers=0``: two cores here), the same model and optimizer.

(a), (b) and (c) train an epoch each in turn, (d) after them; each rate is the median of its epochs after
a warm-up. The machine is shared, so the cost is measured once more where load cannot bias it: the
training steps of (a) and (b) in alternation on the same batches, the median ratio of their times.
Target: that cost ≤ 10 % of the training throughput, and (b) faster than (d). The augmentation alone is
timed too, per batch, against one training step.
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

from convscope.core.base.devices import device_label, resolve_device, use_channels_last  # noqa: E402
from convscope.core.data import augment as A  # noqa: E402
from convscope.core.data import loading as D  # noqa: E402
from convscope.core.setup.build import build_model  # noqa: E402
from convscope.core.setup.config import TrainConfig, make_config  # noqa: E402
from convscope.core.training.engine import Trainer  # noqa: E402
from convscope.core.training.optim import make_optimizer  # noqa: E402

EVERY = "hflip,vflip,rotate,rot90,crop,translate"


def config(augment: str, epochs: int, device: str) -> TrainConfig:
    return make_config("lenet-cifar", "cifar10-sample", optimizer="adam", lr=1e-3, batch_size=128,
                       schedule="constant", epochs=epochs, device=device, augment=augment)


def epoch_rates(trainers: dict[str, Trainer], rounds: int) -> dict[str, list[float]]:
    """Each trainer one epoch in turn, ``rounds`` times (the first round warms up, not counted): the
    engine's own training rate of each epoch (evaluation excluded)."""
    rates: dict[str, list[float]] = {k: [] for k in trainers}
    for r in range(rounds + 1):
        for key, trainer in trainers.items():
            result = trainer.run(1)
            assert result.status == "completed", result.message
            if r:
                rates[key].append(trainer.history[-1]["examples_per_s"])
    return rates


def step_ratios(plain: Trainer, augmented: Trainer, steps: int) -> list[float]:
    """Seconds of an augmented training step over a plain one, the two alternating on the same batches
    (the machine is shared: a busy moment slows both steps of a pair alike)."""
    ratios = []
    sync = torch.cuda.synchronize if plain.device.type == "cuda" else (lambda: None)
    n = len(plain.train)
    while len(ratios) < steps:
        for idx in D.batch_indices(n, 128, plain.batch_gen, plain.device, drop_last=True):
            times = []
            for trainer in (plain, augmented):
                sync()
                t0 = time.perf_counter()
                trainer._step(idx)
                sync()
                times.append(time.perf_counter() - t0)
            ratios.append(times[1] / times[0])
    return ratios[:steps]


def torchvision_rates(cfg: TrainConfig, epochs: int) -> list[float]:
    """The per-sample pipeline (d): PIL images, torchvision transforms, DataLoader."""
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms

    x, y = D.load_split("cifar10-sample", "train")
    info = cfg.info
    tf = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.RandomCrop(32, padding=4),
                             transforms.ToTensor(), transforms.Normalize(info.mean, info.std)])

    class Photos(Dataset):
        def __init__(self):
            self.images = [Image.fromarray(img.transpose(1, 2, 0)) for img in x]
            self.labels = torch.from_numpy(y)

        def __len__(self):
            return len(self.images)

        def __getitem__(self, i):
            return tf(self.images[i]), self.labels[i]

    torch.manual_seed(cfg.seed)
    device = resolve_device(cfg.device)
    loader = DataLoader(Photos(), batch_size=cfg.batch_size, shuffle=True, num_workers=0)
    layout = torch.channels_last if use_channels_last(True, device) else torch.contiguous_format  # the engine's
    model = build_model(cfg).to(device).to(memory_format=layout)
    opt = make_optimizer(cfg, model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    rates = []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        for xb, yb in loader:
            xb = xb.to(device).contiguous(memory_format=layout)
            yb = yb.to(device)
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if epoch:
            rates.append(len(x) / (time.perf_counter() - t0))
    return rates


def per_batch_ms(cfg: TrainConfig, repeats: int = 200) -> tuple[float, float]:
    """Milliseconds per batch of 128: the augmentation as the engine runs it (on the batch of the split
    normalised once, channels-last on a GPU), and one training step (the best of several timings of each, so a
    busy moment of the machine does not count)."""
    device = resolve_device(cfg.device)
    x, y = D.load_split("cifar10-sample", "train")
    xb = torch.from_numpy(x[:128]).to(device)
    yb = torch.from_numpy(y[:128]).to(device)
    aug = A.Augmenter(cfg.augment, torch.Generator(device=device).manual_seed(0))
    channels_last = use_channels_last(True, device)  # as the engine trains
    pre = D.Preprocess(cfg.info, 32, 3, channels_last=channels_last)
    model = build_model(cfg).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = make_optimizer(cfg, model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    ready = pre(xb)
    black = A.normalised_black(cfg.info.mean, cfg.info.std, device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(ready), yb).backward()
        opt.step()

    def best(fn, n):
        fn()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            if device.type == "cuda":
                torch.cuda.synchronize()
            times.append((time.perf_counter() - t0) / n * 1000)
        return min(times)

    return best(lambda: aug(ready, fill=black), repeats), best(step, repeats // 10)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="timed epochs of each, taken in turn")
    ap.add_argument("--steps", type=int, default=300, help="pairs of training steps timed in alternation")
    ap.add_argument("--augment", default="hflip,crop=4")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    base, aug, every = (config(a, 1, args.device) for a in ("", args.augment, EVERY))
    print(f"LeNet-CIFAR on cifar10-sample, batch 128, {device_label(resolve_device(args.device))}")
    trainers = {"a": Trainer(base), "b": Trainer(aug), "c": Trainer(every)}
    rates = epoch_rates(trainers, args.rounds)
    rates["d"] = torchvision_rates(aug, args.rounds + 1)
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"epochs in turn, {args.rounds} each after a warm-up (median):")
    print(f"(a) engine, no augmentation:          {med['a']:8,.0f} img/s")
    print(f"(b) engine, --augment {aug.augment:<15} {med['b']:8,.0f} img/s   {med['b'] / med['a']:.3f} × (a)")
    print(f"(c) engine, all six augmentations:    {med['c']:8,.0f} img/s   {med['c'] / med['a']:.3f} × (a)")
    print(f"(d) torchvision per-sample DataLoader: {med['d']:7,.0f} img/s   "
          f"(b) is {med['b'] / med['d']:.2f}× faster than (d), (a) {med['a'] / med['d']:.2f}×")
    ratio_b = statistics.median(step_ratios(trainers["a"], trainers["b"], args.steps))
    ratio_c = statistics.median(step_ratios(trainers["a"], trainers["c"], args.steps))
    print(f"training steps in alternation ({args.steps} pairs, median): an augmented step takes "
          f"{ratio_b:.3f} × a plain one with {aug.augment}: a throughput cost of {1 - 1 / ratio_b:.1%} "
          f"(target ≤ 10 %); {ratio_c:.3f} × with all six ({1 - 1 / ratio_c:.1%})")
    for cfg in (aug, every):
        a_ms, step_ms = per_batch_ms(cfg)
        print(f"per batch of 128, {cfg.augment}: augmentation {a_ms:.3f} ms against a training step of "
              f"{step_ms:.2f} ms ({a_ms / step_ms:.1%})")
    ok = 1 / ratio_b >= 0.9 and med["b"] > med["d"]
    print("PASS" if ok else "FAIL: augmentation on the device costs more than 10 % of the training throughput")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
