"""The headless CLI contract: JSON shapes, exit codes, one-line errors."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from convscope.core.cli import main
from tests.conftest import write_mnist

ROOT = Path(__file__).resolve().parents[3]


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_train_json_writes_a_run_and_evaluate_reads_it(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run_cli(capsys, "train", "--arch", "lenet", "--dataset", "mnist-sample", "--epochs", "1",
                             "--subset", "512", "--device", "cpu", "--out", str(out_dir), "--json")
    assert code == 0, err
    result = last_json(out)
    assert set(result) == {"status", "epochs", "train_loss", "train_acc", "test_loss", "test_acc",
                           "examples_per_s", "seconds", "run_dir", "message"}
    assert result["status"] == "completed" and result["epochs"] == 1 and result["run_dir"] == str(out_dir)
    assert result["examples_per_s"] > 0 and 0 <= result["test_acc"] <= 1
    assert "epoch 1/1" in err  # human progress goes to stderr
    for name in ("config.json", "metrics.jsonl", "model.safetensors", "optimizer.safetensors", "status.json"):
        assert (out_dir / name).is_file(), name

    code, out, err = run_cli(capsys, "evaluate", "--checkpoint", str(out_dir), "--json")
    ev = last_json(out)
    assert code == 0 and set(ev) == {"accuracy", "loss", "n"} and ev["n"] == 500
    assert abs(ev["accuracy"] - result["test_acc"]) < 1e-9


def test_evaluate_on_a_root_with_only_the_test_split(capsys, tmp_path):
    run_dir = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--subset", "64", "--out", str(run_dir), "--device", "cpu"]) == 0
    root = write_mnist(tmp_path / "data", splits=("test",), n_test=50)
    capsys.readouterr()
    code, out, err = run_cli(capsys, "evaluate", "--checkpoint", str(run_dir), "--dataset", "mnist",
                             "--data-root", str(root), "--json")
    assert code == 0, err
    assert last_json(out)["n"] == 50


def test_real_mnist_test_set_accuracy(capsys, tmp_path, shared_mnist):
    run_dir = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--out", str(run_dir), "--device", "cpu"]) == 0
    capsys.readouterr()
    code, out, _ = run_cli(capsys, "evaluate", "--checkpoint", str(run_dir), "--dataset", "mnist",
                           "--data-root", str(shared_mnist), "--json")
    result = last_json(out)
    assert code == 0 and result["n"] == 10000
    assert result["accuracy"] > 0.93  # two epochs on 4,500 digits; five reach ≥ 0.975 (see README)


def test_archs_json_lists_every_architecture(capsys):
    code, out, _ = run_cli(capsys, "archs", "--json")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1
    entries = json.loads(lines[0])["architectures"]
    names = [e["name"] for e in entries]
    for name in ("lenet", "alexnet", "vgg11", "nin", "googlenet", "inception-net", "resnet18",
                 "resnet-small", "lenet-cifar"):
        assert name in names
    for e in entries:
        assert set(e) == {"name", "family", "input_size", "params", "flops"}
        assert len(e["input_size"]) == 3 and e["params"] > 0 and e["flops"] > 0
    by_name = {e["name"]: e for e in entries}
    assert by_name["nin"]["params"] == 790_630
    assert by_name["inception-net"]["params"] == 97_298
    assert by_name["lenet-cifar"]["params"] == 40_010


@pytest.mark.parametrize("args, message", [
    (["train", "--lr", "0"], "must be a positive number"),
    (["train", "--lr", "-1"], "must be a positive number"),
    (["train", "--batch-size", "0"], "must be at least 1"),
    (["train", "--arch", "lenett"], "Did you mean 'lenet'"),
    (["train", "--dataset", "imagenet"], "unknown dataset"),
    (["train", "--arch", "lenet", "--width", "0.5"], "no 'width' option"),
    (["train", "--dataset", "mnist", "--data-root", "/nonexistent/dir"], "does not exist"),
    (["evaluate", "--checkpoint", "/nonexistent/run"], "does not exist"),
    (["predict", "--checkpoint", "/nonexistent/run", "x.png"], "does not exist"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err


def test_unwritable_run_directory_is_bad_input(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli(capsys, "train", "--epochs", "1", "--out", str(blocker / "run"))
    assert code == 2 and "cannot write to run directory" in err


def test_subprocess_divergence_exit_code_and_bad_args():
    proc = subprocess.run([sys.executable, "main.py", "train", "--lr", "1000", "--subset", "256", "--epochs", "1",
                           "--device", "cpu", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == "diverged" and "lower the learning rate" in result["message"]
    assert "1000" in result["message"]
    proc = subprocess.run([sys.executable, "main.py", "train", "--epochs", "abc"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_sigint_stops_and_saves(tmp_path):
    """Ctrl+C during `train`: the run stops after the current batch, keeps its files, exits 0."""
    import signal
    import time

    from convscope.core.runs.checkpoints import load_run, read_metrics

    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "main.py", "train", "--dataset", "mnist-sample", "--epochs", "10000",
                             "--subset", "64", "--batch-size", "32", "--device", "cpu", "--out", str(out), "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not ((out / "metrics.jsonl").exists() and (out / "metrics.jsonl").read_text().count("\n") >= 2):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no epoch finished"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "stopping: the step under way is dropped" in stderr and "Traceback" not in stderr
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["status"] == "stopped" and result["epochs"] >= 2
    assert json.loads((out / "status.json").read_text())["status"] == "stopped"
    assert [m["epoch"] for m in read_metrics(out)] == list(range(1, result["epochs"] + 1))
    assert load_run(out).epoch >= result["epochs"]


def test_train_factorize_is_recorded_and_evaluate_and_resume_rebuild_that_network(capsys, tmp_path):
    from convscope.core.models import count_params
    from convscope.core.models.googlenet import Factorised
    from convscope.core.runs.checkpoints import load_run

    run = tmp_path / "run"
    base = ["train", "--arch", "inception-net", "--dataset", "mnist-sample", "--subset", "64", "--batch-size", "32",
            "--device", "cpu"]
    code, out, err = run_cli(capsys, *base, "--factorize", "--epochs", "1", "--out", str(run), "--json")
    assert code == 0, err
    trained = last_json(out)
    assert json.loads((run / "config.json").read_text())["factorize"] is True
    model = load_run(run).model
    assert count_params(model) == 83_234 and isinstance(model.incep2.branch5x5_2, Factorised)
    code, out, err = run_cli(capsys, "evaluate", "--checkpoint", str(run), "--json")
    assert code == 0 and abs(last_json(out)["accuracy"] - trained["test_acc"]) < 1e-9
    code, out, err = run_cli(capsys, "train", "--resume", str(run), "--epochs", "2", "--json")
    assert code == 0 and last_json(out)["epochs"] == 2, err
    assert json.loads((run / "config.json").read_text())["factorize"] is True
    assert isinstance(load_run(run).model.incep1.branch3x3_3, Factorised)

    plain = tmp_path / "plain"
    assert run_cli(capsys, *base, "--no-factorize", "--epochs", "1", "--out", str(plain))[0] == 0
    assert json.loads((plain / "config.json").read_text())["factorize"] is False
    assert count_params(load_run(plain).model) == 97_298
    code, out, err = run_cli(capsys, "train", "--arch", "lenet", "--factorize", "--epochs", "1")
    assert code == 2 and err.strip().splitlines() == [
        "error: lenet has no 'factorize' option; it takes activation."]
