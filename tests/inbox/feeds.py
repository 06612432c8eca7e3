"""Feeds built from real articles (the development set and the seeds), and a local site that
serves them with validators (ETag, Last-Modified) and counts what it was asked.

Every format is written here as a publisher would write it: RSS 2.0 (escaped HTML in
<description>), RSS 1.0 (RDF), Atom (content type="html"), JSON Feed 1.1.
"""

from __future__ import annotations

import contextlib
import html
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.net.servers import http_server

# Copies of the development set and a seed article, shipped with the tests (a clean checkout
# has nothing else): first line the title, second the address, then the text.
DEV = Path(__file__).parent / "articles"
SEEDS = DEV / "seeds"


@dataclass(frozen=True)
class Real:
    """A real article: its file's stem, title, original address and text."""

    name: str
    title: str
    url: str
    text: str

    def words(self, count: int) -> str:
        return " ".join(self.text.split()[:count])

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.split("\n") if p.strip()]


def dev_articles() -> dict[str, Real]:
    """The development set by number ("005", "009", ...)."""
    out = {}
    for path in sorted(DEV.glob("*.txt")):
        lines = path.read_text("utf-8").split("\n")
        out[path.name[:3]] = Real(
            path.stem, lines[0].strip(), lines[1].strip(), "\n".join(lines[2:])
        )
    return out


def without_the_dev_articles(root: Path) -> Path:
    """The bundled project as it was before the development articles were imported: its
    evidence holds them, and these tests serve them as news."""
    import tomllib

    served = {a.url for a in dev_articles().values()}
    for path in (root / "evidence").rglob("*.toml"):
        if tomllib.loads(path.read_text("utf-8"))["source"].get("url") in served:
            path.unlink()
            path.with_suffix(".txt").unlink(missing_ok=True)
    return root


def seed_article(name: str, title: str) -> Real:
    """A seed article (they carry no title or URL line: the test names its title)."""
    text = (SEEDS / name).read_text("utf-8")
    return Real(name, title, f"https://example.org/seed/{name}", text)


@dataclass
class Item:
    """One entry as a feed would carry it."""

    title: str | None
    link: str | None
    text: str  # plain text; written as HTML paragraphs where the format carries HTML
    date: str | None = None  # as the format writes it (RFC 822 for RSS 2.0, ISO otherwise)
    guid: str | None = None


def from_real(
    article: Real,
    link: str,
    *,
    words: int | None = None,
    date: str | None = None,
    guid: str | None = None,
) -> Item:
    text = article.words(words) if words else article.text
    return Item(article.title, link, text, date, guid or article.url)


def _html_paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())


