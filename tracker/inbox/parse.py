"""A feed's bytes to its entries: RSS 0.9x, 1.0 and 2.0 and Atom through feedparser, JSON Feed
through the standard library's json (feedparser's released versions do not read it).

Whatever a server sends, the result is a `ParsedFeed` or one `FeedError` line: a web page where
a feed was expected (naming the feed the page advertises, if any), malformed XML that yields no
entry, binary data, JSON that is no JSON Feed. XML that is malformed but still yields entries
is read leniently, with a note. feedparser is given the bytes as a stream, never a string: a
string would be taken for a URL to fetch or a file to open.

Entry text is data: HTML summaries become plain text (scripts and styles dropped with their
content), a plain-text title keeps its `<b>` or `[bold]` as the literal characters they are,
and control characters and terminal escapes are removed (`tracker.textclean`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from tracker.errors import TrackerError
from tracker.textclean import clean_line, clean_text, looks_binary

MAX_ENTRIES = 1000  # of one feed: a real feed carries tens, an archive feed a few hundred
MAX_TITLE = 500
MAX_TEXT = 200_000  # of one entry's text (content:encoded can hold a whole article)
_JSON_FEED = "https://jsonfeed.org/version/"
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_FEED_START = re.compile(rb"^\s*(?:<\?xml\b|<rss\b|<feed\b|<rdf:RDF\b)", re.I)
_ALTERNATE = re.compile(
    r"<link\b[^>]*\btype\s*=\s*[\"']?application/(?:rss|atom|feed)\+(?:xml|json)[^>]*>", re.I
)
_HREF = re.compile(r"\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.I)


class FeedError(TrackerError):
    """What was fetched is not a feed tracker can read; the message says what it is."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry as the feed gives it, cleaned: never trusted, never interpreted."""

    guid: str | None  # the feed's own id for the entry (may change between fetches)
    url: str | None  # the article's absolute http(s) address
    title: str  # one line; "" when the feed gives none and the text gives no sentence
    text: str  # the summary or content, as plain text
    date_raw: str | None = None  # the entry's date as the feed wrote it
    date: dt.date | None = None  # the same, as feedparser read it (UTC)
    author: str | None = None
    language: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's entries in the feed's order, with what the analyst should know about it."""

    format: str  # "rss20", "rss10", "rss091u", "atom10", "json11", ...
    title: str | None
    language: str | None
    entries: list[FeedEntry]
    notes: list[str] = field(default_factory=list)


def parse_feed(
    data: bytes, *, url: str, content_type: str = "", charset: str | None = None
) -> ParsedFeed:
    """Read a feed fetched from `url` (its final address, for relative links)."""
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise FeedError("the server sent an empty answer, not a feed")
    if body[:1] in (b"{", b"[") or content_type in ("application/feed+json", "application/json"):
        return parse_json_feed(body, url=url)
    if _HTML_START.match(body[:2048]) or (
        content_type in ("text/html", "application/xhtml+xml")
        and not _FEED_START.match(body[:2048])  # a feed served as text/html is still a feed
    ):
        raise FeedError(_html_message(body, url))
    if looks_binary(body) and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedError("the answer is binary data (an image, an archive?), not a feed")
    return _parse_xml(data, url=url, content_type=content_type, charset=charset)


def _html_message(body: bytes, url: str) -> str:
    text = body[:200_000].decode("utf-8", errors="replace")
    for tag in _ALTERNATE.findall(text):
        href = _HREF.search(tag)
        if href:
            found = next(g for g in href.groups() if g is not None)
            target = urljoin(url, clean_line(found)[:MAX_TITLE])
            if urlsplit(target).scheme in ("http", "https"):
                return (
                    f"this is a web page (HTML), not a feed; the page names its feed: {target} "
                    "(list that address instead)"
                )
    return "this is a web page (HTML), not a feed: give the address of its RSS, Atom or JSON feed"


# --- XML: RSS and Atom --------------------------------------------------------------------------


def _parse_xml(data: bytes, *, url: str, content_type: str, charset: str | None) -> ParsedFeed:
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type + (f"; charset={charset}" if charset else "")
    try:
        parsed = feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            sanitize_html=False,  # the text is made plain below; nothing is ever rendered
            resolve_relative_uris=False,
        )
    except Exception as err:  # the library failing on hostile input: still one line
        raise FeedError(f"cannot read this feed ({type(err).__name__})") from None
    notes: list[str] = []
    raw_entries = list(parsed.get("entries") or [])
    version = parsed.get("version") or ""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not raw_entries:
        if problem is not None and not _benign(problem):
            raise FeedError(f"not a feed: the XML is malformed ({_problem_text(problem)})")
        if not version:
            raise FeedError("not a feed: neither RSS, Atom nor JSON Feed")
    if problem is not None and not _benign(problem):
        notes.append(
            f"the feed is not well-formed XML ({_problem_text(problem)}); "
            "its entries were read leniently"
        )
    feed = parsed.get("feed") or {}
    entries = _cap(raw_entries, notes)
    out = [_xml_entry(entry, url) for entry in entries]
    result = _finish(version or "xml", feed.get("title"), feed.get("language"), out, notes)
    if not result.entries and problem is not None and not _benign(problem):
        raise FeedError(f"not a feed: the XML is malformed ({_problem_text(problem)})")
    return result


def _benign(problem: object) -> bool:
    """feedparser's complaints that do not mean a damaged feed (a charset it overrode)."""
    return type(problem).__name__ in ("CharacterEncodingOverride", "NonXMLContentType")


