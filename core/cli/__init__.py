"""Headless command line: ``train``, ``evaluate``, ``predict``, ``archs``, ``presets``, ``summary``, ``export``,
``race``.

Humans read the progress on stderr; scripts read the last stdout line with ``--json``. Exit codes:
0 completed or stopped, 1 failed, 2 bad input, 3 diverged.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys

from convscope.core.setup import config as C

from . import examples as examples_command
from . import receptive_field, summary
from .common import (  # noqa: F401  (the names scripts and tests know as convscope.core.cli.X)
    EXIT_BAD_INPUT,
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_OK,
    STATUS_EXIT,
    BadInput,
    Parser,
    emit,
    fraction,
    nonneg_int,
    open_run,
    positive_float,
    positive_int,
    printable,
    strict,
)
from .progress import DownloadLine, Progress

from . import lesson  # isort: skip  (after the names it shares, above)

# Commands that live in their own module (``add_parser(sub)``, ``run(args)``), after the ones below.
COMMAND_MODULES: tuple = (lesson, examples_command, receptive_field, summary)




def build_parser() -> argparse.ArgumentParser:
    from convscope import __version__

    p = Parser(prog="convscope", description="Train classic CNNs and look inside them. "
               "Without a sub-command, opens the window.",
               epilog="convscope RUN opens a saved run (its folder, or a .convscope file) in the window. "
               "convscope --install-desktop-entry makes the desktop open .convscope files with ConvScope "
               "(a launcher entry, a MIME type and the icon under ~/.local/share); "
               "--remove-desktop-entry undoes it.")
    p.add_argument("--version", action="version", version=f"convscope {__version__}")
    names = ("train", "evaluate", "predict", "archs", "presets", "export", "race") \
        + tuple(module.NAME for module in COMMAND_MODULES)
    sub = p.add_subparsers(dest="command", parser_class=Parser, metavar="{" + ",".join(names) + "}")

    t = sub.add_parser("train", help="train a network", description="Train a network; with --out, write "
                       "a run directory (config, metrics.jsonl, weights, optimizer state, status).")
    t.add_argument("--preset", help="start from a preset of the course notes (see 'presets'); the other "
                   "options override its settings")
    t.add_argument("--lesson", metavar="PACK[:ID]", help="train a lesson of a lesson pack (a .toml file or "
                   "'builtin'; see 'lesson list PACK') as --preset does")
    t.add_argument("--config", metavar="FILE", help="settings from a TOML file with the keys of a preset's "
                   "config (arch = \"lenet\", lr = 0.01, …); options given here override it, it overrides "
                   "--preset")
    t.add_argument("--arch", help="architecture (see 'archs'); default lenet")
    t.add_argument("--dataset", help=f"{', '.join(C.DATASET_NAMES)}; default mnist-sample (the *-sample "
                   f"datasets ship with ConvScope: no download; imagefolder: your own images, "
                   f"with --data-root DIR holding one sub-folder per class)")
    t.add_argument("--data-root", help="folder in torchvision's layout (DIR/MNIST/raw/…); for imagefolder "
                   "the folder of class sub-folders (DIR/cats/*.jpg, DIR/dogs/*.png, …)")
    t.add_argument("--epochs", type=positive_int, help="passes over the training images (default: the "
                   "architecture's, see 'archs')")
    t.add_argument("--batch-size", type=positive_int, help="images per optimizer step (default: the architecture's)")
    t.add_argument("--lr", type=positive_float, help="learning rate (> 0)")
    t.add_argument("--optimizer", choices=C.OPTIMIZERS, help="the update rule (default: the architecture's)")
    t.add_argument("--momentum", type=fraction, help="SGD momentum (default 0.9; 0 = d2l's plain SGD)")
    t.add_argument("--weight-decay", type=fraction, help="L2 penalty on the weights, in [0, 1) (default: the "
                   "architecture's, mostly 0)")
    t.add_argument("--schedule", choices=C.SCHEDULES, help="how the learning rate changes during the run "
                   "(default: the architecture's)")
    t.add_argument("--label-smoothing", type=fraction, help="share of the target spread over the other "
                   "classes, in [0, 1) (default 0)")
    t.add_argument("--augment", metavar="LIST", help="augment the training batches (never the test images): "
                   "comma-separated, each with an optional =value, e.g. hflip,crop=4,rotate=15; from hflip=P, "
                   "vflip=P, rot90=P (probabilities, default 0.5), rotate=DEGREES (15), crop=PAD (4 px), "
                   "translate=PX (2 px)")
    t.add_argument("--shift", type=nonneg_int, help="random shift in pixels: the same as --augment translate=N")
    t.add_argument("--form", choices=C.FORMS, help="native resolution or the d2l resize")
    t.add_argument("--image-size", type=positive_int,
                   help="native form: resize the images to this many pixels a side (e.g. 32)")
    t.add_argument("--width", type=positive_float, help="width multiplier for the channel counts")
    t.add_argument("--dropout", type=fraction, help="dropout probability of the networks that have dropout, "
                   "in [0, 1) (default: the architecture's)")
    t.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=None,
                   help="BatchNorm after the convolutions (--no-batchnorm: without; default: the architecture's)")
    t.add_argument("--shortcut", action=argparse.BooleanOptionalAction, default=None,
                   help="ResNet skip connections (--no-shortcut: the plain stack)")
    t.add_argument("--factorize", action=argparse.BooleanOptionalAction, default=None,
                   help="Inception nets: each n×n convolution of the Inception blocks as a 1×n then an n×1 "
                   "convolution (the same receptive field, fewer weights; --no-factorize: n×n)")
    t.add_argument("--activation", choices=C.ACTIVATIONS, help="LeNet: relu (modern) or sigmoid")
    t.add_argument("--subset", type=positive_int, help="train on this many examples only")
    t.add_argument("--seed", type=nonneg_int, help="random seed: the same seed gives the same run (default 0)")
    t.add_argument("--device", choices=C.DEVICES, help="where to train (default auto: the GPU when there is "
                   "one)")
    t.add_argument("--compile", action="store_true", default=None, help="compile the network with "
                   "torch.compile (the first steps are slow while it compiles; worth it for the larger "
                   "networks on a GPU)")
    t.add_argument("--out", help="run directory to write (a new or empty folder; see --overwrite)")
    t.add_argument("--overwrite", action="store_true", help="with --out: replace the run already in that "
                   "folder (its run files; other files stay)")
    t.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last finished "
                   "epoch, with its own settings, to --epochs in total (default: its configured epochs)")
    t.add_argument("--json", action="store_true", help="print the result as one JSON line on stdout")

    e = sub.add_parser("evaluate", help="evaluate a run directory on a dataset")
    e.add_argument("--checkpoint", required=True, help="run directory written by 'train --out'")
    e.add_argument("--dataset", help="dataset (default: the one the run trained on)")
    e.add_argument("--data-root", help="folder of the dataset (for imagefolder: the folder of class sub-folders)")
    e.add_argument("--split", choices=["test", "train"], default="test", help="which images (default test)")
    e.add_argument("--device", choices=C.DEVICES, default="auto", help="where to evaluate (default auto)")
    e.add_argument("--json", action="store_true", help="print the result as one JSON line on stdout")

    s = sub.add_parser("presets", help="list the presets (the experiments of the course notes)")
    s.add_argument("--json", action="store_true", help="print them as one JSON line")

    r = sub.add_parser("predict", help="classify an image with a trained run")
    r.add_argument("--checkpoint", required=True, help="run directory written by 'train --out'")
    r.add_argument("image", help="PNG/JPG of a digit (dark on light or light on dark); for a run trained "
                   "on imagefolder, an image like its training images")
    r.add_argument("--top", type=positive_int, default=3, help="how many classes to list (default 3)")
    r.add_argument("--json", action="store_true", help="print the result as one JSON line on stdout")

    a = sub.add_parser("archs", help="list the architectures with parameters and FLOPs")
    a.add_argument("--json", action="store_true", help="print them as one JSON line on stdout")

    x = sub.add_parser("export", help="a run as ONNX, its metrics as CSV, TensorBoard scalars or a PNG, the "
                       "whole run as one .convscope file, or as one web page")
    x.add_argument("--checkpoint", required=True, help="run directory written by 'train --out' (or a .convscope "
                   "bundle)")
    x.add_argument("--format", required=True, choices=("onnx", "csv", "tensorboard", "png", "bundle", "html"),
                   help="onnx: the network; csv, tensorboard, png: the metrics; bundle: the whole run as one "
                   ".convscope file (open it with --checkpoint or in the window); html: one self-contained web "
                   "page that replays the run in any browser")
    x.add_argument("--output", required=True, help="file to write (for tensorboard: a folder)")
    x.add_argument("--lang", choices=("en", "zh"), default="en", help="html: the page's language (default en)")
    x.add_argument("--overwrite", action="store_true", help="replace the file already at --output (for "
                   "tensorboard: the event files in that folder)")
    x.add_argument("--json", action="store_true", help="print what was written as one JSON line on stdout")

    g = sub.add_parser("race", help="train several architectures one after another on the same data and seed")
    g.add_argument("--archs", required=True, help="comma-separated architectures, e.g. lenet,nin,resnet-small")
    g.add_argument("--dataset", default="mnist-sample", help="the dataset every entrant trains on "
                   "(default mnist-sample)")
    g.add_argument("--epochs", type=positive_int, default=3, help="epochs of each entrant (default 3)")
    g.add_argument("--batch-size", type=positive_int, help="images per step (default: each architecture's)")
    g.add_argument("--subset", type=positive_int, help="train on this many examples only")
    g.add_argument("--seed", type=nonneg_int, default=0, help="the seed every entrant uses (default 0)")
    g.add_argument("--device", choices=C.DEVICES, help="where to train (default auto)")
    g.add_argument("--target", type=fraction, default=0.9, help="test accuracy to time (default 0.9)")
    g.add_argument("--out", help="folder for the entrants' run folders (one per architecture)")
    g.add_argument("--json", action="store_true", help="print the results as one JSON line on stdout")
    for module in COMMAND_MODULES:
        module.add_parser(sub)
    return p


# ---------------------------------------------------------------------------------------- commands
RESUME_OPTIONS = ("epochs", "device", "data_root", "json", "resume")  # what --resume takes: the rest is the run's own


def _check_out(out: str, overwrite: bool) -> None:
    """``--out`` onto a folder that holds files is refused (changing nothing) unless ``--overwrite``;
    a folder another training is writing is refused either way."""
    import os

    from convscope.core.runs.runlock import is_locked, locked_message

    path = os.path.expanduser(out)
    if os.path.exists(path) and not os.path.isdir(path):
        raise BadInput(f"--out {out} is a file, not a folder; give a folder for the run.")
    if not os.path.isdir(path):
        return
    if is_locked(path):
        raise BadInput(locked_message(path))
    try:
        entries = os.listdir(path)
    except OSError as exc:
        raise BadInput(f"cannot read the folder {out}: {exc.strerror or exc}; choose another --out.") from None
    if entries and not overwrite:
        from convscope.core.runs.checkpoints import CONFIG

        what = "a run" if CONFIG in entries else f"{len(entries)} file(s)"
        raise BadInput(f"{out} already holds {what}; nothing was changed. Use --resume {out} to continue "
                       f"it, --overwrite to replace it, or choose another --out.")


def cmd_train(args) -> int:
    from convscope.core.training import distributed

    try:
        group = distributed.from_env()
    except C.ConfigError as exc:
        raise BadInput(str(exc)) from None
    if args.resume:
        if group is not None:
            raise BadInput("--resume continues a run in one process: run 'main.py train --resume …' without "
                           "torchrun (or start a new run with torchrun and --out).")
        return _resume(args)
    if group is not None:
        return _train_together(args, group)
    from convscope.core.training.engine import Trainer

    config = _checked_config(args, check_files=True)
    on_event = Progress(final_line=args.json)
    if args.out and args.preset:
        on_event = _keeping_lesson(on_event, args.out, args.preset)
    return _train(args, Trainer(config, on_event=on_event, run_dir=args.out, publish_interval=0.25))


def _keeping_lesson(on_event, out: str, preset_id: str):
    """``on_event``, which also keeps the lesson ``preset_id`` (when it is one) in the run folder once the
    run has started there (``lesson.json``: the run, handed on, still says what it was meant to show)."""
    from convscope.core.runs.origin import lesson_record, write_lesson
    from convscope.core.setup.presets import PresetError, get_preset
    from convscope.core.training import events as E

    try:
        record = lesson_record(get_preset(preset_id))
    except PresetError:
        record = None
    if record is None:
        return on_event

    def handle(event) -> None:
        if isinstance(event, E.RunStarted):
            try:
                write_lesson(out, record)
            except OSError as exc:  # the run goes on without it
                print(f"note: the lesson could not be kept in {printable(out)}: {exc.strerror or exc}",
                      file=sys.stderr)
        on_event(event)

    return handle


def _train_together(args, group) -> int:
    """``torchrun … main.py train``: this process's part of a run trained by several (see
    core/distributed.py). Every process checks the settings and its data; only rank 0 looks at ``--out``,
    writes the run and prints. A process that cannot go on stops all of them, with its reason."""
    from convscope.core.training.engine import Trainer

    try:
        group.start(args.device or "auto")
    except C.ConfigError as exc:
        raise BadInput(str(exc)) from None
    try:
        error, config = None, None
        try:
            config = _checked_config(args, check_files=group.primary)
            group.check_batch(config.batch_size)
        except C.ConfigError as exc:
            error = str(exc)
        except BadInput as exc:
            error = str(exc)
        error = group.agree(error)
        if error:
            raise BadInput(error)
        trainer = Trainer(config, on_event=Progress(final_line=args.json) if group.primary else None,
                          run_dir=args.out if group.primary else None, publish_interval=0.25, group=group)
        return _train(args, trainer)
    finally:
        group.close()


def swap_note(swap) -> str:
    """A preset's dataset swapped for its offline sample (``core.setup.presets.Swap``), in words."""
    from convscope.core.data.datasets import get_info

    full, small = get_info(swap.dataset), get_info(swap.instead)
    return (f"{full.display_name.split(' (')[0]} is not on this computer: this preset trains on the offline "
            f"{small.display_name.split(' (')[0]} ({small.n_train + small.n_test:,} real images) instead; "
            f"download the full set (pick it in the dataset list) for the notes' figures.")


