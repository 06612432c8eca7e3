"""Reading and writing files so that no input can flood memory, hang a command or escape the
project: every read is of a regular file whose size is checked first, and every write is atomic.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from tracker.errors import TrackerError


class FileReadError(TrackerError):
    """A file that cannot be read as data: absent, not a regular file, too large, unreadable.

    The message names the file and says what is expected; it never holds a traceback.
    `size` is set when the file was refused for its size.
    """

    def __init__(self, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size


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
            article = "an" if what[:1] in "aeiou" else "a"
            raise FileReadError(
                f"{name}: is {_size(info.st_size)}; {article} {what} is limited to "
                f"{_size(max_bytes)}",
                info.st_size,
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


# --- writing ------------------------------------------------------------------------------


class UnsafePathError(TrackerError):
    """A write would leave the project or go through a link."""


class FileChangedError(TrackerError):
    """The file on disk is not the one the analyst started editing."""


class UnsafeWriteError(TrackerError):
    """Writing would destroy words: a merge conflict is still unresolved in the target."""


_UMASK: int | None = None


def umask() -> int:
    """The process's umask, read once (setting it to read it back is not thread-safe, so it
    is read before any worker thread exists, or from /proc where Linux shows it)."""
    global _UMASK
    if _UMASK is None:
        try:
            with open("/proc/self/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("Umask:"):
                        _UMASK = int(line.split()[1], 8)
                        break
        except OSError:
            pass
        if _UMASK is None:
            current = os.umask(0o022)
            os.umask(current)
            _UMASK = current
    return _UMASK


def file_mode() -> int:
    """What a new file gets: 0666 less the umask (0644 under 022), as any editor would."""
    return 0o666 & ~umask()


def check_rel(rel: str) -> list[str]:
    """The components of a project-relative posix path, refused unless each is a plain name:
    no absolute path, no `..`, no empty or hidden-trick component, no NUL."""
    if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel:
        raise UnsafePathError(f"{rel!r}: not a path inside the project")
    parts = rel.split("/")
    for part in parts:
        if part in ("", ".", "..") or len(part) > 255:
            raise UnsafePathError(f"{rel!r}: not a path inside the project")
    return parts


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def open_dir(root: Path, parts: list[str], *, create: bool) -> int:
    """A descriptor of the folder `root/parts...`, reached without following any link: each
    component is opened relative to the last with O_NOFOLLOW, so a folder swapped for a link
    (before or during the walk) stops the write instead of redirecting it."""
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as err:
                raise UnsafePathError(
                    f"{'/'.join(parts)}: '{part}' is a link or not a folder; tracker writes "
                    "only inside real folders of the project"
                ) from err
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_at(dir_fd: int, name: str, max_bytes: int = 64 << 20) -> bytes | None:
    """A file's bytes in an open folder, not following a link; None when absent."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise UnsafePathError(f"{name}: is a link or cannot be opened: {err.strerror}") from err
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePathError(f"{name}: not a regular file")
        if info.st_size > max_bytes:
            raise FileReadError(f"{name}: is {_size(info.st_size)}, larger than tracker reads")
        parts = []
        while chunk := os.read(fd, 1 << 16):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def sha256_of(data: bytes | None) -> str | None:
    import hashlib

    return hashlib.sha256(data).hexdigest() if data is not None else None


def temp_name() -> str:
    import secrets

    return f".tracker-{secrets.token_hex(6)}.tmp"


def write_temp(dir_fd: int, data: bytes, name: str | None = None) -> str:
    """A new temporary file in an open folder (named `name`, or a fresh name), written and
    flushed to disk; its name."""
    for _ in range(100):
        name = name or temp_name()
        try:
            fd = os.open(
                name,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                file_mode(),
                dir_fd=dir_fd,
            )
        except FileExistsError:
            name = None
            continue
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)
            raise
        os.close(fd)
        return name
    raise OSError("could not create a temporary file")


def fsync_dir(dir_fd: int) -> None:
    """Make a rename or an unlink in the folder itself durable."""
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


def check_expected(rel: str, current: bytes | None, expected_sha256: str | None) -> None:
    """Refuse when the file on disk is not the one the caller read (None: no file)."""
    actual = sha256_of(current)
    if actual == expected_sha256:
        if current is not None and conflict_markers(current):
            raise UnsafeWriteError(
                f"{rel} holds unresolved git conflict markers; resolve them first"
            )
        return
    if expected_sha256 is None:
        raise FileChangedError(f"{rel} already exists; it was not overwritten")
    if actual is None:
        raise FileChangedError(f"{rel} was deleted since it was read; it was not recreated")
    raise FileChangedError(
        f"{rel} changed on disk since it was read; it was not overwritten "
        "(reload it to see the other change)"
    )


def conflict_markers(data: bytes) -> bool:
    from tracker.store.toml_read import conflict_problems

    return bool(conflict_problems(data.decode("utf-8", errors="replace"), ""))


@contextlib.contextmanager
def project_lock(root: Path, timeout: float = 30.0) -> Iterator[None]:
    """The project's write lock: every check-then-replace of tracker's own writes happens
    under it, so two processes can never both pass "unchanged since read" and both write.

    An advisory lock (flock) on a file in the user's state folder for this project: nothing
    is added to the project, and a lock dies with its process, so a crash never leaves one.
    """
    import time

    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock on this platform: writes stay atomic
        yield
        return
    from tracker.store.state import project_state_dir

    folder = project_state_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(
        folder / "write.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise FileChangedError(
                        f"another tracker is writing to {root} and has not finished in "
                        f"{timeout:.0f} s; try again"
                    ) from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes) -> None:
    """Write a file the user named (a report, a new project's files) all or nothing: a
    temporary file beside it, flushed, given the umask's mode, then renamed over it."""
    import tempfile

    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=".tracker-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
