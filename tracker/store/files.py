"""Reading and writing files so that no input can flood memory, hang a command or escape the
project: every read is of a regular file whose size is checked first, and every write is atomic.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tracker.errors import TrackerError


class FileReadError(TrackerError):
    """A file that cannot be read as data: absent, not a regular file, too large, unreadable.

    The message names the file and says what is expected; it never holds a traceback.
    """


def read_bounded(path: str | os.PathLike, max_bytes: int, *, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `max_bytes`, read through one descriptor.

    A FIFO, a device (`/dev/zero`), a folder or a socket is refused before any byte is read
    (`O_NONBLOCK` keeps opening a FIFO from waiting for a writer); the size is checked on the
    open descriptor, so a file swapped after the check cannot be read past the limit either.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        raise FileReadError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise FileReadError(f"{name}: is a folder, not a {what}") from None
    except OSError as err:
        raise FileReadError(f"{name}: cannot read: {err.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise FileReadError(f"{name}: is {kind}, not a regular {what}")
        if info.st_size > max_bytes:
            raise FileReadError(
                f"{name}: is {_size(info.st_size)}; a {what} is limited to {_size(max_bytes)}"
            )
        parts: list[bytes] = []
        total = 0
        while chunk := os.read(fd, 1 << 16):
            total += len(chunk)
            if total > max_bytes:  # it grew while being read
                raise FileReadError(f"{name}: grew past {_size(max_bytes)} while being read")
            parts.append(chunk)
    except OSError as err:
        raise FileReadError(f"{name}: cannot read: {err.strerror}") from None
    finally:
        os.close(fd)
    return b"".join(parts)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.0f} KiB"
    return f"{count} bytes"


def is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
