"""Measured quality of article import on labelled articles: suggestions and same-event detection.

    python bench/quality.py [ARTICLES_DIR] [--recommendations FILE] [--rcodes FILE] [--seeds DIR]

ARTICLES_DIR holds NNN-slug.txt files and labels.toml (default: ../shared/dev-articles from the
repository root). R-codes in the labels map to node ids through bench/rcodes.toml (`R2.5 =
"node-id"`); where that file is missing, the built-in map below is used.

Suggestions are measured twice: on the paper's text and search terms alone, and with the other
labelled articles as assessed evidence (leave one out: an article never votes for itself).
A suggestion hits a label when it is the labelled node or one of its descendants.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.domain.model import EvidenceItem, RecommendationsFile  # noqa: E402
from tracker.ingest import (  # noqa: E402
    NodeIndex,
    SimilarityIndex,
    extract_file,
    find_same_event,
    suggest,
)

FALLBACK_RCODES = {
    "R1": "reboot-political-system",
    "R2": "open-belarus",
    "R2.1": "open-belarus-business",
    "R2.2": "open-belarus-foreigners",
    "R2.3": "open-belarus-rule-of-law",
    "R2.4": "open-belarus-infrastructure",
    "R2.5": "open-belarus-ifi",
    "R2.6": "open-belarus-regional-security",
    "R2.7": "open-belarus-image-promotion",
    "R3": "balance-west-east",
    "R3.1": "balance-western-neighbours",
    "R3.2": "balance-russia",
    "R3.3": "balance-west",
    "R4": "formulate-strategies",
    "R5": "democratize-foreign-policy-debate",
    "R6": "reform-diplomatic-service",
    "R6.1": "diplomatic-service-political-dialogue",
    "R6.2": "diplomatic-service-presence-map",
    "R6.3": "diplomatic-service-decentralize",
    "R6.4": "diplomatic-service-women-transparency",
    "R6.5": "diplomatic-service-lobby-institutions",
    "R6.6": "diplomatic-service-public-cultural-diplomacy",
    "R6.7": "diplomatic-service-consular-assistance",
    "R7": "rebuild-training-employment",
    "R7.1": "training-competitive-hiring",
    "R7.2": "training-foreign-universities",
    "R7.3": "training-personnel-circulation",
    "R7.4": "training-analytical-centre",
}
# The seeds' same-event pair, from the seeds' README (001 and 004 report one event).
SEED_PAIRS = [("001_a9f7e854394760fb.txt", "004_0a8ee5d5f454f577.txt")]


def load_rcodes(path: Path) -> dict[str, str]:
    if path.is_file():
        data = tomllib.loads(path.read_text("utf-8"))
        table = data.get("rcodes", data)
        return {str(k): str(v) for k, v in table.items() if isinstance(v, str)}
    print(f"note: {path} not found; using the built-in R-code map", file=sys.stderr)
    return dict(FALLBACK_RCODES)


def descendants(nodes, node_id: str) -> set[str]:
    out = {node_id}
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if node.parent in out and node.id not in out:
                out.add(node.id)
                changed = True
    return out


def as_item(key: str, article, nodes: list[str], published: dt.date | None) -> EvidenceItem:
    assessments = [
        {"recommendation": n, "impact": 0, "confidence": "low", "rationale": "label"} for n in nodes
    ] or [{"recommendation": "x", "impact": 0, "confidence": "low", "rationale": "negative"}]
    return EvidenceItem.model_validate(
        {
            "id": key,
            "title": article.title,
            "date": published or article.published or dt.date(2025, 1, 1),
            "source": {
                "publisher": article.publisher or "unknown",
                "reliability": "F",
                "credibility": 6,
                "quote": article.text[:400],
                "url": article.url,
            },
            "assessment": assessments,
        }
    )


def scale(count: int, folder: Path) -> None:
    """Index build time and per-article query time against `count` synthetic items."""
    import random

    rng = random.Random(1)
    vocabulary = [f"w{n}" for n in range(20_000)]
    names = [f"Name{n}" for n in range(10_000)]
    items = []
    for n in range(count):
        quote = (
            " ".join(rng.choice(vocabulary) for _ in range(40))
            + " "
            + " ".join(f"met {rng.choice(names)} in {rng.choice(names)}." for _ in range(3))
        )
        items.append(
            EvidenceItem.model_construct(
                id=f"i{n}",
                title=f"Item {n}",
                date=dt.date(2023, 1, 1) + dt.timedelta(n % 1000),
                date_precision="day",
                event=None,
                source=type("S", (), {"url": f"https://example.org/{n}", "quote": quote})(),
                assessments=[],
            )
        )
    started = time.perf_counter()
    index = SimilarityIndex.build(items)
    built = time.perf_counter() - started
    from tracker.ingest import Article

    real = extract_file(sorted(folder.glob("0*.txt"))[0])
    twin = Article(title="Twin", text=items[count // 2].source.quote)  # shares many postings
    print(f"scale: {count:,} synthetic items: index built in {built:.1f} s")
    for label, probe in (("a real article", real), ("an item's twin", twin)):
        started = time.perf_counter()
        for _ in range(10):
            found = find_same_event(probe, items, index)
        per = (time.perf_counter() - started) / 10
        top = found[0].evidence_id if found else "none"
        print(f"  {label}: checked in {per * 1000:.0f} ms (top candidate: {top})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "articles", nargs="?", type=Path, default=REPO.parent / "shared" / "dev-articles"
    )
    parser.add_argument("--recommendations", type=Path, default=REPO / "recommendations.toml")
    parser.add_argument("--rcodes", type=Path, default=REPO / "bench" / "rcodes.toml")
    parser.add_argument(
        "--seeds",
        type=Path,
        default=REPO.parent / "shared" / "seeds",
        help="also check the seeds' same-event pair (001, 004) when present",
    )
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("-v", "--verbose", action="store_true", help="per-article detail")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        metavar="N",
        help="also time one article against N synthetic evidence items",
    )
    args = parser.parse_args(argv)
    if args.scale:
        scale(args.scale, args.articles)

    doc = RecommendationsFile.model_validate(tomllib.loads(args.recommendations.read_text("utf-8")))
    nodes = doc.nodes
    rcodes = load_rcodes(args.rcodes)
    labels = tomllib.loads((args.articles / "labels.toml").read_text("utf-8"))["article"]
    node_index = NodeIndex.build(nodes)

    articles = {}
    for entry in labels:
        articles[entry["file"]] = extract_file(args.articles / entry["file"])
    gold_pairs = {
        frozenset((e["file"], e["same_event_as"])) for e in labels if e.get("same_event_as")
    }
    extra = {}
    if args.seeds and args.seeds.is_dir():
        for a, b in SEED_PAIRS:
            if (args.seeds / a).is_file() and (args.seeds / b).is_file():
                extra[a] = extract_file(args.seeds / a)
                extra[b] = extract_file(args.seeds / b)
                gold_pairs.add(frozenset((a, b)))

    label_nodes = {e["file"]: [rcodes[c] for c in e["labels"] if c in rcodes] for e in labels}
    published = {e["file"]: e.get("published") for e in labels}
    items = {
        f: as_item(f"a{i:03d}", articles[f], label_nodes[f], published[f])
        for i, f in enumerate(articles)
    }
    for i, (f, article) in enumerate(extra.items()):
        items[f] = as_item(f"s{i:03d}", article, [], None)
    ids = {item.id: f for f, item in items.items()}
    texts = {items[f].id: a.text for f, a in {**articles, **extra}.items()}

    # --- suggestions ---
    print(
        f"articles: {len(labels)} ({sum(1 for e in labels if not e['labels'])} negative); "
        f"nodes: {len(nodes)}"
    )
    for mode in ("text only", "with evidence (leave one out)"):
        r1 = r3 = mrr = hit1 = hit3 = 0.0
        positives = 0
        none_ok = []
        empty_positive = []
        started = time.perf_counter()
        for entry in labels:
            f = entry["file"]
            evidence = (
                [it for g, it in items.items() if g != f and g in articles]
                if mode != "text only"
                else []
            )
            got = suggest(
                articles[f],
                nodes,
                evidence,
                top=args.top,
                node_index=node_index,
                archive_texts=texts,
            )
            if not entry["labels"]:
                none_ok.append((f, got))
                continue
            positives += 1
            wanted = [descendants(nodes, n) for n in label_nodes[f]]
            ranks = []
            for rank, s in enumerate(got, start=1):
                if any(s.node_id in w for w in wanted):
                    ranks.append(rank)

            def covered(k: int, wanted=wanted, got=got) -> int:
                return sum(1 for w in wanted if any(s.node_id in w for s in got[:k]))

            r1 += covered(1) / len(wanted)
            r3 += covered(3) / len(wanted)
            hit1 += 1 if ranks and ranks[0] == 1 else 0
            hit3 += 1 if ranks and ranks[0] <= 3 else 0
            mrr += 1 / ranks[0] if ranks else 0
            if not got:
                empty_positive.append(f)
            if args.verbose:
                print(
                    f"  {f[:40]:40} want {entry['labels']} got "
                    f"{[(s.node_id, round(s.score, 3)) for s in got[:3]]}"
                )
        elapsed = time.perf_counter() - started
        print(f"\nsuggestions, {mode} ({elapsed:.2f} s):")
        print(
            f"  recall@1 {r1 / positives:.2f}   recall@3 {r3 / positives:.2f}   "
            f"MRR {mrr / positives:.2f}   hit@1 {hit1 / positives:.2f}   "
            f"hit@3 {hit3 / positives:.2f}   (over {positives} labelled articles)"
        )
        for f, got in none_ok:
            verdict = (
                "bears on none: yes"
                if not got
                else (f"bears on none: NO, suggested {[s.node_id for s in got]}")
            )
            print(f"  negative {f}: {verdict}")
        if empty_positive:
            print(f"  labelled articles wrongly judged to bear on none: {empty_positive}")

    # --- same event ---
    every = {**articles, **extra}
    predicted: dict[frozenset, float] = {}
    started = time.perf_counter()
    for f, article in every.items():
        others = [it for g, it in items.items() if g != f]
        index = SimilarityIndex.build(others, texts)
        for candidate in find_same_event(article, others, index):
            pair = frozenset((f, ids[candidate.evidence_id]))
            predicted[pair] = max(predicted.get(pair, 0), candidate.similarity)
    elapsed = time.perf_counter() - started
    true_pos = [p for p in predicted if p in gold_pairs]
    precision = len(true_pos) / len(predicted) if predicted else 1.0
    recall = len(true_pos) / len(gold_pairs) if gold_pairs else 1.0
    print(
        f"\nsame event ({len(every)} articles, {len(gold_pairs)} labelled pairs, {elapsed:.2f} s):"
    )
    print(f"  precision {precision:.2f}   recall {recall:.2f}")
    for pair, sim in sorted(predicted.items(), key=lambda kv: -kv[1]):
        mark = "labelled" if pair in gold_pairs else "NOT labelled"
        print(f"  {sim:.2f}  {' + '.join(sorted(p[:40] for p in pair))}  ({mark})")
    for pair in gold_pairs - set(predicted):
        print(f"  missed: {' + '.join(sorted(pair))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
