"""Words as import compares them: lemmas, not cut-off stems; names as one key in any script.

- English words go through the Snowball (Porter 2) stemmer: English inflection is shallow and
  the stemmer is exact enough ("appointed", "appointment" meet at "appoint").
- Russian words are lemmatized with pymorphy3 (OpenCorpora's dictionary, and its guesser for
  unknown words): "послов" is "посол", "после" stays "после" (a stop word), where a stem cut
  at seven letters made the two one word.
- Belarusian has no maintained lemmatizer (neither pymorphy3 nor simplemma has a Belarusian
  dictionary): a Cyrillic word with "і" or "ў", or one the Russian dictionary does not know,
  loses its inflectional ending from a short list of Belarusian endings. The choice depends
  on the word alone, never on the text around it, so the paper's search terms and an
  article's words always meet the same way.

Measured on this machine (see docs/import.md): pymorphy3 starts in 0.08 s and lemmatizes a
word in ~20 µs; simplemma's Russian dictionary takes 0.9 s to load and has no Belarusian
either; so pymorphy3, loaded only when a text has Cyrillic words.

`name_key` turns a name into one key across scripts and spellings (Рыжанков, Рыженкова,
Ryzhenkov, Ryzhankou all give "rzhnkv"): transliterated, digraphs folded, vowels dropped.
Calendar words (weekdays, months) are never names.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|\d+(?:[.,]\d+)?", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яёіў]")
_BELARUSIAN_ONLY = re.compile(r"[іў]")

_STOP_WORD_LIST = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even ever few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just least less let like many may me might more most much must my
    myself no nor not now of off often on once one only or other our ours ourselves out over own
    per said same say says she should since so some still such than that the their theirs them
    themselves then there these they this those though through thus to too under until up upon
    us very via was we were what when where whether which while who whom whose why will with
    within without would yet you your yours yourself yourselves mr ms mrs according told added
    noted new however well also its it's isn't don't can't won't there's
    в во на не и а но или что это как так же то к ко с со у о об от до по из за для при над
    под без про через между его ее её их он она оно они мы вы я ты бы ли был была было были
    быть есть этот эта эти этого этой того тот та те также уже еще ещё только когда где все
    всё всех весь который которая которое которые которых чтобы если может будет после перед
    около более менее очень свой своей своих себя сам сама самого ним нем ней них нему ему
    заявил заявила сообщил сообщила отметил отметила сказал сказала
    і ў ад да па з што гэта як таксама але ці яго яе іх ён яна яно яны быў была было былі
    ёсць гэты гэтая гэтыя які якая якое якія калі дзе усе ўсе пасля перад каля больш менш
    вельмі свой сваёй сваіх сябе сам сама заявіў заявіла паведаміў сказаў адзначыў
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())

_CALENDAR_LIST = """
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow tonight
    weekend morning evening afternoon night spring summer autumn fall winter
    понедельник вторник среда четверг пятница суббота воскресенье январь февраль март апрель
    май июнь июль август сентябрь октябрь ноябрь декабрь сегодня вчера завтра
    панядзелак аўторак серада чацвер пятніца субота нядзеля студзень люты сакавік красавік
    травень чэрвень ліпень жнівень верасень кастрычнік лістапад снежань сёння учора заўтра
"""
_CALENDAR = frozenset(_CALENDAR_LIST.split())
# Inflected calendar words that the lemmatizer may not bring home ("ноября", "лістапада").
_CALENDAR_STEMS = tuple(
    w[:-1] if len(w) > 4 else w for w in _CALENDAR_LIST.split() if _CYRILLIC.search(w)
)

# Belarusian endings that end in a consonant (cases, infinitives); after them, trailing vowels
# go too, so "санкцыя", "санкцыі", "санкцый" and "санкцыямі" all come to "санкц".
_BE_ENDINGS = sorted(
    [
        "амі",
        "ямі",
        "ымі",
        "імі",
        "ага",
        "яга",
        "аму",
        "яму",
        "ому",
        "ым",
        "ім",
        "ом",
        "ем",
        "ам",
        "ям",
        "ах",
        "ях",
        "ох",
        "ых",
        "іх",
        "ай",
        "ой",
        "ей",
        "эй",
        "ёй",
        "ць",
        "ці",
    ],
    key=len,
    reverse=True,
)
_BE_VOWELS = frozenset("аеёіоуыэюяйўь")

_morph: Any = None


def _analyzer() -> Any:
    global _morph
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer(lang="ru")
    return _morph


def _belarusian_stem(word: str) -> str:
    for ending in _BE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    while len(word) > 3 and word[-1] in _BE_VOWELS:
        word = word[:-1]
    return word


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """One word's comparable form: its lemma (Russian), stem (English), or its stem after
    Belarusian endings are taken off."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if _CYRILLIC.search(word):
        word = word.replace("ё", "е")
        if _BELARUSIAN_ONLY.search(word) or "'" in word:
            return _belarusian_stem(word)
        parse = _analyzer().parse(word)[0]
        if parse.is_known:
            return str(parse.normal_form).replace("ё", "е")
        return _belarusian_stem(word)
    if word.isdigit() or not word.replace("-", "").replace("'", "").isalpha():
        return word
    return _english_stem(word)


