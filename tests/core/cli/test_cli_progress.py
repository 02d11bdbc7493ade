"""What ``train`` prints: its result once, and for a long run an estimate once the first steps are timed."""
import io
import json

import numpy as np

from convscope.core.cli import Progress, main
from convscope.core.setup.config import make_config
from convscope.core.training.events import RunFinished, RunResult, RunStarted, StepMetrics

TRAIN = ["train", "--subset", "64", "--epochs", "1", "--batch-size", "32", "--device", "cpu"]


def test_train_prints_its_result_once(capsys):
    assert main(TRAIN) == 0
    out, err = capsys.readouterr()
    assert out.count("completed: trained 1 epoch(s)") == 1
    assert "completed:" not in err  # stdout has it: not a second time on the terminal


def test_train_json_keeps_the_human_result_on_stderr(capsys):
    assert main(TRAIN + ["--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out.strip().splitlines()[-1])["status"] == "completed"
    assert err.count("completed: trained 1 epoch(s)") == 1


def started(end_epoch=1):
    return RunStarted(make_config("lenet", "mnist-sample"), "CPU", 1000, 100, 100, 0, end_epoch, 61706)


def step(n, eta_s, rate=20.0):
    return StepMetrics(1, n, 100, np.array([n], dtype=np.int64), np.array([2.3], np.float32),
                       np.array([0.1], np.float32), 0.01, rate, eta_s)


def test_a_long_run_gets_one_estimate_once_its_first_steps_are_timed():
    stream = io.StringIO()
    progress = Progress(stream)
    progress(started())
    progress(step(1, eta_s=600.0))
    progress(step(2, eta_s=600.0))
    assert "estimate" not in stream.getvalue()  # one or two steps are not timed enough (the first is slow)
    progress(step(3, eta_s=595.0))
    progress(step(4, eta_s=590.0))
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("estimate")]
    assert lines == ["estimate: about 10 min of training on this computer "
                     "(20.0 images/s over the first 3 steps)"]
    progress(RunFinished(RunResult(status="completed", epochs=1, message="trained 1 epoch(s)")))
    assert stream.getvalue().splitlines()[-1] == "completed: trained 1 epoch(s)"


def test_a_short_run_gets_no_estimate_and_no_result_line_where_stdout_has_it():
    stream = io.StringIO()
    progress = Progress(stream, final_line=False)
    progress(started())
    for n in range(1, 6):
        progress(step(n, eta_s=5.0))
    progress(RunFinished(RunResult(status="completed", epochs=1, message="trained 1 epoch(s)")))
    assert "estimate" not in stream.getvalue() and "completed" not in stream.getvalue()
