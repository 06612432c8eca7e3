"""Git as the database: the one module that runs the `git` program.

Everything goes through `run()`: no prompt can hang a command (GIT_TERMINAL_PROMPT=0), no call
runs forever (a timeout), output is read in git's machine formats (`-z`, `--line-porcelain`,
`%x00`-separated fields) so no file name or subject can be misparsed, and every failure becomes
a `GitError` whose message says what to do. Git does the work; nothing here re-implements it.

Paths given to and returned by this module are relative to the tracking project's root (where
`recommendations.toml` lives), which may be a sub-folder of the git work tree.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracker.domain.model import EvidenceItem
from tracker.domain.problems import Problem
from tracker.errors import TrackerError
from tracker.store import layout as store
from tracker.store import reader

TIMEOUT = 60.0  # seconds; a commit may run the repository's hooks
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
    branch: str | None


class FileStatus(_Model):
    status: str  # git's letter: A added, M modified, D deleted, T type changed
    path: str  # relative to the project root


class CommitInfo(_Model):
    commit: str
    parents: list[str]
    author: str
    email: str
    date: dt.datetime  # the author date
    subject: str
    files: list[FileStatus] = []


class BlameLine(_Model):
    line: int  # 1-based, in the current file
    commit: str  # 40 zeros for a line not committed yet
    author: str
    email: str
    time: dt.datetime  # the author time
    summary: str

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


def run(
    cwd: Path, *args: str, input: bytes | None = None, timeout: float = TIMEOUT, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd`; GitError for a missing git, a timeout, or (check) a failure."""
    command = ["git", "-c", "core.quotepath=off", "-c", "color.ui=false", *args]
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            input=input,
            capture_output=True,
            timeout=timeout,
            env=_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError(
            "git is not installed (or not on PATH): install git (https://git-scm.com/downloads) "
            "to commit, see history and collaborate",
            "missing",
        ) from None
    except subprocess.TimeoutExpired:
        raise GitError(
            f"git {args[0]} did not finish within {timeout:.0f} s; nothing was "
            "changed by tracker (a hook or a lock may be hanging)",
            "timeout",
        ) from None
    if check and done.returncode != 0:
        raise _failure(args, done)
    return done


def _failure(args: tuple[str, ...], done: subprocess.CompletedProcess[bytes]) -> GitError:
    err = done.stderr.decode("utf-8", "replace").strip()
    if "not a git repository" in err:
        return GitError(
            "not a git repository: run 'git init' in the project folder (or start "
            "a new project with 'tracker init')",
            "not-a-repo",
        )
    if "Please tell me who you are" in err or "unable to auto-detect email" in err:
        return _identity_error()
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


def _data_rel(root: Path, path: Path) -> str:
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


def _merging(where: Repo) -> bool:
    done = run(where.top, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False)
    return done.returncode == 0


def commit(root: Path, paths: list[Path] | None = None, message: str | None = None) -> CommitResult:
    """Validate, stage only tracker's data files (all pending, or those under `paths`), commit.

    Refuses (GitError) when the data has errors, when nothing changed, and when git lacks an
    identity; other files, staged or not, are never part of the commit.
    """
    root = root.resolve()
    where = repo(root)
    identity(where.top)
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
        wanted = [_data_rel(root, p) for p in paths]
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
    first = head_commit(root) is None
    run(where.top, "add", "-A", "--", *git_paths)
    if _merging(where):
        # Concluding a merge commits the whole index; git refuses while conflicts remain.
        done = run(where.top, "commit", "-q", "-F", "-", input=text.encode("utf-8"), check=False)
    else:
        done = run(
            where.top,
            "commit",
            "-q",
            "-F",
            "-",
            "--",
            *git_paths,
            input=text.encode("utf-8"),
            check=False,
        )
    if done.returncode != 0:
        err = _text(done.stderr + done.stdout)
        if "unmerged" in err.lower() or "conflict" in err.lower():
            raise GitError(
                "not committed: a merge is unfinished; resolve the conflicts, "
                "then run 'tracker commit' again",
                "conflict",
            )
        raise _failure(("commit",), done)
    sha = head_commit(root) or ""
    return CommitResult(
        commit=sha, message=text, files=files, root_commit=first, branch=current_branch(where.top)
    )


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
    """Contents of (revision, project-relative path) pairs; None where the file is absent."""
    if not specs:
        return {}
    where = repo(root)
    contents = _cat_file(where.top, [f"{rev}:{where.to_git(path)}" for rev, path in specs])
    return dict(zip(specs, contents, strict=True))


def read_objects(root: Path, shas: list[str]) -> dict[str, bytes | None]:
    """Blob contents by object id (as `tree_files` lists them)."""
    unique = sorted(set(shas))
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


