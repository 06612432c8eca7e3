"""The project on disk: finding it, loading and validating every file, and saving safely.

Loading never stops at the first problem and never skips a file silently: every file either
yields a valid model or findings naming the file and line. Saving is atomic (temp file in the
same folder, fsync, rename) and refuses to overwrite a file that changed since it was read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import os
import pickle
import re
import tempfile
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from pydantic import BaseModel, ValidationError

from tracker.clock import today
from tracker.domain.model import (
    SCHEMA_VERSION,
    Assessment,
    EvidenceItem,
    ItemFacts,
    Node,
    Paper,
    Problem,
    RecommendationsFile,
    Source,
)
from tracker.domain.urls import normalize_url
from tracker.speed.cachefile import no_gc
from tracker.speed.scan import (
    EVIDENCE_DIR,
    RECOMMENDATIONS,
)
from tracker.speed.scan import ProjectNotFound as ProjectNotFound  # re-exported: where it was
from tracker.speed.scan import find_root as find_root  # re-exported: where it was
from tracker.store import tomlfmt

if typing.TYPE_CHECKING:
    from tracker.speed.catalogue import Catalogue
    from tracker.speed.scan import EvidenceState

try:  # the faster parser where installed; the standard library's otherwise
    import tomli as toml_parser
except ImportError:  # pragma: no cover - depends on the environment
    import tomllib as toml_parser  # type: ignore[no-redef]

CONFIG = "tracker.toml"
DRAFTS_DIR = "drafts"
CACHE_DIR = ".tracker-cache"

READ_ONE_BY_ONE = 200  # past this many items to read, they are read as a batch (see cache)
MAX_TOML_BYTES = 1 << 20  # an evidence file; full texts belong in the archived .txt
MAX_RECOMMENDATIONS_BYTES = 8 << 20
MAX_ARCHIVE_BYTES = 16 << 20

_CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: .*)?$")
_LEFTOVER = re.compile(r"(~$|^\.#|^#.*#$|\.swp$|\.swo$|\.orig$|\.rej$|\.bak$|\.tmp$|^\.~)")


class FileChangedError(Exception):
    """The file on disk is not the one the analyst started editing."""


class UnsafeWriteError(Exception):
    """Writing would destroy words: a merge conflict is still unresolved in the target."""


# --- reading one file ----------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_READ_SIZE = 1 << 16


def read_bytes(path: str | os.PathLike) -> bytes:
    """A file's bytes through the system calls alone.

    `open(path, "rb").read()` builds a buffered file object for each file: on a cold load,
    where most files are a few kilobytes, that costs as much as the reading itself.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        parts = []
        while chunk := os.read(fd, _READ_SIZE):
            parts.append(chunk)
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


@dataclass
class ParsedFile:
    """A TOML file read from disk: its data if it parsed, else the findings that say why not."""

    data: dict[str, typing.Any] | None
    text: str
    sha256: str
    problems: list[Problem] = field(default_factory=list)


