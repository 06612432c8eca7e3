"""Which recommendations does this article bear on? A ranked, explained guess for the analyst.

Three questions, in order:

1. Is the article about the paper's subject at all? `[paper] subject_terms` in
   recommendations.toml names it (Belarus, Minsk, Lukashenko, in every script). An article
   that never names it (Uzbekistan's WTO talks) bears on none, whatever its keywords. Subject
   terms match by lemma or by `name_key`, so "Беларусі", "Belarus's" and "Беларуси" count.
2. Does it use the policy's vocabulary? At least one analyst search term must occur in it
   (a phrase, matched on lemmas). The subject itself is not policy vocabulary: subject words
   are left out of the nodes' texts, and a search term made only of them matches nothing.
3. Which nodes, best first? Each node is a BM25 document: its title, last heading, the paper's
   words and the analysts' search terms (counted three times). A measure inherits a share of
   its parent's score, and a node gains a share of its best sub-measure's, except a
   recommendation that is only the list of its measures (see `gains_from_children`).
   Evidence already assessed teaches: the items most like the article vote for what they
   were assessed against, in proportion to their likeness.

A score is BM25 mass per unit of query weight, so a long article does not win by length.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from tracker.domain.model import EvidenceItem, Node
from tracker.ingest.extract import Article
from tracker.ingest.similar import SimilarityIndex, analyse
from tracker.ingest.tokens import is_calendar_word, is_content_word, lemma, name_key, words

SEARCH_TERM_WEIGHT = 3
TITLE_WEIGHT = 2
PHRASE_BONUS = 0.3  # a search term found whole adds this share of the best text score
PARENT_SHARE = 0.25  # a measure inherits this share of its parent's score: context counts
CHILD_SHARE = 0.3  # a node gains this share of its best sub-measure's own score (if it may)
EVIDENCE_WEIGHT = 0.5  # how far similar assessed items move a node, relative to the text
MIN_SCORE = 0.05  # a backstop: "bears on none" below this (BM25 per query term)
MIN_SIMILAR = 0.12  # an assessed item must be at least this similar to vote
VOTERS = 12  # the most similar assessed items that vote
SURE_SIMILAR = 0.3  # a voter this similar counts fully; a less similar set counts less
RELATIVE_CUT = 0.2  # a suggestion must reach this share of the best one
SUBJECT_IN_TEXT = 2  # mentions of the subject needed outside the title and the lead
LEAD_CHARS = 600
K1, B = 1.5, 0.75


class Suggestion(BaseModel):
    """One recommendation the article may bear on, the words that say so, and its parent
    (for a sub-measure: the recommendation it belongs to)."""

    model_config = ConfigDict(frozen=True)

    node_id: str
    score: float
    matched: list[str]
    parent: str | None = None


@dataclass(frozen=True)
class Subject:
    """The paper's subject as keys: lemmas and name keys of its subject terms."""

    lemmas: frozenset[str]
    keys: frozenset[str]

    @classmethod
    def of(cls, terms: Sequence[str]) -> Subject:
        found = [w for term in terms for w in words(term) if is_content_word(w)]
        return cls(frozenset(lemma(w) for w in found), frozenset(name_key(w) for w in found))

    def __bool__(self) -> bool:
        return bool(self.lemmas or self.keys)

    def holds(self, word: str) -> bool:
        return lemma(word) in self.lemmas or name_key(word) in self.keys

    def background(self) -> frozenset[str]:
        """What same-event detection should count for little."""
        return self.lemmas | self.keys


# Per node: its BM25 document (lemmas), its search terms with their lemmas.
NodeCorpus = tuple[list[list[str]], list[list[tuple[str, list[str]]]]]


def _lemmas(text: str, subject: Subject | None, *, keep_subject: bool = False) -> list[str]:
    out = []
    for word in words(text):
        if not is_content_word(word) or is_calendar_word(word):
            continue
        if subject and not keep_subject and subject.holds(word):
            continue
        out.append(lemma(word))
    return out