def _problem_text(problem: object) -> str:
    text = clean_line(str(problem))[:160] or type(problem).__name__
    line = getattr(problem, "getLineNumber", None)
    if callable(line):
        try:
            return f"line {line()}: {text}"
        except Exception:  # the locator is gone: the message alone
            return text
    return text


def _xml_entry(entry, base: str) -> FeedEntry:
    title_detail = entry.get("title_detail") or {}
    title = _as_text(entry.get("title") or "", title_detail.get("type", "text/plain"), line=True)
    texts = []
    for content in entry.get("content") or []:
        texts.append(_as_text(content.get("value") or "", content.get("type", "text/html")))
    summary_detail = entry.get("summary_detail") or {}
    texts.append(_as_text(entry.get("summary") or "", summary_detail.get("type", "text/html")))
    text = max(texts, key=len) if texts else ""
    date_raw, date = None, None
    for key in ("published", "updated", "created"):
        if entry.get(key):
            date_raw = clean_line(str(entry.get(key)))[:100] or None
            parsed = entry.get(f"{key}_parsed")
            if parsed is not None:
                try:
                    date = dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
                except (ValueError, AttributeError, TypeError):
                    date = None
            break
    language = (entry.get("title_detail") or {}).get("language") or None
    return FeedEntry(
        guid=_short(entry.get("id")),
        url=_link(entry.get("link"), base),
        title=title,
        text=text,
        date_raw=date_raw,
        date=date,
        author=_short(entry.get("author")),
        language=_language(language),
    )


def _as_text(value: str, kind: str, *, line: bool = False) -> str:
    """A feed's text field as plain text: HTML made text, plain text kept literally."""
    if not isinstance(value, str):
        return ""
    value = value[: MAX_TEXT * 2]
    if "html" in (kind or "").lower() and ("<" in value or "&" in value):
        value = html_text(value)
    cleaned = clean_line(value) if line else clean_text(value)
    return cleaned[: MAX_TITLE if line else MAX_TEXT]


_DROPPED = (
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "template",
    "svg",
    "math",
    "head",
    "title",
    "form",
    "button",
    "select",
    "textarea",
)
_BLOCKS = frozenset(
    (
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "dd",
        "dt",
        "hr",
    )
)


def html_text(fragment: str) -> str:
    """The text a reader sees in an HTML fragment: tags gone, scripts and styles dropped with
    their content, paragraphs and line breaks kept as line breaks, entities decoded."""
    if "<" not in fragment:
        import html

        return html.unescape(fragment)
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError, lxml.etree.XMLSyntaxError):
        return _tags_out(fragment)
    lxml.etree.strip_elements(root, *_DROPPED, lxml.etree.Comment, with_tail=False)
    text = _walk_text(root)
    if not text.strip():  # the parser gave up (markup nested past its limit): tags cut out
        return _tags_out(fragment)
    return text


_SCRIPTS = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^<>]{0,2000}>")


def _tags_out(fragment: str) -> str:
    """The text of markup no parser would take: scripts and styles, then every tag, removed."""
    import html

    return html.unescape(_TAG.sub(" ", _SCRIPTS.sub(" ", fragment)))


