"""Checking a run folder against a lesson's checks (``core.setup.lesson_packs``): does the run show what the
lesson says it shows?

Most quantities come from the run's ``metrics.jsonl`` (one record per epoch) and ``status.json``, read
within the bounds of :mod:`core.base.safe_read`; nothing is trained. ``at`` picks the record: ``final``
(the last epoch), ``best`` (the epoch of the best test accuracy) or an epoch number.

* ``test_accuracy``, ``train_accuracy``, ``test_loss``, ``train_loss`` — that epoch's figure;
* ``best_test_accuracy`` — the best test accuracy up to that epoch;
* ``accuracy_gap`` — training minus test accuracy at that epoch (overfitting shows as a large gap);
* ``epochs_to`` — the first epoch (up to that one) whose test accuracy reaches ``target``; None: never;
* ``status`` — how the run ended (completed, stopped, diverged, failed);
* ``layer.grad_norm``, ``layer.act_mean``, ``layer.act_std``, ``layer.dead`` — the layer-health figures
  (``core.insight.health``) of the named layer, measured on the run's saved weights with a fixed batch of
  its first 32 training images (the gradient: of the loss on that batch, the model in eval mode);
* ``layer.r90``, ``layer.r90_change``, ``layer.r90_of_half_field`` — the effective receptive field's r90 of the
  named probe layer's centre unit as the run's snapshots recorded it while it trained (``core.runs.recorder``):
  the last recorded value (input pixels), the last minus the first, and the last ÷ half the side of the
  layer's theoretical field (below 1: nine tenths of the field's weight within half the box's size);
* ``params`` — the network's learned parameters (``count_params``), and ``layer.field`` — the number of
  input pixels (height × width, unclipped) in the theoretical receptive field of the named layer
  (``core.insight.receptive_field``): both from the network the run's settings build, on the 'meta'
  device (its shape only: no weights or images are read, so a run kept in memory has them too).

A check with ``compare = "pair"`` measures this run's value minus that of the paired lesson's run (given
as ``pair_run``); without that run it is not measured (``passed`` None) and does not count as a failure.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from convscope.core.base.safe_read import JSON_LIMIT, FileRefused, loads_strict, read_bounded
from convscope.core.runs.checkpoints import CONFIG, STATUS, CheckpointError, read_metrics, run_format
from convscope.core.setup.lesson_packs import NETWORK_QUANTITIES, RADIUS_QUANTITIES, Check, Lesson

FIELDS = {"test_accuracy": "test_acc", "train_accuracy": "train_acc", "test_loss": "test_loss",
          "train_loss": "train_loss"}
HEALTH_BATCH = 32


class CheckError(ValueError):
    """A run folder that cannot be checked (not a run, unreadable); the message says which and why."""


@dataclass
class CheckResult:
    check: Check
    value: float | str | None  # None: not measured (see ``note``)
    passed: bool | None  # None: not measured (the paired run is missing)
    note: str = ""  # why there is no value, in words

    def to_json(self) -> dict:
        c = self.check
        return {"what": c.what, "at": c.at, "expected": c.expected(), "value": _plain(self.value),
                "passed": self.passed, "say": c.say, "say_zh": c.say_zh, "note": self.note,
                **{k: v for k, v in (("layer", c.layer), ("target", c.target), ("compare", c.compare))
                   if v is not None}}


@dataclass
class LessonResult:
    lesson: Lesson
    run_dir: str
    results: list[CheckResult] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)  # settings of the run that differ from the lesson's

    @property
    def passed(self) -> bool:
        """No check failed (checks that could not be measured for want of the paired run do not count)."""
        return all(r.passed is not False for r in self.results)

    def to_json(self) -> dict:
        return {"lesson": self.lesson.id, "run": self.run_dir, "passed": self.passed,
                "checks": [r.to_json() for r in self.results], "differences": list(self.differences)}


def _plain(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class RunRecord:
    """What a check reads of a run folder."""

    path: Path | None  # None: a run kept in memory only
    config: dict
    metrics: list[dict]
    status: str

    def epochs(self) -> list[dict]:
        """One record per epoch (a resumed run's repeated epoch counts once: the last record wins)."""
        by_epoch: dict[int, dict] = {}
        for i, rec in enumerate(self.metrics, 1):
            epoch = rec.get("epoch", i)
            if isinstance(epoch, int) and not isinstance(epoch, bool) and epoch >= 1:
                by_epoch[epoch] = rec
        return [by_epoch[e] for e in sorted(by_epoch)]


def read_run(run_dir: str | os.PathLike) -> RunRecord:
    from convscope.core.runs.bundle import BundleError, run_folder

    try:
        path = run_folder(run_dir)  # a run as one file: checked as the folder it holds
    except BundleError as exc:
        raise CheckError(str(exc)) from None
    if not (path / CONFIG).is_file():
        raise CheckError(f"{run_dir} is not a run folder (it holds no {CONFIG}); give a folder written by "
                         f"'train --out' or by the window.")
    try:
        run_format(path)
        config = _json(path / CONFIG)
        metrics = read_metrics(path)
        status = str(_json(path / STATUS).get("status", "unknown")) if (path / STATUS).exists() else "unknown"
    except (CheckpointError, OSError, ValueError, RecursionError, FileRefused) as exc:
        raise CheckError(f"cannot read the run in {run_dir}: {exc}") from None
    return RunRecord(path, config, metrics, status)


def _json(path: Path) -> dict:
    value = loads_strict(read_bounded(path, JSON_LIMIT).decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError(f"{path.name} holds no JSON object")
    return value


def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def measure(check: Check, run: RunRecord, health: dict | None = None,
            network: dict | None = None) -> tuple[float | str | None, str]:
    """The value of ``check``'s quantity in ``run`` and, when there is none, why (in words); ``network``:
    :func:`network_figures` of the run, for the quantities measured on its network."""
    if check.what == "status":
        return run.status, ""
    if check.what in NETWORK_QUANTITIES:
        if network is None:
            return None, "the run's network not measured"
        if check.what == "params":
            return network["params"], ""
        field = network["fields"].get(check.layer)
        return (field, "") if field is not None else (None, f"the network has no layer {check.layer!r} with a "
                                                            f"receptive field (a spatial output)")
    if check.what in RADIUS_QUANTITIES:
        return recorded_radius(check, run, network)
    if check.what.startswith("layer."):
        if health is None:
            return None, "layer health not measured"
        metric = check.what.split(".", 1)[1]
        if check.layer not in health.get("layers", ()):
            return None, f"the network has no layer {check.layer!r} followed by layer health"
        value = health[metric][health["layers"].index(check.layer)]
        return (None, "not defined for this layer") if not math.isfinite(value) else float(value), ""
    records = run.epochs()
    if not records:
        return None, "the run finished no epoch"
    if check.at == "final":
        upto = records
    elif check.at == "best":
        accs = [(_number(r.get("test_acc")), i) for i, r in enumerate(records)]
        accs = [(a, i) for a, i in accs if a is not None and math.isfinite(a)]
        if not accs:
            return None, "the run has no test accuracy"
        upto = records[:max(accs)[1] + 1] if check.what != "epochs_to" else records
    else:
        upto = [r for r in records if r.get("epoch", 0) <= check.at]
        if not upto or upto[-1].get("epoch") != check.at:
            return None, f"the run has no epoch {check.at}"
    rec = upto[-1]
    if check.what in FIELDS:
        value = _number(rec.get(FIELDS[check.what]))
        return (value, "") if value is not None else (None, f"epoch {rec.get('epoch')} records no "
                                                            f"{FIELDS[check.what]}")
    if check.what == "accuracy_gap":
        train, test = _number(rec.get("train_acc")), _number(rec.get("test_acc"))
        return (train - test, "") if train is not None and test is not None else (None, "no accuracies")
    accs = [a for a in (_number(r.get("test_acc")) for r in upto) if a is not None and math.isfinite(a)]
    if check.what == "best_test_accuracy":
        return (max(accs), "") if accs else (None, "the run has no test accuracy")
    if check.what == "epochs_to":
        for r in upto:
            acc = _number(r.get("test_acc"))
            if acc is not None and acc >= check.target:
                return r.get("epoch"), ""
        return None, f"the test accuracy never reached {check.target:.0%}"
    return None, f"unknown quantity {check.what}"


def layer_health(run_dir: str | os.PathLike) -> dict:
    """The layer-health figures of a run's saved weights (see the module docstring): ``layers`` and
    one list of values per metric; raises ``CheckError`` when the run or its training images cannot be read."""
    import torch
    from torch.nn import functional as F

    from convscope.core.data import loading
    from convscope.core.data.datasets import DataError
    from convscope.core.insight.health import LayerHealth
    from convscope.core.runs.checkpoints import load_run

    try:
        run = load_run(run_dir, device="cpu")
    except CheckpointError as exc:
        raise CheckError(str(exc)) from None
    cfg = run.config
    try:
        images, labels = loading.load_split(cfg.dataset, "train", cfg.data_root, download=False, info=cfg.info)
    except DataError as exc:
        raise CheckError(f"the training images of {cfg.dataset} are not here for the layer health: {exc}") from None
    c, side, _ = cfg.input_size
    preprocess = loading.Preprocess(cfg.info, side, c)
    x = preprocess(torch.as_tensor(images[:HEALTH_BATCH]))
    y = torch.as_tensor(labels[:HEALTH_BATCH]).long()
    model = run.model.eval()
    health = LayerHealth(model)
    model.zero_grad(set_to_none=True)
    with torch.enable_grad():
        F.cross_entropy(model(x), y).backward()
    values = health.measure(x)
    model.zero_grad(set_to_none=True)
    return {"layers": [n for n, _ in health.layers], **{k: [float(v) for v in values[k]] for k in
                                                         ("grad_norm", "act_mean", "act_std", "dead")}}


def recorded_radius(check: Check, run: RunRecord, network: dict | None) -> tuple[float | None, str]:
    """A :data:`RADIUS_QUANTITIES` value of ``run`` (see the module docstring) and, without one, why."""
    from convscope.core.runs.replay import read_snapshots

    if run.path is None:
        return None, "the run was not saved: it recorded no receptive field"
    radii = [s.fields[check.layer][1] for s in read_snapshots(run.path) if check.layer in s.fields]
    if not radii:
        return None, f"the run recorded no receptive field of {check.layer}"
    if check.what == "layer.r90":
        return radii[-1], ""
    if check.what == "layer.r90_change":
        return (radii[-1] - radii[0], "") if len(radii) > 1 else (None, "the run recorded its field only once")
    side = (network or {}).get("sides", {}).get(check.layer)
    return (radii[-1] / (side / 2), "") if side else (None, f"{check.layer} has no theoretical field")


def network_figures(config: dict, layers: list[str]) -> dict:
    """``params`` and the ``fields`` (input pixels, height × width) of the named ``layers`` of the network
    that the run's settings ``config`` build, on the 'meta' device (see the module docstring); a layer
    the network lacks, or without a spatial output, has no field. ``CheckError`` when the settings cannot
    build a network."""
    from convscope.core.base.modeltools import count_params
    from convscope.core.insight.receptive_field import theoretical_fields
    from convscope.core.setup.build import meta_model
    from convscope.core.setup.config import ConfigError, TrainConfig

    if not isinstance(config, dict) or not config.get("arch"):
        raise CheckError("the run records no settings: its network cannot be measured.")
    try:
        cfg = TrainConfig.from_dict(config, check_device=False)
        model = meta_model(cfg)
    except (ConfigError, ValueError, TypeError, RuntimeError) as exc:
        raise CheckError(f"the run's settings do not build a network to measure: {exc}") from None
    names = dict(model.named_modules())
    fields = theoretical_fields(model, cfg.input_size, [n for n in dict.fromkeys(layers) if n in names])
    return {"params": int(count_params(model)),
            "fields": {n: f.size[0] * f.size[1] for n, f in fields.items()},
            "sides": {n: f.size[0] for n, f in fields.items()}}


def check_run(lesson: Lesson, run_dir: str | os.PathLike, pair_run: str | os.PathLike | None = None) -> LessonResult:
    """Every check of ``lesson`` on the run in ``run_dir`` (and on ``pair_run``, the paired lesson's run, for
    the checks that compare); ``CheckError`` when a run folder cannot be read."""
    return check_records(lesson, read_run(run_dir), read_run(pair_run) if pair_run else None)


def check_records(lesson: Lesson, run: RunRecord, pair: RunRecord | None = None) -> LessonResult:
    """:func:`check_run` on runs already read, or kept in memory (``path`` None: a run that was not saved,
    whose layer health cannot be measured)."""
    def on_weights(check: Check) -> bool:  # layer health: measured on the saved weights
        return check.what.startswith("layer.") and check.what not in (*NETWORK_QUANTITIES, *RADIUS_QUANTITIES)

    wants_health = any(on_weights(c) for c in lesson.checks)
    health = layer_health(run.path) if wants_health and run.path is not None else None
    pair_health = layer_health(pair.path) if pair is not None and pair.path is not None and any(
        on_weights(c) and c.compare for c in lesson.checks) else None
    on_network = [c for c in lesson.checks if c.what in NETWORK_QUANTITIES or c.what == "layer.r90_of_half_field"]
    layers = [c.layer for c in on_network if c.layer]
    network = network_figures(run.config, layers) if on_network else None
    pair_network = network_figures(pair.config, layers) if pair is not None and any(
        c.compare for c in on_network) else None
    result = LessonResult(lesson, str(run.path or ""), differences=differences(lesson.config, run.config))
    for check in lesson.checks:
        if on_weights(check) and run.path is None:
            result.results.append(CheckResult(check, None, None, "the run was not saved: its layers cannot be "
                                                                 "measured"))
            continue
        value, note = measure(check, run, health, network)
        if check.compare == "pair":
            if pair is None or (on_weights(check) and pair.path is None):
                result.results.append(CheckResult(check, value, None, f"needs the run of lesson {lesson.pair}"))
                continue
            other, other_note = measure(check, pair, pair_health, pair_network)
            if value is None or other is None:
                note = note or f"the run of lesson {lesson.pair}: {other_note}"
                value = None
            else:
                value = value - other
        result.results.append(CheckResult(check, value, check.holds(value), note))
    return result


def differences(lesson_config: dict, run_config: dict) -> list[str]:
    """The lesson's settings that the run did not train with ("lr: 1.0 in the lesson, 0.1 in the run");
    a full dataset swapped for its offline sample is not a difference."""
    from convscope.core.data.datasets import sample_of

    out = []
    for key, want in lesson_config.items():
        got = run_config.get(key)
        if key == "dataset" and got == sample_of(want):
            continue
        if got != want and not (_number(got) is not None and _number(want) is not None
                                and math.isclose(_number(got), _number(want))):
            out.append(f"{key}: {want!r} in the lesson, {got!r} in the run")
    return out
