"""Git as the database: the one module that runs the `git` program.

Everything goes through `run()`: no prompt can hang a command (GIT_TERMINAL_PROMPT=0, no
terminal, no standard input), no call runs forever (a timeout, after which git and every process
it started, hooks included, are stopped as one process group), output is read in git's machine
formats (`-z`, `--raw`, `--line-porcelain`, `%x00`-separated fields) so no file name or subject
can be misparsed, and every failure becomes a `GitError` whose message says what to do (and
names a lock git left behind). Git does the work; nothing here re-implements it.

Paths given to and returned by this module are relative to the tracking project's root (where
`recommendations.toml` lives), which may be a sub-folder of the git work tree.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracker.domain.model import EvidenceItem
from tracker.domain.problems import Problem
from tracker.errors import TrackerError
from tracker.git import rebuild
from tracker.store import layout as store
from tracker.store import reader

TIMEOUT = 60.0  # seconds, for a call that runs no hook
HOOK_TIMEOUT = 300.0  # seconds, for a commit: its hooks may run a whole test suite
TIMEOUT_ENV = "TRACKER_GIT_TIMEOUT"  # seconds, overrides HOOK_TIMEOUT
STOP_GRACE = 2.0  # seconds between asking git to stop (it removes its locks) and killing
DATA_PATHS = (store.RECOMMENDATIONS, store.CONFIG, store.EVIDENCE_DIR)

GitErrorKind = Literal[
    "missing",  # git is not installed
    "not-a-repo",
    "no-commit",  # no commit (yet, or by the date asked for)
    "no-identity",
    "nothing-to-commit",
    "invalid-data",
    "not-data",  # a path that is not one of tracker's data files
    "conflict",
    "timeout",
    "locked",  # git's index.lock is in the way
    "refused",  # git commit (or one of its hooks) refused the commit
    "detached",  # HEAD is on no branch
    "in-progress",  # a merge with other files staged, a rebase, a cherry-pick
    "usage",  # tracker's own setting is wrong
    "failed",
]


class GitError(TrackerError):
    """A git operation that could not be done, with a message an analyst can act on."""

    def __init__(
        self, message: str, kind: GitErrorKind = "failed", problems: list[Problem] | None = None
    ) -> None:
        super().__init__(message)
        self.kind: GitErrorKind = kind
        self.problems: list[Problem] = problems or []


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Change(_Model):
    """One of tracker's data files that differs from the last commit."""

    path: str  # relative to the project root, posix
    status: Literal["added", "modified", "deleted"]
    kind: Literal["evidence", "archive", "recommendations", "config", "other"]
    evidence_id: str | None = None


class CommitResult(_Model):
    commit: str
    message: str
    files: list[str]
    root_commit: bool  # the repository's first commit
    branch: str | None  # None: made on a detached HEAD (asked for with allow_detached)
    merge: bool = False  # the commit concluded a merge


class HeadState(_Model):
    """Where a commit would land, and what git is in the middle of."""

    commit: str | None  # None: no commit yet
    branch: str | None  # None: detached (or no repository)
    operation: Literal["merge", "cherry-pick", "revert", "rebase"] | None
    shallow: bool  # a shallow clone: history is cut at its boundary commits

    @property
    def detached(self) -> bool:
        return self.commit is not None and self.branch is None and self.operation != "rebase"


class FileStatus(_Model):
    status: str  # git's letter: A added, M modified, D deleted, T type changed
    path: str  # relative to the project root
    old_mode: str = ""  # git's modes and blob ids on either side (000000 and zeros: absent)
    new_mode: str = ""
    old_blob: str = ""
    new_blob: str = ""


class CommitInfo(_Model):
    commit: str
    parents: list[str]
    author: str
    email: str
    date: dt.datetime  # the author date
    subject: str
    files: list[FileStatus] = []
    # A shallow clone's boundary: its parents are not here, so it seems to add everything
    # committed before it. Its files say what it holds, not what it changed.
    boundary: bool = False


class BlameLine(_Model):
    line: int  # 1-based, in the current file
    commit: str  # 40 zeros for a line not committed yet
    author: str
    email: str
    time: dt.datetime  # the author time
    summary: str
    boundary: bool = False  # the line is older than a shallow clone's history: author unknown

    @property
    def committed(self) -> bool:
        return self.commit.strip("0") != ""


