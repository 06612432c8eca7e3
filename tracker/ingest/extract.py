"""From a paste, a file, an HTML page or a URL to one `Article`: metadata and the main text.

HTML goes through trafilatura, the field's maintained extractor; plain text and Markdown get a
small set of conventions (title line, URL line, dateline) and a trim of the site furniture that
copy-paste drags along (disclaimers, "most popular" link lists, subscription boxes), because an
analyst's quote must never come from that furniture. Every failure is an `IngestError` with one
line that says what went wrong and what to do.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from tracker.errors import TrackerError
from tracker.textclean import clean_line, clean_text, looks_binary

MAX_TEXT_CHARS = 200_000  # about 30,000 words: far beyond any news article
MAX_FILE_BYTES = 5_000_000
MIN_ARTICLE_CHARS = 80

SourceKind = Literal["text", "markdown", "html", "url", "paste"]


class IngestError(TrackerError):
    """An article could not be read; the message is one line an analyst can act on."""


class Article(BaseModel):
    """What import knows about one article before an analyst has looked at it."""

    model_config = ConfigDict(frozen=True)

    title: str
    published: dt.date | None = None
    date_precision: Literal["day", "week", "month"] = "day"
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    text: str
    language: str = "und"
    source_kind: SourceKind = "text"
    notes: list[str] = []  # what the analyst should know: truncation, a guessed title


# --- dates --------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan января январь студзеня студзень",
        "february feb февраля февраль лютага люты",
        "march mar марта март сакавіка сакавік",
        "april apr апреля апрель красавіка красавік",
        "may мая май траўня травеня травень",
        "june jun июня июнь чэрвеня чэрвень",
        "july jul июля июль ліпеня ліпень",
        "august aug августа август жніўня жнівень",
        "september sep sept сентября сентябрь верасня верасень",
        "october oct октября октябрь кастрычніка кастрычнік",
        "november nov ноября ноябрь лістапада лістапад",
        "december dec декабря декабрь снежня снежань",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH = r"(?P<{g}>[A-Za-zА-Яа-яЁёІіЎў]{{3,10}})\.?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>20\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>20\d\d)\b"),
    # "January 20 – January 26, 2025" or "20-26 January 2025": a week
    re.compile(
        _MONTH.format(g="mon")
        + r"\s+(?P<d>\d{1,2})\s*[–—-]\s*"
        + _MONTH.format(g="mon2")
        + r"\s+(?P<d2>\d{1,2}),?\s+(?P<y>20\d\d)\b"
    ),
    re.compile(
        r"\b(?P<d>\d{1,2})\s*[–—-]\s*(?P<d2>\d{1,2})\s+"
        + _MONTH.format(g="mon")
        + r",?\s+(?P<y>20\d\d)\b"
    ),
    re.compile(_MONTH.format(g="mon") + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>20\d\d)\b"),
    re.compile(r"\b(?P<d>\d{1,2})\s+" + _MONTH.format(g="mon") + r",?\s+(?P<y>20\d\d)\b"),
]
_DAY_MONTH = re.compile(r"\b(?P<d>\d{1,2})\s+" + _MONTH.format(g="mon") + r"(?![\w-])")
_SEED_DATE = re.compile(r"^\s*date\s+(\d{4}-\d\d-\d\d)\b\s*")


def _month(name: str | None) -> int | None:
    return _MONTHS.get(name.lower().rstrip(".")) if name else None


def find_date(text: str, *, year_hint: int | None = None) -> tuple[dt.date, str] | None:
    """The first full date in `text` (a dateline), with its precision: day, or week for a span."""
    best: tuple[int, dt.date, str] | None = None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = int(groups["m"]) if groups.get("m") else _month(groups.get("mon"))
            if month is None:
                continue
            try:
                found = dt.date(int(groups["y"]), month, int(groups["d"]))
            except ValueError:
                continue
            precision = "week" if groups.get("d2") else "day"
            if precision == "week":
                found -= dt.timedelta(days=found.weekday())
            if best is None or match.start() < best[0]:
                best = (match.start(), found, precision)
            break
    if best is not None:
        return best[1], best[2]
    if year_hint is not None:
        for match in _DAY_MONTH.finditer(text[:400]):
            month = _month(match.group("mon"))
            if month is None:
                continue
            try:
                return dt.date(year_hint, month, int(match.group("d"))), "day"
            except ValueError:
                continue
    return None


def _url_date(url: str | None) -> tuple[tuple[dt.date, str] | None, int | None]:
    """A date spelled in the URL's path (/2024/06/27/ or /2024/06/), else a lone year in it."""
    if not url:
        return None, None
    path = urlsplit(url).path
    full = re.search(r"/(20\d\d)/(\d\d)/(?:(\d\d)(?:/|$))?", path)
    if full:
        year, month, day = full.groups()
        try:
            if day:
                return (dt.date(int(year), int(month), int(day)), "day"), None
            return (dt.date(int(year), int(month), 1), "month"), None
        except ValueError:
            pass
    years = set(re.findall(r"(?<!\d)(20\d\d)(?!\d)", path))
    return None, int(years.pop()) if len(years) == 1 else None


