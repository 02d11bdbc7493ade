"""Recording probe snapshots into a run folder while it trains, for replay (:mod:`core.runs.replay` reads them).

Which steps: every step of the first ``DENSE`` (the maps change fastest there), then steps on a
geometric grid ``g_k = ceil(DENSE · RATIO^k)``, and the end of every epoch. The set stays bounded: when
it holds more than ``MAX_SNAPSHOTS`` files or more than ``MAX_BYTES``, the thinning level rises by one
and every file whose rank is not a multiple of ``2^level`` is deleted (half the scheduled ones, half the
epoch ends, half the dense ones; always keeping step 1 and the latest epoch's end), and later steps are
scheduled at that level.
So a run of any length keeps its first steps densely and the rest spread evenly in log-steps.

Cost: one eval-mode, no-grad forward of one probe image (test sample 0) per recorded step (a few
hundred per run at most, whatever its length), reduced on the device as the live views' probe does
(:class:`core.insight.probe.Probe`), then a few KiB compressed and written (no fsync: replay is not worth one).
The first ``DENSE`` steps and the epochs' ends are always recorded (a fixed cost of a few dozen probe
forwards per run); the scheduled steps after them stay within ``MAX_OVERHEAD`` (2 %) of the training
time: one that comes due past that budget is recorded at a later step instead.
Receptive fields: some snapshots also carry the effective field's radii (r50, r90) of every spatial probe
layer's centre unit over ``FIELD_IMAGES`` test images (:func:`core.insight.receptive_field.centre_radii`:
one forward to the layer and one backward to the input per layer, in eval mode), so an opened run can draw
its radius curve: always the first snapshot (step 1, the field before training shaped it), then any
snapshot while those measurements have taken at most ``FIELD_OVERHEAD`` (1 %) of the training time, and
each epoch's end while they have taken at most ``EPOCH_FIELD_OVERHEAD`` (5 %: so a short run of a few
epochs still gets a point per epoch; in a run of minutes per epoch the 1 % is what counts).
It touches no RNG, parameter or buffer, so a run trains exactly as it would without it.
"""
from __future__ import annotations

import logging
import math
import os
import time

from convscope.core.base.safe_read import MIB, loads_strict, read_bounded
from convscope.core.base.safe_write import real_dir
from convscope.core.runs.checkpoints import (
    FILE_MODE,
    FOLDER_MODE,
    atomic_write_bytes,
    atomic_write_json,
    clean_stale_temp_files,
)
from convscope.core.runs.replay import STATE, file_name, snapshot_dir, snapshot_files

log = logging.getLogger("convscope.recorder")

DENSE = 20  # every one of the first DENSE steps
RATIO = 1.06  # then one step per 6 % more steps
MAX_SNAPSHOTS = 200
MAX_BYTES = 6 * MIB
MAX_OVERHEAD = 0.02  # of the training time since the first step: a scheduled step past it waits
FIELD_IMAGES = 4  # test images the recorded receptive-field radii average over
FIELD_OVERHEAD = 0.01  # of the training time: the radii are recorded while their cost stays within it
EPOCH_FIELD_OVERHEAD = 0.05  # the same at an epoch's end


def grid_step(k: int) -> int:
    """The k-th scheduled step after the dense ones (k ≥ 1)."""
    return max(DENSE + k, math.ceil(DENSE * RATIO ** k))


