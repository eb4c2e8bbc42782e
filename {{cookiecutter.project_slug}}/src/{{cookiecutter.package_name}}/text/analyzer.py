"""The BM25 analyzer: lower-cased, stemmed words, plus identifiers kept whole.

``HX-4200`` yields ``hx4200`` (so an exact part number matches strongly) as well as ``hx``
and ``4200`` (so a partial one still matches). Identifiers are normalised, so a rule never
depends on spelling: case, hyphens, dots and underscores go (``SHA-256``, ``sha256`` and
``SHA256`` are all ``sha256``; ``E-104`` is ``e104``), and a short capitalised prefix written
apart from its number is joined (``SHA 256``, ``E 104``). One-letter words and English stopwords
are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_TOKEN = re.compile(r"[^\W_]+(?:[-_./:][^\W_]+)*")
_SEPARATORS = re.compile(r"[-_./:]")
# "SHA 256", "E 104": up to four capitals, a space, then digits.
_SPACED_ID = re.compile(r"\b([A-Z]{1,4})\s(\d+)\b")
# Question words carry no topic: without them a question matches on what it asks about.
_QUESTION_WORDS = {
    "am",
    "can",
    "could",
    "did",
    "do",
    "does",
    "get",
    "got",
    "how",
    "i",
    "i'm",
    "many",
    "may",
    "me",
    "might",
    "much",
    "must",
    "my",
    "our",
    "shall",
    "should",
    "us",
    "we",
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "whose",
    "why",
    "would",
    "you",
    "your",
}
STOPWORDS = frozenset(STOPWORDS_EN) | _QUESTION_WORDS
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def analyze_words(text: str) -> list[tuple[str, str]]:
    """(term, the word it came from) for every term of ``text``, in ``analyze`` order."""
    text = unicodedata.normalize("NFKC", text)
    pairs = [(f"{a}{b}".casefold(), f"{a} {b}".casefold()) for a, b in _SPACED_ID.findall(text)]
    for match in _TOKEN.finditer(text.casefold()):
        token = match.group()
        parts = _SEPARATORS.split(token)
        if len(parts) > 1:
            pairs.append(("".join(parts), token))
        for part in parts:
            if (len(part) > 1 or part.isdigit()) and part not in STOPWORDS:
                pairs.append((_stem(part), part))
    return pairs


def analyze(text: str) -> list[str]:
    """Terms of ``text`` for BM25."""
    return [term for term, _ in analyze_words(text)]


def identifiers(text: str) -> set[str]:
    """Terms that name a thing exactly: start with a letter and contain a digit (E104, hx-4200).

    Quantities such as ``2am`` or ``96`` are not identifiers.
    """
    return {t for t in analyze(text) if t[0].isalpha() and any(ch.isdigit() for ch in t)}