# --- running git -------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password nobody will type
    env["GIT_OPTIONAL_LOCKS"] = "0"  # reads must not take the index lock from a running editor
    env["LC_ALL"] = "C"  # git's messages in one language, so they can be recognised
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def hook_timeout() -> float:
    """How long a commit (and the hooks it runs) may take: TRACKER_GIT_TIMEOUT, else 300 s."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return HOOK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1e6:
        raise GitError(
            f"{TIMEOUT_ENV}={text!r}: expected a number of seconds above 0, e.g. 120", "usage"
        )
    return value


def run(
    cwd: Path, *args: str, input: bytes | None = None, timeout: float = TIMEOUT, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd`; GitError for a missing git, a timeout, or (check) a failure.

    git runs in a process group of its own, without a terminal or standard input, so a hook
    cannot wait for a keypress; on timeout (or Ctrl-C) the whole group is stopped: git and
    every process it started, which `subprocess.run` would leave running.
    """
    command = ["git", "-c", "core.quotepath=off", "-c", "color.ui=false", *args]
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            start_new_session=True,  # a session, and so a process group, of its own
        )
    except FileNotFoundError:
        raise GitError(
            "git is not installed (or not on PATH): install git (https://git-scm.com/downloads) "
            "to commit, see history and collaborate",
            "missing",
        ) from None
    try:
        out, err = process.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        raise GitError(
            f"git {args[0]} did not finish within {timeout:g} s (a hook may be hanging, or "
            "another git holding a lock): tracker stopped it and every process it started"
            + _lock_note(cwd),
            "timeout",
        ) from None
    except BaseException:  # Ctrl-C: git's group is not in the terminal's, so stop it here
        _stop_group(process)
        raise
    done = subprocess.CompletedProcess(command, process.returncode, out, err)
    if check and done.returncode != 0:
        raise _failure(args, done, cwd)
    return done


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop git and everything it started: SIGTERM first (git then removes its locks), SIGKILL
    for whatever is left after a grace period (a hook that ignores SIGTERM, its children)."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:  # pragma: no cover - not POSIX: no process groups
        process.kill()
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_GRACE)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            killpg(process.pid, signal.SIGKILL)
    try:
        process.communicate(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:  # a process that left the group holds the pipes open
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        process.wait()


def index_lock(cwd: Path) -> str | None:
    """git's index.lock where one exists, as the analyst would type it (`.git/index.lock`)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "--git-path", "index.lock"],
            cwd=cwd,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=_env(),
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = _text(done.stdout).splitlines()
    if done.returncode != 0 or len(lines) < 2:
        return None
    return _shown_lock(Path(lines[0]), cwd / lines[1])


def _shown_lock(top: Path, lock: Path) -> str | None:
    if not lock.exists():
        return None
    lock = Path(os.path.normpath(lock.absolute()))
    try:
        return lock.relative_to(top).as_posix()
    except ValueError:
        return str(lock)


def _lock_note(cwd: Path) -> str:
    lock = index_lock(cwd)
    if lock is None:
        return ""
    return f"\ngit left {lock} behind: if no other git is running, delete it"


_LOCK_MESSAGE = re.compile(r"Unable to create '([^']*\.lock)': File exists")


def _failure(
    args: tuple[str, ...], done: subprocess.CompletedProcess[bytes], cwd: Path | None = None
) -> GitError:
    err = done.stderr.decode("utf-8", "replace").strip()
    if "not a git repository" in err:
        return GitError(
            "not a git repository: run 'git init' in the project folder (or start "
            "a new project with 'tracker init')",
            "not-a-repo",
        )
    if "Please tell me who you are" in err or "unable to auto-detect email" in err:
        return _identity_error()
    lock = _LOCK_MESSAGE.search(err)
    if lock:
        path = Path(lock.group(1))
        shown = str(path)
        if cwd is not None:
            top = run(cwd, "rev-parse", "--show-toplevel", check=False)
            shown = _shown_lock(Path(_text(top.stdout).strip()), cwd / path) or shown
        return GitError(
            f"git {args[0]} could not start: another git seems to be running in this "
            f"repository (an editor opened by 'git commit'?), or one was stopped or crashed.\n"
            f"git left {shown} behind: if no other git is running, delete it, then try again",
            "locked",
        )
    lines = [line for line in err.splitlines() if line.strip()]
    detail = "; ".join(lines[-3:]) if lines else f"exit status {done.returncode}"
    return GitError(f"git {args[0]} failed: {detail}")


def _identity_error() -> GitError:
    return GitError(
        "git does not know who you are, and every commit names its analyst. Set it once:\n"
        '  git config --global user.name "Your Name"\n'
        '  git config --global user.email "you@example.org"',
        "no-identity",
    )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


@dataclass(frozen=True)
class Repo:
    """Where the project stands in its git work tree: the top folder and the project's prefix."""

    top: Path
    prefix: str  # the project root relative to `top`, "" or ending in "/"

    def to_git(self, rel: str) -> str:
        return self.prefix + rel

    def from_git(self, path: str) -> str | None:
        """A work-tree path as a project-relative path, or None when outside the project."""
        if not path.startswith(self.prefix):
            return None
        return path[len(self.prefix) :]


def repo(root: Path) -> Repo:
    """The git work tree holding `root`; GitError when there is none (or git is missing)."""
    if not root.is_dir():
        raise GitError(f"{root}: no such folder", "not-a-repo")
    done = run(root, "rev-parse", "--show-toplevel", "--show-prefix", check=False)
    if done.returncode != 0:
        raise GitError(
            f"{root} is not in a git repository: run 'git init' there to keep the project's "
            "history (or start a new project with 'tracker init')",
            "not-a-repo",
        )
    lines = _text(done.stdout).splitlines()
    top = Path(lines[0])
    prefix = lines[1] if len(lines) > 1 else ""
    return Repo(top, prefix)


def head_commit(root: Path) -> str | None:
    """The commit the work tree is based on; None without git, a repository or a commit."""
    try:
        where = repo(root)
        done = run(where.top, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
    except GitError:
        return None
    sha = _text(done.stdout).strip()
    return sha if done.returncode == 0 and sha else None


def current_branch(root: Path) -> str | None:
    try:
        done = run(root, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    except GitError:
        return None
    name = _text(done.stdout).strip()
    return name or None


def _git_paths(where: Repo, *names: str) -> list[Path]:
    """Files in the git folder (`MERGE_HEAD`, `shallow`, …), wherever it is (worktrees too)."""
    args = [arg for name in names for arg in ("--git-path", name)]
    done = run(where.top, "rev-parse", *args)
    return [where.top / line for line in _text(done.stdout).splitlines()]


def head_state(root: Path) -> HeadState:
    """The branch a commit would land on (None: detached), and what git is in the middle of."""
    where = repo(root)
    sha = head_commit(root)
    branch = current_branch(where.top)
    merge, pick, revert, rebase_merge, rebase_apply, shallow = _git_paths(
        where,
        "MERGE_HEAD",
        "CHERRY_PICK_HEAD",
        "REVERT_HEAD",
        "rebase-merge",
        "rebase-apply",
        "shallow",
    )
    operation = None
    if rebase_merge.exists() or rebase_apply.exists():
        operation = "rebase"
    elif merge.exists():
        operation = "merge"
    elif pick.exists():
        operation = "cherry-pick"
    elif revert.exists():
        operation = "revert"
    return HeadState(commit=sha, branch=branch, operation=operation, shallow=shallow.exists())


def detached_message(state: HeadState) -> str:
    short = (state.commit or "")[:7]
    return (
        f"HEAD is detached at {short}: the commit will not be on any branch; "
        "create a branch with git switch -c NAME"
    )


def shallow_boundary(root: Path) -> list[str]:
    """The commits a shallow clone's history stops at (empty for a full clone)."""
    where = repo(root)
    [path] = _git_paths(where, "shallow")
    try:
        text = path.read_text("ascii", errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if _is_sha(line.strip())]


# --- what changed ------------------------------------------------------------------------------


def classify(rel: str) -> tuple[str, str | None]:
    """What a project-relative path is to tracker: its kind and, for evidence, the item id."""
    path = PurePosixPath(rel)
    if rel == store.RECOMMENDATIONS:
        return "recommendations", None
    if rel == store.CONFIG:
        return "config", None
    if path.parts and path.parts[0] == store.EVIDENCE_DIR:
        if path.suffix == ".toml":
            return "evidence", path.stem
        if path.suffix == ".txt":
            return "archive", path.stem
        return "other", None
    return "other", None


def is_data_path(rel: str) -> bool:
    return rel in (store.RECOMMENDATIONS, store.CONFIG) or rel.startswith(store.EVIDENCE_DIR + "/")


def pending_changes(root: Path) -> list[Change]:
    """Tracker's data files that differ from the last commit (staged or not, or untracked)."""
    where = repo(root)
    specs = [where.to_git(p) for p in DATA_PATHS]
    done = run(
        where.top,
        "status",
        "--porcelain=v1",
        "-z",
        "--no-renames",
        "--untracked-files=all",
        "--",
        *[f":(top,literal){s}" for s in specs],
    )
    changes: list[Change] = []
    for entry in _text(done.stdout).split("\0"):
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        rel = where.from_git(path)
        if rel is None or not is_data_path(rel):
            continue
        if code == "??" or "A" in code:
            status = "added"
        elif "D" in code:
            status = "deleted"
        else:
            status = "modified"
        kind, evidence_id = classify(rel)
        changes.append(Change(path=rel, status=status, kind=kind, evidence_id=evidence_id))
    return sorted(changes, key=lambda c: c.path)


def _impact(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _assessment_summary(item: EvidenceItem) -> str:
    return ", ".join(f"{a.recommendation} {_impact(a.impact)}" for a in item.assessments)


def _read_item(root: Path, rel: str, raw: bytes | None) -> EvidenceItem | None:
    if raw is None:
        return None
    return reader.evidence_from_bytes(None, rel, raw, check_archive=False).item


def _assessment_delta(before: EvidenceItem | None, after: EvidenceItem) -> str:
    """How an edit moved the assessments: `balance -1 → -2`, `reboot +2` (new), `x removed`."""
    if before is None:
        return _assessment_summary(after)
    old = {(a.recommendation, a.analyst or ""): a for a in before.assessments}
    new = {(a.recommendation, a.analyst or ""): a for a in after.assessments}
    parts: list[str] = []
    for key, a in new.items():
        who = f" ({key[1]})" if key[1] else ""
        if key not in old:
            parts.append(f"{a.recommendation}{who} {_impact(a.impact)}")
        elif old[key].impact != a.impact:
            parts.append(
                f"{a.recommendation}{who} {_impact(old[key].impact)} → {_impact(a.impact)}"
            )
        elif old[key] != a:
            parts.append(f"{a.recommendation}{who} reworded")
    parts += [f"{key[0]} removed" for key in old if key not in new]
    return ", ".join(parts)


def _describe(root: Path, change: Change, head_blobs: dict[str, bytes | None]) -> tuple[str, str]:
    """(area, phrase) for one changed data file, e.g. ("evidence", "add ID (R -2)")."""
    if change.kind == "recommendations":
        verb = {"added": "add", "modified": "update", "deleted": "remove"}[change.status]
        return "recommendations", f"{verb} the paper's tree"
    if change.kind == "config":
        verb = {"added": "add", "modified": "update", "deleted": "remove"}[change.status]
        return "config", f"{verb} scoring parameters"
    if change.kind == "archive":
        verb = {"added": "archive", "modified": "update", "deleted": "remove"}[change.status]
        return "evidence", f"{verb} the full text of {change.evidence_id}"
    if change.kind == "other":
        return "evidence", f"{change.status} {change.path}"
    if change.status == "deleted":
        return "evidence", f"remove {change.evidence_id}"
    path = root / change.path
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None
    item = _read_item(root, change.path, raw)
    verb = "add" if change.status == "added" else "update"
    if item is None:
        return "evidence", f"{verb} {change.evidence_id}"
    before = _read_item(root, change.path, head_blobs.get(change.path))
    delta = (
        _assessment_delta(before, item)
        if change.status == "modified"
        else (_assessment_summary(item))
    )
    return "evidence", f"{verb} {item.id}" + (f" ({delta})" if delta else "")


def default_message(root: Path, changes: list[Change]) -> str:
    """A commit message from what changed: one line for one item, a summary and a list for more."""
    if not changes:
        return "tracker: no changes"
    head_blobs: dict[str, bytes | None] = {}
    modified = [c.path for c in changes if c.status == "modified" and c.kind == "evidence"]
    if modified and head_commit(root):
        head_blobs = {
            p: raw for (_, p), raw in read_blobs(root, [("HEAD", p) for p in modified]).items()
        }
    # An item and its archived text change together: describe the item once.
    items_changed = {c.evidence_id for c in changes if c.kind == "evidence"}
    shown = [c for c in changes if not (c.kind == "archive" and c.evidence_id in items_changed)]
    lines = [_describe(root, c, head_blobs) for c in shown]
    if len(lines) == 1:
        area, phrase = lines[0]
        return f"{area}: {phrase}"
    counts: dict[str, int] = {}
    for change in shown:
        if change.kind == "evidence":
            verb = {"added": "add", "modified": "update", "deleted": "remove"}[change.status]
            counts[verb] = counts.get(verb, 0) + 1
    parts = []
    for verb in ("add", "update", "remove"):
        if counts.get(verb):
            n = counts[verb]
            parts.append(f"{verb} {n} item{'s' * (n != 1)}")
    others = sorted(
        {area for area, _ in lines if area != "evidence"}
        | ({"archives"} if any(c.kind == "archive" for c in shown) else set())
    )
    summary = "evidence: " + ", ".join(parts) if parts else "tracker: update"
    if others:
        summary += "; " + ", ".join(others)
    body = "\n".join(f"- {area}: {phrase}" for area, phrase in lines)
    return f"{summary}\n\n{body}"


# --- committing --------------------------------------------------------------------------------


def identity(root: Path) -> tuple[str, str]:
    """The author git will record; GitError when unset (never guessed from the host name)."""

    def config(key: str) -> str:
        done = run(root, "config", "--get", key, check=False)
        return _text(done.stdout).strip()

    name = os.environ.get("GIT_AUTHOR_NAME") or config("user.name")
    email = (
        os.environ.get("GIT_AUTHOR_EMAIL") or config("user.email") or os.environ.get("EMAIL", "")
    )
    if not name or not email:
        raise _identity_error()
    return name, email


def data_rel(root: Path, path: Path) -> str:
    """`path` relative to the project when it is a data file or folder; GitError "not-data"."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        rel = Path(os.path.normpath(absolute)).relative_to(root.resolve()).as_posix()
    except ValueError:
        raise GitError(f"{path} is outside the project {root}", "not-data") from None
    if rel == ".":
        return ""
    if rel == store.EVIDENCE_DIR or is_data_path(rel):
        return rel
    raise GitError(
        f"{path} is not one of tracker's data files: tracker commits only "
        f"{store.RECOMMENDATIONS}, {store.CONFIG} and {store.EVIDENCE_DIR}/ "
        "(use git itself for other files)",
        "not-data",
    )


def _staged_outside_data(where: Repo) -> list[str]:
    """Staged (or unmerged) paths that are not tracker's data files, as git names them."""
    done = run(where.top, "diff", "--cached", "--name-only", "-z", "--no-renames", "HEAD")
    unmerged = run(where.top, "diff", "--name-only", "-z", "--diff-filter=U")
    paths = {p for p in _text(done.stdout + b"\0" + unmerged.stdout).split("\0") if p}
    outside = []
    for path in sorted(paths):
        rel = where.from_git(path)
        if rel is None or not is_data_path(rel):
            outside.append(path)
    return outside


def _refuse_state(state: HeadState, where: Repo, allow_detached: bool) -> None:
    """Refuse a commit git would make somewhere unexpected, or with files that are not data."""
    if state.operation in ("rebase", "cherry-pick", "revert"):
        verb = {"rebase": "rebase", "cherry-pick": "cherry-pick", "revert": "revert"}[
            state.operation
        ]
        raise GitError(
            f"not committed: a {verb} is in progress. Finish it with git itself "
            f"(git {verb} --continue, after git add of the files you resolved) or cancel it "
            f"(git {verb} --abort), then run tracker commit again",
            "in-progress",
        )
    if state.operation == "merge":
        # A merge commit takes everything staged (git refuses a partial commit during a
        # merge), and tracker commits only its data files: with anything else staged, the
        # merge is git's to finish.
        outside = _staged_outside_data(where)
        if outside:
            shown = ", ".join(outside[:5]) + (
                f" and {len(outside) - 5} more" if len(outside) > 5 else ""
            )
            raise GitError(
                "not committed: a merge is in progress and files other than tracker's data "
                f"are part of it ({shown}). A merge commit takes everything staged, and "
                "tracker commits only recommendations.toml, tracker.toml and evidence/, so "
                "finish the merge with git itself: resolve any conflicts, git add the files, "
                "then git commit (or cancel the merge with git merge --abort)",
                "in-progress",
            )
    if state.detached and not allow_detached:
        raise GitError(
            f"not committed: {detached_message(state)}, then run tracker commit again "
            "(or commit here anyway with tracker commit --detached)",
            "detached",
        )


def commit(
    root: Path,
    paths: list[Path] | None = None,
    message: str | None = None,
    *,
    allow_detached: bool = False,
    timeout: float | None = None,
) -> CommitResult:
    """Validate, stage only tracker's data files (all pending, or those under `paths`), commit.

    Refuses (GitError) when the data has errors, when nothing changed, when git lacks an
    identity, on a detached HEAD (unless `allow_detached`), during a rebase, cherry-pick or
    revert, and during a merge that has other files staged; other files, staged or not, are
    never part of the commit. The commit and its hooks run within `timeout` (default
    `hook_timeout()`).
    """
    root = root.resolve()
    where = repo(root)
    require_git()
    identity(where.top)
    limit = hook_timeout() if timeout is None else timeout
    state = head_state(root)
    _refuse_state(state, where, allow_detached)
    from tracker.workspace import open_workspace

    project = open_workspace(root, cache=False)
    if project.errors:
        errors = sorted(project.errors, key=lambda p: (p.path, p.line or 0))
        shown = "\n".join("  " + p.render() for p in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise GitError(
            f"not committed: the data has {len(errors)} error{'s' * (len(errors) != 1)} "
            f"(run 'tracker check'):\n{shown}{more}",
            "invalid-data",
            errors,
        )
    changes = pending_changes(root)
    if paths:
        wanted = [data_rel(root, p) for p in paths]
        if "" not in wanted:
            changes = [
                c
                for c in changes
                if any(c.path == w or c.path.startswith(w.rstrip("/") + "/") for w in wanted)
            ]
    if not changes:
        raise GitError(
            "nothing to commit: tracker's data files are as in the last commit", "nothing-to-commit"
        )
    text = (message or "").strip() or default_message(root, changes)
    files = [c.path for c in changes]
    git_paths = [f":(top,literal){where.to_git(p)}" for p in files]
    # A deletion already staged is in neither the work tree nor the index: `git add` would
    # not match it, `git rm --cached --ignore-unmatch` stages it either way.
    gone = [spec for spec, c in zip(git_paths, changes, strict=True) if c.status == "deleted"]
    present = [spec for spec, c in zip(git_paths, changes, strict=True) if c.status != "deleted"]
    if present:
        run(where.top, "add", "-A", *_FROM_STDIN, input=_pathspecs(present))
    if gone:
        run(
            where.top,
            "rm",
            "--cached",
            "-q",
            "--ignore-unmatch",
            *_FROM_STDIN,
            input=_pathspecs(gone),
        )
    merging = state.operation == "merge"
    # Concluding a merge commits the whole index (checked above to hold only data files);
    # otherwise only the paths given are committed, whatever else is staged.
    commit_files(where.top, [] if merging else git_paths, text, timeout=limit, before=state.commit)
    sha = head_commit(root) or ""
    return CommitResult(
        commit=sha,
        message=text,
        files=files,
        root_commit=state.commit is None,
        branch=current_branch(where.top),
        merge=merging,
    )


def commit_files(
    top: Path, git_paths: list[str], message: str, *, timeout: float, before: str | None
) -> None:
    """`git commit` of `git_paths` (none: the whole index), hooks included, within `timeout`.

    A hook that hangs is stopped with git (GitError "timeout", naming a lock left behind); a
    hook or git that refuses gives GitError "refused" with their own output.
    """
    handle, message_file = tempfile.mkstemp(prefix="tracker-message-", suffix=".txt")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(message.encode("utf-8"))
        args = ["commit", "-q", "-F", message_file]
        if git_paths:  # read from standard input: no limit on how many files one commit takes
            args += _FROM_STDIN
        specs = _pathspecs(git_paths) if git_paths else None
        done = run(top, *args, input=specs, timeout=timeout, check=False)
    except GitError as err:
        if err.kind != "timeout":
            raise
        now = _head_after(top)
        if now is not None and now != before:
            raise GitError(
                f"the commit was made ({now[:10]}), but a hook that runs after it "
                f"(post-commit) did not finish within {timeout:g} s: tracker stopped it and "
                "every process it started" + _lock_note(top),
                "timeout",
            ) from None
        raise GitError(f"not committed: {err}", "timeout") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(message_file)
    if done.returncode == 0:
        return
    err = _text(done.stderr + done.stdout)
    if "unmerged" in err.lower() or "conflict" in err.lower():
        raise GitError(
            "not committed: a merge is unfinished; resolve the conflicts, "
            "then run 'tracker commit' again",
            "conflict",
        )
    failure = _failure(("commit",), done, top)
    if failure.kind != "failed":
        raise failure
    raise GitError(
        f"not committed: git commit stopped with exit status {done.returncode}"
        + (" (a hook of this repository refused it)" if _has_commit_hooks(top) else "")
        + ". Its output:\n"
        + _excerpt(err),
        "refused",
    )


_FROM_STDIN = ["--pathspec-from-file=-", "--pathspec-file-nul"]


def _pathspecs(specs: list[str]) -> bytes:
    return b"".join(spec.encode("utf-8", "surrogateescape") + b"\0" for spec in specs)


def _head_after(top: Path) -> str | None:
    done = run(top, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
    sha = _text(done.stdout).strip()
    return sha if done.returncode == 0 and sha else None


def _has_commit_hooks(top: Path) -> bool:
    """Whether a hook git runs on commit is installed (in .git/hooks or core.hooksPath)."""
    where = Repo(top, "")
    hooks = _git_paths(where, "hooks")[0]
    names = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")
    return any(os.access(hooks / name, os.X_OK) for name in names)


def _excerpt(output: str, lines: int = 40, width: int = 500) -> str:
    """The end of a hook's output, each line cut to `width`: what the analyst needs to act."""
    rows = [row[:width] for row in output.strip().splitlines()] or ["(no output)"]
    cut = len(rows) - lines
    shown = rows[-lines:] if cut > 0 else rows
    head = [f"  … {cut} earlier line{'s' * (cut != 1)} not shown"] if cut > 0 else []
    return "\n".join(head + ["  " + row for row in shown])


# --- reading history ---------------------------------------------------------------------------


def _cat_file(top: Path, requests: list[str]) -> list[bytes | None]:
    """Objects by name (`sha` or `rev:path`), all in one `git cat-file --batch`; None if absent."""
    if not requests:
        return []
    done = run(top, "cat-file", "--batch", input="".join(r + "\n" for r in requests).encode())
    out = done.stdout
    result: list[bytes | None] = []
    pos = 0
    for _ in requests:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag"):
            size = int(header[2])
            result.append(out[pos : pos + size] if header[1] == b"blob" else None)
            pos += size + 1
        else:  # "<name> missing" or "<name> ambiguous"
            result.append(None)
    return result


def read_blobs(root: Path, specs: list[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
    """Contents of (revision, project-relative path) pairs; None where the file is absent.

    A revision or path that cannot be a batch request (a line break, a leading dash) is
    reported absent: one request per line is git's protocol."""
    if not specs:
        return {}
    where = repo(root)
    usable = [
        (rev, path)
        for rev, path in specs
        if not any(c in rev + path for c in "\n\r\0") and not rev.startswith("-")
    ]
    contents = _cat_file(where.top, [f"{rev}:{where.to_git(path)}" for rev, path in usable])
    found = dict(zip(usable, contents, strict=True))
    return {spec: found.get(spec) for spec in specs}


def read_objects(root: Path, shas: list[str]) -> dict[str, bytes | None]:
    """Blob contents by object id (as `tree_files` and `log` list them)."""
    unique = sorted({sha for sha in shas if _is_sha(sha)})
    if not unique:
        return {}
    return dict(zip(unique, _cat_file(repo(root).top, unique), strict=True))


def commit_before(root: Path, when: dt.date) -> str | None:
    """The last commit on the current branch's main line made on or before the end of `when`."""
    where = repo(root)
    if head_commit(root) is None:
        return None
    end = dt.datetime.combine(when, dt.time(23, 59, 59)).strftime("%Y-%m-%d %H:%M:%S")
    done = run(where.top, "rev-list", "-1", "--first-parent", f"--before={end}", "HEAD")
    sha = _text(done.stdout).strip()
    return sha or None


def _commit_id(where: Repo, rev: str) -> str:
    """`rev` as a full commit id; never read as an option."""
    if rev.startswith("-") or any(c in rev for c in "\n\r\0"):
        raise GitError(f"{rev!r} is not a commit", "no-commit")
    done = run(where.top, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
    sha = _text(done.stdout).strip()
    if done.returncode != 0 or not _is_sha(sha):
        raise GitError(f"{rev!r} is not a commit of this repository", "no-commit")
    return sha


def tree_files(root: Path, rev: str) -> list[rebuild.TreeEntry]:
    """The entries (files, links, submodules, with sizes) of tracker's data files at `rev`."""
    where = repo(root)
    specs = [f":(top,literal){where.to_git(p)}" for p in DATA_PATHS]
    done = run(where.top, "ls-tree", "-r", "-l", "-z", "--full-tree", rev, "--", *specs)
    entries = []
    for raw in done.stdout.split(b"\0"):
        meta, tab, path_bytes = raw.partition(b"\t")
        fields = meta.split()
        if not tab or len(fields) != 4:
            continue
        mode, kind, sha, size = (f.decode("ascii", "replace") for f in fields)
        try:
            path = path_bytes.decode("utf-8")
        except UnicodeDecodeError:
            path = path_bytes.decode("utf-8", "replace")  # refused as not UTF-8 by the plan
        rel = where.from_git(path)
        if rel is None or kind not in ("blob", "commit"):
            continue
        entries.append(
            rebuild.TreeEntry(
                mode=mode,
                kind=kind,
                sha=sha,
                size=int(size) if size.isdigit() else None,
                path=rel,
            )
        )
    return entries


def workspace_at(root: Path, rev: str):
    """The project as committed at `rev`, checked exactly as the work tree is.

    The committed files are written to a private temporary folder (see `tracker.git.rebuild`:
    nothing is written through a link, nothing outside it), kept while the workspace lives,
    and opened there, so every check (syntax, schema, cross-file, archives) is the work tree's
    own; what could not be written is a finding. The workspace's root is the real project, its
    paths project-relative as usual.
    """
    from tracker.workspace import open_workspace

    where = repo(root)
    sha = _commit_id(where, rev)
    entries = tree_files(root, sha)
    if not any(e.path == store.RECOMMENDATIONS for e in entries):
        raise GitError(
            f"commit {sha[:10]} holds no {store.RECOMMENDATIONS} for this project", "no-commit"
        )
    kept, problems = rebuild.plan(entries, sha)
    blobs = read_objects(root, [e.sha for e in kept])
    try:
        folder = rebuild.PrivateFolder()
    except rebuild.RebuildUnsupported as err:
        raise GitError(str(err), "failed") from None
    try:
        problems += rebuild.write_tree(folder.path, kept, blobs, sha)
        ws = open_workspace(root, data=folder.path, cache=False, recover=False)
    except BaseException:
        folder.cleanup()
        raise
    ws._keep = folder
    ws.problems.extend(problems)
    return ws


def workspace_known_as_of(root: Path, when: dt.date):
    """What was known on `when`: the project as committed by the end of that day."""
    rev = commit_before(root, when)
    if rev is None:
        cut = shallow_boundary(root)
        if cut:
            dates = _commit_dates(root, cut)
            oldest = min(dates.values()) if dates else None
            since = f" ({oldest.isoformat()})" if oldest else ""
            raise GitError(
                f"--known-as-of {when.isoformat()}: this is a shallow clone, and its history "
                f"is cut at {cut[0][:10]}{since}: what was committed before then is not here. "
                "Fetch the whole history with git fetch --unshallow, then run again",
                "no-commit",
            )
        first = first_commit_date(root)
        hint = f" (the first commit is from {first.isoformat()})" if first else " (no commits yet)"
        raise GitError(
            f"--known-as-of {when.isoformat()}: nothing was committed by then{hint}", "no-commit"
        )
    return workspace_at(root, rev)


def _commit_dates(root: Path, shas: list[str]) -> dict[str, dt.date]:
    where = repo(root)
    done = run(where.top, "show", "-s", "--format=%H %cI", *[s for s in shas if _is_sha(s)])
    out = {}
    for line in _text(done.stdout).splitlines():
        sha, _, when = line.partition(" ")
        with contextlib.suppress(ValueError):
            out[sha] = dt.datetime.fromisoformat(when).date()
    return out


def first_commit_date(root: Path) -> dt.date | None:
    try:
        where = repo(root)
        done = run(where.top, "log", "--reverse", "--format=%cI", "HEAD", check=False)
    except GitError:
        return None
    lines = _text(done.stdout).split()
    return dt.datetime.fromisoformat(lines[0]).date() if lines else None


_FIELDS = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
_HEX = frozenset("0123456789abcdef")
_RAW = re.compile(r":(\d{6}) (\d{6}) ([0-9a-f]{40,64}) ([0-9a-f]{40,64}) ([A-Z])\d*")


def _is_sha(token: str) -> bool:
    return len(token) in (40, 64) and set(token) <= _HEX


def log(
    root: Path,
    paths: list[str] | None = None,
    *,
    rev: str = "HEAD",
    max_count: int | None = None,
    history: bool = False,
) -> list[CommitInfo]:
    """Commits (newest first) touching `paths` (project-relative; default: all data), with files.

    One `git log --raw` pass: each file with its status and the blob ids on both sides, so a
    caller reads the contents it needs in one `git cat-file --batch`, never one git per commit.
    `history`: for rebuilding states commit by commit (`tracker.git.history`): parents as git
    rewrites them to the commits listed (`--parents`), and a merge's changes against its first
    parent.

    The stream is read token by token (NUL-separated; no field can hold a NUL): six fields per
    commit, then (raw line, path) pairs until the next commit's hash, so no subject or file
    name, whatever it holds, can shift the parse. In a shallow clone the boundary commits are
    marked: their parents are not here, so they seem to add everything before them.
    """
    where = repo(root)
    if head_commit(root) is None:
        return []
    if rev.startswith("-"):
        raise GitError(f"{rev!r} is not a revision", "usage")
    specs = [f":(top,literal){where.to_git(p)}" for p in (paths or list(DATA_PATHS))]
    args = ["log", "-z", "--raw", "--no-abbrev", "--no-renames", f"--format={_FIELDS}"]
    if history:
        # A merge's changes against its first parent: `--diff-merges=first-parent` from git
        # 2.31; before it, `-m` lists them against each parent in turn, the first one first.
        first_parent = ["--diff-merges=first-parent"] if git_version() >= (2, 31) else ["-m"]
        args += ["--parents", *first_parent]
    if max_count:
        args.append(f"-n{max_count}")
    done = run(where.top, *args, rev, "--", *specs)
    boundary = set(shallow_boundary(root))
    tokens = _text(done.stdout).split("\0")
    commits: list[CommitInfo] = []
    seen: set[str] = set()
    i = 0
    while i + 6 <= len(tokens):
        sha = tokens[i].lstrip("\n")
        if not _is_sha(sha):
            i += 1  # not a commit's start (a field that held a NUL): look for the next one
            continue
        parents, author, email, date, subject = tokens[i + 1 : i + 6]
        i += 6
        files: list[FileStatus] = []
        while i + 1 < len(tokens):
            raw = _RAW.fullmatch(tokens[i].lstrip("\n"))
            if raw is None:
                break
            old_mode, new_mode, old_blob, new_blob, status = raw.groups()
            rel = where.from_git(tokens[i + 1])
            if rel is not None:
                files.append(
                    FileStatus(
                        status=status,
                        path=rel,
                        old_mode=old_mode,
                        new_mode=new_mode,
                        old_blob=old_blob,
                        new_blob=new_blob,
                    )
                )
            i += 2
        try:
            when = dt.datetime.fromisoformat(date)
        except ValueError:
            continue
        if sha in seen:  # `-m`: the same merge against its next parent
            continue
        seen.add(sha)
        commits.append(
            CommitInfo(
                commit=sha,
                parents=[p for p in parents.split() if _is_sha(p)],
                author=author,
                email=email,
                date=when,
                subject=subject,
                files=files,
                boundary=sha in boundary,
            )
        )
    return commits


def blame(root: Path, rel: str) -> list[BlameLine]:
    """Who last changed each line of a file as it is in the work tree (uncommitted lines too).

    git marks a line from a commit without parents as a boundary; only a shallow clone's
    boundary is one here (its lines are older than the history that is here): a
    repository's first commit is credited like any other."""
    where = repo(root)
    if head_commit(root) is None:
        return []
    done = run(where.top, "blame", "--line-porcelain", "--", where.to_git(rel), check=False)
    if done.returncode != 0:
        err = _text(done.stderr)
        if "no such path" in err or "no such file" in err.lower():
            return []
        raise _failure(("blame",), done)
    lines: list[BlameLine] = []
    info: dict[str, str] = {}
    sha, final = "", 0
    for raw in done.stdout.split(b"\n"):
        if raw.startswith(b"\t"):
            lines.append(
                BlameLine(
                    line=final,
                    commit=sha,
                    author=info.get("author", ""),
                    email=info.get("author-mail", "").strip("<>"),
                    time=dt.datetime.fromtimestamp(int(info.get("author-time", "0")), dt.UTC),
                    summary=info.get("summary", ""),
                    boundary="boundary" in info,
                )
            )
            info = {}
            continue
        text = _text(raw)
        head = text.split(" ")
        if len(head) >= 3 and _is_sha(head[0]) and head[1].isdigit() and head[2].isdigit():
            sha, final = head[0], int(head[2])
            continue
        key, _, value = text.partition(" ")
        info[key] = value
    if any(b.boundary for b in lines):  # a first commit, or a shallow clone's boundary?
        cut = set(shallow_boundary(root))
        lines = [b if b.commit in cut else b.model_copy(update={"boundary": False}) for b in lines]
    return lines


def init(folder: Path) -> None:
    """`git init` a folder (creating it); GitError where git cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    run(folder, "init", "-q")


def git_available() -> bool:
    return shutil.which("git") is not None


MIN_GIT = (2, 26)  # `git rm --pathspec-from-file`
_VERSION: list[tuple[int, int]] = []


def git_version() -> tuple[int, int]:
    """git's (major, minor) version, asked once per process; (0, 0) when it cannot be read."""
    if not _VERSION:
        done = run(Path.cwd() if Path.cwd().is_dir() else Path("/"), "version", check=False)
        found = re.search(r"(\d+)\.(\d+)", _text(done.stdout))
        _VERSION.append((int(found.group(1)), int(found.group(2))) if found else (0, 0))
    return _VERSION[0]


def require_git(minimum: tuple[int, int] = MIN_GIT) -> None:
    """GitError when git is older than tracker needs to commit safely."""
    version = git_version()
    if version != (0, 0) and version < minimum:
        raise GitError(
            f"tracker needs git {minimum[0]}.{minimum[1]} or newer to commit; this is git "
            f"{version[0]}.{version[1]}: update git (https://git-scm.com/downloads)",
            "missing",
        )
