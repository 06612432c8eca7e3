"""Have we seen this article? The same address, the same text, or the same event told anew.

Three signals, each answering a question an analyst asks:
- same_url: the normalized address is already evidence (scheme, `www.`, tracking, slash).
- same_text: most of the article's word 5-grams occur in an item (syndication, a reprint).
- same_event: another outlet's telling: the two share rare names, places and figures, weighted
  by how rare they are across the evidence, and their dates are close.

All three use inverted indexes built once (`SimilarityIndex.build`), so one article is checked
against 100,000 items by touching only the postings of its rarer terms, never the full texts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from tracker.ingest_extract import Article, find_date
from tracker.ingest_tokens import stem, tokens, words
from tracker.model import EvidenceItem
from tracker.urls import normalize_url

SHINGLE = 5
SHINGLE_SAMPLE = 4  # keep shingles whose hash is 0 mod this: a consistent sample
SAME_TEXT_MIN = 0.5  # share of the article's sampled shingles found in the item
SAME_EVENT_MIN = 0.30
EVENT_WINDOW_DAYS = 10  # reports of one event rarely lie further apart
MAX_CANDIDATES = 10
COMMON_SHARE = 0.05  # a term in more than this share of items does not propose candidates

_CAPITALIZED = re.compile(r"^[A-ZА-ЯЁІЎ][\w'’-]*$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


class SameEventCandidate(BaseModel):
    """An existing evidence item the article may duplicate or retell; the analyst decides."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    similarity: float  # 0..1
    reason: str
    kind: Literal["same_url", "same_text", "same_event"]


def entity_terms(text: str) -> Counter[str]:
    """Names, places and figures: capitalized words not opening a sentence, and numbers.

    Their stems form the "who, where, how much" of an event, which another outlet keeps while
    rewording everything else.
    """
    found: Counter[str] = Counter()
    sentence_start = True
    for raw in re.finditer(r"[^\W_]+(?:[-'’][^\W_]+)*|\d+(?:[.,]\d+)?|[.!?:;\n]", text):
        word = raw.group()
        if word in ".!?:;\n":
            sentence_start = True
            continue
        if _NUMBER.match(word):
            if len(word) >= 2 and not (len(word) == 4 and word.startswith(("19", "20"))):
                found["#" + word.replace(",", ".")] += 1
        elif _CAPITALIZED.match(word) and not sentence_start and len(word) > 2:
            found[stem(word)] += 1
        sentence_start = False
    return found


def content_terms(text: str) -> Counter[str]:
    return Counter(tokens(text))


def shingles(text: str) -> set[int]:
    """A consistent sample of the text's word 5-grams, as 32-bit hashes."""
    # Each word is encoded once; the UTF-8 of the joined words is the join of their UTF-8.
    seq = [w.lower().encode("utf-8") for w in words(text)]
    crc32 = zlib.crc32
    join = b" ".join
    out = set()
    for start in range(len(seq) - SHINGLE + 1):
        value = crc32(join(seq[start : start + SHINGLE]))
        if value % SHINGLE_SAMPLE == 0:
            out.add(value)
    return out


def _event_vector(title: str, text: str) -> dict[str, float]:
    """Term weights before rarity: entities count double, the title's words once more."""
    vector: dict[str, float] = {}
    for term, count in content_terms(text).items():
        vector[term] = 1.0 + math.log(count)
    for term, count in entity_terms(text).items():
        vector[term] = vector.get(term, 0.0) + 2.0 + math.log(count)
    for term in set(tokens(title)):
        vector[term] = vector.get(term, 0.0) + 1.0
    return vector


def _item_text(item: EvidenceItem, archive: str | None) -> str:
    return archive if archive else item.source.quote


