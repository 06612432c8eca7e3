"""Same-event detection: same URL, same text, the same event told differently; and its scale."""

from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

import pytest

from tracker.domain.model import EvidenceItem
from tracker.domain.urls import normalize_url
from tracker.ingest import Article, SimilarityIndex, extract_file, find_same_event

FIXTURES = Path(__file__).parent / "fixtures"


def item_for(
    article: Article, id: str, *, date: dt.date | None = None, url: str | None = None
) -> EvidenceItem:
    return EvidenceItem.model_validate(
        {
            "id": id,
            "title": article.title,
            "date": date or article.published,
            "source": {
                "publisher": "Outlet",
                "reliability": "B",
                "credibility": 2,
                "quote": article.text[:300],
                "url": url or article.url,
            },
            "assessment": [
                {"recommendation": "reboot", "impact": 0, "confidence": "low", "rationale": "r"}
            ],
        }
    )


def corpus() -> tuple[list[EvidenceItem], dict[str, str]]:
    items, texts = [], {}
    for name, when in (
        ("seed-001", dt.date(2025, 9, 15)),
        ("dev-009", None),
        ("dev-026", None),
        ("dev-029", dt.date(2025, 9, 7)),
    ):
        article = extract_file(FIXTURES / f"{name}.txt")
        item = item_for(article, f"item-{name}", date=when)
        items.append(item)
        texts[item.id] = article.text
    return items, texts


def test_seed_004_is_the_same_event_as_seed_001():
    items, texts = corpus()
    found = find_same_event(extract_file(FIXTURES / "seed-004.txt"), items, archive_texts=texts)
    assert [c.evidence_id for c in found] == ["item-seed-001"]
    assert found[0].kind == "same_event"
    assert 0.3 <= found[0].similarity <= 1
    assert "Kherson" in found[0].reason


def test_dev_010_is_the_same_event_as_dev_009():
    items, texts = corpus()
    found = find_same_event(extract_file(FIXTURES / "dev-010.txt"), items, archive_texts=texts)
    assert [c.evidence_id for c in found] == ["item-dev-009"]
    assert "Ryzhenkov" in found[0].reason
    assert "0 days apart" in found[0].reason


def test_unrelated_articles_are_not_candidates():
    items, texts = corpus()
    for name in ("dev-029", "dev-026", "seed-001"):
        others = [i for i in items if i.id != f"item-{name}"]
        assert (
            find_same_event(extract_file(FIXTURES / f"{name}.txt"), others, archive_texts=texts)
            == []
        )


def test_one_item_only_still_discriminates():
    items, texts = corpus()
    only = [i for i in items if i.id == "item-seed-001"]
    tennis = extract_file(FIXTURES / "dev-029.txt")
    assert find_same_event(tennis, only, archive_texts=texts) == []
    assert find_same_event(extract_file(FIXTURES / "seed-004.txt"), only, archive_texts=texts)


def test_same_url_after_normalization():
    items, texts = corpus()
    article = extract_file(FIXTURES / "dev-029.txt").model_copy(
        update={
            "url": "http://www.eng.belta.by/politics/view/ryzhenkov-announces-major-rotation-in-"
            "diplomatic-corps-162807-2024/?utm_source=tg&fbclid=abc#top"
        }
    )
    found = find_same_event(article, items, archive_texts=texts)
    assert found[0].evidence_id == "item-dev-009"
    assert found[0].kind == "same_url"
    assert found[0].similarity == 1.0


def test_normalize_url_spellings():
    assert normalize_url(
        "HTTPS://WWW.Example.org/a/b/?utm_medium=x&id=2&gclid=1#frag"
    ) == normalize_url("http://example.org/a/b?id=2")


def test_syndicated_copy_is_same_text():
    items, texts = corpus()
    original = extract_file(FIXTURES / "dev-026.txt")
    copy = original.model_copy(
        update={
            "title": "Exiles at risk as Minsk stops passports abroad",
            "url": "https://other.example/x",
            "published": original.published,
            "text": "Republished from AFP.\n" + original.text + "\nShare this story.",
        }
    )
    found = find_same_event(copy, items, archive_texts=texts)
    assert found[0].evidence_id == "item-dev-026"
    assert found[0].kind == "same_text"
    assert found[0].similarity > 0.8