def tree_files(root: Path, rev: str) -> list[tuple[str, str, str]]:
    """(mode, blob sha, project-relative path) of tracker's data files at `rev`."""
    where = repo(root)
    specs = [f":(top,literal){where.to_git(p)}" for p in DATA_PATHS]
    done = run(where.top, "ls-tree", "-r", "-z", "--full-tree", rev, "--", *specs)
    files = []
    for entry in _text(done.stdout).split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, kind, sha = meta.split()
        rel = where.from_git(path)
        if kind == "blob" and rel is not None:
            files.append((mode, sha, rel))
    return files


def workspace_at(root: Path, rev: str):
    """The project as committed at `rev`, checked exactly as the work tree is: the committed
    files are written to a private temporary folder (kept while the workspace lives) and
    opened there; the workspace's root is the real project, its paths project-relative."""
    from tracker.workspace import open_workspace

    files = tree_files(root, rev)
    blobs = read_objects(root, [sha for _, sha, _ in files])
    if not any(rel == store.RECOMMENDATIONS for _, _, rel in files):
        raise GitError(
            f"commit {rev[:10]} holds no {store.RECOMMENDATIONS} for this project", "no-commit"
        )
    keep = tempfile.TemporaryDirectory(prefix="tracker-known-")
    base = Path(keep.name)
    for mode, sha, rel in files:
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = blobs.get(sha) or b""
        if mode == "120000":  # a committed symbolic link: recreate it, never follow it
            os.symlink(_text(data), target)
        else:
            target.write_bytes(data)
    ws = open_workspace(root, data=base, cache=False, recover=False)
    ws._keep = keep
    return ws


def workspace_known_as_of(root: Path, when: dt.date):
    """What was known on `when`: the project as committed by the end of that day."""
    rev = commit_before(root, when)
    if rev is None:
        first = first_commit_date(root)
        hint = f" (the first commit is from {first.isoformat()})" if first else " (no commits yet)"
        raise GitError(
            f"--known-as-of {when.isoformat()}: nothing was committed by then{hint}", "no-commit"
        )
    return workspace_at(root, rev)


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


def _is_sha(token: str) -> bool:
    return len(token) in (40, 64) and set(token) <= _HEX


def log(
    root: Path, paths: list[str] | None = None, *, rev: str = "HEAD", max_count: int | None = None
) -> list[CommitInfo]:
    """Commits (newest first) touching `paths` (project-relative; default: all data), with files.

    The stream is read token by token (NUL-separated; no field can hold a NUL): six fields per
    commit, then (status, path) pairs until the next commit's hash, so no subject or file name,
    whatever it holds, can shift the parse.
    """
    where = repo(root)
    if head_commit(root) is None:
        return []
    specs = [f":(top,literal){where.to_git(p)}" for p in (paths or list(DATA_PATHS))]
    args = ["log", "-z", "--name-status", "--no-renames", f"--format={_FIELDS}"]
    if max_count:
        args.append(f"-n{max_count}")
    done = run(where.top, *args, rev, "--", *specs)
    tokens = _text(done.stdout).split("\0")
    commits: list[CommitInfo] = []
    i = 0
    while i + 6 <= len(tokens):
        sha = tokens[i].lstrip("\n")
        if not _is_sha(sha):
            break
        parents, author, email, date, subject = tokens[i + 1 : i + 6]
        i += 6
        files: list[FileStatus] = []
        while i + 1 < len(tokens):
            status = tokens[i].lstrip("\n")
            if not status or _is_sha(status):
                break
            rel = where.from_git(tokens[i + 1])
            if rel is not None:
                files.append(FileStatus(status=status[:1], path=rel))
            i += 2
        commits.append(
            CommitInfo(
                commit=sha,
                parents=parents.split(),
                author=author,
                email=email,
                date=dt.datetime.fromisoformat(date),
                subject=subject,
                files=files,
            )
        )
    return commits


def blame(root: Path, rel: str) -> list[BlameLine]:
    """Who last changed each line of a file as it is in the work tree (uncommitted lines too)."""
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
                )
            )
            info = {}
            continue
        text = _text(raw)
        head = text.split(" ")
        if len(head) >= 3 and len(head[0]) == 40 and all(c in "0123456789abcdef" for c in head[0]):
            sha, final = head[0], int(head[2])
            continue
        key, _, value = text.partition(" ")
        info[key] = value
    return lines


def init(folder: Path) -> None:
    """`git init` a folder (creating it); GitError where git cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    run(folder, "init", "-q")


def git_available() -> bool:
    return shutil.which("git") is not None
