"""Lesson packs: lessons a teacher writes in a TOML file, and the lessons ConvScope ships, in one format.

A pack (read with the standard library's ``tomllib``; see the README for a complete example)::

    format = 1                       # the pack format; a newer one is refused with a message
    title = "My class"               # optional, shown above its lessons (title_zh: in Chinese)

    [[lesson]]
    id = "lr-too-large"              # letters, digits, - _ . (unique in the pack)
    title = "…"                      # and title_zh, text, text_zh, question, question_zh, chapter,
    text = "…"                       # chapter_zh, description, description_zh (only the English title,
    question = "…"                   # text and question are required)
    view = "lossPlot"                # the view to bring forward (see VIEWS)
    pair = "lr-small"                # optional: the lesson whose run this one is compared with
    [lesson.config]                  # the run's settings: exactly the keys a preset's config takes
    arch = "lenet"
    dataset = "mnist-sample"
    lr = 1.0
    [[lesson.prediction]]            # optional, two to eight: the choices the student picks from
    choice = "It stays at chance"    # (choice_zh), correct = true on the right ones (at least one)
    correct = true
    [[lesson.check]]                 # what the run must show: never evaluated as code
    what = "test_accuracy"           # a run quantity (see QUANTITIES)
    at = "final"                     # "final", "best" or an epoch number (default "final")
    max = 0.2                        # one of is / min / max (min and max may come together)
    say = "…"                        # the explanation (say_zh in Chinese)

A check on a layer-health metric names the layer (``layer = "features.1"``), and so does ``layer.field``
(the theoretical receptive field of any layer with a spatial output, e.g. an Inception block);
``epochs_to`` names its ``target`` accuracy; ``compare = "pair"`` measures this run's value minus that of
the paired lesson's run.

Reading a pack never runs anything from it and never raises anything but :class:`PackError`, whose
message names the file, the lesson and the key. Parsing imports no torch; validating each lesson's
settings (``validate=True``, the default) builds them as :class:`~convscope.core.setup.config.TrainConfig`
and so imports the model zoo.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from convscope.core.base import toml_text
from convscope.core.base.resources import resource_path
from convscope.core.base.safe_read import MIB, FileRefused, read_bounded

FORMAT = 1
MAX_BYTES = 1 * MIB  # a pack is text: the built-in one is about 40 KiB
MAX_LESSONS = 200
MAX_CHECKS = 40
MAX_TEXT = 20_000  # characters of one text
BUILTIN = "builtin"  # the name that stands for the pack ConvScope ships
BUILTIN_FILE = resource_path("lessons", "builtin.toml")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

# The views a lesson may bring forward: object names of the window's views.
VIEWS = ("lossPlot", "accuracyPlot", "featureMapView", "oneByOneView", "gapView", "layerHealthView",
         "modelSummaryView", "confusionView", "drawCanvas", "predictionView", "datasetBrowser", "raceView",
         "runsBrowser", "examplesView", "receptiveFieldPanel", "augmentPreview")
# The run quantities a check may name. Layer health is measured on the run's saved weights.
RUN_QUANTITIES = ("status", "test_accuracy", "train_accuracy", "test_loss", "train_loss", "best_test_accuracy",
                  "accuracy_gap", "epochs_to", "params")
# The effective receptive field's r90 of a probe layer's centre unit as the run's snapshots recorded it
# while it trained (its last value; its last minus its first; its last ÷ half the theoretical field's side).
RADIUS_QUANTITIES = ("layer.r90", "layer.r90_change", "layer.r90_of_half_field")
LAYER_QUANTITIES = ("layer.grad_norm", "layer.act_mean", "layer.act_std", "layer.dead", "layer.field",
                    *RADIUS_QUANTITIES)
QUANTITIES = RUN_QUANTITIES + LAYER_QUANTITIES
# Measured on the network the run's settings build (its shape: no weights, no images): the parameter count
# and the theoretical receptive field of a layer.
NETWORK_QUANTITIES = ("params", "layer.field")
# Measured at the end of the run only ("at" is "final").
END_QUANTITIES = ("status", *LAYER_QUANTITIES, *NETWORK_QUANTITIES)
STATUSES = ("completed", "stopped", "diverged", "failed")

PACK_KEYS = ("format", "title", "title_zh", "lesson")
TEXT_KEYS = ("title", "title_zh", "text", "text_zh", "question", "question_zh", "chapter", "chapter_zh",
             "description", "description_zh")
REQUIRED_TEXTS = ("title", "text", "question")
LESSON_KEYS = ("id", *TEXT_KEYS, "view", "pair", "config", "prediction", "check")
PREDICTION_KEYS = ("choice", "choice_zh", "correct")
CHECK_KEYS = ("what", "at", "is", "min", "max", "say", "say_zh", "layer", "target", "compare")
# A lesson's settings: what a preset's config takes (never a folder, a device or a recorded class list).
CONFIG_TYPES: dict[str, tuple] = {
    **{k: (str,) for k in ("arch", "dataset", "optimizer", "schedule", "augment", "form", "activation")},
    **{k: (int,) for k in ("epochs", "batch_size", "seed", "subset", "image_size")},
    **{k: (int, float) for k in ("lr", "momentum", "weight_decay", "label_smoothing", "width", "dropout")},
    **{k: (bool,) for k in ("batchnorm", "shortcut", "factorize", "amp", "channels_last", "compile")},
}
CONFIG_KEYS = tuple(CONFIG_TYPES)


class PackError(ValueError):
    """A pack that cannot be used: the message names the file, the lesson and the key."""

    def __init__(self, file: str, message: str, lesson: str | None = None, key: str | None = None):
        self.file, self.lesson, self.key, self.reason = file, lesson, key, message
        where = _line(file) + (f", lesson {lesson!r}" if lesson else "") + (f", key {_line(key)!r}" if key else "")
        super().__init__(f"{where}: {message}")


def _line(text: str) -> str:
    """``text`` on one line: a key or a file name with line breaks or control characters shown escaped."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