class SnapshotRecorder:
    """A step hook (``trainer.step_hooks``) that records the run's snapshots into ``run_dir/snapshots``.

    ``resume_from(step)`` drops what was recorded after ``step`` (a resumed run trains those steps
    again). Failures to write are logged and stop the recording; they never stop the training.
    """

    def __init__(self, run_dir: str | os.PathLike, layers=None):
        from convscope.core.insight.probe import Probe

        self.folder = snapshot_dir(run_dir)
        self.layers = layers  # (module, kind) pairs; None: the architecture's probe layers
        self.probe = Probe(interval=0.0, history=1, max_overhead=0.0)
        self.enabled = True
        self.level = 0
        self.written = 0
        self.seconds = 0.0  # time spent recording (probe, encoding, writing, thinning), in total
        self._files: dict[str, tuple[int, str, int, int]] = {}  # name → (step, tag, rank, bytes)
        self._next_k = 1
        self._pending: tuple[str, int] | None = None  # a step that was due while over the budget
        self._t_start: float | None = None
        self.fields = True  # record receptive-field radii (off after they fail once)
        self.field_seconds = 0.0
        self.field_records = 0
        self._field_theory: tuple | None = None  # (network key, theoretical fields of the probe layers)
        self._load()

    # -- state -------------------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            clean_stale_temp_files(real_dir(self.folder))  # the trainer holds the folder's lock: they are stale
        except FileNotFoundError:
            pass
        except OSError as exc:  # a link to another folder: never written or thinned through
            log.warning("not recording snapshots in %s: %s", self.folder, exc)
            self.enabled, self._files = False, {}
            return
        try:
            state = loads_strict(read_bounded(self.folder / STATE, 4096).decode("utf-8"))
            self.level = max(0, min(30, int(state.get("level", 0))))
        except (OSError, ValueError, TypeError, AttributeError):
            self.level = 0
        self._files = {}
        for step, tag, rank, path in snapshot_files(self.folder.parent):
            try:
                size = path.stat().st_size
            except OSError:
                continue
            self._files[path.name] = (step, tag, rank, size)

    def move_to(self, run_dir: str | os.PathLike) -> None:
        """Record into another run folder from now on, taking the snapshots so far along (a run saved
        elsewhere after its own folder could not be written)."""
        import shutil

        target = snapshot_dir(run_dir)
        if target == self.folder:
            return
        try:
            real_dir(target, create=True, mode=FOLDER_MODE)
            for name in [*self._files, STATE]:
                if (self.folder / name).is_file():
                    shutil.copyfile(self.folder / name, target / name)
                    os.chmod(target / name, FILE_MODE)
        except OSError as exc:
            log.warning("could not copy the snapshots to %s: %s", target, exc)
        self.folder, self.enabled = target, True
        self._load()

    def resume_from(self, step: int) -> None:
        """Forget what was recorded after optimizer step ``step``."""
        for name, (s, _tag, _rank, _size) in list(self._files.items()):
            if s > step:
                self._delete(name)
        self._next_k = 1

    @property
    def count(self) -> int:
        return len(self._files)

    @property
    def nbytes(self) -> int:
        return sum(f[3] for f in self._files.values())

    # -- schedule ----------------------------------------------------------------------------------
    def _keeps(self, rank: int) -> bool:
        return rank % (1 << self.level) == 0

    def due(self, step: int) -> tuple[str, int] | None:
        """(tag, rank) when ``step`` is to be recorded, else None."""
        if step <= DENSE:
            return ("d", step - 1) if self._keeps(step - 1) else None
        while grid_step(self._next_k) < step or not self._keeps(self._next_k):
            self._next_k += 1
        return ("g", self._next_k) if grid_step(self._next_k) == step else None

    # -- hooks -------------------------------------------------------------------------------------
    def on_step(self, trainer) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if self._t_start is None:
            self._t_start = now
        due = self.due(trainer.global_step) or self._pending
        if due is None:
            return
        if due[0] != "d" and self.seconds > MAX_OVERHEAD * (now - self._t_start):
            self._pending = due  # over the budget: record it at a later step (a newer one replaces it)
            return
        self._pending = None
        self.record(trainer, *due, during_training=True)

    def on_epoch_end(self, trainer, epoch: int) -> None:
        if self.enabled:  # the latest epoch's end is always kept; older ones follow the thinning
            self.record(trainer, "e", epoch, during_training=False)

    def record(self, trainer, tag: str, rank: int, during_training: bool) -> None:
        t0 = time.perf_counter()
        try:
            self._record(trainer, tag, rank, during_training)
        finally:
            self.seconds += time.perf_counter() - t0

    def _record(self, trainer, tag: str, rank: int, during_training: bool) -> None:
        from convscope.core.runs.replay import encode

        if not self.probe.active:
            self.probe.set_wanted(self._layers(trainer))
        snap = self.probe.probe(trainer, publish=False, during_training=during_training)
        if snap is None:
            if self.probe.last_error:
                log.warning("snapshot not recorded: %s", self.probe.last_error)
            return
        if tag == "e":
            snap.epoch = rank
        if self._fields_due(FIELD_OVERHEAD if tag != "e" else max(FIELD_OVERHEAD, EPOCH_FIELD_OVERHEAD)):
            snap.fields = self._radii(trainer)
        name = file_name(snap.step, tag, rank)
        try:
            data = encode(snap)
            real_dir(self.folder, create=True, mode=FOLDER_MODE)  # never a link to another folder
            atomic_write_bytes(self.folder / name, data, fsync=False)  # replay is not worth an fsync each
        except OSError as exc:
            log.warning("cannot record snapshots in %s (%s); training goes on without them", self.folder, exc)
            self.enabled = False
            return
        self._files[name] = (snap.step, tag, rank, len(data))
        self.written += 1
        self._thin()

    def _fields_due(self, budget: float) -> bool:
        if not self.fields:
            return False
        if self.field_records == 0:
            return True
        elapsed = time.perf_counter() - self._t_start if self._t_start is not None else 0.0
        return self.field_seconds <= budget * elapsed

    def _radii(self, trainer) -> dict[str, tuple[float, float]]:
        from convscope.core.insight import receptive_field as RF

        t0 = time.perf_counter()
        try:
            key = RF.network_key(trainer.config)
            if self._field_theory is None or self._field_theory[0] != key:  # one forward of a blank image
                theory = RF.theoretical_fields(trainer.model, trainer.config.input_size,
                                               RF.probe_layer_names(trainer.config.spec))
                self._field_theory = (key, theory)
            radii = RF.centre_radii(trainer.model, RF.test_inputs(trainer, FIELD_IMAGES), self._field_theory[1])
        except Exception as exc:  # noqa: BLE001 - never break the training loop
            log.warning("receptive-field radii not recorded: %s: %s", type(exc).__name__, exc)
            self.fields = False
            return {}
        finally:
            self.field_seconds += time.perf_counter() - t0
        self.field_records += 1
        return radii

    def _layers(self, trainer):
        if self.layers is not None:
            return list(self.layers)
        return [(layer.module, layer.kind) for layer in trainer.config.spec.probe_layers]

    def _thin(self) -> None:
        raised = False
        ends = [(s, n) for n, (s, tag, _r, _b) in self._files.items() if tag == "e"]
        latest_end = max(ends)[1] if ends else None

        def drop_unkept():
            for name, (_step, _tag, rank, _size) in list(self._files.items()):
                if not self._keeps(rank) and name != latest_end:
                    self._delete(name)

        drop_unkept()  # an older epoch's end, kept while it was the latest
        while (self.count > MAX_SNAPSHOTS or self.nbytes > MAX_BYTES) and self.level < 30:
            self.level += 1
            raised = True
            drop_unkept()
        if raised:
            try:
                atomic_write_json(self.folder / STATE, {"level": self.level})
            except OSError as exc:
                log.warning("cannot write %s: %s", self.folder / STATE, exc)

    def _delete(self, name: str) -> None:
        try:
            (self.folder / name).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove snapshot %s: %s", name, exc)
        self._files.pop(name, None)

