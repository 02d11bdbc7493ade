"""``convscope --install-desktop-entry``: make the desktop know ConvScope and its ``.convscope`` files.

Done only when asked (never at start-up). Following the freedesktop.org specifications, it writes under
the user's XDG data folder (``$XDG_DATA_HOME``, default ``~/.local/share``):

* ``applications/convscope.desktop`` — the launcher entry: the name, the icon, the command that opens a
  file (``convscope %f``) and the MIME type it opens;
* ``mime/packages/convscope.xml`` — the MIME type ``application/x-convscope`` for ``*.convscope`` files (a
  zip archive underneath);
* ``icons/hicolor/scalable/apps/convscope.svg`` — the icon (the same as the window's).

then refreshes the desktop's caches where their tools are installed (``update-mime-database``,
``update-desktop-database``), so a double-click on a bundle opens it in the window. Nothing here imports
Qt: it runs from the command line before any window exists. :func:`remove` undoes it.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

MIME_TYPE = "application/x-convscope"
DESKTOP_FILE = "convscope.desktop"
MIME_FILE = "convscope.xml"
ICON_NAME = "convscope"

MIME_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{MIME_TYPE}">
    <comment>ConvScope run</comment>
    <comment xml:lang="zh_CN">ConvScope 训练结果</comment>
    <sub-class-of type="application/zip"/>
    <glob pattern="*.convscope"/>
    <icon name="{ICON_NAME}"/>
  </mime-type>
</mime-info>
"""


def data_home() -> Path:
    """``$XDG_DATA_HOME`` when it is an absolute path (the specification ignores a relative one), else
    ``~/.local/share``."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def launch_command() -> str:
    """The command the desktop runs: the ``convscope`` script installed beside this Python when there is
    one, else this Python running the package (a checkout installed in editable mode)."""
    script = Path(sys.executable).with_name("convscope")
    if script.is_file() and os.access(script, os.X_OK):
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m convscope"


def desktop_entry(command: str) -> str:
    """The text of ``convscope.desktop`` (Desktop Entry Specification 1.4)."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=ConvScope",
        "GenericName=CNN training viewer",
        "GenericName[zh_CN]=卷积神经网络训练观察器",
        "Comment=Train classic CNNs and watch them learn from the inside",
        "Comment[zh_CN]=训练经典卷积神经网络，从内部观察它们如何学习",
        f"Exec={command} %f",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Education;ArtificialIntelligence;",
        f"MimeType={MIME_TYPE};",
        "Keywords=CNN;deep learning;LeNet;ResNet;d2l;",
        "StartupNotify=true",
        "StartupWMClass=ConvScope",  # Qt on X11: the class of WM_CLASS is the application name
        "",
    ])


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def install(base: Path | None = None, refresh: bool = True) -> list[Path]:
    """Write the desktop entry, the MIME type and the icon under ``base`` (default :func:`data_home`); the
    files written. ``refresh``: run the desktop's cache tools where they are installed."""
    from convscope.core.base.resources import resource_path

    base = base or data_home()
    written = [
        _write(base / "applications" / DESKTOP_FILE, desktop_entry(launch_command())),
        _write(base / "mime" / "packages" / MIME_FILE, MIME_XML),
        _write(base / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg",
               resource_path("convscope.svg").read_bytes()),
    ]
    if refresh:
        _refresh(base)
    return written


def remove(base: Path | None = None, refresh: bool = True) -> list[Path]:
    """Remove what :func:`install` wrote; the files removed."""
    base = base or data_home()
    removed = []
    for path in (base / "applications" / DESKTOP_FILE, base / "mime" / "packages" / MIME_FILE,
                 base / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"):
        if path.is_file():
            path.unlink()
            removed.append(path)
    if refresh:
        _refresh(base)
    return removed


def _refresh(base: Path) -> None:
    for tool, folder in (("update-mime-database", base / "mime"), ("update-desktop-database", base / "applications")):
        if shutil.which(tool) and folder.is_dir():
            subprocess.run([tool, str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                           timeout=60)


def main(args: list[str]) -> int:
    """``convscope --install-desktop-entry`` / ``--remove-desktop-entry``: what was done, on stdout."""
    try:
        if args[0] == "--remove-desktop-entry":
            removed = remove()
            print("\n".join(f"removed {p}" for p in removed) or "nothing to remove")
            return 0
        for path in install():
            print(f"wrote {path}")
    except OSError as exc:
        print(f"error: could not write the desktop entry: {exc.strerror or exc} ({exc.filename or data_home()}); "
              f"check that the folder is writable, or set XDG_DATA_HOME.", file=sys.stderr)
        return 2
    print("A double-click on a .convscope file now opens it in ConvScope (log out and in again if the "
          "desktop does not pick it up at once). Undo with: convscope --remove-desktop-entry")
    return 0
