"""TOML read as untrusted text: the standard library's ``tomllib`` (``tomli`` on Python 3.10), whose every
failure — a syntax error, or nesting deep enough to exhaust the parser's recursion — is one
:class:`TomlError` with a sentence to show. Used by the settings files of ``train --config`` and by lesson
packs, which each say which file it was."""
from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the backport
    import tomli as tomllib


class TomlError(ValueError):
    """Text that is not valid TOML; ``str()`` says why, starting "is not valid TOML"."""


def loads(text: str) -> dict:
    """The table ``text`` holds; :class:`TomlError` when it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlError(f"is not valid TOML: {exc}") from None
    except RecursionError:
        raise TomlError("is not valid TOML: it nests too deeply") from None