def node_corpus(nodes: list[Node], subject_terms: Sequence[str] = ()) -> NodeCorpus:
    """The lemmatized paper: the costly part of a `NodeIndex`, and plain lists of strings, so
    `index_cache` keeps it between runs."""
    subject = Subject.of(subject_terms)
    corpus: list[list[str]] = []
    phrases: list[list[tuple[str, list[str]]]] = []
    for node in nodes:
        doc = _lemmas(node.title, subject) * TITLE_WEIGHT + _lemmas(node.text, subject)
        if node.headings:
            doc += _lemmas(node.headings[-1], subject)
        node_phrases = []
        for term in node.search_terms:
            doc += _lemmas(term, subject) * SEARCH_TERM_WEIGHT
            sequence = _lemmas(term, subject, keep_subject=True)
            if sequence and any(not subject.holds(w) for w in words(term) if is_content_word(w)):
                node_phrases.append((term, sequence))
        corpus.append(doc or ["\u2205"])
        phrases.append(node_phrases)
    return corpus, phrases


@dataclass
class NodeIndex:
    """BM25 over the paper's nodes, built once per recommendations file."""

    nodes: list[Node]
    documents: list[Counter[str]]
    lengths: list[int]
    df: Counter[str]
    phrases: list[list[tuple[str, tuple[str, ...]]]]
    parents: list[int | None]
    subject: Subject
    gains: list[bool]  # per node: whether it gains CHILD_SHARE of its best child's score

    @classmethod
    def build(
        cls,
        nodes: list[Node],
        corpus: NodeCorpus | None = None,
        subject_terms: Sequence[str] = (),
        *,
        subject: Subject | None = None,
    ) -> NodeIndex:
        """`corpus`: what `node_corpus(nodes, subject_terms)` returned, if kept from before;
        `subject`: `Subject.of(subject_terms)`, if kept too."""
        documents, phrases = corpus if corpus is not None else node_corpus(nodes, subject_terms)
        position = {n.id: i for i, n in enumerate(nodes)}
        parents = [position.get(n.parent) if n.parent else None for n in nodes]
        children: dict[str, list[Node]] = {}
        for node in nodes:
            if node.parent:
                children.setdefault(node.parent, []).append(node)
        counted = [Counter(doc) for doc in documents]
        df: Counter[str] = Counter()
        for doc in counted:
            df.update(doc.keys())
        return cls(
            nodes,
            counted,
            [len(doc) for doc in documents],
            df,
            [[(term, tuple(seq)) for term, seq in p] for p in phrases],
            parents,
            subject if subject is not None else Subject.of(subject_terms),
            [gains_from_children(node, children.get(node.id, [])) for node in nodes],
        )

    def bm25(self, term: str) -> list[tuple[int, float]]:
        """(node position, BM25 weight of `term` in it) for the nodes that hold the term."""
        df = self.df.get(term, 0)
        if not df:
            return []
        n = len(self.documents)
        idf = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        average = sum(self.lengths) / max(n, 1)
        out = []
        for position, doc in enumerate(self.documents):
            tf = doc.get(term, 0)
            if tf:
                scale = K1 * (1 - B + B * self.lengths[position] / average)
                out.append((position, idf * tf * (K1 + 1) / (tf + scale)))
        return out


def gains_from_children(node: Node, children: Sequence[Node]) -> bool:
    """Whether `node` gains a share of its best child's score: yes, except for a recommendation
    that is only the list of its measures (every measure's text is a passage of its own).

    Such a recommendation ("Reform the diplomatic service": presence map, appointments,
    consular assistance, ...) is a heading over distinct policies: its BM25 document already
    holds every measure's words, so a share of its best measure's score would count the same
    words twice and lift the heading above the one measure the article is about whenever any
    of them matches. The analyst assesses such news against the measure; the heading still
    scores on its own text and search terms, and stays in the list when the article is about
    the service as a whole. A recommendation with words of its own ("Ensure balance in
    relations with the West and the East") keeps the share, and so does a measure over
    sub-measures: sub-measures are steps toward the measure's one aim (a visa-free regime
    is openness to foreigners), and news of a step is news of the measure.
    """
    if node.kind != "recommendation":
        return True
    passages = [" ".join(child.text.split()) for child in children if child.text.strip()]
    text = " ".join(node.text.split())
    return not passages or not all(passage in text for passage in passages)