@dataclass(frozen=True)
class Prediction:
    choice: str
    choice_zh: str = ""
    correct: bool = False

    def to_json(self) -> dict:
        return {"choice": self.choice, "choice_zh": self.choice_zh, "correct": self.correct}


@dataclass(frozen=True)
class Check:
    what: str
    say: str
    at: str | int = "final"
    is_: str | float | None = None
    min: float | None = None
    max: float | None = None
    say_zh: str = ""
    layer: str | None = None
    target: float | None = None
    compare: str | None = None

    def expected(self) -> dict:
        """What the value must be: ``{"is": …}`` or ``{"min": …, "max": …}`` (the bounds given)."""
        if self.is_ is not None:
            return {"is": self.is_}
        return {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}

    def holds(self, value) -> bool:
        if value is None or isinstance(value, bool):
            return False
        if self.is_ is not None:
            return value == self.is_
        if isinstance(value, str) or not math.isfinite(value):
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def to_json(self) -> dict:
        out = {"what": self.what, "at": self.at, **self.expected(), "say": self.say, "say_zh": self.say_zh}
        out.update({k: v for k, v in (("layer", self.layer), ("target", self.target), ("compare", self.compare))
                    if v is not None})
        return out


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    text: str
    question: str
    view: str
    config: dict
    texts: dict = field(default_factory=dict)  # title_zh, chapter, description… ("" where not given)
    pair: str | None = None
    predictions: tuple[Prediction, ...] = ()
    checks: tuple[Check, ...] = ()
    pack: str = ""  # the pack's file

    def text_of(self, key: str) -> str:
        return {"title": self.title, "text": self.text, "question": self.question}.get(key) \
            or str(self.texts.get(key, ""))

    def lesson_part(self) -> dict:
        """The ``lesson`` part of the preset this lesson is (see ``core.setup.presets``)."""
        part = {"view": self.view, "text": self.text, "question": self.question, "pack": self.pack,
                "name_zh": self.texts.get("title_zh", ""), "checks": [c.to_json() for c in self.checks],
                "predictions": [p.to_json() for p in self.predictions]}
        for key in ("text_zh", "question_zh", "chapter", "chapter_zh", "description_zh"):
            part[key] = self.texts.get(key, "")
        if self.pair:
            part["pair"] = self.pair
        return part


