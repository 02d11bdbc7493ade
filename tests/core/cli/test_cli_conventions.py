"""What people expect of a torch tool's command line: help for every option, aligned lists, settings from a
file, and a download that says how far it is."""
from __future__ import annotations

import io
import json

import pytest

from convscope.core.cli import build_parser, main
from convscope.core.cli.progress import DownloadLine


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_every_option_of_every_command_says_what_it_does():
    missing = [f"{name} {a.option_strings[0]}" for name, sub in _subparsers().items() for a in sub._actions
               if a.option_strings and a.dest != "help" and not (a.help or "").strip()]
    assert missing == []


def test_the_presets_list_is_aligned(capsys):
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 20
    # The name column starts at the same place on every line (the widest id, arch and dataset set it).
    starts = {len(line) - len(line.split("  ")[-1].lstrip()) for line in lines}
    name_starts = set()
    for line in lines:
        parts = line.split()
        arch, dataset = parts[1], parts[2]
        name_starts.add(line.index(dataset, line.index(arch) + len(arch)) + 0)
    assert len(name_starts) == 1 and starts


def _train(tmp_path, *extra):
    out = tmp_path / "run"
    code = main(["train", "--subset", "16", "--batch-size", "8", "--device", "cpu", "--out", str(out), "--json",
                 *extra])
    return code, out


def test_settings_come_from_a_toml_file_and_options_win(tmp_path, capsys):
    config = tmp_path / "lenet.toml"
    config.write_text('arch = "lenet"\ndataset = "fashion-mnist-sample"\noptimizer = "sgd"\nlr = 0.05\n'
                      'momentum = 0.5\nepochs = 1\nseed = 7\n')
    code, out = _train(tmp_path, "--config", str(config), "--lr", "0.02")
    assert code == 0, capsys.readouterr().err
    saved = json.loads((out / "config.json").read_text())
    assert saved["dataset"] == "fashion-mnist-sample" and saved["optimizer"] == "sgd"
    assert saved["momentum"] == 0.5 and saved["seed"] == 7 and saved["epochs"] == 1
    assert saved["lr"] == 0.02  # the command line wins over the file


@pytest.mark.parametrize("text, words", [
    ('arch = "lenet"\nlearning_rate = 0.1\n', "unknown setting 'learning_rate'"),
    ('arch = "lenet"\nlr = [0.1, 0.2]\n', "lr must be a single value, not a list"),
    ("arch = lenet\n", "is not valid TOML"),
    ("epochs = 2.5\n", "epochs must be a whole number"),
    ('lr = -1.0\n', "learning rate must be a positive number"),
    ('arch = "resnet-9000"\n', "resnet-9000"),
    ("lr = " + "[" * 5_000 + "]" * 5_000 + "\n", "it nests too deeply"),  # past the parser's recursion
])
def test_a_bad_settings_file_is_one_line_naming_what_is_wrong(tmp_path, capsys, text, words):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    code, out = _train(tmp_path, "--config", str(config), "--epochs", "1")
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err and not out.exists()


def test_a_missing_or_binary_settings_file_is_refused(tmp_path, capsys):
    code, _ = _train(tmp_path, "--config", str(tmp_path / "nope.toml"))
    assert code == 2 and "no such file" in capsys.readouterr().err
    binary = tmp_path / "x.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, _ = _train(tmp_path, "--config", str(binary))
    assert code == 2 and "not a UTF-8 text file" in capsys.readouterr().err


def test_a_download_prints_its_progress_every_tenth_when_not_on_a_terminal():
    stream = io.StringIO()
    line = DownloadLine(stream)
    total = 170_000_000
    for done in range(0, total + 1, 1_000_000):
        line(done, total, "cifar-10-python.tar.gz")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "downloading cifar-10-python.tar.gz: 0.0 of 170.0 MB (0%)"
    assert lines[-1] == "downloading cifar-10-python.tar.gz: 170.0 of 170.0 MB (100%)"
    assert 10 <= len(lines) <= 12


def test_the_commands_that_load_data_report_downloads(monkeypatch, tmp_path, capsys):
    from convscope.core.data import download, loading

    seen = []

    def fake_download(name, root, progress=None, **kwargs):
        seen.append(progress)
        progress(5_000_000, 10_000_000, "train-images-idx3-ubyte.gz")
        raise OSError("no network in the test")

    monkeypatch.setattr(download, "download_dataset", fake_download)
    monkeypatch.setattr(loading, "default_root", lambda: tmp_path / "datasets")
    monkeypatch.setattr(loading, "_installed", lambda info, split: None)
    try:
        code = main(["train", "--dataset", "mnist", "--epochs", "1"])
    finally:
        loading.set_download_progress(None)
    err = capsys.readouterr().err
    assert code == 2 and isinstance(seen[0], DownloadLine)
    assert "downloading train-images-idx3-ubyte.gz: 5.0 of 10.0 MB (50%)" in err
