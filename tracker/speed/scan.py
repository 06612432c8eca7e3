"""What is below `evidence/`, and whether any of it changed: the one step every command takes.

Kept light (no pydantic, no models) so that it can start in a thread before a command's heavy
imports: the scan and one `lstat` per file are a warm run's whole cost of knowing that nothing
changed, and `lstat` releases the interpreter lock, so that work overlaps the imports.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

RECOMMENDATIONS = "recommendations.toml"
EVIDENCE_DIR = "evidence"
RACY_SECONDS = 2.0

Stat = tuple[int, int]  # size, modification time in ns; (-1, -1) when it cannot be read


class ProjectNotFound(Exception):
    """No `recommendations.toml` in the folder or any parent."""


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` that holds `recommendations.toml`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / RECOMMENDATIONS).is_file():
            return folder
    raise ProjectNotFound(
        f"no {RECOMMENDATIONS} in {here} or any folder above it: run tracker inside a "
        "tracking project, or start one with 'tracker init'"
    )


@dataclass
class Scan:
    """What is below `evidence/`: paths relative to the root, posix, sorted; with `stat=True`
    also each entry's size and modification time (ns), in the same order ((-1, -1): gone)."""

    files: list[str] = field(default_factory=list)
    links: set[str] = field(default_factory=set)
    sizes: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)


def scan_evidence(root: Path, *, stat: bool = False) -> Scan:
    """Every entry below `evidence/`, sorted, so every run and every machine sees one order.

    Symbolic links are recorded, never followed: a link could point outside the project.
    Plain strings and `os.scandir`, not pathlib: this runs once per file on every command,
    and with `stat` it is the whole cost of a warm run's check that nothing changed. On a
    large tree a second process lists and stats the later half of `evidence/`'s folders.
    """
    base = os.path.join(root, EVIDENCE_DIR)
    prefix = len(os.fspath(root)) + 1
    try:
        with os.scandir(base) as listing:
            top = sorted(listing, key=_order)
    except OSError:
        return Scan()
    cut = _cut(top) if stat else 0
    if cut and _can_fork():
        return _scan_split(top[:cut], top[cut:], prefix)
    return _scan_part(top, prefix, stat)


def _order(entry: os.DirEntry) -> str:
    """Where a top-level entry's paths fall in the sorted list: a folder's all start with
    its name and a slash. Blocks in this order, each sorted, are the whole list sorted."""
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


SPLIT_BYTES = 256 * 1024  # folder sizes (about 10,000 entries on ext4) worth a second process


def _cut(top: list[os.DirEntry]) -> int:
    """Where to split the top-level entries in two halves of about equal size, or 0 when the
    folders are too small to be worth a second process (a folder's size grows with its
    entries on every common file system; a wrong guess costs time, never correctness)."""
    sizes = []
    for entry in top:
        try:
            folder = entry.is_dir(follow_symlinks=False)
            sizes.append(entry.stat(follow_symlinks=False).st_size if folder else 0)
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    if len(top) < 2 or total < SPLIT_BYTES:
        return 0
    running = 0
    for index, size in enumerate(sizes):
        running += size
        if running * 2 >= total:
            return min(max(index + 1, 1), len(top) - 1)
    return len(top) - 1


def _can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


def _in_child(produce: Callable[[], bytes]) -> Callable[[], bytes | None] | None:
    """Run `produce` in a forked child process, which sends its bytes back through a pipe
    and leaves at once (no exit handler of this process runs there). Returns the function
    that waits for those bytes (None if the child failed), or None if no child could start.
    """
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child
        try:
            os.close(read_end)
            data = produce()
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write_end)

    def collect() -> bytes | None:
        try:
            with os.fdopen(read_end, "rb") as source:
                return source.read() or None
        except OSError:
            return None
        finally:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    return collect


