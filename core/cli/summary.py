"""``summary``: per layer, the output shape, parameters and FLOPs of a network or a run; with ``--measure``,
also what each layer costs on this computer (:mod:`core.insight.cost`): forward and backward
milliseconds, the activations it keeps for backward, its GFLOP/s, and the whole step's time and memory."""
from __future__ import annotations

import sys

from convscope.core.setup import config as C

from .common import EXIT_OK, BadInput, emit, open_run, positive_int

NAME = "summary"


def add_parser(sub) -> None:
    m = sub.add_parser("summary", help="per layer: output shape, parameters and FLOPs of a network or a run "
                       "(--measure: and its time and memory on this computer)")
    m.add_argument("--checkpoint", help="a run directory (default: the network --arch on --dataset)")
    m.add_argument("--arch", default="lenet", help="architecture (see 'archs'; default lenet)")
    m.add_argument("--dataset", default="mnist-sample", help="the dataset that sets the input size and "
                   "classes (default mnist-sample)")
    m.add_argument("--form", choices=C.FORMS, help="native resolution or the d2l resize")
    m.add_argument("--measure", action="store_true", help="time a few training steps on random data: each "
                   "layer's forward and backward ms, the activations it keeps for backward, its GFLOP/s "
                   "and share of the device's matrix-multiply peak; the whole step's time and memory")
    m.add_argument("--batch-size", type=positive_int, help="with --measure: the batch (default: the "
                   "network's or the run's)")
    m.add_argument("--device", choices=C.DEVICES, help="with --measure: where to measure (default: the "
                   "network's or the run's device)")
    m.add_argument("--json", action="store_true", help="print the table as one JSON line on stdout")


def _config(args):
    if args.checkpoint:
        return open_run(args.checkpoint).config
    try:
        return C.make_config(args.arch, args.dataset, form=args.form)
    except (C.ConfigError, ValueError) as exc:
        raise BadInput(str(exc)) from None


def run(args) -> int:
    from convscope.core.insight.summary import summarize

    if not args.measure and (args.batch_size is not None or args.device is not None):
        raise BadInput("--batch-size and --device only apply with --measure; add --measure to time the network.")
    config = _config(args)
    if args.measure:
        return _measured(args, config)
    s = summarize(config)
    lines = [f"{s.display_name}, input {'×'.join(map(str, s.input_shape))}",
             f"{'layer':24s} {'type':18s} {'output':>14s} {'params':>12s} {'MFLOPs':>10s}"]
    lines += [f"{r.name:24s} {r.kind:18s} {'×'.join(map(str, r.output_shape)):>14s} {r.params:>12,} "
              f"{r.flops / 1e6:>10,.2f}" for r in s.rows]
    lines.append(f"{'total':24s} {'':18s} {'':>14s} {s.total_params:>12,} {s.total_flops / 1e6:>10,.2f}")
    emit(args, s.to_json(), "\n".join(lines))
    return EXIT_OK


def _measured(args, config) -> int:
    from convscope.core.base.safe_read import human_size
    from convscope.core.base.training_flag import TrainingRunning
    from convscope.core.insight.cost import measure

    device = args.device or config.device
    if device in ("cuda", "mps") and C.missing_device(device):
        raise BadInput(C.missing_device(device))

    def progress(_fraction, text):
        if sys.stderr.isatty():
            sys.stderr.write(f"\r\033[K{text}")
            sys.stderr.flush()

    try:
        ledger = measure(config, batch_size=args.batch_size, device=device, progress=progress)
    except TrainingRunning as exc:
        raise BadInput(str(exc)) from None
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    s = ledger.summary
    lines = [f"{s.display_name}, input {'×'.join(map(str, s.input_shape))}, batch {ledger.batch_size}, "
             f"{ledger.device}; matrix-multiply peak {ledger.peak_gflops:,.0f} GFLOP/s",
             f"{'layer':22s} {'type':16s} {'params':>10s} {'MFLOPs':>9s} {'fwd ms':>8s} {'bwd ms':>8s} "
             f"{'time':>6s} {'saved':>10s} {'GFLOP/s':>8s} {'peak':>5s}"]
    for r in ledger.rows:
        lines.append(f"{r.name[:22]:22s} {r.kind[:16]:16s} {r.params:>10,} {r.flops / 1e6:>9,.2f} "
                     f"{r.forward_ms:>8.3f} {r.backward_ms:>8.3f} {ledger.share(r, 'time'):>6.1%} "
                     f"{human_size(r.saved_bytes):>10s} {r.gflops_per_s:>8,.1f} {r.peak_share:>5.0%}")
    lines.append(f"{'layers':22s} {'':16s} {s.total_params:>10,} {s.total_flops / 1e6:>9,.2f} "
                 f"{ledger.forward_ms:>8.3f} {ledger.backward_ms:>8.3f}")
    lo, hi = ledger.step_ms_spread
    lines.append(f"whole step {ledger.step_ms:.3f} ms (from {lo:.3f} to {hi:.3f} over {ledger.steps} steps; "
                 f"the layers {ledger.rows_ms:.3f} ms, the optimizer {ledger.optimizer_ms:.3f} ms), "
                 f"{ledger.ms_per_image:.4f} ms per image")
    lines.append(f"memory: kept for backward {human_size(ledger.saved_bytes)}, parameters "
                 f"{human_size(ledger.param_bytes)}, gradients {human_size(ledger.grad_bytes)}, optimizer state "
                 f"{human_size(ledger.optimizer_bytes)}; peak {human_size(ledger.peak_bytes)}"
                 f"{'' if ledger.peak_measured else ' (their sum)'}")
    emit(args, ledger.to_json(), "\n".join(lines))
    return EXIT_OK
