"""How common a word is in its language, from a maintained frequency list (wordfreq).

A project of four items cannot tell that "President" or "Washington" are everyday words: in
its own counts every name is rare. The language can: wordfreq's lists give each word's Zipf
frequency (6 is "the"-like, 3 is once per million words, 0 is unknown). Same-event detection
weighs names by this rarity, so a shared "Ryzhenkov" counts and a shared "Minister" does not.

Only wordfreq's "small" lists are read (every word used at least once per million: below
that a word is rare anyway, and its exact rarity does not matter). Reading them through
wordfreq means importing it (a tenth of a second); each list is therefore copied once, as
plain JSON, into the user's cache folder (never the project's), under wordfreq's version, and
read from there on later runs. A damaged copy is ignored and made again from wordfreq.
Belarusian has no list in wordfreq: a Cyrillic word is looked up in the Russian list after
mapping Belarusian letters to Russian ones, which finds the shared vocabulary and leaves
Belarusian-only words rare.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

COMMON_ZIPF = 4.0  # a capitalised word at least this common is a word, not a name
RARE_ZIPF = 6.5  # rarity = RARE_ZIPF - zipf: 6.5 for an unknown word, ~1 for "president"
_BE_TO_RU = str.maketrans({"і": "и", "ў": "у", "'": "ъ", "’": "ъ"})
_CYRILLIC = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіў")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wordfreq")
    except PackageNotFoundError:
        return "none"


def _copy_path(lang: str) -> Path | None:
    from tracker.speed.location import cache_home

    try:
        return cache_home() / f"wordfreq-{_version()}-small-{lang}.json"
    except Exception:  # no usable home or cache folder: read wordfreq each time
        return None


def _read_copy(path: Path) -> dict[str, float] | None:
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(8_000_000))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return data  # values are checked where read (`zipf`): a damaged one counts as unknown


def _from_wordfreq(lang: str) -> dict[str, float]:
    try:
        import wordfreq
    except ImportError:  # installed without it: every word counts as rare
        return {}
    import math

    frequencies = wordfreq.get_frequency_dict(lang, wordlist="small")
    return {w: round(math.log10(f) + 9, 2) for w, f in frequencies.items() if f > 0}


def _write_copy(path: Path, table: dict[str, float]) -> None:
    """Atomic, and silent when the cache folder cannot be written (only slower next time)."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".wordfreq-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(table, handle, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@lru_cache(maxsize=4)
def frequency_table(lang: str) -> dict[str, float]:
    """Zipf frequency of every word of the language's small list, lowercased."""
    path = _copy_path(lang)
    if path is not None:
        table = _read_copy(path)
        if table:
            return table
    table = _from_wordfreq(lang)
    if path is not None and table:
        _write_copy(path, table)
    return table


@lru_cache(maxsize=1 << 17)
def zipf(word: str) -> float:
    """The word's Zipf frequency in its language (English for Latin script, Russian for
    Cyrillic); 0.0 when the list does not have it. Remembered per word, as the lists are
    for the life of the process."""
    lower = word.lower().replace("’", "'")
    if lower and lower[0] in _CYRILLIC:
        value = frequency_table("ru").get(lower.translate(_BE_TO_RU).replace("ё", "е"), 0.0)
    else:
        value = frequency_table("en").get(lower, 0.0)
    return float(value) if isinstance(value, int | float) and 0 <= value <= 9 else 0.0


def rarity(word: str) -> float:
    """How much a shared word says about two texts being about one thing: 6.5 for a word the
    language does not know, about 1 for "president", 0 for "the"."""
    return max(RARE_ZIPF - zipf(word), 0.0)


def is_common_word(word: str) -> bool:
    """A word the language uses often enough that a capital letter does not make it a name
    ("President", "Washington", "Ministry")."""
    return zipf(word) >= COMMON_ZIPF
