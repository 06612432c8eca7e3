"""Have we seen this article? The same source again, the same text, or the same event retold.

An import is compared with every evidence item and every draft (drafts are candidates too,
marked `draft`), and each signal answers a question an analyst asks:

- the same source: the normalized address, or the very same text, is already a draft or
  evidence ("already imported as draft X", "already evidence Y"): nothing new to import;
- same_text: many of the article's sampled word 5-grams occur in an item (a reprint, a
  syndicated copy);
- same_event: another outlet's telling. The two share names, places and figures that are
  rare in the language (a maintained frequency list, `rarity`; not the project's own counts,
  which in a small project make "President" look rare), and their dates are close.

Names are compared by `name_key` (one key across Cyrillic and Latin spellings); weekdays and
months are never names; the paper's subject (Belarus, Minsk, Lukashenko) is background that
every item shares and counts for little. An article or item without a known date must be more
alike to match, never less. Only candidates an analyst should look at are listed: at least two
shared rare names or figures, and a similarity over the floor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracker.domain.model import EvidenceItem
from tracker.domain.urls import normalize_url
from tracker.ingest.extract import Article, find_date
from tracker.ingest.rarity import COMMON_ZIPF, RARE_ZIPF, zipf
from tracker.ingest.tokens import (
    is_calendar_word,
    is_content_word,
    lemma,
    name_key,
    words,
)
from tracker.speed.similarity import DamagedIndex, DocRecord, SimilarityStore, Stored

__all__ = [
    "DamagedIndex",
    "IndexedDoc",
    "SameEventCandidate",
    "SimilarityIndex",
    "analyse",
    "find_same_event",
    "record_of",
    "text_hash",
]

SHINGLE = 5
SHINGLE_SAMPLE = 16  # keep 5-grams whose hash is 0 mod this: a consistent sample
MAX_TERMS = 80  # a document keeps its heaviest terms: enough to recognise an event
SAME_TEXT_MIN = 0.5  # share of the shorter text's sampled 5-grams found in the other
SAME_EVENT_MIN = 0.18  # similarity floor for an event match between dated reports
UNDATED_EXTRA = 0.07  # a report without a date must be this much more alike
MIN_SHARED_NAMES = 2  # rare names or figures two reports of one event share at least
EVENT_WINDOW_DAYS = 7  # reports of one event rarely lie further apart
EVENT_DECAY_DAYS = 10
EVENT_MAX_DAYS = 45  # further apart than this, never the same event
MAX_CANDIDATES = 8
POOL = 96  # documents `nearest` rescores (more for a larger `top`): the same for every `top`
COMMON_SHARE = 0.05  # a term in more than this share of items (of 40 or more) is common here
COMMON_FACTOR = 0.2
BACKGROUND_FACTOR = 0.15  # the paper's subject: every item shares it

NAME_WEIGHT = 3.0
NUMBER_WEIGHT = 2.0
CONTENT_WEIGHT = 1.0
TITLE_BONUS = 0.5

_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|\d+(?:[.,]\d+)?|[.!?:;\n]")


class SameEventCandidate(BaseModel):
    """An evidence item or draft the article may repeat or retell; the analyst decides."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    similarity: float  # 0..1
    reason: str
    kind: Literal["same_url", "same_text", "same_event"]
    draft: bool = False  # the candidate is a draft (drafts/ID.toml), not evidence yet
    already: bool = False  # the very same source (address or text): already imported

    @property
    def id(self) -> str:
        return self.evidence_id


@dataclass(frozen=True)
class IndexedDoc:
    """One evidence item or draft as the index reads it."""

    path: str  # relative to the project root
    identity: str  # changes whenever the file or its archived text changes
    id: str
    title: str
    text: str  # the archived text, else the quote
    date: dt.date | None  # None when unknown
    date_precision: str = "day"  # day, week or month: how far `date` may be off
    url: str | None = None
    event: str | None = None
    assessed: tuple[str, ...] = ()
    draft: bool = False
    full_text: bool = True  # `text` is the whole article (so its hash identifies it)


# --- one text's terms ----------------------------------------------------------------------


