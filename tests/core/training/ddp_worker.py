"""One process of a run that ``torchrun`` starts in tests/core/training/test_distributed.py: the real command line
(``core.cli.main``), plus what the test needs to see from the outside. After training, each rank writes
its parameters and what its trainer did to ``$DDP_DUMP/rank<R>.safetensors`` / ``.json``.
``DDP_STOP_AT=N`` makes rank 1 alone ask to stop once it has taken N steps (as a Ctrl+C that reached one
process would)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed

from safetensors.torch import save_file  # noqa: E402

from convscope.core import cli  # noqa: E402
from convscope.core.training.engine import Trainer  # noqa: E402

RANK = int(os.environ["RANK"])
DUMP = Path(os.environ["DDP_DUMP"])
STOP_AT = int(os.environ.get("DDP_STOP_AT", "0"))
_run = Trainer.run


def run(self, *args, **kwargs):
    if STOP_AT and RANK == 1:
        self.step_hooks.append(lambda t: t.stop() if t.global_step >= STOP_AT else None)
    result = _run(self, *args, **kwargs)
    state = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
    save_file(state, str(DUMP / f"rank{RANK}.safetensors"))
    (DUMP / f"rank{RANK}.json").write_text(json.dumps({
        "status": result.status, "run_dir": self.run_dir, "global_step": self.global_step,
        "steps_per_epoch": self.steps_per_epoch, "local_examples": len(self.train),
        "rank_batch": self.rank_batch, "world_size": self.group.world_size}))
    return result


Trainer.run = run
sys.exit(cli.main(sys.argv[1:]))
