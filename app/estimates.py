"""What a run will cost, shown before it starts: the network's parameter count and the training time.

Both are computed in the background (``core.training.introspect``, through the window's ``BackgroundJobs``) and
cached: parameter counts by network shape, training rates (images per second) by what sets the speed.
A rate measured by a short timing run is replaced by the one a real run reached. A long estimate offers
ways to make the run shorter ("That is long. Try: …"), as links that change the setting; an offer that
changes the network (a smaller width, the native size) is measured the same way, in the same job, and
shown at the headline's pace: the headline's rate times the measured ratio of the two networks' rates
(the headline may come from a real run, which is slower or faster than the timing run), so the offers
and the headline agree, and an offer promises the time the estimate then shows once clicked.

Trust: the measurement times the run's own network, optimizer and thread count (the window's training
thread leaves a core to the window), once the window is ready; while a new estimate is being measured the
line shows no figure, so an old one is never read as the new one, and after a few seconds says that it
is still measuring (a big network on a CPU takes up to a minute); once it is done nothing runs in the
background until a setting changes. A rate is shown only when it is a real one (finite and positive),
with as many digits as it needs (a rate under one image per second is not shown as 0).
"""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, QTimer

from .core_texts import core_text
from .pacing import debounce_timer

LONG_RUN_S = 10 * 60
SHORT_RUN_S = 5 * 60  # what the "train on fewer images" offer aims at
ESTIMATE_DELAY_MS = 350  # estimate once the user has stopped changing settings for this long
RUN_OVERHEAD_S = 0.5  # reading the data, building the network, saving it (measured: under 1 s for LeNet)
FASTER = 0.8  # an offer that changes the network is made when its run takes at most this share of the time
STILL_MEASURING_MS = 3000  # after this long, the line says the measurement is still going on, and for how long


def measuring_text() -> str:
    """The line while a new estimate is measured: no figure, so an old one is never read as the new one."""
    return ("<span style='color:#555'>" + QCoreApplication.translate(
        "Estimates", "Estimating the training time on this device…") + "</span>")


def still_measuring_text(seconds: int) -> str:
    """The line once a measurement has taken a while (a big network on a CPU: up to a minute)."""
    return ("<span style='color:#555'>" + QCoreApplication.translate(
        "Estimates", "Still measuring the training speed on this device ({seconds} s)… "
                     "A big network takes up to a minute; you can train meanwhile.").format(seconds=seconds)
            + "</span>")


def format_rate(rate: float) -> str:
    """Images per second with the digits a slow rate needs: 1,234 · 56 · 3.4 · 0.25."""
    if rate >= 10:
        return f"{rate:,.0f}"
    if rate >= 1:
        return f"{rate:.1f}"
    return f"{rate:.2g}"


def real_rate(rate) -> bool:
    return rate is not None and math.isfinite(rate) and rate > 0


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
                       cfg.optimizer, cfg.device, min(cfg.batch_size, 32) if cfg.device not in ("cuda", "mps")
                       else cfg.batch_size], sort_keys=True, default=str)


def _train_images(cfg) -> int:
    n_train = cfg.info.n_train  # the run's own dataset (a folder of images: its own counts)
    return min(n_train, cfg.subset) if cfg.subset else n_train


def _count(config) -> int:
    from convscope.core.training.introspect import count_parameters

    return count_parameters(config)


def _measure(config, cancel) -> float:
    from convscope.core.training.introspect import measure_rate

    from .worker import training_threads

    return measure_rate(config, cancel, threads=training_threads() if config.device != "cuda" else None)


def run_seconds(cfg, rate: float) -> float:
    """Seconds a run of ``cfg`` takes at ``rate`` training images per second."""
    # Evaluating the test split costs about a third of training on as many images.
    images = _train_images(cfg) + cfg.info.n_test / 3
    return cfg.epochs * images / max(rate, 1e-9) + RUN_OVERHEAD_S


def variants(cfg) -> dict[str, object]:
    """The offers that change the network, as link → the config they lead to (each measured alike)."""
    out = {}
    if "width" in cfg.spec.options and (cfg.width or 1.0) > 0.5:
        out["width:0.5"] = dataclasses.replace(cfg, width=0.5)
    if cfg.form == "d2l":
        out["form:native"] = dataclasses.replace(cfg, form="native", image_size=None)
    return out