def text_hash(text: str) -> str:
    """A fingerprint of a text that ignores case and spacing: the same article saved twice."""
    normal = " ".join(text.casefold().split())
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _number_term(word: str) -> str | None:
    if len(word) == 4 and word.isdigit() and word.startswith(("19", "20")):
        return None  # a year: every report of the decade has it
    digits = sum(c.isdigit() for c in word)
    return "#" + word.replace(",", ".") if digits >= 2 else None


def _is_name(word: str, opens_sentence: bool) -> bool:
    if len(word) < 3 or not word[0].isupper() or is_calendar_word(word):
        return False
    frequency = zipf(word)
    # At a sentence's start any word is capitalised: only a word the language hardly knows
    # is then taken for a name ("Ryzhenkov said ...").
    return frequency < (3.0 if opens_sentence else COMMON_ZIPF)


def _rarity(word: str) -> float:
    return max(RARE_ZIPF - zipf(word), 0.0) / RARE_ZIPF


@lru_cache(maxsize=1 << 17)
def _term_of(word: str, opens_sentence: bool) -> tuple[str, float] | None:
    """A word's term and weight: "#figure" for a number, "~key" for a name, the lemma of
    another content word; None for a word that is none of them. Remembered per word:
    indexing 10,000 articles reads 2.4 million words, most of them many times over."""
    if _NUMBER.match(word):
        term = _number_term(word)
        return (term, NUMBER_WEIGHT if len(word) >= 3 else 0.6) if term else None
    if _is_name(word, opens_sentence):
        return name_key(word), NAME_WEIGHT * _rarity(word)
    if is_content_word(word) and not is_calendar_word(word):
        return lemma(word), CONTENT_WEIGHT * _rarity(word)
    return None


def analyse(title: str, text: str) -> tuple[dict[str, float], dict[str, str], set[int]]:
    """The text's weighted terms (heaviest `MAX_TERMS`), a surface form for each, and a
    consistent sample of its word 5-grams.

    Terms: "~key" for names (`name_key`), "#figure" for numbers, lemmas for other content
    words; each weighted by how rare the word is in its language, names and figures most.

    The last few answers are remembered: suggestions and same-event detection each analyse
    the same article. Callers read what it returns and never change it.
    """
    return _analysed(title, text)


@lru_cache(maxsize=4)
def _analysed(title: str, text: str) -> tuple[dict[str, float], dict[str, str], set[int]]:
    counts: Counter[str] = Counter()
    kinds: dict[str, float] = {}
    forms: dict[str, str] = {}
    opens = True
    for match in _TOKEN.finditer(text):
        word = match.group()
        if word in ".!?:;\n":
            opens = True
            continue
        found = _term_of(word, opens)
        if found is not None:
            term, weight = found
            counts[term] += 1
            kinds.setdefault(term, weight)
            forms.setdefault(term, word)
        opens = False
    vector = {
        term: kinds[term] * (1.0 + math.log(count))
        for term, count in counts.items()
        if kinds[term] > 0
    }
    for word in dict.fromkeys(words(title)):
        if _is_name(word, False):
            term = name_key(word)
        elif is_content_word(word) and not is_calendar_word(word):
            term = lemma(word)
        else:
            continue
        if term in vector:
            vector[term] += TITLE_BONUS * kinds[term]
    heaviest = sorted(vector.items(), key=lambda tw: (-tw[1], tw[0]))[:MAX_TERMS]
    return dict(heaviest), forms, shingles(text)


def shingles(text: str) -> set[int]:
    """A consistent sample of the text's word 5-grams, as 32-bit hashes."""
    seq = [w.lower().encode("utf-8", "surrogatepass") for w in words(text)]
    return {
        value
        for start in range(len(seq) - SHINGLE + 1)
        if not (value := zlib.crc32(b" ".join(seq[start : start + SHINGLE]))) % SHINGLE_SAMPLE
    }


def _norm(vector: Mapping[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values())) or 1.0


def record_of(doc: IndexedDoc) -> DocRecord:
    """The index row of one document."""
    vector, _, sample = analyse(doc.title, doc.text)
    return DocRecord(
        path=doc.path,
        identity=doc.identity,
        item_id=doc.id,
        draft=doc.draft,
        day=doc.date.toordinal() if doc.date else None,
        span=_span(doc.date, doc.date_precision),
        url=normalize_url(doc.url) if doc.url else None,
        text_hash=text_hash(doc.text) if doc.full_text and doc.text.strip() else None,
        event=doc.event,
        assessed=tuple(doc.assessed),
        vector=tuple((t, round(w, 6)) for t, w in vector.items()),
        norm=round(_norm(vector), 6),
        shingles=tuple(sorted(sample)),
    )