def _checked_config(args, check_files: bool):
    """The run's config from the options and preset, its data read and its network sized: any problem is
    :class:`BadInput`, reported before training. ``check_files``: ``--out`` too."""
    from convscope.core.data.loading import DataError, load_split
    from convscope.core.runs.checkpoints import CheckpointError, RunWriter

    if args.overwrite and not args.out:
        raise BadInput("--overwrite replaces the run in the --out folder; give --out DIR too.")
    if args.out and check_files:
        _check_out(args.out, args.overwrite)

    overrides = {k: getattr(args, k) for k in (
        "epochs", "batch_size", "lr", "optimizer", "momentum", "weight_decay", "schedule", "label_smoothing",
        "shift", "augment", "form", "image_size", "width", "dropout", "batchnorm", "shortcut", "factorize",
        "activation", "subset", "seed", "device", "compile")}
    overrides["data_root"] = args.data_root
    arch, dataset = args.arch, args.dataset
    if args.preset and args.lesson:
        raise BadInput("give --preset or --lesson, not both.")
    if args.preset or args.lesson:
        from convscope.core.setup.presets import PresetError, get_preset, resolve

        try:
            preset = lesson.lesson_preset(args.lesson) if args.lesson else get_preset(args.preset)
            resolved = resolve(preset, args.data_root)
        except PresetError as exc:
            raise BadInput(str(exc)) from None
        if resolved.swap is not None and dataset is None:
            print(f"note: {printable(swap_note(resolved.swap))}", file=sys.stderr)
        preset_values = dict(resolved.config)
        preset_arch, preset_dataset = preset_values.pop("arch", None), preset_values.pop("dataset", None)
        arch, dataset = arch or preset_arch, dataset or preset_dataset
        overrides = {**preset_values, **{k: v for k, v in overrides.items() if v is not None}}
    if args.config:
        from convscope.core.setup.config_file import ConfigFileError, read_config_file

        try:
            from_file = read_config_file(args.config)
        except ConfigFileError as exc:
            raise BadInput(str(exc)) from None
        arch = args.arch or from_file.pop("arch", None) or arch
        dataset = args.dataset or from_file.pop("dataset", None) or dataset
        given = {k: v for k, v in {k: getattr(args, k, None) for k in from_file}.items() if v is not None}
        overrides = {**overrides, **from_file, **given}
    try:
        config = C.make_config(arch or "lenet", dataset or "mnist-sample", **overrides)
        from convscope.core.setup.build import meta_model, model_budget

        model_budget(meta_model(config), config).check()  # a network too large is refused, not tried
        if args.out and check_files:
            RunWriter(args.out)  # refuse an unwritable run directory before training
        # Read the data now: a missing or broken dataset is bad input, reported before any training.
        for split in ("train", "test"):
            load_split(config.dataset, split, config.data_root, info=config.info)
    except (C.ConfigError, CheckpointError, DataError) as exc:
        raise BadInput(str(exc)) from None
    return config


