"""What a run will cost, shown before it starts: the network's parameter count and the training time.

Both are computed in the background (``core.introspect``, through the window's ``BackgroundJobs``) and
cached: parameter counts by network shape, training rates (images per second) by what sets the speed.
A rate measured by a short timing run is replaced by the one a real run reached. A long estimate offers
ways to make the run shorter ("That is long. Try: …"), as links that change the setting.
"""
from __future__ import annotations

import json
import math
from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject

from .core_texts import core_text
from .pacing import debounce_timer

LONG_RUN_S = 10 * 60
SHORT_RUN_S = 5 * 60  # what the "train on fewer images" offer aims at
ESTIMATE_DELAY_MS = 350  # estimate once the user has stopped changing settings for this long


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    if seconds < 60:
        return QCoreApplication.translate("Estimates", "under a minute")
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return QCoreApplication.translate("Estimates", "{m} min").format(m=minutes)
    return QCoreApplication.translate("Estimates", "{h} h {m} min").format(h=minutes // 60, m=f"{minutes % 60:02d}")


def param_key(cfg) -> str:
    """What the parameter count depends on."""
    c, side, _ = cfg.input_size
    return json.dumps([cfg.arch, c, side, cfg.info.num_classes, cfg.form, cfg.model_options()],
                      sort_keys=True, default=str)


def rate_key(cfg) -> str:
    """What the training rate depends on (on a CPU, batches above 32 hardly change it)."""
    c, side, _ = cfg.input_size
    return json.dumps([cfg.arch, c, side, cfg.info.num_classes, cfg.form, cfg.model_options(),
                       cfg.optimizer, cfg.device, min(cfg.batch_size, 32) if cfg.device != "cuda"
                       else cfg.batch_size], sort_keys=True, default=str)


def _train_images(cfg) -> int:
    n_train = cfg.info.n_train  # the run's own dataset (a folder of images: its own counts)
    return min(n_train, cfg.subset) if cfg.subset else n_train


def _count(config) -> int:
    from core.introspect import count_parameters

    return count_parameters(config)


def _measure(config, cancel) -> float:
    from core.introspect import measure_rate

    return measure_rate(config, cancel)


class Estimates(QObject):
    """The architecture line of the settings (``info_label``) and the estimate line (``label``).

    :meth:`set_config` after each validation; :meth:`start` once the engine is loaded (``jobs``: the
    window's ``BackgroundJobs``, ``core``: its ``CoreInfo``, ``is_running``: no estimates during a run).
    """

    def __init__(self, panel, info_label, label, parent: QObject | None = None):
        super().__init__(parent)
        self.panel, self.info_label, self.label = panel, info_label, label
        self.params: dict[str, int] = {}
        self.rates: dict[str, tuple[float, str]] = {}  # rate key → (images/s, "measured" or "run")
        self._jobs = None
        self._core = None
        self._is_running: Callable[[], bool] = lambda: False
        self._config = None
        self._timer = debounce_timer(self, ESTIMATE_DELAY_MS, self.request)
        label.linkActivated.connect(self.on_link)

    def start(self, jobs, core, is_running: Callable[[], bool]) -> None:
        self._jobs, self._core, self._is_running = jobs, core, is_running

    def set_config(self, cfg) -> None:
        """The validated settings (None: invalid): update the architecture line, estimate soon."""
        self._config = cfg
        self.update_arch_info()
        if cfg is not None:
            self.schedule()
        else:
            self.label.setText("")

    def schedule(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def hold(self) -> None:
        """A run is training: no estimates until :meth:`schedule`, and the line says why."""
        self._timer.stop()
        self.label.setText("<span style='color:#555'>" + QCoreApplication.translate(
            "Estimates", "Training — settings are locked until the run ends. Stop or Pause at any time.") + "</span>")

    def record_rate(self, cfg, images_per_s: float) -> None:
        """The rate a real run of ``cfg`` reached: it replaces any measured one."""
        self.rates[rate_key(cfg)] = (float(images_per_s), "run")

    # ------------------------------------------------------------------------ parameter counts
    def update_arch_info(self) -> None:
        spec = self.panel.current_spec()
        if spec is None:
            return
        cfg = self._config
        text = core_text(spec.description)
        if cfg is not None:
            c, side, _ = cfg.input_size
            key = param_key(cfg)
            n = self.params.get(key)
            count = QCoreApplication.translate(
                "Estimates", "{n} parameters").format(n=f"{n:,}") if n is not None else QCoreApplication.translate(
                "Estimates", "counting parameters…")
            text += "<br><span style='color:#555'>" + QCoreApplication.translate(
                "Estimates", "{count} · input {c}×{side}×{side} · {paper}").format(
                count=count, c=c, side=side, paper=spec.paper) + "</span>"
            if n is None and self._jobs is not None:
                self._jobs.submit("params", lambda cancel, c=cfg: _count(c),
                                  lambda result, error, k=key: self._on_params(k, result, error))
        self.info_label.setText(text)

    def _on_params(self, key: str, result, error) -> None:
        if error is None and result is not None:
            self.params[key] = int(result)
            if self._config is not None and param_key(self._config) == key:
                self.update_arch_info()

    # ---------------------------------------------------------------------------- training time
    def request(self) -> None:
        cfg = self._config
        if cfg is None or self._jobs is None or self._is_running():
            return
        key = rate_key(cfg)
        if key in self.rates:
            self.show(cfg)
            return
        self.label.setText("<span style='color:#555'>" + QCoreApplication.translate(
            "Estimates", "Estimating the training time on this device…")
                           + "</span>")
        self._jobs.submit("estimate", lambda cancel, c=cfg: _measure(c, cancel),
                          lambda result, error, k=key: self._on_rate(k, result, error))

    def _on_rate(self, key: str, result, error) -> None:
        if error is None and result:
            self.rates.setdefault(key, (float(result), "measured"))
        if self._config is not None and rate_key(self._config) == key and not self._is_running():
            if error is not None and key not in self.rates:
                from core.introspect import Cancelled

                if not isinstance(error, Cancelled):
                    self.label.setText("<span style='color:#555'>" + QCoreApplication.translate(
                        "Estimates", "No time estimate: {error}").format(
                        error=error) + "</span>")
                return
            self.show(self._config)

    def estimate_seconds(self, cfg) -> float | None:
        """Seconds a run of ``cfg`` takes at the known rate, or None (no rate known yet)."""
        entry = self.rates.get(rate_key(cfg))
        if entry is None:
            return None
        # Evaluating the test split costs about a third of training on as many images.
        images = _train_images(cfg) + cfg.info.n_test / 3
        return cfg.epochs * images / max(entry[0], 1e-9) + 2.0

    def show(self, cfg) -> None:
        seconds = self.estimate_seconds(cfg)
        if seconds is None:
            return
        rate, source = self.rates[rate_key(cfg)]
        core = self._core
        where = core.gpu_name if (core and core.cuda and cfg.device != "cpu") else QCoreApplication.translate(
            "Estimates", "this CPU")
        origin = QCoreApplication.translate("Estimates", "from your last run") if source == "run" else \
            QCoreApplication.translate("Estimates", "measured")
        approx = "≈ " if seconds >= 60 else ""
        text = QCoreApplication.translate(
            "Estimates", "<b>{duration}</b> on {where} "
                         "<span style='color:#555'>({rate} images/s, {origin})</span>").format(
            duration=approx + format_duration(seconds), where=where, rate=f"{rate:,.0f}", origin=origin)
        offers = self._offers(cfg, seconds) if seconds > LONG_RUN_S else []
        if offers:
            text += "<br><span style='color:#a84300'>" + QCoreApplication.translate(
                "Estimates", "That is long. Try: {offers}.").format(
                offers=QCoreApplication.translate("Estimates", ", or ").join(offers)) + "</span>"
        self.label.setText(text)

    @staticmethod
    def _offers(cfg, seconds: float) -> list[str]:
        offers = []
        if "width" in cfg.spec.options and (cfg.width or 1.0) > 0.5:
            offers.append(QCoreApplication.translate(
                "Estimates", "<a href='width:0.5'>use width 0.5</a> (about 3× faster)"))
        n_train = _train_images(cfg)
        target = int(n_train * SHORT_RUN_S / seconds) // 500 * 500
        if n_train > 1000:
            subset = max(500, min(target, n_train // 2))
            offers.append(QCoreApplication.translate(
                "Estimates", "<a href='subset:{subset}'>train on {n} images</a>").format(subset=subset,
                                                                                         n=f"{subset:,}"))
        if cfg.form == "d2l":
            offers.append(QCoreApplication.translate("Estimates", "<a href='form:native'>use the native size</a>"))
        return offers

    def on_link(self, link: str) -> None:
        """An offer was clicked: change that setting."""
        key, _, value = link.partition(":")
        if key == "width":
            self.panel.set_field("width", float(value))
        elif key == "subset":
            self.panel.set_field("subset", int(value))
        elif key == "form":
            self.panel.set_field("form", value)
