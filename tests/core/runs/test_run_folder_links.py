"""A run folder someone sends you may hold links where files or folders should be: nothing is ever written,
appended, renamed into or deleted through them, a folder holding one is refused for writing (exit 2, one
line naming the entry), and reading it stays possible."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from convscope.core.cli import main
from convscope.core.runs import checkpoints as C
from convscope.core.runs.resume import resume_status

TRAIN = ["--arch", "lenet", "--dataset", "fashion-mnist-sample", "--subset", "64", "--device", "cpu"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("links") / "run"
    assert main(["train", *TRAIN, "--epochs", "2", "--out", str(out)]) == 0
    return out


def copy_run(trained: Path, where: Path, name: str = "run") -> Path:
    run = where / name
    shutil.copytree(trained, run, symlinks=True)
    return run


def snapshot_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and mode (what an attack through a link would change)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mode)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def last_error(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err and err[-1].startswith("error: "), err
    assert "Traceback" not in "\n".join(err)
    return err[-1]


def plant(run: Path, entry: str, elsewhere: Path, trained: Path) -> tuple[Path, object]:
    """Replace ``entry`` of ``run`` by a link to something outside it; (what it points to, a check that
    the outside is untouched)."""
    if entry == C.METRICS:  # a one-line token file without a final newline: a resume would truncate it
        target = elsewhere / "token.txt"
        target.write_bytes(b"do-not-touch-this-token")
        os.chmod(target, 0o644)
    elif entry == ".lock":  # a lock link to a file that does not exist: opening it would create it
        target = elsewhere / "created-by-the-lock"
    else:  # resume/ or snapshots/: a link to another run, whose files would be written, moved, thinned
        target = copy_run(trained, elsewhere, "other-run")
        (target / "000000001-d0.st.gz").write_bytes(b"another folder's file")
        (target / "state.json").write_bytes(b'{"level": 0}')
    before = snapshot_of(elsewhere)
    path = run / entry
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)

    def untouched():
        assert snapshot_of(elsewhere) == before
        assert not (entry == ".lock" and target.exists()), "the lock link created a file at its target"
    return target, untouched


@pytest.mark.parametrize("entry", [C.METRICS, ".lock", C.RESUME_DIR, "snapshots"])
def test_resume_refuses_a_folder_with_a_link_and_changes_nothing_outside(trained, tmp_path, capsys, entry):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = copy_run(trained, tmp_path)
    _target, untouched = plant(run, entry, elsewhere, trained)
    inside = snapshot_of(run)
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 2
    line = last_error(capsys)
    assert entry in line and "symbolic link" in line, line
    untouched()
    assert snapshot_of(run) == inside  # refused before anything was changed
    epoch, why = resume_status(run)  # the window's Continue is off, and says why
    assert epoch is None and entry in why


def test_overwrite_refuses_a_snapshots_link_and_deletes_nothing_elsewhere(trained, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = copy_run(trained, tmp_path)
    _target, untouched = plant(run, "snapshots", elsewhere, trained)
    assert main(["train", *TRAIN, "--epochs", "1", "--out", str(run), "--overwrite"]) == 2
    assert "snapshots" in last_error(capsys)
    untouched()
    assert (run / C.WEIGHTS).is_file()  # the run that was there is kept too


def test_a_training_into_a_folder_with_a_link_fails_before_writing(trained, tmp_path):
    """The window's Train into a folder (and its Continue): the engine refuses the same folder."""
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = copy_run(trained, tmp_path)
    _target, untouched = plant(run, "snapshots", elsewhere, trained)
    config = make_config("lenet", "fashion-mnist-sample", epochs=1, subset=32, device="cpu")
    result = Trainer(config, run_dir=str(run)).run()
    assert result.status == "failed" and "snapshots" in result.message and "link" in result.message
    untouched()


def test_writes_never_go_through_a_link_put_in_place_later(trained, tmp_path):
    """A link that appears after the folder was checked: every write path refuses it at the open."""
    from convscope.core.runs.replay import remove_snapshots
    from convscope.core.runs.resume import park_epoch_files
    from convscope.core.runs.runlock import RunLock

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = copy_run(trained, tmp_path)
    writer = C.RunWriter(run)
    for entry in (C.METRICS, ".lock", C.RESUME_DIR, "snapshots"):
        _target, untouched = plant(run, entry, elsewhere, trained)
        inside = snapshot_of(run)
        if entry == C.METRICS:
            with pytest.raises(OSError):
                writer.append_metrics({"epoch": 3})
        elif entry == ".lock":
            with pytest.raises(OSError):
                RunLock(run).acquire()
        elif entry == C.RESUME_DIR:  # a stop during a resumed epoch parks the last epoch's files
            with pytest.raises(OSError):
                park_epoch_files(run)
        else:
            remove_snapshots(run)
        untouched()
        assert snapshot_of(run) == inside, entry  # nothing moved away either
        (run / entry).unlink()
        shutil.rmtree(elsewhere)
        elsewhere.mkdir()


def test_a_fifo_in_the_run_folder_is_refused_without_blocking(trained, tmp_path, capsys):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    run = copy_run(trained, tmp_path)
    (run / ".lock").unlink()
    os.mkfifo(run / ".lock")
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 2
    line = last_error(capsys)
    assert ".lock" in line and "named pipe" in line
    assert stat.S_ISFIFO(os.lstat(run / ".lock").st_mode)


def test_a_received_folder_of_links_still_reads(trained, tmp_path, capsys):
    """Reading through a received folder's links is reading: evaluate, export and opening still work."""
    copy = copy_run(trained, tmp_path, "files")
    run = tmp_path / "received"
    run.mkdir()
    for p in copy.iterdir():
        if p.is_file() and p.name != ".lock":
            (run / p.name).symlink_to(p)
    assert main(["evaluate", "--checkpoint", str(run), "--json"]) == 0
    assert main(["export", "--checkpoint", str(run), "--format", "csv", "--output", str(tmp_path / "m.csv")]) == 0
    assert C.load_run(run).epoch == 2
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 2
    assert "symbolic link" in last_error(capsys)
    assert {p.name: p.is_symlink() for p in run.iterdir()} == {p.name: True for p in run.iterdir()}