def _resume(args) -> int:
    """``train --resume RUN_DIR [--epochs N]``: the run's own settings, from its last finished epoch."""
    import os

    from convscope.core.runs.checkpoints import CheckpointError
    from convscope.core.runs.runlock import is_locked, locked_message

    given = [f"--{k.replace('_', '-')}" for k, v in vars(args).items()
             if k not in RESUME_OPTIONS + ("command",) and v not in (None, False)]
    if given:
        raise BadInput(f"--resume continues a run with its own settings; {', '.join(given)} cannot change "
                       f"them (only --epochs, --device and --data-root apply). "
                       "Train a new run with --out to change them.")
    if not os.path.isdir(os.path.expanduser(args.resume)):
        raise BadInput(f"--resume {args.resume}: no such folder; give the folder of a run made by "
                       f"'train --out' or the window.")
    if is_locked(os.path.expanduser(args.resume)):
        raise BadInput(locked_message(args.resume))
    from convscope.core.setup.config import ConfigError
    from convscope.core.training.engine import Trainer

    try:
        trainer = Trainer.from_run(args.resume, epochs=args.epochs, device=args.device,
                                   data_root=args.data_root, on_event=Progress(final_line=args.json),
                                   publish_interval=0.25)
    except (CheckpointError, ConfigError) as exc:
        raise BadInput(str(exc)) from None
    print(f"continuing {printable(args.resume)} from epoch {trainer.resume_point.epoch} to epoch "
          f"{trainer.target_epochs}", file=sys.stderr)
    return _train(args, trainer)


