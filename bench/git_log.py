"""Time `tracker log ID`, `tracker log` and `tracker blame ID` on a repository of N commits.

The repository is built with `git fast-import` over the real recommendations: each commit adds
an evidence item (one to three assessments) or edits one (an impact changed, a second analyst's
reading added), by one of three analysts, half a day apart from 2023 on. The commands run as
whole processes with the load cache warm (a first run fills it), best and median of N runs.

    python bench/git_log.py                       # 2,000 commits in a temporary folder
    python bench/git_log.py --commits 500 --repeat 5
    python bench/git_log.py --tracker /tmp/older-checkout    # the same on another checkout
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.domain.model import Assessment, EvidenceItem, Source  # noqa: E402
from tracker.store.toml_write import evidence_to_toml  # noqa: E402

ANALYSTS = [
    ("Anna Analyst", "anna@example.org"),
    ("Ales", "ales@example.org"),
    ("Maryja", "m@e.org"),
]
START = dt.datetime(2023, 1, 1, 9, 0, tzinfo=dt.UTC)
TODAY = "2026-06-30"


def node_ids(root: Path) -> tuple[list[str], dict[str, str | None]]:
    """The nodes evidence may assess (not sections), and each node's parent."""
    data = tomllib.loads((root / "recommendations.toml").read_text("utf-8"))
    assessable = [n["id"] for n in data["node"] if n["kind"] != "section"]
    parents = {n["id"]: n.get("parent") for n in data["node"]}
    return assessable, parents


def make_item(rng: random.Random, index: int, when: dt.date, recs: list[str]) -> EvidenceItem:
    return EvidenceItem(
        id=f"{when.isoformat()}-item-{index:05d}",
        title=f"Event number {index}",
        date=when,
        date_precision="day",
        source=Source(
            url=f"https://news.example.org/{when.year}/{index}",
            publisher="Outlet",
            reliability=rng.choice("ABC"),
            credibility=rng.randint(1, 4),
            quote=f"Something happened ({index}), said an official in Minsk.",
        ),
        assessments=[
            Assessment(
                recommendation=rec,
                impact=rng.choice([-3, -2, -1, 0, 1, 2, 3]),
                confidence=rng.choice(["high", "moderate", "low"]),
                rationale="Why this moves the recommendation.",
            )
            for rec in recs
        ],
    )


def build(target: Path, commits: int, seed: int = 7, focus: float = 0.0) -> tuple[Counter, Counter]:
    """The repository; how many commits touched each recommendation and each item.

    `focus`: the share of new items that assess one recommendation (the first leaf), so its
    history is long: 1.0 makes every commit part of it."""
    rng = random.Random(seed)
    leaves, _ = node_ids(REPO)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    items: dict[str, EvidenceItem] = {}
    paths: dict[str, str] = {}
    by_rec: Counter = Counter()
    by_item: Counter = Counter()
    stream = bytearray()

    def data(raw: bytes) -> None:
        stream.extend(b"data %d\n" % len(raw) + raw + b"\n")

    for n in range(commits):
        name, email = ANALYSTS[n % len(ANALYSTS)]
        when = START + dt.timedelta(hours=12 * n)
        stamp = f"{name} <{email}> {int(when.timestamp())} +0000"
        files: list[tuple[str, bytes]] = []
        if n == 0:
            files.append(("recommendations.toml", (REPO / "recommendations.toml").read_bytes()))
            if (REPO / "tracker.toml").exists():
                files.append(("tracker.toml", (REPO / "tracker.toml").read_bytes()))
        if not items or rng.random() < 0.6:
            recs = rng.sample(leaves, k=rng.choice([1, 1, 2, 3]))
            if focus and rng.random() < focus and leaves[0] not in recs:
                recs[0] = leaves[0]
            item = make_item(rng, n, when.date() - dt.timedelta(days=rng.randint(0, 20)), recs)
            verb = "add"
        else:
            old = items[rng.choice(list(items))]
            assessments = list(old.assessments)
            if rng.random() < 0.7:
                first = assessments[0]
                assessments[0] = first.model_copy(update={"impact": -first.impact or 1})
            else:
                assessments.append(
                    assessments[0].model_copy(update={"analyst": name.split()[0].lower()})
                )
            item = old.model_copy(update={"assessments": assessments})
            verb = "update"
        items[item.id] = item
        path = f"evidence/{item.date.year}/{item.id}.toml"
        paths[item.id] = path
        files.append((path, evidence_to_toml(item).encode("utf-8")))
        by_item[item.id] += 1
        for rec in {a.recommendation for a in item.assessments}:
            by_rec[rec] += 1
        stream.extend(b"commit refs/heads/main\n")
        stream.extend(f"author {stamp}\ncommitter {stamp}\n".encode())
        data(f"evidence: {verb} {item.id}".encode())
        for rel, raw in files:
            stream.extend(f"M 100644 inline {rel}\n".encode())
            data(raw)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=target, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=target, check=True)
    return by_rec, by_item


def timed(code: Path, args: list[str], env: dict[str, str], repeat: int) -> tuple[list[float], int]:
    """Seconds of each run after the first, and how many commits the output lists."""
    runs = []
    for _ in range(repeat + 1):  # the first fills the load cache
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "tracker", *args],
            cwd=code,
            env=env,
            capture_output=True,
            check=False,
        )
        runs.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"tracker {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    shown = sum(1 for line in lines if len(line) > 12 and line[10:12] == "  ")
    return runs[1:], shown


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=Path, help="where to build (default: a temp folder)")
    parser.add_argument(
        "--focus",
        type=float,
        default=0.0,
        help="share of new items assessing one recommendation (1.0: every commit touches it)",
    )
    parser.add_argument(
        "--tracker", type=Path, default=REPO, help="the checkout of tracker to time (default: this)"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="tracker-git-bench-"))
    target = args.target or scratch / "repo"
    try:
        by_rec, by_item = build(target, args.commits, focus=args.focus)
        _, parents = node_ids(REPO)
        has_children = {p for p in parents.values() if p}
        rec = next(r for r, _ in by_rec.most_common() if r not in has_children)
        top = rec
        while parents.get(top):
            top = parents[top]
        item, item_commits = by_item.most_common(1)[0]
        env = {
            **os.environ,
            "PYTHONPATH": str(args.tracker),
            "TRACKER_TODAY": TODAY,
            "TRACKER_CACHE_DIR": str(scratch / "cache"),
            "TRACKER_STATE_DIR": str(scratch / "state"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        cases = [
            (f"log {rec}", ["log", rec]),
            (f"log {rec} -n 20", ["log", rec, "-n", "20"]),
            (f"log {top} (its section)", ["log", top]),
            (f"log {top} -n 20", ["log", top, "-n", "20"]),
            (f"log {item} (an item, {item_commits} commits)", ["log", item]),
            ("log (every commit)", ["log"]),
            (f"blame {item}", ["blame", item]),
        ]
        print(f"{args.commits} commits (focus {args.focus}), tracker from {args.tracker}")
        print(f"{'command':<58} {'entries':>7} {'best s':>7} {'median s':>9}")
        for label, command in cases:
            runs, shown = timed(args.tracker, [*command, "-C", str(target)], env, args.repeat)
            listed = str(shown) if command[0] == "log" else "-"
            print(f"{label:<58} {listed:>7} {min(runs):>7.2f} {statistics.median(runs):>9.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