def _span(date: dt.date | None, precision: str) -> int:
    """Days after `date` that a report of this precision may also be from."""
    if date is None or precision == "day":
        return 0
    if precision == "week":
        return 6
    following = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - date).days - 1


def item_doc(
    item: EvidenceItem, text: str | None, *, path: str | None = None, identity: str = ""
) -> IndexedDoc:
    """An evidence item as the index reads it: its archived text, else its quote."""
    return IndexedDoc(
        path=path or f"evidence/{item.id}.toml",
        identity=identity,
        id=item.id,
        title=item.title,
        text=text if text else item.source.quote,
        date=item.date,
        date_precision=item.date_precision,
        url=item.source.url,
        event=item.event,
        assessed=tuple(a.recommendation for a in item.assessments),
        full_text=bool(text),
    )


# --- the index -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A document like the article: the cosine of their damped weights, and the shared terms
    (share of the dot product, term, whether distinctive here), heaviest first."""

    stored: Stored
    cosine: float
    shared: list[tuple[float, str, bool]]


class SimilarityIndex:
    """Every evidence item and draft, ready to be compared with an article.

    `background`: the name keys and lemmas of the paper's subject terms (see `suggest`),
    which every item shares and which therefore say little about one event.
    """

    def __init__(self, store: SimilarityStore, background: Iterable[str] = ()) -> None:
        self.store = store
        self.background = frozenset(background)
        # The last question `nearest` answered, and its whole ranked pool: suggestions and
        # same-event detection ask it of the same article, one after the other.
        self._last: tuple[object, list[Match]] | None = None
        # Per version of the store: each term's (id, document frequency) and each document's
        # damped norm, as found; the entries of one fetch meet the same terms and documents.
        self._seen_version = -1
        self._terms: dict[str, tuple[int, int] | None] = {}
        self._norms: dict[int, float] = {}

    @classmethod
    def of_docs(cls, docs: Iterable[IndexedDoc], background: Iterable[str] = ()) -> SimilarityIndex:
        store = SimilarityStore.in_memory()
        store.replace((), (record_of(d) for d in docs))
        return cls(store, background)

    @classmethod
    def build(
        cls,
        items: Iterable[EvidenceItem],
        archive_texts: Mapping[str, str] | None = None,
        background: Iterable[str] = (),
    ) -> SimilarityIndex:
        """An index in memory over these items (`archive_texts`: evidence id to full text)."""
        texts = archive_texts or {}
        docs = (
            item_doc(item, texts.get(item.id), path=f"evidence/{n}/{item.id}.toml")
            for n, item in enumerate(items)
        )
        return cls.of_docs(docs, background)

    def __len__(self) -> int:
        return len(self.store)

    def _factor(self, term: str, df: int, total: int) -> float:
        if term in self.background:
            return BACKGROUND_FACTOR
        if total >= 40 and df > COMMON_SHARE * total:
            return COMMON_FACTOR
        return 1.0

    def nearest(self, vector: Mapping[str, float], top: int) -> list[Match]:
        """The `top` documents most like `vector` (cosine over the damped weights), each with
        the shared terms (their share of the dot product, the term, whether it is distinctive
        here: neither background nor common in the project), heaviest first.

        The candidates rescored are the same `POOL` for any `top` up to a quarter of it, so
        a smaller answer is the start of a larger one, and one ranking serves both callers.
        """
        total = len(self.store)
        if not total or not vector:
            return []
        pool = max(top * 4, POOL)
        version = self.store.version
        if version != self._seen_version:
            self._seen_version, self._last = version, None
            self._terms.clear()
            self._norms.clear()
        key = (pool, tuple(vector.items()))
        last = self._last
        if last is not None and last[0] == key:
            return last[1][:top]
        scored = self._ranked(vector, pool, total)
        self._last = (key, scored)
        return scored[:top]

    def _frequencies(self, terms: Iterable[str]) -> dict[str, tuple[int, int]]:
        """`store.document_frequencies`, each term asked of the store once per version; in
        the store's order (by term), so sums over them are added up as they always were."""
        seen = self._terms
        wanted = sorted(set(terms))
        asked = [t for t in wanted if t not in seen]
        if asked:
            found = self.store.document_frequencies(asked)
            for term in asked:
                seen[term] = found.get(term)
        return {t: known for t in wanted if (known := seen[t]) is not None}

    def _ranked(self, vector: Mapping[str, float], pool: int, total: int) -> list[Match]:
        known = self._frequencies(vector)
        query: dict[str, float] = {}
        factors: dict[str, float] = {}
        for term, weight in vector.items():
            df = known.get(term, (0, 0))[1]
            factors[term] = self._factor(term, df, total)
            query[term] = weight * factors[term]
        norm = _norm(query)
        limit = max(50, int(COMMON_SHARE * total))
        dots: dict[int, float] = {}
        for term, (term_id, df) in known.items():
            if df > limit or self._factor(term, df, total) < 1.0:
                continue  # common terms propose no candidates; they still count below
            weight = query[term]
            for doc, value in self.store.postings(term_id):
                dots[doc] = dots.get(doc, 0.0) + weight * value
        chosen = sorted(dots, key=lambda d: (-dots[d], d))[:pool]
        rows = self.store.documents(chosen)
        # The documents' own weights are damped alike, so a document is not made to look
        # less like the article by the subject words and common words it also holds.
        norms = self._norms
        theirs = {
            t for doc, stored in rows.items() if doc not in norms for t, _ in stored.record.vector
        }
        frequencies = self._frequencies([t for t in theirs if t not in factors])
        for term in theirs:
            if term not in factors:
                factors[term] = self._factor(term, frequencies.get(term, (0, 0))[1], total)
        scored = []
        for doc in chosen:
            stored = rows.get(doc)
            if stored is None:
                continue
            shared = [
                (query[t] * w * factors[t], t, factors[t] == 1.0)
                for t, w in stored.record.vector
                if t in query and query[t] > 0
            ]
            dot = sum(v for v, _, _ in shared)
            their_norm = norms.get(doc)
            if their_norm is None:
                their_norm = norms[doc] = math.sqrt(
                    sum((w * factors[t]) ** 2 for t, w in stored.record.vector)
                )
            cosine = dot / (norm * (their_norm or 1.0))
            scored.append(Match(stored, min(cosine, 1.0), sorted(shared, reverse=True)))
        scored.sort(key=lambda m: (-m.cosine, m.stored.record.item_id))
        return scored