class PackedShingles(Mapping[int, list[int]]):
    """Shingle postings as two sorted arrays: millions of postings load as two buffers, and a
    lookup is a binary search, so a cached index costs nothing to open."""

    def __init__(self, hashes: np.ndarray, positions: np.ndarray) -> None:
        self.hashes = hashes  # sorted by (hash, position)
        self.positions = positions

    @classmethod
    def from_postings(cls, postings: Mapping[int, list[int]]) -> PackedShingles:
        if isinstance(postings, PackedShingles):
            return postings
        sizes = [len(v) for v in postings.values()]
        hashes = np.repeat(np.fromiter(postings.keys(), np.uint32, len(postings)), sizes)
        positions = np.fromiter(
            (p for v in postings.values() for p in v), np.int32, int(sum(sizes))
        )
        order = np.lexsort((positions, hashes))
        return cls(hashes[order], positions[order])

    def _span(self, key: object) -> tuple[int, int]:
        if not isinstance(key, int) or not 0 <= key < 2**32:
            return 0, 0
        value = np.uint32(key)
        return (
            int(self.hashes.searchsorted(value, "left")),
            int(self.hashes.searchsorted(value, "right")),
        )

    def __getitem__(self, key: int) -> list[int]:
        start, end = self._span(key)
        if start == end:
            raise KeyError(key)
        return self.positions[start:end].tolist()

    def __contains__(self, key: object) -> bool:
        start, end = self._span(key)
        return start != end

    def __iter__(self) -> Iterator[int]:
        return iter(np.unique(self.hashes).tolist())

    def __len__(self) -> int:
        return int(np.unique(self.hashes).size)


class PackedTerms(Mapping[str, list[tuple[int, float]]]):
    """Term postings as one run of (position, weight) arrays and a term -> slice table: the
    cached index opens in milliseconds, and only the article's own terms are ever decoded."""

    def __init__(
        self, slots: dict[str, int], offsets: np.ndarray, positions: np.ndarray, values: np.ndarray
    ) -> None:
        self.slots = slots
        self.offsets = offsets
        self.positions = positions
        self.values = values

    @classmethod
    def from_postings(cls, postings: Mapping[str, list[tuple[int, float]]]) -> PackedTerms:
        if isinstance(postings, PackedTerms):
            return postings
        slots = {term: slot for slot, term in enumerate(postings)}
        sizes = np.fromiter((len(v) for v in postings.values()), np.int64, len(postings))
        offsets = np.zeros(len(postings) + 1, np.int64)
        np.cumsum(sizes, out=offsets[1:])
        total = int(offsets[-1])
        positions = np.fromiter((p for v in postings.values() for p, _ in v), np.int32, total)
        values = np.fromiter((w for v in postings.values() for _, w in v), np.float64, total)
        return cls(slots, offsets, positions, values)

    def __getitem__(self, key: str) -> list[tuple[int, float]]:
        slot = self.slots[key]
        start, end = int(self.offsets[slot]), int(self.offsets[slot + 1])
        return list(
            zip(self.positions[start:end].tolist(), self.values[start:end].tolist(), strict=True)
        )

    def __contains__(self, key: object) -> bool:
        return key in self.slots

    def __iter__(self) -> Iterator[str]:
        return iter(self.slots)

    def __len__(self) -> int:
        return len(self.slots)