def rss20(items: list[Item], title: str = "Feed") -> str:
    out = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{html.escape(title)}</title><link>https://example.org/</link>"
    ]
    for item in items:
        out.append("<item>")
        if item.title is not None:
            out.append(f"<title>{html.escape(item.title)}</title>")
        if item.link is not None:
            out.append(f"<link>{html.escape(item.link)}</link>")
        if item.guid is not None:
            out.append(f"<guid isPermaLink='false'>{html.escape(item.guid)}</guid>")
        if item.date is not None:
            out.append(f"<pubDate>{item.date}</pubDate>")
        out.append(f"<description>{html.escape(_html_paragraphs(item.text))}</description>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "".join(out)


def rss10(items: list[Item], title: str = "Feed") -> str:
    out = [
        "<?xml version='1.0' encoding='utf-8'?>"
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        f"<channel rdf:about='https://example.org/'><title>{html.escape(title)}</title>"
        "<link>https://example.org/</link><description>d</description></channel>"
    ]
    for item in items:
        about = html.escape(item.link or item.guid or "urn:x")
        out.append(f"<item rdf:about='{about}'>")
        if item.title is not None:
            out.append(f"<title>{html.escape(item.title)}</title>")
        if item.link is not None:
            out.append(f"<link>{html.escape(item.link)}</link>")
        out.append(f"<description>{html.escape(item.text)}</description>")
        if item.date is not None:
            out.append(f"<dc:date>{item.date}</dc:date>")
        out.append("</item>")
    out.append("</rdf:RDF>")
    return "".join(out)


def atom(items: list[Item], title: str = "Feed") -> str:
    out = [
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>{html.escape(title)}</title><id>urn:feed</id><updated>2025-09-01T00:00:00Z</updated>"
    ]
    for index, item in enumerate(items):
        out.append("<entry>")
        if item.title is not None:
            out.append(f"<title type='text'>{html.escape(item.title)}</title>")
        if item.link is not None:
            out.append(f"<link rel='alternate' href='{html.escape(item.link)}'/>")
        out.append(f"<id>{html.escape(item.guid or f'urn:entry:{index}')}</id>")
        if item.date is not None:
            out.append(f"<updated>{item.date}</updated>")
        out.append(f"<content type='html'>{html.escape(_html_paragraphs(item.text))}</content>")
        out.append("</entry>")
    out.append("</feed>")
    return "".join(out)


def json_feed(items: list[Item], title: str = "Feed") -> str:
    entries = []
    for index, item in enumerate(items):
        entry: dict[str, object] = {"id": item.guid or f"j{index}", "content_text": item.text}
        if item.title is not None:
            entry["title"] = item.title
        if item.link is not None:
            entry["url"] = item.link
        if item.date is not None:
            entry["date_published"] = item.date
        entries.append(entry)
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": entries},
        ensure_ascii=False,
    )


CONTENT_TYPES = {
    "rss20": "application/rss+xml; charset=utf-8",
    "rss10": "application/rdf+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json",
}


def page(article: Real) -> str:
    """The article's page as its site would serve it."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(article.title)}</title></head><body><nav>Home | News | Sport</nav>"
        f"<article><h1>{html.escape(article.title)}</h1>{_html_paragraphs(article.text)}</article>"
        "<footer>All rights reserved</footer></body></html>"
    )


@dataclass
class Document:
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Site:
    """A local web site: documents by path, answered with their validators (a conditional
    request that matches gets 304), and a log of every request."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.base = ""
        self._lock = threading.Lock()

    def put(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        status: int = 200,
        **headers: str,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.documents[path] = Document(data, content_type, etag, last_modified, status, headers)
        return self.base + path

    def feed(self, path: str, kind: str, items: list[Item], title: str = "Feed", **kw) -> str:
        maker = {"rss20": rss20, "rss10": rss10, "atom": atom, "json": json_feed}[kind]
        return self.put(path, maker(items, title), CONTENT_TYPES[kind], **kw)

    def asked(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.requests.append((path, headers))
        doc = self.documents.get(path)
        if doc is None:
            self._send(handler, 404, b"not found", "text/plain")
            return
        fresh = (doc.etag and headers.get("if-none-match") == doc.etag) or (
            doc.last_modified and headers.get("if-modified-since") == doc.last_modified
        )
        extra = dict(doc.headers)
        if doc.etag:
            extra["ETag"] = doc.etag
        if doc.last_modified:
            extra["Last-Modified"] = doc.last_modified
        if fresh:
            self._send(handler, 304, b"", None, extra)
            return
        self._send(handler, doc.status, doc.body, doc.content_type, extra)

    @staticmethod
    def _send(
        handler,
        status: int,
        body: bytes,
        content_type: str | None,
        extra: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for key, value in (extra or {}).items():
            handler.send_header(key, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if status != 304:
            handler.wfile.write(body)


@contextlib.contextmanager
def site() -> Iterator[Site]:
    """A `Site` on 127.0.0.1 for one test."""
    served = Site()

    class Everything(dict):
        def get(self, key, default=None):
            return served.handle

    with http_server(Everything()) as base:
        served.base = base
        yield served