def _phrase_hits(sequence: list[str], phrase: tuple[str, ...], present: set[str]) -> bool:
    if phrase[0] not in present or not all(p in present for p in phrase):
        return False
    if len(phrase) == 1:
        return True
    span = len(phrase)
    first = phrase[0]
    return any(
        tuple(sequence[i : i + span]) == phrase for i, w in enumerate(sequence) if w == first
    )


def about_subject(article: Article, subject: Subject) -> bool:
    """Whether the article names the paper's subject in its title or lead, or twice."""
    if not subject:
        return True
    if any(subject.holds(w) for w in words(article.title)):
        return True
    lead = article.text[:LEAD_CHARS]
    if any(subject.holds(w) for w in words(lead)):
        return True
    count = 0
    for word in words(article.text):
        if subject.holds(word):
            count += 1
            if count >= SUBJECT_IN_TEXT:
                return True
    return False


def node_scores(
    article: Article, index: NodeIndex
) -> tuple[list[float], list[list[str]], dict[str, int], list[list[str]]]:
    """Each node's text score, the words that carried it (best first), every search term the
    article contains (with its length in words), and each node's own search-term hits."""
    subject = index.subject
    # One pass over the words: every content word's lemma and first surface form; the
    # sequence for phrases (calendar words out); the query (the subject out too; the title
    # counts TITLE_WEIGHT times).
    full: list[str] = []
    query: Counter[str] = Counter()
    forms: dict[str, str] = {}
    for text, times in ((article.title, TITLE_WEIGHT), (article.text, 1)):
        for word in words(text):
            if not is_content_word(word):
                continue
            found = lemma(word)
            forms.setdefault(found, word)
            if is_calendar_word(word):
                continue
            full.append(found)
            if subject and subject.holds(word):
                continue
            query[found] += times
    totals = [0.0] * len(index.nodes)
    contributions: list[list[tuple[float, str]]] = [[] for _ in index.nodes]
    query_weight = 0.0
    for term, count in query.items():
        weight = 1.0 + math.log(count)
        query_weight += weight
        for position, value in index.bm25(term):
            totals[position] += weight * value
            contributions[position].append((weight * value, forms.get(term, term)))
    own = [t / max(query_weight, 1.0) for t in totals]
    best_child = [0.0] * len(own)
    for position, parent in enumerate(index.parents):
        if parent is not None and index.gains[parent]:
            best_child[parent] = max(best_child[parent], own[position])
    combined = [
        value
        + (PARENT_SHARE * own[parent] if parent is not None else 0.0)
        + CHILD_SHARE * best_child[position]
        for position, (value, parent) in enumerate(zip(own, index.parents, strict=True))
    ]
    present = set(full)
    matched: list[list[str]] = []
    node_hits: list[list[str]] = []
    all_hits: dict[str, int] = {}
    for position, node_phrases in enumerate(index.phrases):
        hits = []
        for term, phrase in node_phrases:
            if _phrase_hits(full, phrase, present):
                hits.append(term)
                all_hits[term] = len(phrase) if len(phrase) > 1 else min(full.count(phrase[0]), 2)
        node_hits.append(hits)
        top_words = [w for _, w in sorted(contributions[position], reverse=True)[:8]]
        matched.append(_unique(hits + top_words)[:10])
    return combined, matched, all_hits, node_hits


