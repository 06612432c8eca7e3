"""The canonical layout for every data file, as `ruff format` and `bean-format` give code and
ledgers one: `tracker fmt` rewrites, `tracker fmt --check` lists what would change.

Only files that load are rewritten, from their validated model (so nothing the model does not
hold could be dropped unseen: such a file does not validate, and is left to `tracker check`);
a file holding comments is never rewritten, since no writer keeps them; every write goes
through the store's journaled change, refusing a file that changed since it was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.domain.model import EvidenceItem, RecommendationsFile
from tracker.store import layout, writer
from tracker.store.files import FileReadError, read_bounded, sha256_of
from tracker.store.toml_read import has_comments, parse_toml_bytes
from tracker.store.toml_write import evidence_to_toml, recommendations_to_toml


@dataclass(frozen=True)
class Layout:
    """One data file against the canonical layout."""

    rel: str
    state: str  # "canonical", "changes", "skipped"
    reason: str = ""


def _canonical(rel: str, text: str) -> str | None:
    """The file in the canonical layout, or None when it does not load as its model."""
    parsed = parse_toml_bytes(text.encode("utf-8"), rel, 8 << 20)
    if parsed.data is None:
        return None
    try:
        if rel == layout.RECOMMENDATIONS:
            return recommendations_to_toml(RecommendationsFile.model_validate(parsed.data))
        return evidence_to_toml(EvidenceItem.model_validate(parsed.data))
    except ValueError:
        return None


def survey(root: Path, rels: list[str]) -> list[tuple[Layout, bytes | None, bytes | None]]:
    """Each file's state, with its bytes now and in the canonical layout."""
    out = []
    for rel in rels:
        try:
            raw = read_bounded(root / rel, 8 << 20)
        except FileReadError as err:
            out.append((Layout(rel, "skipped", str(err).split(": ", 1)[-1]), None, None))
            continue
        text = raw.decode("utf-8", errors="replace")
        if has_comments(text):
            out.append((Layout(rel, "skipped", "holds comments, which fmt cannot keep"), raw, None))
            continue
        canonical = _canonical(rel, text)
        if canonical is None:
            out.append((Layout(rel, "skipped", "does not load: see 'tracker check'"), raw, None))
            continue
        new = canonical.encode("utf-8")
        state = "canonical" if new == raw else "changes"
        out.append((Layout(rel, state), raw, new))
    return out


def data_files(ws) -> list[str]:
    """The files fmt looks at: the paper and every evidence file that loads."""
    return [layout.RECOMMENDATIONS, *(r.path for r in ws.records)]


def format_files(ws, *, check: bool) -> list[Layout]:
    """Survey, and unless `check`, rewrite the files that differ (each refused if it changed
    since it was read)."""
    found = survey(ws.data, data_files(ws))
    if not check:
        for entry, raw, new in found:
            if entry.state == "changes":
                writer.apply(ws.data, [writer.Step(entry.rel, new, sha256_of(raw))])
    return [entry for entry, _, _ in found]
