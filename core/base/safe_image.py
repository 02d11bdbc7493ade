"""The one way ConvScope opens an image file it did not write: an image folder's files, a photo given to
``predict`` or dropped on the window.

Pillow picks a plugin by a file's content, not its name, and some of its plugins hand the file to other
programs (EPS and PostScript run Ghostscript on it) or parse formats nobody trains on. So only the
formats of :data:`FORMATS` are tried, whatever the file is called: a ``digit.png`` that is really
PostScript is refused (:class:`ImageRefused`) before any other plugin sees it. The file is opened as
:func:`core.base.safe_read.open_regular` opens every untrusted file: without blocking (a FIFO named
``x.png`` is refused at once, never waited on), a regular file only (``fstat``), and at most
:data:`IMAGE_FILE_LIMIT` bytes. Pillow's decompression-bomb guard (``Image.MAX_IMAGE_PIXELS``) stays on.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from convscope.core.base.safe_read import IMAGE_FILE_LIMIT, FileRefused, human_size, open_regular

FORMATS = ("PNG", "JPEG", "BMP", "DIB", "GIF", "WEBP", "TIFF", "PPM")  # the Pillow plugins ever used
FORMAT_NAMES = "PNG, JPEG, BMP, GIF, WebP, TIFF or PPM"


class ImageRefused(FileRefused):
    """An image file that is not opened: not a regular file, too large, or not one of :data:`FORMATS`;
    the text follows the file's name ("is not a PNG, JPEG, … image")."""


@contextmanager
def open_image(path: str | os.PathLike, limit: int = IMAGE_FILE_LIMIT) -> Iterator:
    """The Pillow image of the file ``path``, its header read (pixels are decoded on first use, while
    the ``with`` block is open). :class:`ImageRefused` when it is not a regular file of at most ``limit``
    bytes in one of :data:`FORMATS`; ``FileNotFoundError`` and other ``OSError`` pass through, and
    Pillow's own errors (a corrupt file, a decompression bomb) are raised as Pillow raises them."""
    from PIL import Image, UnidentifiedImageError

    try:
        fd, size = open_regular(path)
    except FileRefused as exc:
        raise ImageRefused(str(exc)) from None
    with os.fdopen(fd, "rb") as fh:
        if size > limit:
            raise ImageRefused(f"is {human_size(size)}, more than the {human_size(limit)} an image can be")
        try:
            im = Image.open(fh, formats=FORMATS)
        except UnidentifiedImageError:
            raise ImageRefused(f"is not a {FORMAT_NAMES} image") from None
        with im:
            yield im
