"""An article's publication date, and where it was read, so an analyst can trust it or fix it.

A wrong date is worse than none: it files the evidence in the wrong year and hides it from the
same-event check. So the date comes from the most reliable place that gives one, in this order:
the page's metadata, the URL, the dateline (the first lines), then the lead of the text. A date
that a deadline word governs ("until 31 December 2026", "до 1 сентября") is never taken, nor is
a date after the import day; both are said in a note. No date found is `None` with a note, never
today's date. English, Russian, Ukrainian and Belarusian (Cyrillic and Łacinka) are read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

from tracker.clock import today as clock_today

DateSource = Literal["metadata", "url", "dateline", "text"]
Precision = Literal["day", "week", "month"]

FIRST_LINE_CHARS = 300  # of the body's first line, where a yearless day still counts
TEXT_SCAN_CHARS = 1500  # of the body, searched for a date in the text
TEXT_WINDOW_DAYS = 45  # a date in the text further back than this is background, not the news
EARLIEST = dt.date(1995, 1, 1)  # before the web's news sites: a number, not a date
NO_DATE_NOTE = "no publication date found: set source.published and date by hand"


@dataclass(frozen=True)
class PublicationDate:
    """The date found (or None), how precise it is, where it was read, and what to check."""

    date: dt.date | None
    precision: Precision = "day"
    source: DateSource | None = None
    snippet: str = ""  # the words the date was read from
    notes: tuple[str, ...] = ()


# --- month names ------------------------------------------------------------------------------

_ENGLISH_MONTHS = [
    "january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
    "august aug", "september sep sept", "october oct", "november nov", "december dec",
]  # fmt: skip
_OTHER_MONTHS = [
    # Russian, Ukrainian, Belarusian in Cyrillic and in Łacinka (with and without diacritics):
    # genitive ("4 ноября") and nominative ("ноябрь 2024") forms, common abbreviations.
    "января январь янв січня студзеня студзень studzienia studzien studzień",
    "февраля февраль фев лютого лютага люты lutaha luty",
    "марта март мар березня сакавіка сакавік sakavika sakavik",
    "апреля апрель апр квітня красавіка красавік krasavika krasavik",
    "мая май травня траўня травеня травень traŭnia traunia travienia travien travień",
    "июня июнь июн червня чэрвеня чэрвень červienia cervienia červień cervien",
    "июля июль июл липня ліпеня ліпень lipienia lipien lipień",
    "августа август авг серпня жніўня жнівень žniŭnia zniunia žnivień znivien",
    "сентября сентябрь сен сент вересня верасня верасень vieraśnia vierasnia vierasień vierasien",
    "октября октябрь окт жовтня кастрычніка кастрычнік kastryčnika kastrycnika kastryčnik "
    "kastrycnik",
    "ноября ноябрь ноя листопада лістапада лістапад listapada listapad",
    "декабря декабрь дек грудня снежня снежань śniežnia sniežnia snieznia śniežań sniezan",
]
_ENGLISH = {name for names in _ENGLISH_MONTHS for name in names.split()}
_ABBREVIATIONS = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "янв", "фев", "мар", "апр", "июн", "июл", "авг", "сен", "сент", "окт", "ноя", "дек",
}  # fmt: skip
_MONTHS: dict[str, int] = {
    name: number
    for table in (_ENGLISH_MONTHS, _OTHER_MONTHS)
    for number, names in enumerate(table, start=1)
    for name in names.split()
}


def month_number(word: str) -> int | None:
    """The month a word names, or None; an English name counts only capitalised ("May", not
    "may"), so a modal verb before a number is not a date."""
    key = word.lower().rstrip(".")
    number = _MONTHS.get(key)
    if number is None:
        return None
    if key in _ENGLISH and not word[:1].isupper():
        return None
    return number


# --- date mentions in text --------------------------------------------------------------------

_MON = r"(?<![^\W\d_])(?P<{g}>[^\W\d_]{{3,12}})\.?"
_DAY = r"(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)(?!\d)(?:\s*(?:года|год|г\.|гады|году|року|р\.|goda|hoda))?"
_DASH = r"\s*[-–—]\s*"
_NOT_NUMBER_BEFORE = r"(?<![\d.,/])"

_D, _D2 = _DAY.format(g="d"), _DAY.format(g="d2")
_M, _M2 = _MON.format(g="mon"), _MON.format(g="mon2")
_YEAR_DIGITS = r"(?P<y>(?:19|20)\d\d)"
_Y4 = _YEAR_DIGITS + r"(?!\d)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # numeric: 2024-06-27, 2024/6/7; 14.01.2025; 27/06/2024 (day first unless impossible)
    ("ymd", re.compile(r"(?<![\d.])" + _YEAR_DIGITS + r"[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
                       + r"(?!\d)")),
    ("dmy", re.compile(_NOT_NUMBER_BEFORE + r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\." + _Y4)),
    ("slash", re.compile(_NOT_NUMBER_BEFORE + r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/" + _Y4)),
    # weeks: "January 20 – January 26, 2025", "January 20-26, 2025",
    # "27 January – 2 February 2025", "20–26 января 2025"
    ("week", re.compile(_M + r"\s+" + _D + _DASH + _M2 + r"\s+" + _D2 + r",?\s+" + _YEAR)),
    ("week", re.compile(_M + r"\s+" + _D + _DASH + _D2 + r",?\s+" + _YEAR)),
    ("week", re.compile(_NOT_NUMBER_BEFORE + _D + r"\s+" + _M + _DASH + _D2 + r"\s+" + _M2
                        + r",?\s+" + _YEAR)),
    ("week", re.compile(_NOT_NUMBER_BEFORE + _D + _DASH + _D2 + r"\s+" + _M + r",?\s+" + _YEAR)),
    # "November 4, 2024", "Sept. 12 2025"; "4 November 2024", "6th of Sep, 2023", "4 ноября 2024 г."
    ("mdy", re.compile(_M + r"\s+" + _D + r"(?!\d),?\s+" + _YEAR)),
    ("dmy_named", re.compile(_NOT_NUMBER_BEFORE + _D + r"(?:\s+of)?\s+" + _M + r",?\s+" + _YEAR)),
    # yearless: "Sept. 12", "4 November", "31 октября", "4 лістапада"
    ("md", re.compile(_M + r"\s+" + _D + r"(?![\d:])")),
    ("dm", re.compile(_NOT_NUMBER_BEFORE + _D + r"\s+" + _M + r"(?![\w-])")),
]  # fmt: skip


@dataclass(frozen=True)
class Mention:
    """One date written in a text: its place, the date (or month and day when yearless)."""

    start: int
    end: int
    words: str
    month: int
    day: int
    year: int | None  # None: the text gives no year
    precision: Precision = "day"

    def on(self, year: int) -> dt.date | None:
        try:
            found = dt.date(year, self.month, self.day)
        except ValueError:
            return None
        if self.precision == "week":
            found -= dt.timedelta(days=found.weekday())  # a week is filed under its Monday
        return found

    @property
    def date(self) -> dt.date | None:
        return self.on(self.year) if self.year is not None else None


def mentions(text: str) -> list[Mention]:
    """Every date written in `text`, in reading order; a longer reading wins over a part of it
    ("January 20-26, 2025" is one week, not a yearless "January 20")."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            mention = _mention(kind, match)
            if mention is None:
                continue
            found.append(mention)
            taken.append((start, end))
    return sorted(found, key=lambda m: m.start)


