"""A run as one file: the run folder packed into a ``.convscope`` bundle, and opened back without trusting it.

A bundle is a zip archive (deflated) of the run folder's files — ``config.json``, ``metrics.jsonl``, the
weights and optimizer state, ``status.json``, ``run.json``, ``train_state.safetensors``, ``resume/`` and
``snapshots/`` (and any other regular file ConvScope wrote there) — plus ``bundle.json``::

    {"format": "convscope-bundle", "version": 1, "run": "<the folder's name>",
     "files": {"config.json": 812, "snapshots/000000010-g0.st.gz": 20511, …}}

naming every member with its size. Nothing in it is executed or unpickled: the run files are the same
untrusted input a run folder is (see :mod:`core.runs.checkpoints`).

Opening one (:func:`open_bundle`) checks the whole archive before a byte is inflated: every member name is
relative, made of plain parts (no ``..``, no absolute path, no drive, no backslash, no control
character), names a regular file (a member stored as a link or a device is refused), is listed in
``bundle.json`` with the size its zip header gives, and the sizes add up to at most
:data:`INFLATED_LIMIT`; then each member is inflated in chunks and refused the moment it yields more
bytes than declared (a zip bomb stops there, whatever its header claims). The files go into a new private
folder (``0700``) under the system's temporary folder, never into the runs folder, opened with
``O_EXCL | O_NOFOLLOW``, so nothing outside that folder can be written. The folder is removed when the
process exits; :func:`copy_to_runs` copies it into a runs folder when the user asks to continue it.

:class:`BundleError` says what is wrong, naming the bundle and the member; ``load_run`` turns it into a
:class:`~core.runs.checkpoints.CheckpointError`, so every caller that opens runs reports it.
"""
from __future__ import annotations

import atexit
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from convscope.core.base.safe_read import MIB, FileRefused, human_size, loads_strict, read_bounded

SUFFIX = ".convscope"
MANIFEST = "bundle.json"
FORMAT = "convscope-bundle"
VERSION = 1
FILE_LIMIT = 512 * MIB  # the bundle file itself
INFLATED_LIMIT = 1024 * MIB  # all its members, inflated
MAX_MEMBERS = 2000  # a run folder holds a dozen files and at most ~1,000 snapshots
MANIFEST_LIMIT = 1 * MIB
CHUNK = 1 * MIB
_PART = re.compile(r"^[A-Za-z0-9_.+-][A-Za-z0-9_.+ -]{0,127}$")  # a plain file or folder name
_LEFT_OUT = {".lock"}  # the writer's lock belongs to the folder, not to the run
# As core.runs.checkpoints names them (which imports this module to open bundles): a run's config, and the
# prefix of the temporary files its atomic writes leave behind when killed.
CONFIG = "config.json"
TMP_PREFIX = ".tmp-"


class BundleError(ValueError):
    """A file that is no bundle ConvScope can open, or one it refuses; one sentence for the user."""


