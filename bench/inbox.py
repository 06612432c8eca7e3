"""Time the inbox as analysts meet it: many feeds, then the same feeds again with nothing new.

Builds `--feeds` feeds of `--entries` entries each (RSS 2.0, Atom and JSON Feed in turn) from
the sentences of the real articles (the development set and the seeds), serves them on
127.0.0.1 with ETags, and runs `tracker inbox fetch URL… --format json` as a whole process
against a project (a generated one: TRACKER_TODAY=2033-01-01 is set for it):

1. first fetch: every entry is new and triaged (date, suggestions, same event among the
   evidence, stories across feeds); `--short` of the entries carry a summary too short to
   judge, and those that bear on nothing by it are judged again on their page;
2. again: nothing new, so one conditional request per feed and no load of the evidence;
3. some new: a tenth of the feeds each carry ten new entries.

The figures are wall-clock times of the whole command, its own breakdown (fetch, open the
project, build the same-event index, triage, pages, store) and the requests the server saw.
The inbox starts empty in a state folder of the bench's own.

    python bench/generate.py 100000 /tmp/b-100k
    python bench/inbox.py /tmp/b-100k
"""

from __future__ import annotations

import argparse
import glob
import html
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TODAY = "2033-01-01"
SOURCES = [
    str(REPO / "tests" / "inbox" / "articles" / "*.txt"),
    str(REPO / "tests" / "inbox" / "articles" / "seeds" / "*.txt"),
]
# Sentences that bear on nothing in the paper (sport, weather, culture), from templates, so
# that no two off-topic events read alike.
OFF_TOPIC = [
    "{who} won the {sport} final in {place} after {n} minutes of a long struggle.",
    "Heavy {weather} is expected in {place} on {day}, with {n} millimetres in places.",
    "The {place} theatre opens its season with a premiere by {who}.",
    "Farmers near {place} began harvesting {crop} {n} days earlier than usual.",
    "{who} defended the {sport} title in front of {n} spectators in {place}.",
    "A {crop} festival in {place} drew {n} visitors on {day}.",
    "The {sport} marathon in {place} attracted {n} runners, {who} among them.",
    "Ticket sales for the {place} {sport} cup reached {n} on {day}.",
    "The {place} museum showed {n} paintings by {who}.",
    "{weather} closed the roads around {place} and delayed {n} trains.",
]
SPORTS = ["tennis", "hockey", "football", "biathlon", "rowing", "chess", "handball", "judo"]
WEATHER = ["rain", "snow", "fog", "frost", "wind", "hail"]
CROPS = ["potato", "flax", "apple", "rye", "cabbage", "honey"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WORDS = (150, 260)  # of a summary that is not short (--words changes it)
SYLLABLES = [
    "var",
    "kol",
    "min",
    "dze",
    "ros",
    "tal",
    "bek",
    "sha",
    "nov",
    "lin",
    "gor",
    "pet",
    "zan",
    "hur",
    "ste",
    "vil",
    "brak",
    "mor",
    "tsen",
    "yag",
    "fal",
    "druz",
    "kep",
    "ol",
    "ash",
    "ren",
    "sto",
    "pla",
    "vek",
    "ush",
]  # 27,000 names of three syllables: two events rarely share one


def sentences() -> list[str]:
    found: list[str] = []
    for pattern in SOURCES:
        for path in sorted(glob.glob(pattern)):
            text = Path(path).read_text("utf-8")
            for line in text.split("\n")[2:]:
                for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
                    if 8 <= len(sentence.split()) <= 60:
                        found.append(sentence)
    return found


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()


def off_topic(rng: random.Random) -> str:
    return rng.choice(OFF_TOPIC).format(
        who=f"{name(rng)} {name(rng)}",
        place=name(rng),
        sport=rng.choice(SPORTS),
        weather=rng.choice(WEATHER),
        crop=rng.choice(CROPS),
        day=rng.choice(DAYS),
        n=rng.randint(2, 90_000),
    )


def mixed(pool: list[str], rng: random.Random) -> str:
    """A sentence of the field's vocabulary that no other event shares: three short runs of
    words from three real sentences."""
    runs = []
    for sentence in rng.sample(pool, 3):
        words = sentence.split()
        start = rng.randint(0, max(0, len(words) - 6))
        runs.append(" ".join(words[start : start + 6]))
    return " ".join(runs) + "."


def retold(sentence: str, names: list[str], rng: random.Random) -> str:
    """A real sentence as another event would have it: its own names and figures, a fifth of
    its words left out (two events never share whole sentences)."""
    out = []
    for index, word in enumerate(sentence.split()):
        if index and word[:1].isupper():
            out.append(rng.choice(names))
        elif any(ch.isdigit() for ch in word):
            out.append(str(rng.randint(2, 99_999)))
        elif rng.random() < 0.8:
            out.append(word)
    return " ".join(out)


def headline(sentences: list[str], rng: random.Random) -> str:
    """Seven words from somewhere in the story: two stories rarely share a headline."""
    words = rng.choice(sentences).split()
    start = rng.randint(0, max(0, len(words) - 7))
    return " ".join(words[start : start + 7]).strip(',.;:“”"')


def stories(count: int, rng: random.Random, pool: list[str], short: float) -> list[dict]:
    """Events: each with its own names and figures, its sentences, on topic or not."""
    out = []
    for number in range(count):
        on_topic = rng.random() < 0.7
        if on_topic:
            names = [name(rng) for _ in range(4)]
            base = [retold(mixed(pool, rng), names, rng) for _ in range(14)]
        else:
            base = [off_topic(rng) for _ in range(14)]
        who, where, figure = name(rng), name(rng), rng.randint(100, 99_999)
        lead = f"{who} met officials in {where} on Monday and spoke of {figure} million."
        words = 40 if rng.random() < short else rng.randint(*WORDS)
        out.append(
            {
                "title": f"{who} in {where}: {headline(base, rng)}",
                "lead": lead,
                "sentences": base,
                "words": words,
                "day": 31 - rng.randint(0, 20),  # December 2032
                "id": number,
            }
        )
    return out


def telling(story: dict, rng: random.Random) -> tuple[str, str]:
    """One outlet's report of a story: its title and text (sentences reordered, some left out)."""
    kept = story["sentences"][:]
    rng.shuffle(kept)
    text = " ".join([story["lead"], *kept])
    words = text.split()[: story["words"]]
    return story["title"], " ".join(words)


def build(feeds: int, entries: int, short: float, seed: int = 7) -> dict[str, list[dict]]:
    """`feeds` feeds of exactly `entries` entries: a tenth of the stories retold by two to five
    outlets, the rest told once."""
    rng = random.Random(seed)
    pool = sentences()
    names = [f"/feed/{k}" for k in range(feeds)]
    chosen: dict[str, list[dict]] = {feed: [] for feed in names}
    retold = stories(max(1, feeds * entries // 25), rng, pool, short)
    for event in retold:
        for feed in rng.sample(names, min(feeds, rng.randint(2, 5))):
            if len(chosen[feed]) < entries // 2:
                chosen[feed].append(event)
    for feed in names:
        chosen[feed] += stories(entries - len(chosen[feed]), rng, pool, short)
        rng.shuffle(chosen[feed])
    items: dict[str, list[dict]] = {}
    for feed, events in chosen.items():
        items[feed] = []
        for index, event in enumerate(events):
            title, text = telling(event, rng)
            items[feed].append(
                {
                    "title": title,
                    "text": text,
                    "link": f"{feed}/e/{id(event)}-{index}",
                    "guid": f"{feed}-{id(event)}-{index}",
                    "day": event["day"],
                    "more": event["sentences"][-6:],  # the page says more than the summary
                }
            )
    return items


def document(path: str, items: list[dict], base: str, kind: int) -> tuple[str, str]:
    if kind == 0:
        body = "".join(
            f"<item><title>{html.escape(i['title'])}</title><link>{base}{i['link']}</link>"
            f"<guid>{i['guid']}</guid><pubDate>{i['day']:02d} Dec 2032 10:00:00 +0000</pubDate>"
            f"<description>{html.escape('<p>' + html.escape(i['text']) + '</p>')}</description>"
            "</item>"
            for i in items
        )
        rss = f"<?xml version='1.0'?><rss version='2.0'><channel><title>{path}</title>"
        return rss + body + "</channel></rss>", "application/rss+xml"
    if kind == 1:
        body = "".join(
            f"<entry><title>{html.escape(i['title'])}</title>"
            f"<link href='{base}{i['link']}'/><id>{i['guid']}</id>"
            f"<updated>2032-12-{i['day']:02d}T10:00:00Z</updated>"
            f"<summary>{html.escape(i['text'])}</summary></entry>"
            for i in items
        )
        atom = (
            f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>{path}</title>"
        )
        return atom + body + "</feed>", "application/atom+xml"
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": path,
        "items": [
            {
                "id": i["guid"],
                "url": base + i["link"],
                "title": i["title"],
                "content_text": i["text"],
                "date_published": f"2032-12-{i['day']:02d}T10:00:00+00:00",
            }
            for i in items
        ],
    }
    return json.dumps(feed), "application/feed+json"


class Site:
    def __init__(self, feeds: dict[str, list[dict]]) -> None:
        self.feeds = feeds
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.cache: dict[str, tuple[bytes, str, str]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with site.lock:
                    site.requests.append(self.path)
                site.answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def set(self, feeds: dict[str, list[dict]]) -> None:
        self.feeds = feeds
        self.cache = {}

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        if path in self.feeds:
            if path not in self.cache:
                kind = int(path.rsplit("/", 1)[1]) % 3
                text, ctype = document(path, self.feeds[path], self.base, kind)
                body = text.encode("utf-8")
                self.cache[path] = (body, ctype, f'"{hash(body) & 0xFFFFFFFF:x}"')
            body, ctype, etag = self.cache[path]
            if handler.headers.get("If-None-Match") == etag:
                handler.send_response(304)
                handler.send_header("ETag", etag)
                handler.end_headers()
                return
            self._send(handler, 200, body, ctype, etag)
            return
        match = re.match(r"^(/feed/\d+)/e/", path)
        if match:
            item = next((i for i in self.feeds.get(match.group(1), []) if i["link"] == path), None)
            if item is not None:
                page = (
                    f"<html><head><title>{html.escape(item['title'])}</title></head><body>"
                    f"<article><h1>{html.escape(item['title'])}</h1>"
                    f"<p>{html.escape(item['text'])}</p>"
                    + "".join(f"<p>{html.escape(t)}</p>" for t in item["more"])
                    + "</article></body></html>"
                )
                self._send(handler, 200, page.encode("utf-8"), "text/html; charset=utf-8", None)
                return
        self._send(handler, 404, b"not found", "text/plain", None)

    @staticmethod
    def _send(handler, status, body, ctype, etag) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        if etag:
            handler.send_header("ETag", etag)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def run_fetch(root: Path, urls: list[str], env: dict[str, str]) -> tuple[float, dict, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "inbox",
            "fetch",
            *urls,
            "--format",
            "json",
            "-C",
            str(root),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=1800,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"tracker inbox fetch failed ({done.returncode}):\n{done.stderr}")
    return elapsed, json.loads(done.stdout), done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the project to triage against")
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--short", type=float, default=0.1, help="share of short summaries")
    parser.add_argument("--tracker", type=Path, default=REPO, help="the checkout to time")
    parser.add_argument(
        "--words", default="150-260", help="length of the other summaries, MIN-MAX words"
    )
    args = parser.parse_args()
    global WORDS
    low, _, high = args.words.partition("-")
    WORDS = (int(low), int(high or low))

    feeds = build(args.feeds, args.entries, args.short)
    site = Site(feeds)
    urls = [site.base + path for path in feeds]
    state = tempfile.mkdtemp(prefix="inbox-bench-state-")
    env = {
        **os.environ,
        "PYTHONPATH": str(args.tracker),
        "TRACKER_TODAY": TODAY,
        "TRACKER_STATE_DIR": state,
    }
    subprocess.run(
        [sys.executable, "-m", "tracker", "check", "-q", "-C", str(args.root)],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=1800,
    )
    total = sum(len(v) for v in feeds.values())
    print(
        f"{args.feeds} feeds, {total} entries ({args.short:.0%} of 40 words, the rest of "
        f"{args.words} words), against {args.root}"
    )
    rows = []

    def scenario(label: str) -> None:
        before = len(site.requests)
        elapsed, report, err = run_fetch(args.root, urls, env)
        asked = site.requests[before:]
        feeds_asked = sum(1 for p in asked if p.count("/") == 2)
        pages_asked = len(asked) - feeds_asked
        statuses: dict[str, int] = {}
        for feed in report["feeds"]:
            statuses[feed["status"]] = statuses.get(feed["status"], 0) + 1
        rows.append((label, elapsed, report, feeds_asked, pages_asked, statuses))
        for line in err.strip().splitlines()[:5]:
            print("   ", line)

    scenario("first fetch")
    scenario("again, nothing new")
    rng = random.Random(11)
    changed = dict(feeds)
    for path in rng.sample(list(feeds), max(1, args.feeds // 10)):
        fresh = build(1, 10, args.short, seed=rng.randint(0, 10**6))["/feed/0"]
        for item in fresh:
            item["link"] = item["link"].replace("/feed/0", path) + "-new"
            item["guid"] += f"-{path}-new"
        changed[path] = fresh + feeds[path][: args.entries - len(fresh)]
    site.set(changed)
    scenario("a tenth of the feeds: 10 new each")

    print()
    print(
        f"{'scenario':<36} {'wall s':>7} {'new':>5} {'stories':>7} {'joined':>6} "
        f"{'requests':>8} {'pages':>5}  breakdown (s)"
    )
    for label, elapsed, report, feeds_asked, pages_asked, statuses in rows:
        breakdown = ", ".join(f"{k} {v:.2f}" for k, v in report["seconds"].items())
        print(
            f"{label:<36} {elapsed:7.2f} {report['new_entries']:5d} {report['new_stories']:7d} "
            f"{report['joined']:6d} {feeds_asked:8d} {pages_asked:5d}  {breakdown}"
        )
        print(
            f"{'':<36} feeds: {statuses}; bear on none: {report['bears_on_none']}; "
            f"pages {report['pages']}"
        )


if __name__ == "__main__":
    main()