@dataclass
class SimilarityIndex:
    """Inverted indexes over the evidence: URLs, sampled shingles, event terms.

    It depends only on the evidence (items and archived texts), so `ingest_cache` keeps it
    between runs in the packed form of `pack`/`unpack`.
    """

    ids: list[str] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)
    urls: dict[str, list[int]] = field(default_factory=dict)
    shingle_postings: Mapping[int, list[int]] = field(default_factory=dict)
    shingle_counts: list[int] = field(default_factory=list)
    term_postings: Mapping[str, list[tuple[int, float]]] = field(default_factory=dict)
    norms: list[float] = field(default_factory=list)
    df: dict[str, int] = field(default_factory=dict)
    events: dict[str, list[int]] = field(default_factory=dict)  # explicit event key -> items
    event_of: list[str | None] = field(default_factory=list)
    # each item's assessed recommendations, in file order: what a similar article votes for
    assessed: list[tuple[str, ...]] = field(default_factory=list)

    @classmethod
    def build(
        cls, items: list[EvidenceItem], archive_texts: Mapping[str, str] | None = None
    ) -> SimilarityIndex:
        """Index every item once; `archive_texts` maps an evidence id to its archived text."""
        archive_texts = archive_texts or {}
        index = cls()
        raw_vectors: list[dict[str, float]] = []
        shingle_postings: dict[int, list[int]] = defaultdict(list)
        urls: dict[str, list[int]] = defaultdict(list)
        for position, item in enumerate(items):
            index.ids.append(item.id)
            index.dates.append(item.midpoint)
            index.event_of.append(item.event)
            index.assessed.append(tuple(a.recommendation for a in item.assessments))
            if item.event:
                index.events.setdefault(item.event, []).append(position)
            if item.source.url:
                urls[normalize_url(item.source.url)].append(position)
            text = _item_text(item, archive_texts.get(item.id))
            sample = shingles(text)
            index.shingle_counts.append(len(sample))
            for value in sample:
                shingle_postings[value].append(position)
            raw_vectors.append(_event_vector(item.title, text))
        index.urls = dict(urls)
        index.shingle_postings = dict(shingle_postings)
        df: Counter[str] = Counter()
        for vector in raw_vectors:
            df.update(vector.keys())
        index.df = dict(df)
        idf = {term: index.idf(term) for term in index.df}  # once a term, not once a posting
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, vector in enumerate(raw_vectors):
            norm = 0.0
            for term, weight in vector.items():
                value = weight * idf[term]
                postings[term].append((position, value))
                norm += value * value
            index.norms.append(math.sqrt(norm) or 1.0)
        index.term_postings = dict(postings)
        return index

    def pack(self) -> dict[str, Any]:
        """Plain data and flat arrays (as bytes) for the cache: quick to pickle and to load."""
        terms = PackedTerms.from_postings(self.term_postings)
        sample = PackedShingles.from_postings(self.shingle_postings)
        return {
            "ids": list(self.ids),
            "dates": np.fromiter((d.toordinal() for d in self.dates), np.int32).tobytes(),
            "urls": dict(self.urls),
            "shingle_hashes": sample.hashes.tobytes(),
            "shingle_positions": sample.positions.tobytes(),
            "shingle_counts": np.asarray(self.shingle_counts, np.int32).tobytes(),
            "term_slots": terms.slots,
            "term_offsets": terms.offsets.tobytes(),
            "term_positions": terms.positions.tobytes(),
            "term_values": terms.values.tobytes(),
            "norms": np.asarray(self.norms, np.float64).tobytes(),
            "df": dict(self.df),
            "events": dict(self.events),
            "event_of": list(self.event_of),
            "assessed": list(self.assessed),
        }

    @classmethod
    def unpack(cls, state: dict[str, Any]) -> SimilarityIndex:
        """The index `pack` described; raises (KeyError, ValueError, TypeError) on bad data."""
        ordinals = np.frombuffer(state["dates"], np.int32).tolist()
        index = cls(
            ids=list(state["ids"]),
            dates=[dt.date.fromordinal(o) for o in ordinals],
            urls=dict(state["urls"]),
            shingle_postings=PackedShingles(
                np.frombuffer(state["shingle_hashes"], np.uint32),
                np.frombuffer(state["shingle_positions"], np.int32),
            ),
            shingle_counts=np.frombuffer(state["shingle_counts"], np.int32).tolist(),
            term_postings=PackedTerms(
                dict(state["term_slots"]),
                np.frombuffer(state["term_offsets"], np.int64),
                np.frombuffer(state["term_positions"], np.int32),
                np.frombuffer(state["term_values"], np.float64),
            ),
            norms=np.frombuffer(state["norms"], np.float64).tolist(),
            df=dict(state["df"]),
            events=dict(state["events"]),
            event_of=list(state["event_of"]),
            assessed=list(state["assessed"]),
        )
        sizes = {len(index.ids), len(index.dates), len(index.shingle_counts), len(index.norms)}
        if len(sizes | {len(index.event_of), len(index.assessed)}) != 1:
            raise ValueError("packed index arrays differ in length")
        return index

    def idf(self, term: str) -> float:
        """Rarity of a term across the evidence; smoothed so a handful of items still works."""
        n = len(self.ids)
        df = self.df.get(term, 0)
        return math.log(1 + (n + 1) / (df + 0.5))


def _date_factor(article_date: dt.date | None, item_date: dt.date) -> tuple[float, str]:
    if article_date is None:
        return 0.9, "the article has no date"
    days = abs((article_date - item_date).days)
    if days <= EVENT_WINDOW_DAYS:
        return 1.0, f"dates {days} day{'s' * (days != 1)} apart"
    return max(0.0, math.exp(-(days - EVENT_WINDOW_DAYS) / 20)), f"dates {days} days apart"