def test_far_apart_dates_lower_the_similarity():
    items, texts = corpus()
    article = extract_file(FIXTURES / "seed-004.txt")
    near = find_same_event(
        article.model_copy(update={"published": dt.date(2025, 9, 20)}), items, archive_texts=texts
    )
    far = find_same_event(
        article.model_copy(update={"published": dt.date(2023, 1, 1)}), items, archive_texts=texts
    )
    assert near and near[0].evidence_id == "item-seed-001"
    assert far == []


def test_one_article_against_many_items_is_fast():
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(5000)]
    names = [f"Name{n}" for n in range(3000)]
    items = []
    for n in range(20_000):
        text = (
            " ".join(rng.choice(vocabulary) for _ in range(30))
            + " "
            + " ".join(f"met {rng.choice(names)} in {rng.choice(names)}." for _ in range(3))
        )
        items.append(
            EvidenceItem.model_validate(
                {
                    "id": f"i{n}",
                    "title": f"Item {n}",
                    "date": dt.date(2024, 1, 1) + dt.timedelta(days=n % 700),
                    "source": {
                        "publisher": "P",
                        "reliability": "C",
                        "credibility": 3,
                        "quote": text,
                        "url": f"https://example.org/{n}",
                    },
                    "assessment": [
                        {
                            "recommendation": "reboot",
                            "impact": 0,
                            "confidence": "low",
                            "rationale": "r",
                        }
                    ],
                }
            )
        )
    index = SimilarityIndex.build(items)
    article = extract_file(FIXTURES / "seed-004.txt")
    started = time.perf_counter()
    for _ in range(5):
        find_same_event(article, items, index)
    per_query = (time.perf_counter() - started) / 5
    assert per_query < 0.25
    # the index finds a planted copy among them
    planted = items[12345]
    twin = Article(title="Twin", text=planted.source.quote, published=planted.date)
    assert find_same_event(twin, items, index)[0].evidence_id == "i12345"


def test_items_recorded_as_one_event_come_along_with_a_match():
    items, texts = corpus()
    article = extract_file(FIXTURES / "dev-026.txt")
    keyed = [
        i.model_copy(update={"event": "passports-decree"})
        if i.id in ("item-dev-026", "item-dev-009")
        else i
        for i in items
    ]
    found = {c.evidence_id: c for c in find_same_event(article, keyed, archive_texts=texts)}
    assert found["item-dev-026"].kind == "same_url"
    assert "recorded as the same event (passports-decree)" in found["item-dev-009"].reason


def _reference_vector(title: str, text: str) -> dict[str, float]:
    """`_event_vector` as defined word by word (the index build makes one pass instead)."""
    import math

    from tracker.ingest.similar import content_terms, entity_terms
    from tracker.ingest.tokens import tokens

    vector: dict[str, float] = {}
    for term, count in content_terms(text).items():
        vector[term] = 1.0 + math.log(count)
    for term, count in entity_terms(text).items():
        vector[term] = vector.get(term, 0.0) + 2.0 + math.log(count)
    for term in dict.fromkeys(tokens(title)):
        vector[term] = vector.get(term, 0.0) + 1.0
    return vector


def _reference_shingles(text: str) -> set[int]:
    import zlib

    from tracker.ingest.similar import SHINGLE, SHINGLE_SAMPLE
    from tracker.ingest.tokens import words

    seq = [w.lower().encode("utf-8") for w in words(text)]
    out = set()
    for start in range(len(seq) - SHINGLE + 1):
        value = zlib.crc32(b" ".join(seq[start : start + SHINGLE]))
        if value % SHINGLE_SAMPLE == 0:
            out.add(value)
    return out


TRICKY = [
    "",
    "Minsk",
    "Minsk. Minsk said Minsk; Minsk",
    "  However, the Embassy of Belarus in Warsaw.\nWarsaw (Poland) paid 1,250.5 and 2022 and 12 "
    "and 7 and 3,14; Lukashenko's O'Neil-Smith met ÍSTANBUL İstanbul ΣΑΣ σας.",
    "Лукашэнка сустрэўся з Пуціным у Мінску. Мінск, Масква і Кіеў: 15 дзяржаў! Пуцін?",
    "under_score __init__ x_y 3_000 A-b-C ’Quote’ end-",
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.name)
def test_the_one_pass_analysis_equals_the_word_by_word_definitions(path: Path):
    from tracker.ingest.similar import _analyse

    article = extract_file(path)
    for title, text in [(article.title, article.text), *(("Tricky Minsk", t) for t in TRICKY)]:
        vector, sample = _analyse(title, text)
        expected = _reference_vector(title, text)
        assert list(vector.items()) == list(expected.items())  # the order too: it sums floats
        assert sample == _reference_shingles(text)