def _train(args, trainer) -> int:
    from convscope.core.training.events import BAD_CONFIG, BUSY

    group = trainer.group
    primary = group is None or group.primary

    def on_sigint(signum, frame):  # Ctrl+C or SIGTERM: stop within a second, keep what was trained
        if primary and not trainer.stop_requested:
            sys.stderr.write("\nstopping: the step under way is dropped, what was trained is kept…\n")
        trainer.stop()

    previous = {sig: signal.signal(sig, on_sigint) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = trainer.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not primary:
        return STATUS_EXIT[result.status]
    if trainer.write_failed:
        print("note: the command line cannot keep a model in memory once it exits; free some space "
              "(or pick another --out) and train again.", file=sys.stderr)
    payload = result.to_json()
    if group is not None:  # trained by several processes: how many, and the batch they shared
        payload.update(world_size=group.world_size, global_batch_size=trainer.batch_size)
    emit(args, payload, f"{result.status}: {result.message}")
    if result.status == "failed" and result.reason in (BAD_CONFIG, BUSY) and not trainer.history:
        print(f"error: {printable(result.message)}", file=sys.stderr)  # refused at set-up: bad input
        return EXIT_BAD_INPUT
    return STATUS_EXIT[result.status]


def cmd_evaluate(args) -> int:
    from convscope.core.base.devices import is_out_of_memory, resolve_device
    from convscope.core.data import loading as D
    from convscope.core.insight.analysis import eval_split
    from convscope.core.training.evaluation import evaluate_model

    missing = C.missing_device(args.device) if args.device in ("cuda", "mps") else ""
    if missing:
        raise BadInput(missing)
    device = resolve_device(args.device)
    run = open_run(args.checkpoint, str(device))
    try:
        ev = eval_split(run.config, args.dataset, args.split, args.data_root)
    except D.DataError as exc:
        raise BadInput(str(exc)) from None
    dataset, info, images, labels = ev.dataset, ev.info, ev.images, ev.labels
    from convscope.core.insight.inference import run_preprocess

    try:
        split = D.DeviceSplit(images, labels, device)
        loss, acc = evaluate_model(run.model, run_preprocess(run.config, info), split)
    except RuntimeError as exc:
        if not is_out_of_memory(exc):
            raise
        print(f"error: out of {'GPU ' if device.type in ('cuda', 'mps') else ''}memory while evaluating "
              f"{len(images):,} images, even one at a time; use --device cpu.", file=sys.stderr)
        return EXIT_FAILED
    payload = {"accuracy": acc, "loss": loss, "n": len(split)}
    emit(args, payload, f"{dataset} {args.split}: accuracy {acc:.4f}, loss {loss:.4f} "
                         f"on {len(split):,} images")
    return EXIT_OK


def cmd_predict(args) -> int:
    import os

    # Paths first: a typo is reported at once, before torch and the run are loaded.
    if not os.path.exists(args.image):
        raise BadInput(f"image {args.image} does not exist; give the path of a PNG or JPG of a digit.")
    if os.path.isdir(args.image):
        raise BadInput(f"{args.image} is a folder; give the path of a PNG or JPG of a digit.")
    import stat

    if not stat.S_ISREG(os.stat(args.image).st_mode):  # a FIFO or a device would block or never end
        raise BadInput(f"{args.image} is not a regular file; give the path of a PNG or JPG of a digit.")
    from convscope.core.insight.inference import InferenceError, Predictor

    run = open_run(args.checkpoint)
    try:
        predictor = Predictor.from_run(run)
        # The canvas's preprocessing: MNIST's framing of the ink, then the run's own normalisation.
        top = predictor.predict_file(args.image, k=args.top)
    except InferenceError as exc:
        raise BadInput(str(exc)) from None
    payload = {"top": [[int(label), float(p)] for label, p in top]}
    human = ", ".join(f"{predictor.class_name(lbl)}: {p:.1%}" for lbl, p in top)
    emit(args, payload, human)
    return EXIT_OK


def cmd_archs(args) -> int:
    from convscope.core.models import count_flops, count_params, create_model, list_models

    entries = []
    for spec in list_models():
        model = create_model(spec.name)
        entries.append({"name": spec.name, "family": spec.family, "input_size": list(spec.input_size),
                        "params": count_params(model), "flops": count_flops(model, spec.input_size)})
    if args.json:
        print(json.dumps({"architectures": entries}))
    else:
        for e in entries:
            print(f"{e['name']:15s} {e['family']:10s} {'×'.join(map(str, e['input_size'])):10s} "
                  f"{e['params']:>12,} params {e['flops'] / 1e6:>10,.1f} MFLOPs")
    return EXIT_OK


def cmd_presets(args) -> int:
    from convscope.core.setup.presets import PresetError, load_presets

    try:
        presets, default = load_presets()
    except PresetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"presets": [p.to_json() for p in presets], "default": default}))
    else:
        rows = [(p.id, p.config.get("arch", "lenet"), p.config.get("dataset", "mnist-sample"), p.name)
                for p in presets]
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)] if rows else [0, 0, 0]
        for row in rows:  # columns as wide as their longest entry: the names line up
            print(printable("  ".join(f"{str(v):{w}s}" for v, w in zip(row, widths)) + "  " + row[3]))
    return EXIT_OK


