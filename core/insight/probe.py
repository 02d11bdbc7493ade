"""Looking inside a network while it trains: activations of a probe image, reduced to small numpy payloads.

Every ``interval`` seconds (0.2 by default) the probe runs one forward pass of a single *probe image* (a
test sample, or an image the user gives, e.g. their drawing) through the model being trained:

* in eval mode and under ``torch.no_grad()``, so dropout is off, BatchNorm uses (and does not update) its
  running statistics, and no gradient is touched; the previous mode is restored afterwards;
* with forward hooks on only the layers some visible view asked for (:meth:`Probe.set_wanted`), registered
  for that pass and removed right after; nothing wanted means no forward at all;
* between two optimizer steps, in the training thread (``trainer.step_hooks``), so it never sees a
  half-updated model.

The hooks (:mod:`core.insight.capture`) reduce each activation on the device (a uint8 mosaic of channels, a few
small float maps and vectors) and the results cross to the host as numpy *copies* (:mod:`core.base.payloads`)
with one synchronisation, so the GUI never holds a tensor or a view of the model's memory.

Hand-over: a latest-only :class:`~core.base.mailbox.Mailbox`. ``put`` overwrites, ``take`` empties it; the probe
skips its work
while the previous snapshot has not been taken, so a busy or hidden GUI costs the training loop nothing.
The probe also keeps the last ``history`` snapshots for a timeline.

The probe costs at most about ``max_overhead`` (2 %) of the training thread's time: after a probe that
took ``t`` seconds the next one waits at least ``t / max_overhead`` (and at least ``interval``).

This module does not import Qt.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import torch

from convscope.core.base.mailbox import Mailbox
from convscope.core.base.modeltools import unhook
from convscope.core.base.payloads import KINDS, FeaturePayload, GapPayload, OneByOnePayload, Selection, Snapshot  # noqa: F401
from convscope.core.insight.capture import Capture, ProbeOptions, capture, grid_shape  # noqa: F401 - the probe's API
from convscope.core.insight.target import ProbeTarget


def _display_image(chw: np.ndarray) -> np.ndarray:
    """uint8 (C, H, W) → (H, W) or (H, W, 3)."""
    if chw.shape[0] == 1:
        return np.ascontiguousarray(chw[0])
    return np.ascontiguousarray(chw[:3].transpose(1, 2, 0))


def _as_uint8_chw(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = a.astype(np.float32)
        if a.max(initial=0) <= 1.0:
            a = a * 255
        a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    if a.ndim == 2:
        return a[None]
    if a.ndim == 3 and a.shape[-1] in (1, 3) and a.shape[0] not in (1, 3):
        return a.transpose(2, 0, 1)
    if a.ndim == 3:
        return a
    if a.ndim == 4 and a.shape[0] == 1:
        return _as_uint8_chw(a[0])
    raise ValueError(f"a probe image must be (H, W), (C, H, W) or (H, W, C); got shape {a.shape}")


class Probe:
    """Captures activations of the layers that visible views want, during training.

    Use::

        probe = Probe(interval=0.2, history=200)
        probe.attach(trainer)               # appends its hook to trainer.step_hooks
        probe.set_wanted({"block1.conv"})   # or {("block1.mlp1", "1x1"), ("classifier.relu2", "gap")}
        ...                                 # the GUI thread: snap = probe.mailbox.take()

    ``set_wanted``, ``set_sample``, ``set_image`` and ``set_selection`` may be called from any thread; they
    take effect at the next probe. The probe itself runs in the training thread, from the step hook.
    """

    def __init__(self, interval: float = 0.2, history: int = 200, mailbox: Mailbox | None = None,
                 options: ProbeOptions | None = None, max_overhead: float = 0.02, sample: int = 0):
        if interval < 0:
            raise ValueError("interval must be ≥ 0 seconds")
        self.interval = float(interval)
        self.max_overhead = float(max_overhead)
        self.mailbox = mailbox or Mailbox()
        self.options = options or ProbeOptions()
        self.trainer = None
        self._lock = threading.Lock()  # guards the settings and the history (held only briefly)
        self._probing = threading.Lock()  # held during a probe
        self._history: deque[Snapshot] = deque(maxlen=max(1, int(history)))
        self._wanted: dict[str, frozenset[str]] = {}
        self._want_output = False
        self._source: tuple = ("test", int(sample))
        self._source_version = 0
        self._cache_version = -1
        self._cache: tuple | None = None  # (x, display image, label, source text)
        self._next_time = 0.0
        self._seq = itertools.count(1)
        self.forwards = 0  # probe forwards run so far
        self.errors = 0
        self.last_error: str | None = None
        self.last_seconds = 0.0
        self.cpu_seconds = 0.0  # CPU time of the probing thread spent probing, in total
        self.enabled = True

    # -- wiring ------------------------------------------------------------------------------------
    def attach(self, trainer: ProbeTarget) -> Probe:
        """Probe ``trainer`` after its optimizer steps (``trainer.step_hooks``)."""
        self.detach()
        self.trainer = trainer
        self._cache = None  # the probe input belongs to the previous trainer's device and data
        trainer.step_hooks.append(self.on_step)
        return self

    def detach(self) -> None:
        if self.trainer is not None:
            unhook(self.trainer, "step_hooks", self.on_step)
        self.trainer = None

    # -- settings (any thread) ---------------------------------------------------------------------
    def set_wanted(self, wanted: Iterable = (), output: bool = False) -> None:
        """The layers to capture: module names (kind from the model's spec, else "feature") or
        (module, kind) pairs. ``output=True`` asks for the logits even when no layer is wanted.
        An empty set with ``output=False`` stops probing altogether."""
        merged: dict[str, set[str]] = {}
        for item in wanted:
            if isinstance(item, str):
                name, kind = item, self._default_kind(item)
            else:
                name, kind = item
            if kind not in KINDS:
                raise ValueError(f"unknown probe kind {kind!r}; use one of {', '.join(KINDS)}")
            merged.setdefault(name, set()).add(kind)
        with self._lock:
            self._wanted = {k: frozenset(v) for k, v in merged.items()}
            self._want_output = bool(output)

    @property
    def wanted(self) -> dict[str, frozenset[str]]:
        with self._lock:
            return dict(self._wanted)

    @property
    def active(self) -> bool:
        """Whether anything is wanted (otherwise no forward runs)."""
        with self._lock:
            return bool(self._wanted) or self._want_output

    def set_sample(self, index: int) -> None:
        """Probe test sample ``index`` (wraps around the test split)."""
        with self._lock:
            self._source = ("test", int(index))
            self._source_version += 1

    def set_image(self, image, label: int | None = None, source: str = "your image") -> None:
        """Probe a user image: a uint8/float array ((H, W), (C, H, W) or (H, W, C)), a uint8 tensor, an
        object with ``.image`` (``core.insight.inference.Prepared``: the framed picture), or a model input tensor
        (1, C, S, S) already normalised for the trainer's model.

        Pictures go through the *trainer's* preprocessing (its dataset's statistics, input size and
        channels), whatever model prepared them: a drawing framed for another run's predictor is
        normalised as the network being trained expects."""
        if hasattr(image, "image") and not isinstance(image, (np.ndarray, torch.Tensor)):
            image = image.image  # the framed picture; its tensor was normalised for another model
        if isinstance(image, torch.Tensor) and image.is_floating_point():
            t = image.detach().to("cpu", copy=True)
            if t.dim() == 3:
                t = t[None]
            first = t[0, 0]
            span = float(first.max() - first.min()) or 1.0
            display = ((first - first.min()) / span * 255).round().to(torch.uint8).numpy()
            entry = ("input", t, display)
        else:
            if isinstance(image, torch.Tensor):
                image = image.detach().cpu().numpy()
            chw = _as_uint8_chw(image)
            entry = ("raw", chw, _display_image(chw))
        with self._lock:
            self._source = ("image",) + entry + (label, source)
            self._source_version += 1

    def set_selection(self, selection: Selection) -> None:
        if selection not in ("first", "top"):
            raise ValueError("selection must be 'first' or 'top'")
        with self._lock:
            self.options = replace(self.options, selection=selection)

    @property
    def sample_index(self) -> int | None:
        with self._lock:
            return self._source[1] if self._source[0] == "test" else None

    # -- history (any thread) ----------------------------------------------------------------------
    def history(self) -> list[Snapshot]:
        with self._lock:
            return list(self._history)

    def latest(self) -> Snapshot | None:
        with self._lock:
            return self._history[-1] if self._history else None

    def find(self, seq: int) -> Snapshot | None:
        with self._lock:
            if not self._history:
                return None
            i = seq - self._history[0].seq
            if 0 <= i < len(self._history) and self._history[i].seq == seq:
                return self._history[i]
            return next((s for s in self._history if s.seq == seq), None)

    def history_bytes(self) -> int:
        with self._lock:
            return sum(s.nbytes for s in self._history)

    @property
    def history_size(self) -> int:
        return self._history.maxlen

    # -- probing -----------------------------------------------------------------------------------
    def on_step(self, trainer: ProbeTarget) -> None:
        """The step hook (training thread): probe when due, wanted, and the last snapshot was taken."""
        if not self.enabled or time.perf_counter() < self._next_time:
            return
        if self.mailbox.full or not self.active:
            return
        self.probe(trainer, during_training=True)

    def probe(self, trainer: ProbeTarget | None = None, publish: bool = True,
              during_training: bool = False) -> Snapshot | None:
        """Run one probe now in the calling thread, store it in the history and (``publish``) the
        mailbox, and return it (None when nothing is wanted or it failed).

        Outside the step hook, call it only while the trainer is not training (before or after a run):
        the probe must never run concurrently with an optimizer step."""
        trainer = trainer or self.trainer
        if trainer is None or trainer.model is None:
            return None
        # One probe at a time; the training thread does not wait for one running elsewhere.
        if not self._probing.acquire(blocking=not during_training):
            return None
        try:
            return self._probe(trainer, publish, during_training)
        finally:
            self._probing.release()

    def _probe(self, trainer: ProbeTarget, publish: bool, during_training: bool) -> Snapshot | None:
        with self._lock:
            wanted = {k: set(v) for k, v in self._wanted.items()}
            want_any = bool(wanted) or self._want_output
            options = self.options
        if not want_any:
            return None
        t0 = time.perf_counter()
        c0 = time.thread_time()
        try:
            x, display, label, source = self._input(trainer)
            result = capture(trainer.model, x, wanted, options)
        except Exception as exc:  # noqa: BLE001 - never break the training loop
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._next_time = time.perf_counter() + max(self.interval, 1.0)
            return None
        seconds = time.perf_counter() - t0
        self.cpu_seconds += time.thread_time() - c0
        self.forwards += 1
        self.last_seconds = seconds
        # Never spend more than max_overhead of the training thread's time on probing.
        wait = max(self.interval, seconds / self.max_overhead if self.max_overhead > 0 else 0.0)
        self._next_time = t0 + wait
        info, epochs_done = trainer.info, int(trainer.epochs_done)
        snap = Snapshot(
            seq=next(self._seq), step=int(trainer.global_step),
            epoch=epochs_done + 1 if during_training else epochs_done, wall_time=time.time(),
            image=display, label=label, source=source, logits=result.logits, probs=result.probs,
            class_names=tuple(info.classes),
            features=result.features, one_by_one=result.one_by_one, gap=result.gap, seconds=seconds)
        with self._lock:
            self._history.append(snap)
        if publish:
            self.mailbox.put(snap)
        return snap

    def _default_kind(self, name: str) -> str:
        config = self.trainer.config if self.trainer is not None else None
        for layer in config.spec.probe_layers if config is not None else ():
            if layer.module == name:
                return layer.kind
        return "feature"

    def _input(self, trainer: ProbeTarget) -> tuple[torch.Tensor, np.ndarray, int | None, str]:
        """The probe input on the model's device (cached until the source changes)."""
        with self._lock:
            source, version = self._source, self._source_version
        if self._cache is not None and self._cache_version == version:
            return self._cache
        device, preprocess = trainer.device, trainer.preprocess
        if source[0] == "test":
            test = trainer.test
            n = len(test.labels)
            if n == 0:
                raise ValueError("the test split is empty: there is no sample to probe")
            i = source[1] % n
            u8 = test.images[i:i + 1]
            x = preprocess(u8) if preprocess is not None else u8.float().div(255)
            display = _display_image(u8[0].detach().to("cpu", copy=True).numpy())
            label = int(test.labels[i])  # one sync, when the sample changes
            text = f"test sample {i}"
        else:
            _, how, data, display, label, text = source
            if how == "raw":
                u8 = torch.from_numpy(np.ascontiguousarray(data))[None].to(device)
                x = preprocess(u8) if preprocess is not None else u8.float().div(255)
            else:
                x = data.to(device)
                if preprocess is not None and preprocess.channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
        result = (x, display, label, text)
        self._cache, self._cache_version = result, version
        return result