# --- finding the same event ----------------------------------------------------------------


def article_days(article: Article) -> tuple[int, int] | None:
    """The first and last day the article can be from (its publication date, to the day,
    week or month), or None when no date is known."""
    if article.published:
        first = article.published.toordinal()
        return first, first + _span(article.published, article.date_precision)
    found = find_date(article.text[:2000])
    if not found:
        return None
    first = found[0].toordinal()
    return first, first + _span(found[0], found[1])


def _date_factor(
    days_range: tuple[int, int] | None, day: int | None, span: int
) -> tuple[float, float, str]:
    """(factor, extra floor, words): close dates keep the score; an unknown date raises the
    floor instead of lowering the score a little, as one undated report can match anything.
    A date known only to the week or month is as close as its nearest day, and must be a
    little more alike."""
    if days_range is None or day is None:
        who = "the article" if days_range is None else "the item"
        return 1.0, UNDATED_EXTRA, f"{who} has no date, so it must be more alike"
    first, last = days_range
    days = max(first - (day + span), day - last, 0)
    extra = UNDATED_EXTRA / 2 if (last - first) + span > 6 else 0.0
    note = f"dates {days} day{'s' * (days != 1)} apart"
    if extra:
        note += " (one known only to the month)"
    if days <= EVENT_WINDOW_DAYS:
        return 1.0, extra, note
    if days > EVENT_MAX_DAYS:
        return 0.0, extra, note
    return math.exp(-(days - EVENT_WINDOW_DAYS) / EVENT_DECAY_DAYS), extra, note


