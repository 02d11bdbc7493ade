"""The augmentations a run may use: their names, parameters, what each does and where it breaks labels.

No torch here: the settings panel and :mod:`core.setup.config` read this catalogue before torch has loaded. The
batched tensor operations are in :mod:`core.data.augment`.

A run's augmentations are one text, as on the command line: ``--augment hflip,crop=4,rotate=15`` —
comma-separated names, each with an optional ``=value`` (its parameter; the default where left out).
:func:`normalise` turns any such text into its canonical form (catalogue order, every value written out),
which is what ``TrainConfig.augment`` and the run's ``config.json`` hold: ``"hflip=0.5,crop=4"``.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from convscope.core.data.datasets import CIFAR10_CLASSES, CLOTHES, DIGITS, DatasetInfo


class AugmentError(ValueError):
    """An augmentation list that cannot be used; the message says which part and what to write instead."""


@dataclass(frozen=True)
class Augmentation:
    name: str  # the CLI name
    label: str  # the window's checkbox text
    param: str  # what the parameter is, in words
    integer: bool  # a whole-number parameter (pixels) or a fraction / angle
    default: float
    low: float  # the parameter's range, both ends allowed
    high: float
    unit: str  # shown after the parameter: "px", "°", "" (a probability)
    does: str  # what it does, for a student
    # Where it is safe and where it breaks labels, per kind of dataset ("digits", "clothes", "photos").
    safety: dict
    breaks: tuple[str, ...] = ()  # kinds of dataset whose labels it can make wrong (a run warning)

    def check(self, value, shown: str | None = None) -> float:
        """``value`` if it is in range, else :class:`AugmentError` naming the range (and ``shown``, the
        value as it was written)."""
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and self.low <= value <= self.high and (not self.integer or float(value).is_integer()))
        if not ok:
            kind = "a whole number" if self.integer else "a number"
            raise AugmentError(f"{self.name}: the {self.param} must be {kind} from {_fmt(self.low)} to "
                               f"{_fmt(self.high)}{self.unit and ' ' + self.unit}, got {shown or repr(value)} "
                               f"(e.g. {self.name}={_fmt(self.default)}).")
        return int(value) if self.integer else float(value)


def _fmt(value: float) -> str:
    return f"{value:g}"


CATALOGUE: tuple[Augmentation, ...] = (
    Augmentation(
        "hflip", "Horizontal flip", "probability", False, 0.5, 0.01, 1.0, "",
        "mirrors an image left to right, with this probability",
        {"digits": "breaks digits: a mirrored 2, 3, 4, 5 or 7 is no digit at all",
         "clothes": "safe: a mirrored shirt, shoe or bag is still one",
         "photos": "safe, and the classic one for CIFAR-10: a mirrored cat is still a cat"},
        breaks=("digits",)),
    Augmentation(
        "vflip", "Vertical flip", "probability", False, 0.5, 0.01, 1.0, "",
        "turns an image upside down, with this probability",
        {"digits": "breaks labels: an upside-down 6 is a 9 and a 9 a 6 (and 2, 4, 7 become no digit)",
         "clothes": "labels stay right (an upside-down shirt, dress, bag or pair of trousers is still one), "
                    "but shoes and boots upside down never occur in the test set",
         "photos": "labels stay right, but upside-down planes, cars and ships are rare in the test set: "
                   "it usually costs accuracy"},
        breaks=("digits",)),
    Augmentation(
        "rotate", "Rotate", "largest angle", False, 15.0, 0.5, 180.0, "°",
        "turns each image by a random angle of up to ± this many degrees (corners filled with black)",
        {"digits": "safe for small angles (±15°); beyond ±90° a 6 turns into a 9",
         "clothes": "safe for small angles",
         "photos": "safe for small angles (±15°)"},
        breaks=()),
    Augmentation(
        "rot90", "Rotate by 90°", "probability", False, 0.5, 0.01, 1.0, "",
        "with this probability turns an image by 90°, 180° or 270° (one of the three at random)",
        {"digits": "breaks labels: turned by 180° a 6 is a 9 and a 9 a 6; turned by 90° digits lie on their side",
         "clothes": "labels stay right but the test set has no sideways or upside-down clothes",
         "photos": "labels stay right, but sideways photos do not occur in the test set"},
        breaks=("digits",)),
    Augmentation(
        "crop", "Pad and crop", "padding", True, 4, 1, 8, "px",
        "pads each image with this many black pixels on every side, then crops a random window of the "
        "original size (the course notes' crop: the image moves by up to this many pixels)",
        {"digits": "safe for a few pixels (MNIST's digits sit in the middle 20 px)",
         "clothes": "safe for a few pixels",
         "photos": "safe, and the classic one for CIFAR-10 (pad 4)"},
        breaks=()),
    Augmentation(
        "translate", "Random shift", "largest shift", True, 2, 1, 8, "px",
        "moves each image by up to this many pixels in x and y, filling the edge with black (the old "
        "--shift N)",
        {"digits": "safe for a few pixels (MNIST's digits sit in the middle 20 px)",
         "clothes": "safe for a few pixels",
         "photos": "safe for a few pixels"},
        breaks=()),
)
BY_NAME: dict[str, Augmentation] = {a.name: a for a in CATALOGUE}
NAMES: tuple[str, ...] = tuple(BY_NAME)
KIND_NAMES = {"digits": "handwritten digits (MNIST)", "clothes": "clothes (Fashion-MNIST)",
              "photos": "photos (CIFAR-10)"}


# ------------------------------------------------------------------------------------------ parsing
def parse(text) -> dict[str, float]:
    """``"hflip,crop=4"`` → ``{"hflip": 0.5, "crop": 4}`` in catalogue order; :class:`AugmentError` with a
    clear message for anything else. ``""``, ``"none"`` and None mean no augmentation. A list of such
    parts (``["hflip", "crop=4"]``, from a hand-written config) is read the same way."""
    if text is None:
        return {}
    if isinstance(text, (list, tuple)) and all(isinstance(t, str) for t in text):
        text = ",".join(text)
    if not isinstance(text, str):
        raise AugmentError(f"augmentations must be a comma-separated list like 'hflip,crop=4', got {text!r}.")
    found: dict[str, float] = {}
    stripped = text.strip()
    if stripped.lower() in ("", "none"):
        return {}
    for part in stripped.split(","):
        part = part.strip()
        if not part:
            raise AugmentError(f"augmentation list {text!r} has an empty entry; separate names with single "
                               f"commas, e.g. 'hflip,crop=4'.")
        name, has_value, raw = (s.strip() for s in part.partition("="))
        name = name.lower()
        aug = BY_NAME.get(name)
        if aug is None:
            close = difflib.get_close_matches(name, NAMES, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise AugmentError(f"unknown augmentation {name!r}; choose from {', '.join(NAMES)}.{hint}")
        if name in found:
            raise AugmentError(f"augmentation '{name}' is given twice in {text!r}; give it once.")
        if has_value:
            try:
                value = float(raw)
            except ValueError:
                raise AugmentError(f"{name}: {raw!r} is not a number (e.g. {name}={_fmt(aug.default)}).") from None
        else:
            value = aug.default
        found[name] = aug.check(value, raw if has_value else None)
    return {name: found[name] for name in NAMES if name in found}


def format_spec(values: dict) -> str:
    """The canonical text of ``{"hflip": 0.5, "crop": 4}``: ``"hflip=0.5,crop=4"`` (catalogue order)."""
    return ",".join(f"{name}={_fmt(values[name])}" for name in NAMES if name in values)


def normalise(text) -> str:
    """Any accepted augmentation text in its canonical form (see the module's docstring)."""
    return format_spec(parse(text))


def with_shift(text: str, shift) -> str:
    """``text`` with the old ``shift`` setting folded in as ``translate``; the canonical form."""
    values = parse(text)
    if shift:
        if "translate" in values and values["translate"] != shift:
            raise AugmentError(f"the random shift is given twice: shift={shift} and translate="
                               f"{_fmt(values['translate'])}; --shift N is another name for translate=N, "
                               f"give one of them.")
        values["translate"] = BY_NAME["translate"].check(shift)
    return format_spec(values)


# ------------------------------------------------------------------------------------------- labels
def dataset_kind(info: DatasetInfo | None) -> str | None:
    """"digits", "clothes", "photos" for the datasets this catalogue knows, None for your own images."""
    if info is None:
        return None
    return {DIGITS: "digits", CLOTHES: "clothes", CIFAR10_CLASSES: "photos"}.get(tuple(info.classes))


def breaks_labels(name: str, value: float, kind: str | None) -> bool:
    """Whether augmentation ``name`` with ``value`` can make labels of a dataset of ``kind`` wrong."""
    if kind is None:
        return False
    if name == "rotate":  # small rotations are safe; past ±90° a 6 becomes a 9
        return kind == "digits" and value > 90
    return kind in BY_NAME[name].breaks


def label_warnings(text, info: DatasetInfo | None, run: bool = True) -> list[str]:
    """The run warning for the augmentations of ``text`` that make labels of ``info``'s images wrong:
    one message (a list of one), or an empty list when all are safe there. ``run=False``: the same said
    before a run (the settings panel)."""
    kind = dataset_kind(info)
    values = parse(text)
    bad = [name for name, value in values.items() if breaks_labels(name, value, kind)]
    if not bad:
        return []
    reasons = "; ".join(f"{name}: {_reason(name, kind)}" for name in bad)
    return [f"augmentation that breaks labels on {info.display_name}: {reasons}. The network learns from "
            f"wrong labels; leave {' and '.join(bad)} out for these images.{' Training goes on.' if run else ''}"]


def _reason(name: str, kind: str) -> str:
    if name == "rotate":
        return "rotations beyond ±90° turn a 6 into a 9"
    return BY_NAME[name].safety[kind].removeprefix("breaks labels: ").removeprefix("breaks digits: ")


def describe(name: str) -> str:
    """A tooltip: what the augmentation does, then where it is safe and where it breaks labels."""
    aug = BY_NAME[name]
    where = "; ".join(f"{KIND_NAMES[kind]}: {text}" for kind, text in aug.safety.items())
    return (f"{aug.label} ({aug.name}): {aug.does}. Applied to the training batches only, never to the test "
            f"images. {where}.")
