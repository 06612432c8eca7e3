"""Words as import compares them: lowercased, stemmed (English and Russian Snowball; Belarusian
through the Russian stemmer plus a prefix cap), stop words out.

One tokenizer serves suggestions and same-event detection, so "diplomats", "diplomatic" and
"дипломатов" meet their relatives however the article or the paper spells them.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|\d+(?:[.,]\d+)?", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яёіў]")
_EN = snowballstemmer.stemmer("english")
_RU = snowballstemmer.stemmer("russian")
PREFIX_CAP = 7  # a stem is at most this long: Belarusian and Russian forms then often meet

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
    noted new however well year years time day days week weeks в во на не и а но или что это как
    так же то к ко с со у о об от до по из за для при над под без про через между его ее её их
    он она оно они мы вы я ты бы ли был была было были быть есть этот эта эти этого этой того
    тот та те также уже еще ещё только когда где все всё всех весь который которая которое
    которые которых чтобы если может будет і ў ад да па з што гэта як таксама але ці яго яе іх
    ён яна яно яны быў былі ёсць гэты гэтая гэтыя які якая якое якія калі дзе усе ўсе
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """One word's comparable form."""
    word = word.lower().replace("ё", "е").replace("’", "'")
    if _CYRILLIC.search(word):
        return _RU.stemWord(word)[:PREFIX_CAP]
    if word.isdigit() or not word.isalpha():
        return word
    return _EN.stemWord(word)[: PREFIX_CAP + 2]


def words(text: str) -> list[str]:
    """The raw words of a text, in order (no stemming): for phrases and shingles."""
    return _WORD.findall(text)


def tokens(text: str) -> list[str]:
    """Stems of the text's content words, in order; stop words and one-letter words out."""
    out = []
    for word in _WORD.findall(text):
        lower = word.lower()
        if lower in STOP_WORDS or (len(lower) < 2 and not lower.isdigit()):
            continue
        out.append(stem(lower))
    return out


def surface_forms(text: str) -> dict[str, str]:
    """For each stem, the first word that produced it: so `matched` shows words, not stems."""
    forms: dict[str, str] = {}
    for word in _WORD.findall(text):
        lower = word.lower()
        if lower in STOP_WORDS:
            continue
        forms.setdefault(stem(lower), word)
    return forms
