"""From a paste, a file, an HTML page or a URL to one `Article`: metadata and the main text.

HTML goes through trafilatura, the field's maintained extractor; plain text and Markdown get a
small set of conventions (front matter, title line, URL line, byline, dateline) and a trim of
the site furniture that copy-paste drags along (mastheads, navigation, photo captions,
disclaimers, "most popular" link lists), because an analyst's title and quote must never come
from that furniture. The publication date comes from `tracker.ingest.dates`, which says where
it read it; the publisher from the page, the URL or the wire agency the text names ("(BelTA)",
"/TASS/", "(AP)"). Every failure is an `IngestError` with one line that says what went wrong
and what to do.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from tracker.clock import today as clock_today
from tracker.errors import TrackerError
from tracker.ingest.dates import (
    DateSource,
    PublicationDate,
    deadline_governed,
    html_metadata_date,
    mentions,
    publication_date,
)
from tracker.textclean import clean_line, clean_text, looks_binary, strip_controls

MAX_TEXT_CHARS = 200_000  # about 30,000 words: far beyond any news article
MAX_FILE_BYTES = 5_000_000
MIN_ARTICLE_CHARS = 80
MAX_HEADER_LINES = 14  # lines above the body: title, URL, byline, dateline, masthead, captions
MAX_FRONT_MATTER_CHARS = 20_000
PUBLISHER_SCAN_CHARS = 1500  # of the body, searched for the agency and the site's own name
DATELINE_CHARS = 150  # of the body's first line, searched for the agency's signature

SourceKind = Literal["text", "markdown", "html", "url", "paste"]


class IngestError(TrackerError):
    """An article could not be read; the message is one line an analyst can act on."""


class Article(BaseModel):
    """What import knows about one article before an analyst has looked at it."""

    model_config = ConfigDict(frozen=True)

    title: str
    published: dt.date | None = None  # None when no trustworthy date was found
    date_precision: Literal["day", "week", "month"] = "day"
    date_source: DateSource | None = None  # where `published` was read
    date_snippet: str | None = None  # the words it was read from, for the analyst to check
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    text: str
    language: str = "und"
    source_kind: SourceKind = "text"
    notes: list[str] = []  # what the analyst should know: truncation, a guessed title, dates

    @property
    def publication_day(self) -> dt.date | None:
        """The day the article appeared, when the date found is one: a month or a week read
        (a URL's `/2024/06/`) dates the event to that span but names no day of publication,
        and a first day of the month is not one to claim."""
        return self.published if self.date_precision == "day" else None

    @property
    def span(self) -> str | None:
        """A date known to a month or a week, as an analyst reads it ("2024-06", "the week
        of 2024-06-03"); None for a day or no date."""
        if self.published is None or self.date_precision == "day":
            return None
        if self.date_precision == "month":
            return f"{self.published:%Y-%m}"
        return f"the week of {self.published}"


def _date_fields(found: PublicationDate) -> dict[str, object]:
    return {
        "published": found.date,
        "date_precision": found.precision,
        "date_source": found.source,
        "date_snippet": (clean_line(found.snippet)[:200] or None) if found.date else None,
    }


# --- dates ------------------------------------------------------------------------------------

_SEED_DATE = re.compile(r"^\s*date\s+(\d{4}-\d\d-\d\d)\b\s*")


def find_date(
    text: str, *, year_hint: int | None = None, today: dt.date | None = None
) -> tuple[dt.date, str] | None:
    """The first date in `text` that can be a publication date, with its precision (day, or
    week for a span): not one a deadline word governs, not after the import day; a yearless
    day only with `year_hint`. For a guess at an article's date when nothing better is known."""
    today = today or clock_today()
    sample = text[:5000]
    for mention in mentions(sample):
        if deadline_governed(sample, mention):
            continue
        date = mention.date
        if date is None and year_hint is not None:
            date = mention.on(year_hint)
        if date is not None and date <= today:
            return date, mention.precision
    return None


# --- language -----------------------------------------------------------------------------


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


# --- publisher --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    """A news agency: its name, the marks it signs with, and its own sites."""

    name: str
    marks: tuple[str, ...]
    domains: tuple[str, ...] = ()


AGENCIES = (
    Agency("BelTA", ("BelTA", "BELTA", "БелТА", "БЕЛТА", "БЕЛТА"), ("belta.by",)),
    Agency("TASS", ("TASS", "ТАСС"), ("tass.com", "tass.ru")),
    Agency("AP", ("AP", "Associated Press"), ("apnews.com", "ap.org")),
    Agency("Reuters", ("Reuters", "REUTERS", "Рейтер", "Рэйтэр"), ("reuters.com",)),
    Agency("AFP", ("AFP", "Agence France-Presse", "Франс Пресс", "Франс-Пресс"), ("afp.com",)),
    Agency("Interfax", ("Interfax", "INTERFAX", "Интерфакс", "Інтэрфакс", "Інтерфакс"),
           ("interfax.com", "interfax.ru", "interfax.by", "interfax.com.ua")),
    Agency("RIA Novosti", ("RIA Novosti", "РИА Новости", "РИА \"Новости\""), ("ria.ru",)),
    Agency("Xinhua", ("Xinhua", "Синьхуа"), ("xinhuanet.com", "news.cn")),
    Agency("Ukrinform", ("Ukrinform", "Укрінформ", "Укринформ"), ("ukrinform.net", "ukrinform.ua")),
    Agency("UNN", ("UNN", "УНН"), ("unn.ua", "unn.com.ua")),
    Agency("UNIAN", ("UNIAN", "УНІАН", "УНИАН"), ("unian.net", "unian.ua")),
    Agency("Bloomberg", ("Bloomberg",), ("bloomberg.com",)),
    Agency("dpa", ("dpa", "DPA"), ("dpa.com",)),
    Agency("PAP", ("PAP",), ("pap.pl",)),
    Agency("Sputnik", ("Sputnik", "Спутник"), ("sputnik.by", "sputniknews.com")),
    Agency("Anadolu", ("Anadolu Agency", "Anadolu"), ("aa.com.tr",)),
    Agency("EFE", ("EFE",), ("efe.com",)),
    Agency("BNS", ("BNS",), ("bns.lt",)),
    Agency("LETA", ("LETA",), ("leta.lv",)),
)  # fmt: skip
_AGENCY_BY_MARK = {mark: agency for agency in AGENCIES for mark in agency.marks}
_KNOWN = "|".join(re.escape(m) for m in sorted(_AGENCY_BY_MARK, key=len, reverse=True))
_KNOWN_MARK = rf"(?<!\w)(?P<mark>{_KNOWN})(?!\w)"
_DASHES = "-–—"
# Where a wire agency signs: after a dateline "(BelTA)", "/ТАСС/", a byline "By X, AFP", a dash
# "— Reuters". These say who wrote the story, wherever it is reprinted.
_SIGNATURES = [
    re.compile(rf"\(\s*{_KNOWN_MARK}\s*(?:[,;][^()\n]{{0,40}})?\)"),
    re.compile(rf"/\s*{_KNOWN_MARK}\s*/"),
    re.compile(rf"\b[Bb]y\s+[^\n,|]{{2,60}}[,|]\s*{_KNOWN_MARK}"),
    re.compile(rf"^[^\n]{{0,60}}?\s[{_DASHES}]\s*{_KNOWN_MARK}\s*[.:,]", re.MULTILINE),
]
# A signature closing the story: a line "— Reuters" or "AFP".
_CLOSING_SIGNATURES = [
    re.compile(rf"(?:^|\n)\s*[{_DASHES}]*\s*{_KNOWN_MARK}\s*\.?\s*(?:$|\n)"),
    re.compile(rf"[{_DASHES}]\s*{_KNOWN_MARK}\s*\.?\s*$"),
]
# An outlet naming itself ("writes UNN", "BelTA has learned", "News.Az reports"); citing
# another ("according to TASS") says nothing about who published the article.
_SELF_REFERENCE = [
    re.compile(
        rf"\b(?:writes|reports|informs|пишет|сообщает|передает|передаёт|піша|паведамляе|"
        rf"перадае|пише|повідомляє|передає)\s+(?:the\s+)?{_KNOWN_MARK}",
        re.IGNORECASE,
    ),
    re.compile(rf"{_KNOWN_MARK}\s+(?:reports|has\s+learned|learned|correspondent\s+reports)\b"),
]
# "MINSK, 4 November (Some Agency) –": a mark in the dateline, known or not.
_DATELINE_MARK = re.compile(
    rf"^[A-ZА-ЯЁІЎ][^\n()]{{1,80}}?\((?P<mark>[^()\n]{{2,80}})\)\s*[{_DASHES}:]"
)


def publisher_from_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return None
    return host or None


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _site_stems(host: str | None) -> set[str]:
    """The names a site's host stands for: kyivindependent.com -> kyivindependent, news.az ->
    newsaz; five letters at least, so a short word does not pass for a site's name."""
    if not host:
        return set()
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("com", "co", "org", "net", "gov", "ac", "edu"):
        core = labels[-3]
    else:
        core = labels[-2] if len(labels) >= 2 else labels[0]
    stems = {core, _squash(host)}
    return {stem for stem in stems if len(stem) >= 5}


def _names_site(phrase: str, stems: set[str]) -> bool:
    squashed = _squash(phrase)
    return bool(stems) and (squashed in stems or squashed.removeprefix("the") in stems)


_CAPITALISED_RUN = re.compile(r"(?:The\s+)?[A-ZА-ЯЁІЎ][\w.]*(?:\s+[A-ZА-ЯЁІЎ][\w.]*){0,3}")


def _site_name_in(text: str, stems: set[str]) -> str | None:
    """The site's own name as the text spells it ("The Europe Today" for theeuropetoday.com)."""
    if not stems:
        return None
    for match in _CAPITALISED_RUN.finditer(text):
        words = match.group().rstrip(".").split()
        for start in range(len(words)):
            for end in range(len(words), start, -1):
                phrase = " ".join(words[start:end])
                if _names_site(phrase, stems):
                    return phrase
    return None


@dataclass(frozen=True)
class _Signature:
    agency: Agency | None = None  # a known wire agency that signed the story
    mark: str | None = None  # a dateline mark the list does not know, as written


def _signature(dateline: str, head: str, tail: str, *, self_reference: bool) -> _Signature:
    """The agency that signed the story: in the dateline or a byline, in a closing line, or
    (with `self_reference`) an outlet naming itself in the lead; else a dateline mark the
    list does not know."""
    for pattern in _SIGNATURES:
        match = pattern.search(dateline)
        if match:
            return _Signature(_AGENCY_BY_MARK[match.group("mark")])
    for pattern in _CLOSING_SIGNATURES:
        match = pattern.search(tail)
        if match:
            return _Signature(_AGENCY_BY_MARK[match.group("mark")])
    if self_reference:
        for pattern in _SELF_REFERENCE:
            match = pattern.search(f"{dateline}\n{head}")
            if match:
                mark = match.group("mark")
                agency = _AGENCY_BY_MARK.get(mark) or next(
                    (a for m, a in _AGENCY_BY_MARK.items() if m.lower() == mark.lower()), None
                )
                if agency is not None:
                    return _Signature(agency)
    for line in dateline.split("\n")[:MAX_HEADER_LINES]:
        match = _DATELINE_MARK.match(line.strip())
        if match:
            mark = re.split(rf"\s+[{_DASHES}]\s+|\s*[/|;]\s*", match.group("mark").strip())[0]
            mark = clean_line(mark).strip(" ,.")
            if mark and not any(ch.isdigit() for ch in mark) and len(mark.split()) <= 6:
                return _Signature(mark=mark)
    return _Signature()


def find_publisher(
    head: str,
    *,
    dateline: str = "",
    url: str | None = None,
    site_name: str | None = None,
    tail: str = "",
) -> str | None:
    """Who published the article: the site (its declared name, its name as the text spells it,
    or its host), with the wire agency that signed the story in brackets when the two differ
    ("WTOP (AP)"); the agency alone for its own site or a paste without an address; a dateline
    mark the list does not know is kept as written. `dateline` is the lines above the body and
    the start of its first line, `head` the lead, `tail` the end of the text."""
    host = publisher_from_url(url)
    stems = _site_stems(host)
    site = site_name or _site_name_in(f"{dateline}\n{head}"[:PUBLISHER_SCAN_CHARS], stems) or host
    signed = _signature(dateline, head, tail, self_reference=True)
    agency = signed.agency
    if agency is not None and url is not None:
        # an outlet naming an agency in a phrase, not a signature: only its own site counts
        strict = _signature(dateline, head, tail, self_reference=False).agency
        if strict is None and not _agency_site(agency, host):
            agency = None
    if agency is not None:
        if site is None or _agency_site(agency, host) or _squash(site) == _squash(agency.name):
            return agency.name
        return f"{site} ({agency.name})"
    if site:
        return site
    if signed.mark and (not stems or _names_site(signed.mark, stems)):
        return signed.mark
    return None


def _agency_site(agency: Agency, host: str | None) -> bool:
    return bool(host) and any(
        host == domain or host.endswith("." + domain) for domain in agency.domains
    )


# --- front matter -----------------------------------------------------------------------------

_FRONT_MATTER = re.compile(
    r"\A[ \t]*---[ \t]*\n(?P<block>.*?)\n?^[ \t]*(?:---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE
)
_FRONT_FIELDS = {
    "title": ("title", "headline"),
    "date": ("date", "published", "pubdate", "publishdate", "published_at", "publication_date",
             "date_published", "datepublished", "created"),
    "publisher": ("publisher", "source", "site", "site_name", "sitename", "outlet",
                  "publication"),
    "url": ("url", "link", "canonical", "canonical_url", "source_url", "original_url"),
    "author": ("author", "authors", "by", "byline", "creator"),
}  # fmt: skip


@dataclass(frozen=True)
class FrontMatter:
    """The fields a Markdown front matter gives about the article."""

    title: str | None = None
    date: object = None  # a date, a datetime or a string; judged by tracker.ingest.dates
    publisher: str | None = None
    url: str | None = None
    author: str | None = None


def read_front_matter(text: str, notes: list[str]) -> tuple[FrontMatter | None, str]:
    """A `---` block at the top read as metadata (title, date, source, url, author) and taken
    out of the text. YAML is read with the safe loader (nothing is executed); a block that is
    not valid YAML is read line by line (`key: value`) and said in a note."""
    match = _FRONT_MATTER.match(text[:MAX_FRONT_MATTER_CHARS])
    if not match or not _looks_like_fields(match.group("block")):
        return None, text  # two horizontal rules around text, not front matter
    block = strip_controls(match.group("block"))
    rest = text[match.end() :]
    import yaml  # here, not at the top: only a front matter needs it

    try:
        data = yaml.safe_load(block)
    except (yaml.YAMLError, ValueError, RecursionError) as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        notes.append(
            f"the front matter at the top is not valid YAML{where}: its fields were read "
            "line by line; check the title, date and source"
        )
        data = _fields_line_by_line(block)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        notes.append(
            "the front matter at the top is not a list of fields (key: value): it was left "
            "out of the text and not used"
        )
        return FrontMatter(), rest
    fields = {str(key).strip().lower(): value for key, value in data.items()}

    def pick(name: str) -> object:
        for key in _FRONT_FIELDS[name]:
            if fields.get(key) not in (None, ""):
                return fields[key]
        return None

    def one_line(value: object) -> str | None:
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value[:5] if isinstance(v, str | int | float))
        if isinstance(value, dict):
            value = value.get("name")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            return None
        return clean_line(str(value))[:300] or None

    url = one_line(pick("url"))
    publisher = one_line(pick("publisher"))
    if publisher and re.match(r"https?://", publisher):
        url, publisher = url or publisher, None
    if url and not re.match(r"https?://\S+$", url):
        url = None
    date = pick("date")
    if not isinstance(date, dt.date | str):
        date = None
    return (
        FrontMatter(
            title=one_line(pick("title")),
            date=date,
            publisher=publisher,
            url=url,
            author=one_line(pick("author")),
        ),
        rest,
    )


_FIELD_LINE = re.compile(r"^[A-Za-z_][\w-]{0,40}\s*:(?:\s|$)")


def _looks_like_fields(block: str) -> bool:
    """Mostly `key: value` lines (and their indented or listed continuations): front matter,
    not an article's opening between two horizontal rules."""
    lines = [line for line in block.split("\n") if line.strip()]
    if not lines or len(lines) > 200:
        return False
    fields = sum(1 for line in lines if _FIELD_LINE.match(line))
    continued = sum(1 for line in lines if line[:1].isspace() or line.startswith("- "))
    return fields >= 1 and fields + continued >= 0.6 * len(lines)


def _fields_line_by_line(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in block.split("\n")[:200]:
        key, sep, value = line.partition(":")
        if sep and re.fullmatch(r"\s*[A-Za-z_][\w-]{0,40}\s*", key):
            fields.setdefault(key.strip().lower(), value.strip().strip("\"'"))
    return fields


# --- plain text ---------------------------------------------------------------------------

_URL_LINE = re.compile(r"^(?:url:\s*|source:\s*|link:\s*)?(https?://\S+)$", re.IGNORECASE)
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
    lines = [line for line in lines if not _is_caption(line.strip(), in_body=True)]
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


# --- the lines above the body -----------------------------------------------------------------

_CAPTION_LABEL = re.compile(
    r"^\(?\s*(?:illustrative\s+|file\s+|main\s+|cover\s+|top\s+)?(?:photo(?:graph)?|image|"
    r"picture|pic|video|credits?|illustration|screenshot|фото|фота|ілюстрацыя|иллюстрация|"
    r"ілюстрація|скриншот|скрыншот|источник\s+фото|крыніца\s+фота)"
    r"(?:\s+(?:by|credit|courtesy|from|source))?\s*(?:[:©|]|/\s|$)",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"getty\s+images|shutterstock|depositphotos|envato|unsplash|\bap\s+photo\b|\bphoto\s+by\b|"
    r"©|\((?:photo|фото|фота)\b|\b(?:photo|фото|фота)\s*[:©]|"
    r"\b(?:afp|reuters|epa|tass|belta|xinhua)\s*/\s*[A-Z]|/\s*(?:afp|reuters|ap|epa(?:-efe)?|tass|getty)\s*$",
    re.IGNORECASE,
)


def _is_caption(line: str, *, in_body: bool = False) -> bool:
    """A photo caption or credit line ("Photo: Reuters", "Фото: БЕЛТА", "Getty Images",
    "Lukashenko in Minsk. Photo by X/AFP"): never a title, never a quote. In the body only a
    line that starts with a caption label or is a short credit counts, so a sentence about a
    photograph stays."""
    if _CAPTION_LABEL.match(line):
        return True
    limit = 8 if in_body else 20
    return len(line.split()) <= limit and bool(_CREDIT.search(line))


_NAV_SEPARATOR = re.compile(r"\s+(?:[|›»>•·/\\→]|::)\s+")
_NAV_START = re.compile(
    r"^(?:home|main|главная|галоўная|головна)\s*(?:[|›»>/•·→]|$)", re.IGNORECASE
)


def _is_navigation(line: str) -> bool:
    """A breadcrumb or a menu ("Home › World › Europe", "News | Politics | Sport")."""
    parts = _NAV_SEPARATOR.split(line)
    if len(parts) >= 3 and all(len(part.split()) <= 4 for part in parts):
        return True
    return bool(_NAV_START.match(line)) and len(line.split()) <= 12


_SITE_WORDS = {
    "news", "today", "times", "post", "independent", "herald", "tribune", "daily", "gazette",
    "online", "tv", "radio", "journal", "weekly", "insider", "monitor", "observer", "telegraph",
    "chronicle", "wire", "новости", "навіны", "новини",
}  # fmt: skip
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[a-z]{2,6}", re.IGNORECASE)


def _is_masthead(line: str, stems: set[str]) -> bool:
    """The site's name above the article ("The Kyiv Independent", "euroradio.fm", "BelTA")."""
    words = line.split()
    if len(words) <= 6 and _names_site(line, stems):
        return True
    if line in _AGENCY_BY_MARK or _DOMAIN.fullmatch(line):
        return True
    return (
        2 <= len(words) <= 4
        and all(word[:1].isupper() for word in words)
        and not re.search(r"[.!?:;,]$", line)
        and words[-1].lower() in _SITE_WORDS
    )


_BYLINE = re.compile(
    r"^(?:by|автор|аўтар|author|text|текст|тэкст)\b[:\s]*(?P<name>.*)$", re.IGNORECASE
)


def _byline_name(line: str) -> str | None:
    """The author a byline names ("By Jane Doe, AFP" -> "Jane Doe"; "by" alone -> ""), or None
    when the line is not a byline ("By the end of 2026, exports grew.")."""
    match = _BYLINE.match(line)
    if not match:
        return None
    name = re.split(r"\s*[|•·]\s*|\s+[-–—]\s+", match.group("name"))[0].strip(" ,")
    parts = name.rsplit(",", 1)
    if len(parts) == 2 and parts[1].strip() in _AGENCY_BY_MARK:
        name = parts[0].strip()
    if not name:
        return ""
    if len(name.split()) > 6 or name.endswith((".", "!", "?")) or not name[0].isupper():
        return None
    return name


_MONTH_YEAR_LINE = re.compile(r"^[^\W\d_]{3,12}\.?,?\s+(?:19|20)\d\d$")


def _is_date_line(line: str) -> bool:
    """A line that is mostly a date: "Posted: 14.01.2025 15:15:00", "28 Feb 2024 11:06",
    "Sumaira FH Published September 06, 2023 | 01:50 AM", "January 2025"."""
    if len(line) > 100:
        return False
    if _MONTH_YEAR_LINE.match(line):
        return True
    found = mentions(line)
    if not found:
        return False
    rest = line
    for mention in reversed(found):
        rest = rest[: mention.start] + " " + rest[mention.end :]
    words = re.findall(r"[^\W\d_]{2,}", rest)
    if rest.rstrip().endswith(".") or len(words) > 6:
        return False
    # "Belarus votes on 26 January 2025" is a headline; "Sumaira FH Published …" is not
    return len(words) <= 2 or bool(_DATE_LABEL.search(rest))


_DATE_LABEL = re.compile(
    r"\b(?:published|posted|updated|modified|date|last|опубликовано|обновлено|дата|"
    r"апублікавана|абноўлена|опубліковано|оновлено)\b",
    re.IGNORECASE,
)


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


@dataclass
class _Header:
    """What the lines above the body say: title, address, author, the dateline's lines."""

    title: str | None = None
    url: str | None = None
    author: str | None = None
    seed_date: str | None = None
    site_name: str | None = None
    date_lines: list[str] = field(default_factory=list)
    body_start: int = 0


def _read_header(lines: list[str], url: str | None) -> _Header:
    """Walk the first lines until the body starts: a title line, a URL line, a byline, date
    lines, and the furniture a copy drags along (masthead, navigation, captions, rubrics),
    which is skipped. `lines` is changed in place where a line holds both a date and body."""
    header = _Header(url=url)
    tentative = False
    short: str | None = None
    for index, line in enumerate(lines[:MAX_HEADER_LINES]):
        stripped = line.strip()
        if not stripped:
            header.body_start = index + 1
            continue
        if len(stripped) > 300:
            break
        seed = _SEED_DATE.match(stripped)
        if seed and header.seed_date is None and index == header.body_start:
            header.seed_date = seed.group(1)
            stripped = stripped[seed.end() :].strip()
            lines[index] = stripped
            if not stripped:
                header.body_start = index + 1
                continue
            if len(stripped) > 300:
                break
        url_match = _URL_LINE.match(stripped)
        if url_match:
            header.url = header.url or url_match.group(1)
            header.body_start = index + 1
            continue
        stems = _site_stems(publisher_from_url(header.url))
        if _is_caption(stripped) or _is_navigation(stripped):
            header.body_start = index + 1
            continue
        name = _byline_name(stripped)
        if name is not None:
            header.author = name or header.author
            header.date_lines.append(stripped)
            header.body_start = index + 1
            continue
        if _is_date_line(stripped):
            header.date_lines.append(stripped)
            header.body_start = index + 1
            continue
        if _is_masthead(stripped, stems):
            if header.site_name is None and (
                _names_site(stripped, stems) or (not stems and len(stripped.split()) >= 2)
            ):
                header.site_name = stripped
            header.body_start = index + 1
            continue
        words = len(stripped.split())
        if (
            _looks_like_title(stripped)
            and words >= 3
            and (
                header.title is None
                or (tentative and words >= 4 and not stripped.endswith((".", "!", "?", "…")))
            )
        ):
            tentative = words < 4  # three words may be a rubric above the real, longer title
            header.title = stripped
            header.body_start = index + 1
            continue
        if header.title is not None and stripped.casefold() == header.title.casefold():
            header.body_start = index + 1
            continue
        if len(stripped.split()) <= 3 and not re.search(r"[.!?]$", stripped):
            header.body_start = index + 1  # a rubric above the headline ("Belarus-West relations")
            short = short or (stripped if len(stripped.split()) >= 2 else None)
            continue
        break
    if header.title is None and short is not None:
        header.title = short  # no longer line: the short one was the headline ("Экспорт вырос")
    return header


def extract_text(
    text: str,
    *,
    filename: str | None = None,
    kind: SourceKind | None = None,
    url: str | None = None,
    today: dt.date | None = None,
) -> Article:
    """A paste, a .txt or a .md: front matter, title line, optional URL, byline and dateline,
    then the body. `url` is the address the text came from, if known (a URL line or a front
    matter's url says it otherwise); `today` is the import day (tracker.clock's by default)."""
    _reject_binary_text(text)
    head = text.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html")) or (head.startswith("<") and "<body" in head):
        return extract_html(text, today=today)
    notes: list[str] = []
    text = _limit(text, notes)
    front, text = read_front_matter(text.lstrip("\ufeff \t\r\n"), notes)
    is_markdown = kind == "markdown" or bool(
        filename and filename.lower().endswith((".md", ".markdown"))
    )
    if is_markdown:
        text = _strip_markdown(text)
    text = clean_text(text)
    if not text:
        raise IngestError("the text is empty: paste or import an article with its text")

    front = front or FrontMatter()
    lines = text.split("\n")
    header = _read_header(lines, front.url or url)
    title = front.title or header.title
    body_lines = [
        line
        for line in lines[header.body_start :]
        if not title or line.strip().casefold() != title.casefold()
    ]
    raw_body = "\n".join(body_lines)
    body = trim_boilerplate(raw_body)
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
    url = header.url
    found = publication_date(
        text=body,
        header="\n".join(header.date_lines),
        url=url,
        metadata=front.date if front.date is not None else header.seed_date,
        today=today,
    )
    notes.extend(found.notes)
    publisher = front.publisher or find_publisher(
        body[:PUBLISHER_SCAN_CHARS],
        dateline="\n".join([*header.date_lines, body[:1000].split("\n", 1)[0][:DATELINE_CHARS]]),
        url=url,
        site_name=header.site_name,
        tail=f"{body[-300:]}\n{raw_body[-400:]}",
    )
    author = front.author or header.author
    return Article(
        title=clean_line(title),
        **_date_fields(found),
        publisher=clean_line(publisher) if publisher else None,
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
    html: bytes | str,
    *,
    url: str | None = None,
    kind: SourceKind = "html",
    today: dt.date | None = None,
) -> Article:
    """A web page: trafilatura finds the main text, title, author and site name; the date is
    the page's metadata (read by htmldate), else the URL's, the dateline's or the text's;
    nothing is fetched."""
    import trafilatura

    utf16 = isinstance(html, bytes) and html.startswith((b"\xff\xfe", b"\xfe\xff"))
    if isinstance(html, bytes) and b"\x00" in html[:8192] and not utf16:
        raise IngestError("this is binary data, not a web page")
    notes: list[str] = []
    if isinstance(html, bytes):
        html = decode_bytes(html, html=True, notes=notes)
    if len(html) > MAX_FILE_BYTES:
        raise IngestError(
            f"the page is larger than {MAX_FILE_BYTES // 1_000_000} MB: "
            "save the article's text and import that"
        )
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
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
    page_url = url or getattr(doc, "url", None)
    date_lines, body_lines = _page_header(text.split("\n"), title)
    found = publication_date(
        text="\n".join(body_lines),
        header="\n".join(date_lines),
        url=page_url,
        metadata=html_metadata_date(html),
        today=today,
    )
    notes.extend(found.notes)
    site_name = clean_line(getattr(doc, "sitename", None) or "") or None
    first_line = body_lines[0][:DATELINE_CHARS] if body_lines else ""
    publisher = find_publisher(
        text[:PUBLISHER_SCAN_CHARS],
        dateline="\n".join([*date_lines, first_line]),
        url=page_url,
        site_name=site_name,
        tail=text[-300:],
    )
    author = clean_line(getattr(doc, "author", None) or "") or None
    return Article(
        title=title,
        **_date_fields(found),
        publisher=clean_line(publisher) if publisher else None,
        author=author,
        url=page_url,
        text=text,
        language=guess_language(text),
        source_kind=kind,
        notes=notes,
    )


def _page_header(lines: list[str], title: str) -> tuple[list[str], list[str]]:
    """The date and byline lines at the top of a page's main text (trafilatura keeps them with
    the headline), and the lines after them."""
    date_lines: list[str] = []
    for index, line in enumerate(lines[:MAX_HEADER_LINES]):
        stripped = line.strip()
        if not stripped or stripped.casefold() == title.casefold() or _is_caption(stripped):
            continue
        if _is_date_line(stripped) or _byline_name(stripped) is not None:
            date_lines.append(stripped)
            continue
        return date_lines, lines[index:]
    return date_lines, []


# --- files and URLs ---------------------------------------------------------------------------


def extract_bytes(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    url: str | None = None,
    kind: SourceKind | None = None,
    today: dt.date | None = None,
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
        return extract_html(data, url=url, kind=kind or "html", today=today)
    if looks_binary(data):
        raise IngestError(
            "this looks like binary data (an image, a PDF or an archive), "
            "not text: import the article's text"
        )
    charset = None
    if content_type and "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip(" \"'")
    notes: list[str] = []
    text = decode_bytes(data, declared=charset, notes=notes)
    article = extract_text(text, filename=filename, kind=kind, url=url, today=today)
    if notes:
        article = article.model_copy(update={"notes": [*notes, *article.notes]})
    return article


def extract_file(path: Path, *, today: dt.date | None = None) -> Article:
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
    return extract_bytes(data, filename=path.name, today=today)


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
