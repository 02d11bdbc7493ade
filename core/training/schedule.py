"""Planning a run's learning-rate schedule over its steps: laid out when a run starts, laid out again when
the batch (and so the number of steps) changes, put back where it stood when a run resumes.

The plan is ``(kind, total steps, global step where it started)``; a resumed run saves and restores it
through :meth:`Schedule.state_dict` (see ``core.runs.resume``).
"""
from __future__ import annotations

import torch

from convscope.core.setup.config import TrainConfig
from convscope.core.training.optim import make_scheduler, warming_up


class Schedule:
    """The learning rate of one run's optimizer, step by step."""

    def __init__(self, config: TrainConfig, optimizer: torch.optim.Optimizer):
        self.config, self.optimizer = config, optimizer
        self.kind = "constant"
        self.plan = ("constant", 0, 0)  # (kind, total steps, global step where it started)
        self.scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
        self.left: int | None = None  # steps the schedule may still take (None: no limit)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    @property
    def warming_up(self) -> bool:
        return warming_up(self.scheduler)

    def start(self, steps: int, global_step: int, first_run: bool) -> None:
        """A new plan over ``steps``: the configured schedule on a run's first call, a constant rate
        after it (more epochs after the schedule ended continue at a small constant rate rather than at
        the near-zero end of a one-cycle or cosine schedule)."""
        self.kind = self.config.schedule if first_run else "constant"
        if not first_run:
            lr = max(self.lr, self.config.lr * 0.05)
            for g in self.optimizer.param_groups:
                g["lr"] = lr
        self.left = None
        self.lay_out(steps, 0, global_step)

    def lay_out(self, total: int, done: int, global_step: int) -> None:
        """The plan's kind over ``total`` steps, advanced past the ``done`` steps already taken."""
        self.plan = (self.kind, total, global_step - done)
        self.scheduler = make_scheduler(self.config, self.optimizer, self.kind, total, done)

    def shrink(self, total: int, done: int, global_step: int) -> None:
        """The batch changed: the same schedule laid out again over the new number of steps."""
        if self.scheduler is not None:
            self.left = None
            self.lay_out(total, done, global_step)

    def step(self) -> None:
        """After each optimizer step."""
        if self.scheduler is not None and self.left != 0:
            self.scheduler.step()
            if self.left is not None:  # a resumed schedule stops at its planned end
                self.left -= 1

    def state_dict(self, global_step: int) -> dict:
        kind, total, start = self.plan
        return {"kind": kind, "total": total, "done": global_step - start}

    def load_state_dict(self, state: dict, lr: float, global_step: int) -> None:
        """A resumed run's schedule where it stood; past its planned end, the last rate ``lr`` held."""
        self.kind = kind = str(state["kind"])
        total, done = int(state["total"]), int(state["done"])
        if kind == "constant" or done >= total:
            self.plan, self.left, self.scheduler = (kind, total, global_step - done), 0, None
            for g in self.optimizer.param_groups:
                g["lr"] = float(lr)
            return
        self.left = total - done
        self.lay_out(total, done, global_step)
