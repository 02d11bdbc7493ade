"""Bounded reads of untrusted files: regular files only, with a size cap, never blocking.

A run directory, a dataset folder or an image given to ``predict`` may hold anything: a symlink to
``/dev/zero``, a named pipe (FIFO) that blocks whoever opens it, a folder, a sparse file of many GiB, a
gzip bomb. Everything ConvScope reads from disk goes through here first: the file is opened without
blocking (``O_NONBLOCK``), refused unless it is a regular file (``fstat``), refused when larger than what
its kind of file can be, and read at most that far. :class:`FileRefused` says why, in words that follow
the file's name ("is a named pipe (FIFO), not a regular file").
"""
from __future__ import annotations

import json
import os
import stat
import zlib

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
JSON_LIMIT = 4 * MIB  # config.json, status.json, optimizer.json
METRICS_LIMIT = 64 * MIB  # metrics.jsonl: a line per epoch
METRICS_MAX_LINES = 20_000  # twice the 10,000 epochs a run can have: the bytes alone do not bound the work
METRICS_LINE_LIMIT = 4 * KIB  # one epoch's record is about 250 bytes
METRICS_MAX_KEYS = 32  # it has 8
SAFETENSORS_HEADER_LIMIT = 16 * MIB
IMAGE_FILE_LIMIT = 256 * MIB  # an image given to predict


class FileRefused(ValueError):
    """A file that is not read: not a regular file, too large, or malformed; the text follows its name."""


def human_size(n: int) -> str:
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words ("a named pipe (FIFO)", "a symbolic link"…)."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def open_regular(path: str | os.PathLike) -> tuple[int, int]:
    """A file descriptor of ``path`` opened for reading, and its size; :class:`FileRefused` unless it is a
    regular file. Never blocks (a FIFO is opened non-blocking, then refused)."""
    # O_NONBLOCK: a FIFO opens at once (then refused) instead of waiting for a writer; Windows has no
    # FIFOs and no O_NONBLOCK, and needs O_BINARY so that bytes are read as they are.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(f"is {file_kind(st.st_mode)}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def _too_large(size: int, limit: int) -> FileRefused:
    return FileRefused(f"is {human_size(size)}, more than the {human_size(limit)} such a file can be")


def read_fd(fd: int, limit: int, size: int) -> bytes:
    """At most ``limit`` bytes of an open file; :class:`FileRefused` when it holds more."""
    if size > limit:
        raise _too_large(size, limit)
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, min(8 * MIB, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:  # grew while we read
            raise _too_large(total, limit)
    return b"".join(chunks)


def read_exactly(fd: int, n: int) -> bytes:
    """The next ``n`` bytes of an open file (fewer at its end)."""
    chunks, total = [], 0
    while total < n:
        chunk = os.read(fd, min(8 * MIB, n - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_bounded(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused (:class:`FileRefused`) when it holds more than
    ``limit``. ``FileNotFoundError`` and other ``OSError`` pass through."""
    fd, size = open_regular(path)
    try:
        return read_fd(fd, limit, size)
    finally:
        os.close(fd)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON (strict JSON has no NaN or Infinity)")


def loads_strict(text: str | bytes):
    """``json.loads`` without NaN/Infinity; any malformed input raises ``ValueError`` (or RecursionError)."""
    return json.loads(text, parse_constant=_refuse_constant)


def _flat_record(value) -> dict | None:
    """A metrics record: an object of at most METRICS_MAX_KEYS keys, its plain values (nested ones are
    left out: a record holds numbers); None for anything else."""
    if not isinstance(value, dict) or len(value) > METRICS_MAX_KEYS:
        return None
    return {k: v for k, v in value.items() if not isinstance(v, (dict, list))}


def metrics_lines(text: str) -> tuple[list[tuple[int, dict | None]], int]:
    """The lines of a ``metrics.jsonl``, read within bounds: ``(line number, record)`` for every line that
    is not blank (record None when the line is not an object of at most METRICS_MAX_KEYS keys in at most
    METRICS_LINE_LIMIT characters; its nested values left out), and the number of lines.
    :class:`FileRefused` past METRICS_MAX_LINES lines, before any is parsed: work and memory stay bounded."""
    count = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    if count > METRICS_MAX_LINES:
        raise FileRefused(f"holds {count:,} lines, more than the {METRICS_MAX_LINES:,} a run writes (one per "
                          f"epoch)")
    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = None
        if len(line) <= METRICS_LINE_LIMIT:
            try:
                record = _flat_record(loads_strict(line))
            except (ValueError, RecursionError):
                pass
        out.append((number, record))
    return out, len(lines)


def inflate_bounded(raw: bytes, header_size, drain_limit: int = 256 * MIB) -> bytes:
    """A gzip stream decompressed no further than its own header allows: ``header_size(head)`` gets the
    first bytes decompressed so far and returns how many more it needs (a header), the total size the
    header declares (``("total", n)``), or None (not a header it knows: stop). One byte past a declared
    total is returned so that padding is seen (the rest is decompressed and dropped, up to ``drain_limit``
    bytes, so that corrupt data is told from padding by the stream's own CRC). ``zlib.error`` for corrupt
    data, ``EOFError`` for a stream cut short."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    tail = raw

    def pull(n: int) -> None:
        nonlocal tail
        while n > 0:
            chunk = d.decompress(tail, n)
            tail = d.unconsumed_tail
            if not chunk:
                if d.eof or not tail:
                    return
                continue
            out.extend(chunk)
            n -= len(chunk)

    while True:
        want = header_size(bytes(out))
        if want is None:
            return bytes(out)
        if isinstance(want, tuple):  # ("total", n): the data the header declares, plus one
            pull(want[1] - len(out) + 1)
            break
        before = len(out)
        pull(want)
        if len(out) == before:
            return bytes(out)
    if len(out) > want[1]:  # more than declared: padding, or corrupt data decoded as garbage? Read on a
        budget = drain_limit  # bounded way, keeping nothing, to reach the end marker and its CRC check
        while not d.eof and budget > 0:
            chunk = d.decompress(tail, min(8 * MIB, budget))
            tail = d.unconsumed_tail
            if not chunk and not tail:
                break
            budget -= len(chunk)
    if d.eof and d.unused_data.strip(b"\0") and len(out) == want[1]:
        out.append(0)  # another gzip member follows: data past the declared size, i.e. padding
    if not d.eof and (len(out) <= want[1] or not tail):  # no end marker (with its CRC): cut short
        raise EOFError("the compressed stream ends before its end marker (the file is cut short)")
    return bytes(out)