@dataclass(frozen=True)
class Pack:
    path: str
    title: str
    title_zh: str
    lessons: tuple[Lesson, ...]

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise PackError(self.path, f"no lesson {lesson_id!r} in this pack; it has "
                                   f"{', '.join(le.id for le in self.lessons)}.", key="id")


# ---------------------------------------------------------------------------------------- reading
def read_pack(path: str | Path, validate: bool = True) -> Pack:
    """The pack in the file ``path`` (:data:`BUILTIN` names the shipped one); :class:`PackError` for
    anything wrong. ``validate``: build each lesson's settings too (imports the model zoo)."""
    path = BUILTIN_FILE if str(path) == BUILTIN else Path(path).expanduser()
    name = str(path)
    try:
        raw = read_bounded(path, MAX_BYTES)
    except FileNotFoundError:
        raise PackError(name, "no such file; give a lesson pack (.toml) or 'builtin'.") from None
    except FileRefused as exc:
        raise PackError(name, f"not read: it {exc} (a lesson pack is a text file of at most "
                              f"{MAX_BYTES // MIB} MB).") from None
    except OSError as exc:
        raise PackError(name, f"cannot be read: {exc.strerror or exc}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PackError(name, "is not UTF-8 text; save the pack as UTF-8.") from None
    return parse_pack(text, name, validate)


def parse_pack(text: str, name: str = "<pack>", validate: bool = True) -> Pack:
    """The pack in ``text`` (TOML); ``name`` is the file named in messages."""
    if len(text) > MAX_BYTES:
        raise PackError(name, f"is larger than {MAX_BYTES // MIB} MB; a lesson pack is a small text file.")
    try:
        data = toml_text.loads(text)
    except toml_text.TomlError as exc:
        raise PackError(name, f"{exc}.") from None
    return pack_from_data(data, name, validate)


def pack_from_data(data: dict, name: str = "<pack>", validate: bool = True) -> Pack:
    """A pack from its parsed TOML tables."""
    if not isinstance(data, dict):
        raise PackError(name, "holds no TOML tables.")
    version = data.get("format")
    if "format" not in data:
        raise PackError(name, f"says no pack format; start it with 'format = {FORMAT}'.", key="format")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PackError(name, f"the pack format must be a whole number ≥ 1, got {_show(version)}.", key="format")
    if version > FORMAT:
        raise PackError(name, f"was written for a newer ConvScope (pack format {version}; this version reads "
                              f"format {FORMAT}). Update ConvScope to open it.", key="format")
    _no_unknown(data, PACK_KEYS, name, None, "")
    title, title_zh = (_text(data, k, name, None, required=False) for k in ("title", "title_zh"))
    raw_lessons = data.get("lesson")
    if not isinstance(raw_lessons, list) or not raw_lessons:
        raise PackError(name, "has no lessons: add one or more [[lesson]] tables.", key="lesson")
    if len(raw_lessons) > MAX_LESSONS:
        raise PackError(name, f"has {len(raw_lessons)} lessons; a pack holds at most {MAX_LESSONS}.",
                        key="lesson")
    lessons: list[Lesson] = []
    for i, entry in enumerate(raw_lessons, 1):
        lessons.append(_lesson(entry, i, name, validate))
    ids = [le.id for le in lessons]
    for lesson in lessons:
        if ids.count(lesson.id) > 1:
            raise PackError(name, "two lessons have this id; give each its own.", lesson.id, "id")
        if lesson.pair is not None and (lesson.pair not in ids or lesson.pair == lesson.id):
            raise PackError(name, f"pairs with {lesson.pair!r}, which is no other lesson of this pack.",
                            lesson.id, "pair")
    return Pack(name, title, title_zh, tuple(lessons))


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _no_unknown(table: dict, allowed: tuple, name: str, lesson: str | None, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise PackError(name, f"unknown key; a {prefix or 'pack'} takes {', '.join(allowed)}.", lesson,
                            f"{prefix + '.' if prefix else ''}{key}")


def _text(table: dict, key: str, name: str, lesson: str | None, required: bool, where: str = "") -> str:
    full = f"{where}.{key}" if where else key
    if key not in table:
        if required:
            raise PackError(name, "is required (text).", lesson, full)
        return ""
    value = table[key]
    if not isinstance(value, str):
        raise PackError(name, f"must be text, got {_show(value)}.", lesson, full)
    if len(value) > MAX_TEXT:
        raise PackError(name, f"is longer than {MAX_TEXT} characters.", lesson, full)
    if required and not value.strip():
        raise PackError(name, "must not be empty.", lesson, full)
    return value


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _lesson(entry, index: int, name: str, validate: bool) -> Lesson:
    if not isinstance(entry, dict):
        raise PackError(name, f"lesson {index} is not a table; write it as [[lesson]].", key="lesson")
    raw_id = entry.get("id")
    if not isinstance(raw_id, str) or not ID_PATTERN.fullmatch(raw_id):
        raise PackError(name, f"lesson {index} needs an id of letters, digits, '-', '_' or '.' (at most 64, "
                              f"starting with a letter or digit), got {_show(raw_id)}.", key="id")
    lid = raw_id
    _no_unknown(entry, LESSON_KEYS, name, lid, "lesson")
    texts = {k: _text(entry, k, name, lid, required=k in REQUIRED_TEXTS) for k in TEXT_KEYS}
    view = entry.get("view")
    if view not in VIEWS:
        raise PackError(name, f"unknown view {_show(view)}; choose one of {', '.join(VIEWS)}.", lid, "view")
    pair = entry.get("pair")
    if pair is not None and not isinstance(pair, str):
        raise PackError(name, f"must be the id of another lesson, got {_show(pair)}.", lid, "pair")
    config = _config(entry.get("config"), name, lid, validate)
    predictions = _predictions(entry.get("prediction", []), name, lid)
    checks = tuple(_checks(entry.get("check", []), name, lid, config, pair, validate))
    return Lesson(lid, texts["title"], texts["text"], texts["question"], view, config,
                  {k: v for k, v in texts.items() if k not in REQUIRED_TEXTS}, pair, predictions, checks, name)


def _config(raw, name: str, lid: str, validate: bool) -> dict:
    if not isinstance(raw, dict):
        raise PackError(name, "needs the run's settings as a [lesson.config] table.", lid, "config")
    for key, value in raw.items():
        if key not in CONFIG_TYPES:
            raise PackError(name, f"unknown setting; a lesson's config takes {', '.join(CONFIG_KEYS)}.", lid,
                            f"config.{key}")
        types = CONFIG_TYPES[key]
        ok = isinstance(value, types) and (bool in types or not isinstance(value, bool))
        if ok and isinstance(value, float) and not math.isfinite(value):
            ok = False
        if not ok:
            kind = "a number" if float in types else {str: "text", int: "a whole number"}.get(types[0],
                                                                                               "true or false")
            raise PackError(name, f"must be {kind}, got {_show(value)}.", lid, f"config.{key}")
    for key in ("arch", "dataset"):
        if key not in raw:
            raise PackError(name, "is required: a lesson names its network and its dataset.", lid, f"config.{key}")
    if raw["dataset"] == "imagefolder":
        raise PackError(name, "a lesson trains on a named dataset, not on a folder of the student's images.",
                        lid, "config.dataset")
    config = dict(raw)
    if validate:
        problem = config_problem(config)
        if problem:
            key, message = problem
            raise PackError(name, message, lid, f"config.{key}" if key else "config")
    return config


def config_problem(config: dict) -> tuple[str, str] | None:
    """Why ``config`` cannot train (the key to blame, or "" for the combination, and the message), as
    ``make_config`` sees it (an architecture's defaults, then the lesson's settings); None when it can."""
    from convscope.core.setup.config import ConfigError, make_config

    def problem(values: dict) -> str:
        rest = {k: v for k, v in values.items() if k not in ("arch", "dataset")}
        try:
            make_config(values.get("arch", "lenet"), values.get("dataset", "mnist-sample"), **rest)
        except (ConfigError, ValueError, TypeError) as exc:
            return str(exc)
        return ""

    message = problem(config)
    if not message:
        return None
    for key in ("arch", "dataset"):
        if problem({key: config[key]}):
            return key, problem({key: config[key]})
    base = {"arch": config["arch"], "dataset": config["dataset"]}
    for key in config:
        if key not in base and problem({**base, key: config[key]}):
            return key, message
    return "", message


def _predictions(raw, name: str, lid: str) -> tuple[Prediction, ...]:
    if not isinstance(raw, list) or any(not isinstance(p, dict) for p in raw):
        raise PackError(name, "write the choices as [[lesson.prediction]] tables.", lid, "prediction")
    if not raw:
        return ()
    if not 2 <= len(raw) <= 8:
        raise PackError(name, f"a prediction offers two to eight choices, got {len(raw)}.", lid, "prediction")
    out = []
    for p in raw:
        _no_unknown(p, PREDICTION_KEYS, name, lid, "prediction")
        correct = p.get("correct", False)
        if not isinstance(correct, bool):
            raise PackError(name, f"must be true or false, got {_show(correct)}.", lid, "prediction.correct")
        out.append(Prediction(_text(p, "choice", name, lid, True, "prediction"),
                              _text(p, "choice_zh", name, lid, False, "prediction"), correct))
    if not any(p.correct for p in out):
        raise PackError(name, "mark the right choice (or choices) with correct = true.", lid, "prediction.correct")
    return tuple(out)


def _checks(raw, name: str, lid: str, config: dict, pair: str | None, validate: bool):
    if not isinstance(raw, list) or any(not isinstance(c, dict) for c in raw):
        raise PackError(name, "write the checks as [[lesson.check]] tables.", lid, "check")
    if len(raw) > MAX_CHECKS:
        raise PackError(name, f"a lesson has at most {MAX_CHECKS} checks, got {len(raw)}.", lid, "check")
    epochs = config.get("epochs")
    for c in raw:
        _no_unknown(c, CHECK_KEYS, name, lid, "check")
        what = c.get("what")
        if what not in QUANTITIES:
            raise PackError(name, f"no run quantity {_show(what)}; a check measures one of "
                                  f"{', '.join(QUANTITIES)}.", lid, "check.what")
        at = c.get("at", "final")
        if not (at in ("final", "best") or (isinstance(at, int) and not isinstance(at, bool) and at >= 1)):
            raise PackError(name, f"must be \"final\", \"best\" or an epoch number ≥ 1, got {_show(at)}.", lid,
                            "check.at")
        if isinstance(at, int) and isinstance(epochs, int) and at > epochs:
            raise PackError(name, f"epoch {at} is after the lesson's last ({epochs}).", lid, "check.at")
        if what in END_QUANTITIES and at != "final":
            raise PackError(name, f"{what} is measured at the end of the run: leave 'at' out or write \"final\".",
                            lid, "check.at")
        has = [k for k in ("is", "min", "max") if k in c]
        if not has or ("is" in has and len(has) > 1):
            raise PackError(name, "give the expected value as one of is, min or max (min and max may come "
                                  "together).", lid, "check.is")
        for key in ("min", "max"):
            if key in c and (what == "status" or not _number(c[key])):
                raise PackError(name, f"must be a number{' (status takes is)' if what == 'status' else ''}, got "
                                      f"{_show(c[key])}.", lid, f"check.{key}")
        if "min" in c and "max" in c and c["min"] > c["max"]:
            raise PackError(name, "min is larger than max: no value can pass.", lid, "check.min")
        expected = c.get("is")
        if "is" in c and what == "status" and expected not in STATUSES:
            raise PackError(name, f"a run's status is one of {', '.join(STATUSES)}, got {_show(expected)}.", lid,
                            "check.is")
        if "is" in c and what != "status" and not _number(expected):
            raise PackError(name, f"must be a number, got {_show(expected)}.", lid, "check.is")
        layer = c.get("layer")
        if what.startswith("layer.") != (layer is not None):
            raise PackError(name, "a layer check (layer health, layer.field) names its layer "
                                  "(layer = \"features.0\"); no other check takes one.", lid, "check.layer")
        if layer is not None and (not isinstance(layer, str) or not layer or len(layer) > 200):
            raise PackError(name, f"must be a layer's name, got {_show(layer)}.", lid, "check.layer")
        if layer is not None and validate:
            _check_layer(config, layer, name, lid, leaves=what != "layer.field")
            if what in RADIUS_QUANTITIES:
                _check_probe_layer(config, layer, name, lid)
        target = c.get("target")
        if (what == "epochs_to") != (target is not None):
            raise PackError(name, "epochs_to takes the accuracy to reach (target = 0.9); no other check takes "
                                  "one.", lid, "check.target")
        if target is not None and not (_number(target) and 0 < target <= 1):
            raise PackError(name, f"must be an accuracy in (0, 1], got {_show(target)}.", lid, "check.target")
        compare = c.get("compare")
        if compare is not None and (compare != "pair" or what == "status" or pair is None):
            raise PackError(name, "compare = \"pair\" measures this run minus the paired lesson's run: the "
                                  "lesson needs a pair, and the quantity a number.", lid, "check.compare")
        yield Check(what, _text(c, "say", name, lid, True, "check"), at, expected,
                    c.get("min"), c.get("max"), _text(c, "say_zh", name, lid, False, "check"), layer, target,
                    compare)


def _check_layer(config: dict, layer: str, name: str, lid: str, leaves: bool = True) -> None:
    """A layer check names a layer of the lesson's network: a module of it without children for the
    layer health (``leaves``), any module for the receptive field (an Inception block, a Sequential)."""
    from convscope.core.setup.build import meta_model
    from convscope.core.setup.config import make_config

    rest = {k: v for k, v in config.items() if k not in ("arch", "dataset")}
    try:
        model = meta_model(make_config(config["arch"], config["dataset"], **rest))
    except (ValueError, TypeError, RuntimeError) as exc:  # a network torch cannot lay out
        raise PackError(name, f"its network cannot be built: {exc}", lid, "config") from None
    names = [n for n, m in model.named_modules() if n and not (leaves and any(True for _ in m.children()))]
    if layer not in names:
        raise PackError(name, f"{config['arch']} has no layer {layer!r}; its layers are "
                              f"{', '.join(names[:40])}{' …' if len(names) > 40 else ''}.", lid, "check.layer")


def _check_probe_layer(config: dict, layer: str, name: str, lid: str) -> None:
    """The recorded radii are those of the architecture's probe layers."""
    from convscope.core.models import get_spec

    probes = get_spec(config["arch"]).probe_modules
    if layer not in probes:
        raise PackError(name, f"the runs of {config['arch']} record the effective field of its probe layers "
                              f"only: {', '.join(probes)}.", lid, "check.layer")


# ------------------------------------------------------------------------------------- PACK[:ID]
def split_spec(spec: str) -> tuple[str, str | None]:
    """``PACK[:ID]`` as (pack, lesson id or None): a file that exists (or ``builtin``) is the whole
    pack; else the part after the last ':' is the lesson's id."""
    if spec == BUILTIN or Path(spec).expanduser().exists() or ":" not in spec:
        return spec, None
    pack, lesson_id = spec.rsplit(":", 1)
    return pack, lesson_id or None


def read_lesson(spec: str, validate: bool = True) -> tuple[Pack, Lesson | None]:
    """The pack of ``PACK[:ID]`` and its lesson ``ID`` (None when the spec names none)."""
    path, lesson_id = split_spec(spec)
    pack = read_pack(path, validate)
    return pack, pack.lesson(lesson_id) if lesson_id else None
