"""Which recommendations does this article bear on? A ranked, explained guess for the analyst.

Each node of the paper is a BM25 document (rank-bm25): its title, its headings, the paper's own
words and the analysts' search terms (which carry the Russian and Belarusian vocabulary, and
count three times: an analyst chose them). The article is the query. Evidence already assessed
votes too: an article like one the analysts attached to a recommendation probably bears on it.

"Bears on none" is a calibrated floor, not a top-k cut: a score is the BM25 mass per query
term, so a long article does not win by length; an article whose best node stays under the floor,
or which matches no analyst search term and no distinctive paper vocabulary, gets an empty list.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from rank_bm25 import BM25Okapi

from tracker.domain.model import EvidenceItem, Node
from tracker.ingest.extract import Article
from tracker.ingest.similar import SimilarityIndex, _event_vector
from tracker.ingest.tokens import surface_forms, tokens

SEARCH_TERM_WEIGHT = 3
TITLE_WEIGHT = 2
PARENT_SHARE = 0.25  # a measure inherits this share of its parent's score: context counts
EVIDENCE_WEIGHT = 0.3  # how much similar assessed articles move a node, relative to its text
MIN_SCORE = 0.05  # a backstop: "bears on none" below this (BM25 per query term)
MIN_SIMILAR = 0.25  # an assessed article must be at least this similar to vote
RELATIVE_CUT = 0.35  # a suggestion must reach this share of the best one


class Suggestion(BaseModel):
    """One recommendation the article may bear on, and the words that say so."""

    model_config = ConfigDict(frozen=True)

    node_id: str
    score: float
    matched: list[str]


@dataclass
class NodeIndex:
    """BM25 over the paper's nodes, built once per recommendations file."""

    nodes: list[Node]
    bm25: BM25Okapi
    phrases: list[list[tuple[str, tuple[str, ...]]]]  # per node: (search term, its stems)
    parents: list[int | None]

    @classmethod
    def build(cls, nodes: list[Node], corpus: NodeCorpus | None = None) -> NodeIndex:
        """`corpus`: what `node_corpus(nodes)` returned, if kept from an earlier run."""
        documents, phrases = corpus if corpus is not None else node_corpus(nodes)
        position = {n.id: i for i, n in enumerate(nodes)}
        parents = [position.get(n.parent) if n.parent else None for n in nodes]
        node_phrases = [[(term, tuple(stems)) for term, stems in p] for p in phrases]
        return cls(nodes, BM25Okapi(documents), node_phrases, parents)


# Per node: its BM25 document (stems), and its search terms with their stems.
NodeCorpus = tuple[list[list[str]], list[list[tuple[str, list[str]]]]]


def node_corpus(nodes: list[Node]) -> NodeCorpus:
    """The stemmed paper: the costly part of a `NodeIndex` (the stemmer is pure Python), and
    plain lists of strings, so `ingest_cache` keeps it between runs."""
    corpus: list[list[str]] = []
    phrases: list[list[tuple[str, list[str]]]] = []
    for node in nodes:
        doc = tokens(node.title) * TITLE_WEIGHT + tokens(node.text)
        if node.headings:
            doc += tokens(node.headings[-1])
        node_phrases = []
        for term in node.search_terms:
            stems = tokens(term)
            doc += stems * SEARCH_TERM_WEIGHT
            if stems:
                node_phrases.append((term, stems))
        corpus.append(doc or ["\u2205"])
        phrases.append(node_phrases)
    return corpus, phrases


def _phrase_hits(
    article_stems: list[str], phrase: tuple[str, ...], present: set[str] | None = None
) -> bool:
    """`present`, the set of the article's stems, is made once per article, not per phrase:
    otherwise every search term of the paper would rescan the whole article."""
    if present is None:
        present = set(article_stems)
    if phrase[0] not in present:
        return False
    if len(phrase) == 1:
        return True
    first = phrase[0]
    span = len(phrase)
    return any(
        article_stems[i : i + span] == list(phrase)
        for i, stem in enumerate(article_stems)
        if stem == first
    )


def _query(article: Article) -> tuple[Counter[str], list[str]]:
    stems = tokens(article.title) * TITLE_WEIGHT + tokens(article.text)
    return Counter(stems), stems


def _normalise(total: float, query_weight: float) -> float:
    """BM25 summed over query terms grows with the article's length; per unit of query weight
    it is comparable across articles, which a fixed "bears on none" floor needs."""
    return total / max(query_weight, 1.0)


