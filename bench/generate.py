"""Generate a realistic tracking project of N evidence items over the real recommendations.

Ten years of dates (2023-2032; run tracker with TRACKER_TODAY=2033-01-01 on it), English and
Cyrillic text of realistic lengths, one to four assessments an item, same-event groups
(syndicated and translated reports), and archived full texts for a share of the items.

    python bench/generate.py 10000 /tmp/bench-10k
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import shutil
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.domain.model import Assessment, EvidenceItem, Source  # noqa: E402
from tracker.store.toml_write import evidence_to_toml  # noqa: E402

START = dt.date(2023, 1, 1)
END = dt.date(2032, 12, 31)
DAYS = (END - START).days

EN_WORDS = [
    "minsk",
    "foreign",
    "ministry",
    "ambassador",
    "sanctions",
    "border",
    "trade",
    "export",
    "union",
    "state",
    "russia",
    "poland",
    "lithuania",
    "ukraine",
    "china",
    "visa",
    "investment",
    "diplomats",
    "consular",
    "passport",
    "embassy",
    "talks",
    "summit",
    "release",
    "political",
    "prisoners",
    "opposition",
    "regime",
    "delegation",
    "agreement",
    "wto",
    "eastern",
    "partnership",
    "nuclear",
    "plant",
    "energy",
    "transit",
    "logistics",
    "security",
    "exercises",
    "neutrality",
    "diaspora",
    "university",
]
RU_WORDS = [
    "минск",
    "министерство",
    "посол",
    "санкции",
    "граница",
    "торговля",
    "экспорт",
    "союзное",
    "государство",
    "россия",
    "польша",
    "литва",
    "украина",
    "китай",
    "виза",
    "инвестиции",
    "дипломаты",
    "консульский",
    "паспорт",
    "посольство",
    "переговоры",
    "освобождение",
    "политзаключенные",
    "оппозиция",
    "делегация",
    "соглашение",
    "энергетика",
    "транзит",
    "безопасность",
]
PUBLISHERS = [
    ("BelTA", "C"),
    ("Reuters", "A"),
    ("Ukrinform", "C"),
    ("Zerkalo", "B"),
    ("Nasha Niva", "B"),
    ("TASS", "D"),
    ("AP", "A"),
    ("Euroradio", "B"),
    ("RFE/RL", "B"),
    ("MENAFN", "C"),
]


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    text = " ".join(rng.choice(words) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, length: int) -> str:
    words = RU_WORDS if rng.random() < 0.35 else EN_WORDS
    parts: list[str] = []
    size = 0
    while size < length:
        s = sentence(rng, words, rng.randint(8, 22))
        parts.append(s)
        size += len(s) + 1
    return " ".join(parts)


def node_ids(root: Path) -> list[str]:
    data = tomllib.loads((root / "recommendations.toml").read_text("utf-8"))
    return [n["id"] for n in data["node"] if n["kind"] != "section"]


def generate(count: int, target: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy2(REPO / "recommendations.toml", target)
    if (REPO / "tracker.toml").exists():
        shutil.copy2(REPO / "tracker.toml", target)
    ids = node_ids(REPO)
    (target / ".gitignore").write_text(".tracker-cache/\n")
    event_pool: list[tuple[str, dt.date]] = []
    for index in range(count):
        if event_pool and rng.random() < 0.25:
            event, date = rng.choice(event_pool)
            date = min(date + dt.timedelta(days=rng.randint(0, 3)), START + dt.timedelta(DAYS))
        else:
            date = START + dt.timedelta(days=rng.randint(0, DAYS))
            event = f"{date.isoformat()}-event-{index}"
            if rng.random() < 0.3:
                event_pool.append((event, date))
                if len(event_pool) > 500:
                    event_pool.pop(0)
            else:
                event = None
        precision = rng.choices(["day", "week", "month"], [0.85, 0.1, 0.05])[0]
        if precision == "month":
            date = date.replace(day=1)
        item_id = f"{date.isoformat()}-item-{index:06d}"
        publisher, reliability = rng.choice(PUBLISHERS)
        archive = paragraph(rng, rng.randint(2000, 8000)) if rng.random() < 0.3 else None
        quote = paragraph(rng, rng.randint(150, 700))
        if archive:
            archive = (
                archive[: len(archive) // 2] + " " + quote + " " + archive[len(archive) // 2 :]
            )
        recs = rng.sample(ids, k=rng.choices([1, 2, 3, 4], [0.45, 0.3, 0.15, 0.1])[0])
        assessments = [
            Assessment(
                recommendation=rec,
                impact=rng.choice([-3, -2, -2, -1, -1, 0, 1, 1, 2, 3]),
                confidence=rng.choice(["high", "moderate", "moderate", "low"]),
                rationale=paragraph(rng, rng.randint(60, 300)),
                analyst=rng.choice(["anna", "ales", "maryja", None]),
            )
            for rec in recs
        ]
        item = EvidenceItem(
            id=item_id,
            title=sentence(rng, RU_WORDS if rng.random() < 0.3 else EN_WORDS, rng.randint(6, 14)),
            date=date,
            date_precision=precision,
            event=event,
            source=Source(
                url=f"https://news.example.org/{date.year}/{index}",
                publisher=publisher,
                published=min(date + dt.timedelta(days=rng.randint(0, 2)), END)
                if precision == "day"
                else None,
                reliability=reliability,
                credibility=rng.randint(1, 4),
                quote=quote,
                archive_sha256=hashlib.sha256(archive.encode()).hexdigest() if archive else None,
            ),
            assessments=assessments,
        )
        folder = target / "evidence" / f"{date.year:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{item_id}.toml").write_text(evidence_to_toml(item), "utf-8")
        if archive:
            (folder / f"{item_id}.txt").write_text(archive, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("count", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.count, args.target, args.seed)
    print(f"wrote {args.count} evidence items to {args.target}")


if __name__ == "__main__":
    main()
