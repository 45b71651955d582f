"""Detect a post's language (ISO 639-1) with lingua, among the languages the hub cares about."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sentiment.text import clean_text

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es", "it", "nl", "pt")
# Fewer letters than this ("ok", "👍", "!!!") say nothing reliable about a language.
MIN_LETTERS = 3
# lingua answers None unless the best language beats the runner-up by this much: on short posts
# ("Top", "J'adore") a None is more useful than a confident wrong guess.
MIN_RELATIVE_DISTANCE = 0.1
# Detection accuracy stops improving long before 100 KB; reading more only costs time.
MAX_CHARS = 2000
# Links and @handles are language-neutral noise that lingua would read as words.
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+")


def detect_language(text: str, *, languages: Iterable[str] = DEFAULT_LANGUAGES) -> str | None:
    """Return the ISO 639-1 code of ``text``'s language, or None when it is empty, too short or unclear."""
    return detect_languages([text], languages=languages)[0]


def detect_languages(texts: Sequence[str], *, languages: Iterable[str] = DEFAULT_LANGUAGES) -> list[str | None]:
    """Detect the language of each text (same order), using lingua's parallel batch mode."""
    detector = _detector(_normalise_codes(languages))
    cleaned = [_NOISE.sub(" ", clean_text(text, max_chars=MAX_CHARS)) for text in texts]
    todo = [i for i, text in enumerate(cleaned) if sum(ch.isalpha() for ch in text) >= MIN_LETTERS]
    results: list[str | None] = [None] * len(texts)
    if todo:
        found = detector.detect_languages_in_parallel_of([cleaned[i] for i in todo])
        for i, language in zip(todo, found, strict=True):
            results[i] = language.iso_code_639_1.name.lower() if language is not None else None
    return results


def _normalise_codes(languages: Iterable[str]) -> tuple[str, ...]:
    """Return a sorted, lower-case tuple of codes, so equal sets share one cached detector."""
    codes = tuple(sorted({code.strip().lower() for code in languages}))
    if len(codes) < 2:
        raise ValueError(f"language detection needs at least two languages, got {codes}")
    return codes


@functools.lru_cache(maxsize=4)
def _detector(codes: tuple[str, ...]) -> Any:
    """Build one lingua detector per language set, on first use (its models load lazily, ~1 s each)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    try:
        wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes]
    except (AttributeError, ValueError):
        raise ValueError(f"unknown ISO 639-1 code among {codes}") from None
    return LanguageDetectorBuilder.from_languages(*wanted).with_minimum_relative_distance(MIN_RELATIVE_DISTANCE).build()