_english = threading.local()  # a Snowball stemmer keeps state while it stems: one per thread


def _english_stem(word: str) -> str:
    stemmer = getattr(_english, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _english.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


# Kept for callers that spoke of stems.
stem = lemma


@lru_cache(maxsize=1 << 17)
def is_calendar_word(word: str) -> bool:
    """Weekdays, months and their abbreviations, in English, Russian and Belarusian, in any
    case form ("November", "ноября", "лістапада"): never names, never evidence of one event.
    Remembered per word: indexing 10,000 articles asks it 2.5 million times."""
    lower = word.lower().rstrip(".").replace("ё", "е")
    if lower in _CALENDAR:
        return True
    if _CYRILLIC.search(lower):
        return any(lower.startswith(s) and len(lower) - len(s) <= 3 for s in _CALENDAR_STEMS)
    return False


def words(text: str) -> list[str]:
    """The raw words of a text, in order (no lemmas): for phrases and shingles."""
    return _WORD.findall(text)


def is_content_word(word: str) -> bool:
    lower = word.lower()
    return not (lower in STOP_WORDS or (len(lower) < 2 and not lower.isdigit()))


def tokens(text: str) -> list[str]:
    """Lemmas of the text's content words, in order; stop words and one-letter words out."""
    return [lemma(w) for w in _WORD.findall(text) if is_content_word(w)]


def surface_forms(text: str) -> dict[str, str]:
    """For each lemma, the first word that produced it: so `matched` shows words, not lemmas."""
    forms: dict[str, str] = {}
    for word in _WORD.findall(text):
        if is_content_word(word):
            forms.setdefault(lemma(word), word)
    return forms


# --- names across scripts ----------------------------------------------------------------------

_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
    "ў": "w", "'": "", "’": "", "ł": "l", "ß": "ss",
}  # fmt: skip
_DIGRAPHS = (
    ("shch", "s"), ("sch", "s"), ("tsch", "c"), ("kh", "h"), ("zh", "z"), ("ts", "t"),
    ("tz", "c"), ("ch", "c"), ("sh", "s"), ("cz", "c"), ("sz", "s"), ("ck", "k"),
    ("ph", "f"), ("w", "v"), ("q", "k"), ("x", "ks"), ("j", "y"), ("dz", "d"),
)  # fmt: skip
_VOWELS = re.compile(r"[aeiouy]")
# Russian case endings of names that leave a consonant behind once vowels are gone.
_NAME_CASE = re.compile(r"(?:ом|ем|ым|ім|им|ой|ей|ай|ах|ях|ами|ями|амі|ямі)$")


@lru_cache(maxsize=100_000)
def transliterate(word: str) -> str:
    """Latin letters for a word in any script: Cyrillic by a fixed table, accents dropped."""
    lower = word.lower()
    latin = "".join(_TO_LATIN.get(c, c) for c in lower)
    return unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()


@lru_cache(maxsize=100_000)
def name_key(word: str) -> str:
    """One key for a name however it is written: "Рыжанкоў", "Рыженкова", "Ryzhenkov" and
    "Ryzhankou" meet; "Лукашенко"/"Lukashenka", "Мінск"/"Minsk", "Ціханоўская"/"Тихановская"
    too. Names of fewer than three consonants keep their vowels, so "Ali" and "Al" differ."""
    lower = word.lower().replace("’", "'")
    if lower.endswith("'s"):
        lower = lower[:-2]
    if _CYRILLIC.search(lower):
        lower = _NAME_CASE.sub("", lower) if len(lower) > 5 else lower
    latin = transliterate(lower)
    for old, new in _DIGRAPHS:
        latin = latin.replace(old, new)
    latin = re.sub(r"(?:ou|au|ow|aw|ov|av)$", "v", latin)
    latin = re.sub(r"ou(?=[^aeiouy])", "ov", latin)
    latin = re.sub(r"[^a-z0-9]", "", latin)
    if not latin:
        return lower
    skeleton = latin[0] + _VOWELS.sub("", latin[1:])
    skeleton = re.sub(r"(.)\1+", r"\1", skeleton)
    if len(skeleton) < 3:
        return "~" + latin
    return "~" + skeleton
