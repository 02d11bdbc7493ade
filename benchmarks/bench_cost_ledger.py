"""The cost ledger against independent measurements of the same step, on this machine.

    python benchmarks/bench_cost_ledger.py [--archs lenet,nin,inception-net,resnet-small] [--batch-size 32]
                                           [--device cpu] [--steps 10]

For each network (its native input, its configured optimizer):
(a) the sum of the per-layer forward + backward times against the ledger's whole step (``step_ms``):
    within 25 %;
(b) ``step_ms`` against an independent timing of the same step (a plain model built by the engine's own
    builder and optimizer, timed with the wall clock and a device sync): inside that timing's spread
    (its fastest to its slowest step);
(c) ``saved_bytes`` against an independent count with ``torch.autograd.graph.saved_tensors_hooks`` over
    one step (each storage once, the parameters not counted): within 10 %;
and what the measurement itself took.
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

from convscope.core.base.devices import device_label, resolve_device, synchronize, use_channels_last  # noqa: E402
from convscope.core.insight.cost import measure  # noqa: E402
from convscope.core.setup.build import build_model  # noqa: E402
from convscope.core.setup.config import make_config  # noqa: E402
from convscope.core.training.optim import make_optimizer  # noqa: E402


def independent_step(cfg, batch: int, device: torch.device, steps: int) -> list[float]:
    """Milliseconds of ``steps`` plain training steps (after two warm-up steps), in the memory layout the
    run would train in."""
    torch.manual_seed(0)
    model = build_model(cfg).to(device).train()
    layout = torch.channels_last if use_channels_last(cfg.channels_last, device, model) else torch.contiguous_format
    model = model.to(memory_format=layout)
    opt = make_optimizer(cfg, model.parameters())
    for g in opt.param_groups:
        g["lr"] = 1e-6
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    c, side, _ = cfg.input_size
    x = torch.randn(batch, c, side, side, device=device).contiguous(memory_format=layout)
    y = torch.randint(0, cfg.info.num_classes, (batch,), device=device)
    times = []
    for i in range(steps + 2):
        synchronize(device)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
        synchronize(device)
        if i >= 2:
            times.append((time.perf_counter() - t0) * 1000)
    return times


def independent_saved(cfg, batch: int, device: torch.device) -> int:
    model = build_model(cfg).to(device).train()
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in params:
            seen[s.data_ptr()] = s.nbytes()
        return t

    c, side, _ = cfg.input_size
    x = torch.randn(batch, c, side, side, device=device)
    y = torch.randint(0, cfg.info.num_classes, (batch,), device=device)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    return sum(seen.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archs", default="lenet,nin,inception-net,resnet-small")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=10, help="steps of the independent timing")
    a = ap.parse_args()
    device = resolve_device(a.device)
    print(f"batch {a.batch_size}, {device_label(device)}, torch {torch.__version__}")
    print(f"{'network':16s} {'step ms':>9s} {'rows ms':>9s} {'rows/step':>9s} {'indep. ms (min-max)':>24s} "
          f"{'inside':>6s} {'saved':>10s} {'indep.':>10s} {'ratio':>6s} {'took s':>7s}")
    for arch in a.archs.split(","):
        cfg = make_config(arch, "mnist-sample", device=a.device)
        t0 = time.perf_counter()
        ledger = measure(cfg, batch_size=a.batch_size, device=device)
        took = time.perf_counter() - t0
        times = independent_step(cfg, a.batch_size, device, a.steps)
        lo, hi, med = min(times), max(times), statistics.median(times)
        saved = independent_saved(cfg, a.batch_size, device)
        ratio = ledger.rows_ms / ledger.step_ms
        inside = lo <= ledger.step_ms <= hi
        print(f"{arch:16s} {ledger.step_ms:9.2f} {ledger.rows_ms:9.2f} {ratio:9.2f} "
              f"{med:9.2f} ({lo:6.2f}-{hi:6.2f}) {'yes' if inside else 'NO':>6s} {ledger.saved_bytes:>10,} "
              f"{saved:>10,} {ledger.saved_bytes / saved:6.3f} {took:7.1f}")
    cfg = make_config("nin", "mnist-sample", device=a.device, width=0.5)
    t0 = time.perf_counter()
    ledger = measure(cfg, device=device)
    print(f"NiN at width 0.5, its batch {ledger.batch_size}: measured in {time.perf_counter() - t0:.1f} s "
          f"({torch.get_num_threads()} threads; target ≲ 10 s on 2 cores)")
    print("targets: rows/step in [0.75, 1.25]; step ms inside the independent spread; saved ratio in [0.9, 1.1]")


if __name__ == "__main__":
    main()
