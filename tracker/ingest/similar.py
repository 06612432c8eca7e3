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

import bisect
import datetime as dt
import math
import re
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from tracker.domain.model import EvidenceItem
from tracker.domain.urls import normalize_url
from tracker.ingest.extract import Article, find_date
from tracker.ingest.tokens import STOP_WORDS, stem, tokens, words

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
    return _shingles(words(text))


def _shingles(seq_words: list[str]) -> set[int]:
    # Lowercasing the joined words equals joining the lowercased words (a space is neither
    # cased nor case-ignorable), and one encode and split beat one per word.
    if len(seq_words) < SHINGLE:
        return set()
    seq = " ".join(seq_words).lower().encode("utf-8").split(b" ")
    crc32 = zlib.crc32
    join = b" ".join
    return {
        value
        for start in range(len(seq) - SHINGLE + 1)
        if not (value := crc32(join(seq[start : start + SHINGLE]))) % SHINGLE_SAMPLE
    }


# One pass over a text finds every word and whether it opens a sentence (the first word, or
# one after [.!?:;\n] in the gap before it), which is all `content_terms`, `entity_terms` and
# `shingles` read: the index build makes this pass once per text instead of three.
_PASS = re.compile(r"(?:\A|[.!?:;\n])[\W_]*([^\W_]+(?:[-'’][^\W_]+)*)|([^\W_]+(?:[-'’][^\W_]+)*)")
_WORD_INFO: dict[str, tuple[str | None, str | None, str | None]] = {}
_WORD_INFO_MAX = 100_000  # distinct raw words remembered (some 20 MB at most)


def _word_info(word: str) -> tuple[str | None, str | None, str | None]:
    """A raw word's content token, its number term, and its entity stem (if capitalized)."""
    lower = word.lower()
    token = None
    if not (lower in STOP_WORDS or (len(lower) < 2 and not lower.isdigit())):
        token = stem(lower)
    number = capital = None
    if _NUMBER.match(word):
        if len(word) >= 2 and not (len(word) == 4 and word.startswith(("19", "20"))):
            number = "#" + word.replace(",", ".")
    elif _CAPITALIZED.match(word) and len(word) > 2:
        capital = stem(word)
    if len(_WORD_INFO) >= _WORD_INFO_MAX:
        _WORD_INFO.clear()
    info = _WORD_INFO[word] = (token, number, capital)
    return info


def _analyse(title: str, text: str, *, sample: bool = True) -> tuple[dict[str, float], set[int]]:
    """`_event_vector` and `shingles` of a text in one pass, term for term and in the same
    order (the order fixes how floats are summed, so cached and cold answers match).

    Counting (word, opens a sentence) pairs first leaves one step per distinct word, not one
    per occurrence; the pairs come in order of first occurrence, which is the order in which
    the word-by-word definitions (`content_terms`, `entity_terms`) meet each term.
    """
    pairs = _PASS.findall(text)
    content: dict[str, int] = {}
    entity: dict[str, int] = {}
    known = _WORD_INFO.get
    for (opening, inside), count in Counter(pairs).items():
        word = opening or inside
        token, number, capital = known(word) or _word_info(word)
        if token is not None:
            content[token] = content.get(token, 0) + count
        if number is not None:
            entity[number] = entity.get(number, 0) + count
        elif capital is not None and inside:
            entity[capital] = entity.get(capital, 0) + count
    log = math.log
    vector = {term: 1.0 + log(count) for term, count in content.items()}
    for term, count in entity.items():
        vector[term] = vector.get(term, 0.0) + 2.0 + log(count)
    for term in dict.fromkeys(tokens(title)):  # a set's order would vary from run to run
        vector[term] = vector.get(term, 0.0) + 1.0
    found = _shingles([a or b for a, b in pairs]) if sample else set()
    return vector, found


def _event_vector(title: str, text: str) -> dict[str, float]:
    """Term weights before rarity: entities count double, the title's words once more."""
    return _analyse(title, text, sample=False)[0]


def _item_text(item: EvidenceItem, archive: str | None) -> str:
    return archive if archive else item.source.quote


def _item_text(item: EvidenceItem, archive: str | None) -> str:
    return archive if archive else item.source.quote