def _label(stored: Stored) -> str:
    record = stored.record
    return f"draft {record.item_id}" if record.draft else f"evidence {record.item_id}"


def _already(stored: Stored, what: str) -> str:
    record = stored.record
    if record.draft:
        return f"{what}: already imported as draft {record.item_id}"
    return f"{what}: already evidence {record.item_id}"


def find_same_event(
    article: Article,
    items: Sequence[EvidenceItem] = (),
    index: SimilarityIndex | None = None,
    archive_texts: Mapping[str, str] | None = None,
) -> list[SameEventCandidate]:
    """Evidence items and drafts this article may repeat or retell, surest first."""
    if index is None:
        if not items:
            return []
        index = SimilarityIndex.build(items, archive_texts)
    if not len(index):
        return []
    store = index.store
    found: dict[int, SameEventCandidate] = {}

    def add(stored: Stored, candidate: SameEventCandidate) -> None:
        if stored.rowid not in found:
            found[stored.rowid] = candidate

    same_source = [  # the very same source, imported before: by its address, or its text
        ("url", normalize_url(article.url) if article.url else None, "same_url", "address"),
        (
            "text_hash",
            text_hash(article.text) if article.text.strip() else None,
            "same_text",
            "text",
        ),
    ]
    for column, value, kind, what in same_source:
        if value is None:
            continue
        for stored in store.where(column, value):
            add(
                stored,
                SameEventCandidate(
                    evidence_id=stored.record.item_id,
                    similarity=1.0,
                    kind=kind,
                    reason=_already(stored, f"the same {what}"),
                    draft=stored.record.draft,
                    already=True,
                ),
            )

    vector, forms, sample = analyse(article.title, article.text)
    if sample:
        shared = store.shingle_counts(sample)
        best = sorted(shared, key=lambda d: (-shared[d], d))[:MAX_CANDIDATES]
        for rowid, stored in store.documents(best).items():
            smaller = min(len(sample), len(stored.record.shingles)) or 1
            containment = min(shared[rowid] / smaller, 1.0)
            if containment >= SAME_TEXT_MIN:
                add(
                    stored,
                    SameEventCandidate(
                        evidence_id=stored.record.item_id,
                        similarity=round(containment, 3),
                        kind="same_text",
                        reason=f"{containment:.0%} of the shorter text's word sequences occur "
                        f"in both (a reprint or syndicated copy of {_label(stored)}?)",
                        draft=stored.record.draft,
                    ),
                )

    when = article_days(article)
    for match in index.nearest(vector, MAX_CANDIDATES * 3):
        stored, shared = match.stored, match.shared
        factor, extra, date_note = _date_factor(when, stored.record.day, stored.record.span)
        score = match.cosine * factor
        strong = [
            t
            for _, t, distinctive in shared
            if distinctive and (t[0] == "~" or (t[0] == "#" and len(t) > 3))
        ]
        if score < SAME_EVENT_MIN + extra or len(strong) < MIN_SHARED_NAMES:
            continue
        top = [forms.get(t, t.lstrip("#~")) for t in strong[:6]]
        add(
            stored,
            SameEventCandidate(
                evidence_id=stored.record.item_id,
                similarity=round(score, 3),
                kind="same_event",
                reason=f"shares {', '.join(top)}; {date_note}",
                draft=stored.record.draft,
            ),
        )

    # Items the analysts recorded as one event with a candidate are candidates too: the
    # team's own judgement outranks word statistics.
    for candidate_row, candidate in list(found.items()):
        event = store.documents([candidate_row])[candidate_row].record.event
        for other in store.where("event", event) if event else ():
            add(
                other,
                SameEventCandidate(
                    evidence_id=other.record.item_id,
                    kind="same_event",
                    similarity=round(candidate.similarity * 0.9, 3),
                    reason=f"recorded as the same event ({event}) as {candidate.evidence_id}, "
                    f"which this article matches by {candidate.kind.replace('_', ' ')}",
                    draft=other.record.draft,
                ),
            )
    ranked = sorted(
        found.values(),
        key=lambda c: (not c.already, -_KIND_RANK[c.kind], -c.similarity, c.evidence_id),
    )
    return ranked[:MAX_CANDIDATES]


_KIND_RANK = {"same_url": 3, "same_text": 2, "same_event": 1}