def _mention(kind: str, match: re.Match[str]) -> Mention | None:
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if kind in ("ymd", "dmy"):
        month, day = int(groups["m"]), int(groups["d"])
    elif kind == "slash":
        first, second = int(groups["d"]), int(groups["m"])
        if first > 12 >= second or first == second:
            day, month = first, second
        elif second > 12 >= first:
            day, month = second, first  # 06/27/2024: month first
        else:
            return None  # 04/11/2024 reads both ways: not a date to trust
    else:
        month = month_number(groups["mon"])
        if month is None or (groups.get("mon2") and month_number(groups["mon2"]) is None):
            return None
        day = int(groups["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    try:
        dt.date(year or 2024, month, day)  # 2024: a leap year, so 29 February stays possible
    except ValueError:
        return None
    precision: Precision = "week" if kind == "week" else "day"
    words = match.group()
    if words.endswith(".") and not _abbreviated(groups.get("mon2") or groups.get("mon")):
        words = words[:-1]  # the sentence's full stop, not an abbreviation's ("Sept.")
    return Mention(match.start(), match.start() + len(words), words, month, day, year, precision)


def _abbreviated(month_word: str | None) -> bool:
    return bool(month_word) and month_word.lower() in _ABBREVIATIONS


# --- the words around a date ------------------------------------------------------------------

_FILLER = (
    r"(?:the|at\s+least|on|or|mid|early|late|end\s+of|the\s+end\s+of|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|конца|середины|канца|"
    r"сярэдзіны|кінця|середини|kanca)"
)
_DEADLINE_WORDS = (
    r"until|till|til|'til|by|through|thru|no\s+later\s+than|not\s+later\s+than|before|prior\s+to|"
    r"due|deadline(?:\s+(?:of|is))?|expires?|expiring|valid\s+(?:to|until|till|through)|up\s+to|to|"
    r"до|по|не\s+позднее|не\s+позже|вплоть\s+до|к|ко|не\s+пізніше|"
    r"да|па|не\s+пазней|не\s+пазьней|не\s+пазней\s+за|"
    r"da|pa|nie\s+paźniej|nie\s+pazniej|ne\s+pazniej"
)
_FORWARD_WORDS = (
    r"from|since|starting|beginning|as\s+of|as\s+from|effective|after|following|ahead\s+of|"
    r"с|со|начиная\s+с|после|з|са|ад|пачынаючы\s+з|пасля|пасьля|від|після|починаючи\s+з|"
    r"z|ad|pasla|paśla"
)
_GOVERNED = {
    "deadline": re.compile(
        rf"(?:^|[^\w'])(?:{_DEADLINE_WORDS})\s+(?:{_FILLER}[\s,]+)*$", re.IGNORECASE
    ),
    "forward": re.compile(
        rf"(?:^|[^\w'])(?:{_FORWARD_WORDS})\s+(?:{_FILLER}[\s,]+)*$", re.IGNORECASE
    ),
}
_FUTURE_CUE = re.compile(
    r"\b(?:will|shall|would|scheduled|planned|plans?|set\s+to|to\s+be\s+held|upcoming|next|"
    r"будет|будут|состоится|пройд[её]т|планируется|запланирован\w*|намечен\w*|"
    r"будзе|будуць|адбудзецца|плануецца|запланаван\w*|"
    r"буде|будуть|відбудеться|планується)\b",
    re.IGNORECASE,
)
_UPDATED_LABEL = re.compile(
    r"(?:updated|modified|edited|обновлено|обновлен|изменено|абноўлена|абноўлены|оновлено)"
    r"\W{0,3}(?:on\W{0,2}|at\W{0,2})?$",
    re.IGNORECASE,
)
_PUBLISHED_LABEL = re.compile(
    r"(?:published|posted|date|опубликовано|опубликован|дата|апублікавана|апублікаваны|"
    r"опубліковано|publikavana)\W{0,3}(?:on\W{0,2}|at\W{0,2})?$",
    re.IGNORECASE,
)


def _before(text: str, mention: Mention, chars: int = 48) -> str:
    """The words before a date in its own clause (a sentence or a line boundary cuts it)."""
    window = text[max(0, mention.start - chars) : mention.start]
    cut = max(window.rfind("\n"), window.rfind(". "), window.rfind("; "))
    return window[cut + 1 :] if cut >= 0 else window


def deadline_governed(text: str, mention: Mention) -> bool:
    """Whether a deadline word governs the date ("until 31 December 2026", "до 1 сентября")."""
    return bool(_GOVERNED["deadline"].search(_before(text, mention)))


def _forward_governed(text: str, mention: Mention) -> bool:
    before = _before(text, mention, 80)
    return bool(_GOVERNED["forward"].search(before[-48:]) or _FUTURE_CUE.search(before))


# --- years for yearless dates -----------------------------------------------------------------


def latest_past(month: int, day: int, today: dt.date, year_hint: int | None = None) -> dt.date:
    """The date of a yearless day: in the year the URL names if that is not after the import
    day, else the latest occurrence on or before the import day."""
    if year_hint is not None:
        hinted = _safe_date(year_hint, month, day)
        if hinted is not None and hinted <= today:
            return hinted
    year = today.year
    while True:
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
        year -= 1


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# --- the URL ----------------------------------------------------------------------------------

_Y = r"((?:19|20)\d\d)"
_ALONE_BEFORE = r"(?<![0-9A-Za-z])"  # a number on its own, not part of an id or a hash
_ALONE_AFTER = r"(?![0-9A-Za-z])"
_URL_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(r"/" + _Y + r"/(\d{1,2})/(\d{1,2})(?=/|$|[-_.])")),
    ("dmy", re.compile(r"/(\d{1,2})/(\d{1,2})/" + _Y + r"(?=/|$)")),
    ("ymd", re.compile(_ALONE_BEFORE + _Y + r"[-_.](\d{1,2})[-_.](\d{1,2})" + _ALONE_AFTER)),
    ("dmy", re.compile(_ALONE_BEFORE + r"(\d{1,2})[-_.](\d{1,2})[-_.]" + _Y + _ALONE_AFTER)),
    (
        "ymd",
        re.compile(_ALONE_BEFORE + _Y + r"(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])" + _ALONE_AFTER),
    ),
    ("ym", re.compile(r"/" + _Y + r"/(\d{1,2})(?=/|$)")),
    ("epoch", re.compile(r"(?<![0-9A-Za-z.])(\d{13}|\d{10})(?![0-9A-Za-z]|\.\d)")),
]