# --- language and publisher ---------------------------------------------------------------


def guess_language(text: str) -> str:
    """en, ru, be or und: enough to pick a stemmer; Belarusian has ў and і, Russian has и, щ, ъ."""
    sample = text[:20000].lower()
    cyrillic = sum(1 for c in sample if "а" <= c <= "я" or c in "ёіў")
    latin = sum(1 for c in sample if "a" <= c <= "z")
    if cyrillic + latin < 20:
        return "und"
    if cyrillic > latin:
        be = sample.count("ў") + sample.count("і")
        ru = sample.count("и") + sample.count("щ") + sample.count("ъ")
        return "be" if be > ru else "ru"
    return "en" if latin else "und"


def publisher_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return host or None


# --- plain text ---------------------------------------------------------------------------

_URL_LINE = re.compile(r"^(?:url:\s*|source:\s*)?(https?://\S+)$", re.IGNORECASE)
_TAIL_MARKERS = re.compile(
    r"^(legal disclaimer|disclaimer:|most (popular|read)( stories| news)?|related (articles|news|"
    r"stories|posts)|you have been successfully subscribed|subscribe to (our|us)|"
    r"sign up for (our|the)|share this( article)?|comments?( ?\(\d+\)| ?no comments?)?$|"
    r"leave a (comment|reply)|all rights reserved|copyright\b|©|tags?:|follow us|"
    r"more (news|stories) from|recommended for you|читайте также|подписывайтесь|"
    r"поделиться|все права защищены|чытайце таксама|падпісвайцеся)",
    re.IGNORECASE,
)
_INLINE_READ_ALSO = re.compile(
    r"(?:read also|see also|also read|read more|читайте также|чытайце таксама)\s*:[^\n]*",
    re.IGNORECASE,
)
_PHOTO_LINE = re.compile(
    r"^(?:illustrative )?(?:photo|image|фото)\s*(?:credit)?\s*:", re.IGNORECASE
)
_MARKDOWN = [
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"^\s{0,3}>\s?", re.MULTILINE), ""),
    (re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$", re.MULTILINE), ""),
]


def trim_boilerplate(text: str) -> str:
    """Cut site furniture: the tail after a disclaimer or link-list marker, "Read also" lines,
    photo credits. A marker counts only past the first third, so an article that happens to
    open with "Comments" keeps its body."""
    text = _INLINE_READ_ALSO.sub("", text)
    lines = text.split("\n")
    seen = 0
    total = len(text)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if seen > total / 3 and len(stripped) < 80 and _TAIL_MARKERS.match(stripped):
            lines = lines[:index]
            break
        seen += len(line) + 1
    lines = [line for line in lines if not _PHOTO_LINE.match(line.strip())]
    # A trailing block of short unpunctuated lines is a link list or a menu.
    while lines and (not lines[-1].strip() or _is_menu_line(lines[-1])):
        lines.pop()
    return clean_text("\n".join(lines))


def _is_menu_line(line: str) -> bool:
    words = line.strip().lstrip("-•*– ").split()
    return 0 < len(words) <= 6 and not re.search(r"[.!?…:»”\"']$", line.strip())


def _strip_markdown(text: str) -> str:
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text