def _walk_text(root) -> str:
    parts: list[str] = []

    def walk(element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        block = tag in _BLOCKS
        if block:
            parts.append("\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    try:
        walk(root)
    except RecursionError:  # markup nested thousands deep: its text without the structure
        return " ".join(root.itertext())
    return "".join(parts)


# --- JSON Feed ------------------------------------------------------------------------------------


def parse_json_feed(data: bytes, *, url: str) -> ParsedFeed:
    """A JSON Feed (1.0 or 1.1); anything else in JSON is refused by name."""
    try:
        document = json.loads(data.decode("utf-8", errors="replace"))
    except RecursionError:
        raise FeedError("not a feed: JSON nested too deeply") from None
    except ValueError as err:
        raise FeedError(
            f"not a feed: the JSON is malformed ({clean_line(str(err))[:120]})"
        ) from None
    if not isinstance(document, dict):
        raise FeedError("not a feed: JSON, but not a JSON Feed (no top-level object)")
    version = document.get("version")
    items = document.get("items")
    if not isinstance(version, str) or not version.startswith(_JSON_FEED):
        raise FeedError("not a feed: JSON, but not a JSON Feed (no jsonfeed.org version)")
    if not isinstance(items, list):
        raise FeedError("not a JSON Feed: 'items' must be a list")
    notes: list[str] = []
    out = []
    for item in _cap(items, notes):
        if isinstance(item, dict):
            out.append(_json_entry(item, url))
    skipped = len(_cap(items, [])) - len(out)
    if skipped:
        notes.append(f"{skipped} item(s) that are not objects were skipped")
    fmt = "json" + version.removeprefix(_JSON_FEED).replace(".", "")
    return _finish(
        fmt, _string(document.get("title")), _string(document.get("language")), out, notes
    )


def _json_entry(item: dict, base: str) -> FeedEntry:
    texts = [
        _as_text(_string(item.get("content_text")) or "", "text/plain"),
        _as_text(_string(item.get("content_html")) or "", "text/html"),
        _as_text(_string(item.get("summary")) or "", "text/plain"),
    ]
    date_raw = _string(item.get("date_published")) or _string(item.get("date_modified"))
    date = None
    if date_raw:
        try:
            date = dt.datetime.fromisoformat(date_raw.strip().replace("Z", "+00:00")).date()
        except ValueError:
            date = None
    author = item.get("author")
    authors = item.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        author = authors[0]
    name = author.get("name") if isinstance(author, dict) else None
    guid = item.get("id")
    return FeedEntry(
        guid=_short(str(guid))
        if isinstance(guid, str | int) and not isinstance(guid, bool)
        else None,
        url=_link(_string(item.get("url")) or _string(item.get("external_url")), base),
        title=_as_text(_string(item.get("title")) or "", "text/plain", line=True),
        text=max(texts, key=len),
        date_raw=clean_line(date_raw)[:100] if date_raw else None,
        date=date,
        author=_short(name),
        language=_language(_string(item.get("language"))),
    )


# --- shared -------------------------------------------------------------------------------------


def _cap(entries: list, notes: list[str]) -> list:
    if len(entries) > MAX_ENTRIES:
        notes.append(
            f"the feed holds {len(entries):,} entries: only the first {MAX_ENTRIES:,} were read"
        )
        return entries[:MAX_ENTRIES]
    return entries


def _finish(
    fmt: str, title: object, language: object, entries: list[FeedEntry], notes: list[str]
) -> ParsedFeed:
    kept: list[FeedEntry] = []
    empty = 0
    for entry in entries:
        if not entry.title and not entry.text:
            empty += 1
            continue
        if not entry.title:
            entry = _titled(entry)
        kept.append(entry)
    if empty:
        notes.append(
            f"{empty} entr{'y' if empty == 1 else 'ies'} with neither title nor text skipped"
        )
    shown = clean_line(title)[:MAX_TITLE] if isinstance(title, str) else None
    return ParsedFeed(fmt, shown or None, _language(language), kept, notes)


def _titled(entry: FeedEntry) -> FeedEntry:
    """An entry without a title: its text's first sentence stands in, and it says so."""
    first = re.split(r"(?<=[.!?])\s", entry.text.strip(), maxsplit=1)[0].strip()
    if len(first) > 160:
        first = first[:160].rsplit(" ", 1)[0] + "…"
    from dataclasses import replace

    return replace(
        entry,
        title=clean_line(first),
        notes=(*entry.notes, "the feed gives no title: the first sentence stands in"),
    )


def _link(value: object, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) > 2000 or re.search(r"[\x00-\x20\x7f]", text):
        return None
    try:
        target = urljoin(base, text)
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return target


def _short(value: object, limit: int = 300) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_line(value)[:limit] or None


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _language(value: object) -> str | None:
    """ "ru-RU" -> "ru": the language's own code, lower-case, if it is one."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None
