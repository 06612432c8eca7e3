"""The same-event index and the paper's BM25 index, built from a workspace.

Built afresh on each run, in memory: nothing is read back from disk, so nothing in the
project folder can run code. (A persistent index belongs to the speed layer.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tracker.domain.model import EvidenceItem
from tracker.ingest.similar import SimilarityIndex
from tracker.ingest.suggest import NodeIndex


class ArchiveTexts(Mapping[str, str]):
    """The archived full texts beside evidence items, by id, each read when asked for."""

    def __init__(self, ws) -> None:
        self._ws = ws
        self._paths: dict[str, str] = {}

    def add(self, evidence_id: str, path: str) -> None:
        self._paths[evidence_id] = path

    def __getitem__(self, evidence_id: str) -> str:
        text = self._ws.archive_text(self._paths[evidence_id])
        if text is None:
            raise KeyError(evidence_id)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def similarity_index(ws, *, same_event: bool = True) -> SimilarityIndex:
    """One pass over the evidence, each item read as it is reached and dropped after, each
    archived text read when its item is reached."""
    texts = ArchiveTexts(ws)

    def items() -> Iterator[EvidenceItem]:
        for ev in ws.iter_items():
            if ev.item.source.archive_sha256:
                texts.add(ev.item.id, ev.path)
            yield ev.item

    return SimilarityIndex.build(items(), texts)


def node_index(ws) -> NodeIndex:
    """BM25 over the paper's nodes."""
    return NodeIndex.build(ws.nodes)