def _article_date(article: Article) -> dt.date | None:
    if article.published:
        return article.published
    found = find_date(article.text[:2000])
    return found[0] if found else None


def find_same_event(
    article: Article,
    items: list[EvidenceItem],
    index: SimilarityIndex | None = None,
    archive_texts: Mapping[str, str] | None = None,
) -> list[SameEventCandidate]:
    """Existing items this article may duplicate or retell, most similar first."""
    if not items and index is None:
        return []
    if index is None:
        index = SimilarityIndex.build(items, archive_texts)
    found: dict[int, SameEventCandidate] = {}

    if article.url:
        for position in index.urls.get(normalize_url(article.url), []):
            found[position] = SameEventCandidate(
                evidence_id=index.ids[position],
                similarity=1.0,
                kind="same_url",
                reason="the same address (after removing scheme, www., tracking parameters)",
            )

    sample = shingles(article.text)
    if sample:
        shared: Counter[int] = Counter()
        for value in sample:
            for position in index.shingle_postings.get(value, ()):
                shared[position] += 1
        for position, count in shared.most_common(MAX_CANDIDATES):
            smaller = min(len(sample), index.shingle_counts[position]) or 1
            containment = count / smaller
            if containment >= SAME_TEXT_MIN and position not in found:
                found[position] = SameEventCandidate(
                    evidence_id=index.ids[position],
                    similarity=round(min(containment, 1.0), 3),
                    kind="same_text",
                    reason=f"{containment:.0%} of the shorter text's word sequences occur in "
                    "both (a reprint or syndicated copy?)",
                )

    vector = _event_vector(article.title, article.text)
    limit = max(50, int(COMMON_SHARE * len(index.ids)))
    weights = {t: w * index.idf(t) for t, w in vector.items() if t in index.term_postings}
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    dots: dict[int, float] = defaultdict(float)
    contributions: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for term, weight in weights.items():
        if index.df[term] > limit:  # df is the length of the term's postings
            continue
        postings = index.term_postings[term]
        for position, value in postings:
            dots[position] += weight * value
            contributions[position].append((weight * value, term))
    when = _article_date(article)
    forms = _display_forms(article.text)
    for position, dot in sorted(dots.items(), key=lambda kv: -kv[1])[: MAX_CANDIDATES * 5]:
        cosine = dot / (norm * index.norms[position])
        factor, date_note = _date_factor(when, index.dates[position])
        score = cosine * factor
        if score < SAME_EVENT_MIN or position in found:
            continue
        top = [
            forms.get(term, term.lstrip("#"))
            for _, term in sorted(contributions[position], reverse=True)[:6]
        ]
        found[position] = SameEventCandidate(
            evidence_id=index.ids[position],
            similarity=round(min(score, 1.0), 3),
            kind="same_event",
            reason=f"shares {', '.join(top)}; {date_note}",
        )
    # Items the analysts already recorded as reporting one event with a candidate are
    # candidates too: the team's own judgement outranks word statistics.
    for position, candidate in list(found.items()):
        key = index.event_of[position]
        for other in index.events.get(key or "", ()):
            if other not in found:
                found[other] = SameEventCandidate(
                    evidence_id=index.ids[other],
                    kind="same_event",
                    similarity=round(candidate.similarity * 0.9, 3),
                    reason=f"recorded as the same event ({key}) as {candidate.evidence_id}, "
                    f"which this article matches by {candidate.kind.replace('_', ' ')}",
                )
    ranked = sorted(
        found.values(), key=lambda c: (-_KIND_RANK[c.kind], -c.similarity, c.evidence_id)
    )
    return ranked[:MAX_CANDIDATES]


_KIND_RANK = {"same_url": 3, "same_text": 2, "same_event": 1}


def _display_forms(text: str) -> dict[str, str]:
    forms: dict[str, str] = {}
    for word in words(text):
        if _NUMBER.match(word):
            forms.setdefault("#" + word.replace(",", "."), word)
        else:
            forms.setdefault(stem(word), word)
    return forms