def _measure_all(cfg, known: dict[str, float], cancel, shown: float | None = None) -> dict[str, float]:
    """The measured rate of ``cfg`` (unless ``known``) and, when its run is long, of the offers'
    variants. ``shown``: the rate the headline has already (from a real run): ``cfg`` itself is then
    measured only when the offers need it, for their ratio."""
    rates: dict[str, float] = {}
    key = rate_key(cfg)
    rate = known.get(key)
    if rate is None and shown is not None and run_seconds(cfg, shown) <= LONG_RUN_S:
        return rates  # no offers: nothing to measure
    if rate is None:
        rate = rates[key] = _measure(cfg, cancel)
    if run_seconds(cfg, shown or rate) > LONG_RUN_S:  # the offers are made
        for variant in variants(cfg).values():
            k = rate_key(variant)
            if k not in known and k not in rates:
                rates[k] = _measure(variant, cancel)
    return rates


class Estimates(QObject):
    """The architecture line of the settings (``info_label``) and the estimate line (``label``).

    :meth:`set_config` after each validation; :meth:`start` once the engine is loaded (``jobs``: the
    window's ``BackgroundJobs``, ``core``: its ``CoreInfo``, ``is_running``: no estimates during a run).
    """

    def __init__(self, panel, info_label, label, parent: QObject | None = None):
        super().__init__(parent)
        self.panel, self.info_label, self.label = panel, info_label, label
        self.params: dict[str, int] = {}
        self.rates: dict[str, tuple[float, str]] = {}  # rate key → (images/s, "measured" or "run"): the headline's
        self.measured: dict[str, float] = {}  # rate key → images/s of the timing run (kept when a run's replaces it)
        self._jobs = None
        self._core = None
        self._is_running: Callable[[], bool] = lambda: False
        self._config = None
        self._timer = debounce_timer(self, ESTIMATE_DELAY_MS, self.request)
        self._measuring = QElapsedTimer()  # since the measurement whose figure the line waits for began
        self._ticker = QTimer(self)  # while it goes on: the line says so, with the seconds so far
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        label.linkActivated.connect(self.on_link)

    def start(self, jobs, core, is_running: Callable[[], bool]) -> None:
        self._jobs, self._core, self._is_running = jobs, core, is_running

    def set_config(self, cfg) -> None:
        """The validated settings (None: invalid): update the architecture line and the estimate.

        A known rate shows at once (a change of epochs or of the subset needs no measurement); an
        unknown one clears the figure now and is measured once the settings stop changing.
        """
        self._config = cfg
        self.update_arch_info()
        if cfg is None:
            self._waiting(False)
            self.label.setText("")
        elif not self._is_running():
            if rate_key(cfg) in self.rates:
                self.show(cfg)  # a known rate: the figure now (the offers' variants may follow)
            else:
                self._waiting(False)
                self.label.setText(measuring_text())
            if self._complete(cfg):
                self._timer.stop()
            else:
                self.schedule()

    def schedule(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._waiting(False)

    def hold(self) -> None:
        """A run is training: no estimates until :meth:`schedule`, and the line says why."""
        self._timer.stop()
        self._waiting(False)
        self.label.setText("<span style='color:#555'>" + QCoreApplication.translate(
            "Estimates", "Training — settings are locked until the run ends. Stop or Pause at any time.") + "</span>")

    def record_rate(self, cfg, images_per_s: float) -> None:
        """The rate a real run of ``cfg`` reached: it replaces any measured one in the headline."""
        if real_rate(images_per_s):
            self.rates[rate_key(cfg)] = (float(images_per_s), "run")

    def measured_rate(self, key: str) -> float | None:
        """The timing run's rate for ``key`` (what the offers' ratios are taken from)."""
        if key in self.measured:
            return self.measured[key]
        entry = self.rates.get(key)
        return entry[0] if entry is not None and entry[1] == "measured" else None

    # ------------------------------------------------------------------- while a rate is measured
    def _waiting(self, on: bool) -> None:
        """Whether the line waits for a measurement (and, after a few seconds, says it still does)."""
        if on:
            if not self._ticker.isActive():
                self._measuring.start()
                self._ticker.start()
        else:
            self._ticker.stop()
            self._measuring.invalidate()

    def measuring_for_s(self) -> float:
        """Seconds the line has been waiting for the measurement (0 when it is not)."""
        return self._measuring.elapsed() / 1000 if self._measuring.isValid() else 0.0

    def _tick(self) -> None:
        cfg = self._config
        if cfg is None or self._is_running() or rate_key(cfg) in self.rates:
            self._waiting(False)
            return
        seconds = self.measuring_for_s()
        if seconds * 1000 >= STILL_MEASURING_MS:
            self.label.setText(still_measuring_text(int(seconds)))

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
                count=count, c=c, side=side, paper=core_text(spec.paper)) + "</span>"
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
    def _complete(self, cfg) -> bool:
        """Everything the estimate of ``cfg`` and its offers need is measured."""
        rate = self.rates.get(rate_key(cfg))
        if rate is None:
            return False
        if run_seconds(cfg, rate[0]) <= LONG_RUN_S or not variants(cfg):
            return True
        keys = [rate_key(cfg)] + [rate_key(v) for v in variants(cfg).values()]
        return all(self.measured_rate(k) is not None for k in keys)

    def request(self) -> None:
        cfg = self._config
        if cfg is None or self._jobs is None or self._is_running():
            return
        if self._complete(cfg):
            self.show(cfg)
            return
        key = rate_key(cfg)
        if key not in self.rates:
            self.label.setText(measuring_text())
            self._waiting(True)
        known = {k: r for k in {*self.rates, *self.measured} if (r := self.measured_rate(k)) is not None}
        shown = self.rates[key][0] if key in self.rates else None
        self._jobs.submit("estimate", lambda cancel, c=cfg, k=known, s=shown: _measure_all(c, k, cancel, s),
                          lambda result, error: self._on_rates(key, result, error))

    def _on_rates(self, key: str, result, error) -> None:
        for k, rate in (result or {}).items():
            if real_rate(rate):
                self.measured[k] = float(rate)
                self.rates.setdefault(k, (float(rate), "measured"))
        cfg = self._config
        if cfg is None or rate_key(cfg) != key:
            return
        self._waiting(False)
        if self._is_running():
            return
        if key not in self.rates:  # no real rate: no figure (never one made up)
            from convscope.core.training.introspect import Cancelled

            if not isinstance(error, Cancelled):
                self.label.setText("<span style='color:#555'>" + QCoreApplication.translate(
                    "Estimates", "No time estimate: {error}").format(
                    error=error or QCoreApplication.translate("Estimates", "the timing run measured no speed"))
                    + "</span>")
            return
        self.show(cfg)

    def estimate_seconds(self, cfg) -> float | None:
        """Seconds a run of ``cfg`` takes at the known rate, or None (no rate known yet)."""
        entry = self.rates.get(rate_key(cfg))
        return None if entry is None else run_seconds(cfg, entry[0])

    def offer_seconds(self, cfg, variant) -> float | None:
        """Seconds a run of ``variant`` (an offer for ``cfg``) takes at the pace of ``cfg``'s headline:
        its rate times the measured ratio of the two (None while either is not measured)."""
        mine, theirs = self.measured_rate(rate_key(cfg)), self.measured_rate(rate_key(variant))
        entry = self.rates.get(rate_key(cfg))
        if entry is None or mine is None or theirs is None:
            return None
        return run_seconds(variant, entry[0] * theirs / mine)

    def show(self, cfg) -> None:
        seconds = self.estimate_seconds(cfg)
        if seconds is None:
            return
        rate, source = self.rates[rate_key(cfg)]
        core = self._core
        if core and core.cuda and cfg.device in ("auto", "cuda"):
            where = core.gpu_name
        elif core and core.mps and cfg.device in ("auto", "mps"):
            where = QCoreApplication.translate("Estimates", "the Apple GPU")
        else:
            where = QCoreApplication.translate("Estimates", "this CPU")
        origin = QCoreApplication.translate("Estimates", "from your last run") if source == "run" else \
            QCoreApplication.translate("Estimates", "measured")
        approx = "≈ " if seconds >= 60 else ""
        text = QCoreApplication.translate(
            "Estimates", "<b>{duration}</b> on {where} "
                         "<span style='color:#555'>({rate} images/s, {origin})</span>").format(
            duration=approx + format_duration(seconds), where=where, rate=format_rate(rate), origin=origin)
        offers = self._offers(cfg, seconds) if seconds > LONG_RUN_S else []
        if offers:
            text += "<br><span style='color:#a84300'>" + QCoreApplication.translate(
                "Estimates", "That is long. Try: {offers}.").format(
                offers=QCoreApplication.translate("Estimates", ", or ").join(offers)) + "</span>"
        self.label.setText(text)

    def _offers(self, cfg, seconds: float) -> list[str]:
        offers = []
        names = {"width:0.5": QCoreApplication.translate("Estimates", "use width 0.5"),
                 "form:native": QCoreApplication.translate("Estimates", "use the native size")}
        for link, variant in variants(cfg).items():
            faster = self.offer_seconds(cfg, variant)  # measured in the same job as cfg's own rate
            if faster is not None and faster <= FASTER * seconds:
                offers.append(f"<a href='{link}'>{names[link]}</a> (≈ {format_duration(faster)})")
        n_train = _train_images(cfg)
        target = int(n_train * SHORT_RUN_S / seconds) // 500 * 500
        if n_train > 1000:
            subset = max(500, min(target, n_train // 2))
            shorter = run_seconds(dataclasses.replace(cfg, subset=subset), self.rates[rate_key(cfg)][0])
            offers.append(QCoreApplication.translate(
                "Estimates", "<a href='subset:{subset}'>train on {n} images</a>").format(
                subset=subset, n=f"{subset:,}") + f" (≈ {format_duration(shorter)})")
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
