"""Measured trust in import's metadata: the publication date and the publisher found, per
article, against an analyst's labels.

    python bench/dates.py [ARTICLES_DIR] [--seeds DIR] [--fixtures DIR]

ARTICLES_DIR holds NNN-slug.txt files (first line the title, second the URL, then the text) and
labels.toml with `published` and `publisher` per file (default: ../shared/dev-articles from the
repository root). --seeds adds the seed articles, whose dates the seeds' README gives.
--fixtures adds a folder of crafted articles with an expected.toml (tests/ingest/fixtures/dates).

Each article is imported as on the day three days after its labelled date (an article is
imported a few days after it appeared). A date is exact, off by a few days (at most 7), wrong
(further off, or a month or week that does not hold the labelled day) or missing; a missing
date is better than a wrong one, so the line to watch is `wrong`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.ingest import IngestError, extract_file  # noqa: E402

IMPORT_DELAY = dt.timedelta(days=3)
OFF_BY_DAYS = 7

# The seeds' README: 000 and 001 give a day, 003 a week, 004 only "September 2025".
SEED_LABELS = {
    "000_73f9435f0854d3a1.txt": (dt.date(2025, 8, 3), "day", "UNN"),
    "001_a9f7e854394760fb.txt": (dt.date(2025, 9, 24), "day", "MENAFN (Ukrinform)"),
    "003_69db71134cb9a030.txt": (dt.date(2025, 1, 20), "week", ""),
    "004_0a8ee5d5f454f577.txt": (dt.date(2025, 9, 1), "month", "Euromaidan Press"),
}


@dataclass(frozen=True)
class Case:
    """One labelled article: its file, the labelled date and its precision, the publisher."""

    path: Path
    published: dt.date | None
    precision: str
    publisher: str
    today: dt.date | None = None  # the import day; else three days after the labelled date


@dataclass(frozen=True)
class Row:
    name: str
    verdict: str  # exact, off by N days, month, wrong, missing, expected none, error
    found: dt.date | None
    precision: str
    source: str | None
    labelled: dt.date | None
    publisher_found: str | None
    publisher_labelled: str
    publisher_ok: bool
    milliseconds: float


def judge(found: dt.date | None, precision: str, case: Case) -> str:
    if case.published is None:
        return "expected none" if found is None else "wrong"
    if found is None:
        return "missing"
    label = case.published
    if case.precision == "month":
        if found.year == label.year and found.month == label.month:
            return "exact" if precision == "month" else "within the month"
        return "wrong"
    if precision == "month":
        same = (found.year, found.month) == (label.year, label.month)
        return "month only" if same else "wrong"
    if precision == "week" or case.precision == "week":
        monday = label - dt.timedelta(days=label.weekday())
        if found - dt.timedelta(days=found.weekday()) == monday:
            return "exact" if precision == case.precision else "within the week"
    days = abs((found - label).days)
    if days == 0:
        return "exact"
    if days <= OFF_BY_DAYS:
        return f"off by {days} day{'s' * (days != 1)}"
    return "wrong"


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def publisher_matches(found: str | None, labelled: str) -> bool:
    """Loose: the labelled outlet's name (before any bracket) and the found one share a name,
    "kyivindependent.com" for "The Kyiv Independent"."""
    if not labelled:
        return True
    if not found:
        return False
    found_squashed = _squash(found.split(".")[0] if "(" not in found else found)
    names = [labelled.split("(")[0], *re.findall(r"\(([^)]*)\)", labelled)]
    for name in names:
        squashed = _squash(name.split(",")[0]).removeprefix("the")
        if squashed and (squashed in _squash(found) or found_squashed in squashed):
            return True
    return False


def run_case(case: Case) -> Row:
    today = case.today or (case.published or dt.date(2025, 9, 30)) + IMPORT_DELAY
    started = time.perf_counter()
    try:
        article = extract_file(case.path, today=today)
    except IngestError as err:
        return Row(case.path.name, f"error: {err}", None, "", None, case.published, None,
                   case.publisher, False, 0.0)  # fmt: skip
    elapsed = (time.perf_counter() - started) * 1000
    return Row(
        name=case.path.name,
        verdict=judge(article.published, article.date_precision, case),
        found=article.published,
        precision=article.date_precision,
        source=article.date_source,
        labelled=case.published,
        publisher_found=article.publisher,
        publisher_labelled=case.publisher,
        publisher_ok=publisher_matches(article.publisher, case.publisher),
        milliseconds=elapsed,
    )


def dev_cases(folder: Path) -> list[Case]:
    labels = tomllib.loads((folder / "labels.toml").read_text("utf-8"))
    return [
        Case(folder / entry["file"], entry.get("published"), "day", entry.get("publisher", ""))
        for entry in labels["article"]
    ]


def seed_cases(folder: Path) -> list[Case]:
    return [
        Case(folder / name, date, precision, publisher)
        for name, (date, precision, publisher) in SEED_LABELS.items()
        if (folder / name).exists()
    ]


def fixture_cases(folder: Path) -> list[Case]:
    expected = tomllib.loads((folder / "expected.toml").read_text("utf-8"))
    return [
        Case(
            folder / entry["file"],
            entry.get("published"),
            entry.get("precision", "day"),
            entry.get("publisher", ""),
            entry["today"],
        )
        for entry in expected["article"]
    ]


def report(rows: list[Row]) -> str:
    lines = [
        f"{'article':52} {'verdict':16} {'found':10} {'prec':5} {'from':8} {'labelled':10}  "
        "publisher found (labelled)"
    ]
    for row in rows:
        mark = "" if row.publisher_ok else "  <- publisher differs"
        lines.append(
            f"{row.name[:52]:52} {row.verdict[:16]:16} {_iso(row.found):10} {row.precision:5} "
            f"{row.source or '-':8} {_iso(row.labelled):10}  "
            f"{row.publisher_found or '-'} ({row.publisher_labelled or '-'}){mark}"
        )
    counts: dict[str, int] = {}
    for row in rows:
        key = "off by days" if row.verdict.startswith("off by") else row.verdict
        counts[key] = counts.get(key, 0) + 1
    lines.append("")
    lines.append(
        f"{len(rows)} articles: "
        + ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items()))
    )
    lines.append(f"publisher: {sum(r.publisher_ok for r in rows)}/{len(rows)} match the label")
    slowest = max(rows, key=lambda r: r.milliseconds)
    lines.append(f"slowest extraction: {slowest.milliseconds:.1f} ms ({slowest.name})")
    return "\n".join(lines)


def _iso(date: dt.date | None) -> str:
    return date.isoformat() if date else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "articles", nargs="?", type=Path, default=REPO.parent / "shared" / "dev-articles"
    )
    parser.add_argument("--seeds", type=Path, default=None)
    parser.add_argument("--fixtures", type=Path, default=None)
    args = parser.parse_args(argv)
    cases = dev_cases(args.articles) if (args.articles / "labels.toml").exists() else []
    if args.seeds:
        cases += seed_cases(args.seeds)
    if args.fixtures:
        cases += fixture_cases(args.fixtures)
    if not cases:
        print("no labelled articles found", file=sys.stderr)
        return 2
    import htmldate  # noqa: F401  the libraries' import time is start-up, not extraction
    import trafilatura  # noqa: F401

    extract_file(cases[0].path, today=dt.date(2030, 1, 1))
    print(report([run_case(case) for case in cases]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