# --- compact columns ---------------------------------------------------------------------------
# The index is a set of flat numpy arrays ("columns"), built so and stored so: a cached index
# opens by reading buffers, never by rebuilding 100,000 Python strings, and a column is decoded
# only where a query looks (an article's own terms, the ten best items).


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _blob(strings: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one byte array and n + 1 offsets."""
    offsets = np.zeros(len(strings) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, strings), np.int64, len(strings)), out=offsets[1:])
    return np.frombuffer(b"".join(strings), np.uint8), offsets


class StringTable(Sequence[str]):
    """Strings packed in one buffer; the i-th is decoded when asked for."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob
        self.offsets = offsets
        self._bytes = blob.tobytes() if blob.size < 1 << 20 else memoryview(blob)
        self._at = memoryview(offsets).cast("B").cast("q") if offsets.size else []

    def raw(self, i: int) -> bytes:
        return bytes(self._bytes[self._at[i] : self._at[i + 1]])

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.raw(i).decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        return max(len(self.offsets) - 1, 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def find(self, key: str) -> int | None:
        """The slot of `key` in a table sorted by UTF-8 bytes, or None."""
        raw = _encode(key)
        slot = bisect.bisect_left(_RawView(self), raw)
        return slot if slot < len(self) and self.raw(slot) == raw else None


class _RawView(Sequence[bytes]):
    def __init__(self, table: StringTable) -> None:
        self.table = table

    def __getitem__(self, i):  # type: ignore[override]
        return self.table.raw(i)

    def __len__(self) -> int:
        return len(self.table)


def _runs(offsets: np.ndarray) -> memoryview:
    return memoryview(np.ascontiguousarray(offsets, np.int64)).cast("B").cast("q")


class KeyPostings(Mapping[str, list[int]]):
    """Sorted keys, each with a run of item positions: normalized URLs, event keys."""

    def __init__(self, keys: StringTable, offsets: np.ndarray, positions: np.ndarray) -> None:
        self.table = keys
        self.offsets = offsets
        self.positions = positions
        self._at = _runs(offsets)

    @classmethod
    def of(cls, pairs: list[tuple[str, int]]) -> KeyPostings:
        """From (key, position) pairs in position order."""
        encoded = sorted(((_encode(k), p) for k, p in pairs), key=lambda kp: kp[0])
        keys: list[bytes] = []
        sizes: list[int] = []
        for key, _ in encoded:
            if keys and keys[-1] == key:
                sizes[-1] += 1
            else:
                keys.append(key)
                sizes.append(1)
        offsets = np.zeros(len(keys) + 1, np.int64)
        np.cumsum(np.asarray(sizes, np.int64), out=offsets[1:])
        positions = np.fromiter((p for _, p in encoded), np.int32, len(encoded))
        return cls(StringTable(*_blob(keys)), offsets, positions)

    def slot(self, key: object) -> int | None:
        return self.table.find(key) if isinstance(key, str) else None

    def run(self, slot: int) -> np.ndarray:
        return self.positions[self._at[slot] : self._at[slot + 1]]

    def __getitem__(self, key: str) -> list[int]:
        slot = self.slot(key)
        if slot is None:
            raise KeyError(key)
        return self.run(slot).tolist()

    def __contains__(self, key: object) -> bool:
        return self.slot(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


class DamagedIndex(ValueError):
    """A stored index failed a check when a part of it was read late: rebuild it."""


# Reads positions[start:end] and values[start:end] of the stored term postings, as bytes.
RunReader = Callable[[int, int], tuple[bytes, bytes]]


def _run_crc(positions: np.ndarray, values: np.ndarray) -> int:
    return zlib.crc32(memoryview(values).cast("B"), zlib.crc32(memoryview(positions).cast("B")))


class PackedTerms(Mapping[str, list[tuple[int, float]]]):
    """Term postings: sorted terms, each with a run of (position, weight) in two arrays. Only
    the article's own terms are ever looked up, by binary search.

    Opened for suggestions, the two big arrays stay on disk: `read` fetches one term's run
    when a query asks for it, checked against that run's CRC (`crcs`), so a suggestion reads
    the postings of the article's own terms, not all of them.
    """

    def __init__(
        self,
        terms: StringTable,
        offsets: np.ndarray,
        positions: np.ndarray | None,
        values: np.ndarray | None,
        *,
        crcs: np.ndarray | None = None,
        read: RunReader | None = None,
        items: int = 0,
    ) -> None:
        self.terms = terms
        self.offsets = offsets
        self.positions = positions
        self.values = values
        self.crcs = crcs
        self._read = read
        self._items = items
        self._fetched: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._at = _runs(offsets)

    def slot(self, term: object) -> int | None:
        return self.terms.find(term) if isinstance(term, str) else None

    def run(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self._at[slot], self._at[slot + 1]
        if self._read is None:
            return self.positions[start:end], self.values[start:end]  # type: ignore[index]
        if slot not in self._fetched:
            raw_positions, raw_values = self._read(start, end)
            try:
                positions = np.frombuffer(raw_positions, np.int32)
                values = np.frombuffer(raw_values, np.float64)
            except ValueError:
                raise DamagedIndex("a term's stored postings are cut short") from None
            if (
                len(positions) != end - start
                or len(values) != end - start
                or self.crcs is None
                or _run_crc(positions, values) != int(self.crcs[slot])
            ):
                raise DamagedIndex("a term's stored postings fail their checksum")
            _check_slots(positions, self._items, error=DamagedIndex)
            self._fetched[slot] = (positions, values)
        return self._fetched[slot]

    def df(self, slot: int) -> int:
        return self._at[slot + 1] - self._at[slot]

    def __getitem__(self, key: str) -> list[tuple[int, float]]:
        slot = self.slot(key)
        if slot is None:
            raise KeyError(key)
        positions, values = self.run(slot)
        return list(zip(positions.tolist(), values.tolist(), strict=True))

    def __contains__(self, key: object) -> bool:
        return self.slot(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)


class DocumentFrequency(Mapping[str, int]):
    """How many items hold each term: the length of its postings."""

    def __init__(self, terms: PackedTerms) -> None:
        self.terms = terms

    def __getitem__(self, key: str) -> int:
        slot = self.terms.slot(key)
        if slot is None:
            raise KeyError(key)
        return self.terms.df(slot)

    def __contains__(self, key: object) -> bool:
        return self.terms.slot(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms.terms)

    def __len__(self) -> int:
        return len(self.terms)


class PackedShingles(Mapping[int, list[int]]):
    """Shingle postings as two arrays sorted by (hash, position): a lookup is a binary search."""

    def __init__(self, hashes: np.ndarray, positions: np.ndarray) -> None:
        self.hashes = hashes
        self.positions = positions

    def _span(self, key: object) -> tuple[int, int]:
        if not isinstance(key, int) or not 0 <= key < 2**32:
            return 0, 0
        value = np.uint32(key)
        return (
            int(self.hashes.searchsorted(value, "left")),
            int(self.hashes.searchsorted(value, "right")),
        )

    def shared(self, sample: list[int]) -> np.ndarray:
        """The positions holding each of `sample`'s hashes, in the sample's order."""
        values = np.asarray(sample, np.uint32)
        starts = self.hashes.searchsorted(values, "left")
        ends = self.hashes.searchsorted(values, "right")
        runs = [
            self.positions[s:e]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
            if e > s
        ]
        return np.concatenate(runs) if runs else np.zeros(0, np.int32)

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


class _Dates(Sequence[dt.date]):
    def __init__(self, ordinals: np.ndarray) -> None:
        self.ordinals = ordinals

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [dt.date.fromordinal(o) for o in self.ordinals[i].tolist()]
        return dt.date.fromordinal(int(self.ordinals[i]))

    def __len__(self) -> int:
        return len(self.ordinals)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


class _Slotted(Sequence[Any]):
    """Per item, a run of slots into a string table: what each item assessed."""

    def __init__(self, names: StringTable, offsets: np.ndarray, slots: np.ndarray) -> None:
        self.names = names
        self.offsets = offsets
        self.slots = slots
        self._at = _runs(offsets)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        names = self.names
        return tuple(names[s] for s in self.slots[self._at[i] : self._at[i + 1]].tolist())

    def __len__(self) -> int:
        return max(len(self.offsets) - 1, 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


class _EventOf(Sequence[Any]):
    def __init__(self, events: KeyPostings, slots: np.ndarray) -> None:
        self.events = events
        self.slots = slots

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        slot = int(self.slots[i])
        return None if slot < 0 else self.events.table[slot]

    def __len__(self) -> int:
        return len(self.slots)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


# What `evidence_votes` (suggestions) reads; the rest is only for `find_same_event` (import).
VOTE_COLUMNS = (
    "ids_blob",
    "ids_offsets",
    "norms",
    "terms_blob",
    "terms_offsets",
    "term_offsets",
    "term_crcs",
    "term_positions",
    "term_values",
    "names_blob",
    "names_offsets",
    "assessed_offsets",
    "assessed_slots",
)
EVENT_COLUMNS = (
    "dates",
    "urls_blob",
    "urls_offsets",
    "url_offsets",
    "url_positions",
    "shingle_hashes",
    "shingle_positions",
    "shingle_counts",
    "events_blob",
    "events_offsets",
    "event_offsets",
    "event_positions",
    "event_slots",
)
COLUMN_TYPES = {
    "ids_blob": "u1",
    "ids_offsets": "i8",
    "norms": "f8",
    "terms_blob": "u1",
    "terms_offsets": "i8",
    "term_offsets": "i8",
    "term_crcs": "u4",
    "term_positions": "i4",
    "term_values": "f8",
    "names_blob": "u1",
    "names_offsets": "i8",
    "assessed_offsets": "i8",
    "assessed_slots": "i4",
    "dates": "i4",
    "urls_blob": "u1",
    "urls_offsets": "i8",
    "url_offsets": "i8",
    "url_positions": "i4",
    "shingle_hashes": "u4",
    "shingle_positions": "i4",
    "shingle_counts": "i4",
    "events_blob": "u1",
    "events_offsets": "i8",
    "event_offsets": "i8",
    "event_positions": "i4",
    "event_slots": "i4",
}


def _check_runs(offsets: np.ndarray, count: int, total: int) -> None:
    """Offsets of `count` runs over `total` entries: from 0, never decreasing, to `total`."""
    if offsets.ndim != 1 or len(offsets) != count + 1 or offsets[0] != 0 or offsets[-1] != total:
        raise ValueError("packed index offsets do not fit their arrays")
    if count and bool((np.diff(offsets) < 0).any()):
        raise ValueError("packed index offsets decrease")


def _check_slots(
    slots: np.ndarray, bound: int, *, none: bool = False, error: type[Exception] = ValueError
) -> None:
    if slots.size and (int(slots.min()) < (-1 if none else 0) or int(slots.max()) >= bound):
        raise error("packed index refers past its tables")


def _table(columns: Mapping[str, np.ndarray], name: str) -> StringTable:
    blob, offsets = columns[f"{name}_blob"], columns[f"{name}_offsets"]
    _check_runs(offsets, len(offsets) - 1, len(blob))
    return StringTable(blob, offsets)


class SimilarityIndex:
    """Inverted indexes over the evidence: URLs, sampled shingles, event terms.

    It depends only on the evidence (items and archived texts), so `ingest_cache` keeps its
    columns between runs. An index opened for suggestions only reads the same-event columns
    when something asks for them (`more`).
    """

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        more: Callable[[], Mapping[str, np.ndarray]] | None = None,
        runs: tuple[RunReader, int] | None = None,
    ) -> None:
        """Raises ValueError when the columns do not describe one index.

        `more`: reads the same-event columns when first needed. `runs`: reads term postings
        one term at a time, with the stored length of the postings (suggestions only).
        """
        self._more = more
        self.columns = dict(columns)
        self._attach_votes(self.columns, runs)
        if more is None:
            self._attach_events(self.columns)

    def _attach_votes(
        self, c: Mapping[str, np.ndarray], runs: tuple[RunReader, int] | None
    ) -> None:
        self.ids = _table(c, "ids")
        n = len(self.ids)
        self.norms = c["norms"]
        if len(self.norms) != n:
            raise ValueError("packed index arrays differ in length")
        terms = _table(c, "terms")
        if len(c["term_crcs"]) != len(terms):
            raise ValueError("packed index arrays differ in length")
        if runs is not None:
            read, total = runs
            _check_runs(c["term_offsets"], len(terms), total)
            self.term_postings = PackedTerms(
                terms, c["term_offsets"], None, None, crcs=c["term_crcs"], read=read, items=n
            )
        else:
            _check_runs(c["term_offsets"], len(terms), len(c["term_positions"]))
            if len(c["term_values"]) != len(c["term_positions"]):
                raise ValueError("packed index arrays differ in length")
            _check_slots(c["term_positions"], n)
            self.term_postings = PackedTerms(
                terms, c["term_offsets"], c["term_positions"], c["term_values"]
            )
        self.df = DocumentFrequency(self.term_postings)
        names = _table(c, "names")
        _check_runs(c["assessed_offsets"], n, len(c["assessed_slots"]))
        _check_slots(c["assessed_slots"], len(names))
        self.assessed = _Slotted(names, c["assessed_offsets"], c["assessed_slots"])

    def _attach_events(self, c: Mapping[str, np.ndarray]) -> None:
        n = len(self.ids)
        if not len(c["dates"]) == len(c["shingle_counts"]) == len(c["event_slots"]) == n:
            raise ValueError("packed index arrays differ in length")
        self.dates = _Dates(c["dates"])
        urls = _table(c, "urls")
        _check_runs(c["url_offsets"], len(urls), len(c["url_positions"]))
        _check_slots(c["url_positions"], n)
        self.urls = KeyPostings(urls, c["url_offsets"], c["url_positions"])
        if len(c["shingle_hashes"]) != len(c["shingle_positions"]):
            raise ValueError("packed index arrays differ in length")
        _check_slots(c["shingle_positions"], n)
        self.shingle_postings = PackedShingles(c["shingle_hashes"], c["shingle_positions"])
        self.shingle_counts = c["shingle_counts"]
        events = _table(c, "events")
        _check_runs(c["event_offsets"], len(events), len(c["event_positions"]))
        _check_slots(c["event_positions"], n)
        _check_slots(c["event_slots"], len(events), none=True)
        self.events = KeyPostings(events, c["event_offsets"], c["event_positions"])
        self.event_of = _EventOf(self.events, c["event_slots"])

    def __getattr__(self, name: str) -> Any:
        # Only reached for a same-event field not read yet: read those columns now.
        more = self.__dict__.get("_more")
        if more is None or name not in _EVENT_FIELDS:
            raise AttributeError(name)
        self._more = None
        columns = more()
        self.columns.update(columns)
        self._attach_events(self.columns)
        return getattr(self, name)

    @classmethod
    def build(
        cls, items: Iterable[EvidenceItem], archive_texts: Mapping[str, str] | None = None
    ) -> SimilarityIndex:
        """Index every item once; `archive_texts` maps an evidence id to its archived text.

        Items are read one at a time and only compact arrays are kept (no text, no per-item
        dict), so the build holds little beyond the index it makes; `archive_texts` may read
        each text on demand.
        """
        return cls(_Builder().run(items, archive_texts if archive_texts is not None else {}))

    def idf(self, term: str) -> float:
        """Rarity of a term across the evidence; smoothed so a handful of items still works."""
        n = len(self.ids)
        df = self.df.get(term, 0)
        return math.log(1 + (n + 1) / (df + 0.5))

    def query_weights(self, vector: Mapping[str, float]) -> list[tuple[str, int, float]]:
        """The article's terms the evidence holds: (term, slot, weight), in vector order."""
        n = len(self.ids)
        terms = self.term_postings
        out = []
        for term, weight in vector.items():
            slot = terms.slot(term)
            if slot is not None:
                idf = math.log(1 + (n + 1) / (terms.df(slot) + 0.5))
                out.append((term, slot, weight * idf))
        return out

    def ranked_dots(
        self, weights: list[tuple[str, int, float]], limit: int, top: int
    ) -> list[tuple[int, float]]:
        """The `top` items with the largest dot product with the article, largest first.

        Ties keep the order in which a term-by-term walk first meets each item (term order,
        then position), as a dict filled that way and sorted stably would.
        """
        n = len(self.ids)
        if not n:
            return []
        dots = np.zeros(n, np.float64)
        first = np.full(n, len(weights), np.int64)
        terms = self.term_postings
        for rank, (_, slot, weight) in enumerate(weights):
            if terms.df(slot) > limit:
                continue
            positions, values = terms.run(slot)
            dots[positions] += weight * values  # positions are distinct within a term
            fresh = positions[first[positions] == len(weights)]
            first[fresh] = rank
        touched = np.flatnonzero(first < len(weights))
        order = np.lexsort((touched, first[touched], -dots[touched]))[:top]
        chosen = touched[order]
        return list(zip(chosen.tolist(), dots[chosen].tolist(), strict=True))


_EVENT_FIELDS = frozenset(
    {"dates", "urls", "shingle_postings", "shingle_counts", "events", "event_of"}
)


class _Builder:
    """Streams items into the index's columns."""

    def run(self, items: Iterable[EvidenceItem], texts: Mapping[str, str]) -> dict[str, np.ndarray]:
        ids: list[bytes] = []
        ordinals = array("i")
        event_keys: list[tuple[str, int]] = []
        url_keys: list[tuple[str, int]] = []
        names: dict[str, int] = {}
        assessed_slots = array("i")
        assessed_sizes = array("q")
        term_slot: dict[str, int] = {}
        vocabulary: list[str] = []
        item_terms = array("i")
        item_weights = array("d")
        vector_sizes = array("q")
        shingle_hashes = array("I")
        shingle_positions = array("i")
        shingle_counts = array("i")
        for position, item in enumerate(items):
            ids.append(_encode(item.id))
            ordinals.append(item.midpoint.toordinal())
            if item.event:
                event_keys.append((item.event, position))
            for assessment in item.assessments:
                slot = names.setdefault(assessment.recommendation, len(names))
                assessed_slots.append(slot)
            assessed_sizes.append(len(item.assessments))
            if item.source.url:
                url_keys.append((normalize_url(item.source.url), position))
            vector, sample = _analyse(item.title, _item_text(item, texts.get(item.id)))
            shingle_counts.append(len(sample))
            shingle_hashes.extend(sample)
            shingle_positions.extend([position] * len(sample))
            for term in vector:
                if term not in term_slot:
                    term_slot[term] = len(vocabulary)
                    vocabulary.append(term)
            item_terms.extend([term_slot[t] for t in vector])
            item_weights.extend(vector.values())
            vector_sizes.append(len(vector))
        n = len(ids)
        columns: dict[str, np.ndarray] = {}
        columns["ids_blob"], columns["ids_offsets"] = _blob(ids)
        columns["dates"] = np.frombuffer(ordinals, np.int32) if n else np.zeros(0, np.int32)
        columns.update(_terms(n, vocabulary, item_terms, item_weights, vector_sizes))
        del item_terms, item_weights
        # assessed: the recommendation names sorted, each item's slots remapped to them
        ordered = sorted(names, key=_encode)
        remap = np.zeros(len(names), np.int32)
        for new, name in enumerate(ordered):
            remap[names[name]] = new
        columns["names_blob"], columns["names_offsets"] = _blob([_encode(s) for s in ordered])
        slots = np.frombuffer(assessed_slots, np.int32) if assessed_slots else np.zeros(0, np.int32)
        columns["assessed_slots"] = remap[slots] if len(slots) else slots
        columns["assessed_offsets"] = _offsets(assessed_sizes)
        # same event: URLs, events, shingles
        urls = KeyPostings.of(url_keys)
        columns["urls_blob"], columns["urls_offsets"] = urls.table.blob, urls.table.offsets
        columns["url_offsets"], columns["url_positions"] = urls.offsets, urls.positions
        events = KeyPostings.of(event_keys)
        columns["events_blob"], columns["events_offsets"] = events.table.blob, events.table.offsets
        columns["event_offsets"], columns["event_positions"] = events.offsets, events.positions
        event_slots = np.full(n, -1, np.int32)
        for slot in range(len(events)):
            event_slots[events.run(slot)] = slot
        columns["event_slots"] = event_slots
        hashes = (
            np.frombuffer(shingle_hashes, np.uint32) if shingle_hashes else np.zeros(0, np.uint32)
        )
        owners = (
            np.frombuffer(shingle_positions, np.int32)
            if shingle_positions
            else np.zeros(0, np.int32)
        )
        order = np.argsort(hashes, kind="stable")  # positions were added in increasing order
        columns["shingle_hashes"] = hashes[order]
        columns["shingle_positions"] = owners[order]
        del order, hashes, owners, shingle_hashes, shingle_positions
        columns["shingle_counts"] = (
            np.frombuffer(shingle_counts, np.int32) if n else np.zeros(0, np.int32)
        )
        return columns


def _offsets(sizes: array) -> np.ndarray:
    offsets = np.zeros(len(sizes) + 1, np.int64)
    if len(sizes):
        np.cumsum(np.frombuffer(sizes, np.int64), out=offsets[1:])
    return offsets


def _terms(
    n: int, vocabulary: list[str], item_terms: array, item_weights: array, sizes: array
) -> dict[str, np.ndarray]:
    """Term postings weighted by rarity, and each item's norm.

    The products and sums are the ones a term-by-term walk makes, in the same order, so the
    numbers match the definition to the last bit.
    """
    slots = np.frombuffer(item_terms, np.int32) if item_terms else np.zeros(0, np.int32)
    weights = np.frombuffer(item_weights, np.float64) if item_weights else np.zeros(0)
    df = np.bincount(slots, minlength=len(vocabulary))
    idf = np.array([math.log(1 + (n + 1) / (d + 0.5)) for d in df.tolist()], np.float64)
    values = weights * idf[slots]
    norms = array("d")
    start = 0
    sqrt = math.sqrt
    for size in sizes:  # item by item, summed in vector order as the definition sums
        run = values[start : start + size]
        total = 0.0
        for square in (run * run).tolist():
            total += square
        norms.append(sqrt(total) or 1.0)
        start += size
    owners = (
        np.repeat(np.arange(n, dtype=np.int32), np.frombuffer(sizes, np.int64))
        if n
        else np.zeros(0, np.int32)
    )
    encoded = [_encode(t) for t in vocabulary]
    ordered = sorted(range(len(vocabulary)), key=encoded.__getitem__)
    rank = np.zeros(len(vocabulary), np.int64)
    rank[ordered] = np.arange(len(vocabulary))
    order = np.argsort(rank[slots], kind="stable")  # positions ascending within a term
    blob, offsets = _blob([encoded[i] for i in ordered])
    term_offsets = np.zeros(len(vocabulary) + 1, np.int64)
    np.cumsum(df[ordered], out=term_offsets[1:])
    positions, values = owners[order], values[order]
    crcs = np.zeros(len(vocabulary), np.uint32)
    bounds = term_offsets.tolist()
    for slot in range(len(vocabulary)):
        start, end = bounds[slot], bounds[slot + 1]
        crcs[slot] = _run_crc(positions[start:end], values[start:end])
    return {
        "norms": np.frombuffer(norms, np.float64) if n else np.zeros(0),
        "term_crcs": crcs,
        "terms_blob": blob,
        "terms_offsets": offsets,
        "term_offsets": term_offsets,
        "term_positions": positions,
        "term_values": values,
    }


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
        for position in index.urls.get(normalize_url(article.url), ()):
            found[position] = SameEventCandidate(
                evidence_id=index.ids[position],
                similarity=1.0,
                kind="same_url",
                reason="the same address (after removing scheme, www., tracking parameters)",
            )

    sample = shingles(article.text)
    if sample:
        # The positions of every shared shingle, in the sample's order: a Counter over them
        # meets positions in the order a shingle-by-shingle walk would.
        shared = Counter(index.shingle_postings.shared(list(sample)).tolist())
        for position, count in shared.most_common(MAX_CANDIDATES):
            smaller = min(len(sample), int(index.shingle_counts[position])) or 1
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
    weights = index.query_weights(vector)
    norm = math.sqrt(sum(w * w for _, _, w in weights)) or 1.0
    ranked = index.ranked_dots(weights, limit, MAX_CANDIDATES * 5)
    contributions = _contributions(index, weights, limit, [p for p, _ in ranked])
    when = _article_date(article)
    forms = _display_forms(article.text)
    for position, dot in ranked:
        cosine = dot / (norm * float(index.norms[position]))
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
        for other in index.events.get(key, ()) if key else ():
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


def _contributions(
    index: SimilarityIndex, weights: list[tuple[str, int, float]], limit: int, chosen: list[int]
) -> dict[int, list[tuple[float, str]]]:
    """For the chosen items, each shared term's share of the dot product, in term order."""
    out: dict[int, list[tuple[float, str]]] = {p: [] for p in chosen}
    if not chosen:
        return out
    wanted = np.asarray(chosen, np.int64)
    terms = index.term_postings
    for term, slot, weight in weights:
        if terms.df(slot) > limit:
            continue
        positions, values = terms.run(slot)
        at = positions.searchsorted(wanted)
        inside = at < len(positions)
        hit = np.zeros(len(wanted), bool)
        hit[inside] = positions[at[inside]] == wanted[inside]
        for i in np.flatnonzero(hit).tolist():
            out[chosen[i]].append((weight * float(values[at[i]]), term))
    return out