def _first_sentence(text: str, limit: int = 160) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence.strip()
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _looks_like_title(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= 25 or len(line) > 250:
        return False
    return not line.rstrip().endswith((".", ",", ";")) or len(words) <= 12


def _limit(text: str, notes: list[str]) -> str:
    if len(text) > MAX_TEXT_CHARS:
        notes.append(
            f"the text was cut to its first {MAX_TEXT_CHARS:,} characters "
            f"(it had {len(text):,}); an article is rarely longer"
        )
        return text[:MAX_TEXT_CHARS]
    return text


def _reject_binary_text(text: str) -> None:
    sample = text[:8192]
    if not sample:
        return
    odd = sum(
        1 for c in sample if c in "\x00\ufffd" or (ord(c) < 32 and c not in "\t\n\r\x0c\x1b\x07")
    )
    if odd / len(sample) > 0.05:  # a stray control byte is damage to remove, not binary
        raise IngestError(
            "this looks like binary data (an image, a PDF or an archive), "
            "not text: paste or import the article's text"
        )


def extract_text(
    text: str, *, filename: str | None = None, kind: SourceKind | None = None
) -> Article:
    """A paste, a .txt or a .md: title line, optional URL and dateline, then the body."""
    _reject_binary_text(text)
    head = text.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html")) or (head.startswith("<") and "<body" in head):
        return extract_html(text)
    notes: list[str] = []
    text = _limit(text, notes)
    is_markdown = kind == "markdown" or bool(
        filename and filename.lower().endswith((".md", ".markdown"))
    )
    if is_markdown:
        text = _strip_markdown(text)
    text = clean_text(text)
    if not text:
        raise IngestError("the text is empty: paste or import an article with its text")

    lines = text.split("\n")
    title: str | None = None
    url: str | None = None
    author: str | None = None
    published: dt.date | None = None
    precision = "day"
    body_start = 0
    # The header: up to a few short lines before the body (title, URL, byline, dateline).
    for index, line in enumerate(lines[:6]):
        stripped = line.strip()
        if not stripped:
            body_start = index + 1
            continue
        seed = _SEED_DATE.match(stripped)
        if seed and published is None:
            published = dt.date.fromisoformat(seed.group(1))
            stripped = stripped[seed.end() :].strip()
            lines[index] = stripped
            if not stripped:
                body_start = index + 1
                continue
        url_match = _URL_LINE.match(stripped)
        if url_match and url is None:
            url = url_match.group(1)
            body_start = index + 1
            continue
        byline = re.match(r"^by\b\s*(.*)$", stripped, re.IGNORECASE)
        if byline and len(stripped.split()) <= 6:
            author = byline.group(1).strip() or author
            body_start = index + 1
            continue
        found = find_date(stripped)
        if found and len(stripped) <= 60:
            published, precision = published or found[0], found[1]
            body_start = index + 1
            continue
        if title is None and _looks_like_title(stripped) and len(stripped.split()) >= 3:
            title = stripped
            body_start = index + 1
            continue
        if title is None and len(stripped.split()) <= 3 and not re.search(r"[.!?]$", stripped):
            body_start = index + 1  # a rubric above the headline ("Belarus-West relations")
            continue
        break
    body_lines = [line for line in lines[body_start:] if not title or line.strip() != title]
    body = trim_boilerplate("\n".join(body_lines))
    if not body and title:
        body = title
    if len(body) < 20:
        raise IngestError(
            "the text is too short to be an article "
            f"({len(body)} characters): paste the whole article"
        )
    if title is None:
        title = _first_sentence(body)
        notes.append("no title line: the first sentence stands in for it")
    url_date, year_hint = _url_date(url)
    if published is None:
        found = find_date(body[:600], year_hint=year_hint)
        if found:
            published, precision = found
        elif url_date:
            published, precision = url_date
    return Article(
        title=clean_line(title),
        published=published,
        date_precision=precision,
        publisher=publisher_from_url(url),
        author=clean_line(author) if author else None,
        url=url,
        text=body,
        language=guess_language(body),
        source_kind=kind or ("markdown" if is_markdown else "text"),
        notes=notes,
    )


# --- HTML -------------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)


# Codecs that are no text encoding for a page, whatever a header or <meta> declares: they
# raise on every input (undefined), turn bytes into host names (idna, punycode), or run
# backslash escapes and UTF-7 shifts (which HTML forbids) over untrusted bytes. Names as
# `codecs.lookup(...).name` spells them.
_UNUSABLE_CODECS = frozenset(
    {
        "undefined",
        "idna",
        "punycode",
        "raw-unicode-escape",
        "unicode-escape",
        "utf-7",
        "mbcs",
        "oem",
        "charmap",
    }
)


def _text_codec(name: str) -> str | None:
    """The codec a declared charset names, if it is a real text encoding; else None."""
    import codecs

    name = name.strip().strip("\"'").lower()
    if not name or len(name) > 40:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _UNUSABLE_CODECS:
        return None  # base64, hex, zip, rot13 and the like turn bytes into bytes
    return info.name


def _declared_charsets(data: bytes, declared: str | None, html: bool) -> list[str]:
    """The charsets the header and the page's <meta> declare, in that order, as given.

    A <meta> that says UTF-16 or UTF-32 is read as UTF-8, as browsers do: the bytes it was
    found in were ASCII, so the page is not UTF-16 (a real UTF-16 page starts with a BOM).
    """
    names = [declared] if declared else []
    if html:
        meta = _META_CHARSET.search(data[:4096])
        if meta:
            name = meta.group(1).decode("ascii", "replace")
            codec = _text_codec(name) or ""
            names.append("utf-8" if codec.startswith(("utf-16", "utf-32")) else name)
    return names


def charset_notes(data: bytes, *, declared: str | None = None, html: bool = False) -> list[str]:
    """What an analyst should know about the declared charsets: one that is unknown or no
    text encoding was ignored, and the text was decoded some other way."""
    return [
        f"the declared charset {clean_line(name)[:40]!r} is unknown or not a text encoding; "
        "it was ignored and the text's encoding guessed"
        for name in _declared_charsets(data, declared, html)
        if _text_codec(name) is None
    ]


def decode_bytes(
    data: bytes,
    *,
    declared: str | None = None,
    html: bool = False,
    notes: list[str] | None = None,
) -> str:
    """Bytes to text: a BOM, the declared charset (HTTP header or <meta>), UTF-8, a guess, and
    at last UTF-8 with replacement characters. It never raises: a charset name comes from the
    page, and a page must not be able to stop its import by naming a codec like `undefined` or
    `base64`. A declared charset that was ignored is added to `notes` when given."""
    import codecs

    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if notes is not None:
        notes.extend(charset_notes(data, declared=declared, html=html))
    candidates = [_text_codec(name) for name in _declared_charsets(data, declared, html)]
    for codec in [*(c for c in candidates if c), "utf-8"]:
        try:
            return data.decode(codec)
        except (LookupError, ValueError, TypeError):  # UnicodeDecodeError is a ValueError
            continue
    try:
        from charset_normalizer import from_bytes

        guess = from_bytes(data[:200_000]).best()
        codec = _text_codec(guess.encoding) if guess is not None and guess.encoding else None
        if codec:
            return data.decode(codec, errors="replace")
    except (LookupError, ValueError, TypeError):
        pass
    return data.decode("utf-8", errors="replace")


def extract_html(
    html: bytes | str, *, url: str | None = None, kind: SourceKind = "html"
) -> Article:
    """A web page: trafilatura finds the main text and the metadata; nothing is fetched."""
    import trafilatura

    if isinstance(html, bytes):
        if b"\x00" in html[:8192] and not html.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise IngestError("this is binary data, not a web page")
        html = decode_bytes(html, html=True)
    notes: list[str] = []
    if len(html) > MAX_FILE_BYTES:
        raise IngestError(
            f"the page is larger than {MAX_FILE_BYTES // 1_000_000} MB: "
            "save the article's text and import that"
        )
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as err:  # the library's parser failing on hostile markup
        raise IngestError(f"cannot read this HTML ({type(err).__name__})") from None
    text = trim_boilerplate(_limit(getattr(doc, "text", None) or "", notes)) if doc else ""
    if len(text) < MIN_ARTICLE_CHARS:
        raise IngestError(
            "no article text found in this page (a front page, a menu or a "
            "page built by JavaScript?): copy the article's text and paste it"
        )
    title = clean_line(getattr(doc, "title", None) or "") or _first_sentence(text)
    published = None
    raw_date = getattr(doc, "date", None)
    if raw_date:
        try:
            published = dt.date.fromisoformat(str(raw_date)[:10])
        except ValueError:
            published = None
    if published is None:
        found = find_date(text[:600], year_hint=_url_date(url)[1])
        url_date = _url_date(url)[0]
        published = found[0] if found else (url_date[0] if url_date else None)
    page_url = url or getattr(doc, "url", None)
    publisher = clean_line(getattr(doc, "sitename", None) or "") or publisher_from_url(page_url)
    author = clean_line(getattr(doc, "author", None) or "") or None
    return Article(
        title=title,
        published=published,
        publisher=publisher or None,
        author=author,
        url=page_url,
        text=text,
        language=guess_language(text),
        source_kind=kind,
        notes=notes,
    )


# --- files and URLs ---------------------------------------------------------------------------


def extract_bytes(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    url: str | None = None,
    kind: SourceKind | None = None,
) -> Article:
    """Sniff what the bytes are (HTML, text, binary) and extract accordingly."""
    if not data.strip():
        raise IngestError("the input is empty: nothing to import")
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        raise IngestError("this is a PDF, not a web page or text: copy its text and paste it")
    if head.startswith((b"\x89png", b"\xff\xd8\xff", b"gif8", b"riff", b"pk\x03\x04")):
        raise IngestError(
            "this is binary data (an image or an archive), not an article: import its text"
        )
    is_html = (
        (content_type or "").startswith(("text/html", "application/xhtml"))
        or head.startswith((b"<!doctype html", b"<html"))
        or bool(filename and filename.lower().endswith((".html", ".htm", ".xhtml")))
    )
    if is_html:
        return extract_html(data, url=url, kind=kind or "html")
    if looks_binary(data):
        raise IngestError(
            "this looks like binary data (an image, a PDF or an archive), "
            "not text: import the article's text"
        )
    charset = None
    if content_type and "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip(" \"'")
    article = extract_text(decode_bytes(data, declared=charset), filename=filename, kind=kind)
    if url and not article.url:
        article = article.model_copy(
            update={"url": url, "publisher": article.publisher or publisher_from_url(url)}
        )
    return article