def _scan_part(top: list[os.DirEntry], prefix: int, stat: bool) -> Scan:
    """The entries below these top-level entries, sorted, with their stats if asked."""
    scan = Scan()
    paths: list[str] = []
    links: list[str] = []
    entries = list(top)
    while entries:
        entry = entries.pop()
        if entry.is_dir(follow_symlinks=False):
            try:
                with os.scandir(entry.path) as listing:
                    entries.extend(listing)
            except OSError:
                continue
        elif entry.name != ".gitkeep":  # keeps an empty evidence/ in git; not data
            paths.append(entry.path)
            if entry.is_symlink():
                links.append(entry.path)
    paths.sort()
    if os.sep == "/":
        scan.files = [path[prefix:] for path in paths]
        scan.links = {path[prefix:] for path in links}
    else:  # pragma: no cover - Windows
        scan.files = [path[prefix:].replace(os.sep, "/") for path in paths]
        scan.links = {path[prefix:].replace(os.sep, "/") for path in links}
    if stat:
        scan.sizes, scan.times = _stat_all(paths)
    return scan


def _scan_split(first: list[os.DirEntry], second: list[os.DirEntry], prefix: int) -> Scan:
    """`_scan_part` of the first half here, of the second in a child process: its result
    comes back packed through a pipe. If the child fails, its half is scanned here."""
    collect = _in_child(lambda: _pack_scan(_scan_part(second, prefix, True)))
    mine = _scan_part(first if collect else [*first, *second], prefix, True)
    if collect is None:
        return mine
    try:
        theirs = _unpack_scan(collect() or b"")
    except Exception:  # nothing, or not all of it, came back
        theirs = _scan_part(second, prefix, True)
    return Scan(
        files=mine.files + theirs.files,
        links=mine.links | theirs.links,
        sizes=mine.sizes + theirs.sizes,
        times=mine.times + theirs.times,
    )


SPLIT_AT = 20_000  # entries from which a second process shares the `lstat` calls


def _stat_all(paths: list[str]) -> tuple[list[int], list[int]]:
    """Each path's size and modification time, (-1, -1) for one that cannot be read.

    Each `lstat` is a few microseconds in the kernel, so on large trees it is most of a warm
    run. Where a process can be forked safely (Linux, one thread), a child takes the second
    half; threads do not help, since each call takes the interpreter lock again.
    """
    half = len(paths) // 2
    if len(paths) < SPLIT_AT or not _can_fork():
        return _stat_part(paths)

    def second_half() -> bytes:  # sent as two arrays of int64
        sizes, times = _stat_part(paths[half:])
        return array("q", sizes).tobytes() + array("q", times).tobytes()

    collect = _in_child(second_half)
    if collect is None:
        return _stat_part(paths)
    sizes, times = _stat_part(paths[:half])
    data = collect() or b""
    rest = len(paths) - half
    if len(data) != 16 * rest:  # the child failed: do its half here
        more_sizes, more_times = _stat_part(paths[half:])
    else:
        numbers = array("q")
        numbers.frombytes(data)
        more_sizes, more_times = numbers[:rest].tolist(), numbers[rest:].tolist()
    return sizes + more_sizes, times + more_times


def _stat_part(paths: list[str]) -> tuple[list[int], list[int]]:
    try:
        stats = list(map(os.lstat, paths))
    except OSError:  # an entry vanished since the listing: take the others one by one
        stats = [_lstat_or_none(path) for path in paths]
    return [st.st_size if st else -1 for st in stats], [
        st.st_mtime_ns if st else -1 for st in stats
    ]


def _lstat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


class EvidenceState:
    """Every entry below `evidence/` with its size and modification time, and one digest
    over them all: equal digests mean no file was added, removed, renamed or edited.

    It pickles as a few flat byte strings, and the entries are decoded only when asked for:
    a warm run that finds its snapshot needs the digest alone.
    """

    def __init__(self, scan: Scan | None, digest: str, newest: float, packed: bytes = b"") -> None:
        self.digest = digest
        self.newest = newest  # the most recent modification time, in seconds
        self._packed = packed
        if scan is not None:
            self.__dict__["scan"] = scan

    @cached_property
    def scan(self) -> Scan:
        return _unpack_scan(self._packed)

    def __reduce__(self) -> tuple:
        packed = self._packed or _pack_scan(self.scan)
        return (EvidenceState, (None, self.digest, self.newest, packed))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EvidenceState):
            return NotImplemented
        return (self.digest, self.newest) == (other.digest, other.newest)

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"EvidenceState(digest={self.digest!r}, newest={self.newest!r})"

    @property
    def settled(self) -> bool:
        """True when no file changed so recently that an edit could hide from the key."""
        return time.time() - self.newest > RACY_SECONDS

    @cached_property
    def stats(self) -> dict[str, Stat]:
        scan = self.scan
        return dict(zip(scan.files, zip(scan.sizes, scan.times, strict=True), strict=True))