def policy_vocabulary(hits: Mapping[str, int]) -> float:
    """How much of the analysts' vocabulary an article uses: a search term of several words
    counts 1, as does a one-word term used twice; a one-word term met once (often by chance:
    a football club's "sanctions") counts 0.5. `hits`: term to its words, or to its uses
    for a one-word term, capped at 2."""
    return sum(1.0 if weight > 1 else 0.5 for weight in hits.values())


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
    """What similar, already assessed items were assessed against: for each node, the share
    of the similar items' likeness that points to it (1.0 when every similar item was
    assessed against it), scaled down when even the most similar item is only a little alike.
    """
    if index is None:
        if not items:
            return {}
        index = SimilarityIndex.build(list(items), archive_texts)
    if not len(index):
        return {}
    vector, _, _ = analyse(article.title, article.text)
    voters = []
    for match in index.nearest(vector, VOTERS * 2):
        record = match.stored.record
        if not record.draft and record.assessed and match.cosine >= MIN_SIMILAR:
            voters.append((record, match.cosine))
        if len(voters) >= VOTERS:
            break
    if not voters:
        return {}
    total = sum(similarity for _, similarity in voters)
    confidence = min(1.0, max(similarity for _, similarity in voters) / SURE_SIMILAR)
    votes: dict[str, tuple[float, list[str]]] = {}
    for record, similarity in voters:
        for recommendation in dict.fromkeys(record.assessed):
            score, why = votes.get(recommendation, (0.0, []))
            votes[recommendation] = (
                score + confidence * similarity / total,
                [*why, f"like evidence {record.item_id} ({similarity:.2f})"],
            )
    return votes


def suggest(
    article: Article,
    nodes: list[Node],
    items: Sequence[EvidenceItem] = (),
    top: int = 5,
    *,
    node_index: NodeIndex | None = None,
    index: SimilarityIndex | None = None,
    archive_texts: Mapping[str, str] | None = None,
    subject_terms: Sequence[str] = (),
) -> list[Suggestion]:
    """The recommendations the article most likely bears on, best first; [] for none.

    `subject_terms`: the paper's (`[paper] subject_terms`), when no `node_index` is given.
    """
    if not nodes or top <= 0:
        return []
    node_index = node_index or NodeIndex.build(nodes, subject_terms=subject_terms)
    if not about_subject(article, node_index.subject):
        return []  # not about the paper's subject: it bears on none, whatever its keywords
    scores, matched, phrase_hits, node_hits = node_scores(article, node_index)
    best_text = max(scores, default=0.0)
    if best_text < MIN_SCORE or policy_vocabulary(phrase_hits) < 1.0:
        # Not one analyst search term of several words, nor two of one word: whatever the
        # article shares with the paper are everyday words ("first", "power", a football
        # club's "sanctions"), not the policy's vocabulary.
        return []
    votes = evidence_votes(article, items, index, archive_texts)
    by_id = {n.id: n for n in node_index.nodes}
    results = []
    for position, node in enumerate(node_index.nodes):
        if node.kind == "section":
            continue  # a whole part of the paper is context, not something to assess against
        score = scores[position]
        if node_hits[position]:
            score += PHRASE_BONUS * best_text * min(len(node_hits[position]), 2) / 2
        words_ = matched[position]
        if node.id in votes:
            vote, why = votes[node.id]
            score += EVIDENCE_WEIGHT * best_text * vote
            words_ = [*words_, *why[:2]]
        parent = by_id.get(node.parent) if node.parent else None
        results.append(
            Suggestion(
                node_id=node.id,
                score=round(score, 4),
                matched=words_,
                parent=parent.id if parent is not None and parent.kind != "section" else None,
            )
        )
    if not results:
        return []
    results.sort(key=lambda s: (-s.score, s.node_id))
    best = results[0].score
    kept = [s for s in results if s.score >= max(MIN_SCORE, RELATIVE_CUT * best)]
    return kept[:top]