def conflict_problems(text: str, rel: str) -> list[Problem]:
    """Merge-conflict leftovers, wherever they stand (a multi-line string included)."""
    if not any(marker in text for marker in ("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
        return []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _CONFLICT.match(line)
        if match:
            marker = match.group(1)
            problems.append(
                Problem(
                    path=rel,
                    line=number,
                    message=f"git merge conflict marker {marker[:3]}…: resolve the conflict "
                    "(keep one side or combine both), then delete the marker lines",
                )
            )
    return problems


def parse_toml_bytes(raw: bytes, rel: str, max_bytes: int = MAX_TOML_BYTES) -> ParsedFile:
    digest = sha256_bytes(raw)

    def fail(message: str, line: int | None = None) -> ParsedFile:
        return ParsedFile(None, "", digest, [Problem(path=rel, line=line, message=message)])

    if len(raw) > max_bytes:
        return fail(
            f"file is {len(raw) / 1048576:.1f} MiB; a data file is limited to "
            f"{max_bytes // 1048576} MiB (keep an article's full text in the archived .txt copy)"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        return fail("file starts with a byte-order mark (BOM): save it as UTF-8 without BOM", 1)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return fail("file holds binary content (a NUL byte): expected UTF-8 TOML text", line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return fail(
            f"not valid UTF-8 (byte 0x{raw[err.start]:02x} at byte {err.start}): "
            "save the file as UTF-8",
            line,
        )
    conflicts = conflict_problems(text, rel)
    if conflicts:
        return ParsedFile(None, text, digest, conflicts)
    if not text or text.isspace():
        return ParsedFile(None, text, digest, [Problem(path=rel, line=1, message="file is empty")])
    try:
        data = toml_parser.loads(text)
    except toml_parser.TOMLDecodeError as err:
        message = str(err)
        line = getattr(err, "lineno", None)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if found:
            line = line or int(found.group(1))
            message = message[: found.start()].strip()
        elif "end of document" in message:
            line = text.count("\n") + 1
        return ParsedFile(
            None, text, digest, [Problem(path=rel, line=line, message=_toml_hint(message))]
        )
    except RecursionError:
        return fail("nesting is too deep to read: flatten the tables or arrays")
    return ParsedFile(data, text, digest)


def _toml_hint(message: str) -> str:
    """Make the parser's words say what to do."""
    lowered = message.lower()
    if "cannot overwrite" in lowered or "cannot declare" in lowered:
        return f"TOML error: {message} (a key or table is defined twice)"
    if "invalid date" in lowered or "invalid datetime" in lowered:
        return f"TOML error: {message} (no such calendar date?)"
    return f"TOML error: {message}"


# --- pydantic errors as an analyst reads them -----------------------------------------------

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "string_type": "a text string",
    "bool_type": "true or false",
    "date_type": "a date like 2025-09-15 (without a time)",
    "list_type": "a list [ … ]",
    "model_type": "a table",
    "dict_type": "a table",
    "finite_number": "a finite number",
}


def _describe_input(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"the string {shown!r}"
    if isinstance(value, dt.datetime):
        return f"the date-time {value.isoformat()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _loc_label(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out or "the file's top level"


def _model_at(model: type[BaseModel], loc: Iterable[str | int]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = next(
            (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
        )
        if info is None:
            return None
        annotation = info.annotation
        current = None
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
    return current


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def validation_problems(
    err: ValidationError, model: type[BaseModel], text: str, rel: str, base: tuple = ()
) -> list[Problem]:
    lines = tomlfmt.key_lines(text)
    problems = []
    for error in err.errors():
        loc = (*base, *error["loc"])
        label = _loc_label(loc)
        kind = error["type"]
        value = error.get("input")
        if kind == "missing":
            message = f"missing required key '{loc[-1]}' in {_loc_label(loc[:-1])}"
        elif kind == "extra_forbidden":
            owner = _model_at(model, error["loc"][:-1])
            known = _field_names(owner) if owner else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(known)}"
            )
            message = f"unknown key '{label}'; {hint}"
        elif kind in _EXPECTED:
            message = f"{label} must be {_EXPECTED[kind]}, not {_describe_input(value)}"
        elif kind == "literal_error":
            expected = error["msg"].removeprefix("Input should be ")
            message = f"{label} must be {expected}, not {_describe_input(value)}"
        elif kind == "value_error":
            message = f"{label}: {error['msg'].removeprefix('Value error, ')}"
        elif kind == "string_pattern_mismatch" and loc[-1] == "archive_sha256":
            message = (
                f"{label} must be 64 lowercase hex digits (a sha256), not {_describe_input(value)}"
            )
        elif kind == "too_short" and isinstance(value, list):
            message = f"{label} needs at least one entry"
        elif kind == "string_too_short":
            message = f"{label} may not be empty"
        else:
            message = f"{label}: {error['msg'].replace('Input should be', 'should be')}"
            if value is not None and not isinstance(value, dict | list):
                message += f", not {_describe_input(value)}"
        problems.append(Problem(path=rel, line=tomlfmt.line_of(lines, loc), message=message))
    return problems


# --- the project -----------------------------------------------------------------------------


@dataclass
class EvidenceFile:
    """One evidence item and where it lives, so an edit can be refused if the file moved on."""

    item: EvidenceItem
    path: str  # relative to the root, posix
    sha256: str
    url_key: str | None = None

    @property
    def facts(self) -> ItemFacts:
        url = self.item.source.url
        return ItemFacts.of(self.item, self.url_key or (normalize_url(url) if url else None))


@dataclass
class LoadedFile:
    """An evidence file that yielded an item, before anyone asked for the item itself."""

    path: str
    result: FileResult

    @property
    def facts(self) -> ItemFacts:
        assert self.result.facts is not None
        return self.result.facts


class Project:
    """A loaded project: its paper, its tree, its evidence and every problem found.

    The evidence items are materialised when `evidence` is first asked for: a table of scores
    and a list of findings need none. A fresh load holds each file's facts (what the checks
    and scores need) and the items packed, or not at all (`load_project(items=False)`); a
    warm load from the snapshot (`tracker.speed.snapshot`) holds only which files to read.
    """

    def __init__(
        self,
        root: Path,
        paper: Paper | None,
        nodes: list[Node],
        loaded: list[LoadedFile] | None,
        problems: list[Problem],
        recommendations_sha256: str | None = None,
        *,
        state: EvidenceState | None = None,
        pending: list[str] | None = None,
        use_cache: bool = True,
    ) -> None:
        self.root = root
        self.paper = paper
        self.nodes = nodes
        self.problems = problems
        self.recommendations_sha256 = recommendations_sha256
        self.state = state  # the evidence files' identities at load (None: not from the tree)
        self.loaded = loaded  # None after a warm load: only `paths` are known then
        self.paths = [f.path for f in loaded] if loaded is not None else list(pending or [])
        self._evidence: list[EvidenceFile] | None = None
        self._by_path: dict[str, LoadedFile] | None = None
        self._catalogue: Catalogue | None = None
        self._use_cache = use_cache

    @property
    def evidence(self) -> list[EvidenceFile]:
        if self._evidence is None:
            self._evidence = self._materialise()
        return self._evidence

    def _materialise(self) -> list[EvidenceFile]:
        loaded = self.loaded
        if loaded is None:
            return _read_evidence(self.root, self.paths, self.state, self._use_cache)
        missing = [f.path for f in loaded if not f.result.has_item]
        again: dict[str, EvidenceFile] = {}
        if missing:  # loaded without the items: read those files again
            again = {ev.path: ev for ev in _read_evidence(self.root, missing, None, False)}
        # Once the items are here, the facts are not needed (the scores were prepared from
        # them first): each is dropped as its item is unpacked, so the two are never held
        # whole at once (100,000 items' facts are a tenth of their memory).
        self.loaded = None
        self._by_path = None
        with no_gc():
            out = []
            for f in loaded:
                result = f.result
                url_key = result.url_key
                result.facts = None
                if result.has_item:
                    item = result.item
                    assert item is not None
                    out.append(EvidenceFile(item, f.path, result.sha256, url_key))
                elif f.path in again:
                    out.append(again[f.path])
        return out

    def items_at(self, paths: typing.Iterable[str]) -> dict[str, EvidenceItem]:
        """The items of these files (known to load), reading no more than they need: from the
        loaded evidence, else from this load's results, else from their files."""
        wanted = list(dict.fromkeys(paths))
        if self._evidence is not None:
            by_path = {ev.path: ev.item for ev in self._evidence}
            return {path: by_path[path] for path in wanted if path in by_path}
        out: dict[str, EvidenceItem] = {}
        if self.loaded is not None:
            if self._by_path is None:
                self._by_path = {f.path: f for f in self.loaded}
            for path in wanted:
                f = self._by_path.get(path)
                if f is not None and f.result.has_item:
                    item = f.result.item
                    assert item is not None
                    out[path] = item
        missing = [path for path in wanted if path not in out]
        if len(missing) > READ_ONE_BY_ONE:
            # Many: read just those files (in worker processes when there are thousands).
            # Through the load cache would mean unpickling every file's entry, however few
            # are wanted: at 100,000 items, half a gigabyte for a quarter's new evidence.
            found = _read_evidence(self.root, missing, None, False)
            out.update((ev.path, ev.item) for ev in found)
        else:
            for path in missing:
                result = load_evidence_file(self.root, self.root / path, check_archive=False)
                if result.item is not None:
                    out[path] = result.item
        gone = next((path for path in wanted if path not in out), None)
        if gone is not None:
            raise FileChangedError(
                f"{gone} changed while tracker was reading it: run the command again"
            )
        return out

    def iter_evidence(self) -> typing.Iterator[EvidenceFile]:
        """Every evidence file in load order, each item unpacked as it is reached and not kept:
        one pass over 100,000 items (an index build, the workbench's search texts) without
        holding them all. After a warm load, what the pass reads is not kept either, and the
        project's own state is left as it was (a pass in a worker thread may run beside the
        reads of the rows on screen)."""
        if self._evidence is not None:
            yield from self._evidence
            return
        files = self.loaded if self.loaded is not None else self._read_loaded()
        batch: list[str] = []
        for f in files:
            item = f.result.peek_item()
            if item is not None:
                yield EvidenceFile(item, f.path, f.result.sha256, f.result.url_key)
            else:  # loaded without the item: read those again, after the others, together
                batch.append(f.path)
        if batch:
            yield from _read_evidence(self.root, batch, None, False)

    def file_facts(self) -> list[tuple[str, ItemFacts]]:
        """Each loaded file's path and facts, in load order: from this load's results, or
        from the items if they are out, or through the load cache after a warm load."""
        if self.loaded is None and self._evidence is not None:
            return [(ev.path, ev.facts) for ev in self._evidence]
        return [(f.path, f.facts) for f in self.loaded_files()]

    def catalogue(self) -> Catalogue:
        """Each item's file, date, id, address, event and assessed nodes (see catalogue):
        from the snapshot, else from the files' facts; kept after `release`."""
        if self._catalogue is None:
            from tracker.speed.snapshot import catalogue

            self._catalogue = catalogue(self)
        return self._catalogue

    def release(self) -> None:
        """Let go of every item and per-file result held: a long-lived caller (the
        workbench) keeps what it derived and reads items from their files when shown."""
        self.loaded = None
        self._evidence = None
        self._by_path = None

    def file_at(self, path: str) -> EvidenceFile | None:
        """One evidence file read afresh (its item and the sha256 an edit is checked
        against); None when it no longer yields an item."""
        if self._evidence is not None:
            found = next((ev for ev in self._evidence if ev.path == path), None)
            if found is not None:
                return found
        result = load_evidence_file(self.root, self.root / path, check_archive=False)
        if result.item is None:
            return None
        return EvidenceFile(result.item, path, result.sha256, result.url_key)

    def loaded_files(self) -> list[LoadedFile]:
        """This load's result for each file (its facts, its item packed); after a warm load
        they are read through the load cache, once."""
        if self.loaded is None:
            self.loaded = self._read_loaded()
        return self.loaded

    def _read_loaded(self) -> list[LoadedFile]:
        results = _read_results(self.root, self.paths, self.state, self._use_cache)
        pairs = zip(self.paths, results, strict=True)
        return [LoadedFile(p, r) for p, r in pairs if r.facts is not None]

    @property
    def evidence_loaded(self) -> bool:
        """False while the evidence items have not been materialised (nobody asked for them)."""
        return self._evidence is not None

    @property
    def evidence_count(self) -> int:
        return len(self.paths)

    @property
    def items(self) -> list[EvidenceItem]:
        return [f.item for f in self.evidence]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def evidence_ids(self) -> list[str]:
        """Every loaded item's id, in load order, without reading the items."""
        if self._evidence is not None:
            return [ev.item.id for ev in self._evidence]
        if self.loaded is not None:
            return [f.facts.id for f in self.loaded]
        return self.catalogue().ids

    def evidence_file(self, evidence_id: str) -> EvidenceFile | None:
        """The file of the item with this id (the first, if an id is duplicated); only that
        item is read when the evidence is not out already."""
        if self._evidence is not None:
            return next((f for f in self._evidence if f.item.id == evidence_id), None)
        if self.loaded is not None:  # this load's own results (a past commit's, perhaps)
            found = next((f for f in self.loaded if f.facts.id == evidence_id), None)
            if found is None:
                return None
            item = self.items_at([found.path])[found.path]
            return EvidenceFile(item, found.path, found.result.sha256, found.result.url_key)
        path = self.catalogue().path_of(evidence_id)
        return self.file_at(path) if path is not None else None


def _read_results(
    root: Path, rels: list[str], state: EvidenceState | None, use_cache: bool
) -> list[FileResult]:
    """Evidence files known to load, read (through the load cache unless it is off)."""
    from tracker.speed import cache as load_cache

    with no_gc():
        return load_cache.load_files(
            root,
            rels,
            load_evidence_file,
            enabled=use_cache,
            stats=state.stats if state else None,
            complete=False,
        )


def _read_evidence(
    root: Path, rels: list[str], state: EvidenceState | None, use_cache: bool
) -> list[EvidenceFile]:
    results = _read_results(root, rels, state, use_cache)
    with no_gc():
        return [
            EvidenceFile(r.item, rel, r.sha256, r.url_key)
            for rel, r in zip(rels, results, strict=True)
            if r.item is not None
        ]


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def load_recommendations(
    root: Path,
) -> tuple[RecommendationsFile | None, list[Problem], str | None]:
    path = root / RECOMMENDATIONS
    rel = RECOMMENDATIONS
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, [Problem(path=rel, message=f"cannot read: {err.strerror}")], None
    parsed = parse_toml_bytes(raw, rel, MAX_RECOMMENDATIONS_BYTES)
    if parsed.data is None:
        return None, parsed.problems, parsed.sha256
    try:
        doc = RecommendationsFile.model_validate(parsed.data)
    except ValidationError as err:
        return None, validation_problems(err, RecommendationsFile, parsed.text, rel), parsed.sha256
    return doc, _tree_problems(doc.nodes, parsed.text, rel), parsed.sha256


def _tree_problems(nodes: list[Node], text: str, rel: str) -> list[Problem]:
    lines = tomlfmt.key_lines(text)
    problems: list[Problem] = []
    seen: dict[str, Node] = {}
    for index, node in enumerate(nodes):
        line = tomlfmt.line_of(lines, ("node", index, "id"))
        parent_line = tomlfmt.line_of(lines, ("node", index, "parent"))
        if node.id in seen:
            problems.append(Problem(path=rel, line=line, message=f"duplicate node id '{node.id}'"))
            continue
        if node.kind == "section":
            if node.parent is not None:
                problems.append(
                    Problem(path=rel, line=parent_line, message="a section has no parent")
                )
        elif node.parent is None:
            problems.append(Problem(path=rel, line=line, message=f"a {node.kind} needs a parent"))
        elif node.parent not in seen:
            later = any(n.id == node.parent for n in nodes[index:])
            hint = (
                "it must come before its children"
                if later
                else _did_you_mean(node.parent, list(seen))
            )
            problems.append(
                Problem(
                    path=rel,
                    line=parent_line,
                    message=f"parent '{node.parent}' of '{node.id}' is not a node above; {hint}",
                )
            )
        else:
            parent = seen[node.parent]
            allowed = {"recommendation": {"section"}, "measure": {"recommendation", "measure"}}
            if parent.kind not in allowed[node.kind]:
                problems.append(
                    Problem(
                        path=rel,
                        line=parent_line,
                        message=f"a {node.kind}'s parent must be a "
                        f"{' or '.join(sorted(allowed[node.kind]))}, not the {parent.kind} "
                        f"'{parent.id}'",
                    )
                )
        seen[node.id] = node
    return problems


def _did_you_mean(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else "no such id"


class FileResult:
    """What one evidence file (with its archived copy) yields on its own.

    Everything here depends only on the file and its archive, so it can be cached by their
    identity; problems are part of the result, so a cache hit never hides an error. `facts`
    (None when the file yields no item) is what the checks across files and the scores need.
    The validated item may come packed (bytes, from the load cache or a worker process) and
    is unpacked only when someone reads it, which a table of scores never does: packed, it
    costs a third of the memory and no time.
    """

    __slots__ = ("_item", "_packed", "facts", "problems", "sha256")

    def __init__(
        self,
        item: EvidenceItem | None,
        problems: list[Problem],
        sha256: str,
        facts: ItemFacts | None = None,
        packed: bytes | None = None,
    ) -> None:
        self.problems = problems
        self.sha256 = sha256
        self.facts = facts
        self._item = item
        self._packed = packed

    @property
    def item(self) -> EvidenceItem | None:
        """The validated item; None when the file yields none, or was loaded without it."""
        if self._item is None and self._packed is not None:
            self._item = item_from_plain(pickle.loads(self._packed))
            self._packed = None
        return self._item

    def peek_item(self) -> EvidenceItem | None:
        """The item, unpacked afresh if packed, and not kept (see `item`)."""
        if self._item is None and self._packed is not None:
            return item_from_plain(pickle.loads(self._packed))
        return self._item

    @property
    def has_item(self) -> bool:
        return self._item is not None or self._packed is not None

    @property
    def url_key(self) -> str | None:
        return self.facts.url_key if self.facts else None

    def to_plain(self, *, with_item: bool = True) -> tuple:
        """Plain data for pickling (cache, worker processes): see `from_plain`."""
        packed = None
        if with_item:
            packed = self._packed
            if self._item is not None:
                packed = pickle.dumps(item_to_plain(self._item), protocol=pickle.HIGHEST_PROTOCOL)
        problems = tuple((p.path, p.line, p.message, p.severity) for p in self.problems)
        return packed, problems, self.sha256, self.facts

    @classmethod
    def from_plain(cls, data: tuple) -> FileResult:
        packed, problems, sha256, facts = data
        found = [
            Problem.model_construct(path=path, line=line, message=message, severity=severity)
            for path, line, message, severity in problems
        ]
        if facts is not None and not isinstance(facts, ItemFacts):
            raise TypeError("not the facts of an item")
        if packed is not None and not isinstance(packed, bytes):
            raise TypeError("not a packed item")
        return cls(None, found, sha256, facts, packed)


# Unpickling pydantic models costs ~30 us an item; plain dicts, rebuilt into models without
# validating again (they were validated when read), cost a tenth of that.

_set = object.__setattr__


_FIELDS_SET: dict[type, set[str]] = {}


def _rebuild(cls: type, fields: dict) -> typing.Any:
    obj = cls.__new__(cls)
    _set(obj, "__dict__", fields)
    # One set per model, shared: every rebuilt object has all its fields set, the models are
    # frozen (nothing adds to it), and a set each was a fifth of 100,000 items' memory.
    shared = _FIELDS_SET.get(cls)
    if shared is None or shared != fields.keys():
        shared = _FIELDS_SET[cls] = set(fields)
    _set(obj, "__pydantic_fields_set__", shared)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def item_to_plain(item: EvidenceItem) -> dict:
    fields = dict(item.__dict__)
    fields["source"] = dict(item.source.__dict__)
    fields["assessments"] = [dict(a.__dict__) for a in item.assessments]
    return fields


def item_from_plain(plain: dict) -> EvidenceItem:
    fields = dict(plain)
    fields["source"] = _rebuild(Source, dict(fields["source"]))
    fields["assessments"] = [_rebuild(Assessment, dict(a)) for a in fields["assessments"]]
    return _rebuild(EvidenceItem, fields)


def load_evidence_file(
    root: Path,
    path: Path | str,
    raw: bytes | None = None,
    *,
    check_archive: bool = True,
    rel: str | None = None,
) -> FileResult:
    rel = rel or _rel(root, Path(path))
    if raw is None:
        try:
            raw = read_bytes(path)
        except OSError as err:
            return FileResult(None, [Problem(path=rel, message=f"cannot read: {err.strerror}")], "")
    parsed = parse_toml_bytes(raw, rel)
    if parsed.data is None:
        return FileResult(None, parsed.problems, parsed.sha256)
    try:
        item = EvidenceItem.model_validate(parsed.data)
    except ValidationError as err:
        return FileResult(
            None, validation_problems(err, EvidenceItem, parsed.text, rel), parsed.sha256
        )
    problems = _item_layout_problems(item, rel, parsed.text)
    if check_archive:
        problems += _archive_problems(root, path, rel, item, parsed.text)
    url_key = normalize_url(item.source.url) if item.source.url else None
    return FileResult(item, problems, parsed.sha256, ItemFacts.of(item, url_key))


def _item_layout_problems(item: EvidenceItem, rel: str, text: str) -> list[Problem]:
    expected = f"{EVIDENCE_DIR}/{item.year_folder}/{item.id}.toml"
    if rel == expected:
        return []
    lines = tomlfmt.key_lines(text)
    if Path(rel).stem != item.id:
        message = f"file name does not match its id '{item.id}': expected {expected}"
    else:
        message = f"item dated {item.date.isoformat()} belongs in {expected}"
    return [Problem(path=rel, line=tomlfmt.line_of(lines, ("id",)), message=message)]


_YEAR = re.compile(r"\d{4}")
# What nearly every entry is: an item or its archived copy where it belongs (one test, not
# six, for each of 130,000 entries; whatever it lets through is examined below).
_PLAIN_ENTRY = re.compile(r"evidence/\d{4}/[a-z0-9][a-z0-9-]*\.(?:toml|txt)")


def classify_entry(rel: str, is_link: bool) -> Problem | None:
    """A finding for an entry that is not an evidence file or its archive, else None."""
    if not is_link and _PLAIN_ENTRY.fullmatch(rel):
        return None
    return _classify(rel, is_link)


def _classify(rel: str, is_link: bool) -> Problem | None:
    parts = rel.split("/")
    name = parts[-1]
    if is_link:
        return Problem(
            path=rel,
            message="symbolic link in evidence/: tracker does not follow "
            "links; replace it with the file itself",
        )
    if name.startswith(".tracker-") and name.endswith(".tmp"):
        return Problem(
            path=rel,
            message="unfinished write (a save was interrupted): compare it "
            "with the file it was meant to replace, keep what you need, delete it",
        )
    if _LEFTOVER.search(name):
        return Problem(
            path=rel,
            message="editor or merge leftover in evidence/: delete it "
            "(or rename it to ID.toml if it holds an item)",
        )
    if len(parts) != 3 or not _YEAR.fullmatch(parts[1]):
        return Problem(
            path=rel,
            message="outside the expected layout: evidence files live in evidence/YYYY/ID.toml",
        )
    if not name.endswith((".toml", ".txt")):
        return Problem(
            path=rel,
            message="unexpected file in evidence/: only ID.toml items and "
            "their ID.txt archived copies belong here",
        )
    return None


def load_project(
    root: Path,
    *,
    use_cache: bool = True,
    progress=None,
    items: bool = True,
    meanwhile: Callable[[], None] | None = None,
) -> Project:
    """Load and validate everything under `root`; every problem is reported, none is fatal.

    `items=False`: the command will not read the items (a table of scores, a list of
    findings), so a load without the cache need not carry them back from worker processes;
    `Project.evidence` still reads them if asked. `meanwhile` runs once, while the load
    waits (for the scan of a warm run, for worker processes of a cold one) or else at its end:
    a command's own imports, which then cost no time of their own.
    """
    pending = [meanwhile] if meanwhile is not None else []

    def run_meanwhile() -> None:
        while pending:
            pending.pop()()

    with no_gc():
        project = _load_project(
            root, use_cache=use_cache, progress=progress, items=items, meanwhile=run_meanwhile
        )
    run_meanwhile()
    return project


def _load_project(
    root: Path, *, use_cache: bool, progress, items: bool, meanwhile: Callable[[], None]
) -> Project:
    from tracker.speed import cache as load_cache
    from tracker.speed import scan, snapshot

    problems: list[Problem] = []
    recommendations: tuple[RecommendationsFile | None, list[Problem], str | None] | None = None
    state = None
    key = ""
    if use_cache:
        recommendations = load_recommendations(root)  # its digest is part of the key
        meanwhile()  # the scan is under way in another process (see `scan.prefetch`)
        state = scan.state(root)
        key = snapshot.project_key(state, recommendations[2], today().isoformat())
        outcome = snapshot.read_project(root, key)
        if outcome is not None:
            doc, rec_problems, rec_sha = recommendations
            return Project(
                root,
                doc.paper if doc else None,
                doc.nodes if doc else [],
                None,
                outcome.problems,
                rec_sha,
                state=state,
                pending=outcome.loaded,
            )
    listing = state.scan if state is not None else scan.listing(root)

    toml_rels: list[str] = []
    archives: set[str] = set()
    for rel in listing.files:
        finding = classify_entry(rel, rel in listing.links)
        if finding:
            problems.append(finding)
        elif rel.endswith(".toml"):
            toml_rels.append(rel)
        else:
            archives.add(rel)

    def read_recommendations_meanwhile() -> None:
        # Without the cache, the paper is read while worker processes read the evidence.
        nonlocal recommendations
        if recommendations is None:
            recommendations = load_recommendations(root)
        meanwhile()

    results = load_cache.load_files(
        root,
        toml_rels,
        load_evidence_file,
        enabled=use_cache,
        progress=progress,
        stats=state.stats if state else None,
        items=items,
        meanwhile=read_recommendations_meanwhile,
    )
    if recommendations is None:  # a load too small for worker processes
        recommendations = load_recommendations(root)
    doc, rec_problems, rec_sha = recommendations
    problems[:0] = rec_problems
    loaded: list[LoadedFile] = []
    for rel, result in zip(toml_rels, results, strict=True):
        problems.extend(result.problems)
        if result.facts is not None:
            loaded.append(LoadedFile(rel, result))

    problems.extend(cross_file_problems(root, doc, loaded, archives))
    if state is not None and state.settled:
        outcome = snapshot.LoadOutcome(problems, [f.path for f in loaded])
        snapshot.write_project(root, key, outcome)
    paper, nodes = (doc.paper, doc.nodes) if doc else (None, [])
    return Project(root, paper, nodes, loaded, problems, rec_sha, state=state, use_cache=use_cache)


class _WithFacts(typing.Protocol):
    path: str

    @property
    def facts(self) -> ItemFacts: ...


def cross_file_problems(
    root: Path,
    doc: RecommendationsFile | None,
    evidence: typing.Sequence[_WithFacts],
    archives: set[str],
) -> list[Problem]:
    """Checks that need more than one file: references, uniqueness, archives, dates.

    They read each item's facts only (`EvidenceFile` and `LoadedFile` both have them); the
    file's text is read again only to give a finding its line.
    """
    problems: list[Problem] = []
    node_ids = [n.id for n in doc.nodes] if doc else []
    known = set(node_ids)
    now = today()
    paper_date = doc.paper.published if doc else None
    seen_ids: dict[str, str] = {}
    seen_urls: dict[str, str] = {}
    texts: dict[str, dict] = {}

    def lines_for(ev: _WithFacts) -> dict:
        if ev.path not in texts:
            try:
                texts[ev.path] = tomlfmt.key_lines((root / ev.path).read_text("utf-8"))
            except OSError:
                texts[ev.path] = {}
        return texts[ev.path]

    def at(ev: _WithFacts, *loc: str | int) -> int | None:
        return tomlfmt.line_of(lines_for(ev), loc)

    # One pass of plain tests: a cold load of 100,000 items runs it on every item.
    for ev in evidence:
        item = ev.facts
        path = ev.path
        taken = duplicate_id(item.id, seen_ids)
        if taken:
            problems.append(Problem(path=path, line=at(ev, "id"), message=taken))
        else:
            seen_ids[item.id] = path
        assessments = item.assessments
        if doc is not None:
            for index, assessment in enumerate(assessments):
                if assessment.recommendation not in known:
                    problems.append(
                        Problem(
                            path=path,
                            line=at(ev, "assessment", index, "recommendation"),
                            message=f"unknown recommendation '{assessment.recommendation}'; "
                            f"{_did_you_mean(assessment.recommendation, node_ids)}",
                        )
                    )
            if len(assessments) > 1:
                problems.extend(_assessed_twice(ev, at))
        if item.date > now:
            problems.append(
                Problem(
                    path=path,
                    line=at(ev, "date"),
                    message=f"date {item.date.isoformat()} is in the future",
                )
            )
        elif paper_date and item.midpoint < paper_date:
            problems.append(
                Problem(
                    path=path,
                    line=at(ev, "date"),
                    severity="warning",
                    message=f"date {item.date.isoformat()} is before the paper "
                    f"({paper_date.isoformat()[:7]}); it cannot show movement after it",
                )
            )
        if item.published is not None and item.published > now:
            problems.append(
                Problem(
                    path=path,
                    line=at(ev, "source", "published"),
                    message=f"source.published {item.published.isoformat()} is in the future",
                )
            )
        key = item.url_key
        if key is not None:
            taken = duplicate_url(key, seen_urls)
            if taken:
                problems.append(Problem(path=path, line=at(ev, "source", "url"), message=taken))
            else:
                seen_urls[key] = path

    with_items = {ev.path[:-5] + ".txt" for ev in evidence}
    for orphan in sorted(archives - with_items):
        if not (root / (orphan[:-4] + ".toml")).exists():
            problems.append(
                Problem(
                    path=orphan,
                    message="archived copy without an evidence item beside it",
                )
            )
    return problems


def _assessed_twice(ev: _WithFacts, at: Callable[..., int | None]) -> list[Problem]:
    """A node assessed twice by the same analyst (or twice unnamed) in one item."""
    found = []
    pairs = [(a.recommendation, a.analyst or "") for a in ev.facts.assessments]
    for index, pair in enumerate(pairs):
        if pair in pairs[:index]:
            who = f" by '{pair[1]}'" if pair[1] else ""
            found.append(
                Problem(
                    path=ev.path,
                    line=at(ev, "assessment", index, "recommendation"),
                    message=f"'{pair[0]}' is assessed twice{who} in one item; "
                    "merge the two assessments, or name each analyst",
                )
            )
    return found


def duplicate_id(evidence_id: str, taken: typing.Mapping[str, str]) -> str | None:
    """The finding for an id another file already has (`taken`: id -> that file), or None."""
    if evidence_id in taken:
        return f"duplicate evidence id '{evidence_id}' (also in {taken[evidence_id]})"
    return None


def duplicate_url(url_key: str, taken: typing.Mapping[str, str]) -> str | None:
    """The finding for a normalised URL another file already has, or None."""
    if url_key in taken:
        return f"the same URL is already evidence in {taken[url_key]}"
    return None


def _normalize_ws(text: str) -> str:
    return " ".join(text.split())


def _archive_problems(
    root: Path, path: Path | str, rel: str, item: EvidenceItem, text: str
) -> list[Problem]:
    # Plain strings and one lstat: this runs for every file of a cold load.
    name = os.fspath(path)
    archive = (name[:-5] if name.endswith(".toml") else os.path.splitext(name)[0]) + ".txt"
    archive_rel = rel[:-5] + ".txt" if rel.endswith(".toml") else _rel(root, Path(archive))
    declared = item.source.archive_sha256
    lines: dict = {}

    def at(*loc: str | int) -> int | None:
        if not lines:
            lines.update(tomlfmt.key_lines(text))
        return tomlfmt.line_of(lines, loc)

    try:
        found = os.lstat(archive)
    except OSError:
        found = None
    if found is None or not S_ISREG(found.st_mode):  # absent, or a link: not a copy
        if declared:
            return [
                Problem(
                    path=rel,
                    line=at("source", "archive_sha256"),
                    message=f"archive_sha256 is set but {archive_rel} is missing",
                )
            ]
        return []
    if not declared:
        return [
            Problem(
                path=rel,
                line=at("source"),
                severity="warning",
                message=f"{archive_rel} is not declared: add its archive_sha256",
            )
        ]
    if found.st_size > MAX_ARCHIVE_BYTES:
        return [
            Problem(
                path=archive_rel,
                message=f"archived copy is larger than {MAX_ARCHIVE_BYTES >> 20} MiB",
            )
        ]
    try:
        raw = read_bytes(archive)
    except OSError as err:
        return [Problem(path=archive_rel, message=f"cannot read: {err.strerror}")]
    actual = sha256_bytes(raw)
    if actual != declared:
        return [
            Problem(
                path=rel,
                line=at("source", "archive_sha256"),
                message=f"archive_sha256 does not match {archive_rel} "
                f"(its sha256 is {actual}): the copy changed, or the hash is wrong",
            )
        ]
    text = raw.decode("utf-8", errors="replace")
    quote = item.source.quote
    # Verbatim first (a quick search); only a quote that spans line breaks differently needs
    # the whole text's whitespace normalised, which costs as much as parsing the file.
    if quote not in text and _normalize_ws(quote) not in _normalize_ws(text):
        return [
            Problem(
                path=rel,
                line=at("source", "quote"),
                message=f"the quote does not occur in {archive_rel} (compared ignoring whitespace)",
            )
        ]
    return []


# --- writing ---------------------------------------------------------------------------------


def evidence_to_toml(item: EvidenceItem) -> str:
    return tomlfmt.dumps(
        item.model_dump(mode="python", by_alias=True, exclude_none=True, exclude_defaults=False)
    )


def recommendations_to_toml(doc: RecommendationsFile) -> str:
    data = doc.model_dump(mode="python", by_alias=True, exclude_none=True)
    data["schema"] = SCHEMA_VERSION
    return tomlfmt.dumps(data)


def evidence_path(root: Path, item: EvidenceItem) -> Path:
    return root / EVIDENCE_DIR / item.year_folder / f"{item.id}.toml"


def file_sha256(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except FileNotFoundError:
        return None


def atomic_write(path: Path, data: bytes, *, expected_sha256: str | None) -> None:
    """Replace `path` with `data`, all or nothing.

    `expected_sha256` is the hash of the file as the caller read it (None: the caller believes
    the file does not exist yet). If the file on disk differs, nothing is written.
    """
    current = file_sha256(path)
    if current != expected_sha256:
        if expected_sha256 is None:
            raise FileChangedError(f"{path} already exists; it was not overwritten")
        if current is None:
            raise FileChangedError(f"{path} was deleted since it was read; it was not recreated")
        raise FileChangedError(
            f"{path} changed on disk since it was read; it was not overwritten "
            "(reload it to see the other change)"
        )
    if current is not None:
        existing = path.read_text("utf-8", errors="replace")
        if conflict_problems(existing, path.name):
            raise UnsafeWriteError(
                f"{path} holds unresolved git conflict markers; resolve them first"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tracker-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_evidence(
    root: Path, item: EvidenceItem, *, expected_sha256: str | None, previous_path: str | None = None
) -> EvidenceFile:
    """Write an item in canonical form; a changed date may move it to another year folder."""
    target = evidence_path(root, item)
    text = evidence_to_toml(item)
    data = text.encode("utf-8")
    if previous_path and (root / previous_path) != target:
        atomic_write(target, data, expected_sha256=None)
        old = root / previous_path
        if file_sha256(old) == expected_sha256:
            old.unlink()
    else:
        atomic_write(target, data, expected_sha256=expected_sha256)
    return EvidenceFile(item, _rel(root, target), sha256_bytes(data))


def delete_evidence(root: Path, evidence: EvidenceFile) -> None:
    """Remove an item (and its archived copy), unless it changed since it was read."""
    path = root / evidence.path
    if file_sha256(path) != evidence.sha256:
        raise FileChangedError(f"{path} changed on disk since it was read; it was not deleted")
    path.unlink()
    archive = path.with_suffix(".txt")
    if archive.exists():
        archive.unlink()