def node_scores(
    article: Article, index: NodeIndex
) -> tuple[list[float], list[list[str]], set[str]]:
    """Each node's text score, the article words that carried it (best first), and every
    search term the article contains."""
    counts, stems = _query(article)
    forms = surface_forms(article.title + "\n" + article.text)
    totals = [0.0] * len(index.nodes)
    contributions: list[list[tuple[float, str]]] = [[] for _ in index.nodes]
    query_weight = 0.0
    for term, count in counts.items():
        weight = 1.0 + math.log(count)
        query_weight += weight
        scores = index.bm25.get_scores([term])
        for position, value in enumerate(scores):
            if value > 0:
                totals[position] += weight * value
                contributions[position].append((weight * value, forms.get(term, term)))
    own = [float(_normalise(t, query_weight)) for t in totals]
    combined = [
        value + (PARENT_SHARE * own[parent] if parent is not None else 0.0)
        for value, parent in zip(own, index.parents, strict=True)
    ]
    matched: list[list[str]] = []
    all_hits: set[str] = set()
    present = set(stems)
    for position, node_phrases in enumerate(index.phrases):
        hits = [term for term, phrase in node_phrases if _phrase_hits(stems, phrase, present)]
        all_hits.update(hits)
        words = [w for _, w in sorted(contributions[position], reverse=True)[:8]]
        matched.append(_unique(hits + words)[:10])
    return combined, matched, all_hits


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.lower()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def evidence_votes(
    article: Article,
    items: Sequence[EvidenceItem],
    index: SimilarityIndex | None = None,
    archive_texts: Mapping[str, str] | None = None,
) -> dict[str, tuple[float, list[str]]]:
    """Recommendations that similar, already assessed articles were assessed against.

    With an `index`, the index alone answers (it records what each item assessed), so a
    cached index needs no item loaded; without one, it is built from `items`.
    """
    if index is None:
        if not items:
            return {}
        index = SimilarityIndex.build(list(items), archive_texts)
    if not index.ids:
        return {}
    vector = _event_vector(article.title, article.text)
    weights = index.query_weights(vector)
    norm = math.sqrt(sum(w * w for _, _, w in weights)) or 1.0
    limit = max(50, len(index.ids) // 20)
    ranked = index.ranked_dots(weights, limit, 10)
    votes: dict[str, tuple[float, list[str]]] = {}
    for position, dot in ranked:
        similarity = dot / (norm * float(index.norms[position]))
        if similarity < MIN_SIMILAR:
            continue
        evidence_id = index.ids[position]
        for recommendation in index.assessed[position]:
            score, why = votes.get(recommendation, (0.0, []))
            votes[recommendation] = (
                score + similarity,
                [*why, f"like evidence {evidence_id} ({similarity:.2f})"],
            )
    return votes


def suggest(
    article: Article,
    nodes: list[Node],
    items: Sequence[EvidenceItem],
    top: int = 5,
    *,
    node_index: NodeIndex | None = None,
    index: SimilarityIndex | None = None,
    archive_texts: Mapping[str, str] | None = None,
) -> list[Suggestion]:
    """The recommendations the article most likely bears on, best first; [] for none."""
    if not nodes or top <= 0:
        return []
    node_index = node_index or NodeIndex.build(nodes)
    scores, matched, phrase_hits = node_scores(article, node_index)
    best_text = max(scores, default=0.0)
    if best_text < MIN_SCORE or not phrase_hits:
        # Not one analyst search term in the article: whatever words it shares with the
        # paper are everyday words ("first", "power"), not the policy's vocabulary.
        return []
    votes = evidence_votes(article, items, index, archive_texts)
    results = []
    for position, node in enumerate(node_index.nodes):
        if node.kind == "section":
            continue  # a whole part of the paper is context, not something to assess against
        score = scores[position]
        words = matched[position]
        if node.id in votes:
            vote, why = votes[node.id]
            score += EVIDENCE_WEIGHT * best_text * min(vote, 1.0)
            words = [*words, *why[:2]]
        results.append(Suggestion(node_id=node.id, score=round(score, 4), matched=words))
    results.sort(key=lambda s: (-s.score, s.node_id))
    best = results[0].score
    kept = [s for s in results if s.score >= max(MIN_SCORE, RELATIVE_CUT * best)]
    return kept[:top]