@dataclass(frozen=True)
class UrlDate:
    """What the URL says about the date: a date (if any), a lone year, and notes."""

    date: dt.date | None = None
    precision: Precision = "day"
    words: str = ""
    from_epoch: bool = False
    year_hint: int | None = None
    notes: tuple[str, ...] = ()


def url_date(url: str | None, today: dt.date | None = None) -> UrlDate:
    """The date a URL spells: /2024/6/7/, /2024/06/27/, 2024-06-27, 20240627, /27/06/2024/,
    05-11-2025 (day first, on a country's domain or when only that reading is a date),
    /2024/06/ (a month), or epoch seconds or milliseconds; else a lone year, to give a yearless
    dateline its year. A date after the import day is not taken and is noted; an epoch outside
    the years of web news is a number, not a date."""
    if not url:
        return UrlDate()
    today = today or clock_today()
    try:
        parts = urlsplit(url[:2000])
    except ValueError:
        return UrlDate()
    notes: list[str] = []
    tld = (parts.hostname or "").rsplit(".", 1)[-1]
    day_first = bool(tld) and tld not in _MONTH_FIRST_TLDS
    for place in (unquote(parts.path), unquote(parts.query)):
        for kind, pattern in _URL_PATTERNS:
            for match in pattern.finditer(place):
                found = _url_match(kind, match, day_first=day_first)
                if found is None:
                    continue
                date, precision = found
                if date < EARLIEST:
                    continue
                if date > today:
                    if kind == "epoch" and date.year > today.year + 1:
                        continue  # an id that happens to have ten digits
                    note = (
                        f"a date in the future ({date.isoformat()}) was not taken: "
                        f"the URL's {match.group()!r}"
                    )
                    if note not in notes:
                        notes.append(note)
                    continue
                return UrlDate(date, precision, match.group(), kind == "epoch", None, tuple(notes))
    years = set(re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", unquote(parts.path)))
    hint = int(years.pop()) if len(years) == 1 else None
    return UrlDate(year_hint=hint if hint and hint <= today.year else None, notes=tuple(notes))


# Where 04-11-2024 may be April 11: generic and American domains. A country's own domain
# (.by, .ru, .eu, .pl ...) writes the day first, as its country does.
_MONTH_FIRST_TLDS = {"com", "net", "org", "us", "gov", "edu", "mil"}


def _url_match(
    kind: str, match: re.Match[str], *, day_first: bool = False
) -> tuple[dt.date, Precision] | None:
    if kind == "epoch":
        value = int(match.group(1))
        seconds = value / 1000 if len(match.group(1)) == 13 else value
        try:
            moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return moment.date(), "day"
    numbers = [int(g) for g in match.groups()]
    if kind == "ym":
        found = _safe_date(numbers[0], numbers[1], 1)
        return (found, "month") if found else None
    if kind == "dmy":
        day, month, year = numbers
        if not (day > 12 >= month or day == month or day_first):
            return None  # /04/11/2024/ on a .com reads both ways
    else:
        year, month, day = numbers
    found = _safe_date(year, month, day)
    return (found, "day") if found else None


# --- the page's metadata ----------------------------------------------------------------------


def html_metadata_date(html: str) -> str | None:
    """The publication date the page's metadata declares (meta tags, JSON-LD, schema.org
    itemprops, <time pubdate>), read by htmldate. htmldate is handed only that metadata, not
    the page's text, the title or the URL, so it cannot guess from the body: a date there is
    the page's own statement."""
    skeleton = _metadata_skeleton(html)
    if skeleton is None:
        return None
    import logging

    from htmldate import find_date as htmldate_find_date

    logging.getLogger("htmldate").setLevel(logging.ERROR)
    try:
        return htmldate_find_date(
            skeleton,
            extensive_search=False,
            original_date=True,
            url=None,
            min_date=EARLIEST.isoformat(),
            max_date="2099-12-31",  # the future is judged here, with a note, not dropped silently
        )
    except Exception:  # htmldate failing on hostile markup: the page has no usable metadata
        return None


_TIME_HINT = re.compile(r"publish|posted|pubdate|entry-date|article-date|created", re.IGNORECASE)
_DATE_PROPS = {"datepublished", "datecreated", "uploaddate"}


def _metadata_skeleton(html: str) -> str | None:
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    head: list[str] = []
    body: list[str] = []
    for meta in tree.iter("meta"):
        attributes = {
            k: v
            for k, v in meta.attrib.items()
            if k in ("name", "property", "itemprop", "content", "http-equiv")
        }
        if attributes.get("content"):
            head.append(_element("meta", attributes))
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            head.append(_element("script", {"type": "application/ld+json"}, script.text))
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        prop = (element.get("itemprop") or "").lower()
        value = element.get("content") or element.get("datetime")
        if prop in _DATE_PROPS and value and element.tag != "meta":
            head.append(_element("meta", {"itemprop": prop, "content": value}))
        elif element.tag == "time" and element.get("datetime"):
            hints = " ".join(str(element.get(a) or "") for a in ("class", "id", "itemprop"))
            if element.get("pubdate") is not None or _TIME_HINT.search(hints):
                body.append(
                    _element("time", {"datetime": element.get("datetime"), "class": "published"})
                )
    if not head and not body:
        return None
    return f"<html><head>{''.join(head)}</head><body>{''.join(body)}</body></html>"


def _element(tag: str, attributes: dict[str, str], text: str = "") -> str:
    from html import escape

    attrs = "".join(f' {name}="{escape(value[:500])}"' for name, value in attributes.items())
    if tag == "meta":
        return f"<meta{attrs}>"
    return f"<{tag}{attrs}>{escape(text[:50_000], quote=False)}</{tag}>"


def metadata_date(value: object) -> tuple[dt.date, str] | None:
    """A date declared as metadata (front matter, a page's meta tags): a date, a datetime or a
    string holding one."""
    if isinstance(value, dt.datetime):
        return value.date(), value.isoformat()
    if isinstance(value, dt.date):
        return value, value.isoformat()
    if not isinstance(value, str):
        return None
    words = value.strip()[:200]
    iso = re.match(r"((?:19|20)\d\d)-(\d\d)-(\d\d)", words)
    if iso:
        found = _safe_date(*(int(g) for g in iso.groups()))
        return (found, words) if found else None
    for mention in mentions(words):
        if mention.date is not None:
            return mention.date, words
    return None


# --- the choice -------------------------------------------------------------------------------


@dataclass
class _Notes:
    items: list[str] = field(default_factory=list)

    def add(self, note: str) -> None:
        if note not in self.items and len(self.items) < 6:
            self.items.append(note)


def publication_date(
    *,
    text: str,
    header: str = "",
    url: str | None = None,
    metadata: object = None,
    today: dt.date | None = None,
) -> PublicationDate:
    """The publication date: from `metadata` (a page's meta tags, a front matter's `date`), the
    URL, the dateline (`header`, the lines above the body, and the start of the body's first
    line), then the lead of `text`. Deadline dates and dates after the import day are never
    taken; each is named in a note."""
    today = today or clock_today()
    notes = _Notes()

    from_url = url_date(url, today)
    declared = metadata_date(metadata) if metadata is not None else None
    if declared is not None:
        date, words = declared
        if date > today:
            notes.add(
                f"a date in the future ({date.isoformat()}) was not taken: the metadata's {words!r}"
            )
        elif date >= EARLIEST:
            if (
                from_url.date is not None
                and from_url.precision == "day"
                and abs((from_url.date - date).days) > 1
            ):
                notes.add(
                    f"the metadata says {date.isoformat()} but the URL says "
                    f"{from_url.date.isoformat()}: the metadata's date was taken; check it"
                )
            return PublicationDate(date, "day", "metadata", words, tuple(notes.items))

    for note in from_url.notes:
        notes.add(note)

    dateline = _dateline_date(header, text, today, from_url.year_hint, notes)
    if from_url.date is not None:
        refined = _refine_url_date(from_url, dateline, notes)
        if refined is not None:
            return PublicationDate(*refined, tuple(notes.items))
    if dateline is not None:
        date, precision, words = dateline
        return PublicationDate(date, precision, "dateline", words, tuple(notes.items))

    in_text = _text_date(text, today, from_url.year_hint, notes)
    if in_text is not None:
        date, precision, words = in_text
        return PublicationDate(date, precision, "text", words, tuple(notes.items))
    notes.add(NO_DATE_NOTE)
    return PublicationDate(None, "day", None, "", tuple(notes.items))


def _refine_url_date(
    from_url: UrlDate,
    dateline: tuple[dt.date, Precision, str] | None,
    notes: _Notes,
) -> tuple[dt.date, Precision, DateSource, str] | None:
    """The URL's date, unless the dateline says better: a day within the URL's month, or (for
    an epoch, which may be an id that looks like one) a different day."""
    assert from_url.date is not None
    if dateline is not None:
        date, precision, words = dateline
        if from_url.precision == "month" and (date.year, date.month) == (
            from_url.date.year,
            from_url.date.month,
        ):
            return date, precision, "dateline", words
        if abs((date - from_url.date).days) > 1:
            if from_url.from_epoch:
                notes.add(
                    f"the URL's number {from_url.words} reads as {from_url.date.isoformat()}, "
                    f"but the dateline says {date.isoformat()}: the dateline was taken"
                )
                return date, precision, "dateline", words
            if from_url.precision == "day":
                notes.add(
                    f"the dateline says {date.isoformat()} ({words!r}) but the URL says "
                    f"{from_url.date.isoformat()}: the URL's date was taken; check it"
                )
    return from_url.date, from_url.precision, "url", from_url.words


@dataclass(frozen=True)
class _Candidate:
    rank: int  # 0 labelled "published", 1 plain, 2 labelled "updated"
    date: dt.date
    precision: Precision
    words: str
    note: str = ""  # what the analyst should check if this one is taken


# Where a dateline ends in the body's first line: "MINSK, 4 November (BelTA) –", "VILNIUS, Oct 3,
# 2025 (Reuters) -", "МОСКВА, 4 ноября. /ТАСС/.", "Minsk, November 4, 2024 –".
_DATELINE_END = re.compile(r"\)\s*[-–—:]|\s[-–—]\s|/\s*[^\W\d_][^/\n]{0,30}/")
_PLACE_BEFORE_DATE = re.compile(r"^[^\W\d_][^\n,.]{0,40},\s*$")


def dateline_prefix(line: str) -> str:
    """The dateline at the start of the body's first line: up to its first dash, its agency
    mark or a "/TASS/"; or a place and a comma before a date ("Vilnia, 12 kastryčnika.")."""
    head = line[:120]
    end = _DATELINE_END.search(head)
    if end is not None:
        return head[: end.end()].rstrip()
    for mention in mentions(head):
        if _PLACE_BEFORE_DATE.match(head[: mention.start]):
            return head[: mention.end]
        break
    return ""


def _resolve(
    mention: Mention, today: dt.date, year_hint: int | None, where: str
) -> tuple[dt.date | None, str]:
    """The date a mention stands for, and for a yearless one a note on the year chosen."""
    if mention.year is not None:
        return mention.date, ""
    date = latest_past(mention.month, mention.day, today, year_hint)
    if mention.precision == "week":
        date -= dt.timedelta(days=date.weekday())
    whence = (
        "the URL's year"
        if year_hint == date.year
        else "that of the latest such day on or before the import day"
    )
    return date, f"{where} {_shown(mention)} gives no year: {date.year} is {whence}"


def _shown(mention: Mention) -> str:
    return repr(mention.words.strip())


def _dateline_date(
    header: str, text: str, today: dt.date, year_hint: int | None, notes: _Notes
) -> tuple[dt.date, Precision, str] | None:
    """The date in the lines above the body or in the dateline that opens it; a date labelled
    "Published" wins over one labelled "Updated", else the first one. A yearless date takes the
    URL's year, else the latest such day on or before the import day."""
    header = header[:3000]
    first_line = text[:1000].lstrip().split("\n", 1)[0]
    region = f"{header}\n{dateline_prefix(first_line)}"
    candidates: list[_Candidate] = []
    for mention in mentions(region):
        if deadline_governed(region, mention):
            notes.add(f"the text names {_iso_or_words(mention)} after a deadline word; not taken")
            continue
        date, note = _resolve(mention, today, year_hint, "the dateline")
        if date is None or date < EARLIEST:
            continue
        if date > today:
            notes.add(f"a date in the future ({date.isoformat()}) was not taken")
            continue
        before = _before(region, mention)
        rank = 2 if _UPDATED_LABEL.search(before) else 0 if _PUBLISHED_LABEL.search(before) else 1
        candidates.append(_Candidate(rank, date, mention.precision, mention.words, note))
    if not candidates:
        return _month_only_line(header, today)
    best = min(candidates, key=lambda c: c.rank)  # min keeps the first of the best rank
    if best.note:
        notes.add(best.note)
    if best.rank == 2:
        notes.add(
            f"only an update date ({best.date.isoformat()}) was found: the article may have "
            "appeared earlier; check it"
        )
    return best.date, best.precision, best.words


def _iso_or_words(mention: Mention) -> str:
    return mention.date.isoformat() if mention.date else _shown(mention)


_MONTH_LINE = re.compile(r"^\W{0,3}" + _MON.format(g="mon") + r",?\s+(?P<y>(?:19|20)\d\d)\W{0,3}$")


def _month_only_line(header: str, today: dt.date) -> tuple[dt.date, Precision, str] | None:
    """A header line that is only a month and a year ("January 2025"): a month's precision."""
    for line in header.split("\n")[:20]:
        match = _MONTH_LINE.match(line.strip())
        if not match:
            continue
        month = month_number(match.group("mon"))
        if month is None:
            continue
        found = dt.date(int(match.group("y")), month, 1)
        if EARLIEST <= found <= today:
            return found, "month", line.strip()
    return None


def _text_date(
    text: str, today: dt.date, year_hint: int | None, notes: _Notes
) -> tuple[dt.date, Precision, str] | None:
    """The first date in the lead that reads as the news itself: not a deadline, not a start
    ("from", "since", "с"), not announced ("will", "будет"), not after the import day, and not
    long before it (a date months back is background: the election of 2020, a treaty). A
    yearless day counts only in the first line ("closed overnight on Sept. 12"): deeper in the
    text its year is anyone's guess."""
    lead = text[:TEXT_SCAN_CHARS]
    first_line_end = min(len(lead.split("\n", 1)[0]), FIRST_LINE_CHARS)
    background: dt.date | None = None
    for mention in mentions(lead):
        if mention.year is None and mention.start >= first_line_end:
            continue
        if deadline_governed(lead, mention):
            notes.add(f"the text names {_iso_or_words(mention)} after a deadline word; not taken")
            continue
        if _forward_governed(lead, mention):
            continue
        date, note = _resolve(mention, today, year_hint, "the text's")
        if date is None or date < EARLIEST:
            continue
        if date > today:
            notes.add(f"a date in the future ({date.isoformat()}) was not taken")
            continue
        if (today - date).days > TEXT_WINDOW_DAYS:
            background = background or date
            continue
        if note:
            notes.add(note)
        return date, mention.precision, mention.words
    if background is not None:
        notes.add(
            f"the text names {background.isoformat()}, more than {TEXT_WINDOW_DAYS} days before "
            "the import day; not taken as the publication date"
        )
    return None
