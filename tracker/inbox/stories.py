"""One story, one inbox row: entries from different outlets that report the same event.

Five outlets retelling one statement share its names, places and figures in their titles and
leads while wording the rest their own way. An entry is compared with the entries of the last
few days by the words of its title (counted twice) and lead, each weighted by how rare it is
among those entries themselves, so the words every Belarus story shares ("Belarus",
"Lukashenko") count for little and the ones that tell this event apart count for much. An
entry joins the story of its most similar earlier entry when the two are similar enough,
come from different feeds (one outlet's two articles on one day are two stories) and were
published within `WINDOW_DAYS` of each other.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from tracker.ingest.tokens import tokens

LEAD_WORDS = 40  # of the text: the lead carries the who, what and where
TITLE_WEIGHT = 2
WINDOW_DAYS = 3  # reports of one event in the news rarely lie further apart
# Cosine of the weighted word vectors. On the development set and the seeds (titles and
# 40-word leads), reports of one event score 0.22-0.36, different events from different
# outlets at most 0.18.
SAME_STORY_MIN = 0.20
MAX_TERMS = 60  # kept per entry: the rest adds little and costs memory
PROPOSING_TERMS = 20  # an entry's weightiest words look for the entries it may retell
COMMON_SHARE = 0.05  # a word in more entries than this share proposes no candidates
COMPARED = 5  # candidates compared in full, the best by their shared rare words first


def story_terms(title: str, text: str) -> dict[str, float]:
    """The words an entry is compared by: stems of the title (twice) and the lead."""
    counts: Counter[str] = Counter()
    for term in tokens(title):
        counts[term] += TITLE_WEIGHT
    lead = " ".join(text.split()[:LEAD_WORDS])
    for term in tokens(lead):
        counts[term] += 1
    top = counts.most_common(MAX_TERMS)
    return {term: float(count) for term, count in top}


@dataclass(frozen=True)
class Known:
    """An entry already in the inbox, as story matching sees it."""

    story: int
    feed: str
    when: dt.date | None  # published, else the day it arrived
    terms: dict[str, float]


@dataclass(frozen=True)
class Arriving:
    """A new entry looking for its story."""

    feed: str
    when: dt.date | None
    terms: dict[str, float]


def match_stories(
    arriving: Sequence[Arriving], known: Sequence[Known]
) -> list[tuple[int | None, int | None, float]]:
    """For each arriving entry, in order: (story of a known entry, index of an earlier
    arriving entry, similarity) of the best match, or (None, None, 0.0) for a new story.

    Arriving entries are matched against the known ones and against the arriving entries
    before them, so five outlets arriving in one fetch make one story. Candidates come from
    the postings of an entry's weightiest shared words (a partial dot product), and only the
    best few are compared in full: thousands of entries a second.
    """
    documents = [k.terms for k in known] + [a.terms for a in arriving]
    df: Counter[str] = Counter()
    for terms in documents:
        df.update(terms.keys())
    total = len(documents)
    common = max(5, int(total * COMMON_SHARE))

    def idf(term: str) -> float:
        # 1 + log: a word two of four entries share still counts (a morning's first fetch is
        # a small corpus), a word every entry has counts least.
        return 1.0 + math.log(total / df[term])

    vectors = [_vector(terms, idf) for terms in documents]
    postings: dict[str, list[tuple[int, float]]] = {}
    for index in range(len(known)):
        _post(postings, index, vectors[index], df, common)
    whens = [k.when for k in known] + [a.when for a in arriving]
    feeds = [k.feed for k in known] + [a.feed for a in arriving]
    out: list[tuple[int | None, int | None, float]] = []
    for offset, entry in enumerate(arriving):
        index = len(known) + offset
        mine = vectors[index]
        partial: dict[int, float] = {}
        for term in _proposing(mine, df, common):
            weight = mine[term]
            for other, theirs in postings.get(term, ()):
                partial[other] = partial.get(other, 0.0) + weight * theirs
        best: tuple[float, int] | None = None
        ranked = sorted(partial.items(), key=itemgetter(1), reverse=True)  # ties: as found
        compared = 0
        for other, _ in ranked:
            if feeds[other] == entry.feed or not _close(whens[other], entry.when):
                continue
            similarity = _cosine(mine, vectors[other])
            if similarity >= SAME_STORY_MIN and (best is None or similarity > best[0]):
                best = (similarity, other)
            compared += 1
            if compared >= COMPARED:
                break
        _post(postings, index, mine, df, common)
        if best is None:
            out.append((None, None, 0.0))
        elif best[1] < len(known):
            out.append((known[best[1]].story, None, round(best[0], 3)))
        else:
            out.append((None, best[1] - len(known), round(best[0], 3)))
    return out


def _post(postings, index: int, vector: dict[str, float], df: Counter[str], common: int) -> None:
    """File an entry under each of its words that another entry may share, with its weight."""
    for term, weight in vector.items():
        if 2 <= df[term] <= common:
            postings.setdefault(term, []).append((index, weight))


def _proposing(vector: dict[str, float], df: Counter[str], common: int) -> list[str]:
    """The entry's weightiest words that another entry may share (a word only this entry
    has finds none; one most entries have finds too many)."""
    shared = [t for t in vector if 2 <= df[t] <= common]
    shared.sort(key=lambda t: (-vector[t], t))
    return shared[:PROPOSING_TERMS]


def _vector(terms: dict[str, float], idf) -> dict[str, float]:
    vector = {term: (1 + math.log(count)) * idf(term) for term, count in terms.items()}
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {term: w / norm for term, w in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(term, 0.0) for term, w in a.items())


def _close(a: dt.date | None, b: dt.date | None) -> bool:
    return a is None or b is None or abs((a - b).days) <= WINDOW_DAYS
