"""One writer per run folder: an operating-system lock on ``RUN_DIR/.lock``, held while a run trains.

``flock`` on POSIX (an open file description of its own per lock, so two trainers in one process
exclude each other too), ``msvcrt.locking`` on Windows. The system drops the lock when its holder ends,
however it ends (a crash, ``kill -9``), so a stale lock never blocks a folder. The lock file itself is
left in place (removing it would race with the next writer) and holds nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

from convscope.core.base.safe_write import open_for_write

LOCK_FILE = ".lock"

try:  # POSIX
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
except ImportError:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


class RunLocked(RuntimeError):
    """Another training is writing this run folder."""


def locked_message(run_dir: Path) -> str:
    return (f"another training is writing to {run_dir} right now (it holds the folder's lock); wait for "
            f"it to finish, stop it, or choose another folder.")


class RunLock:
    """The writer's lock of one run folder: ``acquire()`` (refuses at once with :class:`RunLocked`),
    ``release()``; also a context manager. Acquiring again while held is a no-op."""

    def __init__(self, run_dir: str | os.PathLike):
        self.dir = Path(run_dir).expanduser()
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        if self._fd is not None:
            return self
        fd = open_for_write(self.dir / LOCK_FILE, os.O_CREAT)  # a link there is refused, never followed
        if not _try_lock(fd):
            os.close(fd)
            raise RunLocked(locked_message(self.dir))
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        except OSError:
            pass
        os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self):
        self.release()


def is_locked(run_dir: str | os.PathLike) -> bool:
    """Whether another writer holds the folder's lock now (False when there is no lock file)."""
    path = Path(run_dir).expanduser() / LOCK_FILE
    try:
        fd = open_for_write(path)  # a link or special file is no lock a writer holds
    except OSError:
        return False
    try:
        if _try_lock(fd):
            _unlock(fd)
            return False
        return True
    finally:
        os.close(fd)
