"""``receptive-field``: the theoretical receptive field of every probe layer of a network (size, stride, the
box of one unit) and, for a trained run, its effective field (r50, r90, the share inside the box)."""
from __future__ import annotations

import argparse

from convscope.core.setup import config as C

from .common import EXIT_OK, BadInput, emit, open_run, positive_int

NAME = "receptive-field"


def _unit(text: str) -> tuple[int, int, int]:
    parts = text.split(",")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a unit C,Y,X (three whole numbers ≥ 0: channel, "
                                         f"row, column of the layer's output)")
    return values


def add_parser(sub) -> None:
    r = sub.add_parser(NAME, help="receptive fields: what part of the image each layer's units see",
                       description="The theoretical receptive field of every probe layer (or --layer): its size "
                       "and stride in input pixels, and the box of the centre unit (or --unit) on the image; "
                       "with --checkpoint also the effective field (the radius holding 50 %% and 90 %% of "
                       "|d unit / d input| over test images, and its share inside the box).")
    r.add_argument("--checkpoint", metavar="RUN", help="run directory written by 'train --out' (its "
                   "network, weights and dataset)")
    r.add_argument("--arch", help="architecture (see 'archs'), without --checkpoint")
    r.add_argument("--dataset", help="dataset (default mnist-sample), without --checkpoint")
    r.add_argument("--form", choices=C.FORMS, help="native resolution or the d2l resize")
    r.add_argument("--image-size", type=positive_int, help="native form: input side in pixels")
    r.add_argument("--layer", help="one probe layer (its module path); default: every probe layer")
    r.add_argument("--unit", type=_unit, metavar="C,Y,X", help="with --layer: the unit (channel, row, column "
                   "of the layer's output); default: the centre position, all channels")
    r.add_argument("--images", type=positive_int, default=16, help="test images the effective field is "
                   "averaged over (default 16)")
    r.add_argument("--png", metavar="PATH", help="write the first test image with the box and the effective "
                   "field's heat (of --layer, else the last probe layer)")
    r.add_argument("--json", action="store_true", help="print the result as one JSON line")


def _config(args):
    if args.checkpoint:
        if args.arch or args.dataset or args.form or args.image_size:
            raise BadInput("--checkpoint brings its own network and data: leave out --arch, --dataset, --form "
                           "and --image-size")
        run = open_run(args.checkpoint)
        return run.config, run.model
    if not args.arch:
        raise BadInput("name a network: --checkpoint RUN, or --arch A (with --dataset D)")
    try:
        return C.make_config(args.arch, args.dataset or "mnist-sample", form=args.form,
                             image_size=args.image_size), None
    except (C.ConfigError, ValueError) as exc:
        raise BadInput(str(exc)) from None


def _test_images(config, n: int):
    from convscope.core.data.datasets import DataError
    from convscope.core.data.loading import load_split

    try:
        images, _ = load_split(config.dataset, "test", config.data_root, download=False, info=config.info)
    except DataError as exc:
        raise BadInput(f"the effective field needs test images of {config.dataset}: {exc}") from None
    return images[:n]


def run(args) -> int:
    if args.unit is not None and not args.layer:
        raise BadInput("--unit C,Y,X needs --layer NAME (the layer whose output holds the unit)")
    config, model = _config(args)
    from convscope.core.insight import receptive_field as RF
    from convscope.core.setup.build import meta_model

    spec = config.spec
    names = RF.probe_layer_names(spec)
    if args.layer and args.layer not in names:
        raise BadInput(f"{args.layer!r} is not a probe layer of {config.arch}; choose one of {', '.join(names)}")
    try:
        theory = RF.theoretical_fields(meta_model(config), config.input_size, names)
    except (C.ConfigError, ValueError) as exc:
        raise BadInput(str(exc)) from None
    layers = [args.layer] if args.layer else [n for n in names if n in theory]
    if args.layer and args.layer not in theory:
        raise BadInput(f"{args.layer} has no spatial output, so it has no receptive field")
    unit = args.unit
    if unit is not None:
        try:
            theory[args.layer].check_unit(unit[1], unit[2], unit[0])
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    x = display = None
    if model is not None or args.png:
        import torch

        from convscope.core.insight.inference import run_preprocess

        raw = _test_images(config, args.images)
        display = raw[0, 0] if raw.shape[1] == 1 else raw[0, :3].transpose(1, 2, 0)
        x = run_preprocess(config)(torch.from_numpy(raw))
    rows, lines, fields = [], [], {}
    lines.append(f"{spec.display_name}, input {'×'.join(map(str, config.input_size))}")
    lines.append(f"{'layer':22s} {'size':>9s} {'stride':>7s} {'box y0,x0..y1,x1':>20s}"
                 + (f" {'r50':>6s} {'r90':>6s} {'inside':>7s}" if model is not None else ""))
    for name in layers:
        lf = theory[name]
        yx = (unit[1], unit[2]) if unit is not None else lf.centre_unit()
        row = {"layer": name, "theoretical": lf.to_json(yx)}
        y0, x0, y1, x1 = lf.box(*yx)
        text = f"{name:22s} {lf.size[0]:>4d}×{lf.size[1]:<4d} {lf.stride[0]:>7d} {f'{y0},{x0}..{y1},{x1}':>20s}"
        if model is not None:
            ef = RF.effective_field(model, x, name, lf, (unit[0], unit[1], unit[2]) if unit is not None else None)
            fields[name] = ef
            row["effective"] = ef.to_json()
            text += f" {ef.r50:>6.2f} {ef.r90:>6.2f} {ef.inside_share:>7.1%}"
        rows.append(row)
        lines.append(text)
    payload = {"arch": config.arch, "input": list(config.input_size),
               "unit": list(unit) if unit is not None else None, "layers": rows}
    if args.png:
        _write_png(args.png, display, theory, fields, layers[-1], unit)
        payload["png"] = args.png
        lines.append(f"wrote {args.png}")
    emit(args, payload, "\n".join(lines))
    return EXIT_OK


def _write_png(path, display, theory, fields, layer, unit) -> None:
    import io

    from PIL import Image

    from convscope.core.insight.receptive_field import overlay
    from convscope.core.runs.checkpoints import atomic_write_bytes, write_error_reason

    lf = theory[layer]
    yx = (unit[1], unit[2]) if unit is not None else lf.centre_unit()
    ef = fields.get(layer)
    picture = overlay(display, lf.box(*yx), ef.heat if ef is not None else None)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="png")
    try:
        from pathlib import Path

        atomic_write_bytes(Path(path).expanduser(), buffer.getvalue())
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {write_error_reason(exc)}") from None
