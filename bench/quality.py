"""Measured quality of article import on labelled articles: suggestions and same-event detection.

    python bench/quality.py [ARTICLES_DIR ...] [--recommendations FILE] [--rcodes FILE]
                            [--evidence DIR] [--seeds DIR] [-v]

Each ARTICLES_DIR holds NNN-slug.txt files and labels.toml (default: the development set,
../shared/dev-articles, and this repository's own test articles, tests/ingest/articles).
R-codes in the labels map to node ids through bench/rcodes.toml.

Reported:
- suggestions, on the paper alone and with the other labelled articles as assessed evidence
  (leave one out): recall@3 of the exact labelled node, family recall@3 (the node, its parent
  or a child counts), MRR and top-1 (exact), and for every negative whether it bears on none;
- same event, in the two flows an analyst meets: "A as a draft" (import A, then import B) and
  "A as evidence" (import A, finish and promote it, then import B), for every labelled pair
  in both orders, through the real `tracker import` in a scratch project: recall and
  precision;
- false alarms: every article imported in turn into a project holding the bundled evidence
  (--evidence, default ../main/evidence), each compared with that evidence and the drafts
  imported before it: candidates that are not a labelled pair;
- dates: what import found as each article's date, beside the labelled one (`article_date` is
  the hook: when extraction's date function lands, it is what `extract_file` fills in).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import shutil
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.domain.model import EvidenceItem, RecommendationsFile  # noqa: E402
from tracker.ingest.extract import Article, extract_file  # noqa: E402
from tracker.ingest.similar import SimilarityIndex  # noqa: E402
from tracker.ingest.suggest import NodeIndex, Subject, suggest  # noqa: E402

DEFAULT_SETS = [REPO.parent / "shared" / "dev-articles", REPO / "tests" / "ingest" / "articles"]
# The seeds' same-event pair, from the seeds' README (001 and 004 report one event).
SEED_PAIRS = [("001_a9f7e854394760fb.txt", "004_0a8ee5d5f454f577.txt")]
# Dates an analyst gives them when finishing the draft (004 has none; its event is 15 Sept).
SEED_DATES = {
    "001_a9f7e854394760fb.txt": dt.date(2025, 9, 24),
    "004_0a8ee5d5f454f577.txt": dt.date(2025, 9, 15),
}


def article_date(article: Article) -> tuple[dt.date, str] | None:
    """The article's date as import finds it: the hook for extraction's date function."""
    return (article.published, article.date_precision) if article.published else None


@dataclass
class Labelled:
    file: str
    path: Path
    article: Article
    nodes: list[str]
    published: dt.date | None
    same_as: str | None

    @property
    def negative(self) -> bool:
        return not self.nodes


def load_rcodes(path: Path) -> dict[str, str]:
    data = tomllib.loads(path.read_text("utf-8"))
    table = data.get("rcodes", data)
    return {str(k): str(v) for k, v in table.items() if isinstance(v, str)}


def load_set(folder: Path, rcodes: dict[str, str]) -> list[Labelled]:
    labels = tomllib.loads((folder / "labels.toml").read_text("utf-8"))["article"]
    out = []
    for entry in labels:
        path = folder / entry["file"]
        out.append(
            Labelled(
                file=entry["file"],
                path=path,
                article=extract_file(path),
                nodes=[rcodes[c] for c in entry["labels"] if c in rcodes],
                published=entry.get("published"),
                same_as=entry.get("same_event_as"),
            )
        )
    return out


def family(nodes, node_id: str) -> set[str]:
    """The node, its parent and its children."""
    by_id = {n.id: n for n in nodes}
    out = {node_id}
    node = by_id.get(node_id)
    if node is not None and node.parent:
        out.add(node.parent)
    out.update(n.id for n in nodes if n.parent == node_id)
    return out


def as_item(key: str, doc: Labelled) -> EvidenceItem:
    article = doc.article
    assessments = [
        {"recommendation": n, "impact": 0, "confidence": "low", "rationale": "label"}
        for n in doc.nodes
    ]
    return EvidenceItem.model_validate(
        {
            "id": key,
            "title": article.title,
            "date": doc.published or article.published or dt.date(2025, 1, 1),
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


# --- suggestions -------------------------------------------------------------------------------


def measure_suggestions(name: str, docs: list[Labelled], nodes, subject_terms, verbose: bool):
    node_index = NodeIndex.build(nodes, subject_terms=subject_terms)
    background = Subject.of(subject_terms).background()
    items = {d.file: as_item(f"a{i:03d}", d) for i, d in enumerate(docs) if not d.negative}
    texts = {items[d.file].id: d.article.text for d in docs if d.file in items}
    for mode in ("paper only", "with evidence (leave one out)"):
        exact3 = family3 = mrr = top1 = 0.0
        positives = 0
        negatives = []
        started = time.perf_counter()
        for doc in docs:
            index = None
            if mode != "paper only":
                others = [items[d.file] for d in docs if d.file != doc.file and not d.negative]
                index = SimilarityIndex.build(others, texts, background)
            got = suggest(doc.article, nodes, top=5, node_index=node_index, index=index)
            if doc.negative:
                negatives.append((doc.file, got))
                continue
            positives += 1
            ids = [s.node_id for s in got]
            exact3 += sum(1 for n in doc.nodes if n in ids[:3]) / len(doc.nodes)
            family3 += sum(1 for n in doc.nodes if family(nodes, n) & set(ids[:3])) / len(doc.nodes)
            first = next((r for r, i in enumerate(ids, 1) if i in doc.nodes), None)
            mrr += 1 / first if first else 0.0
            top1 += 1 if first == 1 else 0
            if verbose:
                print(f"    {doc.file[:44]:44} want {doc.nodes} got {ids[:3]}")
        elapsed = time.perf_counter() - started
        print(f"  {name}, suggestions, {mode} ({elapsed:.2f} s, {positives} labelled):")
        if positives:
            print(
                f"    recall@3 exact {exact3 / positives:.2f}   family recall@3 "
                f"{family3 / positives:.2f}   MRR {mrr / positives:.2f}   "
                f"top-1 {top1 / positives:.2f}"
            )
        for file, got in negatives:
            verdict = "yes" if not got else f"NO: {[s.node_id for s in got]}"
            print(f"    negative {file}: bears on none: {verdict}")


# --- same event through the real command ----------------------------------------------------


def tracker(root: Path, *argv: str) -> tuple[int, str]:
    from tracker.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*argv, "--root", str(root)])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue()


def new_project(
    base: Path, recommendations: Path, evidence: Path | None, leave_out=(), articles=()
) -> Path:
    """A project with the bundled evidence, less the items that are the measured articles
    themselves (same address, or a name in `leave_out`): importing an article that is already
    evidence is reported as such, which is not what a same-event measure asks."""
    from tracker.domain.urls import normalize_url

    urls = {normalize_url(a.url) for a in articles if a.url}
    root = Path(tempfile.mkdtemp(prefix="quality-", dir=base))
    shutil.copy2(recommendations, root / "recommendations.toml")
    if evidence is None or not evidence.is_dir():
        return root
    for path in sorted(evidence.rglob("*.toml")):
        url = tomllib.loads(path.read_text("utf-8")).get("source", {}).get("url")
        if any(s in path.name for s in leave_out) or (url and normalize_url(url) in urls):
            continue
        for part in (path, path.with_suffix(".txt")):
            if part.is_file():
                target = root / "evidence" / part.relative_to(evidence)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(part, target)
    return root


def import_draft(root: Path, doc: Labelled) -> str:
    code, out = tracker(root, "import", str(doc.path), "--format", "json")
    if code:
        raise RuntimeError(f"import {doc.file} failed")
    return json.loads(out)["draft_id"]


def promote(root: Path, draft_id: str, doc: Labelled, node: str) -> str:
    """Finish a draft as an analyst would (date, reliability, a quote, one assessment)."""
    from tracker.store import toml_write as tomlfmt

    path = root / "drafts" / f"{draft_id}.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    text = (root / "drafts" / f"{draft_id}.txt").read_text("utf-8")
    data.setdefault("date", doc.published or dt.date(2025, 1, 1))
    source = data["source"]
    source.update(reliability="B", credibility=2, quote=text.strip().split("\n")[0][:200])
    source.setdefault("publisher", "bench")
    if not source.get("publisher"):
        source["publisher"] = "bench"
    data["assessment"] = [
        {"recommendation": node, "impact": 0, "confidence": "low", "rationale": "bench"}
    ]
    path.write_text(tomlfmt.dumps(data), "utf-8")
    code, out = tracker(root, "draft", "promote", draft_id, "--format", "json")
    if code:
        raise RuntimeError(f"promote {draft_id} failed: {out}")
    return json.loads(out)["id"]  # a draft dated on the way gets the date in its id


def dry_import(root: Path, doc: Labelled) -> list[dict]:
    code, out = tracker(root, "import", str(doc.path), "--dry-run", "--format", "json")
    if code:
        raise RuntimeError(f"import {doc.file} failed")
    return json.loads(out)["same_event"]


def measure_same_event(docs: list[Labelled], pairs, args, scratch: Path, nodes) -> None:
    fallback = next(n.id for n in nodes if n.kind != "section")
    for flow in ("A as a draft", "A as evidence"):
        found = flagged = correct = 0
        misses = []
        started = time.perf_counter()
        for a, b in pairs:
            leave = ("kherson",) if a.file in dict(SEED_PAIRS) or b.file in dict(SEED_PAIRS) else ()
            root = new_project(
                scratch, args.recommendations, args.evidence, leave, [a.article, b.article]
            )
            draft_id = import_draft(root, a)
            if flow == "A as evidence":
                draft_id = promote(root, draft_id, a, a.nodes[0] if a.nodes else fallback)
            candidates = dry_import(root, b)
            hit = [
                c
                for c in candidates
                if c["id"] == draft_id and bool(c.get("draft")) == (flow == "A as a draft")
            ]
            found += bool(hit)
            flagged += len(candidates)
            correct += len(hit)
            if not hit:
                misses.append(f"{a.file} then {b.file}")
            shutil.rmtree(root, ignore_errors=True)
        elapsed = time.perf_counter() - started
        precision = correct / flagged if flagged else 1.0
        print(
            f"  same event, {flow}: recall {found}/{len(pairs)} = {found / len(pairs):.2f}   "
            f"precision {precision:.2f} ({flagged} flagged; {elapsed:.1f} s)"
        )
        for miss in misses:
            print(f"    missed: {miss}")


def measure_false_alarms(docs: list[Labelled], args, scratch: Path) -> None:
    gold = {frozenset((d.file, d.same_as)) for d in docs if d.same_as}
    root = new_project(
        scratch, args.recommendations, args.evidence, ("kherson",), [d.article for d in docs]
    )
    draft_file: dict[str, str] = {}
    alarms = []
    imports = 0
    for doc in docs:
        code, out = tracker(root, "import", str(doc.path), "--format", "json")
        if code:
            raise RuntimeError(f"import {doc.file} failed")
        result = json.loads(out)
        imports += 1
        for c in result["same_event"]:
            other = draft_file.get(c["id"], f"evidence {c['id']}")
            if frozenset((doc.file, other)) not in gold:
                alarms.append(f"{doc.file} ~ {other} ({c['similarity']}: {c['reason']})")
        draft_file[result["draft_id"]] = doc.file
    shutil.rmtree(root, ignore_errors=True)
    print(f"  false alarms: {len(alarms)} over {imports} imports (bundled evidence + drafts)")
    for alarm in alarms:
        print(f"    {alarm}")


def report_dates(docs: list[Labelled]) -> None:
    """The publication day import gives (JSON's `article.published`) against the label: exact,
    off by a few days, wrong, or missing; a month or week alone is no day (missing), and is
    counted apart with whether its span holds the labelled day."""
    exact = near = wrong = missing = spans = spans_right = 0
    for doc in docs:
        found = article_date(doc.article)
        if found is not None and found[1] != "day":
            spans += 1
            length = 31 if found[1] == "month" else 7
            if doc.published and 0 <= (doc.published - found[0]).days < length:
                spans_right += 1
            found = None
        if found is None:
            missing += 1
        elif doc.published is None:  # a date where the analyst found none
            wrong += 1
        elif found[0] == doc.published:
            exact += 1
        elif abs((found[0] - doc.published).days) <= 3:
            near += 1
        else:
            wrong += 1
    print(
        f"  dates found by import: {exact} exact, {near} off by days, {wrong} wrong, "
        f"{missing} missing ({spans} known only to a month or week, {spans_right} of them "
        "the right span)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--recommendations", type=Path, default=REPO / "recommendations.toml")
    parser.add_argument("--rcodes", type=Path, default=REPO / "bench" / "rcodes.toml")
    parser.add_argument("--evidence", type=Path, default=REPO / "evidence")
    parser.add_argument("--seeds", type=Path, default=REPO.parent / "shared" / "seeds")
    parser.add_argument("-v", "--verbose", action="store_true", help="per-article detail")
    args = parser.parse_args(argv)

    paper = RecommendationsFile.model_validate(
        tomllib.loads(args.recommendations.read_text("utf-8"))
    )
    nodes, subject_terms = paper.nodes, paper.paper.subject_terms
    rcodes = load_rcodes(args.rcodes)
    scratch = Path(tempfile.mkdtemp(prefix="tracker-quality-"))
    os.environ["TRACKER_CACHE_DIR"] = str(scratch / "cache")
    try:
        every: list[Labelled] = []
        for folder in args.articles:
            docs = load_set(folder, rcodes)
            every += docs
            print(f"{folder}: {len(docs)} articles ({sum(d.negative for d in docs)} negative)")
            measure_suggestions(folder.name, docs, nodes, subject_terms, args.verbose)
            report_dates(docs)
        by_file = {d.file: d for d in every}
        pairs = [(by_file[d.file], by_file[d.same_as]) for d in every if d.same_as in by_file]
        if args.seeds.is_dir():
            for a, b in SEED_PAIRS:
                if (args.seeds / a).is_file() and (args.seeds / b).is_file():
                    docs = [
                        Labelled(f, args.seeds / f, extract_file(args.seeds / f), [], None, None)
                        for f in (a, b)
                    ]
                    for doc in docs:
                        doc.published = SEED_DATES.get(doc.file)
                    pairs += [(docs[0], docs[1]), (docs[1], docs[0])]
        print(f"\nsame event: {len(pairs)} ordered pairs (each labelled pair both ways)")
        measure_same_event(every, pairs, args, scratch, nodes)
        measure_false_alarms(every, args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