def cmd_export(args) -> int:
    from convscope.core.runs.checkpoints import CheckpointError
    from convscope.core.runs.export import ExportError, export

    try:
        done = export(args.checkpoint, args.format, args.output, overwrite=args.overwrite, lang=args.lang)
    except (ExportError, CheckpointError, OSError) as exc:
        raise BadInput(str(exc)) from None
    for note in done.get("notes", ()):
        print(f"note: {note}", file=sys.stderr)
    try:
        emit(args, done, f"wrote {done['output']} ({args.format})")
    except BadInput as exc:
        raise BadInput(f"wrote {done['output']}, but {exc}") from None
    return EXIT_OK


def cmd_race(args) -> int:
    from convscope.core.training.race import run_race

    archs = [a.strip() for a in args.archs.split(",") if a.strip()]
    unknown = [a for a in archs if a not in C.architecture_names()]
    if len(archs) < 2 or unknown:
        raise BadInput(f"--archs needs two or more of {', '.join(C.architecture_names())}"
                       + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    settings = {k: v for k, v in {"epochs": args.epochs, "batch_size": args.batch_size, "subset": args.subset,
                                  "seed": args.seed, "device": args.device}.items() if v is not None}
    try:
        for arch in archs:  # every entrant's settings are checked before the first one trains
            C.make_config(arch, args.dataset, **settings)
    except (C.ConfigError, ValueError) as exc:
        raise BadInput(str(exc)) from None
    rows = run_race(archs, args.dataset, settings, args.target, args.out, on_event=Progress())
    lines = [f"{'architecture':28s} {'params':>12s} {'MFLOPs':>10s} {'img/s':>8s} "
             f"{'to ' + format(args.target, '.0%'):>10s} {'best':>7s}"]
    for r in rows:
        to = f"{r.seconds_to_target:.1f} s" if r.seconds_to_target is not None else "never"
        lines.append(f"{r.display_name:28s} {r.params:>12,} {r.flops / 1e6:>10,.1f} {r.images_per_s:>8,.0f} "
                     f"{to:>10s} {100 * r.best_test_acc:>6.2f}%")
    emit(args, {"target": args.target, "rows": [r.to_json() for r in rows]}, "\n".join(lines))
    return EXIT_OK


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "archs": cmd_archs,
            "presets": cmd_presets, "export": cmd_export, "race": cmd_race}
COMMANDS.update({module.NAME: module.run for module in COMMAND_MODULES})


def _launched_rank() -> int:
    import os

    value = os.environ.get("RANK", "0")
    return int(value) if value.isdigit() else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_OK
        if args.command in ("train", "evaluate", "race"):  # the commands that may download a dataset
            from convscope.core.data.loading import set_download_progress

            set_download_progress(DownloadLine())
            try:
                return COMMANDS[args.command](args)
            finally:
                set_download_progress(None)  # the printer writes to this call's stderr, and only this call's
        return COMMANDS[args.command](args)
    except BadInput as exc:
        if _launched_rank() == 0:  # with torchrun, every process has the same message: rank 0 says it
            print(f"error: {printable(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
