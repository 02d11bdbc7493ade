"""``convscope examples``: which examples a run learned, when, and which it forgot (its ``examples.bin``).

``--json`` prints ``{"split", "epochs", "examples": [{"index", "label", "first_learned", "forgotten", "history",
"last_loss"}…], "summary": {"never_learned", "forgotten_once", "unforgettable"}}``: every example of the split
(in the order ``--sort`` asks for) unless ``--top N``; ``history[e]`` is 1 when the example was right in epoch
e + 1 (the test split: at that epoch's evaluation), 0 when wrong, null when it was not seen that epoch;
``first_learned`` the first such epoch (1-based, null if never). Test examples add ``confidence`` (at the last
evaluation); their ``last_loss`` is null. ``--png PATH`` writes a gallery of the examples listed (the first 32
when there is no ``--top``).
"""
from __future__ import annotations

from pathlib import Path

from .common import EXIT_OK, BadInput, emit, open_run, positive_int, printable

NAME = "examples"
GALLERY_DEFAULT = 32


def add_parser(sub) -> None:
    from convscope.core.insight.examples import SORTS, SPLITS

    p = sub.add_parser(NAME, help="which examples a run learned, when, and which it forgot",
                       description="Per example of a run's training or test split: the epoch it was first "
                       "learned, how often it was forgotten (right, then wrong), its history and its last loss.")
    p.add_argument("--checkpoint", required=True, help="run directory written by 'train --out' or the window")
    p.add_argument("--split", choices=SPLITS, default="train", help="the training images (each right or wrong at "
                   "every epoch) or the test images (at every epoch's evaluation); default train")
    p.add_argument("--sort", choices=SORTS, help="most forgotten first, never learned first, or learned "
                   "last first (default: by index)")
    p.add_argument("--top", type=positive_int, help="only the first N examples of that order")
    p.add_argument("--png", metavar="PATH", help="also write a gallery of these examples as a PNG")
    p.add_argument("--json", action="store_true", help="print the record as one JSON line on stdout")


def run(args) -> int:
    from convscope.core.insight.examples import dynamics
    from convscope.core.runs.examples import ExamplesDamaged, read_record

    png = Path(args.png).expanduser() if args.png else None
    if png is not None:
        _check_png(png)
    loaded = open_run(args.checkpoint)
    try:
        record = read_record(loaded.dir)
    except ExamplesDamaged as exc:
        raise BadInput(str(exc)) from None
    if record is None:
        raise BadInput(f"the run in {loaded.dir} has no example record (examples.bin): it was trained by an "
                       f"earlier ConvScope or without one. Train a new run to record its examples.")
    d = dynamics(record, args.split)
    order = d.order(args.sort)
    if args.top is not None:
        order = order[: args.top]
    entries = [d.entry(int(i)) for i in order]
    summary = d.summary()
    payload = {"split": args.split, "epochs": d.epochs, "examples": entries, "summary": summary}
    if png is not None:
        payload["png"] = str(png)
        _write_gallery(png, loaded.config, record, d, order[: args.top or GALLERY_DEFAULT], args.sort)
    emit(args, payload, _human(d, entries, summary, png))
    return EXIT_OK


def _human(d, entries: list[dict], summary: dict, png: Path | None) -> str:
    n = len(d.labels)
    lines = [f"{d.split} split, {n:,} examples, {d.epochs} epoch(s): never learned {summary['never_learned']:,}, "
             f"forgotten at least once {summary['forgotten_once']:,}, learned and never forgotten "
             f"{summary['unforgettable']:,}"]
    shown = entries[:50]
    if shown:
        lines.append(f"{'index':>7} {'label':>5} {'first':>5} {'forgot':>6}  history (# right, . wrong, space unseen)")
    for e in shown:
        strip = "".join(" " if v is None else "#" if v else "." for v in e["history"])
        lines.append(f"{e['index']:>7} {e['label']:>5} {e['first_learned'] or '-':>5} {e['forgotten']:>6}  {strip}")
    if len(entries) > len(shown):
        lines.append(f"… {len(entries) - len(shown):,} more (use --top or --json)")
    if png is not None:
        lines.append(f"gallery: {printable(png)}")
    return "\n".join(lines)


def _check_png(png: Path) -> None:
    from convscope.core.runs.export import ExportError, _check_output

    try:
        _check_output(png, "png", overwrite=True)
    except ExportError as exc:
        raise BadInput(str(exc).replace("--output", "--png")) from None


def _write_gallery(png: Path, config, record, d, indices, sort) -> None:
    from convscope.core.data.datasets import DataError
    from convscope.core.insight.examples import split_images
    from convscope.core.insight.examples_gallery import gallery_png
    from convscope.core.runs.export import ExportError, _write

    try:
        images, _labels = split_images(config, d.split, record)
    except DataError as exc:
        raise BadInput(f"no gallery: {exc}") from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise BadInput("the gallery needs matplotlib: pip install matplotlib (or leave out --png).") from None
    data = gallery_png(d, indices, images, list(config.info.classes), sort)
    try:
        _write(png, data)
    except ExportError as exc:
        raise BadInput(str(exc).replace("--output", "--png")) from None