def _pack_scan(scan: Scan) -> bytes:
    """Paths and links joined by NUL (never in a file name), sizes and times as int64."""
    files = "\0".join(scan.files).encode("utf-8", "surrogateescape")
    links = "\0".join(sorted(scan.links)).encode("utf-8", "surrogateescape")
    numbers = array("q", [len(scan.files), len(files), len(links)])
    numbers.extend(scan.sizes)
    numbers.extend(scan.times)
    return numbers.tobytes() + files + links


def _unpack_scan(packed: bytes) -> Scan:
    head = array("q")
    head.frombytes(packed[:24])
    count, files_len, links_len = head
    numbers = array("q")
    numbers.frombytes(packed[24 : 24 + 16 * count])
    start = 24 + 16 * count
    files = packed[start : start + files_len].decode("utf-8", "surrogateescape")
    links = packed[start + files_len : start + files_len + links_len]
    return Scan(
        files=files.split("\0") if count else [],
        links=set(links.decode("utf-8", "surrogateescape").split("\0")) if links_len else set(),
        sizes=numbers[:count].tolist(),
        times=numbers[count:].tolist(),
    )


def evidence_state(root: Path) -> EvidenceState:
    """One `lstat` per entry (links are not followed): the cost of a warm run's check."""
    scan = scan_evidence(root, stat=True)
    packed = _pack_scan(scan)  # every path, link, size and time: what the digest covers
    digest = hashlib.blake2b(f"{EVIDENCE_DIR}\n".encode() + packed, digest_size=20)
    newest = max(scan.times, default=0) / 1e9
    return EvidenceState(scan, digest.hexdigest(), newest, packed)


# --- a head start ---------------------------------------------------------------------------
# A command that loads the project starts the scan before its imports. Where processes can be
# forked (Linux), a child process does it: a thread would share the interpreter lock with the
# imports, a process runs beside them on the other core. The child sends the state back
# pickled through a pipe and exits without running any of the parent's exit handlers.


class _HeadStart:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.thread: threading.Thread | None = None
        self.box: list[EvidenceState] = []
        self.collect: Callable[[], bytes | None] | None = None
        if _can_fork():
            self.collect = _in_child(
                lambda: pickle.dumps(evidence_state(root), pickle.HIGHEST_PROTOCOL)
            )
        if self.collect is None:
            self.thread = threading.Thread(target=self._compute, daemon=True)
            self.thread.start()

    def _compute(self) -> None:
        self.box.append(evidence_state(self.root))

    def take(self) -> EvidenceState | None:
        """The state, once; None if the head start failed (the caller computes it)."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
            return self.box.pop() if self.box else None
        collect, self.collect = self.collect, None
        if collect is None:
            return None
        try:
            data = collect()
            result = pickle.loads(data) if data else None
        except Exception:  # a child that failed or was killed: compute here instead
            result = None
        return result if isinstance(result, EvidenceState) else None


_started: dict[str, _HeadStart] = {}


def prefetch(root: Path) -> None:
    """Start computing `evidence_state(root)` beside the caller; `state(root)` picks it up."""
    key = os.fspath(root)
    if key not in _started:
        with contextlib.suppress(OSError):  # no process or thread to spare: the load does it
            _started[key] = _HeadStart(root)


def _taken(root: Path) -> EvidenceState | None:
    """The head start's state for `root`, once; None if none was started or it failed."""
    started = _started.pop(os.fspath(root), None)
    return started.take() if started is not None else None


def state(root: Path) -> EvidenceState:
    """The evidence's state: the prefetched one (taken once), else computed now."""
    found = _taken(root)
    return found if found is not None else evidence_state(root)


def listing(root: Path) -> Scan:
    """The entries below `evidence/` for a load without the cache: the head start's when one
    was started (it ran beside the imports), else a scan now, without sizes and times."""
    found = _taken(root)
    return found.scan if found is not None else scan_evidence(root)


def forget() -> None:
    """Drop head starts not taken (the command ended before loading)."""
    for started in _started.values():
        started.take()
    _started.clear()
