"""Writing inside a folder ConvScope owns (a run folder) without ever going through a link.

A run folder may come from someone else, and may hold a symbolic link where a file or sub-folder should
be: ``metrics.jsonl`` linked to a file elsewhere, ``resume/`` linked to another run, ``snapshots/`` to any
folder. Writing, appending, truncating, renaming into or deleting through such an entry would change
files outside the run folder. So nothing inside a run folder that is a link, or that is neither a regular
file nor a folder (a FIFO, a device, a socket), is ever written, appended, renamed into or deleted through:

* :func:`check_tree` refuses a folder holding such an entry (at its top and in the sub-folders named),
  with :class:`UnsafeEntry` naming it; a writer checks its folder with it before it changes anything;
* :func:`open_for_write` opens a file with no-follow semantics (``O_NOFOLLOW``) and refuses anything but
  a regular file (``fstat``), so a link put in place later is refused too;
* :func:`real_dir` checks a sub-folder with ``lstat`` before it is written into (creating it when asked).

Reading stays possible: a received run folder whose files are links to readable files still opens,
evaluates and exports (reading follows links; see :mod:`core.base.safe_read`). Removing an entry itself
(``os.unlink`` of a link) never touches what it points to, and the atomic writes' ``os.replace`` replaces a
link rather than writing through it; only folders reached through a link are the danger, and
:func:`real_dir` guards them.
"""
from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

from convscope.core.base.safe_read import file_kind

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, without changing it where the system tells it (Linux: ``/proc/self/status``);
    elsewhere read by setting it and putting it back at once."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def normal_file_mode() -> int:
    """The mode any program's new file gets: ``0o666`` less the umask (0644 with the usual umask 022).
    Files handed to the user (exports) get it; a run folder's own files stay private (``FILE_MODE``)."""
    return 0o666 & ~current_umask()


class UnsafeEntry(OSError):
    """An entry of a folder ConvScope writes that is a link or a special file; ``strerror`` is one sentence
    naming it and what to do. An ``OSError`` (``ELOOP``), so that every write path reports it."""

    def __init__(self, path: str | os.PathLike, mode: int, folder: str | os.PathLike | None = None):
        path = Path(path)
        where = path.relative_to(folder) if folder is not None and path.is_relative_to(folder) else path.name
        text = (f"{where} in {Path(folder) if folder is not None else path.parent} is {file_kind(mode)}; "
                f"ConvScope never writes, renames or deletes through links or special files in a run folder. "
                f"Copy the run's files (cp -rL) into a new folder to train it on; evaluate, predict and "
                f"export still read it as it is")
        super().__init__(errno.ELOOP, text)
        self.path = path


def entry_mode(path: str | os.PathLike) -> int | None:
    """The ``lstat`` mode of ``path`` (a link's own), or None when it does not exist."""
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return None


def _unsafe(mode: int, folder_ok: bool = True) -> bool:
    return not (stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode)))


def check_tree(folder: str | os.PathLike, subfolders: tuple[str, ...] = ()) -> None:
    """:class:`UnsafeEntry` for the first entry of ``folder`` (and of each of its ``subfolders``) that is a
    link or neither a regular file nor a folder. ``folder`` itself may be a link (the user named it)."""
    folder = Path(folder)
    for sub in ("", *subfolders):
        here = folder / sub if sub else folder
        if sub:
            mode = entry_mode(here)
            if mode is None:
                continue
            if _unsafe(mode):
                raise UnsafeEntry(here, mode, folder)
            if not stat.S_ISDIR(mode):
                continue
        try:
            entries = list(os.scandir(here))
        except FileNotFoundError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except FileNotFoundError:  # gone since it was listed (a live writer's temporary file)
                continue
            if _unsafe(mode):
                raise UnsafeEntry(Path(entry.path), mode, folder)


def real_dir(path: str | os.PathLike, create: bool = False, mode: int = 0o700) -> Path:
    """``path`` when it is a folder itself, not a link to one (``lstat``); created (``mode``) when absent
    and ``create``. :class:`UnsafeEntry` for a link or special file, ``NotADirectoryError`` for a file,
    ``FileNotFoundError`` when absent and not ``create``."""
    path = Path(path)
    if create and entry_mode(path) is None:
        try:
            os.mkdir(path, mode)  # never follows: an existing link (even a dangling one) is EEXIST
        except FileExistsError:
            pass
    found = entry_mode(path)
    if found is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    if stat.S_ISDIR(found):
        return path
    if stat.S_ISREG(found):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    raise UnsafeEntry(path, found)


def open_for_write(path: str | os.PathLike, flags: int = 0, mode: int = 0o600) -> int:
    """A file descriptor of ``path`` opened read-write (plus ``flags``: ``O_APPEND``, ``O_CREAT``…) without
    following a link (``O_NOFOLLOW``) and without blocking on a FIFO; :class:`UnsafeEntry` unless it is a
    regular file."""
    base = (os.O_RDWR | NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, base | flags, mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO, errno.EISDIR):  # a link, a FIFO, a folder
            found = entry_mode(path)
            if found is not None and _unsafe(found, folder_ok=False) and not stat.S_ISDIR(found):
                raise UnsafeEntry(path, found) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeEntry(path, st.st_mode)
        if getattr(os, "O_NONBLOCK", 0) and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd
