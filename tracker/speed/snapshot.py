"""The snapshot: what a warm run needs when no evidence file changed since the last run.

The load cache (`tracker.speed.cache`) spares re-reading unchanged files, but a warm run over
100,000 items still rebuilt 100,000 validated items, re-ran the checks across files and
re-derived the scoring readings: seconds, for commands that print a table. The snapshot keeps
the *outcome* of a whole load instead:

- `project.pickle`: every finding (per file and across files) and which files loaded, under a
  key over every entry below `evidence/` (path, size, modification time), the sha256 of
  `recommendations.toml`, and today's date (a date "in the future" depends on it);
- `readings.pickle`: the scoring readings (`scoring.Prepared.pack`), under the same evidence
  key and the scoring parameters they were weighed with;
- `catalogue.pickle`: each loaded item's file, date, id, address, event and assessed nodes
  (`tracker.speed.catalogue`), under the evidence key: what the workbench lists without the items.

On a hit the evidence items themselves are not read at all: `Project.evidence` loads them
(through the load cache) when a command asks for them, and explanations read only the items
they show (`LazyItems`). Any change to any file changes the key, and the full load runs.

Both files live in `.tracker-cache/` beside the load cache, carry a version tag and their key
in a plain header (a stale file is refused without unpickling it), are written atomically, and
are ignored, never trusted, when corrupt or foreign. As in the load cache, a snapshot is not
written while a file was modified in the last seconds (a second edit within the same clock
tick could leave size and time unchanged).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.domain.model import EvidenceItem, Problem
from tracker.speed.cachefile import read_cache_file, write_cache_file
from tracker.speed.catalogue import Catalogue
from tracker.speed.scan import EvidenceState
from tracker.store import CACHE_DIR

if TYPE_CHECKING:
    from tracker.domain.config import ScoringConfig
    from tracker.domain.scoring import Prepared
    from tracker.store import Project

PROJECT_FILE = "project.pickle"
READINGS_FILE = "readings.pickle"
CATALOGUE_FILE = "catalogue.pickle"
FORMAT = 1  # bump when what is stored changes meaning

# --- the files -------------------------------------------------------------------------------


def _version_tag(kind: str) -> str:
    import pydantic

    from tracker import __version__
    from tracker.domain.model import SCHEMA_VERSION

    return (
        f"tracker {__version__} {kind} v{FORMAT} schema {SCHEMA_VERSION} "
        f"pydantic {pydantic.VERSION}"
    )


def _header(kind: str, key: str) -> bytes:
    return f"tracker-snapshot\n{_version_tag(kind)}\n{key}\n".encode()


def _read(root: Path, name: str, kind: str, key: str) -> Any:
    return read_cache_file(root / CACHE_DIR / name, _header(kind, key))


def _write(root: Path, name: str, kind: str, key: str, payload: object) -> None:
    data = _header(kind, key) + pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    write_cache_file(root / CACHE_DIR / name, data, ".snapshot-")


def project_key(state: EvidenceState, recommendations_sha256: str | None, today: str) -> str:
    return f"{state.digest} {recommendations_sha256 or '-'} {today}"


@dataclass(frozen=True)
class LoadOutcome:
    """What a load found: every problem, and the files that yielded an item (in load order)."""

    problems: list[Problem]
    loaded: list[str]


def read_project(root: Path, key: str) -> LoadOutcome | None:
    payload = _read(root, PROJECT_FILE, "project", key)
    try:
        problems = [
            Problem.model_construct(path=path, line=line, message=message, severity=severity)
            for path, line, message, severity in payload["problems"]
        ]
        loaded = payload["loaded"]
        if not all(isinstance(rel, str) for rel in loaded):
            return None
    except Exception:  # absent, stale or not ours
        return None
    return LoadOutcome(problems, loaded)


def write_project(root: Path, key: str, outcome: LoadOutcome) -> None:
    payload = {
        "problems": [(p.path, p.line, p.message, p.severity) for p in outcome.problems],
        "loaded": outcome.loaded,
    }
    _write(root, PROJECT_FILE, "project", key, payload)


# --- scoring readings --------------------------------------------------------------------------


class LazyItems:
    """Evidence items by canonical rank, read only when an explanation shows them
    (`Project.items_at` decides how: from memory, or from their files, a few one by one and
    many as a batch)."""

    def __init__(self, project: Project, rels: list[str]) -> None:
        self._project = project
        self._rels = rels
        self._items: dict[int, EvidenceItem] = {}

    def __len__(self) -> int:
        return len(self._rels)

    def __getitem__(self, rank: int) -> EvidenceItem:
        if rank not in self._items:
            self.fetch([rank])
        return self._items[rank]

    def fetch(self, ranks: Iterable[int]) -> None:
        missing = sorted({r for r in ranks if r not in self._items})
        if not missing:
            return
        found = self._project.items_at([self._rels[r] for r in missing])
        for rank in missing:
            self._items[rank] = found[self._rels[rank]]


def _config_key(config: ScoringConfig) -> str:
    return hashlib.blake2b(config.model_dump_json().encode(), digest_size=16).hexdigest()


def prepared(project: Project, config: ScoringConfig) -> Prepared:
    """The date-free part of scoring for this project: from the snapshot when nothing changed,
    else from the files' facts (`Project.loaded_files`), and then stored. Either way the items
    are read only for what an explanation shows (`LazyItems`)."""
    from tracker.domain.scoring import Prepared, canonical_order, prepare_facts

    state = project.state
    key = f"{state.digest} {_config_key(config)}" if state is not None else ""
    if state is not None:
        payload = _read(project.root, READINGS_FILE, "readings", key)
        if payload is not None:
            try:
                rels = payload["order"]
                return Prepared.unpack(payload["readings"], LazyItems(project, rels))
            except Exception:  # not what we wrote: compute afresh
                pass
    # After a warm load whose readings were weighed otherwise, the files' facts come from
    # the load cache; no item is unpacked either way.
    loaded = project.loaded_files()
    facts = [f.facts for f in loaded]
    ranks = canonical_order(facts)
    order = [loaded[i].path for i in ranks]
    result = prepare_facts([facts[i] for i in ranks], LazyItems(project, order), config)
    if state is not None and state.settled:
        payload = {"order": order, "readings": result.pack()}
        _write(project.root, READINGS_FILE, "readings", key, payload)
    return result


def catalogue(project: Project) -> Catalogue:
    """Every loaded item's row data (`tracker.speed.catalogue`): from the snapshot when nothing
    changed, else from the files' facts (`Project.file_facts`), and then stored."""
    state = project.state
    if state is not None:
        payload = _read(project.root, CATALOGUE_FILE, "catalogue", state.digest)
        if payload is not None:
            try:
                found = Catalogue.unpack(payload)
            except Exception:  # not what we wrote: derive it afresh
                found = None
            if found is not None and found.paths == project.paths:
                return found
    result = Catalogue.of(project.file_facts())
    if state is not None and state.settled:
        _write(project.root, CATALOGUE_FILE, "catalogue", state.digest, result.pack())
    return result
