"""``summary``: the counted table, and with --measure the measured columns and the step's totals."""
import json

from convscope.core.cli import EXIT_BAD_INPUT, EXIT_OK, main


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_json_rows_without_measuring(capsys):
    code, out, _ = run_cli(capsys, "summary", "--arch", "lenet", "--json")
    data = json.loads(out)
    assert code == EXIT_OK and data["total_params"] == 61_706
    assert "forward_ms" not in data["rows"][0] and "step_ms" not in data


def test_summary_measure_adds_the_measured_columns(capsys, monkeypatch):
    import convscope.core.insight.cost as cost

    monkeypatch.setattr(cost, "MAX_STEPS", 3)  # the fewest timed steps: a test times nothing
    code, out, err = run_cli(capsys, "summary", "--arch", "lenet", "--measure", "--batch-size", "4",
                             "--device", "cpu", "--json")
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert data["batch_size"] == 4 and data["device"].startswith("CPU")
    for key in ("step_ms", "saved_bytes", "peak_gflops", "param_bytes", "optimizer_bytes"):
        assert data[key] > 0, key
    assert data["param_bytes"] == 4 * data["total_params"]
    conv1 = data["rows"][0]
    assert conv1["name"] == "conv1" and conv1["forward_ms"] > 0 and conv1["backward_ms"] > 0
    assert conv1["saved_bytes"] == 4 * 28 * 28 * 4 and conv1["gflops_per_s"] > 0
    code, out, _ = run_cli(capsys, "summary", "--arch", "lenet", "--measure", "--batch-size", "2")
    assert code == EXIT_OK and "whole step" in out and "fwd ms" in out and "kept for backward" in out


def test_measure_options_without_measure_are_refused(capsys):
    code, out, err = run_cli(capsys, "summary", "--batch-size", "8")
    assert code == EXIT_BAD_INPUT and out == "" and "--measure" in err and len(err.strip().splitlines()) == 1


def test_a_missing_gpu_is_refused_in_one_line(capsys, monkeypatch):
    import convscope.core.setup.config as C

    monkeypatch.setattr(C, "_cuda_available", lambda: False)
    code, _, err = run_cli(capsys, "summary", "--measure", "--device", "cuda")
    assert code == EXIT_BAD_INPUT and "no CUDA GPU" in err


def test_measure_refuses_while_a_training_runs(capsys):
    from convscope.core.base import training_flag

    with training_flag.training():
        code, _, err = run_cli(capsys, "summary", "--measure", "--batch-size", "2")
    assert code == EXIT_BAD_INPUT and "training" in err
