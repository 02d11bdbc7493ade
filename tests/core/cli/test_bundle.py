"""A run as one .convscope file: exported, opened like a folder, and refused when it is not safe to open."""
from __future__ import annotations

import io
import json
import os
import stat
import zipfile

import pytest

from convscope.core.cli import main
from convscope.core.runs import bundle as B
from convscope.core.runs.checkpoints import load_run


def _json(capsys):
    out, err = capsys.readouterr()
    return json.loads(out.strip().splitlines()[-1]), err


@pytest.fixture
def bundle_file(lenet_run, tmp_path, capsys):
    out = tmp_path / "run.convscope"
    assert main(["export", "--checkpoint", str(lenet_run), "--format", "bundle", "--output", str(out), "--json"]) == 0
    done, _ = _json(capsys)
    assert done["format"] == "bundle" and done["bytes"] == out.stat().st_size
    return out


def test_a_bundle_evaluates_as_its_folder_does(lenet_run, bundle_file, capsys):
    assert main(["evaluate", "--checkpoint", str(lenet_run), "--device", "cpu", "--json"]) == 0
    folder, _ = _json(capsys)
    assert main(["evaluate", "--checkpoint", str(bundle_file), "--device", "cpu", "--json"]) == 0
    packed, _ = _json(capsys)
    assert packed["accuracy"] == folder["accuracy"] and packed["loss"] == folder["loss"]
    assert packed["n"] == folder["n"] > 0


def test_a_bundle_holds_every_run_file_and_opens_read_only_elsewhere(lenet_run, bundle_file, tmp_path):
    with zipfile.ZipFile(bundle_file) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(B.MANIFEST))
    files = {p.relative_to(lenet_run).as_posix() for p in lenet_run.rglob("*") if p.is_file()} - {".lock"}
    assert files <= names and manifest["files"].keys() == files
    assert any(n.startswith("snapshots/") for n in names)  # the replay travels too
    run = load_run(bundle_file)
    assert run.bundle == bundle_file and run.dir.name == lenet_run.name
    assert not run.dir.is_relative_to(lenet_run.parent) and stat.S_IMODE(run.dir.stat().st_mode) == 0o700
    assert run.metrics == load_run(lenet_run).metrics
    copied = B.copy_to_runs(run.dir, tmp_path / "runs")
    assert copied.parent == tmp_path / "runs" and load_run(copied).metrics == run.metrics


def _zip(members: dict[str, bytes], manifest: dict | None = None, links: tuple[str, ...] = ()) -> bytes:
    """A bundle-shaped zip: ``members`` and a manifest listing them (unless ``manifest`` is given)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((stat.S_IFLNK if name in links else stat.S_IFREG) | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
        zf.writestr(B.MANIFEST, json.dumps(manifest if manifest is not None else {
            "format": B.FORMAT, "version": 1, "run": "r", "files": {k: len(v) for k, v in members.items()}}))
    return buf.getvalue()


@pytest.mark.parametrize("name, why", [
    ("../evil.txt", "leaves its folder"),
    ("/tmp/evil.txt", "absolute path"),
    ("snapshots/../../evil.txt", "leaves its folder"),
    ("C:/evil.txt", "absolute path"),
    ("a\\..\\evil.txt", "absolute path"),
])
def test_members_that_leave_the_folder_are_refused_before_anything_is_written(lenet_run, tmp_path, capsys,
                                                                            monkeypatch, name, why):
    members = {p.name: p.read_bytes() for p in lenet_run.iterdir() if p.is_file()}
    members[name] = b"written outside"
    path = tmp_path / "evil.convscope"
    path.write_bytes(_zip(members))
    unpack = tmp_path / "unpack"
    unpack.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(unpack))
    assert main(["evaluate", "--checkpoint", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and why in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(unpack.iterdir()) == [] and not (tmp_path.parent / "evil.txt").exists()


def test_a_member_stored_as_a_link_is_refused(lenet_run, tmp_path, capsys):
    members = {p.name: p.read_bytes() for p in lenet_run.iterdir() if p.is_file()}
    members["status.json"] = b"/etc/passwd"
    path = tmp_path / "link.convscope"
    path.write_bytes(_zip(members, links=("status.json",)))
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    assert "link or a special file" in capsys.readouterr().err


def test_a_bundle_that_inflates_past_the_budget_is_refused(lenet_run, tmp_path, capsys, monkeypatch):
    members = {p.name: p.read_bytes() for p in lenet_run.iterdir() if p.is_file()}
    members["padding.bin"] = bytes(4 * 1024 * 1024)  # 4 MiB of zeros: a few kB deflated
    path = tmp_path / "bomb.convscope"
    path.write_bytes(_zip(members))
    assert path.stat().st_size < 1024 * 1024
    monkeypatch.setattr(B, "INFLATED_LIMIT", 2 * 1024 * 1024)
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    assert "add up to more than 2.0 MiB" in capsys.readouterr().err


def test_a_member_that_inflates_past_its_declared_size_is_stopped(lenet_run, tmp_path):
    members = {p.name: p.read_bytes() for p in lenet_run.iterdir() if p.is_file()}
    real = len(members["config.json"])
    manifest = {"format": B.FORMAT, "version": 1, "run": "r",
                "files": {k: (real - 10 if k == "config.json" else len(v)) for k, v in members.items()}}
    data = bytearray(_zip(members, manifest))
    # Both zip headers of config.json now declare 10 bytes fewer than it inflates to.
    for header, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = data.find(header)
        while at >= 0:
            if data[at + name_at:at + name_at + 11] == b"config.json":
                data[at + size_at:at + size_at + 4] = (real - 10).to_bytes(4, "little")
            at = data.find(header, at + 4)
    path = tmp_path / "liar.convscope"
    path.write_bytes(bytes(data))
    with pytest.raises(B.BundleError) as exc:
        B.open_bundle(path)
    assert "config.json" in str(exc.value)


@pytest.mark.parametrize("content, words", [
    (b"not a zip at all", "not a zip archive"),
    (None, "no bundle.json"),
])
def test_files_that_are_not_bundles_say_so(tmp_path, capsys, content, words):
    path = tmp_path / "x.convscope"
    if content is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("config.json", "{}")
        content = buf.getvalue()
    path.write_bytes(content)
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    assert words in capsys.readouterr().err


def test_a_bundle_from_a_newer_version_asks_for_an_update(tmp_path, capsys):
    path = tmp_path / "new.convscope"
    path.write_bytes(_zip({"config.json": b"{}"}, {"format": B.FORMAT, "version": 99, "run": "r",
                                                   "files": {"config.json": 2}}))
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    assert "newer ConvScope" in capsys.readouterr().err


def test_the_bundle_is_unpacked_with_private_permissions_and_removed_at_exit(bundle_file):
    run_dir = B.open_bundle(bundle_file)
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in run_dir.rglob("*") if p.is_file())
    holder = run_dir.parent
    B._cleanup()
    assert not holder.exists()


def test_a_bundle_is_checked_against_a_lesson_as_its_folder_is(lenet_run, bundle_file, capsys):
    args = ["lesson", "check", "builtin:lesson-relu-lenet", "--json", "--checkpoint"]
    folder_code = main(args + [str(lenet_run)])
    folder, _ = _json(capsys)
    assert main(args + [str(bundle_file)]) == folder_code
    packed, _ = _json(capsys)
    assert packed["checks"] == folder["checks"] and packed["lesson"] == folder["lesson"]