def extract_file(path: Path) -> Article:
    """A saved page (.html), a text or Markdown file; PDFs and images are refused by name.

    The read is bounded: a device (`/dev/zero`), a FIFO, a folder or a file over
    `MAX_FILE_BYTES` is refused before a byte is read, so a wrong path cannot fill memory or hang.
    """
    from tracker.store.files import FileReadError, read_bounded

    try:
        data = read_bounded(path, MAX_FILE_BYTES, what="file")
    except FileReadError as err:
        # The caller names the path it gave; the message says what is wrong with it.
        message = str(err).removeprefix(f"{path}: ")
        raise IngestError(message) from None
    return extract_bytes(data, filename=path.name)


ACCEPT_PAGES = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"
_NOT_PAGES = ("application/pdf", "application/zip", "application/octet-stream")


def fetch_url(
    url: str,
    *,
    timeout: float = 15,
    max_bytes: int = MAX_FILE_BYTES,
    user_given: bool = True,
    cancel: object | None = None,
) -> Article:
    """Fetch one page through `tracker.net.fetch` and extract its article.

    `timeout` bounds the whole fetch (redirects, headers and body); `user_given` is true when
    the analyst typed the URL (its host may then be local); `cancel` (a `tracker.net.Cancel`,
    a `threading.Event` or a Textual worker) stops it from another thread. Every failure is
    an `IngestError` of one line.
    """
    from tracker.net import FetchError, fetch

    try:
        response = fetch(
            url,
            timeout=timeout,
            max_bytes=max_bytes,
            accept=ACCEPT_PAGES,
            user_given=user_given,
            cancel=cancel,
        )
    except FetchError as err:
        # The caller names the URL it asked for; a failure further along names its own URL.
        raise IngestError(err.what if _same_url(err.url, url) else str(err)) from None
    kind = response.content_type
    if kind.startswith(("image/", "audio/", "video/")) or kind in _NOT_PAGES:
        what = "a PDF" if kind == "application/pdf" else f"{kind} content"
        raise IngestError(f"{url} is {what}, not a web page: save its text and import that file")
    data = response.body
    if not data.strip():
        raise IngestError(f"{url}: the server sent an empty page")
    content_type = kind + (f"; charset={response.charset}" if response.charset else "")
    article = extract_bytes(data, content_type=content_type, url=response.url, kind="url")
    head = data[:1024].lstrip().lower()
    is_html = kind.startswith(("text/html", "application/xhtml")) or head.startswith(
        (b"<!doctype html", b"<html")
    )
    notes = charset_notes(data, declared=response.charset, html=is_html)
    if notes:
        article = article.model_copy(update={"notes": [*article.notes, *notes]})
    return article


def _same_url(failed: str, given: str) -> bool:
    from tracker.net import FetchError
    from tracker.net.addresses import parse_target

    if failed.strip() == given.strip():
        return True
    try:
        return parse_target(failed).url == parse_target(given).url
    except FetchError:
        return False