def is_bundle(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a file (not a folder) that should be opened as a bundle: it ends in
    ``.convscope``, or it is a zip archive."""
    path = Path(path).expanduser()
    if path.is_dir():
        return False
    return path.suffix == SUFFIX or (path.is_file() and zipfile.is_zipfile(path))


def run_folder(path: str | os.PathLike) -> Path:
    """The run folder ``path`` names: a folder as it is, a bundle unpacked (:func:`open_bundle`). Every
    reader of runs goes through here, so a bundle opens wherever a folder does; :class:`BundleError`."""
    path = Path(path).expanduser()
    return open_bundle(path) if not path.is_dir() and is_bundle(path) else path


# -------------------------------------------------------------------------------------------- writing
def _members(run_dir: Path) -> list[tuple[str, Path]]:
    """(name in the bundle, path) of every regular file of the run folder, sorted; links, special files,
    temporary files and the lock are left out."""
    found = []
    for root, dirs, files in os.walk(run_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(run_dir).as_posix()
            if name in _LEFT_OUT or name.startswith(TMP_PREFIX) or rel == MANIFEST:
                continue
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue  # a link or a special file: never packed (and never followed)
            found.append((rel, path))
    return found


def bundle_bytes(run_dir: str | os.PathLike) -> bytes:
    """The bundle of ``run_dir`` as bytes (a run folder is a few MiB: built in memory, written at once)."""
    run_dir = Path(run_dir).expanduser()
    if not (run_dir / CONFIG).is_file():
        raise BundleError(f"{run_dir} holds no run ({CONFIG} is missing); pass a folder written by "
                          f"'train --out'.")
    members = _members(run_dir)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        sizes = {}
        for rel, path in members:
            data = path.read_bytes()
            sizes[rel] = len(data)
            info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
        manifest = {"format": FORMAT, "version": VERSION, "run": run_dir.name, "files": sizes}
        info = zipfile.ZipInfo(MANIFEST, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        zf.writestr(info, json.dumps(manifest, indent=1, ensure_ascii=False))
    return buf.getvalue()


# -------------------------------------------------------------------------------------------- reading
def _refuse(bundle: Path, why: str) -> BundleError:
    return BundleError(f"{bundle} cannot be opened as a ConvScope run: {why}. Nothing was written; ask for "
                       f"the run again, or export it again with 'convscope export --format bundle'.")


def check_name(name: str) -> str | None:
    """Why ``name`` cannot be a member of a bundle, or None when it is a plain relative path."""
    if not name or len(name) > 400:
        return "an empty or overlong name"
    if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "a path that leaves its folder ('..', '.' or an empty part)"
    if not all(_PART.match(part) for part in parts):
        return "a name with characters a run folder never holds"
    if len(parts) > 2:
        return "a folder nested deeper than a run folder's"
    return None


def _manifest(bundle: Path, zf: zipfile.ZipFile) -> dict:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise _refuse(bundle, f"it has no {MANIFEST} (it is a zip archive, but not a ConvScope bundle)") from None
    if info.file_size > MANIFEST_LIMIT:
        raise _refuse(bundle, f"its {MANIFEST} declares {human_size(info.file_size)}")
    data = _inflate(bundle, zf, info, info.file_size)
    try:
        manifest = loads_strict(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise _refuse(bundle, f"its {MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(bundle, f"its {MANIFEST} is not a ConvScope bundle's")
    version = manifest.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _refuse(bundle, f"its {MANIFEST} records no valid version")
    if version > VERSION:
        raise BundleError(f"{bundle} was made by a newer ConvScope (bundle version {version}; this version "
                          f"opens up to {VERSION}). Update ConvScope to open it.")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                              and v >= 0 for k, v in files.items()):
        raise _refuse(bundle, f"its {MANIFEST} lists no files with their sizes")
    return manifest


def _inflate(bundle: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, declared: int) -> bytes:
    """The member inflated, refused as soon as it yields more than ``declared`` bytes."""
    out = bytearray()
    try:
        with zf.open(info) as member:
            while True:
                chunk = member.read(CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > declared:
                    raise _refuse(bundle, f"{info.filename} inflates past the {human_size(declared)} it declares")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError) as exc:
        if isinstance(exc, BundleError):
            raise
        raise _refuse(bundle, f"{info.filename} is damaged ({type(exc).__name__})") from None
    if len(out) != declared:
        raise _refuse(bundle, f"{info.filename} holds {len(out)} bytes, not the {declared} it declares")
    return bytes(out)


def _check_members(bundle: Path, zf: zipfile.ZipFile, files: dict) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(bundle, f"it holds {len(infos)} members (a run has at most {MAX_MEMBERS})")
    seen, total, members = set(), 0, []
    for info in infos:
        name = info.filename
        why = check_name(name.rstrip("/") if info.is_dir() else name)
        if why:
            raise _refuse(bundle, f"the member {name!r} is {why}")
        if name in seen:
            raise _refuse(bundle, f"the member {name} is there twice")
        seen.add(name)
        mode = info.external_attr >> 16
        if info.is_dir():
            continue
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: a zip that records permissions only
            raise _refuse(bundle, f"the member {name} is stored as a link or a special file, not a file")
        if info.flag_bits & 0x1:
            raise _refuse(bundle, f"the member {name} is encrypted")
        if name == MANIFEST:
            continue
        if files.get(name) != info.file_size:
            raise _refuse(bundle, f"the member {name} is not listed in {MANIFEST} with its size")
        total += info.file_size
        if total > INFLATED_LIMIT:
            raise _refuse(bundle, f"its files add up to more than {human_size(INFLATED_LIMIT)}")
        members.append(info)
    missing = sorted(set(files) - seen)
    if missing:
        raise _refuse(bundle, f"{MANIFEST} lists {missing[0]}, which it does not hold")
    return members


_opened: list[tempfile.TemporaryDirectory] = []


def _cleanup() -> None:
    while _opened:
        _opened.pop().cleanup()


atexit.register(_cleanup)


def open_bundle(path: str | os.PathLike, into: str | os.PathLike | None = None) -> Path:
    """Unpack the bundle ``path`` into a new private folder (under ``into``, default the system's temporary
    folder; removed when the process exits) and return the run folder inside it, named as the run was.
    :class:`BundleError` when it cannot be opened; nothing is written anywhere then."""
    bundle = Path(path).expanduser()
    try:
        data = read_bounded(bundle, FILE_LIMIT)
    except FileNotFoundError:
        raise BundleError(f"{bundle} does not exist; pass a .convscope file or a run folder.") from None
    except FileRefused as exc:
        raise BundleError(f"{bundle} cannot be opened as a ConvScope run: it {exc}.") from None
    except OSError as exc:
        raise BundleError(f"{bundle} cannot be read: {exc.strerror or exc}.") from None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _refuse(bundle, "it is not a zip archive") from None
    with zf:
        manifest = _manifest(bundle, zf)
        members = _check_members(bundle, zf, manifest["files"])
        if not any(info.filename == CONFIG for info in members):
            raise _refuse(bundle, f"it holds no {CONFIG}")
        name = manifest.get("run") if isinstance(manifest.get("run"), str) else ""
        name = name if name and check_name(name) is None and "/" not in name else "run"
        contents = [(info, _inflate(bundle, zf, info, info.file_size)) for info in members]
    holder = tempfile.TemporaryDirectory(prefix="convscope-bundle-", dir=into)
    run_dir = Path(holder.name) / name
    try:
        os.mkdir(run_dir, 0o700)
        for info, content in contents:
            target = run_dir / info.filename
            if "/" in info.filename:
                os.makedirs(target.parent, mode=0o700, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(content)
    except OSError as exc:
        holder.cleanup()
        raise BundleError(f"{bundle} could not be unpacked into {holder.name}: {exc.strerror or exc}.") from None
    _opened.append(holder)
    return run_dir


def copy_to_runs(run_dir: str | os.PathLike, runs_root: str | os.PathLike) -> Path:
    """Copy an opened bundle's run folder into ``runs_root`` under a name not taken yet; the new folder."""
    run_dir, runs_root = Path(run_dir), Path(runs_root).expanduser()
    runs_root.mkdir(parents=True, exist_ok=True)
    target, n = runs_root / run_dir.name, 1
    while target.exists() or target.is_symlink():
        n += 1
        target = runs_root / f"{run_dir.name}-{n}"
    shutil.copytree(run_dir, target, symlinks=False)
    return target
