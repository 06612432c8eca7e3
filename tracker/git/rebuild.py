"""A commit's data files written into a private folder, for the store to load as it loads the
work tree (`tracker status --known-as-of DATE`).

The tree comes from git, and a git tree can be crafted (`git mktree` accepts what `git add`
never makes): a name may be `..`, a path may be committed twice (as a link and as a folder), a
link may point anywhere. A clone is all it takes to receive such a tree. So:

- every path is checked before anything is built from it: no absolute path, no `..` or `.`,
  no empty component, no NUL or backslash, valid UTF-8 (`unsafe_path`);
- a path committed twice, or both as a file (or link) and as a folder, is reported and
  skipped, never written twice (`plan`);
- every folder is created here, as a real folder, and opened without following links
  (`O_DIRECTORY|O_NOFOLLOW`, walking down with `dir_fd`), so no name on the way can lead out;
- every file is created new (`O_CREAT|O_EXCL|O_NOFOLLOW`): nothing already there, link or
  file, is written through or over;
- a committed symbolic link is recreated as a link, which nothing is ever written through, so
  the store reports it as it does in the work tree;
- blob sizes are bounded before any blob is read.

The folder itself is private (mode 0700, made by `tempfile.mkdtemp`) and removed afterwards
without following any link in it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tracker.domain.problems import Code, Problem

# The largest file the store reads (an archived full text); a larger blob is not read at all.
MAX_BLOB_BYTES = 16 << 20
MAX_LINK_BYTES = 4096  # a link's target: PATH_MAX
MAX_DEPTH = 16  # evidence/YYYY/ID.toml is three deep; anything deeper is reported by the store

FILE_MODES = ("100644", "100755")
LINK_MODE = "120000"


class RebuildUnsupported(Exception):
    """This system cannot open folders relative to a descriptor without following links."""


@dataclass(frozen=True)
class TreeEntry:
    """One entry of `git ls-tree -r -l`: a blob, a link or a submodule, project-relative."""

    mode: str  # git's mode: 100644, 100755 (files), 120000 (link), 160000 (submodule)
    kind: str  # git's type: blob or commit
    sha: str
    size: int | None  # None for a submodule
    path: str  # project-relative, posix, as committed


def unsafe_path(path: str) -> str | None:
    """Why `path` cannot be built inside a folder, or None when every component is a plain name."""
    if not path:
        return "an empty path"
    if "\0" in path:
        return "a NUL in the name"
    if "\\" in path:
        return "a backslash in the name (a separator on some systems)"
    if path.startswith("/"):
        return "an absolute path"
    if "\ufffd" in path or any(0xD800 <= ord(c) <= 0xDFFF for c in path):
        return "a name that is not UTF-8"
    parts = path.split("/")
    if len(parts) > MAX_DEPTH:
        return f"more than {MAX_DEPTH} folders deep"
    for part in parts:
        if part == "":
            return "an empty component (a doubled or trailing slash)"
        if part in (".", ".."):
            return f"a {part!r} component"
    return None


def plan(entries: list[TreeEntry], commit: str) -> tuple[list[TreeEntry], list[Problem]]:
    """The entries safe to write, and a finding for each one left out (and why)."""
    short = commit[:10]
    problems: list[Problem] = []
    valid: list[TreeEntry] = []
    for entry in entries:
        reason = unsafe_path(entry.path)
        if reason is None and entry.kind == "commit":
            reason = "a submodule (a link to another repository), not a data file"
        elif reason is None and entry.mode not in (*FILE_MODES, LINK_MODE):
            reason = f"an entry of mode {entry.mode}, not a file"
        elif reason is None and (entry.size is None or entry.size > MAX_BLOB_BYTES):
            reason = f"{entry.size} bytes, over the {MAX_BLOB_BYTES >> 20} MiB a data file may hold"
        elif reason is None and entry.mode == LINK_MODE and (entry.size or 0) > MAX_LINK_BYTES:
            reason = "a symbolic link with a target longer than a path can be"
        if reason is not None:
            problems.append(_skipped(entry.path, f"in commit {short}: {reason}"))
            continue
        valid.append(entry)
    # A path committed twice, or as a file and as a folder (`evidence/2025` a link, and
    # `evidence/2025/x` below it): git itself refuses such a tree (`git fsck`:
    # duplicateEntries), and writing both would write one through the other.
    seen: dict[str, int] = {}
    for entry in valid:
        seen[entry.path] = seen.get(entry.path, 0) + 1
    folders: set[str] = set()
    for entry in valid:
        parts = entry.path.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
    clashing = {p for p, n in seen.items() if n > 1} | (set(seen) & folders)
    kept: list[TreeEntry] = []
    reported: set[str] = set()
    for entry in valid:
        clash = _clash(entry.path, clashing)
        if clash is None:
            kept.append(entry)
            continue
        if entry.path not in reported:
            reported.add(entry.path)
            twice = "as a file (or link) and as a folder" if clash in folders else "twice"
            where = "" if clash == entry.path else f" (under {clash})"
            problems.append(
                _skipped(
                    entry.path,
                    f"in commit {short}: {clash} is committed {twice}{where}, a tree git "
                    "itself refuses (git fsck: duplicateEntries)",
                )
            )
    return kept, problems


def _clash(path: str, clashing: set[str]) -> str | None:
    """The clashing path at or above `path`, if any."""
    if path in clashing:
        return path
    parts = path.split("/")
    for i in range(1, len(parts)):
        prefix = "/".join(parts[:i])
        if prefix in clashing:
            return prefix
    return None


def _skipped(path: str, why: str) -> Problem:
    return Problem(path, Code.NOT_REBUILT, f"not rebuilt from git, nothing written: {why}")


def _supported() -> bool:
    return (
        hasattr(os, "O_NOFOLLOW")
        and hasattr(os, "O_DIRECTORY")
        and os.open in os.supports_dir_fd
        and os.mkdir in os.supports_dir_fd
        and os.symlink in os.supports_dir_fd
    )


class PrivateFolder:
    """A new folder only this user can enter (0700), removed with everything in it by
    `cleanup` (or when the object is collected): a workspace opened on a past commit keeps it
    for as long as it reads items from it. `shutil.rmtree` removes links without following
    them."""

    def __init__(self) -> None:
        if not _supported():
            raise RebuildUnsupported(
                "rebuilding a commit safely needs a system that opens folders without "
                "following links (O_NOFOLLOW with dir_fd): Linux, macOS or another POSIX system"
            )
        self.path = Path(tempfile.mkdtemp(prefix="tracker-known-"))
        try:
            os.chmod(self.path, 0o700)
            info = os.lstat(self.path)
            if not stat.S_ISDIR(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o700:
                raise OSError(f"{self.path}: the private folder is not a private folder")
        except BaseException:
            self.cleanup()
            raise

    def cleanup(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __del__(self) -> None:
        self.cleanup()


@contextlib.contextmanager
def private_folder() -> Iterator[Path]:
    """A `PrivateFolder` for the length of a `with` block."""
    folder = PrivateFolder()
    try:
        yield folder.path
    finally:
        folder.cleanup()


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


def write_tree(
    base: Path, entries: list[TreeEntry], blobs: Mapping[str, bytes | None], commit: str
) -> list[Problem]:
    """Write `entries` (checked by `plan`) under `base`; a finding for each that could not be.

    Paths are checked again here, so this function is safe whatever it is given: a name that
    is not a plain name, a folder on the way that is not a real folder, a file already there
    are each refused and reported, never followed.
    """
    short = commit[:10]
    problems: list[Problem] = []
    base_fd = os.open(base, _DIR_FLAGS)
    folders: dict[str, int] = {"": base_fd}
    try:
        for entry in entries:
            reason = unsafe_path(entry.path)
            if reason is not None:
                problems.append(_skipped(entry.path, f"in commit {short}: {reason}"))
                continue
            parent, _, name = entry.path.rpartition("/")
            try:
                parent_fd = _folder(folders, parent)
                data = blobs.get(entry.sha)
                if data is None:
                    raise _Refused(f"blob {entry.sha[:10]} could not be read from git")
                if entry.mode == LINK_MODE:
                    target = data.decode("utf-8", "surrogateescape")
                    if "\0" in target or not target:
                        raise _Refused("a symbolic link with an empty target or a NUL in it")
                    os.symlink(target, name, dir_fd=parent_fd)
                else:
                    _create(parent_fd, name, data)
            except _Refused as err:
                problems.append(_skipped(entry.path, f"in commit {short}: {err}"))
            except FileExistsError:
                problems.append(
                    _skipped(
                        entry.path,
                        f"in commit {short}: something is already in its place (committed "
                        "twice, or twice in a different case on this file system)",
                    )
                )
    finally:
        for fd in folders.values():
            os.close(fd)
    return problems


class _Refused(Exception):
    pass


def _folder(folders: dict[str, int], rel: str) -> int:
    """A descriptor of the real folder `rel` under the base, created where missing; each step
    is opened without following a link, so a link (or a file) on the way is refused."""
    if rel in folders:
        return folders[rel]
    above, _, name = rel.rpartition("/")
    parent_fd = _folder(folders, above)
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o700, dir_fd=parent_fd)
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as err:  # ELOOP: a link; ENOTDIR: a file
        raise _Refused(f"{rel} is not a folder here (a link or a file is in its place)") from err
    folders[rel] = fd
    return fd


def _create(parent_fd: int, name: str, data: bytes) -> None:
    """A new file, never one already there and never through a link."""
    try:
        fd = os.open(name, _FILE_FLAGS, 0o600, dir_fd=parent_fd)
    except FileExistsError:
        raise
    except OSError as err:  # ELOOP, EISDIR: something else is in its place
        raise _Refused(f"cannot create the file: {err.strerror}") from err
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)
